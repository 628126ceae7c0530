//! Token signing keys: one RS256 and one ES256 key generated on first start and kept in the
//! database; the JWKS publishes every key not yet retired, so keys can be rotated by adding a
//! new one and retiring the old after tokens signed with it have expired.

use crate::crypto::{b64, now, random_token};
use crate::db::{Db, DbError};
use josekit::jwk::{Jwk, KeyPair};
use josekit::jws::{JwsHeader, JwsSigner, JwsVerifier, ES256, RS256};
use josekit::jwt::JwtPayload;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Key handling failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("jose: {0}")]
    Jose(#[from] josekit::JoseError),
    #[error("no signing key for {0}")]
    NoKey(String),
}

struct SigningKey {
    kid: String,
    signer: Box<dyn JwsSigner>,
}

/// The active signing keys by algorithm, the public JWKS, and a verifier for every
/// published key (by key id).
pub struct Keys {
    signers: HashMap<&'static str, SigningKey>,
    verifiers: HashMap<String, Box<dyn JwsVerifier>>,
    jwks: Value,
}

/// The algorithms Sesame signs with. Never `none`.
pub const ALGORITHMS: [&str; 2] = ["RS256", "ES256"];

impl Keys {
    /// Loads the keys, generating any missing one.
    pub async fn load_or_create(db: &Db) -> Result<Arc<Keys>, KeyError> {
        let mut rows = db.signing_keys().await?;
        let missing = |rows: &[crate::db::KeyRow]| {
            ALGORITHMS
                .iter()
                .any(|alg| !rows.iter().any(|r| r.alg == *alg))
        };
        if missing(&rows) {
            // Processes started together on one empty database would each make keys and
            // sign with their own, unknown to the others' JWKS: one of them, elected by the
            // unique row below, makes them; the others wait for its keys (then make any that
            // are still missing themselves, should it have died).
            let mine = random_token();
            let ticket = mine.clone();
            let elected = db.secret("signing_key_maker", move || ticket).await? == mine;
            if !elected {
                for _ in 0..100 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    rows = db.signing_keys().await?;
                    if !missing(&rows) {
                        break;
                    }
                }
            }
        }
        for alg in ALGORITHMS {
            if !rows.iter().any(|r| r.alg == alg) {
                let pem = match alg {
                    "RS256" => RS256.generate_key_pair(2048)?.to_pem_private_key(),
                    _ => ES256.generate_key_pair()?.to_pem_private_key(),
                };
                let pem = String::from_utf8_lossy(&pem).into_owned();
                let kid = random_token()[..16].to_string();
                db.insert_signing_key(&kid, alg, &pem, now()).await?;
                tracing::info!(%kid, alg, "generated a new signing key");
            }
        }
        rows = db.signing_keys().await?;
        let mut signers = HashMap::new();
        let mut verifiers: HashMap<String, Box<dyn JwsVerifier>> = HashMap::new();
        let mut jwks = Vec::new();
        // Newest first: the newest key of each algorithm signs, all are published.
        for row in rows {
            let (pair, signer): (Box<dyn KeyPair>, Box<dyn JwsSigner>) = match row.alg.as_str() {
                "RS256" => (
                    Box::new(RS256.key_pair_from_pem(&row.private_pem)?),
                    Box::new(RS256.signer_from_pem(&row.private_pem)?),
                ),
                "ES256" => (
                    Box::new(ES256.key_pair_from_pem(&row.private_pem)?),
                    Box::new(ES256.signer_from_pem(&row.private_pem)?),
                ),
                other => {
                    tracing::warn!(alg = other, "ignoring a signing key of unknown algorithm");
                    continue;
                }
            };
            let mut jwk: Jwk = pair.to_jwk_public_key();
            jwk.set_key_id(row.kid.clone());
            jwk.set_key_use("sig");
            jwk.set_algorithm(row.alg.clone());
            jwks.push(Value::Object(jwk.as_ref().clone()));
            let verifier: Box<dyn JwsVerifier> = if row.alg == "RS256" {
                Box::new(RS256.verifier_from_jwk(&jwk)?)
            } else {
                Box::new(ES256.verifier_from_jwk(&jwk)?)
            };
            verifiers.insert(row.kid.clone(), verifier);
            let alg: &'static str = if row.alg == "RS256" { "RS256" } else { "ES256" };
            signers.entry(alg).or_insert(SigningKey {
                kid: row.kid,
                signer,
            });
        }
        Ok(Arc::new(Keys {
            signers,
            verifiers,
            jwks: serde_json::json!({ "keys": jwks }),
        }))
    }

    /// The JSON Web Key Set document.
    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Signs `claims` as a JWT with the key for `alg`.
    pub fn sign(
        &self,
        alg: &str,
        typ: &str,
        claims: Map<String, Value>,
    ) -> Result<String, KeyError> {
        let key = self
            .signers
            .get(alg)
            .ok_or_else(|| KeyError::NoKey(alg.to_string()))?;
        let mut header = JwsHeader::new();
        header.set_token_type(typ);
        header.set_key_id(key.kid.clone());
        let payload = JwtPayload::from_map(claims)?;
        Ok(josekit::jwt::encode_with_signer(
            &payload,
            &header,
            key.signer.as_ref(),
        )?)
    }
}

impl Keys {
    /// The claims of a JWT signed by one of Sesame's own keys (an `id_token_hint`), whatever
    /// its expiry: only the signature is checked here, the caller judges the claims.
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, KeyError> {
        let header = josekit::jwt::decode_header(token)?;
        let kid = header
            .claim("kid")
            .and_then(Value::as_str)
            .ok_or_else(|| KeyError::NoKey("no kid".into()))?;
        let verifier = self
            .verifiers
            .get(kid)
            .ok_or_else(|| KeyError::NoKey(kid.to_string()))?;
        // The key decides the algorithm, never the token's header.
        if header.claim("alg").and_then(Value::as_str) != Some(verifier.algorithm().name()) {
            return Err(KeyError::NoKey("algorithm mismatch".into()));
        }
        let (payload, _) = josekit::jwt::decode_with_verifier(token, verifier.as_ref())?;
        Ok(payload.as_ref().clone())
    }
}

/// The left half of the SHA-256 of a token, as `at_hash` and `c_hash` need (both algorithms
/// Sesame uses are SHA-256 based).
pub fn half_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(token.as_bytes());
    b64(&digest[..16])
}

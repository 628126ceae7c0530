//! The relying-party side of a connector: the authorization request to the provider and,
//! on the way back, the code exchange and the identity it yields. OpenID Connect uses the
//! `openidconnect` crate (discovery, PKCE, `state`, a `nonce` that must come back, `iss`,
//! `aud` and signature checks); plain OAuth 2.0 uses the `oauth2` crate and the provider's
//! user-info endpoint.

use super::{Connector, Protocol};
use crate::crypto::now;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Why a provider could not sign the user in. Logged; the user sees a translated message.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("connector misconfigured: {0}")]
    Config(String),
    #[error("code exchange failed: {0}")]
    Exchange(String),
    #[error("ID token rejected: {0}")]
    IdToken(String),
    #[error("user info failed: {0}")]
    UserInfo(String),
    #[error("the provider named no subject")]
    NoSubject,
}

/// Seconds discovered metadata (and its signing keys) is used before being fetched again.
const DISCOVERY_TTL: i64 = 3600;

/// Discovered provider metadata per connector, with when it was fetched.
#[derive(Debug, Default)]
pub struct DiscoveryCache(Mutex<HashMap<String, (Arc<CoreProviderMetadata>, i64)>>);

impl DiscoveryCache {
    /// The discovered authorization endpoint of connector `id`.
    pub fn authorization_endpoint(&self, id: &str) -> Option<String> {
        let m = self.0.lock().ok()?;
        m.get(id)
            .map(|(md, _)| md.authorization_endpoint().to_string())
    }
}

/// The secrets of one authorization request, kept in the flow until the provider answers.
#[derive(Clone, Debug)]
pub struct Started {
    /// Where to send the browser.
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says the user is.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Upstream {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    /// Whether the provider reported a second factor (`amr` with `mfa`, or an `acr` the
    /// connector lists).
    pub mfa: bool,
}

fn redirect_uri(issuer: &str, c: &Connector) -> Result<RedirectUrl, FederationError> {
    RedirectUrl::new(format!("{issuer}/federation/callback/{}", c.id))
        .map_err(|e| FederationError::Config(e.to_string()))
}

async fn metadata(
    http: &crate::outbound::Outbound,
    cache: &DiscoveryCache,
    c: &Connector,
    refresh: bool,
) -> Result<Arc<CoreProviderMetadata>, FederationError> {
    if !refresh {
        let cached = cache.0.lock().ok().and_then(|m| m.get(&c.id).cloned());
        if let Some((md, at)) = cached {
            if now() - at < DISCOVERY_TTL {
                return Ok(md);
            }
        }
    }
    let issuer = IssuerUrl::new(c.issuer.clone().unwrap_or_default())
        .map_err(|e| FederationError::Config(e.to_string()))?;
    // Discovery checks that the document names the configured issuer (no mix-up) and
    // fetches the signing keys.
    let md = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| FederationError::Discovery(error_chain(&e)))?;
    let md = Arc::new(md);
    if let Ok(mut m) = cache.0.lock() {
        m.insert(c.id.clone(), (md.clone(), now()));
    }
    Ok(md)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Builds the authorization request for `c`: fresh `state`, `nonce` and PKCE verifier.
pub async fn start(
    http: &crate::outbound::Outbound,
    cache: &DiscoveryCache,
    issuer: &str,
    c: &Connector,
) -> Result<Started, FederationError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random();
    let nonce = Nonce::new_random();
    let scopes = c.scopes.iter().map(|s| Scope::new(s.clone()));
    let url = match c.protocol {
        Protocol::Oidc => {
            let md = metadata(http, cache, c, false).await?;
            let client = oidc_client(&md, c, issuer)?;
            let mut req = client
                .authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    {
                        let state = state.clone();
                        move || state
                    },
                    {
                        let nonce = nonce.clone();
                        move || nonce
                    },
                )
                .add_scopes(scopes.filter(|s| s.as_str() != "openid"))
                .set_pkce_challenge(challenge);
            for (k, v) in &c.auth_params {
                req = req.add_extra_param(k.clone(), v.clone());
            }
            req.url().0
        }
        Protocol::Oauth2 => {
            let client = oauth2_client(c, issuer)?;
            let mut req = client
                .authorize_url({
                    let state = state.clone();
                    move || state
                })
                .add_scopes(scopes)
                .set_pkce_challenge(challenge);
            for (k, v) in &c.auth_params {
                req = req.add_extra_param(k.clone(), v.clone());
            }
            req.url().0
        }
        Protocol::Saml => return Err(FederationError::Config("a SAML connector".into())),
    };
    Ok(Started {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// A client of a discovered provider: authorization endpoint set, the token and user-info
/// endpoints as discovery gave them.
type OidcClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn oidc_client(
    md: &CoreProviderMetadata,
    c: &Connector,
    issuer: &str,
) -> Result<OidcClient, FederationError> {
    Ok(CoreClient::from_provider_metadata(
        md.clone(),
        ClientId::new(c.client_id.clone()),
        c.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect_uri(issuer, c)?))
}

type OAuth2Client = oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth2_client(c: &Connector, issuer: &str) -> Result<OAuth2Client, FederationError> {
    let [auth, token, _] = c
        .endpoints
        .clone()
        .ok_or_else(|| FederationError::Config("no endpoints".into()))?;
    let bad = |e: url::ParseError| FederationError::Config(e.to_string());
    let mut client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(c.client_id.clone()))
        .set_auth_uri(oauth2::AuthUrl::new(auth).map_err(bad)?)
        .set_token_uri(oauth2::TokenUrl::new(token).map_err(bad)?)
        .set_redirect_uri(
            oauth2::RedirectUrl::new(format!("{issuer}/federation/callback/{}", c.id))
                .map_err(bad)?,
        );
    if let Some(s) = &c.client_secret {
        client = client.set_client_secret(oauth2::ClientSecret::new(s.clone()));
    }
    Ok(client)
}

/// Exchanges the code the provider returned and verifies what comes with it.
pub async fn finish(
    http: &crate::outbound::Outbound,
    cache: &DiscoveryCache,
    issuer: &str,
    c: &Connector,
    code: &str,
    nonce: &str,
    pkce_verifier: &str,
) -> Result<Upstream, FederationError> {
    match c.protocol {
        Protocol::Oidc => finish_oidc(http, cache, issuer, c, code, nonce, pkce_verifier).await,
        Protocol::Oauth2 => finish_oauth2(http, issuer, c, code, pkce_verifier).await,
        // SAML answers at the assertion consumer service, never with a code.
        Protocol::Saml => Err(FederationError::Config("a SAML connector".into())),
    }
}

async fn finish_oidc(
    http: &crate::outbound::Outbound,
    cache: &DiscoveryCache,
    issuer: &str,
    c: &Connector,
    code: &str,
    nonce: &str,
    pkce_verifier: &str,
) -> Result<Upstream, FederationError> {
    let md = metadata(http, cache, c, false).await?;
    let client = oidc_client(&md, c, issuer)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| FederationError::Config(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
        .request_async(http)
        .await
        .map_err(|e| FederationError::Exchange(error_chain(&e)))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| FederationError::IdToken("the token response has no ID token".into()))?;
    let expected = Nonce::new(nonce.to_string());
    let claims: CoreIdTokenClaims = match id_token.claims(&client.id_token_verifier(), &expected) {
        Ok(claims) => claims.clone(),
        // The provider may have rotated its keys since discovery: fetch them once more.
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
            let md = metadata(http, cache, c, true).await?;
            let fresh = oidc_client(&md, c, issuer)?;
            let verifier = fresh.id_token_verifier();
            let claims = id_token
                .claims(&verifier, &expected)
                .map_err(|e| FederationError::IdToken(error_chain(&e)))?
                .clone();
            claims
        }
        Err(e) => return Err(FederationError::IdToken(error_chain(&e))),
    };
    let mut up = Upstream {
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        picture: claims
            .picture()
            .and_then(|p| p.get(None))
            .map(|p| p.to_string()),
        mfa: false,
    };
    let amr_mfa = claims
        .auth_method_refs()
        .is_some_and(|a| a.iter().any(|m| m.as_str() == "mfa"));
    let acr_mfa = claims
        .auth_context_ref()
        .is_some_and(|a| c.mfa_acr_values.iter().any(|v| v == a.as_str()));
    up.mfa = c.trust_upstream_mfa && (amr_mfa || acr_mfa);
    // Providers that keep the ID token small put the profile at the user-info endpoint.
    if up.email.is_none() || up.name.is_none() {
        if let Ok(req) =
            client.user_info(token.access_token().clone(), Some(claims.subject().clone()))
        {
            match req.request_async(http).await {
                Ok::<CoreUserInfoClaims, _>(info) => {
                    if up.email.is_none() {
                        up.email = info.email().map(|e| e.to_string());
                        up.email_verified = info.email_verified().unwrap_or(false);
                    }
                    if up.name.is_none() {
                        up.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
                    }
                }
                Err(e) => return Err(FederationError::UserInfo(error_chain(&e))),
            }
        }
    }
    Ok(up)
}

async fn finish_oauth2(
    http: &crate::outbound::Outbound,
    issuer: &str,
    c: &Connector,
    code: &str,
    pkce_verifier: &str,
) -> Result<Upstream, FederationError> {
    let client = oauth2_client(c, issuer)?;
    let token = client
        .exchange_code(oauth2::AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new(pkce_verifier.to_string()))
        .request_async(http)
        .await
        .map_err(|e| FederationError::Exchange(error_chain(&e)))?;
    let userinfo = c
        .endpoints
        .as_ref()
        .map(|e| e[2].clone())
        .unwrap_or_default();
    let request = http
        .get(userinfo)
        .bearer_auth(oauth2::TokenResponse::access_token(&token).secret())
        .header(reqwest::header::ACCEPT, "application/json")
        // Some providers (GitHub) refuse requests without one.
        .header(reqwest::header::USER_AGENT, "Sesame");
    let answer = http
        .send(request)
        .await
        .map_err(|e| FederationError::UserInfo(error_chain(&e)))?;
    if !answer.status.is_success() {
        return Err(FederationError::UserInfo(format!(
            "the user-info endpoint answered {}",
            answer.status
        )));
    }
    let info: serde_json::Value = answer
        .json()
        .map_err(|e| FederationError::UserInfo(error_chain(&e)))?;
    upstream_from_json(c, &info)
}

/// The value at a dotted path, as text (numbers are ids at some providers).
fn at_path<'v>(v: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.')
        .try_fold(v, |v, k| v.get(k))
        .filter(|v| !v.is_null())
}

fn text_at(v: &serde_json::Value, path: &str) -> Option<String> {
    match at_path(v, path)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads an OAuth 2.0 provider's user information with the connector's claim mapping.
pub fn upstream_from_json(
    c: &Connector,
    info: &serde_json::Value,
) -> Result<Upstream, FederationError> {
    let subject = text_at(info, &c.claims[0]).ok_or(FederationError::NoSubject)?;
    let email_verified = match at_path(info, &c.claims[2]) {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    };
    Ok(Upstream {
        subject,
        email: text_at(info, &c.claims[1]),
        email_verified,
        name: text_at(info, &c.claims[3]),
        picture: text_at(info, &c.claims[4]),
        mfa: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::{ConnectorConfig, Preset};

    fn github() -> Connector {
        let cfg = ConnectorConfig {
            id: "gh".into(),
            preset: Preset::Github,
            client_id: "x".into(),
            ..Default::default()
        };
        Connector::resolve(&cfg, "connectors[0]").expect("valid")
    }

    #[test]
    fn claim_mapping_reads_numbers_and_nested_paths() {
        let c = github();
        let up = upstream_from_json(
            &c,
            &serde_json::json!({"id": 583231, "email": "octo@example.com", "name": "Octo"}),
        )
        .expect("subject");
        assert_eq!(up.subject, "583231");
        assert_eq!(up.email.as_deref(), Some("octo@example.com"));
        // GitHub says nothing about verification: never treated as verified.
        assert!(!up.email_verified);
        assert!(matches!(
            upstream_from_json(&c, &serde_json::json!({"login": "octo"})),
            Err(FederationError::NoSubject)
        ));
        let v = serde_json::json!({"data": {"user": {"id": "u1"}}});
        assert_eq!(text_at(&v, "data.user.id").as_deref(), Some("u1"));
        assert_eq!(text_at(&v, "data.nope"), None);
    }
}

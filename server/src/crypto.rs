//! Small helpers over the crates that do the cryptography: random tokens, digests for
//! storing tokens, keyed MACs for anti-forgery tokens, constant-time comparison.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A fresh random token of 256 bits from the operating system's CSPRNG, base64url encoded.
pub fn random_token() -> String {
    b64(&random_bytes())
}

/// What is stored for a bearer secret (session id, code, token): its SHA-256, so a leaked
/// database does not leak usable credentials. The secrets have 256 bits of entropy, so a fast
/// hash is enough.
pub fn token_hash(token: &str) -> String {
    b64(&Sha256::digest(token.as_bytes()))
}

/// SHA-256 of `data`, base64url: the PKCE S256 transform and `at_hash` building block.
pub fn sha256_b64(data: &[u8]) -> String {
    b64(&Sha256::digest(data))
}

/// HMAC-SHA256 of `message` under `key`.
pub fn mac_bytes(key: &[u8], message: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(message.as_bytes());
    m.finalize().into_bytes().into()
}

/// HMAC-SHA256 of `message` under `key`, base64url.
pub fn mac(key: &[u8], message: &str) -> String {
    b64(&mac_bytes(key, message))
}

/// 32 random bytes.
pub fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Compares two secrets in time independent of where they differ.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_long() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(b64_decode(&a).map(|b| b.len()), Some(32));
    }

    #[test]
    fn pkce_s256_matches_openssl() {
        // printf %s VERIFIER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d =
        assert_eq!(
            sha256_b64(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWjOEjXk"),
            "VYFANLqdx_HDV6BqEhluZJ63rtrIPROSSFdB3P6G83I"
        );
    }

    #[test]
    fn mac_depends_on_key_and_message() {
        assert_ne!(mac(b"k1", "m"), mac(b"k2", "m"));
        assert_ne!(mac(b"k1", "m"), mac(b"k1", "n"));
        assert!(ct_eq(&mac(b"k", "m"), &mac(b"k", "m")));
    }
}

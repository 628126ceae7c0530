//! The OpenID Connect provider: plain axum handlers, because the protocol fixes URLs, content
//! types and error shapes.

pub mod authorize;
pub mod b2c;
pub mod discovery;
pub mod logout;
pub mod redirect_uri;
pub mod token;
pub mod userinfo;

/// Scopes Sesame understands; others in a request are ignored.
pub const SCOPES: [&str; 15] = [
    "openid",
    "profile",
    "email",
    "phone",
    "address",
    "offline_access",
    "organizations",
    "organization_roles",
    "account",
    "account:identities",
    "account:mfa",
    "account:sessions",
    "account:apps",
    "account:tokens",
    "account:delete",
];

/// The authentication methods a session was established with (`amr`, RFC 8176 values).
pub fn amr_list(amr: &str) -> Vec<String> {
    crate::mfa::amr_claim(amr)
}

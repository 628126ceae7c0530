//! Discovery (`/.well-known/openid-configuration`) and the key set (`/jwks`).

use crate::keys::ALGORITHMS;
use crate::oidc::SCOPES;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Value};

/// The provider metadata document.
pub fn metadata(state: &AppState) -> Value {
    let url = |p: &str| state.url(p);
    json!({
        "issuer": state.issuer,
        "authorization_endpoint": url("/authorize"),
        "token_endpoint": url("/token"),
        "userinfo_endpoint": url("/userinfo"),
        "jwks_uri": url("/jwks"),
        "end_session_endpoint": url("/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ALGORITHMS,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account", "create"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "acr",
            "at_hash", "azp", "preferred_username", "email", "email_verified", "phone_number",
            "phone_number_verified", "name", "given_name", "family_name", "middle_name", "nickname",
            "website", "gender", "birthdate", "zoneinfo", "locale", "address"],
        "ui_locales_supported": app::i18n::Locale::ALL.map(|l| l.tag()),
        "acr_values_supported": crate::mfa::Level::supported(),
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}

/// `GET /.well-known/openid-configuration`.
pub async fn configuration(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(metadata(&state)),
    )
}

/// `GET /jwks`.
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(state.keys.jwks().clone()),
    )
}

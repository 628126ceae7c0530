//! Discovery (`/.well-known/openid-configuration`) and the key set (`/jwks`).

use crate::keys::ALGORITHMS;
use crate::oidc::SCOPES;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
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
        "introspection_endpoint": url("/introspect"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": true,
        "frontchannel_logout_session_supported": true,
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            crate::oidc::token::TOKEN_EXCHANGE,
        ],
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

/// `GET /.well-known/openid-configuration`, and with `?p=` a user flow's.
pub async fn configuration(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let p = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v.into_owned());
    if let Some(p) = p {
        return flow_configuration(&state, None, &p);
    }
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(metadata(&state)),
    )
        .into_response()
}

/// The metadata of user flow `policy` (Azure AD B2C): Sesame's, with the endpoints at the
/// flow's addresses (the path form under `tenant`, else `?p=`), and the implicit and hybrid
/// response types B2C apps use.
pub fn flow_configuration(state: &AppState, tenant: Option<&str>, policy: &str) -> Response {
    let Some(flow) = state.config.user_flow(policy) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": "unknown_user_flow", "user_flow": policy })),
        )
            .into_response();
    };
    let name = &flow.name;
    let at = |path: &str| match tenant {
        Some(t) => state.url(&format!("/{t}/{name}{path}")),
        None => {
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("p", name)
                .finish();
            let base = match path {
                "/oauth2/v2.0/authorize" => "/authorize",
                "/oauth2/v2.0/token" => "/token",
                "/oauth2/v2.0/logout" => "/logout",
                _ => "/jwks",
            };
            state.url(&format!("{base}?{q}"))
        }
    };
    let mut md = metadata(state);
    md["authorization_endpoint"] = json!(at("/oauth2/v2.0/authorize"));
    md["token_endpoint"] = json!(at("/oauth2/v2.0/token"));
    md["end_session_endpoint"] = json!(at("/oauth2/v2.0/logout"));
    md["jwks_uri"] = json!(at("/discovery/v2.0/keys"));
    md["response_types_supported"] = json!(["code", "id_token", "code id_token"]);
    let flow_claim = match state.config.b2c.flow_claim {
        crate::config::FlowClaim::Tfp => "tfp",
        crate::config::FlowClaim::Acr => "acr",
    };
    if let Some(claims) = md["claims_supported"].as_array_mut() {
        claims.push(json!(flow_claim));
    }
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(md),
    )
        .into_response()
}

/// `GET /jwks`.
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(state.keys.jwks().clone()),
    )
}

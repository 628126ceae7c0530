//! Azure AD B2C's addresses for Sesame's user flows, so that an app written for B2C switches
//! by changing its authority: the policy as a path segment
//! (`/{tenant}/{policy}/oauth2/v2.0/authorize`, `…/token`, `…/logout`,
//! `…/discovery/v2.0/keys`, `…/v2.0/.well-known/openid-configuration`) or as the `p` query
//! parameter (`/{tenant}/oauth2/v2.0/authorize?p=…`, and on Sesame's own endpoints). They
//! lead to the same endpoints as every other request; the flow travels as `p`.

use crate::oidc::{authorize, discovery, logout, token};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/{policy}/oauth2/v2.0/authorize",
            get(authorize_in).post(authorize_in),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize_query).post(authorize_query),
        )
        .route(
            "/{tenant}/{policy}/oauth2/v2.0/token",
            axum::routing::post(token_in),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            axum::routing::post(token_query),
        )
        .route(
            "/{tenant}/{policy}/oauth2/v2.0/logout",
            get(logout_in).post(logout_in),
        )
        .route(
            "/{tenant}/oauth2/v2.0/logout",
            get(logout_query).post(logout_query),
        )
        .route("/{tenant}/{policy}/discovery/v2.0/keys", get(keys_in))
        .route("/{tenant}/discovery/v2.0/keys", get(keys_query))
        .route(
            "/{tenant}/{policy}/v2.0/.well-known/openid-configuration",
            get(configuration_in),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(configuration_query),
        )
}

/// Whether `tenant` is one this Sesame answers for.
fn tenant_ok(state: &AppState, tenant: &str) -> bool {
    let t = &state.config.b2c.tenants;
    t.is_empty() || t.iter().any(|x| x.eq_ignore_ascii_case(tenant))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such tenant").into_response()
}

/// The request's parameters: its query and its form body, with `p` set to the path's
/// policy when it names one.
fn pairs(query: Option<String>, body: &[u8], policy: Option<&str>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .chain(url::form_urlencoded::parse(body).into_owned())
            .collect();
    if let Some(p) = policy {
        pairs.retain(|(k, _)| k != "p");
        pairs.push(("p".into(), p.to_string()));
    }
    pairs
}

async fn authorize_in(
    State(state): State<AppState>,
    Path((tenant, policy)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    let pairs = pairs(query, &body, Some(&policy));
    authorize::handle(state, headers, pairs).await
}

async fn authorize_query(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    let pairs = pairs(query, &body, None);
    authorize::handle(state, headers, pairs).await
}

/// The token endpoint: the flow is the one the code (or refresh token) was made in.
async fn token_in(
    State(state): State<AppState>,
    Path((tenant, _policy)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    token::token(State(state), headers, body).await
}

async fn token_query(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    token::token(State(state), headers, body).await
}

async fn logout_in(
    State(state): State<AppState>,
    Path((tenant, _policy)): Path<(String, String)>,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    logout::logout(State(state), headers, query, body).await
}

async fn logout_query(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    query: RawQuery,
    body: Bytes,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    logout::logout(State(state), headers, query, body).await
}

async fn keys_in(
    State(state): State<AppState>,
    Path((tenant, _policy)): Path<(String, String)>,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    discovery::jwks(State(state)).await.into_response()
}

async fn keys_query(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    discovery::jwks(State(state)).await.into_response()
}

async fn configuration_in(
    State(state): State<AppState>,
    Path((tenant, policy)): Path<(String, String)>,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    discovery::flow_configuration(&state, Some(&tenant), &policy)
}

async fn configuration_query(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if !tenant_ok(&state, &tenant) {
        return not_found();
    }
    let p = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    discovery::flow_configuration(&state, Some(&tenant), &p)
}

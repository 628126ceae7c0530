//! The userinfo endpoint (`/userinfo`, GET and POST) with bearer tokens (RFC 6750).

use crate::crypto::{now, token_hash};
use crate::error::AppError;
use crate::oidc::token::user_claims;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

fn unauthorized(error: Option<&str>) -> Response {
    let challenge = match error {
        Some(e) => format!("Bearer realm=\"sesame\", error=\"{e}\""),
        None => "Bearer realm=\"sesame\"".to_string(),
    };
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::oidc::token::strip_scheme(v, "Bearer"))
        .map(String::from)
}

/// `GET /userinfo`.
pub async fn userinfo_get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    answer(&state, bearer(&headers)).await
}

/// `POST /userinfo`: the token in the header or as a form parameter, not both.
pub async fn userinfo_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let in_body = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned());
    match (bearer(&headers), in_body) {
        (Some(_), Some(_)) => (
            StatusCode::BAD_REQUEST,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_request\"")],
        )
            .into_response(),
        (header_token, body_token) => answer(&state, header_token.or(body_token)).await,
    }
}

async fn answer(state: &AppState, token: Option<String>) -> Response {
    let Some(token) = token else {
        return unauthorized(None);
    };
    match lookup(state, &token).await {
        Ok(Some(Err(()))) => (
            StatusCode::FORBIDDEN,
            [(
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"sesame\", error=\"insufficient_scope\", scope=\"openid\"",
            )],
        )
            .into_response(),
        Ok(Some(Ok(body))) => {
            ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
        }
        Ok(None) => unauthorized(Some("invalid_token")),
        Err(e) => e.into_response(),
    }
}

/// `None`: no valid token; `Some(Err(()))`: valid but without the `openid` scope.
async fn lookup(
    state: &AppState,
    token: &str,
) -> Result<Option<Result<serde_json::Value, ()>>, AppError> {
    let Some(row) = state.db.token(&token_hash(token)).await? else {
        return Ok(None);
    };
    if row.kind != "access" || row.revoked_at.is_some() || row.expires_at <= now() {
        return Ok(None);
    }
    let scopes: Vec<&str> = row.scope.split(' ').collect();
    if !scopes.contains(&"openid") {
        return Ok(Some(Err(())));
    }
    // A suspended account's tokens stop working at once.
    let Some(user) = state
        .db
        .user_by_id(&row.user_id)
        .await?
        .filter(|u| u.suspended_at.is_none())
    else {
        return Ok(None);
    };
    let mut body = serde_json::Map::new();
    body.insert("sub".into(), json!(user.id));
    for (name, value) in user_claims(&user, &scopes) {
        body.entry(name).or_insert(value);
    }
    let orgs = crate::flow::organization::claims(
        state,
        &row.client_id,
        &user.id,
        &scopes,
        row.organization_id.as_deref(),
    )
    .await?;
    body.extend(orgs);
    Ok(Some(Ok(serde_json::Value::Object(body))))
}

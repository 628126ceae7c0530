//! Signing out of Sesame.

use super::{csrf_ok, go};
use crate::crypto::token_hash;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{local_path, CookieName};
use app::port::Submitted;
use axum::http::request::Parts;

/// Handles the sign-out confirmation: ends the session and clears its cookie.
pub async fn submit(
    state: &AppState,
    parts: &Parts,
    csrf: &str,
    return_to: Option<String>,
) -> Result<Submitted, AppError> {
    let return_to = return_to.as_deref().and_then(local_path);
    let back = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("return_to", return_to.as_deref().unwrap_or("/"))
        .finish();
    if !csrf_ok(state, parts, csrf) {
        return Ok(go(format!("/sign-out?{back}"), Vec::new()));
    }
    if let Some(id) = state.cookies.get(&parts.headers, CookieName::Session) {
        state.db.delete_session(&token_hash(&id)).await?;
    }
    Ok(go(
        format!("/sign-out/done?{back}"),
        vec![state.cookies.clear(CookieName::Session)],
    ))
}

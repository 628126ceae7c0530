//! Signing in with an identifier (username or email) and a password.

use super::{
    csrf_ok, go, hashing_error, load_flow, no_flow, normalize_identifier, remember, start_session,
    FormMemory,
};
use crate::error::AppError;
use crate::state::AppState;
use app::api::{rules, Field, FormErrors, UiError};
use app::port::Submitted;
use axum::http::request::Parts;

/// The key of this screen's form memory.
pub const SCREEN: &str = "sign_in";

/// Handles the sign-in form.
pub async fn submit(
    state: &AppState,
    parts: &Parts,
    csrf: &str,
    identifier: &str,
    password: &str,
) -> Result<Submitted, AppError> {
    let flow = match load_flow(state, &parts.headers).await? {
        Ok(flow) => flow,
        Err(stale) => return Ok(no_flow(stale)),
    };
    let reject = |errors: FormErrors| FormMemory {
        screen: SCREEN.into(),
        errors,
        identifier: identifier
            .trim()
            .chars()
            .take(rules::IDENTIFIER_MAX)
            .collect(),
        ..Default::default()
    };
    if !csrf_ok(state, parts, csrf) {
        remember(
            state,
            &flow,
            &reject(FormErrors::form(UiError::FormExpired)),
        )
        .await?;
        return Ok(go("/sign-in", Vec::new()));
    }
    let mut errors = FormErrors::default();
    errors.check(Field::Identifier, rules::identifier(identifier));
    errors.check(Field::Password, rules::required(password));
    if !errors.is_empty() {
        remember(state, &flow, &reject(errors)).await?;
        return Ok(go("/sign-in", Vec::new()));
    }
    let key = normalize_identifier(identifier);
    let user = if key.contains('@') {
        state.db.user_by_email(&key).await?
    } else {
        state.db.user_by_username(&key).await?
    };
    // Overlong passwords are refused without hashing them; unknown users still cost one
    // hash, so timing does not reveal whether an account exists.
    let verified = if password.chars().count() > rules::PASSWORD_MAX {
        Ok(false)
    } else {
        state
            .hasher
            .verify(
                password,
                user.as_ref().and_then(|u| u.password_hash.as_deref()),
            )
            .await
    };
    match (verified, user) {
        (Ok(true), Some(user)) => {
            let cookie = start_session(state, &parts.headers, &flow, &user, "pwd").await?;
            tracing::info!(user = %user.id, "signed in");
            Ok(go(flow.next_after_sign_in(), vec![cookie]))
        }
        (Ok(_), _) => {
            remember(
                state,
                &flow,
                &reject(FormErrors::form(UiError::InvalidCredentials)),
            )
            .await?;
            Ok(go("/sign-in", Vec::new()))
        }
        (Err(e), _) => {
            let error = hashing_error(e)?;
            remember(state, &flow, &reject(FormErrors::form(error))).await?;
            Ok(go("/sign-in", Vec::new()))
        }
    }
}

//! The sign-in flow engine. The flow state (interaction) lives in the database, keyed by the
//! digest of an opaque id in an HttpOnly cookie; the browser holds nothing authoritative.
//! Each step is a form post that ends in a redirect, and the next GET renders from the
//! stored state, so every screen works without JavaScript.

pub mod register;
pub mod sign_in;
pub mod sign_out;

use crate::crypto::{now, random_token, token_hash};
use crate::db::UserRow;
use crate::error::AppError;
use crate::oidc::authorize::AuthRequest;
use crate::state::AppState;
use crate::web::{self, CookieName};
use app::api::{ClientInfo, FormErrors, UiError};
use app::port::{FlowPort, FormSubmission, Submitted};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// What a rejected form leaves behind for the next render: its errors and the values typed
/// (never passwords).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormMemory {
    /// The screen the memory belongs to (`sign_in`, `register`).
    pub screen: String,
    pub errors: FormErrors,
    #[serde(default)]
    pub identifier: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
}

/// A loaded interaction.
pub struct Flow {
    /// Digest of the cookie value: the row's key.
    pub id_hash: String,
    /// The authorization request, absent when the user came to Sesame directly.
    pub request: Option<AuthRequest>,
    /// The last rejected form.
    pub memory: Option<FormMemory>,
}

impl Flow {
    /// The stored form memory for `screen`, if it is that screen's.
    pub fn memory_for(&self, screen: &str) -> Option<FormMemory> {
        self.memory.clone().filter(|m| m.screen == screen)
    }

    /// Where a successful sign-in continues.
    pub fn next_after_sign_in(&self) -> &'static str {
        if self.request.is_some() {
            "/authorize/resume"
        } else {
            "/"
        }
    }
}

/// The interaction of the request, if the cookie names a live one. `Err(true)` tells a stale
/// cookie (expired flow) from no cookie at all (`Err(false)`).
pub async fn load_flow(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Result<Flow, bool>, AppError> {
    let Some(id) = state.cookies.get(headers, CookieName::Flow) else {
        return Ok(Err(false));
    };
    let id_hash = token_hash(&id);
    let Some(row) = state.db.interaction(&id_hash, now()).await? else {
        return Ok(Err(true));
    };
    Ok(Ok(Flow {
        id_hash,
        request: row
            .request
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        memory: row
            .form_state
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok()),
    }))
}

/// The interaction of the request, or a new direct one (a user who opened Sesame's sign-in
/// page without an app) with the cookie to set.
pub async fn ensure_flow(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Flow, Vec<String>), AppError> {
    if let Ok(flow) = load_flow(state, headers).await? {
        return Ok((flow, Vec::new()));
    }
    let id = random_token();
    let id_hash = token_hash(&id);
    let now = now();
    state
        .db
        .insert_interaction(
            &id_hash,
            None,
            now,
            now + state.config.session.interaction_ttl_secs,
        )
        .await?;
    let cookie = state.cookies.set(CookieName::Flow, &id, None);
    Ok((
        Flow {
            id_hash,
            request: None,
            memory: None,
        },
        vec![cookie],
    ))
}

/// Stores the form memory of a rejected submission.
pub async fn remember(state: &AppState, flow: &Flow, memory: &FormMemory) -> Result<(), AppError> {
    state
        .db
        .set_form_state(&flow.id_hash, Some(&serde_json::to_string(memory)?))
        .await?;
    Ok(())
}

/// How the app of a flow is shown to the user.
pub fn client_info(state: &AppState, request: Option<&AuthRequest>) -> Option<ClientInfo> {
    let client = state.client(&request?.client_id)?;
    Some(ClientInfo {
        name: client.name.clone().unwrap_or_else(|| client.id.clone()),
        logo_uri: client.logo_uri.clone(),
    })
}

/// Starts a new session for `user`, ending the browser's previous one: a sign-in always gets
/// a fresh session id (no fixation). The flow records it as signed in during the flow.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
) -> Result<String, AppError> {
    if let Some(old) = state.cookies.get(headers, CookieName::Session) {
        state.db.delete_session(&token_hash(&old)).await?;
    }
    let id = random_token();
    let now = now();
    let lifetime = state.config.session.lifetime_secs;
    let sid = uuid::Uuid::new_v4().to_string();
    state
        .db
        .insert_session(
            &token_hash(&id),
            &sid,
            &user.id,
            now,
            amr,
            now,
            now + lifetime,
        )
        .await?;
    state
        .db
        .set_interaction_session(&flow.id_hash, &sid)
        .await?;
    Ok(state.cookies.set(CookieName::Session, &id, Some(lifetime)))
}

/// Checks the anti-forgery token of a form post.
pub fn csrf_ok(state: &AppState, parts: &axum::http::request::Parts, token: &str) -> bool {
    web::csrf_ok(
        &state.csrf_key,
        &state.cookies,
        &parts.headers,
        &parts.method,
        &state.origin,
        token,
    )
}

/// Case-folds an identifier for lookup and storage, so `Alice` and `alice` are one account.
pub fn normalize_identifier(value: &str) -> String {
    value.trim().to_lowercase()
}

/// A redirect answer.
pub fn go(location: impl Into<String>, set_cookies: Vec<String>) -> Submitted {
    Submitted {
        location: location.into(),
        set_cookies,
    }
}

/// Answers a submission whose flow is gone: the error page for an expired flow, the sign-in
/// page (which starts a new one) when there never was a cookie.
pub fn no_flow(stale: bool) -> Submitted {
    if stale {
        go("/error?kind=interaction_expired", Vec::new())
    } else {
        go("/sign-in", Vec::new())
    }
}

/// A form error for a failed password hash: overload is the user's to retry.
pub fn hashing_error(e: crate::password::PasswordError) -> Result<UiError, AppError> {
    match e {
        crate::password::PasswordError::Busy => Ok(UiError::Busy),
        other => Err(other.into()),
    }
}

#[async_trait::async_trait]
impl FlowPort for AppState {
    async fn submit(&self, parts: &axum::http::request::Parts, form: FormSubmission) -> Submitted {
        let result = match form {
            FormSubmission::SignIn {
                csrf,
                identifier,
                password,
            } => sign_in::submit(self, parts, &csrf, &identifier, &password).await,
            FormSubmission::Register {
                csrf,
                username,
                email,
                new_password,
                confirm_password,
            } => {
                let form = register::RegisterForm {
                    username,
                    email,
                    new_password,
                    confirm_password,
                };
                register::submit(self, parts, &csrf, form).await
            }
            FormSubmission::SignOut { csrf, return_to } => {
                sign_out::submit(self, parts, &csrf, return_to).await
            }
        };
        result.unwrap_or_else(|e| {
            tracing::error!(error = %e, "form submission failed");
            go("/error?kind=internal", Vec::new())
        })
    }
}

//! Consent: an application that is not the operator's own (or any application that asks with
//! `prompt=consent`) gets what it asks for only once the signed-in user allows it. What was
//! allowed is stored per user and application and reused; a later request for more asks only
//! for the rest. Denying ends the flow with `access_denied` at the application.

use super::{save_progress, Ctx, Flow, Next, Refusal, Screen, StepResult};
use crate::crypto::now;
use crate::error::AppError;
use crate::oidc::authorize::{current_session, AuthRequest};
use crate::state::AppState;
use crate::web::CookieName;
use app::api::{ConsentItem, FormErrors, UiError};
use app::i18n::{Locale, Msg};

/// The consent screen.
pub const SCREEN: Screen = Screen {
    key: "consent",
    path: "/consent",
};

/// The scopes of `req` the user must still allow, in the request's order: empty when the
/// application may go on. `prompt=consent` asks for everything again.
pub async fn missing(
    state: &AppState,
    req: &AuthRequest,
    user_id: &str,
) -> Result<Vec<String>, AppError> {
    let Some(client) = state.client(&req.client_id) else {
        return Ok(Vec::new());
    };
    let forced = req.has_prompt("consent");
    if client.first_party && !forced {
        return Ok(Vec::new());
    }
    let granted = state.db.consent(user_id, &req.client_id).await?;
    let had = granted.as_ref().map(|g| g.scope_list()).unwrap_or_default();
    Ok(req
        .scope
        .iter()
        .filter(|s| forced || !had.contains(&s.as_str()))
        .cloned()
        .collect())
}

/// Whether the user allowed the application anything before.
pub async fn extending(
    state: &AppState,
    req: &AuthRequest,
    user_id: &str,
) -> Result<bool, AppError> {
    Ok(state.db.consent(user_id, &req.client_id).await?.is_some())
}

/// What a scope lets the application do, in `locale`.
pub fn describe(scope: &str, locale: Locale) -> ConsentItem {
    let msg = match scope {
        "openid" => Some(Msg::ScopeOpenid),
        "profile" => Some(Msg::ScopeProfile),
        "email" => Some(Msg::ScopeEmail),
        "phone" => Some(Msg::ScopePhone),
        "address" => Some(Msg::ScopeAddress),
        "offline_access" => Some(Msg::ScopeOfflineAccess),
        _ => None,
    };
    ConsentItem {
        scope: scope.to_string(),
        description: msg.map_or_else(|| scope.to_string(), |m| locale.text(m).to_string()),
    }
}

/// The consent screen's answer: `allow`, `deny`, or `switch` (another account).
pub async fn answer(ctx: &Ctx<'_>, flow: &mut Flow, action: &str) -> StepResult {
    let state = ctx.state;
    let Some(req) = flow.request.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let Some((session, _user)) = current_session(state, ctx.headers).await? else {
        return Ok(Ok(Next::Redirect("/sign-in".into())));
    };
    match action {
        "allow" => {
            state
                .db
                .grant_consent(&session.user_id, &req.client_id, &req.scope, &[], now())
                .await?;
            tracing::info!(user = %session.user_id, client = %req.client_id, scopes = %req.scope.join(" "), "consent given");
            flow.progress.consented = true;
        }
        "deny" => {
            tracing::info!(user = %session.user_id, client = %req.client_id, "consent denied");
            flow.progress.refusal = Some(Refusal {
                error: "access_denied".into(),
                description: "the user denied the request".into(),
            });
        }
        "switch" => {
            // Another account answers: this session ends, the flow goes on at sign-in.
            if let Some(id) = state.cookies.get(ctx.headers, CookieName::Session) {
                state
                    .db
                    .delete_session(&crate::crypto::token_hash(&id))
                    .await?;
            }
            return Ok(Ok(Next::Done {
                location: super::sign_in::SCREEN.path.into(),
                cookies: vec![state.cookies.clear(CookieName::Session)],
            }));
        }
        _ => return Ok(Err(FormErrors::form(UiError::FormExpired))),
    }
    save_progress(state, flow).await?;
    Ok(Ok(Next::Redirect("/authorize/resume".into())))
}

/// `POST /flow/consent`: the screen's buttons.
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let csrf = super::pair(&pairs, "csrf").to_string();
    let action = super::pair(&pairs, "action").to_string();
    let outcome = super::run_form(
        &state,
        &parts,
        &csrf,
        SCREEN,
        Vec::new(),
        Vec::new(),
        async |ctx, flow| answer(ctx, flow, &action).await,
    )
    .await;
    super::redirect(outcome)
}

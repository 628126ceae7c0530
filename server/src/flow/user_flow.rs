//! Azure AD B2C's ways of ending a user flow at the application: "Forgot your password?" in
//! a flow without self-service reset answers `access_denied` with `AADB2C90118`, so that the
//! app starts its password-reset flow; "Cancel" answers `AADB2C90091`.

use super::{save_progress, Ctx, Flow, Next, Refusal, StepResult};
use crate::config::UserFlowType;
use crate::oidc::authorize::user_flow;
use crate::state::AppState;
use app::api::{FormErrors, UiError};

/// The error description of "Forgot your password?" (B2C's text, which apps match on).
pub const FORGOT_PASSWORD: &str = "AADB2C90118: The user has forgotten their password.";
/// The error description of "Cancel".
pub const CANCELLED: &str =
    "AADB2C90091: The user has cancelled entering self-asserted information.";

/// Whether "Forgot your password?" ends this flow (B2C's contract) rather than resetting
/// the password within it.
pub fn forgot_ends_flow(state: &AppState, flow: &Flow) -> bool {
    user_flow(state, flow.request.as_ref()).is_some_and(|f| {
        matches!(f.kind, UserFlowType::SignUpSignIn | UserFlowType::SignIn)
            && !f.self_service_password_reset
    })
}

/// Ends the flow at the application with the refusal `action` names.
pub async fn end(ctx: &Ctx<'_>, flow: &mut Flow, action: &str) -> StepResult {
    if user_flow(ctx.state, flow.request.as_ref()).is_none() {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    let description = match action {
        "forgot" if forgot_ends_flow(ctx.state, flow) => FORGOT_PASSWORD,
        "forgot" => return Ok(Ok(Next::Redirect("/reset-password".into()))),
        "cancel" => CANCELLED,
        _ => return Ok(Err(FormErrors::form(UiError::FormExpired))),
    };
    tracing::info!(action, "user flow ended at the application");
    flow.progress.refusal = Some(Refusal {
        error: "access_denied".into(),
        description: description.into(),
    });
    save_progress(ctx.state, flow).await?;
    Ok(Ok(Next::Redirect("/authorize/resume".into())))
}

/// `POST /flow/b2c`: "Cancel" on any page of a user flow, "Forgot your password?" on its
/// sign-in page.
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
        super::sign_in::SCREEN,
        Vec::new(),
        Vec::new(),
        async |ctx, flow| end(ctx, flow, &action).await,
    )
    .await;
    super::redirect(outcome)
}

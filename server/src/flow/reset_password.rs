//! Forgotten password: a code to the account's email address or phone, then a new
//! password. The new-password step is reachable only after this flow consumed a reset code
//! (the state lives on the server, keyed by this browser's flow cookie), so knowing an
//! identifier is never enough to set a password.

use super::{hashing_error, save_progress, Ctx, Event, Flow, Next, Progress, Screen, StepResult};
use crate::crypto::now;
use crate::identifier;
use crate::password_policy;
use app::api::{rules, CodePurpose, Field, FormErrors, UiError};

/// The first step.
pub const SCREEN: Screen = Screen {
    key: "reset_password",
    path: "/reset-password",
};
/// The last step.
pub const NEW_PASSWORD_SCREEN: Screen = Screen {
    key: "new_password",
    path: "/reset-password/new",
};

/// Sends a reset code. It goes out whether or not an account exists, and the answer is the
/// same either way.
pub async fn start(ctx: &Ctx<'_>, flow: &mut Flow, raw: &str) -> StepResult {
    let x = &ctx.state.config;
    if let Err(e) = rules::identifier(raw) {
        return Ok(Err(FormErrors::field(Field::Identifier, e)));
    }
    let id = match identifier::parse(
        raw,
        &x.experience.forgot_password,
        &x.username_policy,
        &x.experience.default_phone_region,
    ) {
        Ok(id) => id,
        Err(e) => return Ok(Err(FormErrors::field(Field::Identifier, e))),
    };
    // A new reset starts from nothing: no earlier proof carries over.
    flow.progress = Progress {
        event: Event::ResetPassword,
        identifier: Some(id.clone()),
        ..Progress::default()
    };
    super::verify_code::send(ctx, flow, id, CodePurpose::ResetPassword).await
}

/// Checks a new password of `user` (the policy, the user's own identifiers, the
/// confirmation) and hashes it.
pub async fn new_password_hash(
    state: &crate::state::AppState,
    user: &crate::db::UserRow,
    password: &str,
    confirmation: &str,
) -> Result<Result<String, FormErrors>, crate::error::AppError> {
    let personal: Vec<&str> = [&user.username, &user.email, &user.phone]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let mut errors = FormErrors::default();
    match password_policy::check(&state.config.password_policy, password, &personal) {
        Ok(()) => errors.check(
            Field::ConfirmPassword,
            rules::confirmation(password, confirmation),
        ),
        Err(e) => errors.fields.push((Field::NewPassword, e)),
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    match state.hasher.hash(password).await {
        Ok(h) => Ok(Ok(h)),
        Err(e) => Ok(Err(FormErrors::form(hashing_error(e)?))),
    }
}

/// Sets the new password of the account this flow proved.
pub async fn new_password(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    password: &str,
    confirmation: &str,
) -> StepResult {
    let Some(user_id) = flow.progress.reset_user.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let Some(user) = ctx.state.db.user_by_id(&user_id).await? else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let hash = match new_password_hash(ctx.state, &user, password, confirmation).await? {
        Ok(h) => h,
        Err(e) => return Ok(Err(e)),
    };
    ctx.state.db.set_password(&user.id, &hash, now()).await?;
    // Whoever knew the old password is signed out everywhere, and apps' tokens end.
    ctx.state.db.delete_user_sessions(&user.id).await?;
    ctx.state.db.revoke_user_tokens(&user.id, now()).await?;
    // A reset is often a response to a compromise: remembered devices are forgotten too.
    ctx.state.db.revoke_trusted_devices(&user.id).await?;
    let subjects = ctx.subjects(flow.progress.identifier.as_ref()).await?;
    crate::lockout::succeeded(&ctx.state.db, &subjects).await?;
    // What the reset proved: the mailbox or the phone of the code (one factor).
    let proof = match flow.progress.identifier.as_ref().map(|i| i.kind) {
        Some(crate::config::IdentifierKind::Phone) => "sms",
        _ => "email",
    };
    flow.progress = Progress::default();
    save_progress(ctx.state, flow).await?;
    ctx.audit(
        crate::audit::Kind::PasswordReset,
        &user.id,
        serde_json::json!({ "proof": proof }),
    )
    .await;
    // A password-reset user flow (Azure AD B2C) ends signed in, as B2C's does; the second
    // factor the policy asks for is still asked.
    let flow_kind =
        crate::oidc::authorize::user_flow(ctx.state, flow.request.as_ref()).map(|f| f.kind);
    if flow_kind == Some(crate::config::UserFlowType::PasswordReset) {
        let Some(user) = ctx.state.db.user_by_id(&user.id).await? else {
            return Ok(Err(FormErrors::form(UiError::FormExpired)));
        };
        return super::finish_sign_in(ctx, flow, &user, proof).await;
    }
    Ok(Ok(Next::PasswordChanged))
}

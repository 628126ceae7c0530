//! Signing in: with an identifier and a password, or with a one-time code sent to an email
//! address or phone; on one screen (unified) or identifier first.

use super::{
    finish_sign_in, hashing_error, save_progress, user_by_identifier, Ctx, Flow, Next, Screen,
    StepResult,
};
use crate::config::{IdentifierKind, SignInMethod};
use crate::identifier::{self, Identifier};
use crate::lockout;
use app::api::{rules, CodePurpose, Field, FormErrors, UiError};

/// The unified sign-in screen.
pub const SCREEN: Screen = Screen {
    key: "sign_in",
    path: "/sign-in",
};
/// The identifier step of identifier-first sign-in.
pub const IDENTIFIER_SCREEN: Screen = Screen {
    key: "identifier_sign_in",
    path: "/identifier-sign-in",
};
/// The password step of identifier-first sign-in.
pub const PASSWORD_SCREEN: Screen = Screen {
    key: "sign_in_password",
    path: "/sign-in/password",
};

/// Identifier kinds that can sign in with `method`.
pub fn kinds_with(ctx: &Ctx<'_>, method: SignInMethod) -> Vec<IdentifierKind> {
    ctx.state
        .config
        .experience
        .sign_in
        .iter()
        .filter(|s| s.methods.contains(&method))
        .map(|s| s.identifier)
        .collect()
}

/// Reads the identifier field for sign-in with `method`.
pub fn parse(ctx: &Ctx<'_>, raw: &str, method: SignInMethod) -> Result<Identifier, FormErrors> {
    let x = &ctx.state.config;
    rules::identifier(raw).map_err(|e| FormErrors::field(Field::Identifier, e))?;
    identifier::parse(
        raw,
        &kinds_with(ctx, method),
        &x.username_policy,
        &x.experience.default_phone_region,
    )
    .map_err(|e| FormErrors::field(Field::Identifier, e))
}

/// Identifier and password. Unknown identifiers cost one hash too and get the same answer
/// as a wrong password, so neither the page nor its timing tells whether an account exists.
pub async fn password(ctx: &Ctx<'_>, flow: &mut Flow, raw: &str, password: &str) -> StepResult {
    if !ctx.state.config.experience.sign_in_enabled() {
        return Ok(Err(FormErrors::form(UiError::InvalidCredentials)));
    }
    if let Some(routed) = super::federation::route_by_domain(ctx, flow, raw).await? {
        return Ok(routed);
    }
    flow.progress.begin(super::Event::SignIn);
    let mut errors = FormErrors::default();
    let id = match parse(ctx, raw, SignInMethod::Password) {
        Ok(id) => Some(id),
        Err(e) => {
            errors = e;
            None
        }
    };
    errors.check(Field::Password, rules::required(password));
    let Some(id) = id.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let user = user_by_identifier(ctx.state, &id).await?;
    let subjects = ctx.subjects_of(Some(&id), user.as_ref());
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    // Overlong passwords are refused without hashing them.
    let verified = if password.chars().count() > rules::PASSWORD_MAX {
        Ok(false)
    } else {
        ctx.state
            .hasher
            .verify(
                password,
                user.as_ref().and_then(|u| u.password_hash.as_deref()),
            )
            .await
    };
    match (verified, user) {
        (Ok(true), Some(user)) => {
            lockout::succeeded(&ctx.state.db, &subjects).await?;
            finish_sign_in(ctx, flow, &user, "pwd").await
        }
        (Ok(_), _) => {
            lockout::failed(&ctx.state.db, &ctx.state.config.lockout, &subjects).await?;
            Ok(Err(FormErrors::form(UiError::InvalidCredentials)))
        }
        (Err(e), _) => Ok(Err(FormErrors::form(hashing_error(e)?))),
    }
}

/// The identifier step of identifier-first sign-in: remembers the identifier and goes on
/// to the first method configured for its kind. Nothing here depends on whether the account
/// exists.
pub async fn identify(ctx: &Ctx<'_>, flow: &mut Flow, raw: &str) -> StepResult {
    if !ctx.state.config.experience.sign_in_enabled() {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    if let Some(routed) = super::federation::route_by_domain(ctx, flow, raw).await? {
        return Ok(routed);
    }
    flow.progress.begin(super::Event::SignIn);
    let kinds = ctx.state.config.experience.sign_in_kinds();
    if let Err(e) = rules::identifier(raw) {
        return Ok(Err(FormErrors::field(Field::Identifier, e)));
    }
    let x = &ctx.state.config;
    let id = match identifier::parse(
        raw,
        &kinds,
        &x.username_policy,
        &x.experience.default_phone_region,
    ) {
        Ok(id) => id,
        Err(e) => return Ok(Err(FormErrors::field(Field::Identifier, e))),
    };
    let first = x.experience.methods(id.kind).first().copied();
    if first == Some(SignInMethod::Code) {
        return send_code(ctx, flow, raw).await;
    }
    flow.progress.identifier = Some(id);
    save_progress(ctx.state, flow).await?;
    Ok(Ok(Next::Password))
}

/// Sends a sign-in code. The code goes out whether or not an account exists: what happens
/// after it is verified depends on that, and only the owner of the address sees it.
pub async fn send_code(ctx: &Ctx<'_>, flow: &mut Flow, raw: &str) -> StepResult {
    if !ctx.state.config.experience.sign_in_enabled() {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    if let Some(routed) = super::federation::route_by_domain(ctx, flow, raw).await? {
        return Ok(routed);
    }
    let id = match parse(ctx, raw, SignInMethod::Code) {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    flow.progress.begin(super::Event::SignIn);
    super::verify_code::send(ctx, flow, id, CodePurpose::SignIn).await
}

//! Security verification before sensitive account changes (email, phone, password, second
//! factors, linked identities, tokens, deletion): the user proves again that it is them,
//! and the proof lasts `account.verification_window_secs`. The server checks it on every
//! such request, whichever entry point (the account screens, the Account API).
//!
//! A user with a second factor (authenticator app, passkey or security key, backup codes)
//! must verify with one of those: a password alone, or a code to an address, does not let
//! a lower-assurance session remove or replace the factor that protects the account. A
//! sign-in within the window counts as a verification when it reached the same level.

use super::{save_progress, Ctx, Flow};
use crate::config::MfaPolicy;
use crate::crypto::now;
use crate::db::{SessionRow, UserRow};
use crate::error::AppError;
use crate::identifier::Identifier;
use crate::lockout::{self, Subjects};
use crate::mfa::{self, Level};
use app::api::{rules, CodePurpose, Field, FormErrors, UiError, VerifyMethod};
use serde::{Deserialize, Serialize};

/// The verification screen.
pub const SCREEN: super::Screen = super::account::screen("/account/verify");

/// How the user proved it is them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Password,
    EmailCode,
    SmsCode,
    Totp,
    BackupCode,
    Webauthn,
}

impl Method {
    /// A second factor (what an account with one must verify with).
    pub fn is_second_factor(self) -> bool {
        matches!(self, Method::Totp | Method::BackupCode | Method::Webauthn)
    }

    /// The name the Account API answers with.
    pub fn name(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::EmailCode => "email",
            Method::SmsCode => "sms",
            Method::Totp => "totp",
            Method::BackupCode => "backup_code",
            Method::Webauthn => "webauthn",
        }
    }
}

/// A verification of one user, kept with the flow (the screens' cookie, or the Account
/// API's verification id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verified {
    pub user: String,
    pub method: Method,
    pub at: i64,
}

/// Whether `user` has a second factor that verification must use.
pub async fn has_second_factor(ctx: &Ctx<'_>, user: &UserRow) -> Result<bool, AppError> {
    let state = ctx.state;
    if state.config.mfa.policy == MfaPolicy::Off {
        return Ok(false);
    }
    let factors = state.db.factors(&user.id).await?;
    let webauthn = state.webauthn.is_some() && factors.iter().any(|f| f.kind == "webauthn");
    Ok(webauthn
        || factors.iter().any(|f| f.kind == "totp")
        || state.db.backup_codes_left(&user.id).await? > 0)
}

/// The ways `user` can verify, best first.
pub async fn methods(ctx: &Ctx<'_>, user: &UserRow) -> Result<Vec<VerifyMethod>, AppError> {
    let state = ctx.state;
    let mut out = Vec::new();
    if has_second_factor(ctx, user).await? {
        let factors = state.db.factors(&user.id).await?;
        if state.webauthn.is_some() && factors.iter().any(|f| f.kind == "webauthn") {
            out.push(VerifyMethod::Webauthn);
        }
        if factors.iter().any(|f| f.kind == "totp") {
            out.push(VerifyMethod::Totp);
        }
        if state.db.backup_codes_left(&user.id).await? > 0 {
            out.push(VerifyMethod::BackupCode);
        }
        return Ok(out);
    }
    if user.password_hash.is_some() {
        out.push(VerifyMethod::Password);
    }
    if let (Some(email), 1) = (&user.email, user.email_verified) {
        out.push(VerifyMethod::EmailCode(crate::pages::mfa::masked(
            crate::config::MfaFactorKind::Email,
            email,
        )));
    }
    if let (Some(phone), 1) = (&user.phone, user.phone_verified) {
        out.push(VerifyMethod::SmsCode(crate::pages::mfa::masked(
            crate::config::MfaFactorKind::Sms,
            phone,
        )));
    }
    Ok(out)
}

/// Whether `user` may make a sensitive change now: a verification in this flow within the
/// window, or a sign-in of this session within it, of the level the account needs.
pub async fn is_fresh(
    ctx: &Ctx<'_>,
    user: &UserRow,
    session: Option<&SessionRow>,
    flow: Option<&Flow>,
) -> Result<bool, AppError> {
    let window = ctx.state.config.account.verification_window_secs;
    let since = now() - window;
    let strong = has_second_factor(ctx, user).await?;
    let verified = flow
        .and_then(|f| f.progress.account.verified.as_ref())
        .is_some_and(|v| {
            v.user == user.id && v.at >= since && (!strong || v.method.is_second_factor())
        });
    let signed_in = session.is_some_and(|s| {
        s.user_id == user.id
            && s.auth_time >= since
            && (!strong || mfa::level(&s.amr) >= Level::Multi)
    });
    Ok(verified || signed_in)
}

/// Records a verification of `user` in the flow.
async fn verified(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    method: Method,
) -> Result<Result<(), FormErrors>, AppError> {
    flow.progress.account.verified = Some(Verified {
        user: user.id.clone(),
        method,
        at: now(),
    });
    flow.progress.account.webauthn = None;
    save_progress(ctx.state, flow).await?;
    ctx.audit(
        crate::audit::Kind::Verified,
        &user.id,
        serde_json::json!({ "method": method.name() }),
    )
    .await;
    Ok(Ok(()))
}

/// Verification by password (not for accounts with a second factor). Wrong passwords
/// count against the same lockout as sign-in.
pub async fn password(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    password: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    if has_second_factor(ctx, user).await? {
        return Ok(Err(FormErrors::form(UiError::FactorRequired)));
    }
    if let Err(e) = rules::required(password) {
        return Ok(Err(FormErrors::field(Field::Password, e)));
    }
    let subjects = Subjects {
        identifier: None,
        user: Some(format!("user:{}", user.id)),
        ip: ctx.ip.clone(),
    };
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    let ok = if password.chars().count() > rules::PASSWORD_MAX {
        Ok(false)
    } else {
        ctx.state
            .hasher
            .verify(password, user.password_hash.as_deref())
            .await
    };
    match ok {
        Ok(true) if user.password_hash.is_some() => {
            lockout::succeeded(&ctx.state.db, &subjects).await?;
            verified(ctx, flow, user, Method::Password).await
        }
        Ok(_) => {
            lockout::failed(&ctx.state.db, &ctx.state.config.lockout, &subjects).await?;
            if let Err(locked) = lockout::check(&ctx.state.db, &subjects).await? {
                return Ok(Err(FormErrors::form(locked)));
            }
            Ok(Err(FormErrors::field(
                Field::Password,
                UiError::InvalidCredentials,
            )))
        }
        Err(e) => Ok(Err(FormErrors::form(super::hashing_error(e)?))),
    }
}

/// The verified address of `user` on `channel` (`email`, `sms`).
fn address_of(user: &UserRow, channel: &str) -> Option<Identifier> {
    use crate::config::IdentifierKind;
    match channel {
        "email" if user.email_verified == 1 => user
            .email
            .clone()
            .map(|e| Identifier::new(IdentifierKind::Email, e)),
        "sms" if user.phone_verified == 1 => user
            .phone
            .clone()
            .map(|p| Identifier::new(IdentifierKind::Phone, p)),
        _ => None,
    }
}

/// Sends a verification code to the user's verified address on `channel`.
pub async fn send_code(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    channel: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    if has_second_factor(ctx, user).await? {
        return Ok(Err(FormErrors::form(UiError::FactorRequired)));
    }
    let Some(to) = address_of(user, channel) else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    flow.progress.account.code_channel = Some(channel.to_string());
    Ok(
        super::verify_code::send(ctx, flow, to, CodePurpose::Verification)
            .await?
            .map(|_| ()),
    )
}

/// Verification by the code sent to the user's address.
pub async fn code(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    code: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    if flow.progress.code_purpose != CodePurpose::Verification || flow.progress.code_to.is_none() {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    let to = match super::verify_code::check(ctx, flow, code).await? {
        Ok(to) => to,
        Err(e) => return Ok(Err(e)),
    };
    // The code must have gone to this user's address (the flow may have changed hands).
    let method = if address_of(user, "email").as_ref() == Some(&to) {
        Method::EmailCode
    } else if address_of(user, "sms").as_ref() == Some(&to) {
        Method::SmsCode
    } else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    if has_second_factor(ctx, user).await? {
        return Ok(Err(FormErrors::form(UiError::FactorRequired)));
    }
    flow.progress.account.code_channel = None;
    verified(ctx, flow, user, method).await
}

/// Verification by an authenticator-app code.
pub async fn totp(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    code: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    if let Err(e) = super::mfa::check_totp(ctx, user, code).await? {
        return Ok(Err(e));
    }
    verified(ctx, flow, user, Method::Totp).await
}

/// Verification by a backup code (spent).
pub async fn backup_code(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    typed: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    if let Err(e) = super::mfa::check_backup_code(ctx, user, typed).await? {
        return Ok(Err(e));
    }
    verified(ctx, flow, user, Method::BackupCode).await
}

/// The WebAuthn request options for verifying with a passkey (the state is kept in the
/// flow, used once), or `None` when the user has none here.
pub async fn start_webauthn(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
) -> Result<Option<String>, AppError> {
    let Some(rp) = ctx.state.webauthn.as_deref() else {
        return Ok(None);
    };
    let Some((options, auth)) = super::mfa::authentication_for(ctx.state, rp, user).await? else {
        return Ok(None);
    };
    flow.progress.account.webauthn = Some(auth);
    save_progress(ctx.state, flow).await?;
    Ok(Some(options))
}

/// Verification by a passkey or security key.
pub async fn webauthn(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    credential: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let Some(rp) = ctx.state.webauthn.as_deref() else {
        return Ok(Err(FormErrors::form(UiError::WebauthnRefused)));
    };
    let Some(auth) = flow.progress.account.webauthn.take() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    save_progress(ctx.state, flow).await?;
    if let Err(e) = super::mfa::check_webauthn(ctx, rp, user, &auth, credential).await? {
        return Ok(Err(e));
    }
    verified(ctx, flow, user, Method::Webauthn).await
}

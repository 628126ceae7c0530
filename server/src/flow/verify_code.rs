//! One-time codes: sending them (with the cool-down and the per-recipient send limit) and
//! checking them (single use, bound to this flow, limited tries that a new code does not
//! reset). What a verified code leads to depends on why it was sent.

use super::{
    finish_sign_in, register, save_progress, user_by_identifier, Ctx, Event, Flow, Next, Screen,
    StepResult,
};
use crate::config::IdentifierKind;
use crate::crypto::{ct_eq, mac, now};
use crate::identifier::Identifier;
use crate::lockout;
use crate::messaging::code_message;
use app::api::{rules, CodePurpose, Field, FormErrors, UiError};
use rand::Rng;

/// The code entry screen.
pub const SCREEN: Screen = Screen {
    key: "verify_code",
    path: "/verify",
};

fn purpose_name(p: CodePurpose) -> &'static str {
    match p {
        CodePurpose::SignIn => "sign_in",
        CodePurpose::Register => "register",
        CodePurpose::ResetPassword => "reset_password",
        CodePurpose::Mfa => "mfa",
        CodePurpose::Continue => "continue",
        CodePurpose::Verification => "verification",
        CodePurpose::NewAddress => "new_address",
    }
}

/// The MAC of a code, bound to the flow and the recipient: a code cannot be replayed in
/// another flow or for another address.
fn code_mac(ctx: &Ctx<'_>, flow: &Flow, recipient: &str, code: &str) -> String {
    mac(
        &ctx.state.csrf_key,
        &format!("code\n{}\n{recipient}\n{code}", flow.id_hash),
    )
}

/// Sends a new code to `to` for `purpose` and moves the flow to the code screen.
pub async fn send(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    to: Identifier,
    purpose: CodePurpose,
) -> StepResult {
    let state = ctx.state;
    let c = &state.config.codes;
    let now = now();
    if let Err(locked) = lockout::check(&state.db, &ctx.subjects(Some(&to)).await?).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    if let Some(previous) = state.db.verification_code(&flow.id_hash, &to.value).await? {
        let wait = previous.sent_at + c.resend_cooldown_secs - now;
        if wait > 0 {
            // Same address again within the cool-down: the earlier code still stands.
            flow.progress.code_to = Some(to);
            flow.progress.code_purpose = purpose;
            save_progress(state, flow).await?;
            return Ok(Err(FormErrors::form(UiError::ResendWait { seconds: wait })));
        }
    }
    if let Some(limited) = send_limit(ctx, &to.value).await? {
        return Ok(Err(FormErrors::form(limited)));
    }
    let digits = c.digits;
    let code: String = {
        let mut rng = rand::thread_rng();
        (0..digits)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect()
    };
    state
        .db
        .put_verification_code(
            &flow.id_hash,
            &to.value,
            purpose_name(purpose),
            &code_mac(ctx, flow, &to.value, &code),
            now,
            now + c.ttl_secs,
        )
        .await?;
    record_send(ctx, &to.value).await?;
    let message = code_message(
        to.delivery(),
        to.kind == IdentifierKind::Phone,
        purpose,
        &code,
        c.ttl_secs / 60,
        ctx.locale,
    );
    if let Err(e) = state.messenger.send(&state.db, &message).await {
        tracing::error!(error = %e, "verification code not sent");
        return Ok(Err(FormErrors::form(UiError::SendFailed)));
    }
    tracing::info!(purpose = purpose_name(purpose), "verification code sent");
    flow.progress.code_to = Some(to);
    flow.progress.code_purpose = purpose;
    save_progress(state, flow).await?;
    Ok(Ok(Next::VerifyCode))
}

/// The send limit a new message to `recipient` would break: per recipient (no mailbox is
/// flooded) and per client address (no one pays for messages to numbers they cycle through).
/// Codes and sign-in links count alike.
pub async fn send_limit(
    ctx: &Ctx<'_>,
    recipient: &str,
) -> Result<Option<UiError>, crate::error::AppError> {
    let state = ctx.state;
    let c = &state.config.codes;
    let now = now();
    for (key, limit) in [
        (recipient, c.max_sends),
        (ctx.ip.as_str(), c.max_sends_per_address),
    ] {
        let (sent, oldest) = state.db.sends_since(key, now - c.send_window_secs).await?;
        if sent >= limit {
            let minutes = (oldest.unwrap_or(now) + c.send_window_secs - now + 59) / 60;
            return Ok(Some(UiError::SendLimit {
                minutes: minutes.max(1),
            }));
        }
    }
    Ok(None)
}

/// Counts a message to `recipient` against the send limits.
pub async fn record_send(ctx: &Ctx<'_>, recipient: &str) -> Result<(), crate::error::AppError> {
    let now = now();
    ctx.state.db.record_send(recipient, now).await?;
    ctx.state.db.record_send(&ctx.ip, now).await?;
    Ok(())
}

/// "Send a new code": to the same address, for the same purpose.
pub async fn resend(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let Some(to) = flow.progress.code_to.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let purpose = flow.progress.code_purpose;
    Ok(send(ctx, flow, to, purpose)
        .await?
        .map(|_| Next::CodeResent))
}

/// Checks the code typed by the user, then takes the step it was sent for.
pub async fn verify(ctx: &Ctx<'_>, flow: &mut Flow, code: &str) -> StepResult {
    let state = ctx.state;
    let to = match check(ctx, flow, code).await? {
        Ok(to) => to,
        Err(e) => return Ok(Err(e)),
    };
    let purpose = flow.progress.code_purpose;
    match purpose {
        CodePurpose::SignIn => proven_address(ctx, flow, to).await,
        CodePurpose::Register => register::advance(ctx, flow).await,
        CodePurpose::Continue => super::profile::apply(ctx, flow).await,
        CodePurpose::Mfa => super::mfa::code_verified(ctx, flow, &to).await,
        CodePurpose::ResetPassword => match user_by_identifier(state, &to).await? {
            Some(user) => {
                flow.progress.reset_user = Some(user.id);
                save_progress(state, flow).await?;
                Ok(Ok(Next::NewPassword))
            }
            None => {
                flow.progress.identifier = Some(to);
                save_progress(state, flow).await?;
                Ok(Ok(Next::NoAccount))
            }
        },
        // Entered in the account center, never on this screen.
        CodePurpose::Verification | CodePurpose::NewAddress => {
            Ok(Err(FormErrors::form(UiError::FormExpired)))
        }
    }
}

/// Checks `code` against the flow's outstanding code (single use, limited tries, the
/// lockout): the address it proves, which the flow then counts as verified.
pub async fn check(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    code: &str,
) -> Result<Result<Identifier, FormErrors>, crate::error::AppError> {
    let state = ctx.state;
    let c = &state.config.codes;
    let Some(to) = flow.progress.code_to.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if let Err(e) = rules::code(&code, c.digits as usize) {
        return Ok(Err(FormErrors::field(Field::Code, e)));
    }
    let subjects = ctx.subjects(Some(&to)).await?;
    if let Err(locked) = lockout::check(&state.db, &subjects).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    let Some(record) = state.db.verification_code(&flow.id_hash, &to.value).await? else {
        return Ok(Err(FormErrors::field(Field::Code, UiError::CodeExpired)));
    };
    // A code works only for what its message said it was for.
    if record.purpose != purpose_name(flow.progress.code_purpose) {
        return Ok(Err(FormErrors::field(Field::Code, UiError::CodeExpired)));
    }
    if record.failures >= c.max_attempts {
        return Ok(Err(FormErrors::field(
            Field::Code,
            UiError::CodeAttemptsExceeded,
        )));
    }
    let now = now();
    if record.used_at.is_some() || record.expires_at <= now {
        return Ok(Err(FormErrors::field(Field::Code, UiError::CodeExpired)));
    }
    // Each attempt is reserved before the comparison, atomically, so parallel requests
    // cannot get more tries than the limit.
    if !state
        .db
        .reserve_code_attempt(&flow.id_hash, &to.value, c.max_attempts, now)
        .await?
    {
        return Ok(Err(FormErrors::field(
            Field::Code,
            UiError::CodeAttemptsExceeded,
        )));
    }
    if !ct_eq(&record.code_mac, &code_mac(ctx, flow, &to.value, &code)) {
        lockout::failed(&state.db, &state.config.lockout, &subjects).await?;
        let left = c.max_attempts - (record.failures + 1);
        let error = if left <= 0 {
            UiError::CodeAttemptsExceeded
        } else {
            UiError::CodeInvalidLeft { left }
        };
        return Ok(Err(FormErrors::field(Field::Code, error)));
    }
    // Single use, even against a concurrent request with the same code.
    if !state.db.consume_code(&flow.id_hash, &to.value, now).await? {
        return Ok(Err(FormErrors::field(Field::Code, UiError::CodeExpired)));
    }
    lockout::succeeded(&state.db, &subjects).await?;
    flow.progress.code_to = None;
    if !flow.progress.is_verified(&to) {
        flow.progress.verified.push(to.clone());
    }
    Ok(Ok(to))
}

/// An address the user just proved (a sign-in code, a sign-in link): its account signs in;
/// without one, the address becomes a new account's (without a second proof) when the
/// user may register, or the user learns there is none.
pub async fn proven_address(ctx: &Ctx<'_>, flow: &mut Flow, to: Identifier) -> StepResult {
    let state = ctx.state;
    if !flow.progress.is_verified(&to) {
        flow.progress.verified.push(to.clone());
    }
    match user_by_identifier(state, &to).await? {
        Some(user) => {
            if !is_marked_verified(&user, &to) {
                state
                    .db
                    .set_verified(&user.id, to.kind == IdentifierKind::Phone, now())
                    .await?;
            }
            let proof = if to.kind == IdentifierKind::Phone {
                "sms"
            } else {
                "email"
            };
            finish_sign_in(ctx, flow, &user, proof).await
        }
        None if flow.may_register(state) => {
            flow.progress.event = Event::Register;
            flow.progress.identifier = Some(to);
            save_progress(state, flow).await?;
            Ok(Ok(Next::Register))
        }
        None => {
            flow.progress.identifier = Some(to);
            save_progress(state, flow).await?;
            Ok(Ok(Next::NoAccount))
        }
    }
}

fn is_marked_verified(user: &crate::db::UserRow, id: &Identifier) -> bool {
    match id.kind {
        IdentifierKind::Phone => user.phone_verified == 1,
        _ => user.email_verified == 1,
    }
}

//! The second factor: after the first factor proved who the user is, `gate` decides whether
//! a second one is needed (policy, the app's `acr_values`, a remembered device), and the
//! steps here verify one, set one up, show backup codes and offer a passkey. Each step ends
//! by calling `finish_sign_in` again, which re-runs every gate: no path reaches a session
//! without them.

use super::{finish_sign_in, save_progress, Ctx, Flow, Next, Screen, StepResult};
use crate::config::{IdentifierKind, MfaFactorKind, MfaPolicy};
use crate::crypto::{now, random_token, token_hash};
use crate::db::{DbError, FactorRow, UserRow};
use crate::error::AppError;
use crate::identifier::Identifier;
use crate::lockout::{self, Subjects};
use crate::mfa::{self, Level, Proof};
use crate::state::AppState;
use crate::web::CookieName;
use app::api::{rules, CodePurpose, Field, FormErrors, MfaFactor, UiError};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
};

/// Proving a second factor.
pub const VERIFY_SCREEN: Screen = Screen {
    key: "mfa",
    path: "/mfa",
};
/// Choosing another method to prove.
pub const CHOICE_SCREEN: Screen = Screen {
    key: "mfa_methods",
    path: "/mfa/methods",
};
/// Choosing a factor to set up.
pub const SETUP_SCREEN: Screen = Screen {
    key: "mfa_setup",
    path: "/mfa/setup",
};
/// Setting up an authenticator app.
pub const TOTP_SETUP_SCREEN: Screen = Screen {
    key: "totp_setup",
    path: "/mfa/setup/totp",
};
/// Registering a passkey or security key as a second factor.
pub const WEBAUTHN_SETUP_SCREEN: Screen = Screen {
    key: "webauthn_setup",
    path: "/mfa/setup/webauthn",
};
/// The backup codes, shown once.
pub const BACKUP_CODES_SCREEN: Screen = Screen {
    key: "backup_codes",
    path: "/mfa/backup-codes",
};
/// The offer to create a passkey after sign-in.
pub const PASSKEY_SCREEN: Screen = Screen {
    key: "passkey_prompt",
    path: "/passkey/create",
};

/// What the second-factor steps of a flow hold. Everything here is bound to this flow and
/// its pending user, and is taken (single use) by the step that consumes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MfaProgress {
    /// The factor being proven.
    pub factor: Option<MfaFactorKind>,
    /// An authenticator-app secret shown for setup, bound once a code from it is typed.
    pub totp_secret: Option<String>,
    /// The WebAuthn ceremony in progress (registration or authentication state, JSON).
    pub webauthn: Option<String>,
    /// New backup codes, until the user confirms they saved them.
    pub backup_codes: Vec<String>,
    /// The offer to set up a factor was declined in this flow.
    pub skipped: bool,
    /// The passkey offer was answered in this flow.
    pub passkey_answered: bool,
    /// The user asked to remember this device.
    pub remember: bool,
    /// Every second-factor gate is behind the user: later screens (profile, terms) may act.
    pub passed: bool,
    /// A passkey sign-in (first factor) in progress on the sign-in screen.
    pub passkey_sign_in: Option<String>,
}

fn kind_of(f: MfaFactor) -> MfaFactorKind {
    match f {
        MfaFactor::Totp => MfaFactorKind::Totp,
        MfaFactor::Webauthn => MfaFactorKind::Webauthn,
        MfaFactor::BackupCode => MfaFactorKind::BackupCode,
        MfaFactor::Email => MfaFactorKind::Email,
        MfaFactor::Sms => MfaFactorKind::Sms,
    }
}

/// The screens' name of a factor kind.
pub fn factor_of(k: MfaFactorKind) -> MfaFactor {
    match k {
        MfaFactorKind::Totp => MfaFactor::Totp,
        MfaFactorKind::Webauthn => MfaFactor::Webauthn,
        MfaFactorKind::BackupCode => MfaFactor::BackupCode,
        MfaFactorKind::Email => MfaFactor::Email,
        MfaFactorKind::Sms => MfaFactor::Sms,
    }
}

/// The factors `user` has and may use, in the configured order: bound authenticator apps
/// and WebAuthn credentials, unused backup codes, a verified email address or phone.
pub async fn bound(state: &AppState, user: &UserRow) -> Result<Vec<MfaFactorKind>, AppError> {
    let cfg = &state.config.mfa;
    if cfg.policy == MfaPolicy::Off {
        return Ok(Vec::new());
    }
    let rows = state.db.factors(&user.id).await?;
    let has = |kind: &str| rows.iter().any(|r| r.kind == kind);
    let mut out = Vec::new();
    for &kind in &cfg.factors {
        let yes = match kind {
            MfaFactorKind::Totp => has("totp"),
            MfaFactorKind::Webauthn => has("webauthn"),
            MfaFactorKind::BackupCode => state.db.backup_codes_left(&user.id).await? > 0,
            MfaFactorKind::Email => user.email.is_some() && user.email_verified == 1,
            MfaFactorKind::Sms => user.phone.is_some() && user.phone_verified == 1,
        };
        if yes {
            out.push(kind);
        }
    }
    Ok(out)
}

/// Factor kinds that can raise a session with `amr` to `need`: bound, and not a factor type
/// the session proved already (an emailed code after an emailed code is not a second factor).
pub fn usable(bound: &[MfaFactorKind], amr: &str, need: Level) -> Vec<MfaFactorKind> {
    let proven: Vec<_> = mfa::proofs(amr).iter().filter_map(|p| p.factor()).collect();
    bound
        .iter()
        .copied()
        .filter(|k| !proven.contains(k))
        .filter(|k| need < Level::PhishingResistant || *k == MfaFactorKind::Webauthn)
        .collect()
}

/// Factor kinds a user can set up here to reach `need`.
pub fn setup_choices(state: &AppState, need: Level) -> Vec<MfaFactorKind> {
    [MfaFactorKind::Totp, MfaFactorKind::Webauthn]
        .into_iter()
        .filter(|k| state.config.mfa.allows(*k))
        .filter(|k| need < Level::PhishingResistant || *k == MfaFactorKind::Webauthn)
        .collect()
}

/// The level the app asked for with `acr_values`, when this server can reach it (the
/// parameter is a request, not a demand: a level no allowed factor can reach is ignored).
pub fn requested_level(
    state: &AppState,
    request: Option<&crate::oidc::authorize::AuthRequest>,
) -> Option<Level> {
    let wanted = mfa::required_by(&request?.acr_values)?;
    let reachable = match wanted {
        Level::Single => true,
        Level::Multi => state.config.mfa.policy != MfaPolicy::Off,
        Level::PhishingResistant => state.config.mfa.allows(MfaFactorKind::Webauthn),
    };
    reachable.then_some(wanted)
}

/// The level `user` must reach in this flow.
async fn needed(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
    bound: &[MfaFactorKind],
) -> Result<Level, AppError> {
    let state = ctx.state;
    // A user flow (Azure AD B2C) may turn the second factor off, or make it mandatory.
    let policy = crate::oidc::authorize::user_flow(state, flow.request.as_ref())
        .and_then(|f| f.mfa)
        .unwrap_or(state.config.mfa.policy);
    let policy_needs = match policy {
        MfaPolicy::Off => false,
        MfaPolicy::Mandatory => true,
        _ => !bound.is_empty(),
    } || super::organization::requires_mfa(
        state,
        flow.request
            .as_ref()
            .and_then(|r| r.organization_id.as_deref()),
    )
    .await?;
    let requested = requested_level(state, flow.request.as_ref());
    // A remembered device stands in for the policy's second factor, never for one the app
    // asked for.
    let policy_needs = policy_needs && !(requested.is_none() && trusted_device(ctx, user).await?);
    let policy_level = if policy_needs {
        Level::Multi
    } else {
        Level::Single
    };
    Ok(policy_level.max(requested.unwrap_or(Level::Single)))
}

async fn trusted_device(ctx: &Ctx<'_>, user: &UserRow) -> Result<bool, AppError> {
    if ctx.state.config.mfa.remember_device_days == 0 {
        return Ok(false);
    }
    let Some(token) = ctx.state.cookies.get(ctx.headers, CookieName::Device) else {
        return Ok(false);
    };
    Ok(ctx
        .state
        .db
        .is_trusted_device(&token_hash(&token), &user.id, now())
        .await?)
}

/// Where a pending user stands at the second factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// A factor must be proven; these may be.
    Verify(Vec<MfaFactorKind>),
    /// A factor must be set up first (no usable one reaches the level needed).
    SetupRequired,
    /// New backup codes wait to be saved.
    BackupCodes,
    /// Setting up a factor is offered (may be declined).
    SetupOffered,
    /// Nothing more is asked.
    Passed,
}

/// The stage of `user` with `amr` in this flow. Every second-factor action checks it, so an
/// action of another stage (setting up a new factor while one must be proven) is refused.
pub async fn stage(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
) -> Result<Stage, AppError> {
    let state = ctx.state;
    let bound = bound(state, user).await?;
    let need = needed(ctx, flow, user, &bound).await?;
    let m = &flow.progress.mfa;
    if mfa::level(amr) < need {
        let usable = usable(&bound, amr, need);
        return Ok(if usable.is_empty() {
            Stage::SetupRequired
        } else {
            Stage::Verify(usable)
        });
    }
    if !m.backup_codes.is_empty() {
        return Ok(Stage::BackupCodes);
    }
    let prompts = match state.config.mfa.policy {
        MfaPolicy::PromptAtSignIn => flow.progress.event != super::Event::Register,
        MfaPolicy::PromptAtSignUpAndSignIn => true,
        _ => false,
    };
    if prompts && bound.is_empty() && user.mfa_skipped_at.is_none() && !m.skipped {
        return Ok(Stage::SetupOffered);
    }
    Ok(Stage::Passed)
}

/// The second-factor gate of `finish_sign_in`: the step the user must take before the
/// session, or `None` when the gate is passed.
pub async fn gate(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    amr: &str,
) -> Result<Option<Next>, AppError> {
    Ok(match stage(ctx, flow, user, amr).await? {
        Stage::Verify(usable) => {
            let m = &mut flow.progress.mfa;
            if m.factor.is_none_or(|f| !usable.contains(&f)) {
                m.factor = usable
                    .iter()
                    .copied()
                    .find(|k| *k != MfaFactorKind::BackupCode)
                    .or(usable.first().copied());
            }
            Some(Next::Mfa)
        }
        Stage::SetupRequired | Stage::SetupOffered => Some(Next::MfaSetup),
        Stage::BackupCodes => Some(Next::BackupCodes),
        Stage::Passed => {
            flow.progress.mfa.passed = true;
            None
        }
    })
}

/// Whether the pending user is at a setup stage (required, or offered and not declined).
pub async fn setting_up(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
) -> Result<bool, AppError> {
    Ok(matches!(
        stage(ctx, flow, user, amr).await?,
        Stage::SetupRequired | Stage::SetupOffered
    ))
}

/// The passkey offer after sign-in, when configured and the user has none.
pub async fn passkey_offer(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
) -> Result<Option<Next>, AppError> {
    let state = ctx.state;
    if !state.config.passkeys.prompt_after_sign_in
        || flow.progress.mfa.passkey_answered
        || user.passkey_skipped_at.is_some()
        || state.webauthn.is_none()
    {
        return Ok(None);
    }
    let has = state
        .db
        .factors(&user.id)
        .await?
        .iter()
        .any(|f| f.kind == "webauthn");
    Ok((!has).then_some(Next::PasskeyPrompt))
}

/// The remembered-device cookie to set at the end of a sign-in that proved a second factor
/// with "remember this device" ticked.
pub async fn remember_cookie(
    state: &AppState,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
) -> Result<Option<String>, AppError> {
    let days = state.config.mfa.remember_device_days;
    if days == 0 || !flow.progress.mfa.remember || mfa::level(amr) < Level::Multi {
        return Ok(None);
    }
    let token = random_token();
    let now = now();
    let age = days * 86_400;
    state
        .db
        .insert_trusted_device(&token_hash(&token), &user.id, now, now + age)
        .await?;
    Ok(Some(state.cookies.set(
        CookieName::Device,
        &token,
        Some(age),
    )))
}

/// The user of a flow waiting at the second factor, with what they proved so far.
pub async fn pending(state: &AppState, flow: &Flow) -> Result<Option<(UserRow, String)>, AppError> {
    let Some((id, amr)) = flow.progress.pending_user.clone() else {
        return Ok(None);
    };
    Ok(state.db.user_by_id(&id).await?.map(|u| (u, amr)))
}

fn expired() -> StepResult {
    Ok(Err(FormErrors::form(UiError::FormExpired)))
}

fn subjects(ctx: &Ctx<'_>, user: &UserRow) -> Subjects {
    Subjects {
        identifier: None,
        user: Some(format!("mfa:{}", user.id)),
        ip: ctx.ip.clone(),
    }
}

/// Continues after `proof` was given.
async fn proven(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    amr: &str,
    proof: Proof,
) -> StepResult {
    lockout::succeeded(&ctx.state.db, &subjects(ctx, user)).await?;
    flow.progress.mfa.factor = None;
    flow.progress.pending_user = None;
    finish_sign_in(ctx, flow, user, &mfa::with_proof(amr, proof)).await
}

/// Counts a wrong code and answers with the tries left (or the lock).
async fn wrong(
    ctx: &Ctx<'_>,
    user: &UserRow,
    field: Field,
    error: impl Fn(i64) -> UiError,
) -> StepResult {
    Ok(Err(wrong_errors(ctx, user, field, error).await?))
}

/// The errors of a wrong code, counted against the lockout.
async fn wrong_errors(
    ctx: &Ctx<'_>,
    user: &UserRow,
    field: Field,
    error: impl Fn(i64) -> UiError,
) -> Result<FormErrors, AppError> {
    let left = lockout::failed(
        &ctx.state.db,
        &ctx.state.config.lockout,
        &subjects(ctx, user),
    )
    .await?;
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects(ctx, user)).await? {
        return Ok(FormErrors::form(locked));
    }
    Ok(FormErrors::field(field, error(left.unwrap_or(0))))
}

/// Checks a code from one of `user`'s authenticator apps. Each code is accepted once (a
/// replay, even within its 30 seconds, fails); wrong codes count against the lockout.
pub async fn check_totp(
    ctx: &Ctx<'_>,
    user: &UserRow,
    code: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if let Err(e) = rules::code(&code, mfa::TOTP_DIGITS) {
        return Ok(Err(FormErrors::field(Field::Code, e)));
    }
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects(ctx, user)).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    let now = now();
    for factor in ctx.state.db.factors(&user.id).await? {
        if factor.kind != "totp" {
            continue;
        }
        if let Some(step) = mfa::totp_step(&factor.secret, &code, now) {
            if !ctx.state.db.accept_totp_step(&factor.id, step, now).await? {
                return Ok(Err(FormErrors::field(Field::Code, UiError::CodeUsed)));
            }
            lockout::succeeded(&ctx.state.db, &subjects(ctx, user)).await?;
            return Ok(Ok(()));
        }
    }
    Ok(Err(wrong_errors(ctx, user, Field::Code, |left| {
        UiError::CodeInvalidLeft { left }
    })
    .await?))
}

/// Checks and spends one of `user`'s backup codes; wrong codes count against the lockout.
pub async fn check_backup_code(
    ctx: &Ctx<'_>,
    user: &UserRow,
    typed: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    if typed.trim().is_empty() {
        return Ok(Err(FormErrors::field(Field::BackupCode, UiError::Required)));
    }
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects(ctx, user)).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    let invalid = |left| UiError::BackupCodeInvalid { left };
    let Some((lookup, code)) = mfa::parse_backup_code(typed) else {
        return Ok(Err(
            wrong_errors(ctx, user, Field::BackupCode, invalid).await?
        ));
    };
    let hash = ctx.state.db.backup_code(&user.id, &lookup).await?;
    // A code whose first group matches nothing still costs one hash: the answer's timing
    // does not tell a near miss from a far one.
    let ok = match ctx.state.hasher.verify(&code, hash.as_deref()).await {
        Ok(ok) => ok && hash.is_some(),
        Err(e) => return Ok(Err(FormErrors::form(super::hashing_error(e)?))),
    };
    if !ok
        || !ctx
            .state
            .db
            .use_backup_code(&user.id, &lookup, now())
            .await?
    {
        return Ok(Err(
            wrong_errors(ctx, user, Field::BackupCode, invalid).await?
        ));
    }
    lockout::succeeded(&ctx.state.db, &subjects(ctx, user)).await?;
    Ok(Ok(()))
}

/// Whether `kind` is one the pending user may prove now.
async fn may_prove(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
    kind: MfaFactorKind,
) -> Result<bool, AppError> {
    let bound = bound(ctx.state, user).await?;
    let need = needed(ctx, flow, user, &bound).await?.max(Level::Multi);
    Ok(usable(&bound, amr, need).contains(&kind))
}

/// A code from an authenticator app as the second factor.
pub async fn verify_totp(ctx: &Ctx<'_>, flow: &mut Flow, code: &str, remember: bool) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    if !may_prove(ctx, flow, &user, &amr, MfaFactorKind::Totp).await? {
        return expired();
    }
    if let Err(e) = check_totp(ctx, &user, code).await? {
        return Ok(Err(e));
    }
    flow.progress.mfa.remember = remember;
    proven(ctx, flow, &user, &amr, Proof::Totp).await
}

/// A backup code as the second factor, used once.
pub async fn verify_backup(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    typed: &str,
    remember: bool,
) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    if !may_prove(ctx, flow, &user, &amr, MfaFactorKind::BackupCode).await? {
        return expired();
    }
    if let Err(e) = check_backup_code(ctx, &user, typed).await? {
        return Ok(Err(e));
    }
    flow.progress.mfa.remember = remember;
    proven(ctx, flow, &user, &amr, Proof::Backup).await
}

/// "Choose another method": switches the factor to prove; an emailed or texted code is
/// sent at once.
pub async fn choose(ctx: &Ctx<'_>, flow: &mut Flow, factor: &str) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    let Some(kind) = MfaFactor::parse(factor).map(kind_of) else {
        return Ok(Err(FormErrors::form(UiError::InvalidOption)));
    };
    if !may_prove(ctx, flow, &user, &amr, kind).await? {
        return Ok(Err(FormErrors::form(UiError::InvalidOption)));
    }
    flow.progress.mfa.factor = Some(kind);
    match kind {
        MfaFactorKind::Email | MfaFactorKind::Sms => {
            let to = match (kind, &user.email, &user.phone) {
                (MfaFactorKind::Email, Some(e), _) => {
                    Identifier::new(IdentifierKind::Email, e.clone())
                }
                (MfaFactorKind::Sms, _, Some(p)) => {
                    Identifier::new(IdentifierKind::Phone, p.clone())
                }
                _ => return Ok(Err(FormErrors::form(UiError::InvalidOption))),
            };
            super::verify_code::send(ctx, flow, to, CodePurpose::Mfa).await
        }
        _ => {
            save_progress(ctx.state, flow).await?;
            Ok(Ok(Next::Mfa))
        }
    }
}

/// An emailed or texted second-factor code was verified (by the code screen).
pub async fn code_verified(ctx: &Ctx<'_>, flow: &mut Flow, to: &Identifier) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    let (kind, proof, address) = match to.kind {
        IdentifierKind::Phone => (MfaFactorKind::Sms, Proof::Sms, &user.phone),
        _ => (MfaFactorKind::Email, Proof::Email, &user.email),
    };
    // The code must have gone to the account's own address, for a factor it may use.
    if address.as_deref() != Some(to.value.as_str())
        || !may_prove(ctx, flow, &user, &amr, kind).await?
    {
        return expired();
    }
    proven(ctx, flow, &user, &amr, proof).await
}

// ---- setting up ----

/// Chooses a factor to set up.
pub async fn setup_choose(ctx: &Ctx<'_>, flow: &mut Flow, factor: &str) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    // Never while a factor the user has must be proven: a new one would stand in for it.
    if !setting_up(ctx, flow, &user, &amr).await? {
        return expired();
    }
    let need = {
        let bound = bound(ctx.state, &user).await?;
        needed(ctx, flow, &user, &bound).await?.max(Level::Multi)
    };
    let kind = MfaFactor::parse(factor).map(kind_of);
    match kind {
        Some(k) if setup_choices(ctx.state, need).contains(&k) => {
            flow.progress.mfa.factor = Some(k);
            flow.progress.mfa.totp_secret = None;
            flow.progress.mfa.webauthn = None;
            save_progress(ctx.state, flow).await?;
            Ok(Ok(match k {
                MfaFactorKind::Webauthn => Next::WebauthnSetup,
                _ => Next::TotpSetup,
            }))
        }
        _ => Ok(Err(FormErrors::form(UiError::InvalidOption))),
    }
}

/// The authenticator-app secret of the setup screen, made on first view and kept for the
/// flow so that a reload shows the same QR code.
pub async fn totp_secret(state: &AppState, flow: &mut Flow) -> Result<String, AppError> {
    if let Some(s) = &flow.progress.mfa.totp_secret {
        return Ok(s.clone());
    }
    let secret = mfa::new_totp_secret();
    flow.progress.mfa.totp_secret = Some(secret.clone());
    save_progress(state, flow).await?;
    Ok(secret)
}

/// The issuer shown in authenticator apps.
pub fn totp_issuer(state: &AppState) -> String {
    let c = &state.config;
    if !c.mfa.totp_issuer.is_empty() {
        c.mfa.totp_issuer.clone()
    } else {
        c.branding.name.clone().unwrap_or_else(|| "Sesame".into())
    }
}

/// Checks the code that proves a new authenticator app was set up with `secret`: its time
/// step, or the error (wrong codes count against the lockout).
pub async fn check_new_totp(
    ctx: &Ctx<'_>,
    user: &UserRow,
    secret: &str,
    code: &str,
) -> Result<Result<i64, FormErrors>, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if let Err(e) = rules::code(&code, mfa::TOTP_DIGITS) {
        return Ok(Err(FormErrors::field(Field::Code, e)));
    }
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects(ctx, user)).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    match mfa::totp_step(secret, &code, now()) {
        Some(step) => Ok(Ok(step)),
        None => Ok(Err(wrong_errors(ctx, user, Field::Code, |left| {
            UiError::CodeInvalidLeft { left }
        })
        .await?)),
    }
}

/// The factor row of an authenticator app set up with a code of time step `step`: that
/// code cannot be used again to sign in.
pub fn totp_row(
    state: &AppState,
    user: &UserRow,
    secret: String,
    step: i64,
    now: i64,
) -> FactorRow {
    FactorRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        kind: "totp".into(),
        name: totp_issuer(state),
        secret,
        credential_id: None,
        last_step: step,
        created_at: now,
        last_used_at: Some(now),
    }
}

/// Binds the authenticator app once a code from it proves it was set up. The secret is
/// taken from the flow: it binds once.
pub async fn setup_totp(ctx: &Ctx<'_>, flow: &mut Flow, code: &str) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    let Some(secret) = flow.progress.mfa.totp_secret.clone() else {
        return expired();
    };
    if !ctx.state.config.mfa.allows(MfaFactorKind::Totp)
        || !setting_up(ctx, flow, &user, &amr).await?
    {
        return expired();
    }
    let step = match check_new_totp(ctx, &user, &secret, code).await? {
        Ok(step) => step,
        Err(e) => return Ok(Err(e)),
    };
    flow.progress.mfa.totp_secret = None;
    ctx.state
        .db
        .insert_factor(&totp_row(ctx.state, &user, secret, step, now()))
        .await?;
    ctx.audit(
        crate::audit::Kind::FactorAdded,
        &user.id,
        serde_json::json!({ "factor": "totp" }),
    )
    .await;
    bound_first(ctx, flow, &user).await?;
    proven(ctx, flow, &user, &amr, Proof::Totp).await
}

/// After a factor was set up: backup codes, when allowed and the user has none.
async fn bound_first(ctx: &Ctx<'_>, flow: &mut Flow, user: &UserRow) -> Result<(), AppError> {
    let state = ctx.state;
    if !state.config.mfa.allows(MfaFactorKind::BackupCode)
        || state.db.backup_codes_left(&user.id).await? > 0
    {
        return Ok(());
    }
    flow.progress.mfa.backup_codes = new_backup_codes(state, user).await?;
    Ok(())
}

/// Makes a new set of backup codes for `user`, replacing the old ones: the codes to show
/// once (only their hashes are kept).
pub async fn new_backup_codes(state: &AppState, user: &UserRow) -> Result<Vec<String>, AppError> {
    let codes = mfa::new_backup_codes();
    let mut rows = Vec::new();
    for code in &codes {
        let (lookup, normal) = mfa::parse_backup_code(code)
            .ok_or_else(|| AppError::Invariant("a new backup code does not parse".into()))?;
        let hash = state.hasher.hash(&normal).await?;
        rows.push((lookup, hash));
    }
    state
        .db
        .replace_backup_codes(&user.id, &rows, now())
        .await?;
    Ok(codes)
}

/// "I have saved my backup codes": they are never shown again.
pub async fn backup_codes_saved(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    flow.progress.mfa.backup_codes.clear();
    finish_sign_in(ctx, flow, &user, &amr).await
}

/// Declines the offer to set up a factor, when it is an offer and not a requirement.
pub async fn skip_setup(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    match stage(ctx, flow, &user, &amr).await? {
        Stage::SetupOffered => {}
        Stage::SetupRequired => return Ok(Err(FormErrors::form(UiError::MfaRequired))),
        _ => return expired(),
    }
    flow.progress.mfa.skipped = true;
    ctx.state.db.set_skipped(&user.id, false, now()).await?;
    finish_sign_in(ctx, flow, &user, &amr).await
}

// ---- WebAuthn ----

/// The WebAuthn relying party, or a form error when passkeys are not available here.
fn relying_party<'a>(ctx: &Ctx<'a>) -> Result<&'a webauthn_rs::Webauthn, FormErrors> {
    ctx.state
        .webauthn
        .as_deref()
        .ok_or_else(|| FormErrors::form(UiError::WebauthnRefused))
}

fn passkeys_of(rows: &[FactorRow]) -> Vec<(String, Passkey)> {
    rows.iter()
        .filter(|r| r.kind == "webauthn")
        .filter_map(|r| Some((r.id.clone(), serde_json::from_str(&r.secret).ok()?)))
        .collect()
}

/// WebAuthn registration options for `user` (JSON, for the browser) and the ceremony state
/// to keep (JSON, used once). Discoverable credentials, so that the passkey can also sign in
/// without a username; the user's own credentials are excluded.
pub async fn registration_for(
    state: &AppState,
    rp: &webauthn_rs::Webauthn,
    user: &UserRow,
) -> Result<(String, String), AppError> {
    let existing: Vec<_> = passkeys_of(&state.db.factors(&user.id).await?)
        .into_iter()
        .map(|(_, p)| p.cred_id().clone())
        .collect();
    let handle = uuid::Uuid::parse_str(&user.id).unwrap_or_else(|_| uuid::Uuid::new_v4());
    let label = user.label();
    let (mut options, reg) =
        rp.start_passkey_registration(handle, &label, &label, Some(existing))?;
    if let Some(sel) = options.public_key.authenticator_selection.as_mut() {
        sel.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Required);
        sel.require_resident_key = true;
    }
    Ok((
        serde_json::to_string(&options)?,
        serde_json::to_string(&reg)?,
    ))
}

/// Checks the browser's answer to a registration against its state (challenge, origin,
/// user verification, algorithm: never trusted as is) and binds the new credential.
pub async fn register_passkey(
    state: &AppState,
    rp: &webauthn_rs::Webauthn,
    user: &UserRow,
    reg: &str,
    credential: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let Ok(reg) = serde_json::from_str::<PasskeyRegistration>(reg) else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let Ok(answer) = serde_json::from_str::<RegisterPublicKeyCredential>(credential) else {
        return Ok(Err(FormErrors::form(UiError::WebauthnFailed)));
    };
    let passkey = match rp.finish_passkey_registration(&answer, &reg) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(user = %user.id, error = %e, "webauthn registration refused");
            return Ok(Err(FormErrors::form(UiError::WebauthnRefused)));
        }
    };
    let now = now();
    let row = FactorRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        kind: "webauthn".into(),
        name: "Passkey".into(),
        secret: serde_json::to_string(&passkey)?,
        credential_id: Some(crate::crypto::b64(passkey.cred_id().as_ref())),
        last_step: 0,
        created_at: now,
        last_used_at: Some(now),
    };
    match state.db.insert_factor(&row).await {
        Ok(()) => {}
        Err(DbError::Conflict) => return Ok(Err(FormErrors::form(UiError::WebauthnRefused))),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user = %user.id, "passkey registered");
    Ok(Ok(()))
}

/// WebAuthn request options for `user`'s credentials and the ceremony state, or `None`
/// when the user has none.
pub async fn authentication_for(
    state: &AppState,
    rp: &webauthn_rs::Webauthn,
    user: &UserRow,
) -> Result<Option<(String, String)>, AppError> {
    let keys: Vec<Passkey> = passkeys_of(&state.db.factors(&user.id).await?)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let (options, auth) = rp.start_passkey_authentication(&keys)?;
    Ok(Some((
        serde_json::to_string(&options)?,
        serde_json::to_string(&auth)?,
    )))
}

/// Checks the browser's answer to an authentication of `user` against its state; a refusal
/// counts against the lockout.
pub async fn check_webauthn(
    ctx: &Ctx<'_>,
    rp: &webauthn_rs::Webauthn,
    user: &UserRow,
    auth: &str,
    credential: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let Ok(auth) = serde_json::from_str::<PasskeyAuthentication>(auth) else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(credential) else {
        return Ok(Err(FormErrors::form(UiError::WebauthnFailed)));
    };
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects(ctx, user)).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    let result = match rp.finish_passkey_authentication(&answer, &auth) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(user = %user.id, error = %e, "webauthn authentication refused");
            return Ok(Err(wrong_errors(ctx, user, Field::Code, |_| {
                UiError::WebauthnRefused
            })
            .await?));
        }
    };
    update_credential(ctx.state, &user.id, &result).await?;
    lockout::succeeded(&ctx.state.db, &subjects(ctx, user)).await?;
    Ok(Ok(()))
}

/// Starts a WebAuthn registration for the pending user (second factor or passkey offer):
/// the options for the browser, JSON. The state is kept in the flow, used once.
pub async fn start_registration(
    state: &AppState,
    flow: &mut Flow,
) -> Result<Option<String>, AppError> {
    let Some(rp) = state.webauthn.as_deref() else {
        return Ok(None);
    };
    let Some((user, _)) = pending(state, flow).await? else {
        return Ok(None);
    };
    let (options, reg) = registration_for(state, rp, &user).await?;
    flow.progress.mfa.webauthn = Some(reg);
    save_progress(state, flow).await?;
    Ok(Some(options))
}

/// Finishes a registration of the pending user.
pub async fn finish_registration(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    credential: &str,
    prompt: bool,
) -> StepResult {
    let rp = match relying_party(ctx) {
        Ok(rp) => rp,
        Err(e) => return Ok(Err(e)),
    };
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    let allowed = if prompt {
        flow.progress.mfa.passed && passkey_offer(ctx, flow, &user).await?.is_some()
    } else {
        setting_up(ctx, flow, &user, &amr).await?
    };
    if !allowed {
        return expired();
    }
    // Single use: a replayed answer finds no state.
    let Some(reg) = flow.progress.mfa.webauthn.take() else {
        return expired();
    };
    save_progress(ctx.state, flow).await?;
    if let Err(e) = register_passkey(ctx.state, rp, &user, &reg, credential).await? {
        return Ok(Err(e));
    }
    ctx.audit(
        crate::audit::Kind::FactorAdded,
        &user.id,
        serde_json::json!({ "factor": "webauthn" }),
    )
    .await;
    if prompt {
        flow.progress.mfa.passkey_answered = true;
        flow.progress.pending_user = None;
        return finish_sign_in(ctx, flow, &user, &amr).await;
    }
    bound_first(ctx, flow, &user).await?;
    proven(ctx, flow, &user, &amr, Proof::Webauthn).await
}

/// Starts a WebAuthn authentication with the pending user's credentials.
pub async fn start_authentication(
    state: &AppState,
    flow: &mut Flow,
) -> Result<Option<String>, AppError> {
    let Some(rp) = state.webauthn.as_deref() else {
        return Ok(None);
    };
    let Some((user, _)) = pending(state, flow).await? else {
        return Ok(None);
    };
    let Some((options, auth)) = authentication_for(state, rp, &user).await? else {
        return Ok(None);
    };
    flow.progress.mfa.webauthn = Some(auth);
    save_progress(state, flow).await?;
    Ok(Some(options))
}

/// A passkey or security key as the second factor.
pub async fn verify_webauthn(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    credential: &str,
    remember: bool,
) -> StepResult {
    let rp = match relying_party(ctx) {
        Ok(rp) => rp,
        Err(e) => return Ok(Err(e)),
    };
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    if !may_prove(ctx, flow, &user, &amr, MfaFactorKind::Webauthn).await? {
        return expired();
    }
    let Some(auth) = flow.progress.mfa.webauthn.take() else {
        return expired();
    };
    save_progress(ctx.state, flow).await?;
    if let Err(e) = check_webauthn(ctx, rp, &user, &auth, credential).await? {
        return Ok(Err(e));
    }
    flow.progress.mfa.remember = remember;
    proven(ctx, flow, &user, &amr, Proof::Webauthn).await
}

/// Stores a credential's new signature counter after a use.
async fn update_credential(
    state: &AppState,
    user_id: &str,
    result: &webauthn_rs::prelude::AuthenticationResult,
) -> Result<(), AppError> {
    for (id, mut key) in passkeys_of(&state.db.factors(user_id).await?) {
        if key.update_credential(result).is_some() {
            state
                .db
                .update_factor_secret(&id, &serde_json::to_string(&key)?, now())
                .await?;
        }
    }
    Ok(())
}

/// Declines the passkey offer (remembered for the account).
pub async fn skip_passkey(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let Some((user, amr)) = pending(ctx.state, flow).await? else {
        return expired();
    };
    flow.progress.mfa.passkey_answered = true;
    flow.progress.mfa.webauthn = None;
    ctx.state.db.set_skipped(&user.id, true, now()).await?;
    flow.progress.pending_user = None;
    finish_sign_in(ctx, flow, &user, &amr).await
}

// ---- passkey sign-in (first factor) ----

/// Starts a passkey sign-in on the sign-in screen (the button and autofill): the options,
/// JSON, or `None` when passkey sign-in is off.
pub async fn start_passkey_sign_in(
    state: &AppState,
    flow: &mut Flow,
) -> Result<Option<String>, AppError> {
    let Some(rp) = state.webauthn.as_deref() else {
        return Ok(None);
    };
    if !state.config.passkeys.sign_in {
        return Ok(None);
    }
    let (options, auth) = rp.start_discoverable_authentication()?;
    flow.progress.mfa.passkey_sign_in = Some(serde_json::to_string(&auth)?);
    save_progress(state, flow).await?;
    Ok(Some(serde_json::to_string(&options)?))
}

/// Signs in with a passkey alone. Passkeys sign in only with user verification, so the
/// passkey is both factors.
pub async fn passkey_sign_in(ctx: &Ctx<'_>, flow: &mut Flow, credential: &str) -> StepResult {
    let rp = match relying_party(ctx) {
        Ok(rp) if ctx.state.config.passkeys.sign_in => rp,
        _ => return expired(),
    };
    let Some(auth) = flow.progress.mfa.passkey_sign_in.take() else {
        return expired();
    };
    save_progress(ctx.state, flow).await?;
    let Ok(auth) = serde_json::from_str::<DiscoverableAuthentication>(&auth) else {
        return expired();
    };
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(credential) else {
        return Ok(Err(FormErrors::form(UiError::WebauthnFailed)));
    };
    let Ok((_, cred_id)) = rp.identify_discoverable_authentication(&answer) else {
        return Ok(Err(FormErrors::form(UiError::WebauthnFailed)));
    };
    let Some(row) = ctx
        .state
        .db
        .factor_by_credential(&crate::crypto::b64(cred_id))
        .await?
    else {
        return Ok(Err(FormErrors::form(UiError::WebauthnUnknown)));
    };
    let Some(user) = ctx.state.db.user_by_id(&row.user_id).await? else {
        return Ok(Err(FormErrors::form(UiError::WebauthnUnknown)));
    };
    let Ok(key) = serde_json::from_str::<Passkey>(&row.secret) else {
        return Ok(Err(FormErrors::form(UiError::WebauthnUnknown)));
    };
    if let Err(locked) = lockout::check(&ctx.state.db, &subjects(ctx, &user)).await? {
        return Ok(Err(FormErrors::form(locked)));
    }
    let keys = [DiscoverableKey::from(&key)];
    let result = match rp.finish_discoverable_authentication(&answer, auth, &keys) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(user = %user.id, error = %e, "passkey sign-in refused");
            return wrong(ctx, &user, Field::Identifier, |_| UiError::WebauthnRefused).await;
        }
    };
    if !result.user_verified() {
        return Ok(Err(FormErrors::form(UiError::WebauthnRefused)));
    }
    update_credential(ctx.state, &user.id, &result).await?;
    flow.progress.begin(super::Event::SignIn);
    finish_sign_in(ctx, flow, &user, "webauthn").await
}

// ---- one entry point for the screens and the Experience API ----

/// One second-factor action, as a form or the Experience API posts it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Action {
    /// `verify_totp`, `verify_backup_code`, `verify_webauthn`, `choose`, `setup`,
    /// `setup_totp`, `setup_webauthn`, `skip`, `backup_codes_saved`, `create_passkey`,
    /// `skip_passkey` or `passkey_sign_in`.
    pub action: String,
    pub code: String,
    pub backup_code: String,
    /// A factor name (`totp`, `webauthn`, `backup_code`, `email`, `sms`).
    pub factor: String,
    /// The browser's WebAuthn answer, JSON.
    pub credential: String,
    /// "Remember this device".
    pub remember: bool,
}

impl Action {
    /// Reads posted form pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Action {
        let get = |n: &str| super::pair(pairs, n).to_string();
        Action {
            action: get("action"),
            code: get("code"),
            backup_code: get("backup_code"),
            factor: get("factor"),
            credential: get("credential"),
            remember: !get("remember").is_empty(),
        }
    }

    /// The screen whose errors this action shows.
    pub fn screen(&self) -> Screen {
        match self.action.as_str() {
            "choose" => CHOICE_SCREEN,
            "setup" | "skip" => SETUP_SCREEN,
            "setup_totp" => TOTP_SETUP_SCREEN,
            "setup_webauthn" => WEBAUTHN_SETUP_SCREEN,
            "backup_codes_saved" => BACKUP_CODES_SCREEN,
            "create_passkey" | "skip_passkey" => PASSKEY_SCREEN,
            "passkey_sign_in" => super::sign_in::SCREEN,
            _ => VERIFY_SCREEN,
        }
    }
}

/// Runs one action. A WebAuthn ceremony the browser could not finish (cancelled, timed out,
/// no authenticator) posts an empty credential and returns to the choice it came from.
pub async fn act(ctx: &Ctx<'_>, flow: &mut Flow, a: &Action) -> StepResult {
    let failed = |screen: Screen| {
        Ok(Ok(Next::Back {
            screen,
            errors: FormErrors::form(UiError::WebauthnFailed),
            values: Vec::new(),
        }))
    };
    let no_credential = a.credential.trim().is_empty();
    match a.action.as_str() {
        "verify_totp" => verify_totp(ctx, flow, &a.code, a.remember).await,
        "verify_backup_code" => verify_backup(ctx, flow, &a.backup_code, a.remember).await,
        "verify_webauthn" if no_credential => failed(CHOICE_SCREEN),
        "verify_webauthn" => verify_webauthn(ctx, flow, &a.credential, a.remember).await,
        "choose" => choose(ctx, flow, &a.factor).await,
        "setup" => setup_choose(ctx, flow, &a.factor).await,
        "setup_totp" => setup_totp(ctx, flow, &a.code).await,
        "setup_webauthn" if no_credential => failed(SETUP_SCREEN),
        "setup_webauthn" => finish_registration(ctx, flow, &a.credential, false).await,
        "skip" => skip_setup(ctx, flow).await,
        "backup_codes_saved" => backup_codes_saved(ctx, flow).await,
        "create_passkey" if no_credential => failed(PASSKEY_SCREEN),
        "create_passkey" => finish_registration(ctx, flow, &a.credential, true).await,
        "skip_passkey" => skip_passkey(ctx, flow).await,
        "passkey_sign_in" if no_credential => failed(super::sign_in::SCREEN),
        "passkey_sign_in" => passkey_sign_in(ctx, flow, &a.credential).await,
        _ => Ok(Err(FormErrors::form(UiError::FormExpired))),
    }
}

/// `POST /flow/mfa`: every second-factor form.
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let action = Action::from_pairs(&pairs);
    let csrf = super::pair(&pairs, "csrf").to_string();
    let outcome = super::run_form(
        &state,
        &parts,
        &csrf,
        action.screen(),
        Vec::new(),
        Vec::new(),
        async |ctx, flow| act(ctx, flow, &action).await,
    )
    .await;
    super::redirect(outcome)
}

/// The methods the pending user may prove now, for "choose another method".
pub async fn choices(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
) -> Result<Vec<MfaFactorKind>, AppError> {
    let bound = bound(ctx.state, user).await?;
    let need = needed(ctx, flow, user, &bound).await?.max(Level::Multi);
    Ok(usable(&bound, amr, need))
}

/// What may be set up now, and whether setting up may be skipped.
pub async fn setup_options(
    ctx: &Ctx<'_>,
    flow: &Flow,
    user: &UserRow,
    amr: &str,
) -> Result<(Vec<MfaFactorKind>, bool), AppError> {
    let bound = bound(ctx.state, user).await?;
    let need = needed(ctx, flow, user, &bound).await?;
    let skippable = mfa::level(amr) >= need;
    Ok((setup_choices(ctx.state, need.max(Level::Multi)), skippable))
}

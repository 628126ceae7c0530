//! The account center's engine: every change a signed-in user makes to their account, for
//! the screens (`POST /flow/account`) and the Account API alike. Each change checks the
//! operator's per-field control and, when sensitive, a fresh security verification; none
//! may leave the account without a way to sign in, or without the second factor the
//! policy requires. What a change holds between its steps (an authenticator secret, a code
//! sent to a new address, new backup codes, a new token) is kept in the flow, bound to the
//! user.

use super::security_verification::{self as verification, Verified};
use super::{save_progress, Ctx, Flow, Next, Screen, StepResult};
use crate::audit::Kind;
use crate::config::{FieldControl, IdentifierKind, MfaFactorKind, MfaPolicy, SignInMethod};
use crate::crypto::{now, random_token, token_hash};
use crate::db::{DbError, PersonalTokenRow, SessionRow, UserRow};
use crate::error::AppError;
use crate::federation::{client::Upstream, Connector, ConnectorKind};
use crate::identifier::{self, Identifier};
use crate::state::AppState;
use app::api::{rules, AccountNotice, AccountSection, CodePurpose, FormErrors, Notice, UiError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The screen of an account section (its form memory key is its path).
pub const fn screen(path: &'static str) -> Screen {
    Screen { key: path, path }
}

pub const OVERVIEW_SCREEN: Screen = screen("/account");
pub const PROFILE_SCREEN: Screen = screen("/account/profile");
pub const EMAIL_SCREEN: Screen = screen("/account/email");
pub const PHONE_SCREEN: Screen = screen("/account/phone");
pub const PASSWORD_SCREEN: Screen = screen("/account/password");
pub const IDENTITIES_SCREEN: Screen = screen("/account/identities");
pub const MFA_SCREEN: Screen = screen("/account/mfa");
pub const TOTP_SCREEN: Screen = screen("/account/mfa/totp");
pub const PASSKEY_SCREEN: Screen = screen("/account/mfa/passkey");
pub const BACKUP_CODES_SCREEN: Screen = screen("/account/mfa/backup-codes");
pub const SESSIONS_SCREEN: Screen = screen("/account/sessions");
pub const APPS_SCREEN: Screen = screen("/account/apps");
pub const TOKENS_SCREEN: Screen = screen("/account/tokens");
pub const DELETE_SCREEN: Screen = screen("/account/delete");
/// Where a deleted account's browser lands.
pub const DELETED_PATH: &str = "/account/deleted";

/// The screen of a section.
pub fn screen_of(section: AccountSection) -> Screen {
    match section {
        AccountSection::Overview => OVERVIEW_SCREEN,
        AccountSection::Profile => PROFILE_SCREEN,
        AccountSection::Email => EMAIL_SCREEN,
        AccountSection::Phone => PHONE_SCREEN,
        AccountSection::Password => PASSWORD_SCREEN,
        AccountSection::Identities => IDENTITIES_SCREEN,
        AccountSection::Mfa => MFA_SCREEN,
        AccountSection::Sessions => SESSIONS_SCREEN,
        AccountSection::Apps => APPS_SCREEN,
        AccountSection::Tokens => TOKENS_SCREEN,
        AccountSection::Organizations => super::organization::ORGANIZATIONS_SCREEN,
        AccountSection::Delete => DELETE_SCREEN,
    }
}

/// What the account center holds between steps, for one user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountProgress {
    /// The user all of this belongs to.
    pub user: Option<String>,
    /// The last security verification.
    pub verified: Option<Verified>,
    /// A verification code went out on this channel (`email`, `sms`).
    pub code_channel: Option<String>,
    /// An authenticator-app secret being set up.
    pub totp_secret: Option<String>,
    /// A WebAuthn ceremony in progress (registration or verification state, JSON).
    pub webauthn: Option<String>,
    /// New backup codes, until the user says they saved them.
    pub backup_codes: Vec<String>,
    /// A personal access token just made, shown once.
    pub new_token: Option<String>,
    /// A new email address or phone number waiting for its code.
    pub new_address: Option<Identifier>,
    /// A form sent before the verification it needed: its page and what was typed, to fill
    /// it again once verified.
    pub waiting: Option<(String, Vec<(String, String)>)>,
}

impl AccountProgress {
    /// The state of `user_id`: another user's (the browser changed hands) is dropped.
    pub fn claim(&mut self, user_id: &str) {
        if self.user.as_deref() != Some(user_id) {
            *self = AccountProgress {
                user: Some(user_id.to_string()),
                ..AccountProgress::default()
            };
        }
    }
}

/// The signed-in user making a change, and the session it came through (`None` for a
/// bearer token of the Account API).
pub struct Me {
    pub user: UserRow,
    pub session: Option<SessionRow>,
}

/// Records an account-center change in the audit log.
fn refused(e: UiError) -> StepResult {
    Ok(Err(FormErrors::form(e)))
}

fn done(screen: Screen, notice: AccountNotice) -> StepResult {
    Ok(Ok(Next::Notice {
        screen,
        notice: Notice::Account(notice),
    }))
}

fn fields(state: &AppState) -> &crate::config::AccountFields {
    &state.config.account.fields
}

/// Refuses a change the operator made read-only, or a sensitive one without a fresh
/// verification.
async fn may_change(
    ctx: &Ctx<'_>,
    flow: &Flow,
    me: &Me,
    control: FieldControl,
    sensitive: bool,
) -> Result<Option<UiError>, AppError> {
    if !ctx.state.config.account.enabled || !control.editable() {
        return Ok(Some(UiError::ReadOnly));
    }
    if sensitive && !verification::is_fresh(ctx, &me.user, me.session.as_ref(), Some(flow)).await? {
        return Ok(Some(UiError::VerificationRequired));
    }
    Ok(None)
}

macro_rules! gate {
    ($ctx:expr, $flow:expr, $me:expr, $control:expr, $sensitive:expr) => {
        if let Some(e) = may_change($ctx, $flow, $me, $control, $sensitive).await? {
            return refused(e);
        }
    };
}

// ---- ways to sign in ----

/// Something the account could lose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss<'a> {
    Nothing,
    Email,
    Phone,
    Identity(&'a str, &'a str),
    Factor(&'a str),
}

/// How many ways `user` would have to sign in after `loss`: a password with an identifier
/// that signs in with one, a code or link to a verified address, a linked provider that is
/// still configured, a passkey where passkeys sign in.
pub async fn sign_in_ways(
    state: &AppState,
    user: &UserRow,
    loss: Loss<'_>,
) -> Result<usize, AppError> {
    let x = &state.config.experience;
    let has = |k: IdentifierKind| match k {
        IdentifierKind::Username => user.username.is_some(),
        IdentifierKind::Email => user.email.is_some() && loss != Loss::Email,
        IdentifierKind::Phone => user.phone.is_some() && loss != Loss::Phone,
    };
    let verified = |k: IdentifierKind| match k {
        IdentifierKind::Email => user.email_verified == 1,
        IdentifierKind::Phone => user.phone_verified == 1,
        IdentifierKind::Username => false,
    };
    let mut ways = 0;
    for k in [
        IdentifierKind::Username,
        IdentifierKind::Email,
        IdentifierKind::Phone,
    ] {
        if !has(k) {
            continue;
        }
        let methods = x.methods(k);
        if user.password_hash.is_some() && methods.contains(&SignInMethod::Password) {
            ways += 1;
        }
        if verified(k)
            && (methods.contains(&SignInMethod::Code) || methods.contains(&SignInMethod::Link))
        {
            ways += 1;
        }
    }
    for id in state.db.identities(&user.id).await? {
        if loss != Loss::Identity(&id.connector, &id.subject)
            && state.connectors.get(&id.connector).is_some()
        {
            ways += 1;
        }
    }
    if state.webauthn.is_some() && state.config.passkeys.sign_in {
        ways += state
            .db
            .factors(&user.id)
            .await?
            .iter()
            .filter(|f| f.kind == "webauthn" && loss != Loss::Factor(&f.id))
            .count();
    }
    Ok(ways)
}

/// Whether sign-up requires addresses of this kind (then the account keeps one).
pub fn required_kind(state: &AppState, kind: IdentifierKind) -> bool {
    let x = &state.config.experience;
    x.sign_up_identifiers == [kind] || x.secondary_identifiers.contains(&kind)
}

/// Whether removing the factor `id` would break the policy: where a second factor is
/// mandatory, the last authenticator app or passkey stays.
pub async fn factor_needed(state: &AppState, user: &UserRow, id: &str) -> Result<bool, AppError> {
    if state.config.mfa.policy != MfaPolicy::Mandatory {
        return Ok(false);
    }
    let left = state
        .db
        .factors(&user.id)
        .await?
        .into_iter()
        .filter(|f| f.id != id && (f.kind == "totp" || f.kind == "webauthn"))
        .count();
    Ok(left == 0)
}

// ---- profile ----

/// Saves name, picture, username and the configured profile fields (only those posted).
pub async fn save_profile(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    input: &[(String, String)],
) -> StepResult {
    let state = ctx.state;
    let f = fields(state);
    if !state.config.account.enabled {
        return refused(UiError::ReadOnly);
    }
    let get = |name: &str| input.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim());
    let mut errors = FormErrors::default();
    let mut claims = me.user.profile_claims();
    let mut set_claim = |name: &str, value: &str| {
        if value.is_empty() {
            claims.remove(name);
        } else {
            claims.insert(name.into(), value.into());
        }
    };
    for (name, control, max, url) in [
        ("name", f.name, 128, false),
        ("picture", f.avatar, 1024, true),
    ] {
        let Some(value) = get(name) else {
            continue;
        };
        if !control.editable() {
            errors.form = Some(UiError::ReadOnly);
            continue;
        }
        let checked = if url {
            rules::url(value, false)
        } else {
            rules::text(value, false, None, Some(max))
        };
        match checked {
            Ok(()) => set_claim(name, value),
            Err(e) => errors.named.push((name.into(), e)),
        }
    }
    let mut username = None;
    if let Some(raw) = get("username") {
        let current = me.user.username.clone().unwrap_or_default();
        if raw != current && !(raw.is_empty() && current.is_empty()) {
            if !f.username.editable() {
                errors.form = Some(UiError::ReadOnly);
            } else {
                match identifier::username(raw, &state.config.username_policy) {
                    Ok(u) if Some(&u) == me.user.username.as_ref() => {}
                    Ok(u) if state.db.user_by_username(&u).await?.is_some() => errors
                        .named
                        .push(("username".into(), UiError::UsernameTaken)),
                    Ok(u) => username = Some(u),
                    Err(e) => errors.named.push(("username".into(), e)),
                }
            }
        }
    }
    let configured: Vec<_> = state.config.profile.fields.iter().collect();
    let posted: Vec<_> = configured
        .iter()
        .copied()
        .filter(|pf| {
            let name = crate::profile::input_name(pf);
            input
                .iter()
                .any(|(n, _)| *n == name || n.starts_with(&format!("{name}.")))
        })
        .collect();
    if !posted.is_empty() {
        if !f.profile.editable() {
            errors.form = Some(UiError::ReadOnly);
        } else {
            match crate::profile::validate(&posted, input) {
                Ok(new) => {
                    for pf in &posted {
                        claims.remove(&pf.name);
                        if pf.kind == app::api::ProfileKind::FullName {
                            for (part, _) in app::api::NAME_PARTS {
                                claims.remove(part);
                            }
                        }
                    }
                    claims.extend(new);
                }
                Err(e) => errors.named.extend(e),
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // A new username is a new identifier: it needs a fresh verification.
    if username.is_some()
        && !verification::is_fresh(ctx, &me.user, me.session.as_ref(), Some(flow)).await?
    {
        return refused(UiError::VerificationRequired);
    }
    let now = now();
    if let Some(u) = &username {
        match state.db.set_username(&me.user.id, u, now).await {
            Ok(()) => {}
            Err(DbError::Conflict) => {
                return Ok(Err(FormErrors {
                    named: vec![("username".into(), UiError::UsernameTaken)],
                    ..Default::default()
                }))
            }
            Err(e) => return Err(e.into()),
        }
    }
    state
        .db
        .set_profile(
            &me.user.id,
            &serde_json::Value::Object(claims).to_string(),
            now,
        )
        .await?;
    tracing::info!(user = %me.user.id, "profile saved in the account center");
    done(PROFILE_SCREEN, AccountNotice::Saved)
}

// ---- email and phone ----

fn contact_screen(phone: bool) -> Screen {
    if phone {
        PHONE_SCREEN
    } else {
        EMAIL_SCREEN
    }
}

fn contact_control(state: &AppState, phone: bool) -> FieldControl {
    if phone {
        fields(state).phone
    } else {
        fields(state).email
    }
}

/// Sends a code to a new email address (`phone`: phone number); it replaces the current
/// one once the code comes back.
pub async fn change_contact(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    phone: bool,
    raw: &str,
) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, contact_control(state, phone), true);
    let kind = if phone {
        IdentifierKind::Phone
    } else {
        IdentifierKind::Email
    };
    let name = if phone { "phone" } else { "email" };
    let field_error = |e: UiError| {
        Ok(Err(FormErrors {
            named: vec![(name.into(), e)],
            ..Default::default()
        }))
    };
    let x = &state.config;
    let id = match identifier::parse(
        raw,
        &[kind],
        &x.username_policy,
        &x.experience.default_phone_region,
    ) {
        Ok(id) => id,
        Err(e) => return field_error(e),
    };
    let current = if phone {
        &me.user.phone
    } else {
        &me.user.email
    };
    if current.as_deref() == Some(id.value.as_str()) {
        return field_error(UiError::SameAddress);
    }
    if super::user_by_identifier(state, &id).await?.is_some() {
        return field_error(if phone {
            UiError::PhoneTaken
        } else {
            UiError::EmailTaken
        });
    }
    match super::verify_code::send(ctx, flow, id.clone(), CodePurpose::NewAddress).await? {
        Ok(_) => {}
        Err(e) => return Ok(Err(e)),
    }
    flow.progress.account.new_address = Some(id);
    save_progress(state, flow).await?;
    done(contact_screen(phone), AccountNotice::CodeSent)
}

/// The code sent to the new address: the address replaces the old one, verified.
pub async fn confirm_contact(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    phone: bool,
    code: &str,
) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, contact_control(state, phone), false);
    let kind = if phone {
        IdentifierKind::Phone
    } else {
        IdentifierKind::Email
    };
    let Some(pending) = flow
        .progress
        .account
        .new_address
        .clone()
        .filter(|a| a.kind == kind)
    else {
        return refused(UiError::FormExpired);
    };
    if flow.progress.code_purpose != CodePurpose::NewAddress
        || flow.progress.code_to.as_ref() != Some(&pending)
    {
        return refused(UiError::FormExpired);
    }
    let to = match super::verify_code::check(ctx, flow, code).await? {
        Ok(to) => to,
        Err(mut e) => {
            // The code input is named on the account page.
            e.named
                .extend(e.fields.drain(..).map(|(_, err)| ("code".to_string(), err)));
            return Ok(Err(e));
        }
    };
    flow.progress.account.new_address = None;
    save_progress(state, flow).await?;
    match state
        .db
        .set_contact(&me.user.id, phone, &to.value, true, now())
        .await
    {
        Ok(()) => {}
        Err(DbError::Conflict) => {
            return refused(if phone {
                UiError::PhoneTaken
            } else {
                UiError::EmailTaken
            })
        }
        Err(e) => return Err(e.into()),
    }
    ctx.audit(
        Kind::ContactChanged,
        &me.user.id,
        json!({ "phone": phone, "removed": false }),
    )
    .await;
    if let Some(user) = state.db.user_by_id(&me.user.id).await? {
        super::organization::join_by_domain(state, &user).await?;
    }
    done(
        contact_screen(phone),
        if phone {
            AccountNotice::PhoneChanged
        } else {
            AccountNotice::EmailChanged
        },
    )
}

/// Gives up a pending address change.
pub async fn cancel_change(ctx: &Ctx<'_>, flow: &mut Flow, phone: bool) -> StepResult {
    flow.progress.account.new_address = None;
    flow.progress.code_to = None;
    save_progress(ctx.state, flow).await?;
    Ok(Ok(Next::Redirect(contact_screen(phone).path.into())))
}

/// Whether the address may be removed: sign-up does not require its kind, and the account
/// keeps a way to sign in.
pub async fn contact_removable(
    state: &AppState,
    user: &UserRow,
    phone: bool,
) -> Result<bool, AppError> {
    let kind = if phone {
        IdentifierKind::Phone
    } else {
        IdentifierKind::Email
    };
    let loss = if phone { Loss::Phone } else { Loss::Email };
    Ok(!required_kind(state, kind) && sign_in_ways(state, user, loss).await? > 0)
}

/// Removes the email address (`phone`: phone number).
pub async fn remove_contact(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me, phone: bool) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, contact_control(state, phone), true);
    let current = if phone {
        &me.user.phone
    } else {
        &me.user.email
    };
    if current.is_none() {
        return refused(UiError::FormExpired);
    }
    let kind = if phone {
        IdentifierKind::Phone
    } else {
        IdentifierKind::Email
    };
    if required_kind(state, kind) {
        return refused(UiError::ReadOnly);
    }
    if !contact_removable(state, &me.user, phone).await? {
        return refused(UiError::LastSignInMethod);
    }
    state.db.clear_contact(&me.user.id, phone, now()).await?;
    ctx.audit(
        Kind::ContactChanged,
        &me.user.id,
        json!({ "phone": phone, "removed": true }),
    )
    .await;
    done(contact_screen(phone), AccountNotice::AddressRemoved)
}

// ---- password ----

/// Sets a new password (the first one, for accounts made from another provider).
pub async fn change_password(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    password: &str,
    confirmation: &str,
) -> StepResult {
    gate!(ctx, flow, me, fields(ctx.state).password, true);
    let hash =
        match super::reset_password::new_password_hash(ctx.state, &me.user, password, confirmation)
            .await?
        {
            Ok(h) => h,
            Err(e) => return Ok(Err(e)),
        };
    ctx.state.db.set_password(&me.user.id, &hash, now()).await?;
    ctx.audit(Kind::PasswordChanged, &me.user.id, Value::Null)
        .await;
    done(PASSWORD_SCREEN, AccountNotice::PasswordChanged)
}

// ---- identities ----

/// Off to a social provider to link it to this account.
pub async fn link_identity(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me, connector: &str) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).identities, true);
    let Some(c) = state
        .connectors
        .get(connector)
        .filter(|c| c.kind == ConnectorKind::Social)
    else {
        return refused(UiError::FederationUnknown);
    };
    let next = match super::federation::start(ctx, flow, &c.id).await? {
        Ok(next) => next,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(o) = flow.progress.federation.as_mut() {
        o.link_to = Some(me.user.id.clone());
    }
    save_progress(state, flow).await?;
    Ok(Ok(next))
}

/// The provider answered a link started in the account center: the identity joins the
/// account that is still signed in, unless it belongs to another one.
pub async fn linked(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user_id: &str,
    c: &Connector,
    up: &Upstream,
) -> StepResult {
    let state = ctx.state;
    let Some((_, user)) = crate::oidc::authorize::current_session(state, ctx.headers).await? else {
        return refused(UiError::FormExpired);
    };
    if user.id != user_id {
        return refused(UiError::FormExpired);
    }
    save_progress(state, flow).await?;
    match state.db.identity_user(&c.id, &up.subject).await? {
        Some(owner) if owner == user.id => {
            return done(IDENTITIES_SCREEN, AccountNotice::IdentityLinked)
        }
        Some(_) => return refused(UiError::IdentityTaken),
        None => {}
    }
    match state
        .db
        .insert_identity(&c.id, &up.subject, &user.id, up.email.as_deref(), now())
        .await
    {
        Ok(()) => {}
        Err(DbError::Conflict) => return refused(UiError::IdentityTaken),
        Err(e) => return Err(e.into()),
    }
    ctx.audit(Kind::IdentityLinked, &user.id, json!({ "connector": c.id }))
        .await;
    done(IDENTITIES_SCREEN, AccountNotice::IdentityLinked)
}

/// Unlinks a social identity, unless it is the last way to sign in.
pub async fn unlink_identity(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    connector: &str,
    subject: &str,
) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).identities, true);
    if state
        .connectors
        .get(connector)
        .is_some_and(|c| c.kind == ConnectorKind::Enterprise)
    {
        return refused(UiError::ReadOnly);
    }
    if sign_in_ways(state, &me.user, Loss::Identity(connector, subject)).await? == 0 {
        return refused(UiError::LastSignInMethod);
    }
    if !state
        .db
        .delete_identity(&me.user.id, connector, subject)
        .await?
    {
        return refused(UiError::FormExpired);
    }
    ctx.audit(
        Kind::IdentityUnlinked,
        &me.user.id,
        json!({ "connector": connector }),
    )
    .await;
    done(IDENTITIES_SCREEN, AccountNotice::IdentityUnlinked)
}

// ---- second factors ----

/// The authenticator-app secret of the setup page, kept for the flow so a reload shows the
/// same QR code.
pub async fn totp_secret(state: &AppState, flow: &mut Flow) -> Result<String, AppError> {
    if let Some(s) = &flow.progress.account.totp_secret {
        return Ok(s.clone());
    }
    let secret = crate::mfa::new_totp_secret();
    flow.progress.account.totp_secret = Some(secret.clone());
    save_progress(state, flow).await?;
    Ok(secret)
}

/// Binds (or replaces) the authenticator app once a code from it proves the setup.
pub async fn setup_totp(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me, code: &str) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).mfa, true);
    if state.config.mfa.policy == MfaPolicy::Off || !state.config.mfa.allows(MfaFactorKind::Totp) {
        return refused(UiError::ReadOnly);
    }
    let Some(secret) = flow.progress.account.totp_secret.clone() else {
        return refused(UiError::FormExpired);
    };
    let step = match super::mfa::check_new_totp(ctx, &me.user, &secret, code).await? {
        Ok(step) => step,
        Err(e) => return Ok(Err(e)),
    };
    flow.progress.account.totp_secret = None;
    let old: Vec<_> = state
        .db
        .factors(&me.user.id)
        .await?
        .into_iter()
        .filter(|f| f.kind == "totp")
        .collect();
    state
        .db
        .insert_factor(&super::mfa::totp_row(state, &me.user, secret, step, now()))
        .await?;
    // Replacing: the old app stops working once the new one is proven.
    for f in old {
        state.db.delete_factor(&me.user.id, &f.id).await?;
    }
    ctx.audit(Kind::FactorAdded, &me.user.id, json!({ "factor": "totp" }))
        .await;
    first_backup_codes(ctx, flow, me).await
}

/// After a first factor: backup codes, when allowed and the user has none.
async fn first_backup_codes(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me) -> StepResult {
    let state = ctx.state;
    if state.config.mfa.allows(MfaFactorKind::BackupCode)
        && state.db.backup_codes_left(&me.user.id).await? == 0
    {
        flow.progress.account.backup_codes = super::mfa::new_backup_codes(state, &me.user).await?;
        save_progress(state, flow).await?;
        return done(BACKUP_CODES_SCREEN, AccountNotice::FactorAdded);
    }
    save_progress(state, flow).await?;
    done(MFA_SCREEN, AccountNotice::FactorAdded)
}

/// The WebAuthn creation options of the add-a-passkey page.
pub async fn passkey_options(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
) -> Result<Option<String>, AppError> {
    let state = ctx.state;
    let Some(rp) = state.webauthn.as_deref() else {
        return Ok(None);
    };
    let (options, reg) = super::mfa::registration_for(state, rp, &me.user).await?;
    flow.progress.account.webauthn = Some(reg);
    save_progress(state, flow).await?;
    Ok(Some(options))
}

/// Binds the passkey or security key the browser just created.
pub async fn add_passkey(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me, credential: &str) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).mfa, true);
    let Some(rp) = state.webauthn.as_deref().filter(|_| {
        state.config.mfa.allows(MfaFactorKind::Webauthn) || state.config.passkeys.sign_in
    }) else {
        return refused(UiError::WebauthnRefused);
    };
    // Single use: a replayed answer finds no state.
    let Some(reg) = flow.progress.account.webauthn.take() else {
        return refused(UiError::FormExpired);
    };
    save_progress(state, flow).await?;
    if let Err(e) = super::mfa::register_passkey(state, rp, &me.user, &reg, credential).await? {
        return Ok(Err(e));
    }
    ctx.audit(
        Kind::FactorAdded,
        &me.user.id,
        json!({ "factor": "webauthn" }),
    )
    .await;
    first_backup_codes(ctx, flow, me).await
}

/// Renames a passkey or security key.
pub async fn rename_factor(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    id: &str,
    name: &str,
) -> StepResult {
    gate!(ctx, flow, me, fields(ctx.state).mfa, false);
    let name = name.trim();
    let input = format!("rename-{id}");
    if let Err(e) = rules::text(name, true, Some(1), Some(64)) {
        return Ok(Err(FormErrors {
            named: vec![(input, e)],
            ..Default::default()
        }));
    }
    if !ctx.state.db.rename_factor(&me.user.id, id, name).await? {
        return refused(UiError::FormExpired);
    }
    done(MFA_SCREEN, AccountNotice::FactorRenamed)
}

/// Removes an authenticator app, passkey or security key: never the last one where a
/// second factor is required, nor a passkey that is the last way to sign in.
pub async fn remove_factor(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me, id: &str) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).mfa, true);
    if !state
        .db
        .factors(&me.user.id)
        .await?
        .iter()
        .any(|f| f.id == id)
    {
        return refused(UiError::FormExpired);
    }
    if factor_needed(state, &me.user, id).await? {
        return refused(UiError::FactorRequired);
    }
    if sign_in_ways(state, &me.user, Loss::Factor(id)).await? == 0 {
        return refused(UiError::LastSignInMethod);
    }
    state.db.delete_factor(&me.user.id, id).await?;
    ctx.audit(Kind::FactorRemoved, &me.user.id, json!({ "factor": id }))
        .await;
    done(MFA_SCREEN, AccountNotice::FactorRemoved)
}

/// New backup codes (the old ones stop working), shown once.
pub async fn regenerate_backup_codes(ctx: &Ctx<'_>, flow: &mut Flow, me: &Me) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).mfa, true);
    if !state.config.mfa.allows(MfaFactorKind::BackupCode)
        || state.config.mfa.policy == MfaPolicy::Off
    {
        return refused(UiError::ReadOnly);
    }
    flow.progress.account.backup_codes = super::mfa::new_backup_codes(state, &me.user).await?;
    save_progress(state, flow).await?;
    ctx.audit(Kind::BackupCodesRegenerated, &me.user.id, Value::Null)
        .await;
    done(BACKUP_CODES_SCREEN, AccountNotice::BackupCodesNew)
}

/// "I have saved them": the codes are not shown again.
pub async fn backup_codes_saved(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    flow.progress.account.backup_codes.clear();
    save_progress(ctx.state, flow).await?;
    Ok(Ok(Next::Redirect(MFA_SCREEN.path.into())))
}

// ---- sessions and apps ----

/// Signs out one other session (its apps hear it through the logout channels).
pub async fn sign_out_session(ctx: &Ctx<'_>, flow: &Flow, me: &Me, sid: &str) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).sessions, false);
    let Some(session) = state
        .db
        .session_by_sid(sid, now())
        .await?
        .filter(|s| s.user_id == me.user.id)
    else {
        return refused(UiError::FormExpired);
    };
    super::sign_out::end_session(state, &session, None).await?;
    ctx.audit(Kind::SessionsEnded, &me.user.id, json!({ "sids": [sid] }))
        .await;
    done(SESSIONS_SCREEN, AccountNotice::SessionEnded)
}

/// Signs out every session but this one.
pub async fn sign_out_others(ctx: &Ctx<'_>, flow: &Flow, me: &Me) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).sessions, false);
    let current = me.session.as_ref().map(|s| s.sid.as_str());
    let mut ended = Vec::new();
    for s in state.db.user_sessions(&me.user.id, now()).await? {
        if Some(s.sid.as_str()) != current {
            super::sign_out::end_session(state, &s, None).await?;
            ended.push(s.sid);
        }
    }
    ctx.audit(Kind::SessionsEnded, &me.user.id, json!({ "sids": ended }))
        .await;
    done(SESSIONS_SCREEN, AccountNotice::OthersSignedOut)
}

/// Withdraws what the user allowed an application: its tokens stop working.
pub async fn revoke_app(ctx: &Ctx<'_>, flow: &Flow, me: &Me, client_id: &str) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).apps, false);
    if !state
        .db
        .revoke_consent(&me.user.id, client_id, now())
        .await?
    {
        return refused(UiError::FormExpired);
    }
    ctx.audit(
        Kind::AppRevoked,
        &me.user.id,
        json!({ "client": client_id }),
    )
    .await;
    done(APPS_SCREEN, AccountNotice::AppRevoked)
}

// ---- personal access tokens ----

/// The prefix of every personal access token (so that secret scanners can find leaks).
pub const TOKEN_PREFIX: &str = "sesame_pat_";

/// The lifetimes the token form offers, in days (0: never expires).
pub fn token_lifetimes(state: &AppState) -> Vec<i64> {
    let max = state.config.account.max_token_days;
    let mut out: Vec<i64> = [30, 90, 365]
        .into_iter()
        .filter(|d| max == 0 || *d <= max)
        .collect();
    if max == 0 {
        out.push(0);
    } else if !out.contains(&max) {
        out.push(max);
    }
    out
}

/// Makes a personal access token: its value is kept only until shown once.
pub async fn create_token(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    name: &str,
    days: &str,
) -> Result<Result<(Next, String, PersonalTokenRow), FormErrors>, AppError> {
    let state = ctx.state;
    if let Some(e) = may_change(ctx, flow, me, fields(state).tokens, true).await? {
        return Ok(Err(FormErrors::form(e)));
    }
    let name = name.trim();
    if let Err(e) = rules::text(name, true, Some(1), Some(64)) {
        return Ok(Err(FormErrors {
            named: vec![("name".into(), e)],
            ..Default::default()
        }));
    }
    let days: i64 = days.trim().parse().unwrap_or(-1);
    if !token_lifetimes(state).contains(&days) {
        return Ok(Err(FormErrors {
            named: vec![("days".into(), UiError::InvalidOption)],
            ..Default::default()
        }));
    }
    let value = format!("{TOKEN_PREFIX}{}", random_token());
    let now = now();
    let row = PersonalTokenRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: me.user.id.clone(),
        name: name.to_string(),
        created_at: now,
        expires_at: (days > 0).then(|| now + days * 86_400),
        last_used_at: None,
    };
    state
        .db
        .insert_personal_token(&row, &token_hash(&value))
        .await?;
    ctx.audit(
        Kind::TokenCreated,
        &me.user.id,
        json!({ "token": row.id, "name": row.name }),
    )
    .await;
    flow.progress.account.new_token = Some(value.clone());
    save_progress(state, flow).await?;
    Ok(Ok((
        Next::Notice {
            screen: TOKENS_SCREEN,
            notice: Notice::Account(AccountNotice::TokenCreated),
        },
        value,
        row,
    )))
}

/// The grant id of the access tokens a personal access token was exchanged for.
pub fn exchange_grant(token_id: &str) -> String {
    format!("pat:{token_id}")
}

/// Revokes one of the user's tokens.
pub async fn revoke_token(ctx: &Ctx<'_>, flow: &Flow, me: &Me, id: &str) -> StepResult {
    gate!(ctx, flow, me, fields(ctx.state).tokens, false);
    if !ctx.state.db.delete_personal_token(&me.user.id, id).await? {
        return refused(UiError::FormExpired);
    }
    // The access tokens it was exchanged for end with it.
    ctx.state
        .db
        .revoke_grant(&exchange_grant(id), now())
        .await?;
    ctx.audit(Kind::TokenRevoked, &me.user.id, json!({ "token": id }))
        .await;
    done(TOKENS_SCREEN, AccountNotice::TokenRevoked)
}

// ---- deletion ----

/// Organizations the user is the only admin of while others are members.
pub async fn sole_admin_of(state: &AppState, user_id: &str) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for (org, role) in state.db.user_organizations(user_id).await? {
        if role == app::api::ROLE_ADMIN
            && state.db.admin_count(&org.id).await? == 1
            && state.db.members(&org.id).await?.len() > 1
        {
            out.push(org.name);
        }
    }
    Ok(out)
}

/// Deletes the account: every session ends through the logout channels, the user's
/// organizations without other members go with it, and the data is erased.
pub async fn delete_account(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    confirmed: bool,
) -> StepResult {
    let state = ctx.state;
    gate!(ctx, flow, me, fields(state).delete, true);
    if !confirmed {
        return Ok(Err(FormErrors::field(
            app::api::Field::Terms,
            UiError::CheckboxRequired,
        )));
    }
    if !sole_admin_of(state, &me.user.id).await?.is_empty() {
        return refused(UiError::LastAdmin);
    }
    // Every session ends through the logout channels; this browser also loads the
    // applications' front-channel pages on its way to the goodbye page.
    let mut location = DELETED_PATH.to_string();
    let current = me.session.as_ref().map(|s| s.sid.clone());
    for s in state.db.user_sessions(&me.user.id, now()).await? {
        let continue_to = (current.as_ref() == Some(&s.sid)).then(|| DELETED_PATH.to_string());
        let ended = super::sign_out::end_session(state, &s, continue_to).await?;
        if current.as_ref() == Some(&s.sid) && !ended.frontchannel.is_empty() {
            location = ended.next(state, false);
        }
    }
    for (org, _) in state.db.user_organizations(&me.user.id).await? {
        if state.db.members(&org.id).await?.len() == 1 {
            state.db.delete_organization(&org.id).await?;
        }
    }
    state.db.revoke_user_tokens(&me.user.id, now()).await?;
    state.db.delete_user(&me.user.id).await?;
    flow.progress = super::Progress::default();
    save_progress(state, flow).await?;
    ctx.audit(Kind::AccountDeleted, &me.user.id, Value::Null)
        .await;
    Ok(Ok(Next::Done {
        location,
        cookies: vec![state.cookies.clear(crate::web::CookieName::Session)],
    }))
}

// ---- the screens' form ----

/// Names of inputs never kept to refill a form.
const SECRET_INPUTS: [&str; 7] = [
    "csrf",
    "password",
    "new_password",
    "confirm_password",
    "code",
    "backup_code",
    "credential",
];

/// What a rejected form keeps of what was typed.
fn remembered(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(k, _)| k != "action" && !SECRET_INPUTS.contains(&k.as_str()))
        .take(64)
        .map(|(k, v)| (k.clone(), v.chars().take(256).collect()))
        .collect()
}

/// The page a form's errors are shown on.
fn screen_for(action: &str, flow: &Flow) -> Screen {
    match action {
        "save_profile" => PROFILE_SCREEN,
        "change_email" | "confirm_email" | "remove_email" => EMAIL_SCREEN,
        "change_phone" | "confirm_phone" | "remove_phone" => PHONE_SCREEN,
        "cancel_change" => contact_screen(pending_is_phone(flow)),
        "change_password" => PASSWORD_SCREEN,
        "link_identity" | "unlink_identity" => IDENTITIES_SCREEN,
        "setup_totp" => TOTP_SCREEN,
        "add_passkey" => PASSKEY_SCREEN,
        "backup_codes_saved" => BACKUP_CODES_SCREEN,
        "rename_factor" | "remove_factor" | "regenerate_backup_codes" => MFA_SCREEN,
        "sign_out_session" | "sign_out_others" => SESSIONS_SCREEN,
        "revoke_app" => APPS_SCREEN,
        "create_token" | "revoke_token" => TOKENS_SCREEN,
        "delete_account" => DELETE_SCREEN,
        _ => OVERVIEW_SCREEN,
    }
}

fn pending_is_phone(flow: &Flow) -> bool {
    flow.progress
        .account
        .new_address
        .as_ref()
        .is_some_and(|a| a.kind == IdentifierKind::Phone)
}

/// One change of the screens' forms.
async fn dispatch(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    action: &str,
    pairs: &[(String, String)],
) -> StepResult {
    let p = |n: &str| super::pair(pairs, n);
    match action {
        "save_profile" => save_profile(ctx, flow, me, pairs).await,
        "change_email" => change_contact(ctx, flow, me, false, p("email")).await,
        "change_phone" => change_contact(ctx, flow, me, true, p("phone")).await,
        "confirm_email" => confirm_contact(ctx, flow, me, false, p("code")).await,
        "confirm_phone" => confirm_contact(ctx, flow, me, true, p("code")).await,
        "cancel_change" => cancel_change(ctx, flow, pending_is_phone(flow)).await,
        "remove_email" => remove_contact(ctx, flow, me, false).await,
        "remove_phone" => remove_contact(ctx, flow, me, true).await,
        "change_password" => {
            change_password(ctx, flow, me, p("new_password"), p("confirm_password")).await
        }
        "link_identity" => link_identity(ctx, flow, me, p("connector")).await,
        "unlink_identity" => unlink_identity(ctx, flow, me, p("connector"), p("subject")).await,
        "setup_totp" => setup_totp(ctx, flow, me, p("code")).await,
        "add_passkey" => add_passkey(ctx, flow, me, p("credential")).await,
        "rename_factor" => {
            let id = p("id");
            rename_factor(ctx, flow, me, id, p(&format!("rename-{id}"))).await
        }
        "remove_factor" => remove_factor(ctx, flow, me, p("id")).await,
        "regenerate_backup_codes" => regenerate_backup_codes(ctx, flow, me).await,
        "backup_codes_saved" => backup_codes_saved(ctx, flow).await,
        "sign_out_session" => sign_out_session(ctx, flow, me, p("sid")).await,
        "sign_out_others" => sign_out_others(ctx, flow, me).await,
        "revoke_app" => revoke_app(ctx, flow, me, p("client")).await,
        "create_token" => Ok(create_token(ctx, flow, me, p("name"), p("days"))
            .await?
            .map(|(next, _, _)| next)),
        "revoke_token" => revoke_token(ctx, flow, me, p("id")).await,
        "delete_account" => delete_account(ctx, flow, me, p("confirm") == "yes").await,
        _ => refused(UiError::FormExpired),
    }
}

/// The verification page, coming back to `next`.
pub fn verify_page(next: &str, method: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(m) = method {
        q.append_pair("method", m);
    }
    q.append_pair("next", next);
    format!("{}?{}", verification::SCREEN.path, q.finish())
}

/// One verification step of the screens: the proof, then back to the page that asked.
async fn verify_step(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    me: &Me,
    action: &str,
    pairs: &[(String, String)],
) -> Result<crate::flow::FormMemory, AppError> {
    let p = |n: &str| super::pair(pairs, n);
    let outcome = match action {
        "verify_password" => verification::password(ctx, flow, &me.user, p("password")).await?,
        "send_verification_code" => {
            verification::send_code(ctx, flow, &me.user, p("channel")).await?
        }
        "verify_code" => verification::code(ctx, flow, &me.user, p("code")).await?,
        "verify_totp" => verification::totp(ctx, flow, &me.user, p("code")).await?,
        "verify_backup_code" => {
            verification::backup_code(ctx, flow, &me.user, p("backup_code")).await?
        }
        "verify_webauthn" => verification::webauthn(ctx, flow, &me.user, p("credential")).await?,
        _ => Err(FormErrors::form(UiError::FormExpired)),
    };
    let notice = match (&outcome, action) {
        (Ok(()), "send_verification_code") => Some(Notice::Account(AccountNotice::CodeSent)),
        (Ok(()), _) => Some(Notice::Account(AccountNotice::Verified)),
        _ => None,
    };
    Ok(crate::flow::FormMemory {
        screen: String::new(),
        errors: outcome.err().unwrap_or_default(),
        values: Vec::new(),
        notice,
        named_values: Vec::new(),
    })
}

/// Off to the verification page; the form's values wait for the way back to `path`.
pub async fn verification_first(
    state: &AppState,
    flow: &mut Flow,
    path: &str,
    values: Vec<(String, String)>,
) -> Result<app::port::Submitted, AppError> {
    flow.progress.account.waiting = Some((path.to_string(), values));
    save_progress(state, flow).await?;
    super::clear_memory(state, flow, path, None, Vec::new()).await?;
    Ok(super::go(verify_page(path, None), Vec::new()))
}

/// `POST /flow/account`: every form of the account center.
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let outcome = async {
        let p = |n: &str| super::pair(&pairs, n);
        let action = p("action");
        let Some(me) = crate::pages::account::me(&state, &parts.headers).await? else {
            // Signed out meanwhile: the account page asks to sign in, and comes back.
            return Ok(super::go(OVERVIEW_SCREEN.path, Vec::new()));
        };
        let (mut flow, cookies) = super::ensure_flow(&state, &parts.headers).await?;
        flow.progress.account.claim(&me.user.id);
        let ctx = Ctx::new(&state, &parts.headers, &parts.extensions, Some(&flow));
        let csrf = super::csrf_ok(&state, &parts, p("csrf"));
        let verifying = action.starts_with("verify_") || action == "send_verification_code";
        let mut submitted = if verifying {
            let next = crate::pages::account::next_page(Some(p("next")));
            let mut memory = if csrf {
                verify_step(&ctx, &mut flow, &me, action, &pairs).await?
            } else {
                crate::flow::FormMemory {
                    errors: FormErrors::form(UiError::FormExpired),
                    ..Default::default()
                }
            };
            let to = if memory.errors.is_empty() && action != "send_verification_code" {
                // What was typed before the verification was asked for fills the form again.
                if let Some((_, values)) = flow
                    .progress
                    .account
                    .waiting
                    .take()
                    .filter(|(path, _)| *path == next)
                {
                    memory.named_values = values;
                    save_progress(&state, &flow).await?;
                }
                memory.screen = next.clone();
                next
            } else {
                memory.screen = verification::SCREEN.path.into();
                let method = match action {
                    "send_verification_code" | "verify_code" => {
                        flow.progress.account.code_channel.clone()
                    }
                    "verify_password" => Some("password".into()),
                    "verify_totp" => Some("totp".into()),
                    "verify_backup_code" => Some("backup_code".into()),
                    "verify_webauthn" => Some("webauthn".into()),
                    _ => None,
                };
                verify_page(&next, method.as_deref())
            };
            super::remember(&state, &flow, &memory).await?;
            super::go(to, Vec::new())
        } else {
            let screen = screen_for(action, &flow);
            let outcome = if csrf {
                dispatch(&ctx, &mut flow, &me, action, &pairs).await?
            } else {
                Err(FormErrors::form(UiError::FormExpired))
            };
            match outcome {
                // A change that needs a fresh verification: verify first, then come back to
                // the form as it was typed.
                Err(e) if e.form == Some(UiError::VerificationRequired) => {
                    verification_first(&state, &mut flow, screen.path, remembered(&pairs)).await?
                }
                outcome => {
                    super::answer(
                        &state,
                        &flow,
                        screen,
                        Vec::new(),
                        remembered(&pairs),
                        outcome,
                    )
                    .await?
                }
            }
        };
        submitted.set_cookies.extend(cookies);
        Ok(submitted)
    }
    .await;
    super::redirect(outcome)
}

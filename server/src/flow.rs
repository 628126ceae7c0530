//! The sign-in flow engine. The flow state (interaction) lives in the database, keyed by the
//! digest of an opaque id in an HttpOnly cookie; the browser holds nothing authoritative.
//! Each step is a form post that ends in a redirect, and the next GET renders from the
//! stored state, so every screen works without JavaScript.

pub mod account;
pub mod consent;
pub mod federation;
pub mod magic_link;
pub mod mfa;
pub mod organization;
pub mod profile;
pub mod register;
pub mod reset_password;
pub mod security_verification;
pub mod sign_in;
pub mod sign_out;
pub mod terms;
pub mod user_flow;
pub mod verify_code;

use crate::crypto::{now, random_token, token_hash};
use crate::db::UserRow;
use crate::error::AppError;
use crate::identifier::Identifier;
use crate::lockout::Subjects;
use crate::oidc::authorize::AuthRequest;
use crate::state::AppState;
use crate::web::{self, CookieName};
use app::api::{ClientInfo, CodePurpose, Field, FormErrors, Notice, UiError};
use app::i18n::Locale;
use app::port::{FlowPort, FormSubmission, Submitted};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// What a rejected form leaves behind for the next render: its errors and the values typed
/// (never passwords).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormMemory {
    /// The screen the memory belongs to (`sign_in`, `register`, …).
    pub screen: String,
    pub errors: FormErrors,
    #[serde(default)]
    pub values: Vec<(Field, String)>,
    #[serde(default)]
    pub notice: Option<Notice>,
    /// Values of inputs named by the configuration (profile fields), by input name.
    #[serde(default)]
    pub named_values: Vec<(String, String)>,
}

impl FormMemory {
    /// The value typed into `field`.
    pub fn value(&self, field: Field) -> String {
        app::api::value_of(&self.values, field)
    }
}

/// What the user set out to do in this flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    #[default]
    SignIn,
    Register,
    ResetPassword,
}

/// A registration form that passed its checks, waiting for its identifiers to be verified.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub username: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The chosen password, already hashed.
    pub password_hash: Option<String>,
    pub terms_accepted: bool,
    /// Profile claims given at sign-up (`None` until the profile screen was answered).
    #[serde(default)]
    pub profile: Option<serde_json::Map<String, serde_json::Value>>,
    /// Every identifier given, with the field it was typed in.
    #[serde(default)]
    pub identifiers: Vec<(Field, Identifier)>,
}

/// Where a flow stands, kept server-side with the interaction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub event: Event,
    /// The identifier given at the identifier step (identifier-first sign-in, reset).
    pub identifier: Option<Identifier>,
    /// Where the outstanding code went, and why.
    pub code_to: Option<Identifier>,
    pub code_purpose: CodePurpose,
    /// Identifiers proven by a code in this flow.
    pub verified: Vec<Identifier>,
    pub registration: Option<Registration>,
    /// The account whose password may be set: only after a reset code of this flow was
    /// consumed.
    pub reset_user: Option<String>,
    /// A user who proved who they are, with what they proved (`amr`), held at a step
    /// before the session: a second factor, the profile, the terms.
    pub pending_user: Option<(String, String)>,
    /// The second-factor steps.
    #[serde(default)]
    pub mfa: mfa::MfaProgress,
    /// The request sent to another identity provider, until it answers.
    #[serde(default)]
    pub federation: Option<federation::Outstanding>,
    /// An upstream identity waiting to be linked to the account signed in next.
    #[serde(default)]
    pub link: Option<federation::PendingIdentity>,
    /// A sign-in started at an identity provider (IdP-initiated SAML), waiting for its
    /// application's authorization request.
    #[serde(default)]
    pub idp_initiated: Option<federation::IdpInitiated>,
    /// What an existing user gave on the "few more details" screen, while an address of
    /// it is verified.
    #[serde(default)]
    pub given: Option<profile::Given>,
    /// The user allowed the application on the consent screen of this flow.
    #[serde(default)]
    pub consented: bool,
    /// The flow ends with this error answered to the application (the user denied it, or
    /// cancelled).
    #[serde(default)]
    pub refusal: Option<Refusal>,
    /// An invitation of this flow (its canonical email address): that address may register
    /// even where registration is closed.
    #[serde(default)]
    pub invited: Option<String>,
    /// Where the last sign-in link of this flow was sent (for the "check your email" page).
    #[serde(default)]
    pub link_sent_to: Option<String>,
    /// The profile-editing user flow's form was saved.
    #[serde(default)]
    pub profile_edited: bool,
    /// A Sesame page to come back to after signing in (a local path), for flows without an
    /// application.
    #[serde(default)]
    pub return_to: Option<String>,
    /// What the account center holds between its steps.
    #[serde(default)]
    pub account: account::AccountProgress,
}

/// An error the application receives at its redirect URI when the user says no.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
    pub description: String,
}

impl Progress {
    /// Starts a new attempt at `event`: forgets any half-finished sign-in, reset or
    /// registration, keeping only what the flow proved (verified addresses, the identifier).
    pub fn begin(&mut self, event: Event) {
        *self = Progress {
            event,
            identifier: self.identifier.take(),
            verified: std::mem::take(&mut self.verified),
            link: self.link.take(),
            invited: self.invited.take(),
            return_to: self.return_to.take(),
            ..Progress::default()
        };
    }

    /// Whether `id` was proven in this flow.
    pub fn is_verified(&self, id: &Identifier) -> bool {
        self.verified.contains(id)
    }
}

/// A loaded interaction.
pub struct Flow {
    /// Digest of the cookie value: the row's key.
    pub id_hash: String,
    /// The authorization request, absent when the user came to Sesame directly.
    pub request: Option<AuthRequest>,
    /// The last rejected form.
    pub memory: Option<FormMemory>,
    /// Where the flow stands.
    pub progress: Progress,
}

impl Flow {
    /// The stored form memory for `screen`, if it is that screen's.
    pub fn memory_for(&self, screen: &str) -> Option<FormMemory> {
        self.memory.clone().filter(|m| m.screen == screen)
    }

    /// Whether this flow may create an account: registration is open, or the flow holds an
    /// invitation.
    pub fn may_register(&self, state: &AppState) -> bool {
        state.config.experience.registration_enabled() || self.progress.invited.is_some()
    }

    /// Where a successful sign-in continues: back to the app, or to the Sesame page the
    /// user came from (the account center, an invitation).
    pub fn next_after_sign_in(&self) -> String {
        if self.request.is_some() {
            "/authorize/resume".into()
        } else {
            self.progress
                .return_to
                .clone()
                .unwrap_or_else(|| "/".into())
        }
    }
}

/// The live interaction named by `id` (the Account API's verification id).
pub async fn flow_by_id(state: &AppState, id: &str) -> Result<Option<Flow>, AppError> {
    let id_hash = token_hash(id);
    let Some(row) = state.db.interaction(&id_hash, now()).await? else {
        return Ok(None);
    };
    Ok(Some(Flow {
        id_hash,
        request: row
            .request
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        memory: None,
        progress: row
            .progress
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default(),
    }))
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
        progress: row
            .progress
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default(),
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
    new_direct_flow(state).await
}

/// A new flow without an application, with the cookie that names it.
pub async fn new_direct_flow(state: &AppState) -> Result<(Flow, Vec<String>), AppError> {
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
            progress: Progress::default(),
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

/// Stores where the flow stands.
pub async fn save_progress(state: &AppState, flow: &Flow) -> Result<(), AppError> {
    state
        .db
        .set_progress(&flow.id_hash, Some(&serde_json::to_string(&flow.progress)?))
        .await?;
    Ok(())
}

/// Forgets any form memory (after a step succeeded), optionally leaving a notice.
pub async fn clear_memory(
    state: &AppState,
    flow: &Flow,
    screen: &str,
    notice: Option<Notice>,
    values: Vec<(Field, String)>,
) -> Result<(), AppError> {
    let memory = notice.map(|n| FormMemory {
        screen: screen.into(),
        errors: FormErrors::default(),
        values,
        notice: Some(n),
        named_values: Vec::new(),
    });
    let text = match memory {
        Some(m) => Some(serde_json::to_string(&m)?),
        None => None,
    };
    state
        .db
        .set_form_state(&flow.id_hash, text.as_deref())
        .await?;
    Ok(())
}

/// Who is making a request to the engine, whichever entry point it came through.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub headers: &'a HeaderMap,
    /// `ip:<address>`, for the lockout.
    pub ip: String,
    pub locale: Locale,
}

impl<'a> Ctx<'a> {
    /// The context of a request.
    pub fn new(
        state: &'a AppState,
        headers: &'a HeaderMap,
        extensions: &axum::http::Extensions,
        flow: Option<&Flow>,
    ) -> Self {
        let request = flow.and_then(|f| f.request.as_ref());
        let ui_locales = request.and_then(|r| r.ui_locales.as_deref());
        let locale = crate::render::locale(state, headers, ui_locales);
        Ctx {
            state,
            headers,
            ip: crate::lockout::client_ip(&state.config.lockout, headers, extensions),
            locale: crate::render::within_flow(
                state,
                request.and_then(|r| r.policy.as_deref()),
                locale,
            ),
        }
    }

    /// Records a security event about `user_id` in the audit log, from this request's address.
    pub async fn audit(&self, kind: crate::audit::Kind, user_id: &str, detail: serde_json::Value) {
        crate::audit::record(&self.state.db, kind, Some(user_id), &self.ip, detail).await;
    }

    /// The lockout subjects of an attempt on `id`: the identifier as typed (canonical), the
    /// account it names if any, and the client address.
    pub async fn subjects(&self, id: Option<&Identifier>) -> Result<Subjects, AppError> {
        let user = match id {
            Some(id) => user_by_identifier(self.state, id).await?,
            None => None,
        };
        Ok(self.subjects_of(id, user.as_ref()))
    }

    /// The lockout subjects of an attempt whose account was already looked up.
    pub fn subjects_of(&self, id: Option<&Identifier>, user: Option<&UserRow>) -> Subjects {
        // An identifier without an account gets a stand-in subject, so that both cases do
        // the same storage work and take the same time.
        let user = id.map(|id| match user {
            Some(u) => format!("user:{}", u.id),
            None => format!("user:none:{}", id.value),
        });
        Subjects {
            identifier: id.map(Identifier::lockout_key),
            user,
            ip: self.ip.clone(),
        }
    }
}

/// Where the engine sends the user after a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Back to an earlier screen with its errors (an address found taken once its code
    /// proved it, for example).
    Back {
        screen: Screen,
        errors: FormErrors,
        values: Vec<(Field, String)>,
    },
    /// The password screen of identifier-first sign-in.
    Password,
    /// The code entry screen.
    VerifyCode,
    /// The code entry screen, after a new code was sent.
    CodeResent,
    /// The registration form (for example after a code proved an address with no account).
    Register,
    /// The new-password screen of a reset.
    NewPassword,
    /// Sign in again with the new password.
    PasswordChanged,
    /// A verified address has no account, and registration is closed.
    NoAccount,
    /// The account is suspended.
    Suspended,
    /// The user must agree to the terms before continuing.
    Terms,
    /// Profile fields (or a username) are wanted before continuing.
    Continue,
    /// A second factor must be proven.
    Mfa,
    /// A second factor must (or may) be set up.
    MfaSetup,
    /// Setting up an authenticator app.
    TotpSetup,
    /// Off to another identity provider (or a page outside the flow).
    Redirect(String),
    /// What to do with a new upstream identity: link it or create an account.
    Link,
    /// The sign-in screen, to prove the account a pending identity is linked to.
    LinkSignIn,
    /// Registering a passkey or security key as a second factor.
    WebauthnSetup,
    /// New backup codes to save.
    BackupCodes,
    /// The offer to create a passkey.
    PasskeyPrompt,
    /// A sign-in link is on its way: check your email.
    LinkSent,
    /// A page outside the sign-in (the account center), with a notice of what was done.
    Notice { screen: Screen, notice: Notice },
    /// Signed in: continue to `location` with the session cookie (and the remembered-device
    /// cookie).
    Done {
        location: String,
        cookies: Vec<String>,
    },
}

impl Next {
    /// The screen path (or final location) of the next step.
    pub fn path(&self) -> &str {
        match self {
            Next::Back { screen, .. } => screen.path,
            Next::Password => "/sign-in/password",
            Next::VerifyCode | Next::CodeResent => "/verify",
            Next::Register => "/register",
            Next::NewPassword => "/reset-password/new",
            Next::PasswordChanged => "/sign-in",
            Next::NoAccount => "/no-account",
            Next::Suspended => "/suspended",
            Next::Terms => "/terms",
            Next::Continue => "/continue",
            Next::Mfa => mfa::VERIFY_SCREEN.path,
            Next::MfaSetup => mfa::SETUP_SCREEN.path,
            Next::TotpSetup => mfa::TOTP_SETUP_SCREEN.path,
            Next::WebauthnSetup => mfa::WEBAUTHN_SETUP_SCREEN.path,
            Next::BackupCodes => mfa::BACKUP_CODES_SCREEN.path,
            Next::PasskeyPrompt => mfa::PASSKEY_SCREEN.path,
            Next::LinkSent => magic_link::SENT_SCREEN.path,
            Next::Notice { screen, .. } => screen.path,
            Next::Redirect(location) => location,
            Next::Link => federation::LINK_SCREEN.path,
            Next::LinkSignIn => sign_in::SCREEN.path,
            Next::Done { location, .. } => location,
        }
    }

    /// The step's name in the Experience API.
    pub fn name(&self) -> &'static str {
        match self {
            Next::Back { .. } => "back",
            Next::Password => "password",
            Next::VerifyCode | Next::CodeResent => "verify_code",
            Next::Register => "register",
            Next::NewPassword => "new_password",
            Next::PasswordChanged => "password_changed",
            Next::NoAccount => "no_account",
            Next::Suspended => "suspended",
            Next::Terms => "terms",
            Next::Continue => "profile",
            Next::Mfa => "mfa",
            Next::MfaSetup => "mfa_setup",
            Next::TotpSetup => "totp_setup",
            Next::WebauthnSetup => "webauthn_setup",
            Next::BackupCodes => "backup_codes",
            Next::PasskeyPrompt => "passkey_prompt",
            Next::LinkSent => "link_sent",
            Next::Notice { .. } => "notice",
            Next::Redirect(_) => "redirect",
            Next::Link => "link",
            Next::LinkSignIn => "sign_in",
            Next::Done { .. } => "done",
        }
    }
}

/// A step's outcome: the next step, or the errors to show on the same screen.
pub type StepResult = Result<Result<Next, FormErrors>, AppError>;

/// Ends a successful proof of identity. Suspended accounts stop here; then come the
/// second factor (proving one, setting one up, saving backup codes), the profile fields and
/// the terms the user still owes, and the passkey offer; everyone else gets a fresh session.
/// Every step that resolves one of these calls this function again, so each gate is
/// checked on every path to the session.
pub async fn finish_sign_in(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user: &UserRow,
    amr: &str,
) -> StepResult {
    if user.suspended_at.is_some() {
        tracing::info!(user = %user.id, "suspended account stopped at sign-in");
        flow.progress = Progress::default();
        save_progress(ctx.state, flow).await?;
        return Ok(Ok(Next::Suspended));
    }
    let hold = |flow: &mut Flow| flow.progress.pending_user = Some((user.id.clone(), amr.into()));
    if let Some(next) = mfa::gate(ctx, flow, user, amr).await? {
        hold(flow);
        save_progress(ctx.state, flow).await?;
        return Ok(Ok(next));
    }
    let next = if profile::user_needs(ctx.state, user).await? {
        Some(Next::Continue)
    } else if ctx.state.config.terms.policy == crate::config::TermsPolicy::Manual
        && user.terms_accepted_at.is_none()
    {
        Some(Next::Terms)
    } else {
        mfa::passkey_offer(ctx, flow, user).await?
    };
    if let Some(next) = next {
        hold(flow);
        save_progress(ctx.state, flow).await?;
        return Ok(Ok(next));
    }
    federation::claim_pending(ctx, flow, &user.id).await?;
    organization::join_by_domain(ctx.state, user).await?;
    let location = flow.next_after_sign_in();
    let (session_cookie, sid) = start_session(ctx, user, amr).await?;
    let mut cookies = vec![session_cookie];
    cookies.extend(mfa::remember_cookie(ctx.state, flow, user, amr).await?);
    flow.progress = Progress::default();
    // The flow records the session as signed in here (which `/authorize/resume` checks)
    // and starts over, in one write.
    ctx.state
        .db
        .set_interaction_session(
            &flow.id_hash,
            &sid,
            Some(&serde_json::to_string(&flow.progress)?),
        )
        .await?;
    tracing::info!(user = %user.id, amr, "signed in");
    Ok(Ok(Next::Done { location, cookies }))
}

/// The user named by a canonical identifier.
pub async fn user_by_identifier(
    state: &AppState,
    id: &Identifier,
) -> Result<Option<UserRow>, AppError> {
    use crate::config::IdentifierKind::*;
    Ok(match id.kind {
        Username => state.db.user_by_username(&id.value).await?,
        Email => state.db.user_by_email(&id.value).await?,
        Phone => state.db.user_by_phone(&id.value).await?,
    })
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
/// a fresh session id (no fixation). Returns its cookie and its `sid`.
pub async fn start_session(
    ctx: &Ctx<'_>,
    user: &UserRow,
    amr: &str,
) -> Result<(String, String), AppError> {
    let (state, headers) = (ctx.state, ctx.headers);
    if let Some(old) = state.cookies.get(headers, CookieName::Session) {
        state.db.delete_session(&token_hash(&old)).await?;
    }
    let id = random_token();
    let now = now();
    let lifetime = state.config.session.lifetime_secs;
    let sid = uuid::Uuid::new_v4().to_string();
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(300).collect::<String>());
    state
        .db
        .insert_session(&crate::db::NewSession {
            id_hash: &token_hash(&id),
            sid: &sid,
            user_id: &user.id,
            auth_time: now,
            amr,
            now,
            expires_at: now + lifetime,
            user_agent: user_agent.as_deref(),
            ip: ctx.ip.strip_prefix("ip:"),
        })
        .await?;
    ctx.audit(
        crate::audit::Kind::SignIn,
        &user.id,
        serde_json::json!({ "amr": amr, "sid": sid }),
    )
    .await;
    Ok((
        state.cookies.set(CookieName::Session, &id, Some(lifetime)),
        sid,
    ))
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

/// The screen a rejected form goes back to, with its memory key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    pub key: &'static str,
    pub path: &'static str,
}

/// Answers a form submission from the step's outcome: the next screen, or the same screen
/// with its errors and the values typed.
pub async fn answer(
    state: &AppState,
    flow: &Flow,
    screen: Screen,
    values: Vec<(Field, String)>,
    named_values: Vec<(String, String)>,
    outcome: Result<Next, FormErrors>,
) -> Result<Submitted, AppError> {
    match outcome {
        Ok(Next::Done { location, cookies }) => Ok(go(location, cookies)),
        Ok(Next::PasswordChanged) => {
            clear_memory(
                state,
                flow,
                sign_in::SCREEN.key,
                Some(Notice::PasswordChanged),
                values,
            )
            .await?;
            Ok(go(Next::PasswordChanged.path(), Vec::new()))
        }
        Ok(Next::Back {
            screen,
            errors,
            values,
        }) => reject(state, flow, screen, errors, values, Vec::new()).await,
        Ok(Next::Notice { screen, notice }) => {
            clear_memory(state, flow, screen.key, Some(notice), Vec::new()).await?;
            Ok(go(screen.path, Vec::new()))
        }
        Ok(Next::CodeResent) => {
            clear_memory(
                state,
                flow,
                verify_code::SCREEN.key,
                Some(Notice::CodeSent),
                Vec::new(),
            )
            .await?;
            Ok(go(Next::CodeResent.path(), Vec::new()))
        }
        Ok(next) => {
            clear_memory(state, flow, screen.key, None, Vec::new()).await?;
            Ok(go(next.path(), Vec::new()))
        }
        Err(errors) => reject(state, flow, screen, errors, values, named_values).await,
    }
}

/// Back to `screen` with its errors and the values typed.
async fn reject(
    state: &AppState,
    flow: &Flow,
    screen: Screen,
    errors: FormErrors,
    values: Vec<(Field, String)>,
    named_values: Vec<(String, String)>,
) -> Result<Submitted, AppError> {
    let memory = FormMemory {
        screen: screen.key.into(),
        errors,
        values,
        notice: None,
        named_values,
    };
    remember(state, flow, &memory).await?;
    Ok(go(screen.path, Vec::new()))
}

/// Runs one form through the engine: loads the flow, checks the anti-forgery token, then
/// the step.
pub async fn run_form(
    state: &AppState,
    parts: &axum::http::request::Parts,
    csrf: &str,
    screen: Screen,
    values: Vec<(Field, String)>,
    named: Vec<(String, String)>,
    step: impl for<'c> AsyncFnOnce(&Ctx<'c>, &mut Flow) -> StepResult,
) -> Result<Submitted, AppError> {
    let mut flow = match load_flow(state, &parts.headers).await? {
        Ok(flow) => flow,
        Err(stale) => return Ok(no_flow(stale)),
    };
    if !csrf_ok(state, parts, csrf) {
        let errors = FormErrors::form(UiError::FormExpired);
        return answer(state, &flow, screen, values, named, Err(errors)).await;
    }
    let ctx = Ctx::new(state, &parts.headers, &parts.extensions, Some(&flow));
    let outcome = step(&ctx, &mut flow).await?;
    answer(state, &flow, screen, values, named, outcome).await
}

/// Reads a form body as every name/value pair it posts.
pub async fn form_pairs(state: &AppState, body: axum::body::Body) -> Vec<(String, String)> {
    let bytes = axum::body::to_bytes(body, state.config.server.max_body_bytes)
        .await
        .unwrap_or_default();
    url::form_urlencoded::parse(&bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The value of `name` in posted pairs (empty when absent).
pub fn pair<'p>(pairs: &'p [(String, String)], name: &str) -> &'p str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// The redirect answering a plain form post (not a server function).
pub fn redirect(outcome: Result<Submitted, AppError>) -> axum::response::Response {
    let submitted = outcome.unwrap_or_else(|e| {
        tracing::error!(error = %e, "form submission failed");
        go("/error?kind=internal", Vec::new())
    });
    let mut response =
        crate::oidc::authorize::see_other(&submitted.location, &submitted.set_cookies);
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// Caps what is kept of a typed value.
pub(crate) fn keep(value: &str) -> String {
    value
        .trim()
        .chars()
        .take(app::api::rules::IDENTIFIER_MAX)
        .collect()
}

#[async_trait::async_trait]
impl FlowPort for AppState {
    async fn submit(&self, parts: &axum::http::request::Parts, form: FormSubmission) -> Submitted {
        let result = match form {
            FormSubmission::SignIn {
                csrf,
                identifier,
                password,
                method,
            } => {
                let screen = match method.as_str() {
                    "continue" => sign_in::IDENTIFIER_SCREEN,
                    "password_step" | "code_step" | "link_step" => sign_in::PASSWORD_SCREEN,
                    _ => sign_in::SCREEN,
                };
                let values = vec![(Field::Identifier, keep(&identifier))];
                run_form(
                    self,
                    parts,
                    &csrf,
                    screen,
                    values,
                    Vec::new(),
                    async |ctx, flow| match method.as_str() {
                        "code" | "code_step" => sign_in::send_code(ctx, flow, &identifier).await,
                        "link" | "link_step" => magic_link::send(ctx, flow, &identifier).await,
                        "continue" => sign_in::identify(ctx, flow, &identifier).await,
                        _ => sign_in::password(ctx, flow, &identifier, &password).await,
                    },
                )
                .await
            }
            FormSubmission::Register {
                csrf,
                identifier,
                username,
                email,
                phone,
                new_password,
                confirm_password,
                terms,
            } => {
                let values = vec![
                    (Field::Identifier, keep(&identifier)),
                    (Field::Username, keep(&username)),
                    (Field::Email, keep(&email)),
                    (Field::Phone, keep(&phone)),
                ];
                let form = register::RegisterForm {
                    identifier,
                    username,
                    email,
                    phone,
                    new_password,
                    confirm_password,
                    terms,
                };
                run_form(
                    self,
                    parts,
                    &csrf,
                    register::SCREEN,
                    values,
                    Vec::new(),
                    async |ctx, flow| register::submit(ctx, flow, &form).await,
                )
                .await
            }
            FormSubmission::VerifyCode { csrf, code, resend } => {
                run_form(
                    self,
                    parts,
                    &csrf,
                    verify_code::SCREEN,
                    Vec::new(),
                    Vec::new(),
                    async |ctx, flow| {
                        if resend {
                            verify_code::resend(ctx, flow).await
                        } else {
                            verify_code::verify(ctx, flow, &code).await
                        }
                    },
                )
                .await
            }
            FormSubmission::ResetPassword { csrf, identifier } => {
                let values = vec![(Field::Identifier, keep(&identifier))];
                run_form(
                    self,
                    parts,
                    &csrf,
                    reset_password::SCREEN,
                    values,
                    Vec::new(),
                    async |ctx, flow| reset_password::start(ctx, flow, &identifier).await,
                )
                .await
            }
            FormSubmission::NewPassword {
                csrf,
                new_password,
                confirm_password,
            } => {
                run_form(
                    self,
                    parts,
                    &csrf,
                    reset_password::NEW_PASSWORD_SCREEN,
                    Vec::new(),
                    Vec::new(),
                    async |ctx, flow| {
                        reset_password::new_password(ctx, flow, &new_password, &confirm_password)
                            .await
                    },
                )
                .await
            }
            FormSubmission::AgreeTerms { csrf, agreed } => {
                run_form(
                    self,
                    parts,
                    &csrf,
                    terms::SCREEN,
                    Vec::new(),
                    Vec::new(),
                    async |ctx, flow| terms::agree(ctx, flow, agreed).await,
                )
                .await
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

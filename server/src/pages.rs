//! The GET side of every screen: load the flow state, build the screen's state, render.

pub mod account;
pub mod consent;
pub mod federation;
pub mod magic_link;
pub mod mfa;

use crate::config::{IdentifierKind, SignInMethod, SignInStyle, TermsPolicy};
use crate::error::AppError;
use crate::flow::{self, client_info, ensure_flow, Flow};
use crate::oidc::authorize::{current_session, see_other};
use crate::password_policy;
use crate::render::{self, PageOptions};
use crate::state::AppState;
use crate::web::{local_path, CookieName};
use app::api::{
    CodePurpose, ContinueState, ErrorKind, Field, HomeState, NewPasswordState, NoticeKind,
    NoticeState, OutboxMessage, OutboxState, RegisterState, ResetPasswordState, Screen,
    SignInState, SignInStep, SignOutState, TermsView, VerifyCodeState,
};
use app::i18n::Locale;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

fn or_error(state: &AppState, headers: &HeaderMap, r: Result<Response, AppError>) -> Response {
    r.unwrap_or_else(|e| render::internal_error(state, headers, e))
}

/// `GET /`: who is signed in.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let who = current_session(&state, &headers)
            .await?
            .map(|(_, u)| u.label());
        Ok(render::page(
            &state,
            &headers,
            Screen::Home(HomeState {
                signed_in_as: who,
                account: state.config.account.enabled,
            }),
            PageOptions::default(),
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// Renders `screen` of `flow`: the request's language, the client's branding and redirect
/// URI (the page's `form-action`), the cookies to set.
pub(crate) fn render_flow(
    state: &AppState,
    headers: &HeaderMap,
    flow: &Flow,
    cookies: Vec<String>,
    path: &str,
    screen: Screen,
) -> Response {
    let request = flow.request.as_ref();
    render::page(
        state,
        headers,
        screen,
        PageOptions {
            form_target: request.map(|r| r.redirect_uri.clone()),
            ui_locales: request.and_then(|r| r.ui_locales.clone()),
            set_cookies: cookies,
            path: Some(path.into()),
            client_id: request.map(|r| r.client_id.clone()),
            user_flow: request.and_then(|r| r.policy.clone()),
            organization: request.and_then(|r| r.organization_branding.clone()),
            ..Default::default()
        },
    )
}

/// Renders a flow screen: creates the flow when there is none, applies the request's
/// language and the client's redirect URI to the page.
async fn flow_page(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    // `Err(path)`: the screen does not apply to this flow; go there instead.
    build: impl FnOnce(&Flow) -> Result<Screen, &'static str>,
) -> Response {
    let r = async {
        let (mut flow, cookies) = ensure_flow(state, headers).await?;
        let mut screen = match build(&flow) {
            Ok(screen) => screen,
            Err(path) => return Ok(see_other(path, &[])),
        };
        // Passkey sign-in needs a challenge of this flow for the autofill and the button.
        if let Screen::SignIn(s) = &mut screen {
            if s.step != SignInStep::Password {
                s.passkey = flow::mfa::start_passkey_sign_in(state, &mut flow).await?;
            }
        }
        Ok(render_flow(state, headers, &flow, cookies, path, screen))
    }
    .await;
    or_error(state, headers, r)
}

/// Identifier kinds the screen offers: the configured ones, narrowed by the request's
/// `identifier` parameter when it names any of them.
fn offered(configured: Vec<IdentifierKind>, flow: &Flow) -> Vec<IdentifierKind> {
    let wanted = flow
        .request
        .as_ref()
        .map(|r| r.identifier_kinds.clone())
        .unwrap_or_default();
    let narrowed: Vec<_> = configured
        .iter()
        .copied()
        .filter(|k| wanted.contains(k))
        .collect();
    if narrowed.is_empty() {
        configured
    } else {
        narrowed
    }
}

fn sign_in_state(state: &AppState, flow: &Flow, step: SignInStep, key: &str) -> SignInState {
    let x = &state.config.experience;
    let request = flow.request.as_ref();
    let memory = flow.memory_for(key);
    let identifier = match (&memory, step) {
        (_, SignInStep::Password) => flow
            .progress
            .identifier
            .as_ref()
            .map(|i| i.value.clone())
            .unwrap_or_default(),
        (Some(m), _) if !m.value(Field::Identifier).is_empty() => m.value(Field::Identifier),
        _ => request
            .and_then(|r| r.login_hint.clone())
            .unwrap_or_default(),
    };
    let any = |m: SignInMethod| x.sign_in.iter().any(|s| s.methods.contains(&m));
    let (password, code, link) = match (step, &flow.progress.identifier) {
        (SignInStep::Password, Some(id)) => (
            x.methods(id.kind).contains(&SignInMethod::Password),
            x.methods(id.kind).contains(&SignInMethod::Code),
            x.methods(id.kind).contains(&SignInMethod::Link),
        ),
        _ => (
            any(SignInMethod::Password),
            any(SignInMethod::Code),
            any(SignInMethod::Link),
        ),
    };
    let user_flow = crate::oidc::authorize::user_flow(state, request);
    let local = user_flow.is_none_or(|f| f.offers("local"));
    let registration = x.registration_enabled()
        && user_flow.is_none_or(|f| f.kind != crate::config::UserFlowType::SignIn);
    SignInState {
        client: client_info(state, request),
        step,
        kinds: offered(x.sign_in_kinds(), flow),
        identifier,
        password,
        code,
        link,
        forgot_password: !x.forgot_password.is_empty(),
        forgot_ends_flow: flow::user_flow::forgot_ends_flow(state, flow),
        local_hidden: !local,
        notice: memory.as_ref().and_then(|m| m.notice),
        errors: memory.map(|m| m.errors).unwrap_or_default(),
        registration_enabled: registration,
        passkey: None,
        federation: federation::offered(state, flow),
    }
}

/// `GET /sign-in`: the unified screen, or the identifier step in identifier-first style.
pub async fn sign_in(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.config.experience.sign_in_enabled() {
        return see_other("/register", &[]);
    }
    if state.config.experience.style == SignInStyle::IdentifierFirst {
        return identifier_sign_in(State(state), headers).await;
    }
    flow_page(&state, &headers, "/sign-in", |flow| {
        Ok(Screen::SignIn(sign_in_state(
            &state,
            flow,
            SignInStep::Unified,
            flow::sign_in::SCREEN.key,
        )))
    })
    .await
}

/// `GET /identifier-sign-in`: the identifier alone (`first_screen=identifier:sign_in`).
pub async fn identifier_sign_in(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/identifier-sign-in", |flow| {
        let mut s = sign_in_state(
            &state,
            flow,
            SignInStep::Identifier,
            flow::sign_in::IDENTIFIER_SCREEN.key,
        );
        // A notice left for the unified screen (password changed) shows here too.
        if s.notice.is_none() {
            s.notice = flow
                .memory_for(flow::sign_in::SCREEN.key)
                .and_then(|m| m.notice);
        }
        Ok(Screen::SignIn(s))
    })
    .await
}

/// `GET /sign-in/password`: the password step of identifier-first sign-in.
pub async fn sign_in_password(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/sign-in/password", |flow| {
        if flow.progress.identifier.is_none() {
            return Err("/identifier-sign-in");
        }
        Ok(Screen::SignIn(sign_in_state(
            &state,
            flow,
            SignInStep::Password,
            flow::sign_in::PASSWORD_SCREEN.key,
        )))
    })
    .await
}

/// `GET /register`.
pub async fn register(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/register", |flow| {
        if !flow.may_register(&state) {
            return Err("/sign-in");
        }
        let config = &state.config;
        let x = &config.experience;
        let memory = flow
            .memory_for(flow::register::SCREEN.key)
            .unwrap_or_default();
        let kinds = offered(x.sign_up_identifiers.clone(), flow);
        let primary = flow::register::primary_field(&kinds);
        let mut values = memory.values.clone();
        let typed = |f: Field| values.iter().any(|(g, v)| *g == f && !v.is_empty());
        // An address proven by a sign-in code or link goes into its own field: the primary
        // one when sign-up takes its kind, else the secondary field of that kind.
        let proven = flow
            .progress
            .identifier
            .as_ref()
            .filter(|i| flow.progress.is_verified(i));
        let proven_field = proven.map(|i| {
            if kinds.contains(&i.kind) {
                primary
            } else {
                Field::of_kind(i.kind)
            }
        });
        match (proven, proven_field) {
            (Some(i), Some(f)) if !typed(f) => values.push((f, i.delivery().to_string())),
            (None, _) if !typed(primary) => {
                if let Some(hint) = flow.request.as_ref().and_then(|r| r.login_hint.clone()) {
                    values.push((primary, hint));
                }
            }
            _ => {}
        }
        let terms = terms_view(config, config.terms.policy != TermsPolicy::Automatic);
        Ok(Screen::Register(RegisterState {
            client: client_info(&state, flow.request.as_ref()),
            secondary: x
                .secondary_identifiers
                .iter()
                .copied()
                .filter(|k| !(kinds.len() == 1 && kinds.contains(k)))
                .collect(),
            kinds,
            password: x.sign_up_password,
            password_rules: password_policy::browser_rules(&config.password_policy),
            username_rules: (
                config.username_policy.min_length,
                config.username_policy.max_length,
            ),
            values,
            terms,
            errors: memory.errors,
            sign_in_enabled: x.sign_in_enabled(),
            federation: federation::offered(&state, flow),
        }))
    })
    .await
}

/// The terms as the screens show them; `None` when there is nothing to show.
fn terms_view(config: &crate::config::Config, checkbox: bool) -> Option<TermsView> {
    let t = &config.terms;
    (checkbox || t.terms_url.is_some() || t.privacy_url.is_some()).then(|| TermsView {
        terms_url: t.terms_url.clone(),
        privacy_url: t.privacy_url.clone(),
        checkbox,
    })
}

/// `GET /verify`: the code entry screen.
pub async fn verify_code(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/verify", |flow| {
        let Some(to) = flow.progress.code_to.clone() else {
            return Err("/sign-in");
        };
        let memory = flow
            .memory_for(flow::verify_code::SCREEN.key)
            .unwrap_or_default();
        let purpose = flow.progress.code_purpose;
        Ok(Screen::VerifyCode(VerifyCodeState {
            client: client_info(&state, flow.request.as_ref()),
            purpose,
            by_sms: to.kind == IdentifierKind::Phone,
            recipient: to.value,
            digits: state.config.codes.digits as usize,
            errors: memory.errors,
            notice: memory.notice,
            back: match purpose {
                CodePurpose::SignIn => "/sign-in",
                CodePurpose::Register => "/register",
                CodePurpose::ResetPassword => "/reset-password",
                CodePurpose::Mfa => "/mfa/methods",
                CodePurpose::Continue => "/continue",
                CodePurpose::Verification => "/account/verify",
                CodePurpose::NewAddress => "/account",
            }
            .into(),
        }))
    })
    .await
}

/// `GET /reset-password`: where to send the reset code.
pub async fn reset_password(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.config.experience.forgot_password.is_empty() {
        return see_other("/sign-in", &[]);
    }
    flow_page(&state, &headers, "/reset-password", |flow| {
        let memory = flow
            .memory_for(flow::reset_password::SCREEN.key)
            .unwrap_or_default();
        let identifier = match memory.value(Field::Identifier) {
            v if v.is_empty() => flow
                .request
                .as_ref()
                .and_then(|r| r.login_hint.clone())
                .unwrap_or_default(),
            v => v,
        };
        Ok(Screen::ResetPassword(ResetPasswordState {
            client: client_info(&state, flow.request.as_ref()),
            kinds: state.config.experience.forgot_password.clone(),
            identifier,
            errors: memory.errors,
        }))
    })
    .await
}

/// `GET /reset-password/new`: only for a flow that consumed a reset code.
pub async fn new_password(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let account = async {
        let Ok(flow) = flow::load_flow(&state, &headers).await? else {
            return Ok(None);
        };
        let Some(id) = flow.progress.reset_user.clone() else {
            return Ok(None);
        };
        Ok::<_, AppError>(state.db.user_by_id(&id).await?.map(|u| u.label()))
    }
    .await;
    let account = match account {
        Ok(Some(a)) => a,
        Ok(None) => return see_other("/reset-password", &[]),
        Err(e) => return render::internal_error(&state, &headers, e),
    };
    flow_page(&state, &headers, "/reset-password/new", |flow| {
        let memory = flow
            .memory_for(flow::reset_password::NEW_PASSWORD_SCREEN.key)
            .unwrap_or_default();
        Ok(Screen::NewPassword(NewPasswordState {
            client: client_info(&state, flow.request.as_ref()),
            account,
            password_rules: password_policy::browser_rules(&state.config.password_policy),
            errors: memory.errors,
        }))
    })
    .await
}

fn notice(kind: NoticeKind, subject: Option<String>) -> Screen {
    Screen::Notice(NoticeState {
        kind,
        subject,
        terms: None,
        errors: Default::default(),
    })
}

/// `GET /suspended`.
pub async fn suspended(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/suspended", |_| {
        Ok(notice(NoticeKind::Suspended, None))
    })
    .await
}

/// `GET /no-account`: a verified address without an account.
pub async fn no_account(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/no-account", |flow| {
        let subject = flow.progress.identifier.as_ref().map(|i| i.value.clone());
        Ok(notice(NoticeKind::NoAccount, subject))
    })
    .await
}

/// `GET /terms`: agreement before the session starts.
pub async fn terms(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, "/terms", |flow| {
        if flow.progress.pending_user.is_none() || !flow.progress.mfa.passed {
            return Err("/sign-in");
        }
        let memory = flow.memory_for(flow::terms::SCREEN.key).unwrap_or_default();
        Ok(Screen::Notice(NoticeState {
            kind: NoticeKind::TermsUpdate,
            subject: None,
            terms: terms_view(&state.config, true),
            errors: memory.errors,
        }))
    })
    .await
}

/// `GET /continue`: profile fields and a username still wanted.
pub async fn continue_profile(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let (flow, cookies) = ensure_flow(&state, &headers).await?;
        let Some(w) = flow::profile::wanted(&state, &flow).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let request = flow.request.as_ref();
        let locale = render::locale(
            &state,
            &headers,
            request.and_then(|r| r.ui_locales.as_deref()),
        );
        let memory = flow
            .memory_for(flow::profile::SCREEN.key)
            .unwrap_or_default();
        let policy = &state.config.username_policy;
        let screen = Screen::Continue(ContinueState {
            client: client_info(&state, request),
            username: w.username.then_some((policy.min_length, policy.max_length)),
            identifiers: w.identifiers.clone(),
            fields: w
                .fields
                .iter()
                .map(|f| crate::profile::view(f, locale))
                .collect(),
            // Typed values by input name; an address sent back after its code also comes
            // as a field value.
            values: memory
                .named_values
                .into_iter()
                .chain(
                    memory
                        .values
                        .iter()
                        .map(|(f, v)| (f.name().to_string(), v.clone())),
                )
                .collect(),
            errors: memory.errors.named,
            form_error: memory.errors.form,
            editing: false,
        });
        Ok(render_flow(
            &state,
            &headers,
            &flow,
            cookies,
            "/continue",
            screen,
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// `GET /profile-edit`: the profile-editing user flow's form, filled with the user's values.
pub async fn profile_edit(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let Ok(flow) = flow::load_flow(&state, &headers).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        if !flow::profile::edit_pending(&state, &flow) {
            return Ok(see_other("/authorize/resume", &[]));
        }
        let Some((_, user)) = current_session(&state, &headers).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let request = flow.request.as_ref();
        let locale = render::locale(
            &state,
            &headers,
            request.and_then(|r| r.ui_locales.as_deref()),
        );
        let fields = flow::profile::flow_fields(&state, request);
        let memory = flow.memory_for(flow::profile::EDIT_SCREEN.key);
        let values = match &memory {
            Some(m) => m.named_values.clone(),
            None => crate::profile::current_values(&fields, &user.profile_claims()),
        };
        let screen = Screen::Continue(ContinueState {
            client: client_info(&state, request),
            fields: fields
                .iter()
                .map(|f| crate::profile::view(f, locale))
                .collect(),
            values,
            errors: memory
                .as_ref()
                .map(|m| m.errors.named.clone())
                .unwrap_or_default(),
            form_error: memory.and_then(|m| m.errors.form),
            editing: true,
            ..Default::default()
        });
        Ok(render_flow(
            &state,
            &headers,
            &flow,
            Vec::new(),
            flow::profile::EDIT_SCREEN.path,
            screen,
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// `GET /dev/outbox`: the development outbox (routed only when enabled).
pub async fn outbox(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let messages = state
            .db
            .outbox(100)
            .await?
            .into_iter()
            .map(|m| OutboxMessage {
                channel: m.channel,
                recipient: m.recipient,
                subject: m.subject,
                body: m.body,
                created_at: m.created_at,
            })
            .collect();
        Ok(render::page(
            &state,
            &headers,
            Screen::Outbox(OutboxState { messages }),
            PageOptions {
                path: Some("/dev/outbox".into()),
                ..Default::default()
            },
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// Query of the sign-out pages.
#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
    /// The sealed outcome of a sign-out (`flow::sign_out::Ended`).
    t: Option<String>,
}

/// `GET /sign-out`: the confirmation.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReturnTo>,
) -> Response {
    let return_to = q.return_to.as_deref().and_then(local_path);
    render::page(
        &state,
        &headers,
        Screen::SignOut(SignOutState {
            done: false,
            return_to,
            ..Default::default()
        }),
        PageOptions {
            path: Some("/sign-out".into()),
            ..Default::default()
        },
    )
}

/// `GET /sign-out/done`: signed out; the applications' front-channel pages load here.
pub async fn signed_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReturnTo>,
) -> Response {
    let ended =
        q.t.as_deref()
            .and_then(|t| flow::sign_out::Ended::open(&state, t));
    let (return_to, frames) = match &ended {
        Some(e) => (
            e.continue_to.clone(),
            flow::sign_out::frontchannel_frames(&state, e),
        ),
        None => (q.return_to.as_deref().and_then(local_path), Vec::new()),
    };
    let frame_urls = frames.iter().map(|(_, u)| u.clone()).collect();
    render::page(
        &state,
        &headers,
        Screen::SignOut(SignOutState {
            done: true,
            return_to,
            frames,
            ..Default::default()
        }),
        PageOptions {
            frames: frame_urls,
            ..Default::default()
        },
    )
}

/// Query of `/error`.
#[derive(Deserialize)]
pub struct ErrorQuery {
    kind: Option<String>,
}

/// `GET /error?kind=…`: only known kinds; nothing from the query is echoed.
pub async fn error(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ErrorQuery>,
) -> Response {
    let kind = match q.kind.as_deref() {
        Some("interaction_expired") => ErrorKind::InteractionExpired,
        Some("internal") => ErrorKind::Internal,
        _ => ErrorKind::InvalidRequest,
    };
    render::error_page(&state, &headers, kind, None)
}

/// Query of `/language`.
#[derive(Deserialize)]
pub struct LanguageQuery {
    lang: Option<String>,
    return_to: Option<String>,
}

/// `GET /language?lang=ja&return_to=/sign-in`: the picker's target. Remembers the choice for
/// a year and goes back.
pub async fn language(State(state): State<AppState>, Query(q): Query<LanguageQuery>) -> Response {
    let back = q
        .return_to
        .as_deref()
        .and_then(local_path)
        .unwrap_or_else(|| "/".into());
    let cookie = q.lang.as_deref().and_then(Locale::from_tag).map(|l| {
        state
            .cookies
            .set(CookieName::Lang, l.tag(), Some(365 * 24 * 3600))
    });
    see_other(&back, cookie.as_slice())
}

/// Any other path: a translated 404 page.
pub async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    render::error_page(&state, &headers, ErrorKind::NotFound, None)
}

//! The GET side of the account center and the organization pages: who is signed in (others
//! sign in first and come back), what each section holds, and the form memory of the last
//! change.

use crate::config::{FieldControl, IdentifierKind, MfaFactorKind, MfaPolicy};
use crate::crypto::now;
use crate::db::{SessionRow, UserRow};
use crate::error::AppError;
use crate::federation::ConnectorKind;
use crate::flow::account::{self as engine, Me};
use crate::flow::organization as orgs;
use crate::flow::security_verification as verification;
use crate::flow::{self, Ctx, Flow};
use crate::oidc::authorize::{current_session, see_other};
use crate::render::{self, PageOptions};
use crate::state::AppState;
use crate::web::local_path;
use app::api::{
    AccountOverview, AccountPage, AccountProfile, AccountSection, AccountState, AccountTotpSetup,
    AppView, AppsPage, BackupCodesPage, ContactPage, DeletePage, FactorView, FormErrors,
    IdentitiesPage, IdentityView, InvitationState, InvitationStep, InvitationView, MemberView,
    MfaPage, Notice, NoticeKind, NoticeState, OrganizationPage, OrganizationSummary,
    OrganizationsPage, PasskeyAddPage, PasswordPage, ProfileValue, Screen, SessionView,
    SessionsPage, TokenView, TokensPage, VerifyMethod, VerifyPage, ALL_SECTIONS,
};
use app::i18n::{Locale, Msg};
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap};
use axum::response::Response;
use serde::Deserialize;

/// A signed-in user on an account page, with the flow that holds the page's memory.
struct Visit {
    flow: Flow,
    cookies: Vec<String>,
    session: SessionRow,
    user: UserRow,
    locale: Locale,
}

/// Starts a sign-in that comes back to `path` (a new flow when the browser's belongs to
/// an application).
async fn sign_in_first(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<Response, AppError> {
    let existing = flow::load_flow(state, headers)
        .await?
        .ok()
        .filter(|f| f.request.is_none());
    let (mut flow, cookies) = match existing {
        Some(f) => (f, Vec::new()),
        None => flow::new_direct_flow(state).await?,
    };
    flow.progress.return_to = Some(path.to_string());
    flow::save_progress(state, &flow).await?;
    Ok(see_other("/sign-in", &cookies))
}

/// The signed-in user, or the way to sign in first.
async fn visit(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<Result<Visit, Response>, AppError> {
    if !state.config.account.enabled {
        return Ok(Err(render::error_page(
            state,
            headers,
            app::api::ErrorKind::NotFound,
            None,
        )));
    }
    let Some((session, user)) = current_session(state, headers).await? else {
        return Ok(Err(sign_in_first(state, headers, path).await?));
    };
    let (mut flow, cookies) = flow::ensure_flow(state, headers).await?;
    let before = flow.progress.account.clone();
    flow.progress.account.claim(&user.id);
    if flow.progress.account != before {
        flow::save_progress(state, &flow).await?;
    }
    let locale = render::locale(state, headers, None);
    Ok(Ok(Visit {
        flow,
        cookies,
        session,
        user,
        locale,
    }))
}

fn control_visible(c: FieldControl) -> bool {
    c.visible()
}

/// Whether the deployment uses phone numbers at all (or the user has one).
fn uses(state: &AppState, user: &UserRow, kind: IdentifierKind) -> bool {
    let x = &state.config.experience;
    let configured = x.sign_up_identifiers.contains(&kind)
        || x.secondary_identifiers.contains(&kind)
        || x.sign_in_kinds().contains(&kind)
        || (kind == IdentifierKind::Phone && state.config.mfa.allows(MfaFactorKind::Sms));
    configured
        || match kind {
            IdentifierKind::Phone => user.phone.is_some(),
            IdentifierKind::Email => user.email.is_some(),
            IdentifierKind::Username => true,
        }
}

/// The sections this user sees.
async fn sections(state: &AppState, user: &UserRow) -> Result<Vec<AccountSection>, AppError> {
    let f = &state.config.account.fields;
    let identities =
        !state.connectors.all.is_empty() || !state.db.identities(&user.id).await?.is_empty();
    Ok(ALL_SECTIONS
        .into_iter()
        .filter(|s| match s {
            AccountSection::Overview => true,
            AccountSection::Profile => {
                control_visible(f.name)
                    || control_visible(f.avatar)
                    || control_visible(f.username)
                    || (control_visible(f.profile) && !state.config.profile.fields.is_empty())
            }
            AccountSection::Email => {
                control_visible(f.email) && uses(state, user, IdentifierKind::Email)
            }
            AccountSection::Phone => {
                control_visible(f.phone) && uses(state, user, IdentifierKind::Phone)
            }
            AccountSection::Password => control_visible(f.password),
            AccountSection::Identities => control_visible(f.identities) && identities,
            AccountSection::Mfa => {
                control_visible(f.mfa) && state.config.mfa.policy != MfaPolicy::Off
            }
            AccountSection::Sessions => control_visible(f.sessions),
            AccountSection::Apps => control_visible(f.apps),
            AccountSection::Tokens => control_visible(f.tokens),
            AccountSection::Organizations => control_visible(f.organizations),
            AccountSection::Delete => control_visible(f.delete),
        })
        .collect())
}

/// Renders an account page with the memory the last change left for `key`.
async fn render_account(
    state: &AppState,
    headers: &HeaderMap,
    v: Visit,
    path: &str,
    section: AccountSection,
    page: AccountPage,
) -> Result<Response, AppError> {
    let sections = sections(state, &v.user).await?;
    if !sections.contains(&section) {
        return Ok(render::error_page(
            state,
            headers,
            app::api::ErrorKind::NotFound,
            None,
        ));
    }
    let memory = v.flow.memory.clone().filter(|m| m.screen == path);
    let notice = memory.as_ref().and_then(|m| match m.notice {
        Some(Notice::Account(n)) => Some(n),
        _ => None,
    });
    let screen = Screen::Account(AccountState {
        user: v.user.label(),
        sections,
        section,
        page,
        notice,
        errors: memory
            .as_ref()
            .map(|m| m.errors.clone())
            .unwrap_or_default(),
        values: memory.map(|m| m.named_values).unwrap_or_default(),
    });
    Ok(render::page(
        state,
        headers,
        screen,
        PageOptions {
            set_cookies: v.cookies,
            path: Some(path.to_string()),
            ..Default::default()
        },
    ))
}

fn or_error(state: &AppState, headers: &HeaderMap, r: Result<Response, AppError>) -> Response {
    r.unwrap_or_else(|e| render::internal_error(state, headers, e))
}

/// Runs `build` for a signed-in visitor of `path` and renders its page.
async fn account_page<'a, F>(
    state: &'a AppState,
    headers: &'a HeaderMap,
    extensions: &'a Extensions,
    path: &str,
    section: AccountSection,
    build: F,
) -> Response
where
    F: for<'c> AsyncFnOnce(&Ctx<'c>, &mut Visit) -> Result<Result<AccountPage, String>, AppError>,
{
    let r = async {
        let mut v = match visit(state, headers, path).await? {
            Ok(v) => v,
            Err(response) => return Ok(response),
        };
        let ctx = Ctx::new(state, headers, extensions, Some(&v.flow));
        let page = match build(&ctx, &mut v).await? {
            Ok(page) => page,
            Err(elsewhere) => return Ok(see_other(&elsewhere, &v.cookies)),
        };
        render_account(state, headers, v, path, section, page).await
    }
    .await;
    or_error(state, headers, r)
}

/// The verification page, coming back to `next` once verified.
fn verify_first(next: &str) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    format!("{}?{q}", verification::SCREEN.path)
}

fn row(value: Option<&str>, l: Locale) -> String {
    value
        .filter(|v| !v.is_empty())
        .map(String::from)
        .unwrap_or_else(|| l.text(Msg::AccountNotSet).to_string())
}

/// `GET /account`.
pub async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        "/account",
        AccountSection::Overview,
        async |ctx, v| {
            let state = ctx.state;
            let l = v.locale;
            let u = &v.user;
            let claims = u.profile_claims();
            let name = claims
                .get("name")
                .and_then(|n| n.as_str())
                .map(String::from);
            let picture = claims
                .get("picture")
                .and_then(|n| n.as_str())
                .map(String::from);
            let address = |value: &Option<String>, verified: i64| match value {
                Some(v) if verified == 1 => l.text(Msg::AccountRowVerified).replace("{to}", v),
                Some(v) => v.clone(),
                None => l.text(Msg::AccountNotSet).to_string(),
            };
            let factors = state.db.factors(&u.id).await?;
            let on_off = |on: bool| {
                l.text(if on {
                    Msg::AccountRowOn
                } else {
                    Msg::AccountRowOff
                })
                .to_string()
            };
            let count = |n: usize| l.digits(&n.to_string());
            let rows = vec![
                (
                    AccountSection::Profile,
                    row(name.as_deref().or(u.username.as_deref()), l),
                ),
                (AccountSection::Email, address(&u.email, u.email_verified)),
                (AccountSection::Phone, address(&u.phone, u.phone_verified)),
                (
                    AccountSection::Password,
                    l.text(if u.password_hash.is_some() {
                        Msg::AccountRowSet
                    } else {
                        Msg::AccountNotSet
                    })
                    .to_string(),
                ),
                (AccountSection::Mfa, on_off(!factors.is_empty())),
                (
                    AccountSection::Identities,
                    count(state.db.identities(&u.id).await?.len()),
                ),
                (
                    AccountSection::Sessions,
                    count(state.db.user_sessions(&u.id, now()).await?.len()),
                ),
                (
                    AccountSection::Apps,
                    count(state.db.consents(&u.id).await?.len()),
                ),
                (
                    AccountSection::Tokens,
                    count(state.db.personal_tokens(&u.id).await?.len()),
                ),
                (
                    AccountSection::Organizations,
                    count(state.db.user_organizations(&u.id).await?.len()),
                ),
            ];
            Ok(Ok(AccountPage::Overview(AccountOverview {
                name,
                picture,
                rows,
            })))
        },
    )
    .await
}

/// `GET /account/profile`.
pub async fn profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::PROFILE_SCREEN.path,
        AccountSection::Profile,
        async |ctx, v| {
            let state = ctx.state;
            let f = &state.config.account.fields;
            let claims = v.user.profile_claims();
            let claim = |n: &str| {
                claims
                    .get(n)
                    .and_then(|c| c.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let value = |control: FieldControl, value: String| {
                control.visible().then(|| ProfileValue {
                    value,
                    editable: control.editable(),
                })
            };
            let fields: Vec<_> = state.config.profile.fields.iter().collect();
            let shown = f.profile.visible();
            let policy = &state.config.username_policy;
            Ok(Ok(AccountPage::Profile(AccountProfile {
                name: value(f.name, claim("name")),
                picture: value(f.avatar, claim("picture")),
                username: value(f.username, v.user.username.clone().unwrap_or_default()),
                username_rules: (policy.min_length, policy.max_length),
                fields: if shown {
                    fields
                        .iter()
                        .map(|pf| crate::profile::view(pf, v.locale))
                        .collect()
                } else {
                    Vec::new()
                },
                field_values: if shown {
                    crate::profile::current_values(&fields, &claims)
                } else {
                    Vec::new()
                },
                fields_editable: f.profile.editable(),
            })))
        },
    )
    .await
}

async fn contact(
    state: AppState,
    headers: HeaderMap,
    extensions: Extensions,
    phone: bool,
) -> Response {
    let (path, section) = if phone {
        (engine::PHONE_SCREEN.path, AccountSection::Phone)
    } else {
        (engine::EMAIL_SCREEN.path, AccountSection::Email)
    };
    account_page(
        &state,
        &headers,
        &extensions,
        path,
        section,
        async |ctx, v| {
            let state = ctx.state;
            let u = &v.user;
            let (current, verified) = if phone {
                (u.phone.clone(), u.phone_verified == 1)
            } else {
                (u.email.clone(), u.email_verified == 1)
            };
            let kind = if phone {
                IdentifierKind::Phone
            } else {
                IdentifierKind::Email
            };
            let pending = v
                .flow
                .progress
                .account
                .new_address
                .as_ref()
                .filter(|a| a.kind == kind && v.flow.progress.code_to.as_ref() == Some(*a))
                .map(|a| a.delivery().to_string());
            let control = if phone {
                state.config.account.fields.phone
            } else {
                state.config.account.fields.email
            };
            Ok(Ok(AccountPage::Contact(ContactPage {
                phone,
                current,
                verified,
                pending,
                digits: state.config.codes.digits as usize,
                editable: control.editable(),
                removable: engine::contact_removable(state, u, phone).await?,
            })))
        },
    )
    .await
}

/// `GET /account/email`.
pub async fn email(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    contact(state, headers, extensions, false).await
}

/// `GET /account/phone`.
pub async fn phone(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    contact(state, headers, extensions, true).await
}

/// `GET /account/password`.
pub async fn password(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::PASSWORD_SCREEN.path,
        AccountSection::Password,
        async |ctx, v| {
            let state = ctx.state;
            Ok(Ok(AccountPage::Password(PasswordPage {
                has_password: v.user.password_hash.is_some(),
                rules: crate::password_policy::browser_rules(&state.config.password_policy),
                editable: state.config.account.fields.password.editable(),
            })))
        },
    )
    .await
}

/// Query of the verification page.
#[derive(Deserialize)]
pub struct VerifyQuery {
    method: Option<String>,
    next: Option<String>,
}

/// Where a verification continues: a page of the account center.
pub fn next_page(next: Option<&str>) -> String {
    next.and_then(local_path)
        .filter(|p| p.starts_with("/account") || p.starts_with(orgs::INVITATION_PATH))
        .unwrap_or_else(|| "/account".into())
}

/// `GET /account/verify?method=…&next=…`: the security verification.
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Query(q): Query<VerifyQuery>,
) -> Response {
    let section =
        AccountSection::of_path(&next_page(q.next.as_deref())).unwrap_or(AccountSection::Overview);
    account_page(
        &state,
        &headers,
        &extensions,
        verification::SCREEN.path,
        section,
        async |ctx, v| {
            let methods = verification::methods(ctx, &v.user).await?;
            let code_channel = v.flow.progress.account.code_channel.clone();
            // The chosen method: asked for, else the one a code is waiting for, else the first.
            let chosen = q
                .method
                .as_deref()
                .and_then(|m| methods.iter().find(|x| x.name() == m))
                .or_else(|| {
                    code_channel
                        .as_deref()
                        .and_then(|c| methods.iter().find(|x| x.name() == c))
                })
                .or(methods.first())
                .cloned();
            let code_sent = matches!(
                &chosen,
                Some(m @ (VerifyMethod::EmailCode(_) | VerifyMethod::SmsCode(_)))
                    if code_channel.as_deref() == Some(m.name())
                        && v.flow.progress.code_to.is_some()
            );
            let webauthn = if chosen == Some(VerifyMethod::Webauthn) {
                verification::start_webauthn(ctx, &mut v.flow, &v.user).await?
            } else {
                None
            };
            Ok(Ok(AccountPage::Verify(VerifyPage {
                second_factor: verification::has_second_factor(ctx, &v.user).await?,
                methods,
                chosen,
                code_sent,
                digits: ctx.state.config.codes.digits as usize,
                webauthn,
                minutes: (ctx.state.config.account.verification_window_secs + 59) / 60,
                next: next_page(q.next.as_deref()),
            })))
        },
    )
    .await
}

/// `GET /account/reauthenticate?next=…`: signs in again (a fresh sign-in counts as a
/// verification), then back to `next`.
pub async fn reauthenticate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<VerifyQuery>,
) -> Response {
    let next = next_page(q.next.as_deref());
    let r = async {
        let (mut flow, cookies) = flow::new_direct_flow(&state).await?;
        flow.progress.return_to = Some(next);
        flow::save_progress(&state, &flow).await?;
        Ok(see_other("/sign-in", &cookies))
    }
    .await;
    or_error(&state, &headers, r)
}

/// `GET /account/identities`.
pub async fn identities(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::IDENTITIES_SCREEN.path,
        AccountSection::Identities,
        async |ctx, v| {
            let state = ctx.state;
            let rows = state.db.identities(&v.user.id).await?;
            let mut linked = Vec::new();
            for r in &rows {
                let c = state.connectors.get(&r.connector);
                linked.push(IdentityView {
                    connector: r.connector.clone(),
                    subject: r.subject.clone(),
                    provider: c
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| r.connector.clone()),
                    email: r.email.clone(),
                    enterprise: c.is_some_and(|c| c.kind == ConnectorKind::Enterprise),
                    linked_at: r.created_at,
                    last_used_at: r.last_used_at,
                    removable: engine::sign_in_ways(
                        state,
                        &v.user,
                        engine::Loss::Identity(&r.connector, &r.subject),
                    )
                    .await?
                        > 0,
                });
            }
            let available = state
                .connectors
                .social()
                .filter(|c| !rows.iter().any(|r| r.connector == c.id))
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect();
            Ok(Ok(AccountPage::Identities(IdentitiesPage {
                linked,
                available,
                editable: state.config.account.fields.identities.editable(),
            })))
        },
    )
    .await
}

/// `GET /account/mfa`.
pub async fn mfa(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::MFA_SCREEN.path,
        AccountSection::Mfa,
        async |ctx, v| {
            let state = ctx.state;
            let m = &state.config.mfa;
            let mut totp = None;
            let mut passkeys = Vec::new();
            for f in state.db.factors(&v.user.id).await? {
                let removable = !engine::factor_needed(state, &v.user, &f.id).await?
                    && engine::sign_in_ways(state, &v.user, engine::Loss::Factor(&f.id)).await? > 0;
                let view = FactorView {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    created_at: f.created_at,
                    last_used_at: f.last_used_at,
                    removable,
                };
                if f.kind == "totp" {
                    totp = Some(view);
                } else {
                    passkeys.push(view);
                }
            }
            Ok(Ok(AccountPage::Mfa(MfaPage {
                totp_allowed: m.allows(MfaFactorKind::Totp),
                webauthn_allowed: state.webauthn.is_some()
                    && (m.allows(MfaFactorKind::Webauthn) || state.config.passkeys.sign_in),
                backup_codes_allowed: m.allows(MfaFactorKind::BackupCode),
                totp,
                passkeys,
                backup_codes_left: state.db.backup_codes_left(&v.user.id).await?,
                mandatory: m.policy == MfaPolicy::Mandatory,
                editable: state.config.account.fields.mfa.editable(),
            })))
        },
    )
    .await
}

/// Whether the visitor may make sensitive changes now.
async fn fresh(ctx: &Ctx<'_>, v: &Visit) -> Result<bool, AppError> {
    verification::is_fresh(ctx, &v.user, Some(&v.session), Some(&v.flow)).await
}

/// `GET /account/mfa/totp`: set up (or replace) the authenticator app.
pub async fn totp(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::TOTP_SCREEN.path,
        AccountSection::Mfa,
        async |ctx, v| {
            let state = ctx.state;
            if !state.config.account.fields.mfa.editable()
                || !state.config.mfa.allows(MfaFactorKind::Totp)
            {
                return Ok(Err(engine::MFA_SCREEN.path.into()));
            }
            if !fresh(ctx, v).await? {
                return Ok(Err(verify_first(engine::TOTP_SCREEN.path)));
            }
            let secret = engine::totp_secret(state, &mut v.flow).await?;
            let issuer = flow::mfa::totp_issuer(state);
            let account = v.user.label();
            let uri = crate::mfa::totp_uri(&secret, &issuer, &account).unwrap_or_default();
            let replacing = state
                .db
                .factors(&v.user.id)
                .await?
                .iter()
                .any(|f| f.kind == "totp");
            Ok(Ok(AccountPage::TotpSetup(AccountTotpSetup {
                qr_svg: crate::mfa::qr_svg(&uri).unwrap_or_default(),
                secret: crate::mfa::grouped(&secret),
                uri,
                replacing,
            })))
        },
    )
    .await
}

/// `GET /account/mfa/passkey`: add a passkey or security key.
pub async fn passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::PASSKEY_SCREEN.path,
        AccountSection::Mfa,
        async |ctx, v| {
            if !ctx.state.config.account.fields.mfa.editable() {
                return Ok(Err(engine::MFA_SCREEN.path.into()));
            }
            if !fresh(ctx, v).await? {
                return Ok(Err(verify_first(engine::PASSKEY_SCREEN.path)));
            }
            let me = Me {
                user: v.user.clone(),
                session: Some(v.session.clone()),
            };
            match engine::passkey_options(ctx, &mut v.flow, &me).await? {
                Some(options) => Ok(Ok(AccountPage::PasskeyAdd(PasskeyAddPage { options }))),
                None => Ok(Err(engine::MFA_SCREEN.path.into())),
            }
        },
    )
    .await
}

/// `GET /account/mfa/backup-codes`: new codes, until the user saved them.
pub async fn backup_codes(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::BACKUP_CODES_SCREEN.path,
        AccountSection::Mfa,
        async |_ctx, v| {
            let codes = v.flow.progress.account.backup_codes.clone();
            if codes.is_empty() {
                return Ok(Err(engine::MFA_SCREEN.path.into()));
            }
            Ok(Ok(AccountPage::BackupCodes(BackupCodesPage { codes })))
        },
    )
    .await
}

/// `GET /account/mfa/backup-codes.txt`: the same codes as a file.
pub async fn backup_codes_file(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let v = match visit(&state, &headers, engine::BACKUP_CODES_SCREEN.path).await? {
            Ok(v) => v,
            Err(response) => return Ok(response),
        };
        let codes = &v.flow.progress.account.backup_codes;
        if codes.is_empty() {
            return Ok(see_other(engine::MFA_SCREEN.path, &[]));
        }
        Ok(crate::pages::mfa::codes_file(&state, codes))
    }
    .await;
    or_error(&state, &headers, r)
}

/// Browser and system from a `User-Agent`, for the sessions list.
pub fn device_of(ua: Option<&str>, l: Locale) -> String {
    let Some(ua) = ua else {
        return l.text(Msg::AccountUnknownDevice).to_string();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| n);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, n)| n);
    match (browser, system) {
        (Some(b), Some(s)) => l
            .text(Msg::AccountDeviceOn)
            .replace("{browser}", b)
            .replace("{system}", s),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => l.text(Msg::AccountUnknownDevice).to_string(),
    }
}

/// `GET /account/sessions`.
pub async fn sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::SESSIONS_SCREEN.path,
        AccountSection::Sessions,
        async |ctx, v| {
            let state = ctx.state;
            let sessions = state
                .db
                .user_sessions(&v.user.id, now())
                .await?
                .into_iter()
                .map(|s| SessionView {
                    device: device_of(s.user_agent.as_deref(), v.locale),
                    current: s.sid == v.session.sid,
                    ip: s.ip.clone(),
                    signed_in_at: s.auth_time,
                    sid: s.sid,
                })
                .collect();
            Ok(Ok(AccountPage::Sessions(SessionsPage {
                sessions,
                editable: state.config.account.fields.sessions.editable(),
            })))
        },
    )
    .await
}

/// `GET /account/apps`.
pub async fn apps(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::APPS_SCREEN.path,
        AccountSection::Apps,
        async |ctx, v| {
            let state = ctx.state;
            let apps = state
                .db
                .consents(&v.user.id)
                .await?
                .into_iter()
                .map(|c| {
                    let client = state.client(&c.client_id);
                    AppView {
                        name: client
                            .and_then(|x| x.name.clone())
                            .unwrap_or_else(|| c.client_id.clone()),
                        logo_uri: client.and_then(|x| x.logo_uri.clone()),
                        items: c
                            .scope_list()
                            .into_iter()
                            .map(|s| flow::consent::describe(s, v.locale))
                            .collect(),
                        granted_at: c.created_at,
                        client_id: c.client_id,
                    }
                })
                .collect();
            Ok(Ok(AccountPage::Apps(AppsPage {
                apps,
                editable: state.config.account.fields.apps.editable(),
            })))
        },
    )
    .await
}

/// `GET /account/tokens`: the list, and a token just made (shown this once).
pub async fn tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::TOKENS_SCREEN.path,
        AccountSection::Tokens,
        async |ctx, v| {
            let state = ctx.state;
            // Shown once: the value leaves the flow with this page.
            let created = v.flow.progress.account.new_token.take();
            if created.is_some() {
                flow::save_progress(state, &v.flow).await?;
            }
            let tokens = state
                .db
                .personal_tokens(&v.user.id)
                .await?
                .into_iter()
                .map(|t| TokenView {
                    id: t.id,
                    name: t.name,
                    created_at: t.created_at,
                    expires_at: t.expires_at,
                    last_used_at: t.last_used_at,
                })
                .collect();
            Ok(Ok(AccountPage::Tokens(TokensPage {
                tokens,
                created,
                lifetimes: engine::token_lifetimes(state),
                editable: state.config.account.fields.tokens.editable(),
            })))
        },
    )
    .await
}

/// `GET /account/delete`.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        engine::DELETE_SCREEN.path,
        AccountSection::Delete,
        async |ctx, v| {
            let state = ctx.state;
            Ok(Ok(AccountPage::Delete(DeletePage {
                editable: state.config.account.fields.delete.editable(),
                sole_admin_of: engine::sole_admin_of(state, &v.user.id).await?,
            })))
        },
    )
    .await
}

/// `GET /account/deleted`: after the account was deleted.
pub async fn deleted(State(state): State<AppState>, headers: HeaderMap) -> Response {
    render::page(
        &state,
        &headers,
        Screen::Notice(NoticeState {
            kind: NoticeKind::AccountDeleted,
            subject: None,
            terms: None,
            errors: FormErrors::default(),
        }),
        PageOptions {
            path: Some(engine::DELETED_PATH.into()),
            ..Default::default()
        },
    )
}

/// `GET /account/organizations`.
pub async fn organizations(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    account_page(
        &state,
        &headers,
        &extensions,
        orgs::ORGANIZATIONS_SCREEN.path,
        AccountSection::Organizations,
        async |ctx, v| {
            let state = ctx.state;
            let organizations = state
                .db
                .user_organizations(&v.user.id)
                .await?
                .into_iter()
                .map(|(o, role)| OrganizationSummary {
                    id: o.id,
                    name: o.name,
                    role,
                })
                .collect();
            let invitations = orgs::for_user(state, &v.user)
                .await?
                .into_iter()
                .map(|(i, o)| InvitationView {
                    id: i.id,
                    organization: o.name,
                    email: i.email,
                    role: i.role,
                    expires_at: i.expires_at,
                })
                .collect();
            Ok(Ok(AccountPage::Organizations(OrganizationsPage {
                organizations,
                invitations,
                can_create: state.config.organizations.user_creation
                    && state.config.account.fields.organizations.editable(),
            })))
        },
    )
    .await
}

/// `GET /account/organizations/{id}`.
pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    Path(id): Path<String>,
) -> Response {
    let path = orgs::page_path(&id);
    account_page(
        &state,
        &headers,
        &extensions,
        &path,
        AccountSection::Organizations,
        async |ctx, v| {
            let state = ctx.state;
            let mine = state.db.user_organizations(&v.user.id).await?;
            let Some((org, role)) = mine.iter().find(|(o, _)| o.id == id).cloned() else {
                return Ok(Err(orgs::ORGANIZATIONS_SCREEN.path.into()));
            };
            let admin = role == app::api::ROLE_ADMIN;
            let members = state
                .db
                .members(&org.id)
                .await?
                .into_iter()
                .map(|m| {
                    let label = m.label();
                    MemberView {
                        is_me: m.user_id == v.user.id,
                        user_id: m.user_id,
                        label,
                        email: m.email,
                        role: m.role,
                    }
                })
                .collect();
            let invitations = if admin {
                state
                    .db
                    .open_invitations(&org.id, now())
                    .await?
                    .into_iter()
                    .map(|i| InvitationView {
                        id: i.id,
                        organization: org.name.clone(),
                        email: i.email,
                        role: i.role,
                        expires_at: i.expires_at,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let branding = orgs::branding_of(&org);
            Ok(Ok(AccountPage::Organization(OrganizationPage {
                id: org.id.clone(),
                name: org.name.clone(),
                description: org.description.clone(),
                logo_url: branding.logo_url.unwrap_or_default(),
                color: branding.primary_color.unwrap_or_default(),
                mfa_required: org.mfa_required == 1,
                domains: org.jit_domains.clone(),
                role,
                members,
                invitations,
                switcher: mine.into_iter().map(|(o, _)| (o.id, o.name)).collect(),
            })))
        },
    )
    .await
}

/// Query of the organization switcher.
#[derive(Deserialize)]
pub struct SwitchQuery {
    id: Option<String>,
}

/// `GET /account/organizations/switch?id=…`: the switcher's target.
pub async fn switch_organization(Query(q): Query<SwitchQuery>) -> Response {
    let to = q
        .id
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(|id| orgs::page_path(&id))
        .unwrap_or_else(|| orgs::ORGANIZATIONS_SCREEN.path.into());
    see_other(&to, &[])
}

/// Query of the invitation page.
#[derive(Deserialize)]
pub struct InvitationQuery {
    token: Option<String>,
}

/// `GET /invitation?token=…`: an invitation link. Spends nothing (mail scanners open links).
pub async fn invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<InvitationQuery>,
) -> Response {
    let r = async {
        let token = q.token.unwrap_or_default();
        let (flow, cookies) = flow::ensure_flow(&state, &headers).await?;
        let signed_in = current_session(&state, &headers).await?.map(|(_, u)| u);
        let standing = orgs::by_token(&state, &token, signed_in.as_ref()).await?;
        let memory = flow
            .memory
            .clone()
            .filter(|m| m.screen == orgs::INVITATION_PATH);
        let base =
            |inv: &crate::db::InvitationRow, org: &crate::db::OrganizationRow| InvitationState {
                token: token.clone(),
                organization: org.name.clone(),
                email: inv.email.clone(),
                role: inv.role.clone(),
                errors: memory
                    .as_ref()
                    .map(|m| m.errors.clone())
                    .unwrap_or_default(),
                ..Default::default()
            };
        let screen = match &standing {
            orgs::Standing::Spent => InvitationState {
                step: InvitationStep::Spent,
                ..Default::default()
            },
            orgs::Standing::Theirs(inv, org) => InvitationState {
                step: InvitationStep::Accept,
                ..base(inv, org)
            },
            orgs::Standing::Other(inv, org) => InvitationState {
                step: if signed_in.is_some() {
                    InvitationStep::OtherUser
                } else {
                    InvitationStep::SignIn
                },
                signed_in_as: signed_in.as_ref().map(UserRow::label),
                ..base(inv, org)
            },
        };
        Ok(render::page(
            &state,
            &headers,
            Screen::Invitation(screen),
            PageOptions {
                set_cookies: cookies,
                path: Some(format!(
                    "{}?{}",
                    orgs::INVITATION_PATH,
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("token", &token)
                        .finish()
                )),
                ..Default::default()
            },
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// The user an account page belongs to, for the form handlers.
pub async fn me(state: &AppState, headers: &HeaderMap) -> Result<Option<Me>, AppError> {
    Ok(current_session(state, headers)
        .await?
        .map(|(session, user)| Me {
            user,
            session: Some(session),
        }))
}

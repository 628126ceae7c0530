//! The Account API (`/api/my-account`): the account center as JSON for apps and scripts,
//! running the same engine (`flow::account`), with its checks. Callers present a Sesame
//! access token with the `account` scope and the route's area scope, or a personal access
//! token; sensitive changes also name a fresh security verification
//! (`Sesame-Verification-Id`), which these routes create too. The contract is
//! `docs/account-center.md`; the description `server/openapi/account.json`.

use crate::config::FieldControl;
use crate::crypto::{now, token_hash};
use crate::db::UserRow;
use crate::error::AppError;
use crate::experience_api::{error_body, rejected};
use crate::flow::account::{self as engine, Me};
use crate::flow::security_verification as verification;
use crate::flow::{self, Ctx, Flow, Progress, StepResult};
use crate::state::AppState;
use app::api::{FormErrors, UiError};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("../openapi/account.json");

/// The header naming a security verification.
pub const VERIFICATION_HEADER: &str = "sesame-verification-id";

/// The API's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/my-account",
            get(profile).patch(update_profile).delete(delete_account),
        )
        .route("/api/my-account/openapi.json", get(openapi))
        .route(
            "/api/my-account/verifications/password",
            post(verify_password),
        )
        .route("/api/my-account/verifications/code", post(send_code))
        .route(
            "/api/my-account/verifications/code/verify",
            post(verify_code),
        )
        .route("/api/my-account/verifications/totp", post(verify_totp))
        .route(
            "/api/my-account/verifications/backup-code",
            post(verify_backup_code),
        )
        .route("/api/my-account/password", post(change_password))
        .route(
            "/api/my-account/primary-email",
            post(change_email).delete(remove_email),
        )
        .route("/api/my-account/primary-email/verify", post(confirm_email))
        .route(
            "/api/my-account/primary-phone",
            post(change_phone).delete(remove_phone),
        )
        .route("/api/my-account/primary-phone/verify", post(confirm_phone))
        .route("/api/my-account/identities", get(identities))
        .route(
            "/api/my-account/identities/{connector}/{subject}",
            delete(unlink_identity),
        )
        .route("/api/my-account/mfa", get(mfa))
        .route("/api/my-account/mfa/totp/secret", post(totp_secret))
        .route("/api/my-account/mfa/totp", post(setup_totp))
        .route("/api/my-account/mfa/backup-codes", post(backup_codes))
        .route(
            "/api/my-account/mfa/{id}",
            patch(rename_factor).delete(remove_factor),
        )
        .route("/api/my-account/sessions", get(sessions))
        .route("/api/my-account/sessions/{sid}", delete(end_session))
        .route("/api/my-account/grants", get(grants))
        .route("/api/my-account/grants/{client_id}", delete(revoke_grant))
        .route(
            "/api/my-account/personal-access-tokens",
            get(tokens).post(create_token),
        )
        .route(
            "/api/my-account/personal-access-tokens/{id}",
            delete(revoke_token),
        )
        .route("/api/my-account/organizations", get(organizations))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A part of the Account API: the scope a token needs for it, and the account center's
/// field control that can turn it off.
#[derive(Clone, Copy)]
enum Area {
    Account,
    Profile,
    Email,
    Phone,
    Identities,
    Mfa,
    Sessions,
    Apps,
    Tokens,
    Organizations,
    Delete,
}

impl Area {
    fn scope(self) -> &'static str {
        match self {
            Area::Account => "account",
            Area::Profile => "profile",
            Area::Email => "email",
            Area::Phone => "phone",
            Area::Identities => "account:identities",
            Area::Mfa => "account:mfa",
            Area::Sessions => "account:sessions",
            Area::Apps => "account:apps",
            Area::Tokens => "account:tokens",
            Area::Organizations => "organizations",
            Area::Delete => "account:delete",
        }
    }

    /// The control that hides the whole area (fields inside the profile are each checked
    /// by the engine).
    fn control(self, state: &AppState) -> Option<FieldControl> {
        let f = &state.config.account.fields;
        match self {
            Area::Account | Area::Profile | Area::Email | Area::Phone => None,
            Area::Identities => Some(f.identities),
            Area::Mfa => Some(f.mfa),
            Area::Sessions => Some(f.sessions),
            Area::Apps => Some(f.apps),
            Area::Tokens => Some(f.tokens),
            Area::Organizations => Some(f.organizations),
            Area::Delete => Some(f.delete),
        }
    }
}

/// Who calls, and what the token lets them do.
pub struct Caller {
    pub user: UserRow,
    /// The token's scopes; `None` for a personal access token (every account scope).
    scopes: Option<Vec<String>>,
}

impl Caller {
    fn has(&self, scope: &str) -> bool {
        Scopes(self.scopes.clone()).has(scope)
    }
}

/// The scopes of a call's token (`None`: a personal access token, every account scope).
pub struct Scopes(Option<Vec<String>>);

impl Scopes {
    /// Whether the token carries `scope`.
    pub fn has(&self, scope: &str) -> bool {
        self.0.as_ref().is_none_or(|s| s.iter().any(|x| x == scope))
    }
}

/// Why a call was refused before any step ran.
enum Refusal {
    Unauthorized,
    Scope(&'static str),
    Off,
    Answer(Response),
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Unauthorized => {
                let mut r = error_body(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "a valid access token or personal access token is required",
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"sesame\", error=\"invalid_token\""),
                );
                r
            }
            Refusal::Scope(scope) => {
                let mut r = (
                    StatusCode::FORBIDDEN,
                    Json(json!({ "error": "insufficient_scope", "scope": scope })),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&format!(
                    "Bearer realm=\"sesame\", error=\"insufficient_scope\", scope=\"{scope}\""
                )) {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                r
            }
            Refusal::Off => error_body(StatusCode::NOT_FOUND, "not_found", "not available"),
            Refusal::Answer(r) => r,
        }
    }
}

/// The user of a bearer token: a live access token of a live user, or a live personal
/// access token.
pub async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, AppError> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::oidc::token::strip_scheme(v, "Bearer"))
    else {
        return Ok(None);
    };
    let now = now();
    let (user_id, scopes) = if token.starts_with(engine::TOKEN_PREFIX) {
        match state.db.use_personal_token(&token_hash(token), now).await? {
            Some(t) => (t.user_id, None),
            None => return Ok(None),
        }
    } else {
        match state.db.token(&token_hash(token)).await? {
            Some(t) if t.kind == "access" && t.revoked_at.is_none() && t.expires_at > now => (
                t.user_id,
                Some(t.scope.split(' ').map(String::from).collect()),
            ),
            _ => return Ok(None),
        }
    };
    Ok(state
        .db
        .user_by_id(&user_id)
        .await?
        .filter(|u| u.suspended_at.is_none())
        .map(|user| Caller { user, scopes }))
}

/// The verification a call names, when it is this user's.
async fn named_verification(
    state: &AppState,
    headers: &HeaderMap,
    user: &UserRow,
) -> Result<Option<Flow>, AppError> {
    let Some(id) = headers
        .get(VERIFICATION_HEADER)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    Ok(flow::flow_by_id(state, id)
        .await?
        .filter(|f| f.progress.account.user.as_deref() == Some(user.id.as_str())))
}

/// A flow that lives for one call (no verification named): nothing it holds is kept.
fn detached() -> Flow {
    Flow {
        id_hash: String::new(),
        request: None,
        memory: None,
        progress: Progress::default(),
    }
}

/// Runs one call: the token, the account center being on, the scope and the field control;
/// then `run` with the context, the verification's flow (or a detached one) and the user.
async fn call(
    state: &AppState,
    req: Request,
    area: Area,
    run: impl for<'c> AsyncFnOnce(
        &Ctx<'c>,
        &mut Flow,
        &Me,
        Value,
        &Scopes,
    ) -> Result<Response, AppError>,
) -> Response {
    let (parts, body) = req.into_parts();
    let r = async {
        if !state.config.account.enabled || area.control(state).is_some_and(|c| !c.visible()) {
            return Err(Refusal::Off);
        }
        let scope = area.scope();
        let Some(c) = caller(state, &parts.headers).await.map_err(answer_error)? else {
            return Err(Refusal::Unauthorized);
        };
        if !c.has("account") {
            return Err(Refusal::Scope("account"));
        }
        if !c.has(scope) {
            return Err(Refusal::Scope(scope));
        }
        let bytes = axum::body::to_bytes(body, state.config.server.max_body_bytes)
            .await
            .map_err(|_| {
                Refusal::Answer(error_body(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "body too large",
                ))
            })?;
        let input: Value = if bytes.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                Refusal::Answer(error_body(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    &e.to_string(),
                ))
            })?
        };
        let mut flow = match named_verification(state, &parts.headers, &c.user)
            .await
            .map_err(answer_error)?
        {
            Some(f) => f,
            None => detached(),
        };
        let scopes = Scopes(c.scopes);
        let me = Me {
            user: c.user,
            session: None,
        };
        let ctx = Ctx::new(state, &parts.headers, &parts.extensions, None);
        run(&ctx, &mut flow, &me, input, &scopes)
            .await
            .map_err(answer_error)
    }
    .await;
    let mut response = r.unwrap_or_else(Refusal::into_response);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn answer_error(e: AppError) -> Refusal {
    if e.is_busy() {
        return Refusal::Answer(crate::error::busy(error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "try again shortly",
        )));
    }
    tracing::error!(error = %e, "account api failed");
    Refusal::Answer(error_body(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    ))
}

fn text<'v>(input: &'v Value, name: &str) -> &'v str {
    input.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// The answer of an engine step: `ok` when it went through, its errors otherwise (a stale
/// id or nothing pending is 404).
fn step_answer(ctx: &Ctx<'_>, outcome: StepResult, ok: Response) -> Result<Response, AppError> {
    Ok(match outcome? {
        Ok(flow::Next::Back { errors, .. }) | Err(errors) => errors_answer(ctx, errors),
        Ok(_) => ok,
    })
}

fn errors_answer(ctx: &Ctx<'_>, errors: FormErrors) -> Response {
    if errors.form == Some(UiError::FormExpired) {
        return error_body(StatusCode::NOT_FOUND, "not_found", "nothing to change here");
    }
    rejected(ctx, errors)
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

// ---- profile ----

/// The user's profile as the token may see it.
fn profile_body(state: &AppState, scopes: &Scopes, user: &UserRow) -> Value {
    let f = &state.config.account.fields;
    let claims = user.profile_claims();
    let mut body = json!({ "id": user.id, "has_password": user.password_hash.is_some() });
    if scopes.has("profile") {
        if f.username.visible() {
            body["username"] = json!(user.username);
        }
        if f.name.visible() {
            body["name"] = claims.get("name").cloned().unwrap_or(Value::Null);
        }
        if f.avatar.visible() {
            body["picture"] = claims.get("picture").cloned().unwrap_or(Value::Null);
        }
        if f.profile.visible() {
            let fields: serde_json::Map<String, Value> = state
                .config
                .profile
                .fields
                .iter()
                .filter_map(|pf| claims.get(&pf.name).map(|v| (pf.name.clone(), v.clone())))
                .collect();
            body["profile"] = Value::Object(fields);
        }
    }
    if scopes.has("email") && f.email.visible() {
        body["email"] = json!(user.email);
        body["email_verified"] = json!(user.email_verified == 1);
    }
    if scopes.has("phone") && f.phone.visible() {
        body["phone"] = json!(user.phone);
        body["phone_verified"] = json!(user.phone_verified == 1);
    }
    body
}

async fn fresh_profile(ctx: &Ctx<'_>, me: &Me, scopes: &Scopes) -> Result<Response, AppError> {
    let user = ctx
        .state
        .db
        .user_by_id(&me.user.id)
        .await?
        .unwrap_or_else(|| me.user.clone());
    Ok(Json(profile_body(ctx.state, scopes, &user)).into_response())
}

/// `GET /api/my-account`.
async fn profile(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Account, async |ctx, _, me, _, scopes| {
        fresh_profile(ctx, me, scopes).await
    })
    .await
}

/// `PATCH /api/my-account`: name, picture, username, profile fields.
async fn update_profile(State(state): State<AppState>, req: Request) -> Response {
    call(
        &state,
        req,
        Area::Profile,
        async |ctx, flow, me, input, scopes| {
            let mut pairs = Vec::new();
            for name in ["name", "picture", "username"] {
                if let Some(v) = input.get(name) {
                    pairs.push((name.to_string(), v.as_str().unwrap_or_default().to_string()));
                }
            }
            if let Some(Value::Object(fields)) = input.get("profile") {
                for (k, v) in fields.iter().take(64) {
                    let value = match v {
                        Value::String(s) => s.clone(),
                        Value::Bool(true) => "on".into(),
                        Value::Bool(false) | Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    let name = if k.starts_with("profile.") {
                        k.clone()
                    } else {
                        format!("profile.{k}")
                    };
                    pairs.push((name, value));
                }
            }
            let outcome = engine::save_profile(ctx, flow, me, &pairs).await;
            let ok = fresh_profile(ctx, me, scopes).await?;
            step_answer(ctx, outcome, ok)
        },
    )
    .await
}

// ---- verifications ----

/// A new verification record for the user: an interaction of its own, named by the id
/// the caller gets.
async fn new_verification(state: &AppState, user: &UserRow) -> Result<(String, Flow), AppError> {
    let id = crate::crypto::random_token();
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
    let mut flow = Flow {
        id_hash,
        request: None,
        memory: None,
        progress: Progress::default(),
    };
    flow.progress.account.claim(&user.id);
    flow::save_progress(state, &flow).await?;
    Ok((id, flow))
}

fn verified_body(state: &AppState, id: &str, flow: &Flow) -> Value {
    let v = flow.progress.account.verified.as_ref();
    json!({
        "verification_id": id,
        "method": v.map(|v| v.method.name()),
        "expires_at": v.map(|v| v.at + state.config.account.verification_window_secs),
    })
}

async fn verify_with(
    state: AppState,
    req: Request,
    run: impl for<'c> AsyncFnOnce(
        &Ctx<'c>,
        &mut Flow,
        &UserRow,
        &Value,
    ) -> Result<Result<(), FormErrors>, AppError>,
) -> Response {
    call(&state, req, Area::Account, async |ctx, _, me, input, _| {
        let (id, mut flow) = new_verification(ctx.state, &me.user).await?;
        match run(ctx, &mut flow, &me.user, &input).await? {
            Ok(()) => Ok((
                StatusCode::CREATED,
                Json(verified_body(ctx.state, &id, &flow)),
            )
                .into_response()),
            Err(e) => Ok(verification_refused(ctx, e)),
        }
    })
    .await
}

/// A refused verification: a password or code for an account with a second factor is 403.
fn verification_refused(ctx: &Ctx<'_>, e: FormErrors) -> Response {
    if e.form == Some(UiError::FactorRequired) {
        return error_body(
            StatusCode::FORBIDDEN,
            "factor_required",
            &UiError::FactorRequired.message(ctx.locale),
        );
    }
    rejected(ctx, e)
}

/// `POST /api/my-account/verifications/password`.
async fn verify_password(State(state): State<AppState>, req: Request) -> Response {
    verify_with(state, req, async |ctx, flow, user, input| {
        verification::password(ctx, flow, user, text(input, "password")).await
    })
    .await
}

/// `POST /api/my-account/verifications/totp`.
async fn verify_totp(State(state): State<AppState>, req: Request) -> Response {
    verify_with(state, req, async |ctx, flow, user, input| {
        verification::totp(ctx, flow, user, text(input, "code")).await
    })
    .await
}

/// `POST /api/my-account/verifications/backup-code`.
async fn verify_backup_code(State(state): State<AppState>, req: Request) -> Response {
    verify_with(state, req, async |ctx, flow, user, input| {
        verification::backup_code(ctx, flow, user, text(input, "code")).await
    })
    .await
}

/// `POST /api/my-account/verifications/code`: a code to the user's verified address.
async fn send_code(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Account, async |ctx, _, me, input, _| {
        let (id, mut flow) = new_verification(ctx.state, &me.user).await?;
        let channel = text(&input, "channel");
        match verification::send_code(ctx, &mut flow, &me.user, channel).await? {
            Ok(()) => Ok((
                StatusCode::CREATED,
                Json(json!({
                    "verification_id": id,
                    "method": channel,
                    "sent_to": flow.progress.code_to.as_ref().map(|t| crate::pages::mfa::masked(
                        if channel == "sms" { crate::config::MfaFactorKind::Sms } else { crate::config::MfaFactorKind::Email },
                        &t.value,
                    )),
                })),
            )
                .into_response()),
            Err(e) => Ok(verification_refused(ctx, e)),
        }
    })
    .await
}

/// `POST /api/my-account/verifications/code/verify`.
async fn verify_code(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Account, async |ctx, _, me, input, _| {
        let id = text(&input, "verification_id");
        let Some(mut flow) = flow::flow_by_id(ctx.state, id)
            .await?
            .filter(|f| f.progress.account.user.as_deref() == Some(me.user.id.as_str()))
        else {
            return Ok(error_body(
                StatusCode::NOT_FOUND,
                "not_found",
                "unknown verification",
            ));
        };
        match verification::code(ctx, &mut flow, &me.user, text(&input, "code")).await? {
            Ok(()) => Ok(Json(verified_body(ctx.state, id, &flow)).into_response()),
            Err(e) => Ok(verification_refused(ctx, e)),
        }
    })
    .await
}

// ---- password, email, phone ----

/// `POST /api/my-account/password`.
async fn change_password(State(state): State<AppState>, req: Request) -> Response {
    call(
        &state,
        req,
        Area::Account,
        async |ctx, flow, me, input, _| {
            let password = text(&input, "password");
            let confirm = input
                .get("confirm")
                .and_then(Value::as_str)
                .unwrap_or(password);
            let outcome = engine::change_password(ctx, flow, me, password, confirm).await;
            step_answer(ctx, outcome, no_content())
        },
    )
    .await
}

/// The area of the email address (`phone`: phone number), with its input's name.
fn contact_area(phone: bool) -> (Area, &'static str) {
    if phone {
        (Area::Phone, "phone")
    } else {
        (Area::Email, "email")
    }
}

async fn contact_change(state: AppState, req: Request, phone: bool) -> Response {
    let (area, input_name) = contact_area(phone);
    call(&state, req, area, async |ctx, flow, me, input, _| {
        let outcome = engine::change_contact(ctx, flow, me, phone, text(&input, input_name)).await;
        let sent_to = flow
            .progress
            .account
            .new_address
            .as_ref()
            .map(|a| a.delivery().to_string());
        step_answer(
            ctx,
            outcome,
            (
                StatusCode::ACCEPTED,
                Json(json!({ "pending": input_name, "sent_to": sent_to })),
            )
                .into_response(),
        )
    })
    .await
}

async fn contact_confirm(state: AppState, req: Request, phone: bool) -> Response {
    let (area, _) = contact_area(phone);
    call(&state, req, area, async |ctx, flow, me, input, scopes| {
        let outcome = engine::confirm_contact(ctx, flow, me, phone, text(&input, "code")).await?;
        let ok = fresh_profile(ctx, me, scopes).await?;
        step_answer(ctx, Ok(outcome), ok)
    })
    .await
}

async fn contact_remove(state: AppState, req: Request, phone: bool) -> Response {
    let (area, _) = contact_area(phone);
    call(&state, req, area, async |ctx, flow, me, _, _| {
        let outcome = engine::remove_contact(ctx, flow, me, phone).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

/// `POST /api/my-account/primary-email`: a code to the new address.
async fn change_email(State(s): State<AppState>, req: Request) -> Response {
    contact_change(s, req, false).await
}
/// `POST /api/my-account/primary-email/verify`.
async fn confirm_email(State(s): State<AppState>, req: Request) -> Response {
    contact_confirm(s, req, false).await
}
/// `DELETE /api/my-account/primary-email`.
async fn remove_email(State(s): State<AppState>, req: Request) -> Response {
    contact_remove(s, req, false).await
}
/// `POST /api/my-account/primary-phone`.
async fn change_phone(State(s): State<AppState>, req: Request) -> Response {
    contact_change(s, req, true).await
}
/// `POST /api/my-account/primary-phone/verify`.
async fn confirm_phone(State(s): State<AppState>, req: Request) -> Response {
    contact_confirm(s, req, true).await
}
/// `DELETE /api/my-account/primary-phone`.
async fn remove_phone(State(s): State<AppState>, req: Request) -> Response {
    contact_remove(s, req, true).await
}

// ---- identities ----

/// `GET /api/my-account/identities`.
async fn identities(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Identities, async |ctx, _, me, _, _| {
        let list: Vec<Value> = ctx
            .state
            .db
            .identities(&me.user.id)
            .await?
            .into_iter()
            .map(|i| {
                let c = ctx.state.connectors.get(&i.connector);
                json!({
                    "connector": i.connector,
                    "provider": c.map(|c| c.name.clone()),
                    "subject": i.subject,
                    "email": i.email,
                    "enterprise": c.is_some_and(|c| c.kind == crate::federation::ConnectorKind::Enterprise),
                    "linked_at": i.created_at,
                    "last_used_at": i.last_used_at,
                })
            })
            .collect();
        Ok(Json(list).into_response())
    })
    .await
}

/// `DELETE /api/my-account/identities/{connector}/{subject}`.
async fn unlink_identity(
    State(state): State<AppState>,
    Path((connector, subject)): Path<(String, String)>,
    req: Request,
) -> Response {
    call(
        &state,
        req,
        Area::Identities,
        async |ctx, flow, me, _, _| {
            let outcome = engine::unlink_identity(ctx, flow, me, &connector, &subject).await;
            step_answer(ctx, outcome, no_content())
        },
    )
    .await
}

// ---- second factors ----

/// `GET /api/my-account/mfa`.
async fn mfa(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Mfa, async |ctx, _, me, _, _| {
        let factors = ctx.state.db.factors(&me.user.id).await?;
        let view = |f: &crate::db::FactorRow| {
            json!({ "id": f.id, "name": f.name, "created_at": f.created_at, "last_used_at": f.last_used_at })
        };
        Ok(Json(json!({
            "totp": factors.iter().find(|f| f.kind == "totp").map(view),
            "passkeys": factors.iter().filter(|f| f.kind == "webauthn").map(view).collect::<Vec<_>>(),
            "backup_codes_left": ctx.state.db.backup_codes_left(&me.user.id).await?,
        }))
        .into_response())
    })
    .await
}

/// The verification named by the call, required for steps that keep state in it.
fn kept_flow(flow: &Flow) -> bool {
    !flow.id_hash.is_empty()
}

/// `POST /api/my-account/mfa/totp/secret`: a new authenticator secret, kept in the
/// verification until a code from it comes back.
async fn totp_secret(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Mfa, async |ctx, flow, me, _, _| {
        if !kept_flow(flow) || !verification::is_fresh(ctx, &me.user, None, Some(flow)).await? {
            return Ok(errors_answer(
                ctx,
                FormErrors::form(UiError::VerificationRequired),
            ));
        }
        flow.progress.account.totp_secret = None;
        let secret = engine::totp_secret(ctx.state, flow).await?;
        let uri = crate::mfa::totp_uri(
            &secret,
            &flow::mfa::totp_issuer(ctx.state),
            &me.user.label(),
        );
        Ok((
            StatusCode::CREATED,
            Json(json!({ "secret": secret, "uri": uri })),
        )
            .into_response())
    })
    .await
}

/// `POST /api/my-account/mfa/totp`: binds (or replaces) the authenticator app.
async fn setup_totp(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Mfa, async |ctx, flow, me, input, _| {
        let outcome = engine::setup_totp(ctx, flow, me, text(&input, "code")).await;
        let codes = std::mem::take(&mut flow.progress.account.backup_codes);
        if kept_flow(flow) {
            flow::save_progress(ctx.state, flow).await?;
        }
        let body = if codes.is_empty() {
            json!({})
        } else {
            json!({ "backup_codes": codes })
        };
        step_answer(
            ctx,
            outcome,
            (StatusCode::CREATED, Json(body)).into_response(),
        )
    })
    .await
}

/// `POST /api/my-account/mfa/backup-codes`: new codes; the old ones stop working.
async fn backup_codes(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Mfa, async |ctx, flow, me, _, _| {
        let outcome = engine::regenerate_backup_codes(ctx, flow, me).await;
        let codes = std::mem::take(&mut flow.progress.account.backup_codes);
        if kept_flow(flow) {
            flow::save_progress(ctx.state, flow).await?;
        }
        step_answer(
            ctx,
            outcome,
            (StatusCode::CREATED, Json(json!({ "backup_codes": codes }))).into_response(),
        )
    })
    .await
}

/// `PATCH /api/my-account/mfa/{id}`: renames a passkey.
async fn rename_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    call(&state, req, Area::Mfa, async |ctx, flow, me, input, _| {
        let outcome = engine::rename_factor(ctx, flow, me, &id, text(&input, "name")).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

/// `DELETE /api/my-account/mfa/{id}`.
async fn remove_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    call(&state, req, Area::Mfa, async |ctx, flow, me, _, _| {
        let outcome = engine::remove_factor(ctx, flow, me, &id).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

// ---- sessions and grants ----

/// `GET /api/my-account/sessions`.
async fn sessions(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Sessions, async |ctx, _, me, _, _| {
        let locale = ctx.locale;
        let list: Vec<Value> = ctx
            .state
            .db
            .user_sessions(&me.user.id, now())
            .await?
            .into_iter()
            .map(|s| {
                json!({
                    "sid": s.sid,
                    "device": crate::pages::account::device_of(s.user_agent.as_deref(), locale),
                    "ip": s.ip,
                    "signed_in_at": s.auth_time,
                })
            })
            .collect();
        Ok(Json(list).into_response())
    })
    .await
}

/// `DELETE /api/my-account/sessions/{sid}`.
async fn end_session(
    State(state): State<AppState>,
    Path(sid): Path<String>,
    req: Request,
) -> Response {
    call(&state, req, Area::Sessions, async |ctx, flow, me, _, _| {
        let outcome = engine::sign_out_session(ctx, flow, me, &sid).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

/// `GET /api/my-account/grants`.
async fn grants(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Apps, async |ctx, _, me, _, _| {
        let list: Vec<Value> = ctx
            .state
            .db
            .consents(&me.user.id)
            .await?
            .into_iter()
            .map(|c| {
                json!({
                    "client_id": c.client_id,
                    "name": ctx.state.client(&c.client_id).and_then(|x| x.name.clone()),
                    "scopes": c.scope_list(),
                    "resources": c.resource_list(),
                    "organizations": c.organization_list(),
                    "granted_at": c.created_at,
                })
            })
            .collect();
        Ok(Json(list).into_response())
    })
    .await
}

/// `DELETE /api/my-account/grants/{client_id}`.
async fn revoke_grant(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    req: Request,
) -> Response {
    call(&state, req, Area::Apps, async |ctx, flow, me, _, _| {
        let outcome = engine::revoke_app(ctx, flow, me, &client_id).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

// ---- personal access tokens ----

/// `GET /api/my-account/personal-access-tokens`.
async fn tokens(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Tokens, async |ctx, _, me, _, _| {
        let list: Vec<Value> = ctx
            .state
            .db
            .personal_tokens(&me.user.id)
            .await?
            .into_iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "name": t.name,
                    "created_at": t.created_at,
                    "expires_at": t.expires_at,
                    "last_used_at": t.last_used_at,
                })
            })
            .collect();
        Ok(Json(list).into_response())
    })
    .await
}

/// `POST /api/my-account/personal-access-tokens`: the value is in this answer only.
async fn create_token(State(state): State<AppState>, req: Request) -> Response {
    call(
        &state,
        req,
        Area::Tokens,
        async |ctx, flow, me, input, _| {
            let days = match input.get("days") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            match engine::create_token(ctx, flow, me, text(&input, "name"), &days).await? {
                Ok((_, value, row)) => {
                    flow.progress.account.new_token = None;
                    if kept_flow(flow) {
                        flow::save_progress(ctx.state, flow).await?;
                    }
                    Ok((
                        StatusCode::CREATED,
                        Json(json!({
                            "id": row.id,
                            "name": row.name,
                            "token": value,
                            "expires_at": row.expires_at,
                        })),
                    )
                        .into_response())
                }
                Err(e) => Ok(errors_answer(ctx, e)),
            }
        },
    )
    .await
}

/// `DELETE /api/my-account/personal-access-tokens/{id}`.
async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    call(&state, req, Area::Tokens, async |ctx, flow, me, _, _| {
        let outcome = engine::revoke_token(ctx, flow, me, &id).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

// ---- organizations and deletion ----

/// `GET /api/my-account/organizations`.
async fn organizations(State(state): State<AppState>, req: Request) -> Response {
    call(
        &state,
        req,
        Area::Organizations,
        async |ctx, _, me, _, _| {
            let list: Vec<Value> = ctx
                .state
                .db
                .user_organizations(&me.user.id)
                .await?
                .into_iter()
                .map(|(o, role)| json!({ "id": o.id, "name": o.name, "role": role }))
                .collect();
            Ok(Json(list).into_response())
        },
    )
    .await
}

/// `DELETE /api/my-account`: the account is erased and signed out everywhere.
async fn delete_account(State(state): State<AppState>, req: Request) -> Response {
    call(&state, req, Area::Delete, async |ctx, flow, me, _, _| {
        let outcome = engine::delete_account(ctx, flow, me, true).await;
        step_answer(ctx, outcome, no_content())
    })
    .await
}

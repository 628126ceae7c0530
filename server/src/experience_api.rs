//! The Experience API: the sign-in engine as JSON, for customers who bring their own UI.
//! Each route calls the same step function as the matching screen, so lockouts, codes and
//! policies are shared. The flow is the same server-side interaction, named by the same
//! HttpOnly cookie; cross-site calls are refused (JSON only, and `Origin` /
//! `Sec-Fetch-Site` must be this site). Described by `/api/experience/openapi.json`.

use crate::crypto::{now, random_token, token_hash};
use crate::error::AppError;
use crate::flow::{
    federation, load_flow, mfa, profile, register, reset_password, save_progress, sign_in, terms,
    verify_code, Ctx, Event, Flow, Next, Progress, StepResult,
};
use crate::state::AppState;
use crate::web::{self, CookieName};
use app::api::{FormErrors, UiError};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("../openapi/experience.json");

/// The API's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/experience", get(current).post(start))
        .route("/api/experience/openapi.json", get(openapi))
        .route("/api/experience/identify", post(identify))
        .route("/api/experience/sign-in/password", post(sign_in_password))
        .route("/api/experience/sign-in/code", post(sign_in_code))
        .route("/api/experience/register", post(register_account))
        .route("/api/experience/code/verify", post(verify))
        .route("/api/experience/code/resend", post(resend))
        .route("/api/experience/reset-password", post(reset))
        .route("/api/experience/reset-password/new", post(new_password))
        .route("/api/experience/terms", post(agree_terms))
        .route("/api/experience/profile", post(give_profile))
        .route("/api/experience/mfa", get(mfa_state).post(mfa_action))
        .route("/api/experience/passkey", get(passkey_options))
        .route("/api/experience/connectors", get(connectors))
        .route("/api/experience/sso-connectors", get(sso_connectors))
        .route("/api/experience/federation", post(federation_start))
        .route("/api/experience/sso", post(sso_start))
        .route("/api/experience/federation/link", post(federation_link))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// A JSON error answer.
pub(crate) fn error_body(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

/// A rejected step: 400 with every error, translated; 403 for what is not allowed (read
/// only, a verification or an admin needed); 409 for a change that would break a rule (the
/// last way to sign in, the last admin, a required factor); 429 with `Retry-After` when
/// locked or rate-limited; 503 when busy.
pub(crate) fn rejected(ctx: &Ctx<'_>, errors: FormErrors) -> Response {
    let l = ctx.locale;
    let first = errors
        .form
        .clone()
        .or_else(|| errors.fields.first().map(|(_, e)| e.clone()))
        .or_else(|| errors.named.first().map(|(_, e)| e.clone()))
        .unwrap_or(UiError::Internal);
    let (status, retry) = match &first {
        UiError::Locked { minutes } | UiError::SendLimit { minutes } => {
            (StatusCode::TOO_MANY_REQUESTS, Some(minutes * 60))
        }
        UiError::ResendWait { seconds } => (StatusCode::TOO_MANY_REQUESTS, Some(*seconds)),
        UiError::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some(crate::error::BUSY_RETRY_SECS),
        ),
        UiError::ReadOnly | UiError::NotAdmin | UiError::VerificationRequired => {
            (StatusCode::FORBIDDEN, None)
        }
        UiError::LastSignInMethod
        | UiError::FactorRequired
        | UiError::LastAdmin
        | UiError::IdentityTaken
        | UiError::AlreadyMember => (StatusCode::CONFLICT, None),
        _ => (StatusCode::BAD_REQUEST, None),
    };
    let mut fields: Vec<Value> = errors
        .fields
        .iter()
        .map(|(f, e)| json!({ "field": f.name(), "error": e.code(), "message": e.message(l) }))
        .collect();
    // Profile inputs are named `profile.<field>`; the API names them by field.
    fields.extend(errors.named.iter().map(|(n, e)| {
        let name = n.strip_prefix("profile.").unwrap_or(n);
        json!({ "field": name, "error": e.code(), "message": e.message(l) })
    }));
    let body = json!({
        "error": first.code(),
        "message": first.message(l),
        "fields": fields,
    });
    let mut response = (status, Json(body)).into_response();
    if let Some(secs) = retry {
        if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

fn next_body(next: &Next) -> Response {
    let mut body = json!({ "next": next.name() });
    let mut cookies: &[String] = &[];
    match next {
        Next::Done {
            location,
            cookies: c,
        } => {
            body["redirect_to"] = json!(location);
            cookies = c;
        }
        // Off to an identity provider: the browser goes there, and comes back to Sesame.
        Next::Redirect(location) => {
            body["redirect_to"] = json!(location);
        }
        other => {
            body["screen"] = json!(other.path());
        }
    }
    let mut response = (StatusCode::OK, Json(body)).into_response();
    for c in cookies.iter().filter_map(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// Whether the body is declared JSON (which a cross-site form cannot send without a
/// preflight).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Runs one step for a JSON request: checks the origin and the flow, then answers.
async fn step<B: serde::de::DeserializeOwned>(
    state: &AppState,
    req: Request,
    run: impl for<'c> AsyncFnOnce(&Ctx<'c>, &mut Flow, B) -> StepResult,
) -> Response {
    let (parts, body) = req.into_parts();
    if !web::same_origin(&parts.headers, &state.origin) {
        return cross_origin();
    }
    if !is_json(&parts.headers) {
        return error_body(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json",
        );
    }
    let bytes = match axum::body::to_bytes(body, state.config.server.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return error_body(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "body too large"),
    };
    let input: B = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return error_body(StatusCode::BAD_REQUEST, "invalid_body", &e.to_string()),
    };
    with_flow(state, &parts, async |ctx, flow| {
        Ok(match run(ctx, flow, input).await? {
            Ok(Next::Back { errors, .. }) | Err(errors) => rejected(ctx, errors),
            Ok(next) => next_body(&next),
        })
    })
    .await
}

/// The 403 answer to a cross-site call.
fn cross_origin() -> Response {
    error_body(
        StatusCode::FORBIDDEN,
        "cross_origin",
        "cross-site request refused",
    )
}

/// Loads the request's flow (404 without one) and answers with `run`; a failure is
/// logged and answered generically (503 when busy).
async fn with_flow(
    state: &AppState,
    parts: &axum::http::request::Parts,
    run: impl for<'c> AsyncFnOnce(&Ctx<'c>, &mut Flow) -> Result<Response, AppError>,
) -> Response {
    let r = async {
        let mut flow = match load_flow(state, &parts.headers).await? {
            Ok(flow) => flow,
            Err(_) => {
                return Ok(error_body(
                    StatusCode::NOT_FOUND,
                    "no_interaction",
                    "start an interaction first (POST /api/experience)",
                ))
            }
        };
        let ctx = Ctx::new(state, &parts.headers, &parts.extensions, Some(&flow));
        run(&ctx, &mut flow).await
    }
    .await;
    r.unwrap_or_else(|e| {
        if e.is_busy() {
            return crate::error::busy(error_body(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "try again shortly",
            ));
        }
        tracing::error!(error = %e, "experience api failed");
        error_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    })
}

/// `POST /api/experience` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    event: Event,
}

/// Starts (or restarts) an interaction for `event`. Keeps the authorization request of a
/// flow started at `/authorize`.
async fn start(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if !web::same_origin(&parts.headers, &state.origin) {
        return cross_origin();
    }
    let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let Ok(input) = serde_json::from_slice::<StartBody>(&bytes) else {
        return error_body(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "expected {\"event\": \"sign_in\" | \"register\" | \"reset_password\"}",
        );
    };
    let r = async {
        let mut cookies = Vec::new();
        let mut flow = match load_flow(&state, &parts.headers).await? {
            Ok(flow) => flow,
            Err(_) => {
                let id = random_token();
                let now = now();
                state
                    .db
                    .insert_interaction(
                        &token_hash(&id),
                        None,
                        now,
                        now + state.config.session.interaction_ttl_secs,
                    )
                    .await?;
                cookies.push(state.cookies.set(CookieName::Flow, &id, None));
                Flow {
                    id_hash: token_hash(&id),
                    request: None,
                    memory: None,
                    progress: Progress::default(),
                }
            }
        };
        flow.progress = Progress {
            event: input.event,
            ..Progress::default()
        };
        save_progress(&state, &flow).await?;
        let mut response = (
            StatusCode::OK,
            Json(json!({ "event": input.event, "next": "identify" })),
        )
            .into_response();
        for c in cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        Ok::<_, AppError>(response)
    }
    .await;
    r.unwrap_or_else(|e| {
        tracing::error!(error = %e, "experience api failed");
        error_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    })
}

/// `GET /api/experience`: where the interaction stands.
async fn current(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    match load_flow(&state, &parts.headers).await {
        Ok(Ok(flow)) => {
            let p = &flow.progress;
            Json(json!({
                "event": p.event,
                "client_id": flow.request.as_ref().map(|r| r.client_id.clone()),
                "identifier": p.identifier.as_ref().map(|i| json!({"type": i.kind, "value": i.value})),
                "code_sent_to": p.code_to.as_ref().map(|i| json!({"type": i.kind, "value": i.value})),
                "verified": p.verified.iter().map(|i| json!({"type": i.kind, "value": i.value})).collect::<Vec<_>>(),
                "new_password_allowed": p.reset_user.is_some(),
                "terms_pending": p.pending_user.is_some() && p.mfa.passed,
                "mfa_pending": p.pending_user.is_some() && !p.mfa.passed,
                "link": p.link.as_ref().map(|l| json!({
                    "connector": l.connector,
                    "provider": state.connectors.get(&l.connector).map(|c| c.name.clone()),
                    "email": l.email,
                    "existing_account": l.collision,
                    "can_create": !l.collision && state.config.experience.registration_enabled(),
                })),
            }))
            .into_response()
        }
        Ok(Err(_)) => error_body(StatusCode::NOT_FOUND, "no_interaction", "no interaction"),
        Err(e) => {
            tracing::error!(error = %e, "experience api failed");
            error_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentifierBody {
    identifier: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    identifier: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPasswordBody {
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsBody {
    agreed: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RegisterBody {
    identifier: String,
    username: String,
    email: String,
    phone: String,
    password: String,
    terms: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ProfileBody {
    username: Option<String>,
    /// Values by field name; parts of an address or a full name as `address.locality`,
    /// `name.given_name`. Checkboxes take booleans.
    fields: serde_json::Map<String, Value>,
}

async fn give_profile(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: ProfileBody| {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(u) = b.username {
            pairs.push(("username".into(), u));
        }
        for (name, value) in b.fields {
            let text = match value {
                Value::Bool(true) => "on".to_string(),
                Value::Bool(false) | Value::Null => String::new(),
                Value::String(s) => s,
                other => other.to_string(),
            };
            pairs.push((format!("profile.{name}"), text));
        }
        profile::submit(ctx, flow, &pairs).await
    })
    .await
}

async fn identify(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: IdentifierBody| {
        sign_in::identify(ctx, flow, &b.identifier).await
    })
    .await
}

async fn sign_in_password(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: PasswordBody| {
        sign_in::password(ctx, flow, &b.identifier, &b.password).await
    })
    .await
}

async fn sign_in_code(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: IdentifierBody| {
        sign_in::send_code(ctx, flow, &b.identifier).await
    })
    .await
}

async fn register_account(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: RegisterBody| {
        let form = register::RegisterForm {
            identifier: b.identifier,
            username: b.username,
            email: b.email,
            phone: b.phone,
            confirm_password: b.password.clone(),
            new_password: b.password,
            terms: b.terms,
        };
        register::submit(ctx, flow, &form).await
    })
    .await
}

async fn verify(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: CodeBody| {
        verify_code::verify(ctx, flow, &b.code).await
    })
    .await
}

async fn resend(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, _: Empty| {
        verify_code::resend(ctx, flow).await
    })
    .await
}

async fn reset(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: IdentifierBody| {
        reset_password::start(ctx, flow, &b.identifier).await
    })
    .await
}

async fn new_password(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: NewPasswordBody| {
        reset_password::new_password(ctx, flow, &b.password, &b.password).await
    })
    .await
}

async fn agree_terms(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: TermsBody| {
        terms::agree(ctx, flow, b.agreed).await
    })
    .await
}

async fn mfa_action(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, a: mfa::Action| {
        mfa::act(ctx, flow, &a).await
    })
    .await
}

/// Answers a read of the flow: `build` gets the loaded flow (and may start a ceremony in it).
async fn read_flow(
    state: &AppState,
    req: Request,
    build: impl for<'c> AsyncFnOnce(&Ctx<'c>, &mut Flow) -> Result<Value, AppError>,
) -> Response {
    let (parts, _) = req.into_parts();
    if !web::same_origin(&parts.headers, &state.origin) {
        return cross_origin();
    }
    with_flow(state, &parts, async |ctx, flow| {
        Ok(Json(build(ctx, flow).await?).into_response())
    })
    .await
}

fn json_or_null(text: Option<String>) -> Value {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// `GET /api/experience/mfa`: the second-factor step of the flow: the factor to prove, the
/// other methods, what may be set up, a new authenticator-app secret or WebAuthn options
/// when the step needs them, and backup codes to show.
async fn mfa_state(State(s): State<AppState>, req: Request) -> Response {
    read_flow(&s, req, async |ctx, flow| {
        let Some((user, amr)) = mfa::pending(ctx.state, flow).await? else {
            return Ok(json!({ "pending": false }));
        };
        let m = flow.progress.mfa.clone();
        let names = |ks: &[crate::config::MfaFactorKind]| {
            ks.iter()
                .map(|k| mfa::factor_of(*k).name())
                .collect::<Vec<_>>()
        };
        let choices = mfa::choices(ctx, flow, &user, &amr).await?;
        let (setup, skippable) = mfa::setup_options(ctx, flow, &user, &amr).await?;
        let factor = m.factor;
        let mut body = json!({
            "pending": true,
            "passed": m.passed,
            "factor": factor.map(|k| mfa::factor_of(k).name()),
            "methods": names(&choices),
            "setup_methods": names(&setup),
            "skippable": skippable,
            "backup_codes": m.backup_codes,
            "backup_codes_left": ctx.state.db.backup_codes_left(&user.id).await?,
        });
        use crate::config::MfaFactorKind as K;
        let setting_up = mfa::setting_up(ctx, flow, &user, &amr).await?;
        if setting_up && factor == Some(K::Totp) {
            let secret = mfa::totp_secret(ctx.state, flow).await?;
            let uri = crate::mfa::totp_uri(&secret, &mfa::totp_issuer(ctx.state), &user.label());
            body["totp_setup"] = json!({ "secret": secret, "uri": uri });
        }
        let webauthn = factor == Some(K::Webauthn);
        let options = if webauthn && setting_up {
            mfa::start_registration(ctx.state, flow).await?
        } else if webauthn && choices.contains(&K::Webauthn) && !m.passed {
            mfa::start_authentication(ctx.state, flow).await?
        } else if m.passed && mfa::passkey_offer(ctx, flow, &user).await?.is_some() {
            // The passkey offer after sign-in.
            mfa::start_registration(ctx.state, flow).await?
        } else {
            None
        };
        if options.is_some() {
            body["webauthn_options"] = json_or_null(options);
        }
        Ok(body)
    })
    .await
}

/// `GET /api/experience/passkey`: WebAuthn options for signing in with a passkey alone.
async fn passkey_options(State(s): State<AppState>, req: Request) -> Response {
    read_flow(&s, req, async |ctx, flow| {
        let options = mfa::start_passkey_sign_in(ctx.state, flow).await?;
        Ok(json!({ "webauthn_options": json_or_null(options) }))
    })
    .await
}

/// `GET /api/experience/connectors`: the providers the sign-in screen offers as buttons, in
/// order, and whether single sign-on by work email is available.
async fn connectors(State(state): State<AppState>) -> Response {
    let c = &state.connectors;
    let providers: Vec<Value> = c
        .social()
        .map(|c| json!({ "id": c.id, "name": c.name, "icon": c.preset.key() }))
        .collect();
    Json(json!({ "providers": providers, "sso": c.has_enterprise() })).into_response()
}

#[derive(Deserialize)]
struct EmailQuery {
    email: String,
}

/// `GET /api/experience/sso-connectors?email=`: the single-sign-on provider of the email's
/// domain, if any (`connector` is null otherwise).
async fn sso_connectors(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<EmailQuery>,
) -> Response {
    let email: String = q.email.chars().take(320).collect();
    let found = state
        .connectors
        .for_email(email.trim())
        .map(|c| json!({ "id": c.id, "name": c.name }));
    Json(json!({ "connector": found })).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectorBody {
    connector: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    /// `create`, `sign_in` or `cancel`.
    action: String,
}

async fn federation_start(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: ConnectorBody| {
        federation::start(ctx, flow, &b.connector).await
    })
    .await
}

async fn sso_start(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: EmailBody| {
        federation::sso(ctx, flow, &b.email).await
    })
    .await
}

async fn federation_link(State(s): State<AppState>, req: Request) -> Response {
    step(&s, req, async |ctx, flow, b: LinkBody| {
        let known = matches!(b.action.as_str(), "create" | "sign_in" | "cancel");
        if !known || flow.progress.link.is_none() {
            return Ok(Err(FormErrors::form(UiError::FormExpired)));
        }
        federation::link_choice(ctx, flow, &b.action).await
    })
    .await
}

//! The authorization endpoint (`/authorize`): validates the request, starts a sign-in flow
//! (interaction) or completes at once when the browser's session suffices, and delivers the
//! response by `response_mode`.

use crate::crypto::{now, random_token, token_hash};
use crate::db::{CodeRow, SessionRow, UserRow};
use crate::error::AppError;
use crate::flow::consent;
use crate::oidc::{redirect_uri, SCOPES};
use crate::render;
use crate::state::AppState;
use crate::web::CookieName;
use app::api::{ErrorKind, ErrorState, FormPostState, Screen};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How the response reaches the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// A validated authorization request, as kept in the interaction for its whole life: it is
/// never re-read from later requests, so nothing can change it half-way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Vec<String>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub ui_locales: Option<String>,
    /// The first screen asked for (`first_screen`), already checked.
    #[serde(default)]
    pub first_screen: Option<FirstScreen>,
    /// Identifier kinds to offer (`identifier`), when the app narrowed them.
    #[serde(default)]
    pub identifier_kinds: Vec<crate::config::IdentifierKind>,
    /// Authentication levels the app asks for (`acr_values`), in its order of preference.
    #[serde(default)]
    pub acr_values: Vec<String>,
    /// `direct_sign_in`: `social:<connector>` or `sso:<connector>`, straight to that provider.
    #[serde(default)]
    pub direct_sign_in: Option<String>,
    /// `domain_hint`: an email domain (or a provider's domain) whose provider to go to.
    #[serde(default)]
    pub domain_hint: Option<String>,
    /// `one_time_token`: a sign-in link's token the application obtained (with
    /// `login_hint`, the address it must be for).
    #[serde(default)]
    pub one_time_token: Option<String>,
    /// The user flow (Azure AD B2C `p`), by its configured name.
    #[serde(default)]
    pub policy: Option<String>,
    /// What the response carries.
    #[serde(default)]
    pub response_type: ResponseType,
    /// The APIs (resource indicators) the access tokens are for.
    #[serde(default)]
    pub resources: Vec<String>,
    /// `organization_id`: the organization the user signs in for (its look, its second
    /// factor, and tokens that name it). The user must be a member.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// That organization's look, read when the request arrived.
    #[serde(default)]
    pub organization_branding: Option<crate::config::BrandingConfig>,
}

/// `response_type`: a code (the default and the only one outside user flows), an ID token
/// in the response (implicit), or both (hybrid), as Azure AD B2C apps ask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseType {
    #[default]
    Code,
    IdToken,
    CodeIdToken,
}

impl ResponseType {
    fn parse(value: &str) -> Option<ResponseType> {
        let mut parts: Vec<&str> = value.split(' ').filter(|p| !p.is_empty()).collect();
        parts.sort_unstable();
        match parts.as_slice() {
            ["code"] => Some(ResponseType::Code),
            ["id_token"] => Some(ResponseType::IdToken),
            ["code", "id_token"] => Some(ResponseType::CodeIdToken),
            _ => None,
        }
    }

    /// Whether the response carries an authorization code (and so needs PKCE from a public
    /// client).
    pub fn code(self) -> bool {
        self != ResponseType::IdToken
    }

    fn id_token(self) -> bool {
        self != ResponseType::Code
    }
}

/// The user flow of a request, if it names one.
pub fn user_flow<'s>(
    state: &'s AppState,
    req: Option<&AuthRequest>,
) -> Option<&'s crate::config::UserFlowConfig> {
    state.config.user_flow(req?.policy.as_deref()?)
}

/// The values of `first_screen` (Logto's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstScreen {
    SignIn,
    Register,
    ResetPassword,
    IdentifierSignIn,
    IdentifierRegister,
    /// The work-email screen of enterprise single sign-on.
    SingleSignOn,
}

impl FirstScreen {
    /// Reads a `first_screen` value; unknown values are ignored, as Logto does.
    pub fn parse(value: &str) -> Option<FirstScreen> {
        Some(match value {
            "sign_in" | "signIn" => FirstScreen::SignIn,
            "register" => FirstScreen::Register,
            "reset_password" => FirstScreen::ResetPassword,
            "identifier:sign_in" => FirstScreen::IdentifierSignIn,
            "identifier:register" => FirstScreen::IdentifierRegister,
            "single_sign_on" => FirstScreen::SingleSignOn,
            _ => return None,
        })
    }
}

impl AuthRequest {
    fn target(&self) -> Target {
        Target {
            redirect_uri: self.redirect_uri.clone(),
            mode: self.response_mode,
            state: self.state.clone(),
        }
    }

    /// Whether `prompt` holds `value`.
    pub fn has_prompt(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }
}

/// Where and how a response (or error) goes back to the client.
#[derive(Clone, Debug)]
pub struct Target {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

/// Why a request was refused.
#[derive(Debug)]
pub enum Rejection {
    /// Shown to the user and never redirected: the client or redirect URI cannot be trusted.
    Page(ErrorKind, Option<String>),
    /// Returned to the client's redirect URI (RFC 6749 §4.1.2.1).
    Redirect {
        target: Target,
        error: &'static str,
        description: String,
    },
}

const PROMPTS: [&str; 5] = ["none", "login", "consent", "select_account", "create"];

fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Validates the parameters of an authorization request.
pub fn parse(state: &AppState, pairs: Vec<(String, String)>) -> Result<AuthRequest, Rejection> {
    // RFC 6749 §3.1: parameters must not repeat; two readings of one request are how some
    // peers were bypassed (CVE-2026-9689). A repeated client_id or redirect_uri cannot be
    // trusted to answer to, so it gets the error page; other repeats go back to the client.
    let mut params: HashMap<String, String> = HashMap::new();
    let mut repeated: Option<String> = None;
    // `resource` is the one parameter that may repeat (RFC 8707 §2).
    let mut resources: Vec<String> = Vec::new();
    for (k, v) in pairs {
        if k == "resource" {
            if !v.is_empty() && resources.len() < 16 {
                resources.push(v);
            }
            continue;
        }
        if params.insert(k.clone(), v).is_some() {
            if k == "client_id" || k == "redirect_uri" {
                return Err(Rejection::Page(ErrorKind::DuplicateParameter, Some(k)));
            }
            repeated.get_or_insert(k);
        }
    }
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id")
        .ok_or_else(|| Rejection::Page(ErrorKind::MissingParameter, Some("client_id".into())))?;
    let client = state.client(client_id).ok_or_else(|| {
        Rejection::Page(
            ErrorKind::UnknownClient,
            Some(format!("client_id={}", truncate(client_id, 80))),
        )
    })?;
    let redirect = get("redirect_uri")
        .ok_or_else(|| Rejection::Page(ErrorKind::MissingParameter, Some("redirect_uri".into())))?;
    if !redirect_uri::matches(&client.redirect_uris, redirect) {
        return Err(Rejection::Page(ErrorKind::InvalidRedirectUri, None));
    }
    // A user flow the configuration does not have: the page names it, nothing goes back.
    let policy = match get("p") {
        Some(p) => match state.config.user_flow(p) {
            Some(f) => Some(f.name.clone()),
            None => {
                return Err(Rejection::Page(
                    ErrorKind::UnknownUserFlow,
                    Some(truncate(p, 64).to_string()),
                ))
            }
        },
        None => None,
    };
    let response_type = get("response_type").and_then(ResponseType::parse);
    // Tokens never travel in a query (OAuth 2.0 Multiple Response Types §5).
    let tokens_in_response = response_type.is_some_and(ResponseType::id_token);
    let mode = match get("response_mode") {
        None if tokens_in_response => Ok(ResponseMode::Fragment),
        None => Ok(ResponseMode::Query),
        Some("query") if tokens_in_response => Err(()),
        Some("query") => Ok(ResponseMode::Query),
        Some("fragment") => Ok(ResponseMode::Fragment),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some(_) => Err(()),
    };
    let state_param = get("state").map(String::from);
    let target = Target {
        redirect_uri: redirect.to_string(),
        mode: mode.unwrap_or(ResponseMode::Query),
        state: state_param.clone(),
    };
    let fail = |error: &'static str, description: &str| Rejection::Redirect {
        target: target.clone(),
        error,
        description: description.to_string(),
    };
    let mode = mode.map_err(|_| fail("invalid_request", "unsupported response_mode"))?;
    if let Some(k) = repeated {
        return Err(fail(
            "invalid_request",
            &format!("parameter {} is repeated", truncate(&k, 40)),
        ));
    }
    if params.contains_key("request") {
        return Err(fail(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    if params.contains_key("request_uri") {
        return Err(fail(
            "request_uri_not_supported",
            "request_uri is not supported",
        ));
    }
    let response_type = match (get("response_type"), response_type) {
        (None, _) => return Err(fail("invalid_request", "response_type is required")),
        (Some(_), Some(ResponseType::Code)) => ResponseType::Code,
        // The implicit and hybrid responses are there for Azure AD B2C's apps: user flows
        // only, and with a nonce (OpenID Connect Core §3.2.2.1).
        (Some(_), Some(t)) if policy.is_some() => {
            if get("nonce").is_none() {
                return Err(fail(
                    "invalid_request",
                    "a nonce is required when the ID token comes in the response",
                ));
            }
            t
        }
        (Some(_), _) => {
            return Err(fail(
                "unsupported_response_type",
                "response_type must be code (id_token and code id_token in user flows)",
            ))
        }
    };
    let requested: Vec<&str> = get("scope").unwrap_or_default().split(' ').collect();
    if !requested.contains(&"openid") {
        return Err(fail("invalid_scope", "scope must include openid"));
    }
    let mut scope: Vec<String> = Vec::new();
    for s in SCOPES {
        if requested.contains(&s) && client.allowed_scopes.iter().any(|a| a == s) {
            scope.push(s.to_string());
        }
    }
    // APIs: each must be configured and allowed for the client; their scopes come along
    // when the request names them.
    resources.sort();
    resources.dedup();
    for r in &resources {
        let allowed = state.config.resource(r).filter(|api| {
            client
                .allowed_resources
                .as_ref()
                .is_none_or(|ids| ids.contains(&api.id))
        });
        let Some(api) = allowed else {
            return Err(fail("invalid_target", "unknown or not allowed resource"));
        };
        for sc in &api.scopes {
            if requested.contains(&sc.name.as_str()) && !scope.contains(&sc.name) {
                scope.push(sc.name.clone());
            }
        }
    }
    if !scope.iter().any(|s| s == "openid") {
        return Err(fail("invalid_scope", "this client may not request openid"));
    }
    if state_param.as_ref().is_some_and(|s| s.len() > 2048) {
        return Err(fail("invalid_request", "state is too long"));
    }
    let nonce = get("nonce").map(String::from);
    if nonce.as_ref().is_some_and(|n| n.len() > 512) {
        return Err(fail("invalid_request", "nonce is too long"));
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method without code_challenge",
            ))
        }
        // An absent method means `plain` (RFC 7636 §4.3), which is refused like `plain`.
        (Some(_), None | Some("plain")) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256",
            ))
        }
        (Some(_), Some(m)) if m != "S256" => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256",
            ))
        }
        (Some(c), Some(_)) if !is_pkce_value(c) => {
            return Err(fail("invalid_request", "code_challenge is malformed"))
        }
        (Some(c), Some(_)) => Some(c.to_string()),
        // Only a code needs PKCE: an implicit response carries no code to protect.
        (None, None) if client.secret.is_none() && response_type.code() => {
            return Err(fail(
                "invalid_request",
                "PKCE with S256 is required for public clients",
            ))
        }
        (None, None) => None,
    };
    let prompt: Vec<String> = get("prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    if let Some(bad) = prompt.iter().find(|p| !PROMPTS.contains(&p.as_str())) {
        return Err(fail(
            "invalid_request",
            &format!("unsupported prompt value {}", truncate(bad, 40)),
        ));
    }
    if prompt.iter().any(|p| p == "none") && prompt.len() > 1 {
        return Err(fail("invalid_request", "prompt=none cannot be combined"));
    }
    let max_age =
        match get("max_age") {
            None => None,
            Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                fail("invalid_request", "max_age must be a non-negative integer")
            })?),
        };
    let login_hint = get("login_hint").map(String::from);
    if login_hint.as_ref().is_some_and(|h| h.chars().count() > 254) {
        return Err(fail("invalid_request", "login_hint is too long"));
    }
    let ui_locales = get("ui_locales").map(|s| truncate(s, 128).to_string());
    let first_screen = get("first_screen").and_then(FirstScreen::parse);
    let identifier_kinds = get("identifier")
        .unwrap_or_default()
        .split([' ', ','])
        .filter_map(|k| match k {
            "username" => Some(crate::config::IdentifierKind::Username),
            "email" => Some(crate::config::IdentifierKind::Email),
            "phone" => Some(crate::config::IdentifierKind::Phone),
            _ => None,
        })
        .collect();
    let acr_values: Vec<String> = get("acr_values")
        .map(|v| {
            v.split(' ')
                .filter(|s| !s.is_empty())
                .take(8)
                .map(|s| truncate(s, 64).to_string())
                .collect()
        })
        .unwrap_or_default();
    let direct_sign_in = get("direct_sign_in").map(|s| truncate(s, 80).to_string());
    let domain_hint = get("domain_hint").map(|s| truncate(s, 253).to_string());
    let one_time_token = get("one_time_token").map(|s| truncate(s, 128).to_string());
    let organization_id = match get("organization_id") {
        Some(o) if o.len() <= 64 && o.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Some(o.to_string())
        }
        Some(_) => return Err(fail("invalid_request", "organization_id is malformed")),
        None => None,
    };
    Ok(AuthRequest {
        organization_id,
        organization_branding: None,
        direct_sign_in,
        domain_hint,
        one_time_token,
        policy,
        response_type,
        resources,
        first_screen,
        identifier_kinds,
        acr_values,
        client_id: client_id.to_string(),
        redirect_uri: redirect.to_string(),
        response_mode: mode,
        scope,
        state: state_param,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_hint,
        ui_locales,
    })
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `GET /authorize`.
pub async fn authorize_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    handle(state, headers, pairs).await
}

/// `POST /authorize` (OpenID Connect Core §3.1.2.1: form-encoded body).
pub async fn authorize_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = url::form_urlencoded::parse(&body).into_owned().collect();
    handle(state, headers, pairs).await
}

/// Answers an authorization request given as its parameters.
pub async fn handle(state: AppState, headers: HeaderMap, pairs: Vec<(String, String)>) -> Response {
    match start(&state, &headers, pairs).await {
        Ok(response) => response,
        Err(e) => render::internal_error(&state, &headers, e),
    }
}

async fn start(
    state: &AppState,
    headers: &HeaderMap,
    pairs: Vec<(String, String)>,
) -> Result<Response, AppError> {
    // Even a request too broken to accept is answered in the language it asked for.
    let ui_locales = pairs
        .iter()
        .find(|(k, _)| k == "ui_locales")
        .map(|(_, v)| truncate(v, 128).to_string());
    let req = match parse(state, pairs) {
        Ok(req) => req,
        Err(Rejection::Page(kind, detail)) => {
            return Ok(render::page(
                state,
                headers,
                Screen::Error(ErrorState { kind, detail }),
                render::PageOptions {
                    ui_locales,
                    ..Default::default()
                },
            ));
        }
        Err(Rejection::Redirect {
            target,
            error,
            description,
        }) => {
            return Ok(respond_error(state, headers, &target, error, &description));
        }
    };
    let mut req = req;
    if let Some(id) = &req.organization_id {
        let Some(org) = state.db.organization(id).await? else {
            return Ok(respond_error(
                state,
                headers,
                &req.target(),
                "invalid_request",
                "unknown organization_id",
            ));
        };
        req.organization_branding = Some(crate::flow::organization::branding_of(&org));
    }
    let now = now();
    let session = current_session(state, headers).await?;
    // A sign-in started at an identity provider for this application (IdP-initiated SAML)
    // continues in the new flow, whatever session the browser has.
    let carried = if req.has_prompt("none") {
        None
    } else {
        let old = crate::flow::load_flow(state, headers).await?.ok();
        crate::flow::federation::idp_initiated_for(state, old.as_ref(), &req.client_id)
    };
    // `max_age=0` always asks again, even in the second the session began.
    let too_old = |s: &SessionRow| req.max_age.is_some_and(|m| now - s.auth_time >= m);
    // A sign-in link the application passes on shows its page, whatever the session.
    let session_ok = carried.is_none()
        && req.one_time_token.is_none()
        && session
            .as_ref()
            .is_some_and(|(s, _)| !req.has_prompt("login") && !too_old(s));
    // A session below the level the app asks for (`acr_values`) is stepped up: the same
    // user proves what is missing, in a new flow.
    let needs_step_up = |s: &SessionRow| {
        crate::flow::mfa::requested_level(state, Some(&req))
            .is_some_and(|l| crate::mfa::level(&s.amr) < l)
    };
    if req.has_prompt("none") {
        return Ok(match session {
            Some((s, _)) if session_ok && !needs_step_up(&s) => {
                if consent::missing(state, &req, &s.user_id).await?.is_empty() {
                    complete(state, headers, &req, &s).await?
                } else {
                    respond_error(
                        state,
                        headers,
                        &req.target(),
                        "consent_required",
                        "the user must allow this application",
                    )
                }
            }
            _ => respond_error(
                state,
                headers,
                &req.target(),
                "login_required",
                "the user must sign in",
            ),
        });
    }
    let wants_screen = req.has_prompt("create") || req.has_prompt("select_account");
    // A session that suffices, but a screen comes first: the profile a profile-editing user
    // flow edits, or the consent the user has yet to give.
    let mut screen_first = None;
    if let Some((s, _)) = &session {
        if session_ok && !wants_screen && !needs_step_up(s) {
            let editing = user_flow(state, Some(&req))
                .is_some_and(|f| f.kind == crate::config::UserFlowType::ProfileEdit);
            if editing {
                screen_first = Some((s.sid.clone(), crate::flow::profile::EDIT_SCREEN.path));
            } else if consent::missing(state, &req, &s.user_id).await?.is_empty() {
                return complete(state, headers, &req, s).await;
            } else {
                screen_first = Some((s.sid.clone(), consent::SCREEN.path));
            }
        }
    }
    let id = random_token();
    if let Some(old) = state.cookies.get(headers, CookieName::Flow) {
        state.db.delete_interaction(&token_hash(&old)).await?;
    }
    state
        .db
        .insert_interaction(
            &token_hash(&id),
            Some(&serde_json::to_string(&req)?),
            now,
            now + state.config.session.interaction_ttl_secs,
        )
        .await?;
    let cookie = state.cookies.set(CookieName::Flow, &id, None);
    if let Some((sid, path)) = screen_first {
        state
            .db
            .set_interaction_session(&token_hash(&id), &sid, None)
            .await?;
        return Ok(see_other(path, &[cookie]));
    }
    if let Some(token) = &req.one_time_token {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .finish();
        return Ok(see_other(&format!("/magic?{q}"), &[cookie]));
    }
    if let Some(held) = carried {
        let progress = crate::flow::Progress {
            idp_initiated: Some(held),
            ..Default::default()
        };
        state
            .db
            .set_progress(&token_hash(&id), Some(&serde_json::to_string(&progress)?))
            .await?;
        return Ok(see_other("/federation/continue", &[cookie]));
    }
    if let Some((s, _)) = session
        .as_ref()
        .filter(|(s, _)| session_ok && needs_step_up(s))
    {
        let progress = crate::flow::Progress {
            pending_user: Some((s.user_id.clone(), s.amr.clone())),
            ..Default::default()
        };
        state
            .db
            .set_progress(&token_hash(&id), Some(&serde_json::to_string(&progress)?))
            .await?;
        return Ok(see_other("/mfa/continue", &[cookie]));
    }
    // Straight to one provider when the app named a known one; an unknown target falls back
    // to the first screen.
    let c = &state.connectors;
    let provider = req
        .direct_sign_in
        .as_deref()
        .and_then(|d| c.for_direct_sign_in(d))
        .or_else(|| {
            req.domain_hint
                .as_deref()
                .and_then(|h| c.for_domain_hint(h))
        });
    if let Some(p) = provider {
        return Ok(see_other(&format!("/sign-in/with/{}", p.id), &[cookie]));
    }
    let screen = first_screen_path(state, &req);
    Ok(see_other(screen, &[cookie]))
}

/// The screen a new flow starts on: the user flow's, else `first_screen`, else
/// `prompt=create`, else sign-in.
fn first_screen_path(state: &AppState, req: &AuthRequest) -> &'static str {
    use crate::config::UserFlowType as T;
    let x = &state.config.experience;
    match user_flow(state, Some(req)).map(|f| f.kind) {
        Some(T::SignUp) if x.registration_enabled() => return "/register",
        Some(T::PasswordReset) if !x.forgot_password.is_empty() => return "/reset-password",
        Some(T::SignIn | T::ProfileEdit | T::SignUp | T::PasswordReset) => return "/sign-in",
        Some(T::SignUpSignIn) | None => {}
    }
    let wanted = req
        .first_screen
        .or_else(|| req.has_prompt("create").then_some(FirstScreen::Register));
    match wanted {
        Some(FirstScreen::Register | FirstScreen::IdentifierRegister)
            if x.registration_enabled() =>
        {
            "/register"
        }
        Some(FirstScreen::ResetPassword) if !x.forgot_password.is_empty() => "/reset-password",
        Some(FirstScreen::IdentifierSignIn) if x.sign_in_enabled() => "/identifier-sign-in",
        Some(FirstScreen::SingleSignOn) if state.connectors.has_enterprise() => "/sso",
        _ if !x.sign_in_enabled() => "/register",
        _ => "/sign-in",
    }
}

/// A `303 See Other` to a path of ours, with cookies.
pub fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The browser's session and its user, if signed in.
pub async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(SessionRow, UserRow)>, AppError> {
    let Some(id) = state.cookies.get(headers, CookieName::Session) else {
        return Ok(None);
    };
    let Some(session) = state.db.session(&token_hash(&id), now()).await? else {
        return Ok(None);
    };
    // A suspended account's session no longer signs anyone in.
    Ok(state
        .db
        .user_by_id(&session.user_id)
        .await?
        .filter(|user| user.suspended_at.is_none())
        .map(|user| (session, user)))
}

/// `GET /authorize/resume`: where a finished sign-in lands; issues the response to the
/// client of the flow.
pub async fn resume(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match resume_inner(&state, &headers).await {
        Ok(r) => r,
        Err(e) => render::internal_error(&state, &headers, e),
    }
}

async fn resume_inner(state: &AppState, headers: &HeaderMap) -> Result<Response, AppError> {
    let expired = || render::error_page(state, headers, ErrorKind::InteractionExpired, None);
    let Some(flow_id) = state.cookies.get(headers, CookieName::Flow) else {
        return Ok(expired());
    };
    let flow_hash = token_hash(&flow_id);
    let Some(interaction) = state.db.interaction(&flow_hash, now()).await? else {
        return Ok(expired());
    };
    let Some(req) = interaction
        .request
        .as_deref()
        .and_then(|r| serde_json::from_str::<AuthRequest>(r).ok())
    else {
        return Ok(see_other("/", &[]));
    };
    // The user said no (denied the application, or cancelled): the application hears it,
    // signed in or not.
    let progress: crate::flow::Progress = interaction
        .progress
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    if let Some(r) = &progress.refusal {
        state.db.delete_interaction(&flow_hash).await?;
        let mut response = respond_error(state, headers, &req.target(), &r.error, &r.description);
        if let Ok(v) = HeaderValue::from_str(&state.cookies.clear(CookieName::Flow)) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        return Ok(response);
    }
    let Some((session, _user)) = current_session(state, headers).await? else {
        return Ok(see_other("/sign-in", &[]));
    };
    // prompt=login and max_age are checked here again, not only at the start: the session
    // cookie may not have been sent to /authorize (a cross-site POST), and the user may open
    // this URL without signing in. Only a session signed in during this flow, or one fresh
    // enough, completes it.
    let signed_in_here = interaction.session_sid.as_deref() == Some(session.sid.as_str());
    let fresh_enough = req.max_age.is_none_or(|m| now() - session.auth_time < m);
    let level_ok = crate::flow::mfa::requested_level(state, Some(&req))
        .is_none_or(|l| crate::mfa::level(&session.amr) >= l);
    if !signed_in_here && (req.has_prompt("login") || !fresh_enough || !level_ok) {
        return Ok(see_other("/sign-in", &[]));
    }
    // The client is re-checked here, not only at the start (CVE-2026-3009 class).
    if state.client(&req.client_id).is_none() {
        return Ok(render::error_page(
            state,
            headers,
            ErrorKind::UnknownClient,
            None,
        ));
    }
    let editing = user_flow(state, Some(&req))
        .is_some_and(|f| f.kind == crate::config::UserFlowType::ProfileEdit);
    if editing && !progress.profile_edited {
        return Ok(see_other(crate::flow::profile::EDIT_SCREEN.path, &[]));
    }
    if !progress.consented
        && !consent::missing(state, &req, &session.user_id)
            .await?
            .is_empty()
    {
        return Ok(see_other(consent::SCREEN.path, &[]));
    }
    state.db.delete_interaction(&flow_hash).await?;
    let mut response = complete(state, headers, &req, &session).await?;
    if let Ok(v) = HeaderValue::from_str(&state.cookies.clear(CookieName::Flow)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Issues the response for `session` (a code, an ID token, or both) and sends it to the
/// client.
pub async fn complete(
    state: &AppState,
    headers: &HeaderMap,
    req: &AuthRequest,
    session: &SessionRow,
) -> Result<Response, AppError> {
    let now = now();
    // Tokens for an organization only for its members.
    if let Some(org) = &req.organization_id {
        if state.db.member_role(org, &session.user_id).await?.is_none() {
            return Ok(respond_error(
                state,
                headers,
                &req.target(),
                "access_denied",
                "the user is not a member of the organization",
            ));
        }
    }
    let mut params = Vec::new();
    let mut code_value = None;
    if req.response_type.code() {
        let code = random_token();
        state
            .db
            .insert_code(
                &token_hash(&code),
                &CodeRow {
                    grant_id: random_token(),
                    client_id: req.client_id.clone(),
                    user_id: session.user_id.clone(),
                    redirect_uri: req.redirect_uri.clone(),
                    scope: req.scope.join(" "),
                    nonce: req.nonce.clone(),
                    code_challenge: req.code_challenge.clone(),
                    sid: Some(session.sid.clone()),
                    auth_time: session.auth_time,
                    amr: session.amr.clone(),
                    expires_at: now + state.config.tokens.authorization_code_ttl_secs,
                    used_at: None,
                    policy: req.policy.clone(),
                    resources: (!req.resources.is_empty()).then(|| req.resources.join(" ")),
                    organization_id: req.organization_id.clone(),
                },
            )
            .await?;
        params.push(("code".into(), code.clone()));
        code_value = Some(code);
    }
    if req.response_type.id_token() {
        let (Some(client), Some(user)) = (
            state.client(&req.client_id),
            state.db.user_by_id(&session.user_id).await?,
        ) else {
            return Ok(render::error_page(
                state,
                headers,
                ErrorKind::UnknownClient,
                None,
            ));
        };
        let scopes: Vec<&str> = req.scope.iter().map(String::as_str).collect();
        let token = crate::oidc::token::id_token(
            state,
            client,
            &user,
            &crate::oidc::token::IdTokenFacts {
                sid: Some(&session.sid),
                auth_time: session.auth_time,
                amr: &session.amr,
                nonce: req.nonce.as_deref(),
                scopes: &scopes,
                hashes: code_value
                    .iter()
                    .map(|c| ("c_hash", crate::keys::half_hash(c)))
                    .collect(),
                policy: req.policy.as_deref(),
                extra: crate::flow::organization::claims(
                    state,
                    &req.client_id,
                    &session.user_id,
                    &scopes,
                    req.organization_id.as_deref(),
                )
                .await?,
            },
        )?;
        params.push(("id_token".into(), token));
    }
    Ok(respond(state, headers, &req.target(), params))
}

fn respond_error(
    state: &AppState,
    headers: &HeaderMap,
    target: &Target,
    error: &str,
    description: &str,
) -> Response {
    respond(
        state,
        headers,
        target,
        vec![
            ("error".into(), error.into()),
            ("error_description".into(), description.into()),
        ],
    )
}

/// Delivers response parameters to the client by its response mode; adds `state` and `iss`
/// (RFC 9207, against mix-up attacks).
fn respond(
    state: &AppState,
    headers: &HeaderMap,
    target: &Target,
    mut params: Vec<(String, String)>,
) -> Response {
    if let Some(s) = &target.state {
        params.push(("state".into(), s.clone()));
    }
    params.push(("iss".into(), state.issuer.clone()));
    let encoded = || {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish()
    };
    let location = match target.mode {
        ResponseMode::FormPost => {
            return render::page(
                state,
                headers,
                Screen::FormPost(FormPostState {
                    action: target.redirect_uri.clone(),
                    fields: params,
                }),
                render::PageOptions {
                    form_target: Some(target.redirect_uri.clone()),
                    ..Default::default()
                },
            );
        }
        ResponseMode::Query => {
            let sep = if target.redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            format!("{}{sep}{}", target.redirect_uri, encoded())
        }
        ResponseMode::Fragment => format!("{}#{}", target.redirect_uri, encoded()),
    };
    let mut response = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            response.headers_mut().insert(header::LOCATION, v);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => render::error_page(state, headers, ErrorKind::InvalidRedirectUri, None),
    }
}

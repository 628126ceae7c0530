//! The GET side of every screen: load the flow state, build the screen's state, render.

use crate::error::AppError;
use crate::flow::{self, client_info, ensure_flow};
use crate::oidc::authorize::{current_session, see_other};
use crate::render::{self, PageOptions};
use crate::state::AppState;
use crate::web::{local_path, CookieName};
use app::api::{ErrorKind, HomeState, RegisterState, Screen, SignInState, SignOutState};
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
            Screen::Home(HomeState { signed_in_as: who }),
            PageOptions::default(),
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// `GET /sign-in`.
pub async fn sign_in(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let (flow, cookies) = ensure_flow(&state, &headers).await?;
        let request = flow.request.as_ref();
        let memory = flow.memory_for(flow::sign_in::SCREEN);
        let identifier = match &memory {
            Some(m) => m.identifier.clone(),
            None => request
                .and_then(|r| r.login_hint.clone())
                .unwrap_or_default(),
        };
        let screen = Screen::SignIn(SignInState {
            client: client_info(&state, request),
            identifier,
            errors: memory.map(|m| m.errors).unwrap_or_default(),
            registration_enabled: state.config.ui.registration_enabled,
        });
        Ok(render::page(
            &state,
            &headers,
            screen,
            PageOptions {
                form_target: request.map(|r| r.redirect_uri.clone()),
                ui_locales: request.and_then(|r| r.ui_locales.clone()),
                set_cookies: cookies,
                path: Some("/sign-in".into()),
            },
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

/// `GET /register`.
pub async fn register(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.config.ui.registration_enabled {
        return see_other("/sign-in", &[]);
    }
    let r = async {
        let (flow, cookies) = ensure_flow(&state, &headers).await?;
        let request = flow.request.as_ref();
        let memory = flow.memory_for(flow::register::SCREEN).unwrap_or_default();
        let screen = Screen::Register(RegisterState {
            client: client_info(&state, request),
            username: memory.username,
            email: memory.email,
            errors: memory.errors,
        });
        Ok(render::page(
            &state,
            &headers,
            screen,
            PageOptions {
                form_target: request.map(|r| r.redirect_uri.clone()),
                ui_locales: request.and_then(|r| r.ui_locales.clone()),
                set_cookies: cookies,
                path: Some("/register".into()),
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
        }),
        PageOptions {
            path: Some("/sign-out".into()),
            ..Default::default()
        },
    )
}

/// `GET /sign-out/done`.
pub async fn signed_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReturnTo>,
) -> Response {
    let return_to = q.return_to.as_deref().and_then(local_path);
    render::page(
        &state,
        &headers,
        Screen::SignOut(SignOutState {
            done: true,
            return_to,
        }),
        PageOptions::default(),
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

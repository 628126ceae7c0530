//! Renders a screen to a complete HTML response: negotiates the language, binds the
//! anti-forgery token to the browser, sets the security headers.

use crate::crypto::random_token;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{self, CookieName};
use app::api::{ErrorKind, ErrorState, Page, PageEnv, Screen};
use app::i18n::Locale;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hydration_context::SsrSharedContext;
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use std::sync::Arc;

/// Extra facts for one page render.
#[derive(Default)]
pub struct PageOptions {
    /// The client redirect URI the page's forms may lead to (CSP `form-action`).
    pub form_target: Option<String>,
    /// `ui_locales` of the authorization request behind the page.
    pub ui_locales: Option<String>,
    /// Cookies to set with the page.
    pub set_cookies: Vec<String>,
    /// The page's own path, for the language picker to return to.
    pub path: Option<String>,
    /// The application the page is for (its branding applies).
    pub client_id: Option<String>,
    /// Pages the page loads in frames (front-channel logout; CSP `frame-src`).
    pub frames: Vec<String>,
    /// The user flow (Azure AD B2C `p`) the page belongs to: its look and languages apply.
    pub user_flow: Option<String>,
    /// The look of the organization the sign-in is for (over the application's).
    pub organization: Option<crate::config::BrandingConfig>,
}

/// The language of a request: the picker's cookie, then `ui_locales`, then
/// `Accept-Language`, then the configured default.
pub fn locale(state: &AppState, headers: &HeaderMap, ui_locales: Option<&str>) -> Locale {
    if let Some(l) = state
        .cookies
        .get(headers, CookieName::Lang)
        .and_then(|tag| Locale::from_tag(&tag))
    {
        return l;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Locale::negotiate(ui_locales, accept, state.default_locale)
}

/// `locale`, kept to the languages of user flow `flow` when it restricts them.
pub fn within_flow(state: &AppState, flow: Option<&str>, locale: Locale) -> Locale {
    let allowed = flow
        .and_then(|f| state.config.user_flow(f))
        .and_then(|f| f.locales())
        .unwrap_or_default();
    if allowed.is_empty() || allowed.contains(&locale) {
        locale
    } else {
        allowed[0]
    }
}

/// Renders `screen` as a full page.
pub fn page(state: &AppState, headers: &HeaderMap, screen: Screen, opts: PageOptions) -> Response {
    let mut cookies = opts.set_cookies;
    let secret = match state.cookies.get(headers, CookieName::Csrf) {
        Some(s) => s,
        None => {
            let s = random_token();
            cookies.push(state.cookies.set(CookieName::Csrf, &s, None));
            s
        }
    };
    let flow = opts
        .user_flow
        .as_deref()
        .and_then(|f| state.config.user_flow(f));
    let page = Page {
        env: PageEnv {
            locale: within_flow(
                state,
                opts.user_flow.as_deref(),
                locale(state, headers, opts.ui_locales.as_deref()),
            ),
            csrf: web::csrf_token(&state.csrf_key, &secret),
            path: opts.path.unwrap_or_else(|| "/".into()),
            branding: match &opts.organization {
                Some(org) => {
                    crate::branding::for_organization(&state.config, opts.client_id.as_deref(), org)
                }
                None => state
                    .brands
                    .for_page(opts.client_id.as_deref(), flow.map(|f| f.name.as_str())),
            },
            pending: false,
            user_flow: flow.is_some(),
            languages: flow.and_then(|f| f.locales()).unwrap_or_default(),
        },
        screen,
    };
    let status = StatusCode::from_u16(page.screen.status()).unwrap_or(StatusCode::OK);
    let nonce = random_token();
    let html = to_html(state.leptos.clone(), page, &nonce);
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // A form may end at the app (its redirect URI) or, for addresses of a single-sign-on
    // domain, at the organization's identity provider.
    let mut targets: Vec<String> = opts.form_target.into_iter().collect();
    targets.extend(state.connectors.form_targets());
    web::page_headers(h, &nonce, state.config.https(), &targets, &opts.frames);
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Server-renders a page to a string, the way leptos_axum does for its routes.
pub fn to_html(options: LeptosOptions, page: Page, nonce: &str) -> String {
    let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
    owner.with(|| {
        provide_context(Nonce::from_value(nonce.to_string()));
        app::shell(options, page).to_html()
    })
}

/// The error page.
pub fn error_page(
    state: &AppState,
    headers: &HeaderMap,
    kind: ErrorKind,
    detail: Option<String>,
) -> Response {
    page(
        state,
        headers,
        Screen::Error(ErrorState { kind, detail }),
        PageOptions::default(),
    )
}

/// Logs an internal failure and shows the generic error page.
pub fn internal_error(state: &AppState, headers: &HeaderMap, e: AppError) -> Response {
    if e.is_busy() {
        tracing::warn!(error = %e, "overloaded");
        return crate::error::busy(error_page(state, headers, ErrorKind::Internal, None));
    }
    tracing::error!(error = %e, "internal error");
    error_page(state, headers, ErrorKind::Internal, None)
}

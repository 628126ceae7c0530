//! RP-initiated logout (`/logout`, the `end_session_endpoint`): an application asks Sesame to
//! sign the user out. With a valid `id_token_hint` for the browser's session the user is
//! signed out at once; otherwise a confirmation page asks first, so that a link alone cannot
//! sign anyone out. The browser returns only to a `post_logout_redirect_uri` registered for
//! the application, compared as redirect URIs are (exact strings; any port on loopback),
//! with the request's `state`.

use crate::error::AppError;
use crate::flow::{csrf_ok, form_pairs, pair, sign_out};
use crate::oidc::authorize::see_other;
use crate::render::{self, PageOptions};
use crate::state::AppState;
use app::api::{ClientInfo, LogoutRequest, Screen, SignOutState};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

/// The parameters of a logout request.
#[derive(Default)]
struct Params {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    ui_locales: Option<String>,
}

fn params(pairs: &[(String, String)]) -> Params {
    let get = |k: &str| {
        let v = pair(pairs, k);
        (!v.is_empty()).then(|| v.chars().take(4096).collect::<String>())
    };
    Params {
        id_token_hint: get("id_token_hint"),
        client_id: get("client_id"),
        post_logout_redirect_uri: get("post_logout_redirect_uri"),
        state: get("state"),
        ui_locales: get("ui_locales"),
    }
}

/// The claims of an ID token Sesame issued, expired or not (it is a hint about who the
/// application had signed in, not a credential).
fn hint_claims(state: &AppState, token: &str) -> Option<serde_json::Map<String, Value>> {
    let claims = state.keys.verify(token).ok()?;
    (claims.get("iss").and_then(Value::as_str) == Some(state.issuer.as_str())).then_some(claims)
}

/// Checks the request: the application (from the hint's audience, or `client_id`, which
/// must agree) and its registered redirect URI. A foreign URI is dropped, never followed.
fn check(
    state: &AppState,
    p: &Params,
) -> (
    Option<serde_json::Map<String, Value>>,
    Option<LogoutRequest>,
) {
    let hint = p
        .id_token_hint
        .as_deref()
        .and_then(|t| hint_claims(state, t));
    let audience = hint
        .as_ref()
        .and_then(|c| c.get("aud"))
        .and_then(|a| match a {
            Value::String(s) => Some(s.clone()),
            Value::Array(v) if v.len() == 1 => v[0].as_str().map(String::from),
            _ => None,
        });
    let client_id = match (&audience, &p.client_id) {
        (Some(a), Some(c)) if a != c => return (None, None),
        (Some(a), _) => a.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => return (hint, None),
    };
    let Some(client) = state.client(&client_id) else {
        return (None, None);
    };
    let redirect = p
        .post_logout_redirect_uri
        .clone()
        .filter(|u| crate::oidc::redirect_uri::matches(&client.post_logout_redirect_uris, u));
    if p.post_logout_redirect_uri.is_some() && redirect.is_none() {
        tracing::warn!(client = %client.id, "logout request with an unregistered post_logout_redirect_uri");
    }
    (
        hint,
        Some(LogoutRequest {
            client_id: client.id.clone(),
            post_logout_redirect_uri: redirect,
            state: p.state.clone(),
        }),
    )
}

/// The way back to the application: its redirect URI with `state`.
fn continue_to(req: Option<&LogoutRequest>) -> Option<String> {
    let req = req?;
    let uri = req.post_logout_redirect_uri.as_deref()?;
    let mut url = url::Url::parse(uri).ok()?;
    if let Some(s) = &req.state {
        url.query_pairs_mut().append_pair("state", s);
    }
    Some(url.to_string())
}

/// `GET` and `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    pairs.extend(url::form_urlencoded::parse(&body).into_owned());
    match handle(&state, &headers, params(&pairs)).await {
        Ok(r) => r,
        Err(e) => render::internal_error(&state, &headers, e),
    }
}

async fn handle(state: &AppState, headers: &HeaderMap, p: Params) -> Result<Response, AppError> {
    let (hint, req) = check(state, &p);
    let session = sign_out::browser_session(state, headers).await?;
    // The application proved which session it means: no need to ask.
    let hinted = |s: &crate::db::SessionRow| {
        hint.as_ref().is_some_and(|c| {
            c.get("sid").and_then(Value::as_str) == Some(s.sid.as_str())
                || (c.get("sid").is_none()
                    && c.get("sub").and_then(Value::as_str) == Some(s.user_id.as_str()))
        })
    };
    match &session {
        Some(s) if hinted(s) => {
            let done =
                sign_out::sign_out_browser(state, headers, continue_to(req.as_ref()), true).await?;
            return Ok(crate::flow::redirect(Ok(done)));
        }
        // Nothing to end: back to the application, if it may be.
        None => {
            let to = continue_to(req.as_ref()).unwrap_or_else(|| "/sign-out/done".into());
            return Ok(see_other(&to, &[]));
        }
        _ => {}
    }
    let client = req
        .as_ref()
        .and_then(|r| state.client(&r.client_id))
        .map(|c| ClientInfo {
            name: c.name.clone().unwrap_or_else(|| c.id.clone()),
            logo_uri: c.logo_uri.clone(),
        });
    Ok(render::page(
        state,
        headers,
        Screen::SignOut(SignOutState {
            done: false,
            return_to: None,
            client,
            logout: Some(req.unwrap_or_default()),
            frames: Vec::new(),
        }),
        PageOptions {
            ui_locales: p.ui_locales,
            path: Some("/logout".into()),
            ..Default::default()
        },
    ))
}

/// `POST /flow/logout`: the confirmation of an application's logout request. The redirect
/// URI is checked against the registration again; only then is it followed.
pub async fn confirm(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let pairs = form_pairs(&state, body).await;
    let r = async {
        if !csrf_ok(&state, &parts, pair(&pairs, "csrf")) {
            return Ok(crate::flow::go("/logout", Vec::new()));
        }
        let p = params(&pairs);
        let (_, checked) = check(
            &state,
            &Params {
                id_token_hint: None,
                ..p
            },
        );
        sign_out::sign_out_browser(&state, &parts.headers, continue_to(checked.as_ref()), true)
            .await
    }
    .await;
    crate::flow::redirect(r)
}

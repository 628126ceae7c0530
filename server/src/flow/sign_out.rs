//! Signing out: the browser's Sesame session ends, with the tokens bound to it, and every
//! application that was signed in with it hears so: by a logout token POSTed to its
//! back-channel URI (in the background, retried, so a receiver that is down does not hold up
//! the user), and by its front-channel page, which the signed-out page loads in a hidden frame.

use super::{csrf_ok, go};
use crate::crypto::{b64, b64_decode, ct_eq, mac, now, random_token, token_hash};
use crate::db::SessionRow;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{local_path, CookieName};
use app::port::Submitted;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// The event a logout token carries (OpenID Connect Back-Channel Logout 1.0 §2.4).
const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Seconds a logout token is valid: long enough to cross the network, short against replay.
const LOGOUT_TOKEN_TTL: i64 = 120;
/// Waits before each delivery attempt of a logout token.
const DELIVERY_BACKOFF: [u64; 3] = [0, 2, 10];

/// What the signed-out page still does in the browser: load the front-channel pages of the
/// applications of the ended session, then offer the way on. Sealed with Sesame's key when
/// it travels in a URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    pub sid: String,
    /// Applications with a front-channel logout URI that were signed in with the session.
    pub frontchannel: Vec<String>,
    /// Where "Continue" leads: a checked `post_logout_redirect_uri` (with `state`), or a
    /// local path.
    pub continue_to: Option<String>,
}

impl Ended {
    /// The value of the signed-out page's `t` parameter.
    pub fn seal(&self, state: &AppState) -> String {
        let body = b64(serde_json::to_string(self).unwrap_or_default().as_bytes());
        let tag = mac(&state.csrf_key, &format!("signed-out\n{body}"));
        format!("{body}.{tag}")
    }

    /// Reads a sealed value; `None` when it was not made by Sesame.
    pub fn open(state: &AppState, sealed: &str) -> Option<Ended> {
        let (body, tag) = sealed.split_once('.')?;
        if !ct_eq(tag, &mac(&state.csrf_key, &format!("signed-out\n{body}"))) {
            return None;
        }
        serde_json::from_slice(&b64_decode(body)?).ok()
    }

    /// The signed-out page for this outcome; with `direct`, the way on at once when the
    /// page has nothing to do in the browser (an application's logout request).
    pub fn next(&self, state: &AppState, direct: bool) -> String {
        if self.frontchannel.is_empty() {
            match &self.continue_to {
                Some(to) if direct => return to.clone(),
                Some(to) if to.starts_with('/') => {
                    let q = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("return_to", to)
                        .finish();
                    return format!("/sign-out/done?{q}");
                }
                None => return "/sign-out/done".into(),
                Some(_) => {}
            }
        }
        format!("/sign-out/done?t={}", self.seal(state))
    }
}

/// Ends session `session` everywhere: the row, its session-bound tokens, and the
/// applications' own sessions (back-channel now, front-channel by the returned `Ended`).
pub async fn end_session(
    state: &AppState,
    session: &SessionRow,
    continue_to: Option<String>,
) -> Result<Ended, AppError> {
    let now = now();
    state.db.delete_session_by_sid(&session.sid).await?;
    let revoked = state.db.revoke_session_tokens(&session.sid, now).await?;
    let clients = state.db.clients_of_session(&session.sid).await?;
    tracing::info!(user = %session.user_id, sid = %session.sid, tokens = revoked, clients = clients.len(), "signed out");
    let mut frontchannel = Vec::new();
    for id in &clients {
        let Some(client) = state.client(id) else {
            continue;
        };
        if let Some(uri) = &client.backchannel_logout_uri {
            match logout_token(
                state,
                &client.id,
                &client.id_token_signed_response_alg,
                session,
            ) {
                Ok(token) => deliver(state.http.clone(), uri.clone(), client.id.clone(), token),
                Err(e) => {
                    tracing::error!(client = %client.id, error = %e, "logout token not signed")
                }
            }
        }
        if client.frontchannel_logout_uri.is_some() {
            frontchannel.push(client.id.clone());
        }
    }
    Ok(Ended {
        sid: session.sid.clone(),
        frontchannel,
        continue_to,
    })
}

/// A logout token for `client_id`: `iss`, `aud`, `iat`, a short `exp`, `jti`, `sub`, `sid`,
/// the back-channel logout event, and never a `nonce`; typed `logout+jwt`.
pub fn logout_token(
    state: &AppState,
    client_id: &str,
    alg: &str,
    session: &SessionRow,
) -> Result<String, crate::keys::KeyError> {
    let now = now();
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(state.issuer));
    claims.insert("aud".into(), json!(client_id));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + LOGOUT_TOKEN_TTL));
    claims.insert("jti".into(), json!(random_token()));
    claims.insert("sub".into(), json!(session.user_id));
    claims.insert("sid".into(), json!(session.sid));
    claims.insert(
        "events".into(),
        json!({ BACKCHANNEL_EVENT: Value::Object(Map::new()) }),
    );
    state.keys.sign(alg, "logout+jwt", claims)
}

/// POSTs `token` to `uri` in the background: a few attempts, a short timeout each.
fn deliver(http: crate::outbound::Outbound, uri: String, client: String, token: String) {
    tokio::spawn(async move {
        for (attempt, wait) in DELIVERY_BACKOFF.iter().enumerate() {
            tokio::time::sleep(Duration::from_secs(*wait)).await;
            let request = http
                .post(&uri)
                .timeout(Duration::from_secs(5))
                .form(&[("logout_token", token.as_str())]);
            match http.deliver(request).await {
                Ok(status) if status.is_success() => {
                    tracing::info!(%client, attempt, "back-channel logout delivered");
                    return;
                }
                Ok(status) => {
                    tracing::warn!(%client, attempt, %status, "back-channel logout refused")
                }
                Err(e) => {
                    tracing::warn!(%client, attempt, error = %e, "back-channel logout failed")
                }
            }
        }
        tracing::error!(%client, "back-channel logout not delivered; giving up");
    });
}

/// The front-channel pages of `ended` to load in hidden frames, with `iss` and `sid`, as
/// (application name, URL).
pub fn frontchannel_frames(state: &AppState, ended: &Ended) -> Vec<(String, String)> {
    ended
        .frontchannel
        .iter()
        .filter_map(|id| state.client(id))
        .filter_map(|c| {
            let mut url = url::Url::parse(c.frontchannel_logout_uri.as_deref()?).ok()?;
            url.query_pairs_mut()
                .append_pair("iss", &state.issuer)
                .append_pair("sid", &ended.sid);
            Some((
                c.name.clone().unwrap_or_else(|| c.id.clone()),
                url.to_string(),
            ))
        })
        .collect()
}

/// The browser's session, if it has a live one.
pub async fn browser_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SessionRow>, AppError> {
    let Some(id) = state.cookies.get(headers, CookieName::Session) else {
        return Ok(None);
    };
    Ok(state.db.session(&token_hash(&id), now()).await?)
}

/// Ends the browser's session, if any, and answers where to go (the signed-out page, or
/// with `direct` `continue_to` at once), clearing the session cookie.
pub async fn sign_out_browser(
    state: &AppState,
    headers: &HeaderMap,
    continue_to: Option<String>,
    direct: bool,
) -> Result<Submitted, AppError> {
    let ended = match browser_session(state, headers).await? {
        Some(session) => end_session(state, &session, continue_to).await?,
        None => Ended {
            continue_to,
            ..Default::default()
        },
    };
    Ok(go(
        ended.next(state, direct),
        vec![state.cookies.clear(CookieName::Session)],
    ))
}

/// Handles Sesame's own sign-out confirmation (`/sign-out`, for a local path to return to).
pub async fn submit(
    state: &AppState,
    parts: &Parts,
    csrf: &str,
    return_to: Option<String>,
) -> Result<Submitted, AppError> {
    let return_to = return_to.as_deref().and_then(local_path);
    if !csrf_ok(state, parts, csrf) {
        let back = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("return_to", return_to.as_deref().unwrap_or("/"))
            .finish();
        return Ok(go(format!("/sign-out?{back}"), Vec::new()));
    }
    sign_out_browser(
        state,
        &parts.headers,
        Some(return_to.unwrap_or_else(|| "/".into())),
        false,
    )
    .await
}

//! The demo relying party at `/demo`: a confidential OpenID Connect client that happens to
//! be served by the same binary. It talks to Sesame only over HTTP, like any other client:
//! authorization code with PKCE, state and nonce, the token endpoint with
//! `client_secret_basic`, ID token verification against the JWKS, then userinfo.

use crate::config::DEMO_CLIENT_ID;
use crate::crypto::{self, now, random_token, token_hash};
use crate::db::DemoRow;
use crate::error::AppError;
use crate::oidc::authorize::see_other;
use crate::render::{self, PageOptions};
use crate::state::AppState;
use crate::web::{self, CookieName};
use app::api::{DemoState, Screen};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use josekit::jwk::Jwk;
use josekit::jws::{JwsVerifier, ES256, RS256};
use serde::Deserialize;
use serde_json::Value;

const DEMO_TTL: i64 = 3600;

/// Why the demo's sign-in did not complete; shown on the demo page.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the state parameter does not match")]
    State,
    #[error("the response came from another issuer")]
    Issuer,
    #[error("the token endpoint answered {0}")]
    Token(String),
    #[error("the ID token is invalid: {0}")]
    IdToken(String),
    #[error("the authorization server answered: {0}")]
    Authorization(String),
    #[error(transparent)]
    Internal(#[from] AppError),
}

fn redirect_uri(state: &AppState) -> String {
    state.url("/demo/callback")
}

async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, DemoRow)>, AppError> {
    let Some(id) = state.cookies.get(headers, CookieName::Demo) else {
        return Ok(None);
    };
    let hash = token_hash(&id);
    Ok(state.db.demo(&hash, now()).await?.map(|row| (hash, row)))
}

/// `GET /demo`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let row = match current(&state, &headers).await {
        Ok(row) => row.map(|(_, r)| r).unwrap_or_default(),
        Err(e) => return render::internal_error(&state, &headers, e),
    };
    let screen = Screen::Demo(DemoState {
        id_token_claims: row.id_token_claims,
        userinfo: row.userinfo,
        subject_label: row.subject,
        error: row.error,
    });
    render::page(
        &state,
        &headers,
        screen,
        PageOptions {
            path: Some("/demo".into()),
            ..Default::default()
        },
    )
}

/// The demo's forms.
#[derive(Deserialize)]
pub struct DemoForm {
    csrf: Option<String>,
    prompt: Option<String>,
}

fn csrf_ok(state: &AppState, headers: &HeaderMap, token: Option<&str>) -> bool {
    web::csrf_ok(
        &state.csrf_key,
        &state.cookies,
        headers,
        &Method::POST,
        &state.origin,
        token.unwrap_or_default(),
    )
}

/// `POST /demo/start`: begins an authorization request.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<DemoForm>,
) -> Response {
    if !csrf_ok(&state, &headers, form.csrf.as_deref()) {
        return see_other("/demo", &[]);
    }
    begin(&state, &headers, form.prompt.as_deref() == Some("login")).await
}

/// `GET /demo/start?iss=…`: the demo's login initiation URI (OpenID Connect Core §4), where
/// a sign-in started elsewhere (at an identity provider) sends the browser. Only Sesame
/// may ask it to start; anything else just shows the demo.
#[derive(Deserialize)]
pub struct Initiate {
    iss: Option<String>,
}

/// Starts the sign-in a third party asked for.
pub async fn initiate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Initiate>,
) -> Response {
    if q.iss.as_deref() != Some(state.issuer.as_str()) {
        return see_other("/demo", &[]);
    }
    begin(&state, &headers, false).await
}

/// A new authorization request: state, nonce and PKCE kept in the demo's own session.
async fn begin(state: &AppState, headers: &HeaderMap, login: bool) -> Response {
    let id = random_token();
    let verifier = random_token();
    let row = DemoRow {
        state: Some(random_token()),
        nonce: Some(random_token()),
        code_verifier: Some(verifier.clone()),
        ..Default::default()
    };
    let now = now();
    if let Err(e) = state
        .db
        .put_demo(&token_hash(&id), &row, now, now + DEMO_TTL)
        .await
    {
        return render::internal_error(state, headers, e.into());
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", DEMO_CLIENT_ID)
        .append_pair("redirect_uri", &redirect_uri(state))
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email offline_access")
        .append_pair("state", row.state.as_deref().unwrap_or_default())
        .append_pair("nonce", row.nonce.as_deref().unwrap_or_default())
        .append_pair("code_challenge", &crypto::sha256_b64(verifier.as_bytes()))
        .append_pair("code_challenge_method", "S256");
    if login {
        query.append_pair("prompt", "login");
    }
    let cookie = state.cookies.set(CookieName::Demo, &id, Some(DEMO_TTL));
    see_other(&format!("/authorize?{}", query.finish()), &[cookie])
}

/// The parameters of the authorization response.
#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /demo/callback`: redeems the code and keeps what it got.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Response {
    let (hash, mut row) = match current(&state, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return see_other("/demo", &[]),
        Err(e) => return render::internal_error(&state, &headers, e),
    };
    let outcome = redeem(&state, &row, &cb).await;
    row = match outcome {
        Ok(done) => done,
        Err(DemoError::Internal(e)) => return render::internal_error(&state, &headers, e),
        // The one-time values (state, nonce, verifier) are dropped either way.
        Err(e) => DemoRow {
            error: Some(e.to_string()),
            ..Default::default()
        },
    };
    let now = now();
    if let Err(e) = state.db.put_demo(&hash, &row, now, now + DEMO_TTL).await {
        return render::internal_error(&state, &headers, e.into());
    }
    see_other("/demo", &[])
}

async fn redeem(state: &AppState, row: &DemoRow, cb: &Callback) -> Result<DemoRow, DemoError> {
    let expected_state = row.state.as_deref().unwrap_or_default();
    if expected_state.is_empty()
        || !crypto::ct_eq(cb.state.as_deref().unwrap_or_default(), expected_state)
    {
        return Err(DemoError::State);
    }
    if cb.iss.as_deref() != Some(state.issuer.as_str()) {
        return Err(DemoError::Issuer);
    }
    if let Some(error) = &cb.error {
        let detail = cb.error_description.as_deref().unwrap_or_default();
        return Err(DemoError::Authorization(
            format!("{error} {detail}").trim().to_string(),
        ));
    }
    let code = cb
        .code
        .as_deref()
        .ok_or(DemoError::Authorization("no code".into()))?;
    let base = state.config.demo_backchannel();
    let http = &state.demo_http;
    let token: Value = {
        let response = http
            .post(format!("{base}/token"))
            .basic_auth(DEMO_CLIENT_ID, Some(&state.demo_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &redirect_uri(state)),
                (
                    "code_verifier",
                    row.code_verifier.as_deref().unwrap_or_default(),
                ),
            ])
            .send()
            .await
            .map_err(AppError::from)?;
        let status = response.status();
        let body: Value = response.json().await.map_err(AppError::from)?;
        if !status.is_success() {
            return Err(DemoError::Token(format!("{status}: {}", body["error"])));
        }
        body
    };
    let id_token = token["id_token"]
        .as_str()
        .ok_or(DemoError::IdToken("missing".into()))?;
    let jwks: Value = http
        .get(format!("{base}/jwks"))
        .send()
        .await
        .map_err(AppError::from)?
        .json()
        .await
        .map_err(AppError::from)?;
    let claims = verify_id_token(state, id_token, &jwks, row.nonce.as_deref())?;
    let access = token["access_token"].as_str().unwrap_or_default();
    let userinfo: Value = http
        .get(format!("{base}/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .map_err(AppError::from)?
        .json()
        .await
        .map_err(AppError::from)?;
    let subject = userinfo["preferred_username"]
        .as_str()
        .or(userinfo["email"].as_str())
        .or(claims["sub"].as_str())
        .map(String::from);
    Ok(DemoRow {
        id_token_claims: Some(serde_json::to_string_pretty(&claims).map_err(AppError::from)?),
        userinfo: Some(serde_json::to_string_pretty(&userinfo).map_err(AppError::from)?),
        subject,
        ..Default::default()
    })
}

/// Verifies signature, issuer, audience, expiry and nonce of an ID token.
fn verify_id_token(
    state: &AppState,
    token: &str,
    jwks: &Value,
    nonce: Option<&str>,
) -> Result<Value, DemoError> {
    let bad = |m: &str| DemoError::IdToken(m.to_string());
    let header = josekit::jwt::decode_header(token).map_err(|e| bad(&e.to_string()))?;
    let kid = header
        .claim("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no kid"))?;
    let alg = header
        .claim("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no alg"))?;
    let key = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid))
        .and_then(|k| k.as_object().cloned())
        .ok_or_else(|| bad("unknown kid"))?;
    let jwk = Jwk::from_map(key).map_err(|e| bad(&e.to_string()))?;
    let verifier: Box<dyn JwsVerifier> = match alg {
        "ES256" => Box::new(
            ES256
                .verifier_from_jwk(&jwk)
                .map_err(|e| bad(&e.to_string()))?,
        ),
        "RS256" => Box::new(
            RS256
                .verifier_from_jwk(&jwk)
                .map_err(|e| bad(&e.to_string()))?,
        ),
        _ => return Err(bad("unexpected alg")),
    };
    let (payload, _) = josekit::jwt::decode_with_verifier(token, verifier.as_ref())
        .map_err(|e| bad(&e.to_string()))?;
    let claims = Value::Object(payload.as_ref().clone());
    if claims["iss"] != state.issuer.as_str() {
        return Err(bad("wrong issuer"));
    }
    if claims["aud"] != DEMO_CLIENT_ID {
        return Err(bad("wrong audience"));
    }
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now()) {
        return Err(bad("expired"));
    }
    match (nonce, claims["nonce"].as_str()) {
        (Some(expected), Some(got)) if crypto::ct_eq(expected, got) => Ok(claims),
        _ => Err(bad("nonce does not match")),
    }
}

/// `POST /demo/sign-out`: forgets the demo's session, then offers to sign out of Sesame too.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<DemoForm>,
) -> Response {
    if !csrf_ok(&state, &headers, form.csrf.as_deref()) {
        return see_other("/demo", &[]);
    }
    if let Ok(Some((hash, _))) = current(&state, &headers).await {
        if let Err(e) = state.db.delete_demo(&hash).await {
            return render::internal_error(&state, &headers, e.into());
        }
    }
    see_other(
        "/sign-out?return_to=%2Fdemo",
        &[state.cookies.clear(CookieName::Demo)],
    )
}

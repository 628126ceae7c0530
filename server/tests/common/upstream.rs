//! An upstream OpenID provider run here on loopback, one that can misbehave on purpose (ID
//! tokens without the nonce, from another issuer, for another audience, signed with an
//! unknown key), and a Sesame with connectors to it.

use super::{query_param, urlencode, Answer, TestServer};
use axum::extract::{Form, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, RS256};
use josekit::jwt::{self, JwtPayload};
use server::federation::ConnectorConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How the fake provider answers the next token request.
#[derive(Clone, Default)]
pub struct Scenario {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// Leave the nonce out of the ID token.
    pub omit_nonce: bool,
    pub nonce: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// Sign with a key the provider does not publish.
    pub foreign_key: bool,
    pub amr: Option<Vec<String>>,
}

pub struct Upstream {
    pub issuer: String,
    pub key: Jwk,
    pub kid: Mutex<String>,
    /// code → (scenario, the nonce of its request)
    pub codes: Mutex<HashMap<String, (Scenario, String)>>,
    /// access token → userinfo
    pub tokens: Mutex<HashMap<String, serde_json::Value>>,
}

pub fn new_key() -> Jwk {
    RS256
        .generate_key_pair(2048)
        .expect("key")
        .to_jwk_key_pair()
}

async fn discovery(State(u): State<Arc<Upstream>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "issuer": u.issuer,
        "authorization_endpoint": format!("{}/auth", u.issuer),
        "token_endpoint": format!("{}/token", u.issuer),
        "userinfo_endpoint": format!("{}/me", u.issuer),
        "jwks_uri": format!("{}/jwks", u.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks(State(u): State<Arc<Upstream>>) -> Json<serde_json::Value> {
    let mut public = u.key.to_public_key().expect("public");
    public.set_key_id(u.kid.lock().unwrap().clone());
    public.set_algorithm("RS256");
    public.set_key_use("sig");
    Json(serde_json::json!({ "keys": [public] }))
}

async fn token(
    State(u): State<Arc<Upstream>>,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let code = form.get("code").cloned().unwrap_or_default();
    let Some((s, nonce)) = u.codes.lock().unwrap().remove(&code) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let now = server::crypto::now();
    let mut p = JwtPayload::new();
    p.set_issuer(s.issuer.clone().unwrap_or(u.issuer.clone()));
    p.set_subject(&s.sub);
    p.set_audience(vec![s.audience.clone().unwrap_or("sesame".into())]);
    p.set_issued_at(&std::time::SystemTime::now());
    p.set_expires_at(&(std::time::SystemTime::now() + std::time::Duration::from_secs(300)));
    if !s.omit_nonce {
        p.set_claim("nonce", Some(s.nonce.clone().unwrap_or(nonce).into()))
            .expect("nonce");
    }
    if let Some(amr) = &s.amr {
        p.set_claim("amr", Some(serde_json::json!(amr)))
            .expect("amr");
    }
    p.set_claim("auth_time", Some(now.into()))
        .expect("auth_time");
    let mut h = JwsHeader::new();
    h.set_token_type("JWT");
    let key = if s.foreign_key {
        h.set_key_id("unknown");
        new_key()
    } else {
        h.set_key_id(u.kid.lock().unwrap().clone());
        u.key.clone()
    };
    let signer = RS256.signer_from_jwk(&key).expect("signer");
    let id_token = jwt::encode_with_signer(&p, &h, &signer).expect("sign");
    let access = format!("at-{code}");
    let mut info = serde_json::json!({"sub": s.sub});
    if let Some(e) = &s.email {
        info["email"] = e.clone().into();
        info["email_verified"] = s.email_verified.into();
    }
    u.tokens.lock().unwrap().insert(access.clone(), info);
    Json(serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

async fn me(
    State(u): State<Arc<Upstream>>,
    headers: axum::http::HeaderMap,
) -> Json<serde_json::Value> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    Json(
        u.tokens
            .lock()
            .unwrap()
            .get(&token)
            .cloned()
            .unwrap_or_default(),
    )
}

/// Starts the fake provider on a free loopback port.
pub async fn upstream() -> Arc<Upstream> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let issuer = format!("http://{}", listener.local_addr().expect("addr"));
    let u = Arc::new(Upstream {
        issuer,
        key: new_key(),
        kid: Mutex::new("k1".into()),
        codes: Mutex::new(HashMap::new()),
        tokens: Mutex::new(HashMap::new()),
    });
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .route("/me", get(me))
        .with_state(u.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    u
}

pub fn connector(u: &Upstream, id: &str, extra: &str) -> ConnectorConfig {
    let text = format!(
        "id = \"{id}\"\nname = \"Upstream\"\nissuer = \"{}\"\nclient_id = \"sesame\"\nclient_secret = \"shh\"\n{extra}",
        u.issuer
    );
    toml::from_str(&text).expect("connector")
}

/// A Sesame with connectors to the fake provider: `up` (its email addresses are not
/// trusted), `trusted` (`trust_email`), `mfa-trusting` (`trust_upstream_mfa`) and `acme` (an
/// enterprise connector for `acme.example`).
pub async fn federated(u: &Upstream, edit: impl FnOnce(&mut server::config::Config)) -> TestServer {
    let connectors = vec![
        connector(u, "up", ""),
        connector(u, "trusted", "trust_email = true"),
        connector(u, "mfa-trusting", "trust_upstream_mfa = true"),
        connector(
            u,
            "acme",
            "kind = \"enterprise\"\nemail_domains = [\"acme.example\"]",
        ),
    ];
    TestServer::start_with(move |c| {
        c.connectors = connectors;
        // What sign-up requires of federated accounts has a test of its own.
        c.federation.skip_required_identifiers = true;
        edit(c);
    })
    .await
}

/// Starts sign-in with `connector`; returns the redirect to the provider and the `state` and
/// `nonce` it carries.
pub async fn federation_start(s: &mut TestServer, connector: &str) -> (String, String, String) {
    let go = s.get(&format!("/sign-in/with/{connector}")).await;
    let to = go.location().expect("redirect upstream");
    let state = query_param(&to, "state").expect("state");
    let nonce = query_param(&to, "nonce").expect("nonce");
    (to, state, nonce)
}

/// The provider issues a code for `scenario` (bound to the request's `nonce`) and sends the
/// browser back to Sesame with it and the request's `state`.
pub async fn come_back(
    s: &mut TestServer,
    u: &Upstream,
    connector: &str,
    (state, nonce): (String, String),
    scenario: Scenario,
) -> Answer {
    let code = uuid::Uuid::new_v4().to_string();
    u.codes
        .lock()
        .unwrap()
        .insert(code.clone(), (scenario, nonce));
    s.get(&format!(
        "/federation/callback/{connector}?code={code}&state={}",
        urlencode(&state)
    ))
    .await
}

pub fn person(sub: &str, email: &str, verified: bool) -> Scenario {
    Scenario {
        sub: sub.into(),
        email: Some(email.into()),
        email_verified: verified,
        ..Default::default()
    }
}

/// Sesame refused the provider's answer: back to sign-in with an error, no identity, no
/// session.
pub async fn refused(s: &mut TestServer, answer: &Answer) {
    assert_eq!(
        answer.location().as_deref(),
        Some("/sign-in"),
        "{}",
        answer.body
    );
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("Upstream could not sign you in"),
        "{}",
        page.body
    );
    assert_eq!(s.state.db.count("identities").await.unwrap(), 0);
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
}

//! A Sesame instance on a temporary SQLite database, or on a PostgreSQL database of its own
//! when `SESAME_TEST_POSTGRES_URL` names a server (scripts/test.sh runs every test both
//! ways), driven through the router in process (`tower::ServiceExt::oneshot`), with a
//! cookie jar like a browser's.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use server::config::Config;
use std::collections::HashMap;
use tower::ServiceExt;

pub const PUBLIC_CLIENT: &str = "test-public";
pub const PUBLIC_REDIRECT: &str = "http://127.0.0.1/cb";
pub const CONFIDENTIAL_CLIENT: &str = "test-confidential";
pub const CONFIDENTIAL_SECRET: &str = "s3cret-value";
pub const CONFIDENTIAL_REDIRECT: &str = "https://app.example.com/cb";
/// A code verifier and its S256 challenge (computed independently with `openssl dgst -sha256`).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWjOEjXk";
pub const CHALLENGE: &str = "VYFANLqdx_HDV6BqEhluZJ63rtrIPROSSFdB3P6G83I";

pub struct TestServer {
    pub app: Router,
    pub state: server::state::AppState,
    pub jar: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }

    /// The hidden anti-forgery field of the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("csrf field")
            + 19;
        let end = self.body[at..].find('"').expect("end of value");
        self.body[at..at + end].to_string()
    }
}

pub fn config(dir: &std::path::Path) -> Config {
    let text = format!(
        r#"
[server]
data_dir = "{}"
[password_hashing]
memory_kib = 64
iterations = 1
[experience]
sign_up_identifiers = ["username"]
# The tests' providers, webhooks and receivers run on loopback.
[outbound]
allow_private_networks = true
[[clients]]
id = "{PUBLIC_CLIENT}"
redirect_uris = ["{PUBLIC_REDIRECT}"]
[[clients]]
id = "{CONFIDENTIAL_CLIENT}"
secret = "{CONFIDENTIAL_SECRET}"
name = "Confidential App"
redirect_uris = ["{CONFIDENTIAL_REDIRECT}"]
"#,
        dir.display()
    );
    Config::from_table(text.parse().expect("toml")).expect("config")
}

/// Points `config` at a new, empty PostgreSQL database when `SESAME_TEST_POSTGRES_URL` is
/// set (a URL with rights to create databases); otherwise leaves the SQLite default.
pub async fn on_postgres_if_asked(config: &mut Config) {
    let Ok(admin) = std::env::var("SESAME_TEST_POSTGRES_URL") else {
        return;
    };
    use sqlx::Connection;
    let mut conn = sqlx::postgres::PgConnection::connect(&admin)
        .await
        .expect("connect to SESAME_TEST_POSTGRES_URL");
    let name = format!("sesame_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    config.database.url = format!("{base}/{name}");
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = config(dir.path());
        edit(&mut config);
        on_postgres_if_asked(&mut config).await;
        let state = server::build_state(config).await.expect("state");
        TestServer {
            app: server::router(state.clone()),
            state,
            jar: HashMap::new(),
            _dir: dir,
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Answer {
        let response: Response<Body> = self.app.clone().oneshot(req).await.expect("response");
        for c in response.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().expect("cookie");
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').expect("name=value");
            if attrs.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_string(), v.to_string());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A browser GET with this server's cookies.
    pub async fn get(&mut self, uri: &str) -> Answer {
        let req = Request::get(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// A browser form post (same origin) with this server's cookies.
    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, "http://localhost:3000")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// A same-origin JSON post (the Experience API) with this server's cookies.
    pub async fn post_json(&mut self, uri: &str, body: serde_json::Value) -> Answer {
        let req = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_LANGUAGE, "en")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, "http://localhost:3000")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(req).await
    }

    /// Posts a screen's form: fetches the page for its anti-forgery token first.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.get(page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    /// The code in the newest outbox message to `to` (compared without case: messages go
    /// to the address as typed).
    pub async fn outbox_code(&self, to: &str) -> String {
        let messages = self.state.db.outbox(100).await.expect("outbox");
        let m = messages
            .iter()
            .find(|m| m.recipient.to_lowercase() == to.to_lowercase())
            .unwrap_or_else(|| panic!("no message to {to}"));
        six_digits(&m.body).expect("a code in the message")
    }

    /// Messages stored for `to`.
    pub async fn outbox_count(&self, to: &str) -> usize {
        let messages = self.state.db.outbox(1000).await.expect("outbox");
        messages
            .iter()
            .filter(|m| m.recipient.to_lowercase() == to.to_lowercase())
            .count()
    }

    /// Creates a user directly in storage (fixtures for sign-in tests).
    pub async fn create_user(
        &self,
        username: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        password: &str,
    ) -> String {
        let hash = self.state.hasher.hash(password).await.expect("hash");
        let id = uuid::Uuid::new_v4().to_string();
        let user = server::db::NewUser {
            id: id.clone(),
            username: username.map(String::from),
            email: email.map(String::from),
            email_verified: email.is_some(),
            phone: phone.map(String::from),
            phone_verified: phone.is_some(),
            password_hash: Some(hash),
            terms_accepted_at: None,
            profile: None,
        };
        self.state.db.insert_user(&user, 0).await.expect("insert");
        id
    }

    /// A client's back-channel POST (no cookies).
    pub async fn post_backchannel(
        &mut self,
        uri: &str,
        basic: Option<(&str, &str)>,
        fields: &[(&str, &str)],
    ) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some((id, secret)) = basic {
            use base64::Engine;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
            req = req.header(header::AUTHORIZATION, format!("Basic {token}"));
        }
        self.send(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// Redeems `code` as the public client, with the PKCE verifier.
    pub async fn exchange_public(&mut self, code: &str) -> Answer {
        self.post_backchannel("/token", None, &public_code_fields(code))
            .await
    }

    /// Redeems a refresh token as the public client.
    pub async fn refresh_public(&mut self, refresh_token: &str) -> Answer {
        self.post_backchannel(
            "/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", PUBLIC_CLIENT),
            ],
        )
        .await
    }

    pub async fn userinfo(&mut self, access_token: &str) -> Answer {
        let req = Request::get("/userinfo")
            .header(header::AUTHORIZATION, format!("Bearer {access_token}"))
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// Starts an authorization request of the public client and follows it to the screen.
    pub async fn authorize_public(&mut self, extra: &str) -> Answer {
        let uri = format!(
            "/authorize?client_id={PUBLIC_CLIENT}&redirect_uri={}&response_type=code&scope=openid%20profile%20email%20offline_access&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
            urlencode(PUBLIC_REDIRECT)
        );
        self.get(&uri).await
    }

    /// Registers `username` with `password` on the current flow; answers the post.
    pub async fn register(&mut self, username: &str, password: &str) -> Answer {
        let page = self.get("/register").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let csrf = page.csrf();
        self.post_form(
            "/flow/register",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("email", ""),
                ("new_password", password),
                ("confirm_password", password),
            ],
        )
        .await
    }

    /// Signs in on the current flow; answers the post.
    pub async fn sign_in(&mut self, identifier: &str, password: &str) -> Answer {
        let page = self.get("/sign-in").await;
        let csrf = page.csrf();
        self.post_form(
            "/flow/sign-in",
            &[
                ("csrf", &csrf),
                ("identifier", identifier),
                ("password", password),
                ("method", "password"),
            ],
        )
        .await
    }

    /// Registers through a full authorization request and returns the code.
    pub async fn code_for_new_user(&mut self, username: &str) -> String {
        let start = self.authorize_public("").await;
        assert_eq!(start.location().as_deref(), Some("/sign-in"));
        let posted = self.register(username, "correct horse battery").await;
        assert_eq!(
            posted.location().as_deref(),
            Some("/authorize/resume"),
            "{}",
            posted.body
        );
        let done = self.get("/authorize/resume").await;
        code_from(&done)
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The `code` of a query-mode redirect to the public client.
pub fn code_from(answer: &Answer) -> String {
    let location = answer.location().expect("redirect");
    assert!(location.starts_with(PUBLIC_REDIRECT), "{location}");
    query_param(&location, "code").expect("code")
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The claims of a JWT, without verifying it (the tests verify against the JWKS separately).
pub fn jwt_claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = server::crypto::b64_decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("json")
}

/// The first run of exactly six digits in `text`.
pub fn six_digits(text: &str) -> Option<String> {
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return Some(bytes[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The authenticator-app code of `secret` (base32), `offset_steps` steps of 30 seconds from
/// now.
pub fn totp(secret: &str, offset_steps: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.into())
        .to_bytes()
        .expect("base32");
    let t =
        totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into());
    let now = server::crypto::now() + offset_steps * 30;
    t.generate(now as u64)
}

/// The fake upstream OpenID provider of the federation tests.
pub mod upstream;

/// The password of the fixture users.
pub const PASSWORD: &str = "correct horse battery";

/// Follows a finished sign-in to the application and redeems the code: the ID token's
/// claims.
pub async fn claims_after(s: &mut TestServer, answer: &Answer) -> serde_json::Value {
    assert_eq!(
        answer.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        answer.body
    );
    let done = s.get("/authorize/resume").await;
    let tokens = s.exchange_public(&code_from(&done)).await.json();
    jwt_claims(tokens["id_token"].as_str().expect("id token"))
}

/// Enters `code` on the code screen of the current flow.
pub async fn enter_code(s: &mut TestServer, code: &str) -> Answer {
    s.submit(
        "/verify",
        "/flow/verify-code",
        &[("code", code), ("action", "verify")],
    )
    .await
}

/// A TOTP factor `id` stored for `user_id`; returns its secret.
pub async fn add_totp(s: &TestServer, user_id: &str, id: &str) -> String {
    let secret = server::mfa::new_totp_secret();
    s.state
        .db
        .insert_factor(&server::db::FactorRow {
            id: id.into(),
            user_id: user_id.into(),
            kind: "totp".into(),
            name: "Authenticator".into(),
            secret: secret.clone(),
            credential_id: None,
            last_step: 0,
            created_at: 0,
            last_used_at: None,
        })
        .await
        .expect("factor");
    secret
}

/// A browser signed in as `user_id` (its session proved `amr`) with a session that started
/// `age` seconds ago.
pub async fn session_for(s: &mut TestServer, user_id: &str, age: i64, amr: &str) {
    let id = server::crypto::random_token();
    let sid = uuid::Uuid::new_v4().to_string();
    let at = server::crypto::now() - age;
    s.state
        .db
        .insert_session(&server::db::NewSession {
            id_hash: &server::crypto::token_hash(&id),
            sid: &sid,
            user_id,
            auth_time: at,
            amr,
            now: at,
            expires_at: server::crypto::now() + 3600,
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"),
            ip: Some("127.0.0.1"),
        })
        .await
        .expect("session");
    s.jar.insert("sesame_session".into(), id);
}

/// A JSON call to the Account API with a bearer token (and a security verification).
pub async fn account_api(
    s: &mut TestServer,
    method: &str,
    path: &str,
    bearer: &str,
    verification: Option<&str>,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(v) = verification {
        req = req.header("Sesame-Verification-Id", v);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    s.send(req.body(body).expect("request")).await
}

/// An access token of the public client for `username` (password [`PASSWORD`]) with
/// `scope`, from a new browser.
pub async fn access_token(s: &mut TestServer, username: &str, scope: &str) -> String {
    s.jar.clear();
    s.get(&format!(
        "/authorize?client_id={PUBLIC_CLIENT}&redirect_uri={}&response_type=code&scope={}&state=s&nonce=n&code_challenge={CHALLENGE}&code_challenge_method=S256",
        urlencode(PUBLIC_REDIRECT),
        urlencode(scope)
    ))
    .await;
    s.sign_in(username, PASSWORD).await;
    let code = code_from(&s.get("/authorize/resume").await);
    s.exchange_public(&code).await.json()["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

/// A personal access token for `user_id`, stored as the account center stores one.
pub async fn personal_token(s: &TestServer, user_id: &str) -> String {
    let value = format!("sesame_pat_{}", server::crypto::random_token());
    s.state
        .db
        .insert_personal_token(
            &server::db::PersonalTokenRow {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user_id.into(),
                name: "test".into(),
                created_at: server::crypto::now(),
                expires_at: None,
                last_used_at: None,
            },
            &server::crypto::token_hash(&value),
        )
        .await
        .expect("token");
    value
}

/// The sign-in link in the newest message to `to`.
pub async fn link_in_outbox(s: &TestServer, to: &str) -> String {
    let messages = s.state.db.outbox(100).await.expect("outbox");
    let m = messages
        .iter()
        .find(|m| m.recipient.eq_ignore_ascii_case(to))
        .unwrap_or_else(|| panic!("no message to {to}"));
    let at = m
        .body
        .find("http://localhost:3000/magic?token=")
        .expect("a link");
    m.body[at..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_string()
}

/// A link of this site as a path.
pub fn path_of(link: &str) -> String {
    link.trim_start_matches("http://localhost:3000").to_string()
}

/// Opens a sign-in link's landing page and presses its button.
pub async fn open_link(s: &mut TestServer, landing: &str) -> Answer {
    let page = s.get(landing).await;
    let token = query_param(landing, "token").unwrap_or_default();
    let csrf = page.csrf();
    s.post_form(
        "/flow/magic",
        &[("csrf", &csrf), ("action", "open"), ("token", &token)],
    )
    .await
}

/// Registers `username` (password [`PASSWORD`]) on the current flow of the confidential
/// client and redeems the code: the token response.
pub async fn confidential_tokens_for_new_user(
    s: &mut TestServer,
    username: &str,
) -> serde_json::Value {
    s.register(username, PASSWORD).await;
    let done = s.get("/authorize/resume").await;
    let code = query_param(&done.location().expect("redirect"), "code").expect("code");
    s.post_backchannel(
        "/token",
        Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CONFIDENTIAL_REDIRECT),
        ],
    )
    .await
    .json()
}

/// Whether `password` is `username`'s password now.
pub async fn password_is(s: &TestServer, username: &str, password: &str) -> bool {
    let user = s
        .state
        .db
        .user_by_username(username)
        .await
        .expect("db")
        .expect("user");
    s.state
        .hasher
        .verify(password, user.password_hash.as_deref())
        .await
        .expect("verify")
}

/// Asks for a password reset of `identifier` on the current flow.
pub async fn ask_for_reset(s: &mut TestServer, identifier: &str) -> Answer {
    s.submit(
        "/reset-password",
        "/flow/reset-password",
        &[("identifier", identifier)],
    )
    .await
}

/// Posts `password` as the new password of a reset, with the form of `page`.
pub async fn set_new_password(s: &mut TestServer, page: &str, password: &str) -> Answer {
    s.submit(
        page,
        "/flow/new-password",
        &[("new_password", password), ("confirm_password", password)],
    )
    .await
}

/// Asks the Account API for a security verification of `kind` (`password`, `totp`, …).
pub async fn api_verification(
    s: &mut TestServer,
    bearer: &str,
    kind: &str,
    body: serde_json::Value,
) -> Answer {
    let path = format!("/api/my-account/verifications/{kind}");
    account_api(s, "POST", &path, bearer, None, Some(body)).await
}

/// [`api_verification`] that must succeed: the verification's id.
pub async fn api_verification_id(
    s: &mut TestServer,
    bearer: &str,
    kind: &str,
    body: serde_json::Value,
) -> String {
    let v = api_verification(s, bearer, kind, body).await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.body);
    v.json()["verification_id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Removes the second factor `factor` through the Account API (with `verification`).
pub async fn api_remove_factor(
    s: &mut TestServer,
    bearer: &str,
    factor: &str,
    verification: Option<&str>,
) -> Answer {
    let path = format!("/api/my-account/mfa/{factor}");
    account_api(s, "DELETE", &path, bearer, verification, None).await
}

/// Asks the sign-in form to send `identifier` a code (`method` `code`) or a sign-in link
/// (`link`).
pub async fn send_sign_in(s: &mut TestServer, identifier: &str, method: &str) -> Answer {
    s.submit(
        "/sign-in",
        "/flow/sign-in",
        &[("identifier", identifier), ("method", method)],
    )
    .await
}

/// A GET of the Account API with a bearer token.
pub async fn api_get(s: &mut TestServer, path: &str, bearer: &str) -> Answer {
    account_api(s, "GET", path, bearer, None, None).await
}

/// A Sesame whose applications may use the Account API (its scopes are opt-in).
pub async fn account_api_server() -> TestServer {
    TestServer::start_with(|c| {
        for client in &mut c.clients {
            client.allowed_scopes = server::oidc::SCOPES.map(String::from).to_vec();
        }
    })
    .await
}

/// The areas of the Account API that need a scope of their own besides `account`.
pub const SCOPED_ACCOUNT_AREAS: [&str; 6] = [
    "/api/my-account/identities",
    "/api/my-account/mfa",
    "/api/my-account/sessions",
    "/api/my-account/grants",
    "/api/my-account/personal-access-tokens",
    "/api/my-account/organizations",
];

/// Each of `paths` answers `bearer` with 403 `insufficient_scope`.
pub async fn assert_insufficient_scope(s: &mut TestServer, bearer: &str, paths: &[&str]) {
    for path in paths {
        let r = api_get(s, path, bearer).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json()["error"], "insufficient_scope", "{path}");
    }
}

/// The fields with which the public client redeems `code` (with the PKCE verifier).
pub fn public_code_fields(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", PUBLIC_REDIRECT),
        ("client_id", PUBLIC_CLIENT),
        ("code_verifier", VERIFIER),
    ]
}

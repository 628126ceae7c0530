//! A Sesame instance on a temporary SQLite database, driven through the router in process
//! (`tower::ServiceExt::oneshot`), with a cookie jar like a browser's.

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

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = config(dir.path());
        edit(&mut config);
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
        self.post_backchannel(
            "/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", PUBLIC_REDIRECT),
                ("client_id", PUBLIC_CLIENT),
                ("code_verifier", VERIFIER),
            ],
        )
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

//! The security regression suite: one test per entry of the known-vulnerability list that
//! applies to Sesame, each named after its advisory and saying what it sends and what must
//! come back. Where another test file covers an entry in depth, the test here is a shorter
//! version of the same attack, so that this file lists every entry.
//!
//! Not here: CVE-2026-18569 (unsigned back-channel logout tokens accepted): Sesame sends
//! back-channel logout tokens but has no endpoint that receives any.

use crate::common::upstream::*;
use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use josekit::jws::ES256;
use serde_json::{json, Value};
use server::config::{Config, IdentifierKind, MfaFactorKind, MfaPolicy};
use server::crypto::{b64, now};
use server::flow::magic_link;
use std::sync::{Arc, Mutex};

// ---- helpers ----

/// An authorization request of `client` to `redirect` (sent as given, form-encoded), with
/// PKCE, `state` and `nonce`.
fn authorize_uri(client: &str, redirect: &str, extra: &str) -> String {
    format!(
        "/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid&state=st-sec&nonce=n-sec&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        urlencode(client),
        urlencode(redirect)
    )
}

/// The answer is Sesame's own error page (400) about the redirect URI, never a redirect.
fn assert_redirect_refused(a: &Answer, what: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {}", a.body);
    assert!(
        a.location().is_none(),
        "{what} was redirected to {:?}",
        a.location()
    );
    assert!(
        a.body.contains("has not registered"),
        "{what}: not the redirect URI error page: {}",
        a.body
    );
}

/// A config loaded from a TOML table, as the configuration file is.
fn load(table: toml::Table) -> Result<Config, server::config::ConfigError> {
    Config::from_table(table)
}

/// `[[clients]]` with one client whose `field` is `value`.
fn one_client(field: &str, value: toml::Value) -> toml::Table {
    let mut client = toml::Table::new();
    client.insert("id".into(), "x".into());
    client.insert(
        "redirect_uris".into(),
        toml::Value::Array(vec!["https://a.example/cb".into()]),
    );
    client.insert(field.into(), value);
    let mut t = toml::Table::new();
    t.insert(
        "clients".into(),
        toml::Value::Array(vec![toml::Value::Table(client)]),
    );
    t
}

/// Rebuilds the server on the same database with a changed configuration (what a restart
/// after an operator's change does); the browser's cookies stay.
async fn restart(s: &mut TestServer, edit: impl FnOnce(&mut Config)) {
    let mut config = s.state.config.clone();
    edit(&mut config);
    let state = server::build_state(config).await.expect("state");
    s.app = server::router(state.clone());
    s.state = state;
}

/// A raw request with a declared (or streamed, when `declare` is false) body.
fn raw_post(uri: &str, content_type: &str, body: String, declare: bool) -> Request<Body> {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, "http://localhost:3000");
    if declare {
        req = req.header(header::CONTENT_LENGTH, body.len());
    }
    req.body(Body::from(body)).expect("request")
}

// ---- a hand-made WebAuthn authenticator ----

fn cbor_bytes(out: &mut Vec<u8>, b: &[u8]) {
    match b.len() {
        n if n < 24 => out.push(0x40 | n as u8),
        n if n < 256 => out.extend_from_slice(&[0x58, n as u8]),
        n => {
            out.push(0x59);
            out.extend_from_slice(&u16::try_from(n).expect("short").to_be_bytes());
        }
    }
    out.extend_from_slice(b);
}

fn cbor_text(out: &mut Vec<u8>, s: &str) {
    assert!(s.len() < 24);
    out.push(0x60 | s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

/// A WebAuthn registration answer made by hand, as an attacker's script would post it: a
/// fresh P-256 key, "none" attestation, the given challenge, origin and authenticator flags.
fn registration_answer(challenge: &str, origin: &str, flags: u8) -> String {
    ceremony_answer("webauthn.create", challenge, origin, flags)
}

/// [`registration_answer`] with any client data `type`.
fn ceremony_answer(kind: &str, challenge: &str, origin: &str, flags: u8) -> String {
    use sha2::Digest;
    let key = ES256.generate_key_pair().expect("key").to_jwk_public_key();
    let coord = |name: &str| {
        server::crypto::b64_decode(key.parameter(name).and_then(Value::as_str).expect(name))
            .expect("base64url")
    };
    // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
    let mut cose = vec![0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
    cbor_bytes(&mut cose, &coord("x"));
    cose.push(0x22);
    cbor_bytes(&mut cose, &coord("y"));
    let cred_id = uuid::Uuid::new_v4().as_bytes().to_vec();
    let mut auth = sha2::Sha256::digest(b"localhost").to_vec();
    auth.push(flags);
    auth.extend_from_slice(&0u32.to_be_bytes());
    auth.extend_from_slice(&[0u8; 16]);
    auth.extend_from_slice(&u16::try_from(cred_id.len()).expect("len").to_be_bytes());
    auth.extend_from_slice(&cred_id);
    auth.extend_from_slice(&cose);
    let mut att = vec![0xA3];
    cbor_text(&mut att, "fmt");
    cbor_text(&mut att, "none");
    cbor_text(&mut att, "attStmt");
    att.push(0xA0);
    cbor_text(&mut att, "authData");
    cbor_bytes(&mut att, &auth);
    let client_data = json!({
        "type": kind,
        "challenge": challenge,
        "origin": origin,
        "crossOrigin": false,
    })
    .to_string();
    let id = b64(&cred_id);
    json!({
        "id": id,
        "rawId": id,
        "response": {
            "attestationObject": b64(&att),
            "clientDataJSON": b64(client_data.as_bytes()),
        },
        "type": "public-key",
        "extensions": {},
    })
    .to_string()
}

/// Signs in with a password through the Experience API.
async fn api_sign_in(s: &mut TestServer, identifier: &str, password: &str) -> Answer {
    s.post_json(
        "/api/experience/sign-in/password",
        json!({"identifier": identifier, "password": password}),
    )
    .await
}

/// Posts a second-factor step to the Experience API.
async fn api_mfa(s: &mut TestServer, step: Value) -> Answer {
    s.post_json("/api/experience/mfa", step).await
}

/// Chooses to set up an authenticator app through the Experience API; the secret it is to
/// hold.
async fn api_totp_secret(s: &mut TestServer) -> String {
    api_mfa(s, json!({"action": "setup", "factor": "totp"})).await;
    s.get("/api/experience/mfa").await.json()["totp_setup"]["secret"]
        .as_str()
        .expect("secret")
        .to_string()
}

/// Proves the authenticator app being set up with its current code.
async fn api_setup_totp(s: &mut TestServer, secret: &str) -> Answer {
    api_mfa(s, json!({"action": "setup_totp", "code": totp(secret, 0)})).await
}

/// Signs `username` in through the Experience API on a server where a second factor is
/// mandatory, and chooses to set up WebAuthn.
async fn at_webauthn_setup(s: &mut TestServer, username: &str) {
    s.authorize_public("").await;
    let r = api_sign_in(s, username, PASSWORD).await;
    assert_eq!(r.json()["next"], "mfa_setup", "{}", r.body);
    let r = api_mfa(s, json!({"action": "setup", "factor": "webauthn"})).await;
    assert_eq!(r.json()["next"], "webauthn_setup", "{}", r.body);
}

/// The challenge of a new registration ceremony of the flow.
async fn registration_challenge(s: &mut TestServer) -> String {
    let state = s.get("/api/experience/mfa").await.json();
    state["webauthn_options"]["publicKey"]["challenge"]
        .as_str()
        .unwrap_or_else(|| panic!("registration options: {state}"))
        .to_string()
}

async fn post_registration(s: &mut TestServer, credential: &str) -> Answer {
    api_mfa(
        s,
        json!({"action": "setup_webauthn", "credential": credential}),
    )
    .await
}

// ---- an upstream OpenID provider on loopback ----

/// One round trip through the provider, which answers with `scenario`.
async fn federation_round(
    s: &mut TestServer,
    u: &Upstream,
    connector: &str,
    scenario: Scenario,
) -> Answer {
    let (_, state, nonce) = federation_start(s, connector).await;
    come_back(s, u, connector, (state, nonce), scenario).await
}

// ---- 1. redirect URI matching ----

/// CVE-2024-1132 / CVE-2022-3782 / CVE-2026-3872 / CVE-2026-7504 (Keycloak): redirect URI
/// checks bypassed by path traversal, encodings and normalisation. Sends `/authorize` with
/// the registered `https://app.example.com/cb` plus `/../evil`, `%2e%2e/`, `%252e%252e/`,
/// `..;/`, `//evil`, `\evil`, a trailing slash, other case, and the like (both form-encoded
/// and raw in the query); each must get Sesame's error page (400), never a redirect. The
/// registered URI itself starts the sign-in.
#[tokio::test]
async fn cve_2024_1132_redirect_uri_must_match_exactly() {
    let mut s = TestServer::start().await;
    for bad in [
        "https://app.example.com/cb/../evil",
        "https://app.example.com/cb/..",
        "https://app.example.com/cb/%2e%2e/evil",
        "https://app.example.com/cb/%2E%2E%2Fevil",
        "https://app.example.com/cb/%252e%252e/evil",
        "https://app.example.com/cb/..;/evil",
        "https://app.example.com/cb;/../evil",
        "https://app.example.com/cb//evil.example",
        "https://app.example.com//evil.example/cb",
        "//evil.example/cb",
        "https://app.example.com/cb\\evil",
        "https://app.example.com\\evil.example/cb",
        "https://app.example.com/cb/",
        "https://app.example.com/cb//",
        "https://app.example.com/cb/.",
        "https://app.example.com/./cb",
        "https://app.example.com/CB",
        "https://app.example.com/Cb",
        "https://APP.EXAMPLE.COM/cb",
        "HTTPS://app.example.com/cb",
        "https://app.example.com/cb?next=https://evil.example",
        "https://app.example.com/cb#@evil.example",
        "https://app.example.com/cb%00",
        "https://app.example.com/cb%0d%0aLocation:%20https://evil.example",
        " https://app.example.com/cb",
        "https://app.example.com/cb ",
        "https://app.example.com:443/cb",
        "https://app.example.com./cb",
        "http://app.example.com/cb",
        "https://evil.example/cb",
    ] {
        let a = s.get(&authorize_uri(CONFIDENTIAL_CLIENT, bad, "")).await;
        assert_redirect_refused(&a, bad);
    }
    // Raw in the query, decoded once by Sesame.
    for raw in [
        "https://app.example.com/cb/%2e%2e/evil",
        "https://app.example.com/cb/%252e%252e/evil",
        "https://app.example.com/cb/..;/evil",
        "https://app.example.com/cb%2F..%2Fevil",
        "https://app.example.com/cb%5Cevil",
        "https:%2F%2Fapp.example.com%2Fcb%2F",
    ] {
        let a = s
            .get(&format!(
                "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={raw}&response_type=code&scope=openid&state=x"
            ))
            .await;
        assert_redirect_refused(&a, raw);
    }
    // The same through POST /authorize.
    let body = format!(
        "client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope=openid",
        urlencode("https://app.example.com/cb/../evil")
    );
    let a = s
        .send(raw_post(
            "/authorize",
            "application/x-www-form-urlencoded",
            body,
            true,
        ))
        .await;
    assert_redirect_refused(&a, "POST /authorize");
    assert_eq!(
        s.state.db.count("interactions").await.expect("count"),
        0,
        "no flow started for any of them"
    );
    let ok = s
        .get(&authorize_uri(
            CONFIDENTIAL_CLIENT,
            CONFIDENTIAL_REDIRECT,
            "",
        ))
        .await;
    assert_eq!(ok.location().as_deref(), Some("/sign-in"), "{}", ok.body);
}

// ---- 2. host confusion ----

/// CVE-2023-6291 (Keycloak): the host of a redirect URI confused by user information, a
/// suffix, a look-alike or case. Sends `https://app.example.com@evil.example/cb`,
/// `https://app.example.com.evil.example/cb`, a Cyrillic look-alike (as Unicode and as
/// punycode), full-width letters (which IDNA maps back to the real host) and a mixed-case
/// host; each must get the error page, never a redirect.
#[tokio::test]
async fn cve_2023_6291_look_alike_hosts_are_not_the_registered_host() {
    let mut s = TestServer::start().await;
    let cyrillic = "https://\u{0430}pp.example.com/cb";
    let punycode = url::Url::parse(cyrillic).expect("url").to_string();
    assert!(punycode.contains("xn--"), "{punycode}");
    for bad in [
        "https://app.example.com@evil.example/cb",
        "https://app.example.com:443@evil.example/cb",
        "https://app.example.com%40evil.example/cb",
        "https://user:pass@app.example.com/cb",
        "https://app.example.com.evil.example/cb",
        "https://evil.example/app.example.com/cb",
        "https://evil-app.example.com/cb",
        "https://app.example.co/cb",
        cyrillic,
        punycode.as_str(),
        "https://\u{ff41}\u{ff50}\u{ff50}.example.com/cb",
        "https://App.Example.com/cb",
        "https://app.EXAMPLE.com/cb",
        "https://app.example.com%2eevil.example/cb",
        "https://app.example.com%23@evil.example/cb",
    ] {
        let a = s.get(&authorize_uri(CONFIDENTIAL_CLIENT, bad, "")).await;
        assert_redirect_refused(&a, bad);
    }
}

// ---- 3. loopback redirect URIs ----

/// CVE-2024-8883 (Keycloak) / CVE-2020-15233 (Ory Fosite): loopback redirect URIs. With
/// `http://127.0.0.1/cb` registered, another port is accepted (RFC 8252 §7.3, as
/// server/src/oidc/redirect_uri.rs allows) and the code goes to exactly that URI; but
/// `http://127.0.0.1:80@attacker.example/cb`, another path, a query, another loopback
/// address or `localhost` get the error page.
#[tokio::test]
async fn cve_2024_8883_loopback_redirects_vary_only_in_the_port() {
    let mut s = TestServer::start().await;
    for bad in [
        "http://127.0.0.1:80@attacker.example/cb",
        "http://127.0.0.1@attacker.example/cb",
        "http://127.0.0.1:51234@attacker.example/cb",
        "http://127.0.0.1:51234/cb2",
        "http://127.0.0.1/cb/",
        "http://127.0.0.1/cb/../evil",
        "http://127.0.0.1/cb?x=1",
        "http://127.0.0.1:51234/cb?redirect=https://attacker.example",
        "http://127.0.0.1/cb#x",
        "http://127.0.0.2/cb",
        "http://localhost/cb",
        "http://localhost:51234/cb",
        "https://127.0.0.1/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1.attacker.example/cb",
        "http://[::1]/cb",
    ] {
        let a = s.get(&authorize_uri(PUBLIC_CLIENT, bad, "")).await;
        assert_redirect_refused(&a, bad);
    }
    // Another port: accepted, and the answer goes to that very URI.
    let port = "http://127.0.0.1:51234/cb";
    let start = s.get(&authorize_uri(PUBLIC_CLIENT, port, "")).await;
    assert_eq!(
        start.location().as_deref(),
        Some("/sign-in"),
        "{}",
        start.body
    );
    s.register("lou", PASSWORD).await;
    let done = s.get("/authorize/resume").await;
    let to = done.location().expect("redirect");
    assert!(to.starts_with(&format!("{port}?code=")), "{to}");
}

// ---- 4. script schemes ----

/// CVE-2026-9086 (Logto) / CVE-2022-4361 (Keycloak): `javascript:`, `data:` and `vbscript:`
/// redirect URIs. At request time each (in any case) gets the error page; in the
/// configuration each is refused at load (`Config::from_table`), as redirect and
/// post-logout redirect URIs. A `redirect_uri` holding `<script>` is never reflected raw.
#[tokio::test]
async fn cve_2026_9086_script_redirect_uris_are_refused() {
    let mut s = TestServer::start().await;
    let schemes = [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.domain)",
        "javascript://app.example.com/cb%0aalert(1)",
        "javascript:https://app.example.com/cb",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
    ];
    for bad in schemes {
        let a = s.get(&authorize_uri(CONFIDENTIAL_CLIENT, bad, "")).await;
        assert_redirect_refused(&a, bad);
        assert!(!a.body.contains("<script>alert"), "{bad}: {}", a.body);
    }
    for reflected in [
        "https://app.example.com/cb<script>alert(1)</script>",
        "\"><script>alert(1)</script>",
        "javascript:<script>alert(1)</script>",
    ] {
        let a = s
            .get(&authorize_uri(CONFIDENTIAL_CLIENT, reflected, ""))
            .await;
        assert_redirect_refused(&a, reflected);
        assert!(
            !a.body.contains("<script>alert"),
            "reflected raw: {}",
            a.body
        );
    }
    for bad in schemes {
        for field in ["redirect_uris", "post_logout_redirect_uris"] {
            let table = one_client(field, toml::Value::Array(vec![bad.into()]));
            let err = load(table).expect_err(bad).to_string();
            assert!(err.contains("clients[0].redirect_uris"), "{bad}: {err}");
        }
    }
    assert!(
        load(one_client("logo_uri", "https://a.example/logo.png".into())).is_ok(),
        "a client with only safe URIs loads"
    );
}

// ---- 5. password reset ----

/// CVE-2026-18963 (Keycloak): "set new password" reached without the emailed code. Posts a
/// new password (form and Experience API) on a fresh flow, on a flow that asked for a reset
/// but did not prove the code, with the code sent to another browser's flow, and with a code
/// already used; every attempt is refused and the password stays as it was (signing in with
/// it still works). The owner's own reset then works, once.
#[tokio::test]
async fn cve_2026_18963_password_reset_needs_the_code_of_this_flow() {
    let mut s = TestServer::start().await;
    s.create_user(
        Some("vic"),
        Some("vic@example.com"),
        None,
        "original passphrase",
    )
    .await;
    let attackers = "attacker passphrase";
    let api_refuses = async |s: &mut TestServer| {
        let api = s
            .post_json(
                "/api/experience/reset-password/new",
                json!({"password": attackers}),
            )
            .await;
        assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
    };
    // A fresh flow, straight to the last step.
    s.authorize_public("").await;
    let r = set_new_password(&mut s, "/sign-in", attackers).await;
    assert_eq!(
        r.location().as_deref(),
        Some("/reset-password/new"),
        "refused: {}",
        r.body
    );
    api_refuses(&mut s).await;
    // The attacker's own flow asks for the reset, but cannot prove the code.
    ask_for_reset(&mut s, "vic@example.com").await;
    assert_eq!(
        s.get("/reset-password/new").await.location().as_deref(),
        Some("/reset-password")
    );
    set_new_password(&mut s, "/sign-in", attackers).await;
    let attacker = s.jar.clone();
    // The victim's browser asks for a reset: its code does not work in the attacker's flow.
    s.jar.clear();
    s.authorize_public("").await;
    ask_for_reset(&mut s, "vic@example.com").await;
    let victims_code = s.outbox_code("vic@example.com").await;
    let victim = std::mem::replace(&mut s.jar, attacker);
    let r = enter_code(&mut s, &victims_code).await;
    assert_eq!(r.location().as_deref(), Some("/verify"), "{}", r.body);
    set_new_password(&mut s, "/sign-in", attackers).await;
    api_refuses(&mut s).await;
    assert!(password_is(&s, "vic", "original passphrase").await);
    // A third browser: the old password still signs in.
    s.jar.clear();
    s.authorize_public("").await;
    let old = s.sign_in("vic", "original passphrase").await;
    assert_eq!(
        old.location().as_deref(),
        Some("/authorize/resume"),
        "the old password still signs in"
    );
    // The victim finishes; the used code then opens nothing, in any flow.
    s.jar = victim;
    assert_eq!(
        enter_code(&mut s, &victims_code)
            .await
            .location()
            .as_deref(),
        Some("/reset-password/new")
    );
    let done = set_new_password(&mut s, "/reset-password/new", "the owner's new passphrase").await;
    assert_eq!(
        done.location().as_deref(),
        Some("/sign-in"),
        "{}",
        done.body
    );
    let again = set_new_password(&mut s, "/sign-in", attackers).await;
    assert_ne!(again.location().as_deref(), Some("/sign-in"));
    let r = s
        .submit(
            "/sign-in",
            "/flow/verify-code",
            &[("code", &victims_code), ("action", "verify")],
        )
        .await;
    assert_ne!(r.location().as_deref(), Some("/reset-password/new"));
    s.jar.clear();
    s.authorize_public("").await;
    ask_for_reset(&mut s, "vic@example.com").await;
    let r = enter_code(&mut s, &victims_code).await;
    assert_ne!(
        r.location().as_deref(),
        Some("/reset-password/new"),
        "a used code is refused in a new flow"
    );
    assert!(password_is(&s, "vic", "the owner's new passphrase").await);
}

// ---- 6. mandatory second factor ----

/// CVE-2026-94218 (Zitadel): mandatory MFA enrolment skipped by going back or restarting.
/// With the policy mandatory and no factor bound, tries `skip` (form and API), opening
/// `/authorize/resume`, the terms and profile steps, signing in again, restarting the
/// authorization request (also with `prompt=none`) and restarting the interaction through
/// the API: none gives a session or a code. Binding an authenticator app then does.
#[tokio::test]
async fn cve_2026_94218_mandatory_enrolment_cannot_be_skipped() {
    let mut s = TestServer::start_with(|c| c.mfa.policy = MfaPolicy::Mandatory).await;
    s.create_user(Some("bob"), None, None, PASSWORD).await;
    s.authorize_public("").await;
    let r = s.sign_in("bob", PASSWORD).await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"));
    let skip = s
        .submit("/mfa/setup", "/flow/mfa", &[("action", "skip")])
        .await;
    assert_eq!(skip.location().as_deref(), Some("/mfa/setup"));
    let api = api_mfa(&mut s, json!({"action": "skip"})).await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.json()["error"], "mfa_required");
    for path in [
        "/authorize/resume",
        "/terms",
        "/continue",
        "/mfa/backup-codes",
    ] {
        let a = s.get(path).await;
        assert!(
            a.location().is_none_or(|l| !l.starts_with(PUBLIC_REDIRECT)),
            "{path}"
        );
        assert_eq!(
            s.state.db.count("sessions").await.expect("count"),
            0,
            "{path}"
        );
    }
    let saved = s
        .submit(
            "/mfa/setup",
            "/flow/mfa",
            &[("action", "backup_codes_saved")],
        )
        .await;
    assert_ne!(saved.location().as_deref(), Some("/authorize/resume"));
    // Back to the password, again.
    let again = s.sign_in("bob", PASSWORD).await;
    assert_eq!(again.location().as_deref(), Some("/mfa/setup"));
    // Restarting the request.
    let restarted = s.authorize_public("").await;
    assert_eq!(restarted.location().as_deref(), Some("/sign-in"));
    let silent = s.authorize_public("&prompt=none").await;
    let to = silent.location().expect("redirect");
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("login_required"),
        "{to}"
    );
    assert!(query_param(&to, "code").is_none());
    // Restarting the interaction through the API.
    s.authorize_public("").await;
    s.sign_in("bob", PASSWORD).await;
    s.post_json("/api/experience", json!({"event": "sign_in"}))
        .await;
    assert_eq!(
        s.get("/authorize/resume").await.location().as_deref(),
        Some("/sign-in")
    );
    assert_eq!(s.state.db.count("sessions").await.expect("count"), 0);
    assert_eq!(
        s.state
            .db
            .count("authorization_codes")
            .await
            .expect("count"),
        0
    );
    // With the factor bound, the sign-in completes.
    api_sign_in(&mut s, "bob", PASSWORD).await;
    let secret = api_totp_secret(&mut s).await;
    let r = api_setup_totp(&mut s, &secret).await;
    assert_eq!(r.json()["next"], "backup_codes", "{}", r.body);
    let r = api_mfa(&mut s, json!({"action": "backup_codes_saved"})).await;
    assert_eq!(r.json()["next"], "done", "{}", r.body);
    let done = s.get("/authorize/resume").await;
    code_from(&done);
}

// ---- 7. removing a second factor ----

/// CVE-2026-3429 (Keycloak): a password-only session removed the victim's authenticator.
/// A session that proved only the password asks to remove the account's TOTP factor, in the
/// account center (verifying with the password) and through the Account API (a password
/// verification, and no verification); the factor stays. A verification with the factor
/// itself then removes it.
#[tokio::test]
async fn cve_2026_3429_a_password_only_session_cannot_remove_a_factor() {
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("cat"), None, None, PASSWORD).await;
    let secret = add_totp(&s, &id, "totp-1").await;
    session_for(&mut s, &id, 0, "pwd").await;
    let remove = [("action", "remove_factor"), ("id", "totp-1")];
    let asked = s.submit("/account/mfa", "/flow/account", &remove).await;
    assert!(asked
        .location()
        .expect("verify")
        .starts_with("/account/verify?"));
    let by_password = s
        .submit(
            "/account/verify?next=/account/mfa",
            "/flow/account",
            &[
                ("action", "verify_password"),
                ("password", PASSWORD),
                ("next", "/account/mfa"),
            ],
        )
        .await;
    assert_ne!(by_password.location().as_deref(), Some("/account/mfa"));
    let still = s.submit("/account/mfa", "/flow/account", &remove).await;
    assert!(still
        .location()
        .expect("verify")
        .starts_with("/account/verify?"));
    assert_eq!(s.state.db.factors(&id).await.expect("factors").len(), 1);
    // The Account API.
    let pat = personal_token(&s, &id).await;
    let v = api_verification(&mut s, &pat, "password", json!({"password": PASSWORD})).await;
    assert_eq!(v.status, StatusCode::FORBIDDEN, "{}", v.body);
    assert_eq!(v.json()["error"], "factor_required");
    let bare = api_remove_factor(&mut s, &pat, "totp-1", None).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    let made_up = api_remove_factor(&mut s, &pat, "totp-1", Some("made-up-verification")).await;
    assert_eq!(made_up.status, StatusCode::FORBIDDEN);
    assert_eq!(s.state.db.factors(&id).await.expect("factors").len(), 1);
    let vid = api_verification_id(&mut s, &pat, "totp", json!({"code": totp(&secret, 0)})).await;
    let removed = api_remove_factor(&mut s, &pat, "totp-1", Some(&vid)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert!(s.state.db.factors(&id).await.expect("factors").is_empty());
}

// ---- 8. single-use tokens ----

/// CVE-2026-37982 (Zitadel): enrolment and action tokens replayed. Uses a sign-in link
/// twice, an invitation twice (the second time in another browser) and the same WebAuthn
/// registration answer twice; each second use is refused, and only one credential is bound.
#[tokio::test]
async fn cve_2026_37982_action_tokens_are_single_use() {
    let mut s = TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![IdentifierKind::Email];
    })
    .await;
    s.create_user(None, Some("lee@example.com"), None, PASSWORD)
        .await;
    s.authorize_public("").await;
    send_sign_in(&mut s, "lee@example.com", "link").await;
    let landing = path_of(&link_in_outbox(&s, "lee@example.com").await);
    let first = open_link(&mut s, &landing).await;
    assert_eq!(first.location().as_deref(), Some("/authorize/resume"));
    s.jar.clear();
    s.authorize_public("").await;
    let second = open_link(&mut s, &landing).await;
    assert_eq!(
        second.location().as_deref(),
        Some("/magic"),
        "{}",
        second.body
    );
    assert!(s
        .get("/magic")
        .await
        .body
        .contains("has been used or has expired"));

    // An invitation.
    let invitation = magic_link::create(&s.state, "guest@example.com", magic_link::INVITATION)
        .await
        .expect("invitation");
    let invitation = invitation.trim_start_matches("http://localhost:3000");
    s.jar.clear();
    let opened = open_link(&mut s, invitation).await;
    assert_eq!(opened.location().as_deref(), Some("/register"));
    let made = s
        .submit(
            "/register",
            "/flow/register",
            &[
                ("email", "guest@example.com"),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert_ne!(
        made.location().as_deref(),
        Some("/register"),
        "{}",
        made.body
    );
    s.jar.clear();
    let replayed = open_link(&mut s, invitation).await;
    assert_ne!(replayed.location().as_deref(), Some("/register"));

    // A WebAuthn registration answer.
    let mut w = TestServer::start_with(|c| c.mfa.policy = MfaPolicy::Mandatory).await;
    w.create_user(Some("wes"), None, None, PASSWORD).await;
    at_webauthn_setup(&mut w, "wes").await;
    let challenge = registration_challenge(&mut w).await;
    let answer = registration_answer(&challenge, "http://localhost:3000", UP | UV | AT);
    let ok = post_registration(&mut w, &answer).await;
    assert_eq!(ok.json()["next"], "backup_codes", "{}", ok.body);
    let replay = post_registration(&mut w, &answer).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert_eq!(w.state.db.count("mfa_factors").await.expect("count"), 1);
}

// ---- 9. WebAuthn policy on the server ----

/// CVE-2026-8830 (Authentik): WebAuthn policy enforced only in the browser. Posts hand-made
/// registration answers straight to the server (Experience API and form): garbage, a wrong
/// challenge, another origin, another type, and a well-formed answer whose authenticator did
/// not verify the user (the policy requires it); each is refused and no credential is
/// stored. The same answer with user verification is accepted (so the refusals are the
/// server's checks, not a malformed test).
#[tokio::test]
async fn cve_2026_8830_webauthn_registration_is_checked_by_the_server() {
    let mut s = TestServer::start_with(|c| c.mfa.policy = MfaPolicy::Mandatory).await;
    s.create_user(Some("ida"), None, None, PASSWORD).await;
    at_webauthn_setup(&mut s, "ida").await;
    let origin = "http://localhost:3000";
    const GARBAGE: &str = r#"{"id":"AAAA","rawId":"AAAA","response":{"attestationObject":"AAAA","clientDataJSON":"AAAA"},"type":"public-key","extensions":{}}"#;
    type Forge = fn(&str) -> String;
    let forgeries: [(&str, Forge); 6] = [
        ("garbage", |_| GARBAGE.to_string()),
        ("not JSON", |_| "{not json".to_string()),
        ("wrong challenge", |_| {
            registration_answer(
                &b64(b"not the challenge"),
                "http://localhost:3000",
                UP | UV | AT,
            )
        }),
        ("another origin", |c| {
            registration_answer(c, "https://evil.example", UP | UV | AT)
        }),
        ("user not verified", |c| {
            registration_answer(c, "http://localhost:3000", UP | AT)
        }),
        ("user not present", |c| {
            registration_answer(c, "http://localhost:3000", UV | AT)
        }),
    ];
    for (what, forge) in forgeries {
        let challenge = registration_challenge(&mut s).await;
        let r = post_registration(&mut s, &forge(&challenge)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
        assert_eq!(
            s.state.db.count("mfa_factors").await.expect("count"),
            0,
            "{what}"
        );
    }
    // An assertion type where an attestation is expected.
    let challenge = registration_challenge(&mut s).await;
    let get_type = ceremony_answer("webauthn.get", &challenge, origin, UP | UV | AT);
    let r = post_registration(&mut s, &get_type).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // The form: the same server-side check.
    let csrf = s.get("/mfa/setup/webauthn").await.csrf();
    let challenge = registration_challenge(&mut s).await;
    let r = s
        .post_form(
            "/flow/mfa",
            &[
                ("csrf", &csrf),
                ("action", "setup_webauthn"),
                (
                    "credential",
                    &registration_answer(&challenge, origin, UP | AT),
                ),
            ],
        )
        .await;
    assert_ne!(r.location().as_deref(), Some("/mfa/backup-codes"));
    assert_eq!(s.state.db.count("mfa_factors").await.expect("count"), 0);
    assert_eq!(s.state.db.count("sessions").await.expect("count"), 0);
    // The control: verified by the authenticator, the same kind of answer is accepted.
    let challenge = registration_challenge(&mut s).await;
    let ok = post_registration(
        &mut s,
        &registration_answer(&challenge, origin, UP | UV | AT),
    )
    .await;
    assert_eq!(ok.json()["next"], "backup_codes", "{}", ok.body);
    assert_eq!(s.state.db.count("mfa_factors").await.expect("count"), 1);
}

// ---- 10. one lockout ----

/// CVE-2026-9798 (Logto) / CVE-2021-3827 (Keycloak): entry points with their own lockout.
/// After the threshold of wrong passwords on the sign-in form, the Experience API refuses
/// the right password with 429 `locked`; after the threshold on the API, the form refuses
/// the right password ("Try again in …"). No session either way.
#[tokio::test]
async fn cve_2026_9798_form_and_api_share_one_lockout() {
    let setup = || {
        TestServer::start_with(|c| {
            c.lockout.identifier_max_failures = 3;
        })
    };
    // The form first.
    let mut s = setup().await;
    s.create_user(Some("lou"), None, None, PASSWORD).await;
    s.authorize_public("").await;
    for _ in 0..3 {
        let r = s.sign_in("lou", "a wrong passphrase").await;
        assert_eq!(r.location().as_deref(), Some("/sign-in"));
    }
    let api = api_sign_in(&mut s, "lou", PASSWORD).await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS, "{}", api.body);
    assert_eq!(api.json()["error"], "locked");
    assert!(api.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(s.state.db.count("sessions").await.expect("count"), 0);
    // The API first.
    let mut t = setup().await;
    t.create_user(Some("max"), None, None, PASSWORD).await;
    t.authorize_public("").await;
    for _ in 0..3 {
        let r = api_sign_in(&mut t, "max", "a wrong passphrase").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
    let form = t.sign_in("max", PASSWORD).await;
    assert_eq!(form.location().as_deref(), Some("/sign-in"));
    assert!(
        t.get("/sign-in").await.body.contains("Try again in"),
        "the form says it is locked"
    );
    assert_eq!(t.state.db.count("sessions").await.expect("count"), 0);
    // Another account is not locked (the lockout is per identifier).
    t.create_user(Some("ned"), None, None, PASSWORD).await;
    let other = t.sign_in("ned", PASSWORD).await;
    assert_eq!(other.location().as_deref(), Some("/authorize/resume"));
}

// ---- 11. second factor after federation ----

/// CVE-2026-15616 (Logto): federated sign-in skipped the local second factor. An account
/// with an authenticator app signs in through a provider that links it (trusted, verified
/// email), and again through the now linked identity; each time Sesame asks for the factor
/// (`/mfa`) and starts no session; the app's code then completes the sign-in.
#[tokio::test]
async fn cve_2026_15616_federated_sign_in_still_asks_for_the_second_factor() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    let id = s
        .create_user(Some("owner"), Some("owner@example.com"), None, PASSWORD)
        .await;
    let secret = add_totp(&s, &id, "totp-1").await;
    let asks_for_the_factor = async |s: &mut TestServer| {
        s.authorize_public("").await;
        let a = federation_round(s, &u, "trusted", person("o-1", "owner@example.com", true)).await;
        assert_eq!(a.location().as_deref(), Some("/mfa"), "{}", a.body);
        assert_eq!(s.state.db.count("sessions").await.expect("count"), 0);
    };
    asks_for_the_factor(&mut s).await;
    assert_eq!(
        s.get("/authorize/resume").await.location().as_deref(),
        Some("/sign-in")
    );
    s.jar.clear();
    asks_for_the_factor(&mut s).await;
    let ok = s
        .submit(
            "/mfa",
            "/flow/mfa",
            &[("action", "verify_totp"), ("code", &totp(&secret, 0))],
        )
        .await;
    let claims = claims_after(&mut s, &ok).await;
    assert_eq!(claims["sub"], id.as_str());
}

// ---- 12. linking by email ----

/// CVE-2026-15611 (Logto) / CVE-2025-7365 (Keycloak) / CVE-2026-9087 (Logto): accounts
/// taken over by linking on an unverified email. A provider whose addresses are not trusted
/// (even if it says verified), and a trusted one that says unverified, return the address
/// of an existing account: Sesame shows the link screen (sign in to link), links nothing,
/// starts no session, and refuses a hand-posted "create" for that address. A trusted,
/// verified address links (the control).
#[tokio::test]
async fn cve_2026_15611_no_linking_on_an_unverified_email() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    let owner = s
        .create_user(Some("owner"), Some("owner@example.com"), None, PASSWORD)
        .await;
    for (connector, verified) in [("up", true), ("up", false), ("trusted", false)] {
        s.jar.clear();
        s.authorize_public("").await;
        let a = federation_round(
            &mut s,
            &u,
            connector,
            person("attacker", "Owner@Example.com", verified),
        )
        .await;
        assert_eq!(
            a.location().as_deref(),
            Some("/federation/link"),
            "{connector}/{verified}: {}",
            a.body
        );
        let page = s.get("/federation/link").await;
        assert!(!page.body.contains("Create a new account"), "{}", page.body);
        let create = s
            .submit(
                "/federation/link",
                "/flow/federation",
                &[("action", "create")],
            )
            .await;
        assert_ne!(create.location().as_deref(), Some("/authorize/resume"));
        let api = s
            .post_json(
                "/api/experience/federation/link",
                json!({"action": "create"}),
            )
            .await;
        assert_ne!(api.json()["next"], "done", "{}", api.body);
        assert_eq!(s.state.db.count("identities").await.expect("count"), 0);
        assert_eq!(s.state.db.count("sessions").await.expect("count"), 0);
        assert_eq!(s.state.db.count("users").await.expect("count"), 1);
    }
    s.jar.clear();
    s.authorize_public("").await;
    let a = federation_round(
        &mut s,
        &u,
        "trusted",
        person("owner-up", "owner@example.com", true),
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/authorize/resume"));
    assert_eq!(s.state.db.identities(&owner).await.expect("ids").len(), 1);
}

// ---- 13. identifier collisions ----

/// CVE-2026-15617 (Logto): look-alike identifiers made separate accounts. Signs up
/// `Alice@x.example`; signing up `alice@x.example`, `ALICE@X.EXAMPLE` or the full-width
/// `ａｌｉｃｅ＠ｘ．ｅｘａｍｐｌｅ` then ends, after the code, at "already in use", and
/// signing in with any of them reaches the same account (the same `sub`).
#[tokio::test]
async fn cve_2026_15617_look_alike_emails_are_one_account() {
    let mut s = TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![IdentifierKind::Email];
    })
    .await;
    let register = async |s: &mut TestServer, email: &str| {
        s.jar.clear();
        s.authorize_public("").await;
        let r = s
            .submit(
                "/register",
                "/flow/register",
                &[
                    ("email", email),
                    ("new_password", PASSWORD),
                    ("confirm_password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            r.location().as_deref(),
            Some("/verify"),
            "{email}: {}",
            r.body
        );
        let code = s.outbox_code("alice@x.example").await;
        enter_code(s, &code).await
    };
    let first = register(&mut s, "Alice@x.example").await;
    let sub = claims_after(&mut s, &first).await["sub"]
        .as_str()
        .expect("sub")
        .to_string();
    let variants = [
        "alice@x.example",
        "ALICE@X.EXAMPLE",
        "\u{ff41}\u{ff4c}\u{ff49}\u{ff43}\u{ff45}\u{ff20}\u{ff58}\u{ff0e}\u{ff45}\u{ff58}\u{ff41}\u{ff4d}\u{ff50}\u{ff4c}\u{ff45}",
    ];
    for v in variants {
        let r = register(&mut s, v).await;
        assert_eq!(r.location().as_deref(), Some("/register"), "{v}");
        assert!(
            s.get("/register").await.body.contains("already in use"),
            "{v}"
        );
        assert_eq!(s.state.db.count("users").await.expect("count"), 1, "{v}");
    }
    for v in std::iter::once("Alice@x.example").chain(variants) {
        s.jar.clear();
        s.authorize_public("").await;
        let r = s.sign_in(v, PASSWORD).await;
        let claims = claims_after(&mut s, &r).await;
        assert_eq!(claims["sub"], sub.as_str(), "{v} is the same account");
    }
}

// ---- 14. the upstream nonce ----

/// CVE-2026-15612 (Logto): an upstream ID token without the `nonce` was accepted. Through
/// the router, a provider's ID token that leaves out the nonce Sesame sent is refused (back
/// to sign-in, no identity, no session); and the public federation client
/// (`server::federation::client::finish`) refuses it as an ID token error, while the same
/// answer with the nonce is accepted.
#[tokio::test]
async fn cve_2026_15612_an_upstream_id_token_must_carry_our_nonce() {
    let u = upstream().await;
    let mut s = federated(&u, |c| c.federation.ask_new_users = false).await;
    s.authorize_public("").await;
    let no_nonce = Scenario {
        omit_nonce: true,
        ..person("u-1", "u1@social.example", true)
    };
    let a = federation_round(&mut s, &u, "up", no_nonce.clone()).await;
    refused(&mut s, &a).await;

    use server::federation::client::{self, DiscoveryCache, FederationError};
    let c = s.state.connectors.get("up").expect("connector");
    let cache = DiscoveryCache::default();
    for (code, scenario) in [
        ("direct-1", no_nonce),
        ("direct-2", person("u-2", "u2@social.example", true)),
    ] {
        let started = client::start(&s.state.http, &cache, &s.state.issuer, c)
            .await
            .expect("start");
        u.codes
            .lock()
            .expect("lock")
            .insert(code.into(), (scenario, started.nonce.clone()));
        let r = client::finish(
            &s.state.http,
            &cache,
            &s.state.issuer,
            c,
            code,
            &started.nonce,
            &started.pkce_verifier,
        )
        .await;
        match code {
            "direct-1" => assert!(matches!(r, Err(FederationError::IdToken(_))), "{r:?}"),
            _ => assert_eq!(r.expect("accepted").subject, "u-2"),
        }
    }
}

// ---- 15. what a reset proves ----

/// Ory Kratos #4317: a recovery code and an emailed code counted as two factors. After a
/// password reset by emailed code, signing in with the new password in the same flow gives
/// `amr` `["pwd"]` and the one-factor `acr`; and a password-reset user flow that ends signed
/// in (Azure AD B2C style), under a mandatory policy that allows emailed codes, must set up
/// another factor type: the emailed code is not offered as the second one.
#[tokio::test]
async fn kratos_4317_a_reset_code_is_not_a_second_factor() {
    let mut s = TestServer::start().await;
    s.create_user(Some("rita"), Some("rita@example.com"), None, PASSWORD)
        .await;
    s.authorize_public("").await;
    ask_for_reset(&mut s, "rita@example.com").await;
    let code = s.outbox_code("rita@example.com").await;
    assert_eq!(
        enter_code(&mut s, &code).await.location().as_deref(),
        Some("/reset-password/new")
    );
    let fresh = "a brand new passphrase";
    let changed = set_new_password(&mut s, "/reset-password/new", fresh).await;
    assert_eq!(changed.location().as_deref(), Some("/sign-in"));
    let r = s.sign_in("rita", fresh).await;
    let claims = claims_after(&mut s, &r).await;
    assert_eq!(claims["amr"], json!(["pwd"]), "{claims}");
    assert_eq!(claims["acr"], "urn:sesame:acr:1fa");

    // A reset user flow that signs in.
    let mut t = TestServer::start_with(|c| {
        let flows: Config = Config::from_table(
            "[[user_flows]]\nname = \"B2C_1_reset\"\ntype = \"password_reset\""
                .parse()
                .expect("toml"),
        )
        .expect("config");
        c.user_flows = flows.user_flows;
        c.mfa.policy = MfaPolicy::Mandatory;
        c.mfa.factors = vec![MfaFactorKind::Totp, MfaFactorKind::Email];
    })
    .await;
    t.create_user(Some("rex"), Some("rex@example.com"), None, PASSWORD)
        .await;
    let start = t.authorize_public("&p=B2C_1_reset").await;
    assert_eq!(start.location().as_deref(), Some("/reset-password"));
    ask_for_reset(&mut t, "rex@example.com").await;
    let code = t.outbox_code("rex@example.com").await;
    enter_code(&mut t, &code).await;
    let set = set_new_password(&mut t, "/reset-password/new", fresh).await;
    assert_eq!(
        set.location().as_deref(),
        Some("/mfa/setup"),
        "{}",
        set.body
    );
    let email = t
        .submit(
            "/mfa/setup",
            "/flow/mfa",
            &[("action", "choose"), ("factor", "email")],
        )
        .await;
    assert_ne!(email.location().as_deref(), Some("/verify"));
    assert_eq!(t.outbox_count("rex@example.com").await, 1, "no second code");
    assert_eq!(t.state.db.count("sessions").await.expect("count"), 0);
}

// ---- 16. the request cannot change ----

/// CVE-2026-7571 (Zitadel): flow parameters changed after the authorization request was
/// validated. Starts a request (state `st-1`, the public client's redirect URI, `code`),
/// then sends other `client_id`, `redirect_uri`, `response_type`, `response_mode`, `state`
/// and `scope` on the sign-in post, on `/authorize/resume` and to the Experience API; the
/// response still goes to the original redirect URI as a query with the original state, and
/// the token has the original scope.
#[tokio::test]
async fn cve_2026_7571_the_authorization_request_is_immutable() {
    let mut s = TestServer::start().await;
    s.create_user(Some("ann"), None, None, PASSWORD).await;
    s.authorize_public("").await;
    let changed = [
        ("client_id", CONFIDENTIAL_CLIENT),
        ("redirect_uri", "https://evil.example/cb"),
        ("response_type", "code id_token"),
        ("response_mode", "fragment"),
        ("state", "evil"),
        ("scope", "openid account"),
    ];
    let api = s
        .post_json(
            "/api/experience",
            json!({"event": "sign_in", "redirect_uri": "https://evil.example/cb"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
    let csrf = s.get("/sign-in").await.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("identifier", "ann"),
        ("password", PASSWORD),
        ("method", "password"),
    ];
    fields.extend_from_slice(&changed);
    let signed = s.post_form("/flow/sign-in", &fields).await;
    assert_eq!(
        signed.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        signed.body
    );
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(changed)
        .finish();
    let done = s.get(&format!("/authorize/resume?{query}")).await;
    let to = done.location().expect("redirect");
    assert!(to.starts_with(&format!("{PUBLIC_REDIRECT}?")), "{to}");
    assert!(!to.contains('#') && !to.contains("id_token"), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st-1"));
    let code = query_param(&to, "code").expect("code");
    let tokens = s.exchange_public(&code).await.json();
    let mut scope: Vec<&str> = tokens["scope"]
        .as_str()
        .expect("scope")
        .split(' ')
        .collect();
    scope.sort_unstable();
    assert_eq!(
        scope,
        ["email", "offline_access", "openid", "profile"],
        "{tokens}"
    );
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().expect("id"))["aud"],
        PUBLIC_CLIENT
    );
}

// ---- 17. removed clients, suspended users ----

/// CVE-2026-3009 / CVE-2026-3047 (Keycloak): a disabled client or user finished a flow
/// started before. A suspended user (`UserRow.suspended_at` set) gets no code at
/// `/authorize/resume`, no session from finishing the second factor, and cannot redeem a
/// code issued before; a client removed from the configuration (restart on the same
/// database) gets no code at `/authorize/resume` and cannot redeem one issued before.
#[tokio::test]
async fn cve_2026_3009_removed_clients_and_suspended_users_cannot_finish() {
    // Suspended between the password and the application's code.
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("sam"), None, None, PASSWORD).await;
    s.authorize_public("").await;
    let r = s.sign_in("sam", PASSWORD).await;
    assert_eq!(r.location().as_deref(), Some("/authorize/resume"));
    s.state
        .db
        .set_suspended(&id, Some(now()))
        .await
        .expect("suspend");
    let resume = s.get("/authorize/resume").await;
    assert!(
        resume.location().is_none_or(|l| !l.contains("code=")),
        "{:?}",
        resume.location()
    );
    // Suspended after the code was issued.
    s.state
        .db
        .set_suspended(&id, None)
        .await
        .expect("reinstate");
    s.jar.clear();
    s.authorize_public("").await;
    s.sign_in("sam", PASSWORD).await;
    let code = code_from(&s.get("/authorize/resume").await);
    s.state
        .db
        .set_suspended(&id, Some(now()))
        .await
        .expect("suspend");
    let t = s.exchange_public(&code).await;
    assert_eq!(t.status, StatusCode::BAD_REQUEST, "{}", t.body);
    assert_eq!(t.json()["error"], "invalid_grant");
    // Suspended during the second factor.
    let mut m = TestServer::start_with(|c| c.mfa.policy = MfaPolicy::Mandatory).await;
    let mid = m.create_user(Some("mia"), None, None, PASSWORD).await;
    m.authorize_public("").await;
    api_sign_in(&mut m, "mia", PASSWORD).await;
    let secret = api_totp_secret(&mut m).await;
    m.state
        .db
        .set_suspended(&mid, Some(now()))
        .await
        .expect("suspend");
    let r = api_setup_totp(&mut m, &secret).await;
    assert_eq!(r.json()["next"], "suspended", "{}", r.body);
    let r = api_mfa(&mut m, json!({"action": "backup_codes_saved"})).await;
    assert_ne!(r.json()["next"], "done", "{}", r.body);
    assert_eq!(m.state.db.count("sessions").await.expect("count"), 0);
    assert!(m
        .get("/authorize/resume")
        .await
        .location()
        .is_none_or(|l| !l.contains("code=")));

    // A client removed between the sign-in and the code.
    let mut c = TestServer::start().await;
    c.create_user(Some("cleo"), None, None, PASSWORD).await;
    c.authorize_public("").await;
    c.sign_in("cleo", PASSWORD).await;
    // Another browser of hers got a code before the change.
    let first = std::mem::take(&mut c.jar);
    c.authorize_public("").await;
    c.sign_in("cleo", PASSWORD).await;
    let earlier = code_from(&c.get("/authorize/resume").await);
    c.jar = first;
    restart(&mut c, |config| {
        config.clients.retain(|x| x.id != PUBLIC_CLIENT);
    })
    .await;
    let resume = c.get("/authorize/resume").await;
    assert!(
        resume.location().is_none_or(|l| !l.contains("code=")),
        "{:?}",
        resume.location()
    );
    assert!(resume.body.contains("not registered"), "{}", resume.body);
    let t = c.exchange_public(&earlier).await;
    assert!(
        t.status == StatusCode::UNAUTHORIZED || t.status == StatusCode::BAD_REQUEST,
        "{} {}",
        t.status,
        t.body
    );
    assert!(t.json().get("access_token").is_none());
}

// ---- 18. repeated parameters ----

/// CVE-2026-9689 (Ory Hydra): duplicated OAuth parameters read two ways. `/authorize` with
/// `redirect_uri` or `client_id` twice gets the error page (400, no redirect); with `state`
/// or `scope` twice, `invalid_request` at the registered redirect URI and no flow; the token
/// endpoint answers `invalid_request` to a repeated `code` or `redirect_uri`, and the code
/// still works afterwards.
#[tokio::test]
async fn cve_2026_9689_repeated_parameters_are_refused() {
    let mut s = TestServer::start().await;
    let r = urlencode(CONFIDENTIAL_REDIRECT);
    let evil = urlencode("https://evil.example/cb");
    for (what, query) in [
        (
            "the same redirect_uri twice",
            format!("client_id={CONFIDENTIAL_CLIENT}&redirect_uri={r}&redirect_uri={r}"),
        ),
        (
            "another redirect_uri second",
            format!("client_id={CONFIDENTIAL_CLIENT}&redirect_uri={r}&redirect_uri={evil}"),
        ),
        (
            "another redirect_uri first",
            format!("client_id={CONFIDENTIAL_CLIENT}&redirect_uri={evil}&redirect_uri={r}"),
        ),
        (
            "client_id twice",
            format!("client_id={CONFIDENTIAL_CLIENT}&client_id={PUBLIC_CLIENT}&redirect_uri={r}"),
        ),
    ] {
        let a = s
            .get(&format!(
                "/authorize?{query}&response_type=code&scope=openid&state=s"
            ))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {}", a.body);
        assert!(a.location().is_none(), "{what}");
        assert!(a.body.contains("repeats a parameter"), "{what}: {}", a.body);
    }
    for extra in [
        "&state=a&state=b",
        "&scope=openid&state=a",
        "&response_type=code",
    ] {
        let a = s
            .get(&format!(
                "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={r}&response_type=code&scope=openid{extra}"
            ))
            .await;
        let to = a.location().expect("redirect");
        assert!(to.starts_with(CONFIDENTIAL_REDIRECT), "{to}");
        assert_eq!(
            query_param(&to, "error").as_deref(),
            Some("invalid_request"),
            "{extra}"
        );
        assert!(query_param(&to, "code").is_none());
    }
    assert_eq!(s.state.db.count("interactions").await.expect("count"), 0);
    // The token endpoint.
    let code = s.code_for_new_user("dup").await;
    for repeated in ["code", "redirect_uri"] {
        let mut fields = public_code_fields(&code);
        fields.push((
            repeated,
            if repeated == "code" {
                "other"
            } else {
                "http://127.0.0.1/other"
            },
        ));
        let t = s.post_backchannel("/token", None, &fields).await;
        assert_eq!(t.status, StatusCode::BAD_REQUEST, "{repeated}");
        assert_eq!(t.json()["error"], "invalid_request", "{repeated}");
    }
    let t = s.exchange_public(&code).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
}

// ---- 20. sizes ----

/// CVE-2026-4634 (Keycloak): a very long `scope` exhausted the server. Sends a 60 KB scope
/// to `GET /authorize` (414; 64 KB is the most a URI can hold), a 100 KB one to `POST
/// /authorize` and to the token endpoint (413), a 7 KB scope under the query limit (an
/// answer, not a 500), and a 100 KB body with its `Content-Length` to every kind of POST
/// endpoint (the token endpoint, `/flow/*`, `/api/experience/*`, `/api/my-account*`): 413
/// each, quickly. Streamed without a length, the body is cut at the limit: 413 from the
/// token endpoint, `POST /authorize` and the Experience API steps, and never a 500 or a
/// success from the others (forms then see an empty post).
#[tokio::test]
async fn cve_2026_4634_oversized_requests_are_refused_early() {
    let mut s = TestServer::start().await;
    let started = std::time::Instant::now();
    // The largest URI a client library builds (64 KB) for the GET, 100 KB for the posts.
    let too_long = format!("openid {}", "x".repeat(60 * 1024));
    let scope = format!("openid {}", "x".repeat(100 * 1024));
    let a = s
        .get(&format!(
            "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope={}",
            urlencode(CONFIDENTIAL_REDIRECT),
            urlencode(&too_long)
        ))
        .await;
    assert_eq!(a.status, StatusCode::URI_TOO_LONG);
    let form = format!(
        "client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope={}",
        urlencode(CONFIDENTIAL_REDIRECT),
        urlencode(&scope)
    );
    for declare in [true, false] {
        let a = s
            .send(raw_post(
                "/authorize",
                "application/x-www-form-urlencoded",
                form.clone(),
                declare,
            ))
            .await;
        assert_eq!(
            a.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "declared {declare}"
        );
    }
    let t = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &[("grant_type", "client_credentials"), ("scope", &scope)],
        )
        .await;
    assert_eq!(t.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Long, but under the limit: an answer, not a failure.
    let long = format!("openid {}", "y ".repeat(3500));
    let a = s
        .get(&format!(
            "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope={}",
            urlencode(CONFIDENTIAL_REDIRECT),
            urlencode(&long)
        ))
        .await;
    assert!(!a.status.is_server_error(), "{}", a.status);
    let t = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &[
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("scope", &long),
            ],
        )
        .await;
    assert!(!t.status.is_server_error(), "{}", t.status);
    // Every kind of POST endpoint.
    s.authorize_public("").await;
    let big = "x".repeat(100 * 1024);
    let form_body = format!("csrf=x&identifier={big}");
    let json_body = json!({"identifier": big}).to_string();
    for uri in [
        "/token",
        "/introspect",
        "/userinfo",
        "/logout",
        "/flow/sign-in",
        "/flow/register",
        "/flow/mfa",
        "/flow/account",
        "/flow/logout",
        "/federation/callback/nope",
    ] {
        let a = s
            .send(raw_post(
                uri,
                "application/x-www-form-urlencoded",
                form_body.clone(),
                true,
            ))
            .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
    }
    // Streamed: what each answers once the body is cut (the API start reads 4 KB at most;
    // the Account API checks the bearer first).
    for (uri, streamed) in [
        ("/api/experience", StatusCode::BAD_REQUEST),
        ("/api/experience/identify", StatusCode::PAYLOAD_TOO_LARGE),
        (
            "/api/experience/sign-in/password",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        ("/api/experience/mfa", StatusCode::PAYLOAD_TOO_LARGE),
        ("/api/my-account/password", StatusCode::UNAUTHORIZED),
        (
            "/api/my-account/verifications/password",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        for declare in [true, false] {
            let a = s
                .send(raw_post(
                    uri,
                    "application/json",
                    json_body.clone(),
                    declare,
                ))
                .await;
            let expected = if declare {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                streamed
            };
            assert_eq!(a.status, expected, "{uri}, declared {declare}: {}", a.body);
        }
    }
    for uri in ["/token", "/flow/sign-in", "/flow/mfa"] {
        let a = s
            .send(raw_post(
                uri,
                "application/x-www-form-urlencoded",
                form_body.clone(),
                false,
            ))
            .await;
        assert!(
            !a.status.is_server_error() && !a.status.is_success(),
            "{uri} streamed: {} {}",
            a.status,
            a.body
        );
        if uri == "/token" {
            assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
    assert_eq!(s.state.db.count("users").await.expect("count"), 0);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

// ---- 21. reflected values ----

/// GO-2026-4861 (Go OAuth2 server): reflected parameters unescaped on error pages. Sends
/// `<script>` in `client_id` (the unknown-client page names it), in the user flow `p`, in
/// `state` and in an error description shown by a `form_post` error response, and in
/// `login_hint` (pre-filled on the sign-in page); no page contains a raw `<script>alert`,
/// and the values appear HTML-encoded.
#[tokio::test]
async fn go_2026_4861_reflected_values_are_html_encoded() {
    let mut s = TestServer::start().await;
    let xss = "\"><script>alert(1)</script>";
    let check = |a: &Answer, what: &str| {
        assert!(!a.body.contains("<script>alert"), "{what}: {}", a.body);
        assert!(
            a.body.contains("&lt;script&gt;alert") || a.body.contains("&lt;script>alert"),
            "{what}: the value is shown encoded: {}",
            a.body
        );
    };
    let a = s
        .get(&format!(
            "/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid",
            urlencode(xss),
            urlencode(CONFIDENTIAL_REDIRECT)
        ))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    check(&a, "client_id");
    let a = s
        .get(&authorize_uri(
            CONFIDENTIAL_CLIENT,
            CONFIDENTIAL_REDIRECT,
            &format!("&p={}", urlencode(xss)),
        ))
        .await;
    check(&a, "p");
    let a = s
        .get(&format!(
            "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope=openid&response_mode=form_post&state={}&prompt={}",
            urlencode(CONFIDENTIAL_REDIRECT),
            urlencode(xss),
            urlencode("<script>alert(2)</script>")
        ))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body.contains("name=\"error\""), "{}", a.body);
    check(&a, "state and error_description");
    assert!(!a.body.contains("<script>alert(2)"), "{}", a.body);
    s.authorize_public(&format!("&login_hint={}", urlencode(xss)))
        .await;
    let page = s.get("/sign-in").await;
    check(&page, "login_hint");
}

// ---- 22. login_hint upstream ----

/// Ory Kratos v26.2.19: a caller-supplied `login_hint` forwarded to the upstream provider.
/// Starts an authorization request with `login_hint=victim@example.com`, then federation
/// (also with `login_hint` on the start URL itself); the redirect to the provider carries no
/// `login_hint` and not the address.
#[tokio::test]
async fn kratos_26_2_19_login_hint_is_not_forwarded_upstream() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    s.authorize_public("&login_hint=victim%40example.com").await;
    let (to, _, _) = federation_start(&mut s, "up").await;
    assert!(to.starts_with(&format!("{}/auth?", u.issuer)), "{to}");
    assert!(query_param(&to, "login_hint").is_none(), "{to}");
    assert!(!to.contains("victim"), "{to}");
    let go = s
        .get("/sign-in/with/up?login_hint=victim%40example.com")
        .await;
    let to = go.location().expect("redirect");
    assert!(to.starts_with(&u.issuer), "{to}");
    assert!(query_param(&to, "login_hint").is_none(), "{to}");
    assert!(!to.contains("victim"), "{to}");
    let api = s
        .post_json("/api/experience/federation", json!({"connector": "up"}))
        .await;
    let to = api.json()["redirect_to"]
        .as_str()
        .expect("redirect")
        .to_string();
    assert!(query_param(&to, "login_hint").is_none(), "{to}");
    assert!(!to.contains("victim"), "{to}");
}

// ---- 23. logout CSRF ----

/// Ory Kratos logout CSRF: a GET of the logout endpoint signed users out. Sends GET and a
/// cross-site POST of `/logout` without `id_token_hint`, GET `/sign-out`, and posts of the
/// confirmations without the anti-forgery token; the session lives on. The confirmation with
/// the token signs out.
#[tokio::test]
async fn kratos_logout_csrf_needs_a_confirmed_post() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("ivy").await;
    let alive = async |s: &mut TestServer, what: &str| {
        assert_eq!(
            s.state.db.count("sessions").await.expect("count"),
            1,
            "{what}"
        );
        assert!(s.get("/").await.body.contains("ivy"), "{what}");
    };
    let ask = s.get("/logout").await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    alive(&mut s, "GET /logout").await;
    let ask = s
        .get(&format!(
            "/logout?client_id={PUBLIC_CLIENT}&post_logout_redirect_uri={}",
            urlencode(PUBLIC_REDIRECT)
        ))
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    alive(&mut s, "GET /logout?client_id").await;
    let cookies: String = s
        .jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let cross = Request::post("/logout")
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(format!("client_id={PUBLIC_CLIENT}")))
        .expect("request");
    s.send(cross).await;
    alive(&mut s, "cross-site POST /logout").await;
    s.get("/sign-out").await;
    alive(&mut s, "GET /sign-out").await;
    for uri in ["/flow/logout", "/flow/sign-out"] {
        s.post_form(uri, &[("client_id", PUBLIC_CLIENT)]).await;
        alive(&mut s, uri).await;
        s.post_form(uri, &[("csrf", "forged"), ("client_id", PUBLIC_CLIENT)])
            .await;
        alive(&mut s, uri).await;
    }
    let csrf = s.get("/logout").await.csrf();
    s.post_form("/flow/logout", &[("csrf", &csrf)]).await;
    assert_eq!(s.state.db.count("sessions").await.expect("count"), 0);
}

// ---- 24. Account API scopes ----

/// CVE-2026-63203 (Logto): the Account API's identities without their scope. An access token
/// with `openid account` (no `account:identities`) gets 403 `insufficient_scope` on
/// `/api/my-account/identities` (and on the other areas); one with `account:identities`
/// lists them; one without `account` gets nothing at all.
#[tokio::test]
async fn cve_2026_63203_account_api_areas_need_their_scope() {
    let mut s = account_api_server().await;
    s.create_user(Some("ann"), None, None, PASSWORD).await;
    let plain = access_token(&mut s, "ann", "openid profile").await;
    let r = api_get(&mut s, "/api/my-account/identities", &plain).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let account = access_token(&mut s, "ann", "openid account").await;
    // (Organizations, the last area, are covered in account_api.rs.)
    assert_insufficient_scope(&mut s, &account, &SCOPED_ACCOUNT_AREAS[..5]).await;
    let me = api_get(&mut s, "/api/my-account", &account).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let with = access_token(&mut s, "ann", "openid account account:identities").await;
    let r = api_get(&mut s, "/api/my-account/identities", &with).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!([]));
    let r = api_get(&mut s, "/api/my-account/mfa", &with).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "one area's scope is not another's"
    );
}

// ---- 25. outbound requests ----

/// A listener that answers every request to `/hook` with a 307 to `/internal`, and counts
/// the requests each path gets.
async fn redirecting_receiver() -> (String, Arc<Mutex<(u32, u32)>>) {
    let hits: Arc<Mutex<(u32, u32)>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (h1, h2) = (hits.clone(), hits.clone());
    let internal = format!("{base}/internal");
    let app = Router::new()
        .route(
            "/hook",
            post(move || {
                let hits = h1.clone();
                let internal = internal.clone();
                async move {
                    hits.lock().expect("lock").0 += 1;
                    (
                        StatusCode::TEMPORARY_REDIRECT,
                        [(header::LOCATION, internal)],
                    )
                }
            }),
        )
        .route(
            "/internal",
            post(move || {
                let hits = h2.clone();
                async move {
                    hits.lock().expect("lock").1 += 1;
                    "secret"
                }
            })
            .get(|| async { "secret" }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, hits)
}

/// A new user signs in to the confidential app (which has a back-channel logout URI) in a
/// fresh browser and signs out with its ID token as the hint; the sign-out's answer.
async fn sign_in_and_out_of_the_confidential_app(s: &mut TestServer) -> Answer {
    s.jar.clear();
    s.get(&format!(
        "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope=openid&state=s1&nonce=n1",
        urlencode(CONFIDENTIAL_REDIRECT)
    ))
    .await;
    let tokens = confidential_tokens_for_new_user(s, "bea").await;
    let hint = tokens["id_token"].as_str().expect("id token");
    s.get(&format!("/logout?id_token_hint={hint}")).await
}

/// CVE-2026-56739 (Logto): SSRF through admin-configured outbound URLs. Sesame's outbound
/// URLs (back-channel logout URIs, the SMS webhook, connector endpoints) come from the
/// configuration file; whatever their address, an outbound request is never redirected
/// elsewhere. Here private networks are allowed (the receiver is on loopback); a
/// back-channel logout receiver and the SMS webhook each answer 307 to an internal URL; that
/// URL is never requested.
#[tokio::test]
async fn cve_2026_56739_outbound_requests_do_not_follow_redirects() {
    let (base, hits) = redirecting_receiver().await;
    let hook = format!("{base}/hook");
    let backchannel = hook.clone();
    let mut s = TestServer::start_with(move |c| {
        let app = c
            .clients
            .iter_mut()
            .find(|x| x.id == CONFIDENTIAL_CLIENT)
            .expect("client");
        app.backchannel_logout_uri = Some(backchannel);
        c.sms.connector = server::config::SmsConnector::Webhook;
        c.sms.webhook.url = hook;
        c.sms.webhook.body = r#"{"to":"{{to}}","text":"{{text}}"}"#.into();
    })
    .await;
    // The SMS webhook (sent while the request is answered).
    s.authorize_public("").await;
    send_sign_in(&mut s, "+1 202 555 0143", "code").await;
    assert_eq!(*hits.lock().expect("lock"), (1, 0), "SMS webhook");
    // A back-channel logout (sent in the background).
    sign_in_and_out_of_the_confidential_app(&mut s).await;
    for _ in 0..100 {
        if hits.lock().expect("lock").0 >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A redirect would be followed within the same call; give it a moment anyway.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (hook_hits, internal_hits) = *hits.lock().expect("lock");
    assert!(hook_hits >= 2, "the back-channel logout was sent");
    assert_eq!(internal_hits, 0, "a redirect was followed");
}

/// CVE-2026-56739, the address rule at load: with private networks not allowed (the
/// default), an outbound URL written with a loopback, private or link-local address, or
/// `localhost`, is refused when the configuration loads, naming its key and the setting that
/// allows it; with `outbound.allow_private_networks = true` the same configuration loads.
#[test]
fn cve_2026_56739_internal_outbound_urls_are_refused_at_load() {
    let cases = [
        (
            "[[connectors]]\nid = \"up\"\nname = \"Up\"\nissuer = \"http://127.0.0.1:3110\"\nclient_id = \"x\"",
            "connectors[0].issuer",
        ),
        (
            "[[connectors]]\nid = \"corp\"\npreset = \"saml\"\nidp_metadata_url = \"http://169.254.169.254/latest/meta-data\"",
            "connectors[0].idp_metadata_url",
        ),
        (
            "[sms]\nconnector = \"webhook\"\n[sms.webhook]\nurl = \"http://localhost:8080/send\"",
            "sms.webhook.url",
        ),
        (
            "[[clients]]\nid = \"a\"\nredirect_uris = [\"https://a.example/cb\"]\nbackchannel_logout_uri = \"http://[::1]:9/bc\"",
            "clients[0].backchannel_logout_uri",
        ),
        (
            "[[clients]]\nid = \"a\"\nredirect_uris = [\"https://a.example/cb\"]\nbackchannel_logout_uri = \"https://10.1.2.3/bc\"",
            "clients[0].backchannel_logout_uri",
        ),
        (
            "[[clients]]\nid = \"a\"\nredirect_uris = [\"https://a.example/cb\"]\nbackchannel_logout_uri = \"https://localhost./bc\"",
            "clients[0].backchannel_logout_uri",
        ),
    ];
    for (text, key) in cases {
        let e = load(text.parse().expect(text)).expect_err(text).to_string();
        assert!(
            e.contains(key) && e.contains("outbound.allow_private_networks"),
            "{text}: {e}"
        );
        let allowed = format!("[outbound]\nallow_private_networks = true\n{text}");
        load(allowed.parse().expect(text)).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    // A public address is not refused.
    load(
        "[[clients]]\nid = \"a\"\nredirect_uris = [\"https://a.example/cb\"]\nbackchannel_logout_uri = \"https://93.184.215.14/bc\""
            .parse()
            .expect("toml"),
    )
    .expect("a public address loads");
}

/// CVE-2026-56739, the address rule at request time (the configuration above bypassed by
/// editing it after load, as a name that resolves to an internal address would): the SMS
/// webhook named `localhost` (refused after the name resolves) and a back-channel logout
/// URI written as `127.0.0.1` (refused before connecting) are never contacted. The user
/// who asked for a text message is told it could not be sent; the receiver counts no
/// request. The test above shows the same flows reach it when private networks are allowed.
#[tokio::test]
async fn cve_2026_56739_outbound_requests_to_internal_addresses_are_refused() {
    let (base, hits) = redirecting_receiver().await;
    let port = base.rsplit(':').next().expect("port").to_string();
    let literal = format!("{base}/hook");
    let mut s = TestServer::start_with(move |c| {
        c.outbound.allow_private_networks = false;
        let app = c
            .clients
            .iter_mut()
            .find(|x| x.id == CONFIDENTIAL_CLIENT)
            .expect("client");
        app.backchannel_logout_uri = Some(literal);
        c.sms.connector = server::config::SmsConnector::Webhook;
        c.sms.webhook.url = format!("http://localhost:{port}/hook");
        c.sms.webhook.body = r#"{"to":"{{to}}","text":"{{text}}"}"#.into();
    })
    .await;
    s.authorize_public("").await;
    let sent = send_sign_in(&mut s, "+1 202 555 0143", "code").await;
    let page = s
        .get(sent.location().as_deref().unwrap_or("/sign-in"))
        .await;
    assert!(
        page.body.contains("We could not send the message"),
        "{}",
        page.body
    );
    let out = sign_in_and_out_of_the_confidential_app(&mut s).await;
    assert!(
        out.status.is_success() || out.status.is_redirection(),
        "{}",
        out.status
    );
    // The first delivery attempt starts at once (the test above sees it within a poll).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        *hits.lock().expect("lock"),
        (0, 0),
        "an internal address was contacted"
    );
}

/// The outbound client's rules, on both paths a request takes: Sesame's own requests
/// (`send`, `deliver`) and the `oauth2` and `openidconnect` crates' (discovery, signing keys,
/// token exchange, through `AsyncHttpClient`). With private networks not allowed, a loopback
/// address in the URL and a name that resolves to one (`localhost`) are refused, and the
/// error says so; allowed, the same receiver answers. Answers past `max_response_bytes`,
/// with a `Content-Length` or streamed without one, are refused; a larger limit reads them
/// whole; `deliver` reads no body, so a large one is no failure there.
#[tokio::test]
async fn outbound_client_refuses_internal_addresses_and_large_answers() {
    use server::outbound::{Outbound, OutboundError};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let big = "x".repeat(200 * 1024);
    let streamed = big.clone();
    let app = Router::new()
        .route("/small", axum::routing::get(|| async { "ok" }))
        .route("/sized", axum::routing::get(move || async move { big }))
        .route(
            "/streamed",
            axum::routing::get(move || async move {
                let chunks = streamed
                    .into_bytes()
                    .chunks(8192)
                    .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
                    .collect::<Vec<_>>();
                Body::from_stream(futures_util::stream::iter(chunks))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = |allow_private_networks: bool, max_response_bytes: usize| {
        let config = server::config::OutboundConfig {
            allow_private_networks,
            max_response_bytes,
        };
        Outbound::new(&config, std::time::Duration::from_secs(5)).expect("client")
    };
    let (strict, open, roomy) = (
        client(false, 64 * 1024),
        client(true, 64 * 1024),
        client(true, 1024 * 1024),
    );
    let through_crates = |c: &Outbound, url: &str| {
        let request = http::Request::get(url).body(Vec::new()).expect("request");
        let c = c.clone();
        async move { oauth2::AsyncHttpClient::call(&c, request).await }
    };
    for url in [
        format!("{base}/small"),
        format!("http://localhost:{}/small", addr.port()),
    ] {
        let e = strict.send(strict.get(&url)).await.expect_err(&url);
        assert!(matches!(e, OutboundError::PrivateAddress(_)), "{url}: {e}");
        let e = through_crates(&strict, &url).await.expect_err(&url);
        assert!(matches!(e, OutboundError::PrivateAddress(_)), "{url}: {e}");
        let e = strict.deliver(strict.get(&url)).await.expect_err(&url);
        assert!(e.to_string().contains("not a public address"), "{url}: {e}");
    }
    let ok = open
        .send(open.get(format!("{base}/small")))
        .await
        .expect("allowed");
    assert_eq!((ok.status, ok.text().as_str()), (StatusCode::OK, "ok"));
    let ok = through_crates(&open, &format!("{base}/small"))
        .await
        .expect("allowed");
    assert_eq!(ok.body(), b"ok");
    for path in ["sized", "streamed"] {
        let url = format!("{base}/{path}");
        let e = open.send(open.get(&url)).await.expect_err(path);
        assert!(matches!(e, OutboundError::TooLarge(_)), "{path}: {e}");
        let e = through_crates(&open, &url).await.expect_err(path);
        assert!(matches!(e, OutboundError::TooLarge(_)), "{path}: {e}");
        let status = open.deliver(open.get(&url)).await.expect(path);
        assert_eq!(status, StatusCode::OK, "{path}");
        let answer = roomy.send(roomy.get(&url)).await.expect(path);
        assert_eq!(answer.body.len(), 200 * 1024, "{path}");
    }
}

// ---- 26. custom CSS ----

/// Custom CSS injection (branding): CSS that closes its element (`</style><script>`),
/// imports a sheet (`@import url(https://evil)`), names a script URL (`url(javascript:…)`),
/// or uses `expression()`, also behind escapes and comments, is refused when the
/// configuration loads (`branding.custom_css` and an application's). Harmless CSS reaches
/// the page in a `<style>` element with the nonce that the CSP's `style-src` names, and
/// `script-src` has the same nonce.
#[tokio::test]
async fn custom_css_cannot_escape_or_load_anything() {
    let with_css = |css: &str, per_client: bool| {
        let mut branding = toml::Table::new();
        branding.insert("custom_css".into(), css.into());
        if per_client {
            one_client("branding", toml::Value::Table(branding))
        } else {
            let mut t = toml::Table::new();
            t.insert("branding".into(), toml::Value::Table(branding));
            t
        }
    };
    for css in [
        "a{}</style><script>alert(1)</script>",
        "a{}</STYLE ><script>alert(1)</script>",
        "@import url(https://evil.example/x.css);",
        "@IMPORT 'https://evil.example/x.css';",
        "@\\69mport url(https://evil.example/x.css);",
        "@im/**/port url(https://evil.example/x.css);",
        "a{background:url(javascript:alert(1))}",
        "a{background:url( 'JavaScript:alert(1)' )}",
        "a{background:url(j\\61vascript:alert(1))}",
        "a{background:url(vbscript:msgbox(1))}",
        "a{width:expression(alert(1))}",
        "a{width:EXPRESSION (alert(1))}",
        "a{-moz-binding:url(https://evil.example/x.xml#y)}",
        "a{behavior:url(x.htc)}",
    ] {
        let err = load(with_css(css, false)).expect_err(css).to_string();
        assert!(err.contains("branding.custom_css"), "{css}: {err}");
        let err = load(with_css(css, true)).expect_err(css).to_string();
        assert!(
            err.contains("clients[0].branding.custom_css"),
            "{css}: {err}"
        );
    }
    let fine = ".card { border-radius: 0; background: url(https://cdn.example/bg.png); }";
    let config = load(with_css(fine, false)).expect("harmless CSS loads");
    let mut s = TestServer::start_with(move |c| c.branding = config.branding).await;
    let page = s.get("/sign-in").await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .to_string();
    let nonce_of = |directive: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(directive))
            .and_then(|d| d.split("'nonce-").nth(1))
            .and_then(|n| n.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {directive}: {csp}"))
            .to_string()
    };
    let nonce = nonce_of("style-src");
    assert_eq!(nonce_of("script-src"), nonce, "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        page.body.contains(&format!("<style nonce=\"{nonce}\">")),
        "{}",
        page.body
    );
    assert!(page.body.contains(fine));
}

// ---- 27. page headers ----

/// The nonce attributes of a page.
fn nonces_in(html: &str) -> Vec<String> {
    html.split("nonce=\"")
        .skip(1)
        .map(|p| p[..p.find('"').expect("end of nonce")].to_string())
        .collect()
}

/// Response headers of the sign-in page (server/src/web.rs `page_headers` and the global
/// guard): a CSP whose nonce is the one on every `nonce` attribute of the page (and new on
/// each response), `frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`,
/// `Referrer-Policy`, `X-Frame-Options: DENY`, and HSTS only when the public URL is https.
#[tokio::test]
async fn sign_in_pages_carry_the_security_headers() {
    let mut s = TestServer::start().await;
    s.authorize_public("").await;
    let page = s.get("/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    let h = &page.headers;
    let csp = h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .to_string();
    let nonce = csp
        .split("script-src 'self' 'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a script nonce")
        .to_string();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        csp.contains(&format!("style-src 'self' 'nonce-{nonce}'")),
        "{csp}"
    );
    let found = nonces_in(&page.body);
    assert!(!found.is_empty(), "the page's scripts carry the nonce");
    assert!(found.iter().all(|n| *n == nonce), "{found:?} vs {nonce}");
    for directive in [
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "default-src 'self'",
    ] {
        assert!(csp.contains(directive), "{directive}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(h.contains_key(header::REFERRER_POLICY));
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        !h.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "no HSTS over plain http"
    );
    let next = s.get("/sign-in").await;
    assert!(
        !next.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains(&nonce),
        "a new nonce for each response"
    );
    let mut t = TestServer::start_with(|c| {
        c.server.public_url = "https://login.example.com".into();
        c.dev.outbox_page = false;
    })
    .await;
    let page = t.get("/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    let hsts = page.headers[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .expect("hsts");
    assert!(hsts.contains("max-age=31536000"), "{hsts}");
    assert!(page.headers.contains_key(header::CONTENT_SECURITY_POLICY));
}

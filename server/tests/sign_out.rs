//! Sign-out through the router: RP-initiated logout with and without a valid `id_token_hint`,
//! exact `post_logout_redirect_uri` matching, the session and its session-bound tokens ended,
//! back-channel logout tokens (checked like a receiver would, against the JWKS) delivered and
//! retried, a receiver that is down not holding up the user, and front-channel frames.

use crate::common::*;
use axum::routing::post;
use josekit::jwk::Jwk;
use josekit::jws::{JwsVerifier, ES256, RS256};
use std::sync::{Arc, Mutex};

const BYE: &str = "https://app.example.com/bye";

/// Logout tokens received, and how many deliveries to refuse first.
#[derive(Default)]
struct Receiver {
    tokens: Mutex<Vec<String>>,
    refuse: Mutex<u32>,
}

async fn receiver() -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver::default());
    let shared = r.clone();
    let app = axum::Router::new().route(
        "/backchannel",
        post(
            move |axum::Form(f): axum::Form<std::collections::HashMap<String, String>>| {
                let r = shared.clone();
                async move {
                    let mut refuse = r.refuse.lock().expect("lock");
                    if *refuse > 0 {
                        *refuse -= 1;
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    r.tokens
                        .lock()
                        .expect("lock")
                        .push(f.get("logout_token").cloned().unwrap_or_default());
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/backchannel",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, r)
}

async fn sesame(backchannel: Option<String>, frontchannel: Option<&str>) -> TestServer {
    let front = frontchannel.map(String::from);
    TestServer::start_with(move |c| {
        let app = c
            .clients
            .iter_mut()
            .find(|x| x.id == CONFIDENTIAL_CLIENT)
            .expect("client");
        app.post_logout_redirect_uris = vec![BYE.into()];
        app.backchannel_logout_uri = backchannel;
        app.frontchannel_logout_uri = front;
    })
    .await
}

/// Signs `username` up through the confidential client; answers its token response.
async fn signed_in(s: &mut TestServer, username: &str, scope: &str) -> serde_json::Value {
    let start = s
        .get(&format!(
            "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope={}&state=s1&nonce=n1",
            urlencode(CONFIDENTIAL_REDIRECT),
            urlencode(scope)
        ))
        .await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    confidential_tokens_for_new_user(s, username).await
}

fn logout_url(hint: Option<&str>, redirect: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(h) = hint {
        q.append_pair("id_token_hint", h);
    } else {
        q.append_pair("client_id", CONFIDENTIAL_CLIENT);
    }
    q.append_pair("post_logout_redirect_uri", redirect)
        .append_pair("state", "bye-state");
    format!("/logout?{}", q.finish())
}

#[tokio::test]
async fn a_valid_hint_signs_out_at_once_and_ends_the_session_bound_tokens() {
    let mut s = sesame(None, None).await;
    let disco = s.get("/.well-known/openid-configuration").await.json();
    assert_eq!(
        disco["end_session_endpoint"],
        "http://localhost:3000/logout"
    );
    assert_eq!(disco["backchannel_logout_session_supported"], true);
    let tokens = signed_in(&mut s, "lena", "openid").await;
    let id_token = tokens["id_token"].as_str().expect("id token");
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(s.userinfo(access).await.status, axum::http::StatusCode::OK);

    let out = s.get(&logout_url(Some(id_token), BYE)).await;
    assert_eq!(
        out.location().as_deref(),
        Some("https://app.example.com/bye?state=bye-state")
    );
    assert!(!s.jar.contains_key("sesame_session"));
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
    assert_eq!(
        s.userinfo(access).await.status,
        axum::http::StatusCode::UNAUTHORIZED,
        "tokens bound to the session end with it"
    );
    // Again, with nothing left to end: straight back to the application.
    let again = s.get(&logout_url(Some(id_token), BYE)).await;
    assert!(again.location().expect("back").starts_with(BYE));
}

#[tokio::test]
async fn offline_access_outlives_the_session() {
    let mut s = sesame(None, None).await;
    let tokens = signed_in(&mut s, "mona", "openid offline_access").await;
    let refresh = tokens["refresh_token"].as_str().expect("refresh token");
    let out = s.get(&logout_url(tokens["id_token"].as_str(), BYE)).await;
    assert!(out.location().expect("back").starts_with(BYE));
    let r = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn without_a_valid_hint_the_user_confirms_first() {
    let mut s = sesame(None, None).await;
    let tokens = signed_in(&mut s, "nina", "openid").await;
    // No hint: a confirmation page, and nothing ends on a GET.
    let ask = s.get(&logout_url(None, BYE)).await;
    assert_eq!(ask.status, axum::http::StatusCode::OK);
    assert!(
        ask.body.contains("Confidential App asks to sign you out"),
        "{}",
        ask.body
    );
    assert!(s.jar.contains_key("sesame_session"));
    // A hint changed by someone: the same.
    let forged = tokens["id_token"]
        .as_str()
        .expect("id token")
        .replace('.', ".x");
    let ask_forged = s.get(&logout_url(Some(&forged), BYE)).await;
    assert_eq!(ask_forged.status, axum::http::StatusCode::OK);
    assert!(s.jar.contains_key("sesame_session"));

    // Without the anti-forgery token, the confirmation does nothing.
    let r = s
        .post_form(
            "/flow/logout",
            &[
                ("client_id", CONFIDENTIAL_CLIENT),
                ("post_logout_redirect_uri", BYE),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/logout"));
    assert!(s.jar.contains_key("sesame_session"));

    let csrf = ask.csrf();
    let r = s
        .post_form(
            "/flow/logout",
            &[
                ("csrf", &csrf),
                ("client_id", CONFIDENTIAL_CLIENT),
                ("post_logout_redirect_uri", BYE),
                ("state", "bye-state"),
            ],
        )
        .await;
    assert_eq!(
        r.location().as_deref(),
        Some("https://app.example.com/bye?state=bye-state")
    );
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
}

#[tokio::test]
async fn a_foreign_post_logout_redirect_uri_is_never_followed() {
    let mut s = sesame(None, None).await;
    signed_in(&mut s, "olga", "openid").await;
    for evil in [
        "https://evil.example/bye",
        "https://app.example.com/bye/../evil",
        "https://app.example.com/BYE",
        "https://app.example.com/bye?x=1",
    ] {
        let ask = s.get(&logout_url(None, evil)).await;
        assert_eq!(ask.status, axum::http::StatusCode::OK, "{evil}");
        assert!(
            ask.body
                .contains("name=\"post_logout_redirect_uri\" value=\"\""),
            "{evil} dropped: {}",
            ask.body
        );
    }
    // Even posted back by hand, it is checked again.
    let csrf = s
        .get(&logout_url(None, "https://evil.example/bye"))
        .await
        .csrf();
    let r = s
        .post_form(
            "/flow/logout",
            &[
                ("csrf", &csrf),
                ("client_id", CONFIDENTIAL_CLIENT),
                ("post_logout_redirect_uri", "https://evil.example/bye"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/sign-out/done"));
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
}

fn verify_with_jwks(token: &str, jwks: &serde_json::Value) -> serde_json::Value {
    let header = josekit::jwt::decode_header(token).expect("header");
    assert_eq!(
        header.claim("typ").and_then(|v| v.as_str()),
        Some("logout+jwt")
    );
    let kid = header.claim("kid").and_then(|v| v.as_str()).expect("kid");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .and_then(|k| k.as_object().cloned())
        .expect("published key");
    let jwk = Jwk::from_map(key).expect("jwk");
    let verifier: Box<dyn JwsVerifier> = match header.claim("alg").and_then(|v| v.as_str()) {
        Some("RS256") => Box::new(RS256.verifier_from_jwk(&jwk).expect("rs256")),
        Some("ES256") => Box::new(ES256.verifier_from_jwk(&jwk).expect("es256")),
        other => panic!("unexpected alg {other:?}"),
    };
    let (payload, _) =
        josekit::jwt::decode_with_verifier(token, verifier.as_ref()).expect("signature");
    serde_json::Value::Object(payload.as_ref().clone())
}

#[tokio::test]
async fn back_channel_logout_tokens_are_delivered_and_retried() {
    let (url, rx) = receiver().await;
    *rx.refuse.lock().expect("lock") = 1;
    let mut s = sesame(Some(url), None).await;
    let tokens = signed_in(&mut s, "pia", "openid").await;
    let id_claims = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    let out = s.get(&logout_url(tokens["id_token"].as_str(), BYE)).await;
    assert!(out.location().expect("back").starts_with(BYE));
    // The first delivery is refused; the retry (after two seconds) arrives.
    let mut received = None;
    for _ in 0..80 {
        if let Some(t) = rx.tokens.lock().expect("lock").first().cloned() {
            received = Some(t);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let token = received.expect("a logout token");
    let jwks = s.get("/jwks").await.json();
    let claims = verify_with_jwks(&token, &jwks);
    assert_eq!(claims["iss"], "http://localhost:3000");
    assert_eq!(claims["aud"], CONFIDENTIAL_CLIENT);
    assert_eq!(claims["sid"], id_claims["sid"]);
    assert_eq!(claims["sub"], id_claims["sub"]);
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims.get("nonce").is_none(), "a logout token has no nonce");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    let lifetime = claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat");
    assert!((1..=120).contains(&lifetime), "{lifetime}");
}

#[tokio::test]
async fn a_receiver_that_is_down_does_not_hold_up_the_user() {
    // Nothing listens on port 9.
    let mut s = sesame(Some("http://127.0.0.1:9/backchannel".into()), None).await;
    let tokens = signed_in(&mut s, "quin", "openid").await;
    let out = s.get(&logout_url(tokens["id_token"].as_str(), BYE)).await;
    assert!(out.location().expect("back").starts_with(BYE));
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
    // The deliveries go on in the background; the user is signed out already.
}

#[tokio::test]
async fn front_channel_pages_load_on_the_signed_out_page() {
    let mut s = sesame(None, Some("https://app.example.com/frontchannel")).await;
    let tokens = signed_in(&mut s, "rosa", "openid").await;
    let sid = jwt_claims(tokens["id_token"].as_str().expect("id token"))["sid"]
        .as_str()
        .expect("sid")
        .to_string();
    let out = s.get(&logout_url(tokens["id_token"].as_str(), BYE)).await;
    let done = out.location().expect("signed-out page");
    assert!(done.starts_with("/sign-out/done?t="), "{done}");
    let page = s.get(&done).await;
    let frame = format!(
        "https://app.example.com/frontchannel?iss=http%3A%2F%2Flocalhost%3A3000&amp;sid={sid}"
    );
    assert!(page.body.contains(&frame), "{}", page.body);
    assert!(page
        .body
        .contains("https://app.example.com/bye?state=bye-state"));
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(
        csp.contains("frame-src 'self' https://app.example.com"),
        "{csp}"
    );
    // A made-up outcome loads nothing.
    let forged = s.get(&format!("{done}x")).await;
    assert!(!forged.body.contains("frontchannel?iss"), "{}", forged.body);
}

//! Router tests of the OpenID Connect endpoints and the sign-in flow, each with its error
//! cases, against a real SQLite database.

use crate::common::*;
use axum::http::StatusCode;

#[tokio::test]
async fn discovery_describes_the_provider() {
    let mut s = TestServer::start().await;
    let d = s.get("/.well-known/openid-configuration").await.json();
    assert_eq!(d["issuer"], "http://localhost:3000");
    assert_eq!(d["token_endpoint"], "http://localhost:3000/token");
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let algs = d["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.iter().all(|a| a != "none"));
    assert_eq!(d["response_modes_supported"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn jwks_publishes_public_keys_only() {
    let mut s = TestServer::start().await;
    let jwks = s.get("/jwks").await.json();
    let keys = jwks["keys"].as_array().unwrap();
    let algs: Vec<_> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    for k in keys {
        assert!(k.get("d").is_none(), "private key material published");
        assert_eq!(k["use"], "sig");
        assert!(k["kid"].as_str().is_some_and(|s| !s.is_empty()));
    }
}

#[tokio::test]
async fn keys_persist_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    crate::common::on_postgres_if_asked(&mut config).await;
    let first = server::build_state(config.clone()).await.unwrap();
    let a = first.keys.jwks().clone();
    drop(first);
    let second = server::build_state(config).await.unwrap();
    assert_eq!(&a, second.keys.jwks());
}

#[tokio::test]
async fn unknown_client_gets_an_error_page_not_a_redirect() {
    let mut s = TestServer::start().await;
    let r = s
        .get("/authorize?client_id=nope&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code&scope=openid")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_none());
    assert!(r.body.contains("not registered"), "{}", r.body);
}

#[tokio::test]
async fn unregistered_redirect_uri_gets_an_error_page() {
    let mut s = TestServer::start().await;
    for bad in [
        "https://evil.example/cb",
        "https://app.example.com/cb/../evil",
        "https://app.example.com/cb%2F..%2Fevil",
        "https://app.example.com@evil.example/cb",
    ] {
        let r = s
            .get(&format!(
                "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope=openid",
                urlencode(bad)
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.location().is_none(), "{bad}");
    }
}

#[tokio::test]
async fn a_duplicated_redirect_uri_gets_the_error_page() {
    let mut s = TestServer::start().await;
    let r = s
        .get(&format!(
            "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={r}&redirect_uri={r}&response_type=code&scope=openid",
            r = urlencode(CONFIDENTIAL_REDIRECT)
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_none());
}

#[tokio::test]
async fn protocol_errors_go_back_to_the_client_with_state() {
    let mut s = TestServer::start().await;
    let base = format!(
        "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&state=xyz",
        urlencode(CONFIDENTIAL_REDIRECT)
    );
    for (extra, error) in [
        ("&scope=openid", "invalid_request"),
        ("&response_type=token&scope=openid", "unsupported_response_type"),
        ("&response_type=code&scope=profile", "invalid_scope"),
        ("&response_type=code&scope=openid&code_challenge=abc", "invalid_request"),
        (
            &format!("&response_type=code&scope=openid&code_challenge={CHALLENGE}&code_challenge_method=plain"),
            "invalid_request",
        ),
        ("&response_type=code&scope=openid&prompt=none", "login_required"),
        ("&response_type=code&scope=openid&prompt=none%20login", "invalid_request"),
        ("&response_type=code&scope=openid&max_age=-1", "invalid_request"),
        ("&response_type=code&scope=openid&request=eyJ", "request_not_supported"),
    ] {
        let r = s.get(&format!("{base}{extra}")).await;
        assert_eq!(r.status, StatusCode::FOUND, "{extra}: {}", r.body);
        let loc = r.location().unwrap();
        assert!(loc.starts_with(CONFIDENTIAL_REDIRECT), "{loc}");
        assert_eq!(query_param(&loc, "error").as_deref(), Some(error), "{extra}");
        assert_eq!(query_param(&loc, "state").as_deref(), Some("xyz"));
        assert_eq!(query_param(&loc, "iss").as_deref(), Some("http://localhost:3000"));
    }
}

#[tokio::test]
async fn public_clients_must_use_pkce() {
    let mut s = TestServer::start().await;
    let r = s
        .get(&format!(
            "/authorize?client_id={PUBLIC_CLIENT}&redirect_uri={}&response_type=code&scope=openid",
            urlencode(PUBLIC_REDIRECT)
        ))
        .await;
    let loc = r.location().unwrap();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(query_param(&loc, "error_description")
        .unwrap()
        .contains("PKCE"));
}

#[tokio::test]
async fn full_code_flow_with_pkce() {
    let mut s = TestServer::start().await;
    let code = s.code_for_new_user("alice").await;
    let t = s.exchange_public(&code).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert_eq!(t.headers["cache-control"], "no-store");
    let body = t.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    let claims = jwt_claims(body["id_token"].as_str().unwrap());
    for claim in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "sid",
        "amr",
        "at_hash",
    ] {
        assert!(claims.get(claim).is_some(), "missing {claim}: {claims}");
    }
    assert_eq!(claims["aud"], PUBLIC_CLIENT);
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert_eq!(claims["preferred_username"], "alice");
    let header: serde_json::Value = serde_json::from_slice(
        &server::crypto::b64_decode(
            body["id_token"]
                .as_str()
                .unwrap()
                .split('.')
                .next()
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256", "RS256 is the default for clients");

    let info = s.userinfo(body["access_token"].as_str().unwrap()).await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.json()["sub"], claims["sub"]);
    assert_eq!(info.json()["preferred_username"], "alice");
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_its_tokens() {
    let mut s = TestServer::start().await;
    let code = s.code_for_new_user("bob").await;
    let fields = public_code_fields(&code);
    let first = s.post_backchannel("/token", None, &fields).await.json();
    let access = first["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.userinfo(&access).await.status, StatusCode::OK);
    let second = s.post_backchannel("/token", None, &fields).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert_eq!(second.json()["error"], "invalid_grant");
    let after = s.userinfo(&access).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(after.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn code_exchange_checks_verifier_redirect_uri_and_client() {
    let mut s = TestServer::start().await;
    for (field, value) in [
        (
            "code_verifier",
            "wrong-verifier-wrong-verifier-wrong-verifier-x",
        ),
        ("redirect_uri", "http://127.0.0.1/other"),
    ] {
        let code = s.code_for_new_user(&format!("u{}", field.len())).await;
        let mut fields = public_code_fields(&code);
        for f in fields.iter_mut() {
            if f.0 == field {
                f.1 = value;
            }
        }
        let r = s.post_backchannel("/token", None, &fields).await;
        assert_eq!(r.json()["error"], "invalid_grant", "{field}");
        s.jar.clear();
    }
    let r = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, "wrong")),
            &[("grant_type", "authorization_code"), ("code", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(r.headers.contains_key("www-authenticate"));
    let r = s
        .post_backchannel(
            "/token",
            None,
            &[("grant_type", "password"), ("client_id", PUBLIC_CLIENT)],
        )
        .await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let mut s = TestServer::start().await;
    let code = s.code_for_new_user("carol").await;
    let first = s.exchange_public(&code).await.json();
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |token: String| {
        vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), token),
            ("client_id".to_string(), PUBLIC_CLIENT.to_string()),
        ]
    };
    fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
    }
    let second = s
        .post_backchannel("/token", None, &as_refs(&refresh(r1.clone())))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second = second.json();
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2, "rotated");
    let access2 = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.userinfo(&access2).await.status, StatusCode::OK);
    // Presenting the old refresh token again means it leaked: everything of the grant dies.
    let reuse = s
        .post_backchannel("/token", None, &as_refs(&refresh(r1)))
        .await;
    assert_eq!(reuse.json()["error"], "invalid_grant");
    assert_eq!(s.userinfo(&access2).await.status, StatusCode::UNAUTHORIZED);
    let r = s
        .post_backchannel("/token", None, &as_refs(&refresh(r2)))
        .await;
    assert_eq!(r.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn sign_in_with_existing_account_and_session_reuse() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("dave").await;
    // A second request with the session completes without a screen.
    let again = s.authorize_public("").await;
    assert!(again.location().unwrap().starts_with(PUBLIC_REDIRECT));
    // prompt=login forces the screen, and a wrong password keeps the user there.
    let forced = s.authorize_public("&prompt=login").await;
    assert_eq!(forced.location().as_deref(), Some("/sign-in"));
    let wrong = s.sign_in("dave", "not the password").await;
    assert_eq!(wrong.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(page.body.contains("incorrect"), "{}", page.body);
    assert!(
        page.body.contains("value=\"dave\""),
        "the identifier is kept"
    );
    let before = s.jar.get("sesame_session").cloned();
    let ok = s.sign_in("DAVE", "correct horse battery").await;
    assert_eq!(ok.location().as_deref(), Some("/authorize/resume"));
    assert_ne!(
        s.jar.get("sesame_session").cloned(),
        before,
        "new session id on sign-in"
    );
    let done = s.get("/authorize/resume").await;
    code_from(&done);
}

#[tokio::test]
async fn max_age_zero_requires_a_new_sign_in() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("erin").await;
    let r = s.authorize_public("&max_age=0").await;
    assert_eq!(r.location().as_deref(), Some("/sign-in"));
    // The old session does not satisfy the flow.
    let resume = s.get("/authorize/resume").await;
    assert_eq!(resume.location().as_deref(), Some("/sign-in"));
}

#[tokio::test]
async fn login_hint_prefills_and_is_escaped() {
    let mut s = TestServer::start().await;
    s.authorize_public("&login_hint=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    let page = s.get("/sign-in").await;
    assert!(
        !page.body.contains("<script>alert(1)"),
        "login_hint reflected unescaped"
    );
    assert!(
        page.body.contains("&gt;&lt;script&gt;") || page.body.contains("&quot;&gt;"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn form_post_and_fragment_modes() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("frank").await;
    let page = s.authorize_public("&response_mode=form_post").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("action=\"{PUBLIC_REDIRECT}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"code\""));
    assert!(page.body.contains("name=\"state\" value=\"st-1\""));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("form-action 'self' http://127.0.0.1"), "{csp}");
    let frag = s.authorize_public("&response_mode=fragment").await;
    let loc = frag.location().unwrap();
    assert!(
        loc.starts_with(&format!("{PUBLIC_REDIRECT}#code=")),
        "{loc}"
    );
}

#[tokio::test]
async fn failed_sign_up_leaves_nothing_behind() {
    let mut s = TestServer::start().await;
    s.authorize_public("").await;
    let r = s.register("gina", "short").await;
    assert_eq!(r.location().as_deref(), Some("/register"));
    assert_eq!(s.state.db.count("users").await.unwrap(), 0);
    let page = s.get("/register").await;
    assert!(page.body.contains("at least 8"), "{}", page.body);
    assert!(page.body.contains("value=\"gina\""), "the username is kept");
    assert!(
        !page.body.contains("value=\"short\""),
        "passwords are never echoed"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let mut s = TestServer::start().await;
    s.authorize_public("").await;
    s.get("/register").await;
    let r = s
        .post_form(
            "/flow/register",
            &[
                ("csrf", "forged"),
                ("username", "mallory"),
                ("new_password", "long enough pw"),
                ("confirm_password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/register"));
    assert_eq!(s.state.db.count("users").await.unwrap(), 0);
    assert!(s.get("/register").await.body.contains("expired"));
}

#[tokio::test]
async fn duplicate_usernames_are_refused_case_insensitively() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("hank").await;
    s.jar.remove("sesame_session");
    s.authorize_public("").await;
    let r = s.register("HANK", "correct horse battery").await;
    assert_eq!(r.location().as_deref(), Some("/register"));
    assert!(s.get("/register").await.body.contains("already in use"));
    assert_eq!(s.state.db.count("users").await.unwrap(), 1);
}

#[tokio::test]
async fn userinfo_requires_a_valid_token() {
    let mut s = TestServer::start().await;
    let r = s.get("/userinfo").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.contains_key("www-authenticate"));
    assert_eq!(s.userinfo("made-up").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oversized_requests_are_refused_early() {
    let mut s = TestServer::start().await;
    let r = s
        .get(&format!("/authorize?scope={}", "a".repeat(10_000)))
        .await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG);
    let big = "x".repeat(100_000);
    let r = s.post_backchannel("/token", None, &[("scope", &big)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn pages_are_translated_and_carry_security_headers() {
    let mut s = TestServer::start().await;
    s.authorize_public("&ui_locales=ja").await;
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("<html lang=\"ja\""),
        "{}",
        &page.body[..200.min(page.body.len())]
    );
    assert!(page.body.contains("サインイン"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("object-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        cookie
            .iter()
            .all(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")),
        "{cookie:?}"
    );
    // The picker's choice wins from then on.
    let r = s.get("/language?lang=en&return_to=%2Fsign-in").await;
    assert_eq!(r.location().as_deref(), Some("/sign-in"));
    assert!(s.get("/sign-in").await.body.contains("<html lang=\"en\""));
    // …and it refuses to become an open redirect.
    let r = s
        .get("/language?lang=en&return_to=%2F%2Fevil.example")
        .await;
    assert_eq!(r.location().as_deref(), Some("/"));
}

#[tokio::test]
async fn unknown_paths_get_a_translated_404() {
    let mut s = TestServer::start().await;
    let r = s.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("does not exist"));
}

#[tokio::test]
async fn sign_out_needs_confirmation_and_ends_the_session() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("ivy").await;
    assert!(s.get("/").await.body.contains("ivy"));
    let confirm = s.get("/sign-out?return_to=%2Fdemo").await;
    assert!(
        s.jar.contains_key("sesame_session"),
        "a GET does not sign out"
    );
    let csrf = confirm.csrf();
    let r = s
        .post_form("/flow/sign-out", &[("csrf", &csrf), ("return_to", "/demo")])
        .await;
    assert_eq!(
        r.location().as_deref(),
        Some("/sign-out/done?return_to=%2Fdemo")
    );
    assert!(!s.jar.contains_key("sesame_session"));
    assert!(!s.get("/").await.body.contains("ivy"));
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
}

#[tokio::test]
async fn repeated_state_goes_back_to_the_client_as_invalid_request() {
    let mut s = TestServer::start().await;
    let r = s
        .get(&format!(
            "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope=openid&state=a&state=b",
            urlencode(CONFIDENTIAL_REDIRECT)
        ))
        .await;
    let loc = r.location().unwrap();
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn prompt_login_cannot_be_skipped_by_opening_resume() {
    let mut s = TestServer::start().await;
    s.code_for_new_user("jack").await;
    // A cross-site POST carries no SameSite=Lax session cookie: the flow starts as if signed
    // out, but the session exists when the user's browser opens /authorize/resume.
    let session = s.jar.remove("sesame_session").unwrap();
    let r = s.authorize_public("&prompt=login").await;
    assert_eq!(r.location().as_deref(), Some("/sign-in"));
    s.jar.insert("sesame_session".into(), session);
    let resume = s.get("/authorize/resume").await;
    assert_eq!(resume.location().as_deref(), Some("/sign-in"));
}

#[tokio::test]
async fn another_clients_code_is_refused_without_consuming_it() {
    let mut s = TestServer::start().await;
    let code = s.code_for_new_user("kate").await;
    let stolen = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", PUBLIC_REDIRECT),
            ],
        )
        .await;
    assert_eq!(stolen.json()["error"], "invalid_grant");
    let rightful = s.exchange_public(&code).await;
    assert_eq!(rightful.status, StatusCode::OK, "{}", rightful.body);
}

#[tokio::test]
async fn a_narrower_refresh_keeps_the_grant_and_lowercase_schemes_work() {
    let mut s = TestServer::start().await;
    let code = s.code_for_new_user("liam").await;
    let first = s.exchange_public(&code).await.json();
    let narrow = s
        .post_backchannel(
            "/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", first["refresh_token"].as_str().unwrap()),
                ("client_id", PUBLIC_CLIENT),
                ("scope", "email"),
            ],
        )
        .await
        .json();
    assert_eq!(narrow["scope"], "email");
    assert!(
        narrow.get("id_token").is_none(),
        "no ID token without openid"
    );
    let again = s
        .refresh_public(narrow["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the grant's full scope survives: {}",
        again.body
    );
    assert!(again.json()["scope"].as_str().unwrap().contains("openid"));
    // Scheme names are case-insensitive (RFC 7235).
    let access = again.json()["access_token"].as_str().unwrap().to_string();
    let req = axum::http::Request::get("/userinfo")
        .header("authorization", format!("bearer {access}"))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(s.send(req).await.status, StatusCode::OK);
    // A token without openid may not read userinfo.
    let r = s.userinfo(narrow["access_token"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

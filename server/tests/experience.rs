//! The sign-up and sign-in experience through the router: identifiers and their
//! normalisation, verification codes, password reset, policies, terms, suspended accounts,
//! enumeration, lockout across entry points, first-screen parameters and the Experience
//! API. Regression tests for peer vulnerabilities #5 (reset bypass), #10 (lockout not
//! shared by every entry point) and #13 (identifier collisions) are marked as such.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

/// A server whose sign-up takes an email address or a phone number, verified by a code.
async fn email_or_phone() -> TestServer {
    TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![
            server::config::IdentifierKind::Email,
            server::config::IdentifierKind::Phone,
        ];
        c.experience.default_phone_region = "JP".into();
    })
    .await
}

async fn register_email(s: &mut TestServer, email: &str, password: &str) -> Answer {
    s.submit(
        "/register",
        "/flow/register",
        &[
            ("identifier", email),
            ("new_password", password),
            ("confirm_password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn email_sign_up_is_verified_before_the_account_exists() {
    let mut s = email_or_phone().await;
    s.authorize_public("").await;
    let r = register_email(&mut s, "New.User@Example.COM", "a fine long passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/verify"), "{}", r.body);
    assert_eq!(
        s.state.db.count("users").await.unwrap(),
        0,
        "nothing stored yet"
    );
    let page = s.get("/verify").await;
    assert!(
        page.body.contains("new.user@example.com"),
        "the canonical address is shown"
    );
    let code = s.outbox_code("new.user@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = enter_code(&mut s, wrong).await;
    assert_eq!(r.location().as_deref(), Some("/verify"));
    assert!(s.get("/verify").await.body.contains("not correct"));
    let r = enter_code(&mut s, &code).await;
    assert_eq!(
        r.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        r.body
    );
    let user = s
        .state
        .db
        .user_by_email("new.user@example.com")
        .await
        .unwrap()
        .expect("created after verification");
    assert_eq!(user.email_verified, 1);
    let done = s.get("/authorize/resume").await;
    let tokens = s.exchange_public(&code_from(&done)).await.json();
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    // The chosen password and the mailbox proven by the code: two factor types.
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn phone_only_sign_up_and_code_sign_in() {
    let mut s = email_or_phone().await;
    s.authorize_public("").await;
    let r = s
        .submit(
            "/register",
            "/flow/register",
            &[
                ("identifier", "090-1234-5678"),
                ("new_password", "a fine long passphrase"),
                ("confirm_password", "a fine long passphrase"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/verify"), "{}", r.body);
    let code = s.outbox_code("+819012345678").await;
    assert_eq!(
        enter_code(&mut s, &code).await.location().as_deref(),
        Some("/authorize/resume")
    );
    assert!(s
        .state
        .db
        .user_by_phone("+819012345678")
        .await
        .unwrap()
        .is_some());

    // Later, a sign-in by text message code, typed in international form.
    s.jar.clear();
    s.authorize_public("").await;
    let r = send_sign_in(&mut s, "+81 90 1234 5678", "code").await;
    assert_eq!(r.location().as_deref(), Some("/verify"), "{}", r.body);
    let code = s.outbox_code("+819012345678").await;
    let r = enter_code(&mut s, &code).await;
    assert_eq!(r.location().as_deref(), Some("/authorize/resume"));
    let done = s.get("/authorize/resume").await;
    let tokens = s.exchange_public(&code_from(&done)).await.json();
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["amr"], json!(["sms"]));
}

#[tokio::test]
async fn a_sign_in_code_for_an_unknown_address_leads_to_sign_up_without_a_second_code() {
    let mut s = email_or_phone().await;
    s.authorize_public("").await;
    send_sign_in(&mut s, "fresh@example.com", "code").await;
    let code = s.outbox_code("fresh@example.com").await;
    let r = enter_code(&mut s, &code).await;
    assert_eq!(r.location().as_deref(), Some("/register"));
    let page = s.get("/register").await;
    assert!(
        page.body.contains("value=\"fresh@example.com\""),
        "pre-filled"
    );
    let r = register_email(&mut s, "fresh@example.com", "a fine long passphrase").await;
    assert_eq!(
        r.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        r.body
    );
    assert_eq!(
        s.outbox_count("fresh@example.com").await,
        1,
        "one code only"
    );
}

/// Regression for peer vulnerability #13: look-alike identifiers are one account.
#[tokio::test]
async fn look_alike_identifiers_are_one_account() {
    let mut s = email_or_phone().await;
    s.create_user(
        None,
        Some("alice@example.com"),
        None,
        "a fine long passphrase",
    )
    .await;
    for variant in [
        "ALICE@EXAMPLE.COM",
        "Alice@Example.com",
        "ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    ] {
        s.jar.clear();
        s.authorize_public("").await;
        let r = s.sign_in(variant, "a fine long passphrase").await;
        assert_eq!(
            r.location().as_deref(),
            Some("/authorize/resume"),
            "{variant} signs in to the same account"
        );
    }
    // Signing up with a look-alike ends, after the code, at "already in use".
    s.jar.clear();
    s.authorize_public("").await;
    register_email(&mut s, "ＡＬＩＣＥ@example.com", "another long passphrase").await;
    let code = s.outbox_code("alice@example.com").await;
    let r = enter_code(&mut s, &code).await;
    assert_eq!(r.location().as_deref(), Some("/register"));
    let page = s.get("/register").await;
    assert!(page.body.contains("already in use"), "{}", page.body);
    assert!(
        page.body.contains("value=\"ALICE@example.com\""),
        "the address as typed"
    );
    assert_eq!(s.state.db.count("users").await.unwrap(), 1);
    // Usernames too: full-width and upper case fold to the same name.
    let mut u = TestServer::start().await;
    u.code_for_new_user("zoe").await;
    u.jar.clear();
    u.authorize_public("").await;
    u.register("ＺＯＥ", "correct horse battery").await;
    assert!(u.get("/register").await.body.contains("already in use"));
    assert_eq!(u.state.db.count("users").await.unwrap(), 1);
}

#[tokio::test]
async fn code_policy_tries_resend_and_send_limit() {
    let mut s = TestServer::start_with(|c| {
        c.codes.max_attempts = 3;
        c.codes.resend_cooldown_secs = 0;
        c.codes.max_sends = 4;
    })
    .await;
    s.authorize_public("").await;
    send_sign_in(&mut s, "bob@example.com", "code").await;
    let code = s.outbox_code("bob@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    enter_code(&mut s, wrong).await;
    enter_code(&mut s, wrong).await;
    // A new code does not reset the count of wrong entries.
    let r = s
        .submit("/verify", "/flow/verify-code", &[("action", "resend")])
        .await;
    assert_eq!(r.location().as_deref(), Some("/verify"));
    assert!(s.get("/verify").await.body.contains("We sent a new code"));
    let fresh = s.outbox_code("bob@example.com").await;
    let wrong = if fresh == "000000" {
        "111111"
    } else {
        "000000"
    };
    enter_code(&mut s, wrong).await;
    let r = enter_code(&mut s, &fresh).await;
    assert_eq!(r.location().as_deref(), Some("/verify"));
    assert!(s.get("/verify").await.body.contains("Too many wrong codes"));
    // The send limit per recipient holds across flows.
    for _ in 0..3 {
        s.jar.clear();
        s.authorize_public("").await;
        send_sign_in(&mut s, "bob@example.com", "code").await;
    }
    assert_eq!(s.outbox_count("bob@example.com").await, 4);
    assert!(s.get("/sign-in").await.body.contains("Too many messages"));
}

#[tokio::test]
async fn resend_waits_for_the_cool_down_and_an_expired_code_says_so() {
    let mut s = TestServer::start().await;
    s.authorize_public("").await;
    send_sign_in(&mut s, "cat@example.com", "code").await;
    s.submit("/verify", "/flow/verify-code", &[("action", "resend")])
        .await;
    assert!(s
        .get("/verify")
        .await
        .body
        .contains("before asking for a new code"));
    assert_eq!(s.outbox_count("cat@example.com").await, 1);
}

/// Regression for peer vulnerability #5: "set new password" is unreachable without
/// consuming the code sent to this flow.
#[tokio::test]
async fn reset_password_cannot_skip_or_borrow_the_code() {
    let mut victim = TestServer::start().await;
    victim
        .create_user(
            Some("vic"),
            Some("vic@example.com"),
            None,
            "original passphrase",
        )
        .await;
    // Skipping: the attacker asks for a reset and goes straight to the last step.
    victim.authorize_public("").await;
    ask_for_reset(&mut victim, "vic@example.com").await;
    let skip = victim.get("/reset-password/new").await;
    assert_eq!(skip.location().as_deref(), Some("/reset-password"));
    let r = set_new_password(&mut victim, "/sign-in", "attacker passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/reset-password/new"));
    let api = victim
        .post_json(
            "/api/experience/reset-password/new",
            json!({"password": "attacker passphrase"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    // Borrowing: the code of the victim's own flow does not work in the attacker's flow.
    let attacker_jar = victim.jar.clone();
    victim.jar.clear();
    victim.authorize_public("").await;
    ask_for_reset(&mut victim, "vic@example.com").await;
    let victims_code = victim.outbox_code("vic@example.com").await;
    let victims_jar = victim.jar.clone();
    victim.jar = attacker_jar;
    let r = enter_code(&mut victim, &victims_code).await;
    assert_eq!(
        r.location().as_deref(),
        Some("/verify"),
        "a code works only in its own flow"
    );
    assert!(password_is(&victim, "vic", "original passphrase").await);
    // The owner finishes; the code cannot be replayed afterwards.
    victim.jar = victims_jar;
    let own = victim.outbox_code("vic@example.com").await;
    assert_eq!(
        enter_code(&mut victim, &own).await.location().as_deref(),
        Some("/reset-password/new")
    );
    let r = set_new_password(&mut victim, "/reset-password/new", "password1").await;
    assert_eq!(r.location().as_deref(), Some("/reset-password/new"));
    assert!(victim
        .get("/reset-password/new")
        .await
        .body
        .contains("too common"));
    let r = set_new_password(&mut victim, "/reset-password/new", "brand new passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/sign-in"));
    assert!(victim
        .get("/sign-in")
        .await
        .body
        .contains("Your password was changed"));
    assert_eq!(
        victim
            .get("/reset-password/new")
            .await
            .location()
            .as_deref(),
        Some("/reset-password")
    );
    let r = victim.sign_in("vic", "brand new passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/authorize/resume"));
}

/// Sign-in, sign-up and reset answer alike whether the identifier exists or not.
#[tokio::test]
async fn answers_do_not_reveal_whether_an_account_exists() {
    let mut s = email_or_phone().await;
    s.create_user(
        None,
        Some("known@example.com"),
        None,
        "a fine long passphrase",
    )
    .await;
    let mut pages = Vec::new();
    for who in ["known@example.com", "unknown@example.com"] {
        s.jar.clear();
        s.authorize_public("").await;
        let r = s.sign_in(who, "wrong passphrase here").await;
        let page = s.get("/sign-in").await;
        let reset = ask_for_reset(&mut s, who).await;
        let verify = s.get("/verify").await;
        s.jar.clear();
        s.authorize_public("").await;
        let reg = register_email(&mut s, who, "a fine long passphrase").await;
        pages.push((
            r.status,
            r.location(),
            strip(&page.body).replace(who, "WHO"),
            reset.location(),
            strip(&verify.body).replace(who, "WHO"),
            reg.location(),
        ));
    }
    assert_eq!(pages[0], pages[1]);
}

/// Removes the per-request values (tokens, nonces) from a page.
fn strip(html: &str) -> String {
    let mut out = String::new();
    for part in html.split('"') {
        if part.len() >= 40
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            out.push_str("TOKEN");
        } else {
            out.push_str(part);
        }
        out.push('"');
    }
    out
}

/// Regression for peer vulnerability #10: the screens and the API share one lockout.
#[tokio::test]
async fn lockout_is_shared_by_every_entry_point() {
    let mut s = TestServer::start_with(|c| {
        c.lockout.identifier_max_failures = 3;
    })
    .await;
    s.create_user(
        Some("lou"),
        Some("lou@example.com"),
        None,
        "the right passphrase",
    )
    .await;
    s.authorize_public("").await;
    s.sign_in("lou", "wrong one here").await;
    s.sign_in("LOU", "wrong one here").await;
    s.post_json("/api/experience", json!({"event": "sign_in"}))
        .await;
    let api = s
        .post_json(
            "/api/experience/sign-in/password",
            json!({"identifier": "lou", "password": "wrong again"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.json()["error"], "invalid_credentials");
    // Locked now: the right password is refused everywhere, with the time to wait.
    let r = s.sign_in("lou", "the right passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/sign-in"));
    assert!(s
        .get("/sign-in")
        .await
        .body
        .contains("Try again in 60 minutes"));
    let api = s
        .post_json(
            "/api/experience/sign-in/password",
            json!({"identifier": "lou", "password": "the right passphrase"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(api.headers["retry-after"], "3600");
    assert_eq!(api.json()["error"], "locked");
    // Other ways in with the same identifier are locked too, on both entry points.
    let r = send_sign_in(&mut s, "lou@example.com", "code").await;
    assert_eq!(r.location().as_deref(), Some("/sign-in"));
    let api = s
        .post_json("/api/experience/sign-in/code", json!({"identifier": "lou"}))
        .await;
    assert_eq!(
        api.status,
        StatusCode::BAD_REQUEST,
        "usernames take no codes: {}",
        api.body
    );
    let mut other = TestServer::start_with(|c| c.lockout.ip_max_failures = 2).await;
    other.authorize_public("").await;
    other.sign_in("a-user", "wrong one here").await;
    other.sign_in("b-user", "wrong one here").await;
    other.sign_in("c-user", "wrong one here").await;
    assert!(other
        .get("/sign-in")
        .await
        .body
        .contains("Too many failed attempts"));
}

#[tokio::test]
async fn suspended_accounts_see_a_clear_page_and_get_no_session() {
    let mut s = TestServer::start().await;
    let id = s
        .create_user(Some("sam"), None, None, "the right passphrase")
        .await;
    s.state.db.set_suspended(&id, Some(1)).await.unwrap();
    s.authorize_public("").await;
    let r = s.sign_in("sam", "the right passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/suspended"));
    assert!(!s.jar.contains_key("sesame_session"));
    let page = s.get("/suspended").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("suspended"));
    // Suspending a signed-in user ends what they hold: session reuse and tokens.
    s.state.db.set_suspended(&id, None).await.unwrap();
    s.jar.clear();
    s.authorize_public("").await;
    s.sign_in("sam", "the right passphrase").await;
    let done = s.get("/authorize/resume").await;
    let tokens = s.exchange_public(&code_from(&done)).await.json();
    s.state.db.set_suspended(&id, Some(2)).await.unwrap();
    let info = s.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info.status, StatusCode::UNAUTHORIZED);
    let refreshed = s
        .refresh_public(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status, StatusCode::BAD_REQUEST);
    let again = s.authorize_public("&prompt=none").await;
    assert!(again.location().unwrap().contains("error=login_required"));
}

#[tokio::test]
async fn password_and_username_policies_name_the_rule() {
    let mut s = TestServer::start_with(|c| c.password_policy.min_character_classes = 2).await;
    s.authorize_public("").await;
    for (password, expected) in [
        ("short", "at least 8"),
        ("password1", "too common"),
        ("quentin-is-great", "Do not use your username"),
        ("lowercaseonly", "at least 2 of"),
    ] {
        s.register("quentin", password).await;
        let page = s.get("/register").await;
        assert!(page.body.contains(expected), "{password}: {expected}");
    }
    s.register("1quentin", "Good-Passphrase").await;
    assert!(s
        .get("/register")
        .await
        .body
        .contains("starting with a letter"));
    assert_eq!(s.state.db.count("users").await.unwrap(), 0);
}

#[tokio::test]
async fn terms_are_agreed_at_sign_up_and_asked_of_existing_users() {
    let mut s = TestServer::start_with(|c| {
        c.terms.policy = server::config::TermsPolicy::Manual;
        c.terms.terms_url = Some("https://example.com/terms".into());
    })
    .await;
    s.authorize_public("").await;
    s.register("tess", "a fine long passphrase").await;
    assert!(s.get("/register").await.body.contains("Agree to the terms"));
    let r = s
        .submit(
            "/register",
            "/flow/register",
            &[
                ("username", "tess"),
                ("new_password", "a fine long passphrase"),
                ("confirm_password", "a fine long passphrase"),
                ("terms", "on"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/authorize/resume"));
    let tess = s.state.db.user_by_username("tess").await.unwrap().unwrap();
    assert!(tess.terms_accepted_at.is_some(), "the time is stored");
    // An existing user who never agreed sees the terms before the session starts.
    s.create_user(Some("old"), None, None, "a fine long passphrase")
        .await;
    s.jar.clear();
    s.authorize_public("").await;
    let r = s.sign_in("old", "a fine long passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/terms"));
    assert!(!s.jar.contains_key("sesame_session"));
    let r = s
        .submit("/terms", "/flow/agree-terms", &[("terms", "on")])
        .await;
    assert_eq!(r.location().as_deref(), Some("/authorize/resume"));
}

#[tokio::test]
async fn first_screen_identifier_and_prompt_create_choose_the_screen() {
    let mut s = TestServer::start().await;
    for (extra, screen) in [
        ("&first_screen=register", "/register"),
        ("&first_screen=identifier:register", "/register"),
        ("&prompt=create", "/register"),
        ("&first_screen=reset_password", "/reset-password"),
        ("&first_screen=identifier:sign_in", "/identifier-sign-in"),
        ("&first_screen=sign_in&prompt=create", "/sign-in"),
        ("&first_screen=unknown", "/sign-in"),
    ] {
        s.jar.clear();
        let r = s.authorize_public(extra).await;
        assert_eq!(r.location().as_deref(), Some(screen), "{extra}");
    }
    // `identifier` narrows the kinds offered: the label follows.
    s.jar.clear();
    s.authorize_public("&first_screen=identifier:sign_in&identifier=email")
        .await;
    let page = s.get("/identifier-sign-in").await;
    assert!(page.body.contains(">Email<"), "only email is asked for");
    // login_hint pre-fills, escaped.
    s.jar.clear();
    s.authorize_public("&login_hint=%22%3E%3Cscript%3Ex%3C/script%3E")
        .await;
    let page = s.get("/sign-in").await;
    assert!(!page.body.contains("<script>x"));
    assert!(
        page.body.contains("&quot;&gt;&lt;script&gt;")
            || page.body.contains("\"&gt;&lt;script&gt;")
    );
}

#[tokio::test]
async fn identifier_first_sign_in_asks_for_the_password_next() {
    let mut s = TestServer::start().await;
    s.create_user(Some("ivy"), None, None, "the right passphrase")
        .await;
    s.authorize_public("&first_screen=identifier:sign_in").await;
    let r = s
        .submit(
            "/identifier-sign-in",
            "/flow/sign-in",
            &[("identifier", "IVY"), ("method", "continue")],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/sign-in/password"));
    let page = s.get("/sign-in/password").await;
    assert!(page.body.contains("ivy"));
    let r = s
        .submit(
            "/sign-in/password",
            "/flow/sign-in",
            &[
                ("identifier", "ivy"),
                ("password", "nope nope nope"),
                ("method", "password_step"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/sign-in/password"));
    let r = s
        .submit(
            "/sign-in/password",
            "/flow/sign-in",
            &[
                ("identifier", "ivy"),
                ("password", "the right passphrase"),
                ("method", "password_step"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/authorize/resume"));
}

#[tokio::test]
async fn the_experience_api_runs_a_whole_sign_up_and_is_described() {
    let mut s = email_or_phone().await;
    s.authorize_public("").await;
    let r = s
        .post_json("/api/experience", json!({"event": "register"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = s
        .post_json(
            "/api/experience/register",
            json!({"identifier": "api@example.com", "password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["fields"][0]["field"], "new_password");
    assert_eq!(r.json()["fields"][0]["error"], "password_too_short");
    let r = s
        .post_json(
            "/api/experience/register",
            json!({"identifier": "api@example.com", "password": "a fine long passphrase"}),
        )
        .await;
    assert_eq!(r.json()["next"], "verify_code", "{}", r.body);
    let state = s.get("/api/experience").await.json();
    assert_eq!(state["code_sent_to"]["value"], "api@example.com");
    let code = s.outbox_code("api@example.com").await;
    let r = s
        .post_json("/api/experience/code/verify", json!({"code": code}))
        .await;
    assert_eq!(r.json()["next"], "done", "{}", r.body);
    assert_eq!(r.json()["redirect_to"], "/authorize/resume");
    assert!(s.jar.contains_key("sesame_session"));
    // Cross-site calls and form posts are refused.
    let req = axum::http::Request::post("/api/experience/identify")
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(axum::body::Body::from("{\"identifier\":\"x\"}"))
        .unwrap();
    assert_eq!(s.send(req).await.status, StatusCode::FORBIDDEN);
    // The description is served and lists every route of the API.
    let doc = s.get("/api/experience/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/experience",
        "/api/experience/identify",
        "/api/experience/sign-in/password",
        "/api/experience/sign-in/code",
        "/api/experience/register",
        "/api/experience/code/verify",
        "/api/experience/code/resend",
        "/api/experience/reset-password",
        "/api/experience/reset-password/new",
        "/api/experience/terms",
        "/api/experience/profile",
        "/api/experience/mfa",
        "/api/experience/passkey",
        "/api/experience/connectors",
        "/api/experience/sso-connectors",
        "/api/experience/federation",
        "/api/experience/sso",
        "/api/experience/federation/link",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is described");
    }
    let described = doc["paths"].as_object().unwrap().len();
    assert_eq!(described, 19, "no route is described that does not exist");
}

#[tokio::test]
async fn the_outbox_page_lists_messages_only_when_enabled() {
    let mut s = TestServer::start().await;
    s.authorize_public("").await;
    send_sign_in(&mut s, "olga@example.com", "code").await;
    let page = s.get("/dev/outbox").await;
    assert!(page.body.contains("olga@example.com"));
    assert!(page.body.contains("Your Sesame code"));
    let mut off = TestServer::start_with(|c| c.dev.outbox_page = false).await;
    assert_eq!(off.get("/dev/outbox").await.status, StatusCode::NOT_FOUND);
}

/// Codes leave through a real SMTP server (the test command installs aiosmtpd) and arrive
/// translated.
#[tokio::test]
async fn codes_are_mailed_over_smtp_in_the_users_language() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut sink = std::process::Command::new("/usr/bin/python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/lib/mail_sink.py"
        ))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the mail sink starts (python3-aiosmtpd)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut s = TestServer::start_with(|c| {
        c.email.connector = server::config::EmailConnector::Smtp;
        c.email.smtp.host = "127.0.0.1".into();
        c.email.smtp.port = port;
        c.email.smtp.security = server::config::SmtpSecurity::None;
    })
    .await;
    s.authorize_public("&ui_locales=ja").await;
    send_sign_in(&mut s, "mail@example.com", "code").await;
    let mut mail = None;
    for _ in 0..100 {
        if let Some(entry) = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "json"))
        {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            mail = Some(serde_json::from_str::<serde_json::Value>(&text).unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = sink.kill();
    let _ = sink.wait();
    let mail = mail.expect("the message arrived at the SMTP server");
    assert_eq!(mail["to"], "mail@example.com");
    assert!(
        mail["subject"].as_str().unwrap().contains("確認コード"),
        "{mail}"
    );
    let code = six_digits(mail["text"].as_str().unwrap()).expect("code");
    let r = enter_code(&mut s, &code).await;
    assert_eq!(
        r.location().as_deref(),
        Some("/register"),
        "a new address goes on to sign-up"
    );
}

/// Text messages go to the configured webhook as JSON.
#[tokio::test]
async fn sms_codes_are_posted_to_the_webhook() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let store = store.clone();
            async move {
                let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
                v["auth"] = json!(headers["authorization"].to_str().unwrap());
                store.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut s = TestServer::start_with(|c| {
        c.sms.connector = server::config::SmsConnector::Webhook;
        c.sms.webhook.url = format!("http://{addr}/sms");
        c.sms.webhook.body =
            r#"{"recipient":"{{to}}","message":"{{text}}","otp":"{{code}}"}"#.into();
        c.sms.webhook.headers.insert(
            "Authorization".into(),
            server::config::Secret("Bearer t0ken".into()),
        );
    })
    .await;
    s.authorize_public("").await;
    send_sign_in(&mut s, "+1 202 555 0143", "code").await;
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["recipient"], "+12025550143");
    assert_eq!(got[0]["auth"], "Bearer t0ken");
    let otp = got[0]["otp"].as_str().unwrap();
    assert!(got[0]["message"].as_str().unwrap().contains(otp));
}

fn profile_fields() -> Vec<server::config::ProfileFieldConfig> {
    let text = r#"
[[fields]]
name = "name"
type = "full_name"
required = true

[[fields]]
name = "birthdate"
type = "date"

[[fields]]
name = "role"
type = "select"
required = true
options = [{ value = "dev", label = { en = "Developer", ja = "開発者" } }, { value = "ops" }]

[[fields]]
name = "member_no"
type = "regex"
pattern = "[0-9]{3}-[0-9]{4}"
label = { en = "Member number" }

[[fields]]
name = "newsletter"
type = "checkbox"
label = { en = "Send me the newsletter" }

[[fields]]
name = "address"
type = "address"
"#;
    #[derive(serde::Deserialize)]
    struct F {
        fields: Vec<server::config::ProfileFieldConfig>,
    }
    toml::from_str::<F>(text).expect("fields").fields
}

#[tokio::test]
async fn a_verified_address_stays_verified_across_the_profile_step() {
    let mut s = TestServer::start_with(|c| {
        c.profile.fields = profile_fields();
        c.experience.sign_up_identifiers = vec![server::config::IdentifierKind::Email];
    })
    .await;
    s.authorize_public("").await;
    s.submit(
        "/register",
        "/flow/register",
        &[
            ("email", "prof@example.com"),
            ("new_password", "a fine long passphrase"),
            ("confirm_password", "a fine long passphrase"),
        ],
    )
    .await;
    let code = s.outbox_code("prof@example.com").await;
    assert_eq!(
        enter_code(&mut s, &code).await.location().as_deref(),
        Some("/continue")
    );
    let r = s
        .post_json(
            "/api/experience/profile",
            json!({"fields": {"name.given_name": "Pro", "name.family_name": "Fil", "role": "dev"}}),
        )
        .await;
    assert_eq!(r.json()["next"], "done", "{}", r.body);
    assert_eq!(
        s.outbox_count("prof@example.com").await,
        1,
        "no second code"
    );
    let user = s
        .state
        .db
        .user_by_email("prof@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.email_verified, 1);
}

#[tokio::test]
async fn profile_fields_are_collected_at_sign_up_and_released_as_claims() {
    let mut s = TestServer::start_with(|c| c.profile.fields = profile_fields()).await;
    s.authorize_public("").await;
    let r = s.register("pia", "a fine long passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/continue"), "{}", r.body);
    assert_eq!(
        s.state.db.count("users").await.unwrap(),
        0,
        "not created yet"
    );
    let page = s.get("/continue").await;
    for label in [
        "Given name",
        "Family name",
        "Date of birth",
        "Developer",
        "Member number",
        "Postal code",
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    let r = s
        .submit(
            "/continue",
            "/flow/continue",
            &[
                ("profile.name.given_name", "Pia"),
                ("profile.birthdate", "2001-02-30"),
                ("profile.role", "boss"),
                ("profile.member_no", "1234"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/continue"));
    let page = s.get("/continue").await;
    assert!(page.body.contains("Enter a real date."));
    assert!(page.body.contains("Choose one of the options."));
    assert!(page.body.contains("Enter the value in the format shown."));
    assert!(page.body.contains("value=\"Pia\""), "typed values are kept");
    let r = s
        .submit(
            "/continue",
            "/flow/continue",
            &[
                ("profile.name.given_name", "Pia"),
                ("profile.name.family_name", "Rossi"),
                ("profile.birthdate", "2001-02-28"),
                ("profile.role", "dev"),
                ("profile.member_no", "123-4567"),
                ("profile.newsletter", "on"),
                ("profile.address.locality", "Milano"),
                ("profile.address.country", "Italy"),
            ],
        )
        .await;
    assert_eq!(
        r.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        r.body
    );
    let done = s.get("/authorize/resume").await;
    let tokens = s.exchange_public(&code_from(&done)).await.json();
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["name"], "Pia Rossi");
    assert_eq!(claims["given_name"], "Pia");
    assert_eq!(claims["birthdate"], "2001-02-28");
    assert_eq!(claims["newsletter"], true);
    assert!(
        claims.get("address").is_none(),
        "address needs the address scope"
    );
}

#[tokio::test]
async fn existing_users_give_what_is_now_required_before_the_session_starts() {
    let mut s = TestServer::start_with(|c| {
        c.profile.fields = profile_fields();
        c.experience.secondary_identifiers = vec![server::config::IdentifierKind::Username];
        c.experience.sign_up_identifiers = vec![server::config::IdentifierKind::Email];
    })
    .await;
    s.create_user(
        None,
        Some("ned@example.com"),
        None,
        "a fine long passphrase",
    )
    .await;
    s.authorize_public("").await;
    let r = s.sign_in("ned@example.com", "a fine long passphrase").await;
    assert_eq!(r.location().as_deref(), Some("/continue"));
    assert!(
        !s.jar.contains_key("sesame_session"),
        "no session before the details"
    );
    let page = s.get("/continue").await;
    assert!(
        page.body.contains("name=\"username\""),
        "the missing username is asked for"
    );
    assert!(
        !page.body.contains("Date of birth"),
        "optional fields are not asked again"
    );
    // The same step through the API.
    let r = s
        .post_json(
            "/api/experience/profile",
            json!({"username": "ned", "fields": {"name.given_name": "Ned", "role": "nope"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body = r.json();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"name.family_name") && fields.contains(&"role"),
        "{body}"
    );
    let r = s
        .post_json(
            "/api/experience/profile",
            json!({"username": "Ned", "fields": {"name.given_name": "Ned", "name.family_name": "Kelly", "role": "ops"}}),
        )
        .await;
    assert_eq!(r.json()["next"], "done", "{}", r.body);
    let ned = s
        .state
        .db
        .user_by_email("ned@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ned.username.as_deref(), Some("ned"));
    assert_eq!(ned.profile_claims()["role"], "ops");
}

/// Parallel guesses cannot buy more tries than the limit: each attempt is reserved
/// atomically before the comparison.
#[tokio::test]
async fn parallel_code_guesses_get_no_more_tries_than_the_limit() {
    use tower::ServiceExt;
    let mut s = TestServer::start().await;
    s.post_json("/api/experience", json!({"event": "sign_in"}))
        .await;
    s.post_json(
        "/api/experience/sign-in/code",
        json!({"identifier": "race@example.com"}),
    )
    .await;
    let code = s.outbox_code("race@example.com").await;
    let cookies = s
        .jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut tasks = Vec::new();
    for i in 0..40u32 {
        let guess = format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000);
        let req = axum::http::Request::post("/api/experience/code/verify")
            .header("content-type", "application/json")
            .header("cookie", cookies.clone())
            .body(axum::body::Body::from(json!({"code": guess}).to_string()))
            .unwrap();
        tasks.push(tokio::spawn(s.app.clone().oneshot(req)));
    }
    let mut invalid = 0;
    for t in tasks {
        let response = t.await.unwrap().unwrap();
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        if body["error"] == "code_invalid" {
            invalid += 1;
        }
    }
    assert!(
        invalid <= 10,
        "{invalid} wrong guesses were compared, the limit is 10"
    );
    // The right code is refused too now: the tries are used up.
    let r = s
        .post_json("/api/experience/code/verify", json!({"code": code}))
        .await;
    assert_eq!(r.json()["error"], "code_attempts_exceeded", "{}", r.body);
}

#[tokio::test]
async fn a_password_reset_revokes_the_apps_tokens() {
    let mut s = TestServer::start().await;
    s.create_user(
        Some("rita"),
        Some("rita@example.com"),
        None,
        "the old passphrase",
    )
    .await;
    s.authorize_public("").await;
    s.sign_in("rita", "the old passphrase").await;
    let done = s.get("/authorize/resume").await;
    let tokens = s.exchange_public(&code_from(&done)).await.json();
    s.jar.clear();
    s.post_json("/api/experience", json!({"event": "reset_password"}))
        .await;
    s.post_json(
        "/api/experience/reset-password",
        json!({"identifier": "rita@example.com"}),
    )
    .await;
    let code = s.outbox_code("rita@example.com").await;
    let r = s
        .post_json("/api/experience/code/verify", json!({"code": code}))
        .await;
    assert_eq!(r.json()["next"], "new_password");
    let r = s
        .post_json(
            "/api/experience/reset-password/new",
            json!({"password": "a new passphrase"}),
        )
        .await;
    assert_eq!(r.json()["next"], "password_changed");
    let refreshed = s
        .refresh_public(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status, StatusCode::BAD_REQUEST);
    let info = s.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_code_works_only_for_the_purpose_it_was_sent_for() {
    let mut s = TestServer::start().await;
    s.create_user(
        Some("pat"),
        Some("pat@example.com"),
        None,
        "a fine long passphrase",
    )
    .await;
    s.post_json("/api/experience", json!({"event": "sign_in"}))
        .await;
    s.post_json(
        "/api/experience/sign-in/code",
        json!({"identifier": "pat@example.com"}),
    )
    .await;
    let sign_in_code = s.outbox_code("pat@example.com").await;
    // Within the cool-down, a reset for the same address keeps the sign-in code standing.
    let r = s
        .post_json(
            "/api/experience/reset-password",
            json!({"identifier": "pat@example.com"}),
        )
        .await;
    assert_eq!(r.json()["error"], "resend_wait");
    let r = s
        .post_json("/api/experience/code/verify", json!({"code": sign_in_code}))
        .await;
    assert_eq!(r.json()["error"], "code_expired", "{}", r.body);
}

#[tokio::test]
async fn register_only_mode_offers_no_code_sign_in() {
    let mut s =
        TestServer::start_with(|c| c.experience.mode = server::config::SignInMode::Register).await;
    s.create_user(
        Some("reg"),
        Some("reg@example.com"),
        None,
        "a fine long passphrase",
    )
    .await;
    s.post_json("/api/experience", json!({"event": "sign_in"}))
        .await;
    let r = s
        .post_json(
            "/api/experience/sign-in/code",
            json!({"identifier": "reg@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.outbox_count("reg@example.com").await, 0);
}

#[test]
fn the_client_address_behind_a_proxy_is_the_one_the_proxy_appended() {
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
    let trusted = server::config::LockoutConfig {
        trust_forwarded_for: true,
        ..Default::default()
    };
    let ext = axum::http::Extensions::new();
    assert_eq!(
        server::lockout::client_ip(&trusted, &headers, &ext),
        "ip:203.0.113.7"
    );
    let untrusted = server::config::LockoutConfig::default();
    assert_eq!(
        server::lockout::client_ip(&untrusted, &headers, &ext),
        "ip:unknown"
    );
}

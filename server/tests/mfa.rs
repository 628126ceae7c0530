//! Second factors through the router: authenticator apps (codes computed here with totp-rs),
//! backup codes, emailed codes, the policies, remembered devices, step-up with `acr_values`,
//! the Experience API, and the paths that must never skip the second factor. Regression
//! tests for peer vulnerabilities #6 (setup enforcement bypassed by restarting), #8
//! (enrolment state replayed) and #15 (the same factor type counted twice) are marked.

use crate::common::*;
use serde_json::json;
use server::config::{MfaFactorKind, MfaPolicy};

async fn mandatory() -> TestServer {
    TestServer::start_with(|c| c.mfa.policy = MfaPolicy::Mandatory).await
}

/// The base32 secret shown on the setup page.
fn secret_on(page: &Answer) -> String {
    let at = page
        .body
        .find("id=\"totp-secret\"")
        .expect("secret on the page");
    let start = at + page.body[at..].find('>').expect("tag end") + 1;
    let end = start + page.body[start..].find('<').expect("text end");
    page.body[start..end].replace(' ', "")
}

async fn mfa_post(s: &mut TestServer, page: &str, fields: &[(&str, &str)]) -> Answer {
    s.submit(page, "/flow/mfa", fields).await
}

/// Signs `user` in with the password through an authorization request; answers the post.
async fn password_step(s: &mut TestServer, user: &str) -> Answer {
    s.authorize_public("").await;
    s.sign_in(user, PASSWORD).await
}

/// Binds an authenticator app from the setup screen; returns the secret and the code that
/// bound it.
async fn bind_totp(s: &mut TestServer) -> (String, String) {
    let chosen = mfa_post(s, "/mfa/setup", &[("action", "setup"), ("factor", "totp")]).await;
    assert_eq!(
        chosen.location().as_deref(),
        Some("/mfa/setup/totp"),
        "{}",
        chosen.body
    );
    let page = s.get("/mfa/setup/totp").await;
    assert!(page.body.contains("<svg"), "QR code drawn on the server");
    let secret = secret_on(&page);
    assert_eq!(secret.len(), 32, "160-bit secret in base32");
    let wrong = mfa_post(
        s,
        "/mfa/setup/totp",
        &[("action", "setup_totp"), ("code", "000000")],
    )
    .await;
    assert_eq!(wrong.location().as_deref(), Some("/mfa/setup/totp"));
    assert!(s.get("/mfa/setup/totp").await.body.contains("Tries left"));
    assert_eq!(
        s.state.db.count("mfa_factors").await.unwrap(),
        0,
        "nothing bound yet"
    );
    let code = totp(&secret, 0);
    let bound = mfa_post(
        s,
        "/mfa/setup/totp",
        &[("action", "setup_totp"), ("code", &code)],
    )
    .await;
    assert_eq!(
        bound.location().as_deref(),
        Some("/mfa/backup-codes"),
        "{}",
        bound.body
    );
    (secret, code)
}

/// The backup codes on their screen.
fn backup_codes_on(page: &Answer) -> Vec<String> {
    page.body
        .split("<code translate=\"no\">")
        .skip(1)
        .map(|p| p[..p.find('<').expect("end")].to_string())
        .collect()
}

#[tokio::test]
async fn mandatory_totp_is_set_up_then_asked_and_each_code_works_once() {
    let mut s = mandatory().await;
    s.create_user(Some("alice"), None, None, PASSWORD).await;
    let r = password_step(&mut s, "alice").await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"), "{}", r.body);
    let setup = s.get("/mfa/setup").await;
    assert!(setup.body.contains("value=\"totp\""));
    assert!(
        !setup.body.contains("value=\"skip\""),
        "a requirement cannot be skipped"
    );
    let (secret, used) = bind_totp(&mut s).await;

    // Ten backup codes, shown once, downloadable, stored hashed.
    let page = s.get("/mfa/backup-codes").await;
    let codes = backup_codes_on(&page);
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.len() == 14), "{codes:?}");
    let file = s.get("/mfa/backup-codes.txt").await;
    assert!(file.body.contains(&codes[3]));
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert!(
        !format!("{:?}", s.state.db.backup_code("x", &codes[0][..4]).await).contains(&codes[0])
    );
    let saved = mfa_post(
        &mut s,
        "/mfa/backup-codes",
        &[("action", "backup_codes_saved")],
    )
    .await;
    let claims = claims_after(&mut s, &saved).await;
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["acr"], "urn:sesame:acr:mfa");
    assert!(
        s.get("/mfa/backup-codes.txt").await.location().is_some(),
        "never shown again"
    );

    // A new browser: the password, then a code from the app.
    let mut t = s;
    t.jar.clear();
    let r = password_step(&mut t, "alice").await;
    assert_eq!(r.location().as_deref(), Some("/mfa"));
    let page = t.get("/mfa").await;
    assert!(page.body.contains("authenticator app"), "{}", page.body);
    // The code typed at setup was accepted once already.
    let r = mfa_post(
        &mut t,
        "/mfa",
        &[("action", "verify_totp"), ("code", &used)],
    )
    .await;
    assert_eq!(r.location().as_deref(), Some("/mfa"));
    assert!(t.get("/mfa").await.body.contains("used already"));
    // One step of drift is accepted; that code is then spent too.
    let next = totp(&secret, 1);
    let ok = mfa_post(
        &mut t,
        "/mfa",
        &[("action", "verify_totp"), ("code", &next)],
    )
    .await;
    let claims = claims_after(&mut t, &ok).await;
    assert_eq!(claims["acr"], "urn:sesame:acr:mfa");
    let mut u = t;
    u.jar.clear();
    password_step(&mut u, "alice").await;
    let replay = mfa_post(
        &mut u,
        "/mfa",
        &[("action", "verify_totp"), ("code", &next)],
    )
    .await;
    assert_eq!(
        replay.location().as_deref(),
        Some("/mfa"),
        "a replayed code fails"
    );

    // A backup code instead: used once, and the count goes down.
    let choose = mfa_post(
        &mut u,
        "/mfa/methods",
        &[("action", "choose"), ("factor", "backup_code")],
    )
    .await;
    assert_eq!(choose.location().as_deref(), Some("/mfa"));
    assert!(u.get("/mfa").await.body.contains(": 10"), "ten codes left");
    let typed = codes[0].to_uppercase().replace('-', " ");
    let ok = mfa_post(
        &mut u,
        "/mfa",
        &[("action", "verify_backup_code"), ("backup_code", &typed)],
    )
    .await;
    let claims = claims_after(&mut u, &ok).await;
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(
        u.state
            .db
            .backup_codes_left(claims["sub"].as_str().unwrap())
            .await
            .unwrap(),
        9
    );
    let mut v = u;
    v.jar.clear();
    password_step(&mut v, "alice").await;
    mfa_post(
        &mut v,
        "/mfa/methods",
        &[("action", "choose"), ("factor", "backup_code")],
    )
    .await;
    let again = mfa_post(
        &mut v,
        "/mfa",
        &[("action", "verify_backup_code"), ("backup_code", &codes[0])],
    )
    .await;
    assert_eq!(again.location().as_deref(), Some("/mfa"));
    assert!(v.get("/mfa").await.body.contains("used already"));
}

/// #6: while a required factor is not set up, no way around the setup screen gives a
/// session or a code.
#[tokio::test]
async fn required_setup_cannot_be_skipped_restarted_or_bypassed() {
    let mut s = TestServer::start_with(|c| {
        c.mfa.policy = MfaPolicy::Mandatory;
        c.terms.policy = server::config::TermsPolicy::Manual;
    })
    .await;
    s.create_user(Some("bob"), None, None, PASSWORD).await;
    let r = password_step(&mut s, "bob").await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"));
    let skip = mfa_post(&mut s, "/mfa/setup", &[("action", "skip")]).await;
    assert_eq!(skip.location().as_deref(), Some("/mfa/setup"));
    assert!(s.get("/authorize/resume").await.location().as_deref() == Some("/sign-in"));
    assert_eq!(
        s.get("/terms").await.location().as_deref(),
        Some("/sign-in")
    );
    let csrf = s.get("/sign-in").await.csrf();
    let agree = s
        .post_form("/flow/agree-terms", &[("csrf", &csrf), ("terms", "on")])
        .await;
    assert!(agree
        .headers
        .get("set-cookie")
        .is_none_or(|c| !c.to_str().unwrap().contains("sesame_session=")));
    let api = s
        .post_json("/api/experience/terms", json!({"agreed": true}))
        .await;
    assert_ne!(api.json()["next"], "done");
    assert_eq!(
        s.get("/continue").await.location().as_deref(),
        Some("/sign-in")
    );
    // A made-up factor kind, and verification without a bound factor.
    let r = mfa_post(
        &mut s,
        "/mfa/setup",
        &[("action", "setup"), ("factor", "email")],
    )
    .await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"));
    let r = mfa_post(
        &mut s,
        "/mfa/setup",
        &[("action", "verify_totp"), ("code", "123456")],
    )
    .await;
    assert_ne!(r.location().as_deref(), Some("/authorize/resume"));
    // Restarting the authorization request lands on sign-in again, not past it.
    let again = s.authorize_public("").await;
    assert_eq!(again.location().as_deref(), Some("/sign-in"));
    assert_eq!(
        s.state.db.count("sessions").await.unwrap(),
        0,
        "no session at any point"
    );
    assert_eq!(s.state.db.count("authorization_codes").await.unwrap(), 0);
}

/// #8: the enrolment state is single use and bound to the flow.
#[tokio::test]
async fn enrolment_state_is_used_once() {
    let mut s = mandatory().await;
    s.create_user(Some("carol"), None, None, PASSWORD).await;
    password_step(&mut s, "carol").await;
    mfa_post(
        &mut s,
        "/mfa/setup",
        &[("action", "setup"), ("factor", "totp")],
    )
    .await;
    let secret = secret_on(&s.get("/mfa/setup/totp").await);
    let code = totp(&secret, 0);
    let csrf = s.get("/mfa/setup/totp").await.csrf();
    let first = s
        .post_form(
            "/flow/mfa",
            &[("csrf", &csrf), ("action", "setup_totp"), ("code", &code)],
        )
        .await;
    assert_eq!(first.location().as_deref(), Some("/mfa/backup-codes"));
    let second = s
        .post_form(
            "/flow/mfa",
            &[("csrf", &csrf), ("action", "setup_totp"), ("code", &code)],
        )
        .await;
    assert_eq!(second.location().as_deref(), Some("/mfa/setup/totp"));
    assert_eq!(
        s.state.db.count("mfa_factors").await.unwrap(),
        1,
        "bound once"
    );
    // A WebAuthn registration answer is checked against this flow's state, once.
    mfa_post(
        &mut s,
        "/mfa/backup-codes",
        &[("action", "backup_codes_saved")],
    )
    .await;
    let mut t = s;
    t.jar.clear();
    let r = password_step(&mut t, "carol").await;
    assert_eq!(r.location().as_deref(), Some("/mfa"));
    let forged = r#"{"id":"AAAA","rawId":"AAAA","response":{"attestationObject":"AAAA","clientDataJSON":"AAAA"},"type":"public-key","extensions":{}}"#;
    let r = mfa_post(
        &mut t,
        "/mfa",
        &[("action", "verify_webauthn"), ("credential", forged)],
    )
    .await;
    assert_ne!(r.location().as_deref(), Some("/authorize/resume"));
}

/// #15: an emailed code after an emailed-code sign-in is the same factor twice.
#[tokio::test]
async fn an_emailed_code_is_a_second_factor_only_after_a_different_first_one() {
    let mut s = TestServer::start_with(|c| {
        c.mfa.policy = MfaPolicy::Mandatory;
        c.mfa.factors = vec![MfaFactorKind::Totp, MfaFactorKind::Email];
        c.experience.sign_in = vec![server::config::SignInIdentifier {
            identifier: server::config::IdentifierKind::Email,
            methods: vec![
                server::config::SignInMethod::Password,
                server::config::SignInMethod::Code,
            ],
        }];
    })
    .await;
    s.create_user(None, Some("dan@example.com"), None, PASSWORD)
        .await;
    let r = password_step(&mut s, "dan@example.com").await;
    assert_eq!(r.location().as_deref(), Some("/mfa"));
    assert!(
        s.get("/mfa").await.body.contains("d•••@example.com")
            || s.get("/mfa/methods")
                .await
                .body
                .contains("d•••@example.com")
    );
    let sent = mfa_post(&mut s, "/mfa", &[("action", "choose"), ("factor", "email")]).await;
    assert_eq!(sent.location().as_deref(), Some("/verify"), "{}", sent.body);
    let code = s.outbox_code("dan@example.com").await;
    let wrong = s
        .submit(
            "/verify",
            "/flow/verify-code",
            &[("code", "000000"), ("action", "verify")],
        )
        .await;
    assert_eq!(wrong.location().as_deref(), Some("/verify"));
    assert!(s.get("/verify").await.body.contains("Tries left: 9"));
    let ok = s
        .submit(
            "/verify",
            "/flow/verify-code",
            &[("code", &code), ("action", "verify")],
        )
        .await;
    let claims = claims_after(&mut s, &ok).await;
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));

    // Signing in with an emailed code: email cannot be the second factor as well.
    let mut t = s;
    t.jar.clear();
    t.authorize_public("").await;
    let sent = send_sign_in(&mut t, "dan@example.com", "code").await;
    assert_eq!(sent.location().as_deref(), Some("/verify"));
    let code = t.outbox_code("dan@example.com").await;
    let r = t
        .submit(
            "/verify",
            "/flow/verify-code",
            &[("code", &code), ("action", "verify")],
        )
        .await;
    assert_eq!(
        r.location().as_deref(),
        Some("/mfa/setup"),
        "another factor type is needed"
    );
    let choose = mfa_post(
        &mut t,
        "/mfa/setup",
        &[("action", "choose"), ("factor", "email")],
    )
    .await;
    assert_ne!(choose.location().as_deref(), Some("/verify"));
    assert_eq!(
        t.state.db.count("sessions").await.unwrap(),
        1,
        "only the first sign-in's"
    );
}

#[tokio::test]
async fn acr_values_step_a_session_up_and_prompt_none_does_not() {
    let mut s = TestServer::start().await;
    s.create_user(Some("erin"), None, None, PASSWORD).await;
    let r = password_step(&mut s, "erin").await;
    let claims = claims_after(&mut s, &r).await;
    assert_eq!(
        claims["acr"], "urn:sesame:acr:1fa",
        "no factor, no policy: one factor"
    );
    assert_eq!(claims["amr"], json!(["pwd"]));
    let silent = s
        .authorize_public("&prompt=none&acr_values=urn%3Asesame%3Aacr%3Amfa")
        .await;
    let location = silent.location().expect("redirect");
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("login_required")
    );
    let up = s
        .authorize_public("&acr_values=urn%3Asesame%3Aacr%3Amfa")
        .await;
    assert_eq!(up.location().as_deref(), Some("/mfa/continue"));
    let next = s.get("/mfa/continue").await;
    assert_eq!(next.location().as_deref(), Some("/mfa/setup"));
    bind_totp(&mut s).await;
    let saved = mfa_post(
        &mut s,
        "/mfa/backup-codes",
        &[("action", "backup_codes_saved")],
    )
    .await;
    let stepped = claims_after(&mut s, &saved).await;
    assert_eq!(stepped["acr"], "urn:sesame:acr:mfa");
    assert_eq!(stepped["sub"], claims["sub"]);
    assert!(stepped["auth_time"].as_i64() >= claims["auth_time"].as_i64());
    // Discovery lists the values.
    let d = s.get("/.well-known/openid-configuration").await.json();
    assert!(d["acr_values_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("phr")));
}

#[tokio::test]
async fn a_remembered_device_skips_the_policy_factor_but_not_a_requested_one() {
    let mut s = TestServer::start_with(|c| {
        c.mfa.policy = MfaPolicy::Mandatory;
        c.mfa.remember_device_days = 30;
    })
    .await;
    s.create_user(Some("fay"), None, None, PASSWORD).await;
    password_step(&mut s, "fay").await;
    let secret = {
        mfa_post(
            &mut s,
            "/mfa/setup",
            &[("action", "setup"), ("factor", "totp")],
        )
        .await;
        let secret = secret_on(&s.get("/mfa/setup/totp").await);
        mfa_post(
            &mut s,
            "/mfa/setup/totp",
            &[("action", "setup_totp"), ("code", &totp(&secret, 0))],
        )
        .await;
        mfa_post(
            &mut s,
            "/mfa/backup-codes",
            &[("action", "backup_codes_saved")],
        )
        .await;
        secret
    };
    s.jar.retain(|k, _| !k.contains("session"));
    password_step(&mut s, "fay").await;
    assert!(s.get("/mfa").await.body.contains("30 days"));
    let r = mfa_post(
        &mut s,
        "/mfa",
        &[
            ("action", "verify_totp"),
            ("code", &totp(&secret, 1)),
            ("remember", "1"),
        ],
    )
    .await;
    assert!(s.jar.contains_key("sesame_device"), "device remembered");
    claims_after(&mut s, &r).await;
    s.jar.retain(|k, _| !k.contains("session"));
    let r = password_step(&mut s, "fay").await;
    let claims = claims_after(&mut s, &r).await;
    assert_eq!(
        claims["amr"],
        json!(["pwd"]),
        "the device stood in; amr stays truthful"
    );
    s.jar.retain(|k, _| !k.contains("session"));
    s.authorize_public("&acr_values=urn%3Asesame%3Aacr%3Amfa")
        .await;
    let r = s.sign_in("fay", PASSWORD).await;
    assert_eq!(
        r.location().as_deref(),
        Some("/mfa"),
        "the app asked for two factors"
    );
}

#[tokio::test]
async fn prompted_setup_can_be_skipped_and_stays_skipped() {
    let mut s = TestServer::start_with(|c| c.mfa.policy = MfaPolicy::PromptAtSignIn).await;
    s.create_user(Some("gus"), None, None, PASSWORD).await;
    let r = password_step(&mut s, "gus").await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"));
    assert!(s.get("/mfa/setup").await.body.contains("value=\"skip\""));
    let skipped = mfa_post(&mut s, "/mfa/setup", &[("action", "skip")]).await;
    claims_after(&mut s, &skipped).await;
    s.jar.retain(|k, _| !k.contains("session"));
    let r = password_step(&mut s, "gus").await;
    assert_eq!(
        r.location().as_deref(),
        Some("/authorize/resume"),
        "not asked again"
    );
}

#[tokio::test]
async fn the_experience_api_sets_up_and_proves_a_second_factor() {
    let mut s = mandatory().await;
    s.create_user(Some("hal"), None, None, PASSWORD).await;
    s.authorize_public("").await;
    let r = s
        .post_json(
            "/api/experience/sign-in/password",
            json!({"identifier": "hal", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.json()["next"], "mfa_setup");
    let interaction = s.get("/api/experience").await.json();
    assert_eq!(interaction["mfa_pending"], true);
    assert_eq!(interaction["terms_pending"], false);
    let state = s.get("/api/experience/mfa").await.json();
    assert_eq!(state["setup_methods"], json!(["totp", "webauthn"]));
    assert_eq!(state["skippable"], false);
    let r = s
        .post_json("/api/experience/mfa", json!({"action": "skip"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "mfa_required");
    let r = s
        .post_json(
            "/api/experience/mfa",
            json!({"action": "setup", "factor": "totp"}),
        )
        .await;
    assert_eq!(r.json()["next"], "totp_setup");
    let state = s.get("/api/experience/mfa").await.json();
    let secret = state["totp_setup"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert!(state["totp_setup"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let r = s
        .post_json(
            "/api/experience/mfa",
            json!({"action": "setup_totp", "code": totp(&secret, 0)}),
        )
        .await;
    assert_eq!(r.json()["next"], "backup_codes");
    let state = s.get("/api/experience/mfa").await.json();
    assert_eq!(state["backup_codes"].as_array().unwrap().len(), 10);
    let r = s
        .post_json(
            "/api/experience/mfa",
            json!({"action": "backup_codes_saved"}),
        )
        .await;
    assert_eq!(r.json()["next"], "done");
    // Locked after too many wrong codes, with the time to wait.
    let mut t = s;
    t.jar.clear();
    t.authorize_public("").await;
    t.post_json(
        "/api/experience/sign-in/password",
        json!({"identifier": "hal", "password": PASSWORD}),
    )
    .await;
    let first = t
        .post_json(
            "/api/experience/mfa",
            json!({"action": "verify_totp", "code": "000000"}),
        )
        .await;
    assert_eq!(first.json()["error"], "code_invalid_left");
    let mut last = first;
    for _ in 0..100 {
        last = t
            .post_json(
                "/api/experience/mfa",
                json!({"action": "verify_totp", "code": "000000"}),
            )
            .await;
        if last.status == 429 {
            break;
        }
    }
    assert_eq!(last.status, 429, "{}", last.body);
    assert_eq!(last.json()["error"], "locked");
    assert!(last.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn webauthn_options_come_from_the_server_with_user_verification_required() {
    let mut s = mandatory().await;
    s.create_user(Some("ida"), None, None, PASSWORD).await;
    password_step(&mut s, "ida").await;
    let r = mfa_post(
        &mut s,
        "/mfa/setup",
        &[("action", "setup"), ("factor", "webauthn")],
    )
    .await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup/webauthn"));
    let page = s.get("/mfa/setup/webauthn").await;
    assert!(
        page.body.contains("need JavaScript"),
        "explained without JavaScript"
    );
    let state = s.get("/api/experience/mfa").await.json();
    let sel = &state["webauthn_options"]["publicKey"]["authenticatorSelection"];
    assert_eq!(sel["userVerification"], "required");
    assert_eq!(sel["residentKey"], "required");
    let algs: Vec<_> = state["webauthn_options"]["publicKey"]["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert!(algs.contains(&-7));
    // ASVS 5.0 6.7.2: a challenge of at least 64 bits.
    let challenge = state["webauthn_options"]["publicKey"]["challenge"]
        .as_str()
        .unwrap();
    assert!(server::crypto::b64_decode(challenge).unwrap().len() >= 8);
    // A cancelled ceremony (empty answer) goes back to the choice with a message.
    let r = mfa_post(
        &mut s,
        "/mfa/setup/webauthn",
        &[("action", "setup_webauthn"), ("credential", "")],
    )
    .await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"));
    assert!(s.get("/mfa/setup").await.body.contains("did not finish"));
}

#[tokio::test]
async fn a_texted_code_is_a_second_factor_for_a_verified_phone() {
    let mut s = TestServer::start_with(|c| {
        c.mfa.policy = MfaPolicy::UserControlled;
        c.mfa.factors = vec![MfaFactorKind::Sms];
    })
    .await;
    s.create_user(Some("jay"), None, Some("+819012345678"), PASSWORD)
        .await;
    let r = password_step(&mut s, "jay").await;
    assert_eq!(r.location().as_deref(), Some("/mfa"));
    let page = s.get("/mfa").await;
    assert!(page.body.contains("value=\"sms\""), "{}", page.body);
    let sent = mfa_post(&mut s, "/mfa", &[("action", "choose"), ("factor", "sms")]).await;
    assert_eq!(sent.location().as_deref(), Some("/verify"));
    assert!(
        s.get("/verify").await.body.contains("/mfa/methods"),
        "back to the methods"
    );
    let code = s.outbox_code("+819012345678").await;
    let ok = s
        .submit(
            "/verify",
            "/flow/verify-code",
            &[("code", &code), ("action", "verify")],
        )
        .await;
    let claims = claims_after(&mut s, &ok).await;
    assert_eq!(claims["amr"], json!(["pwd", "sms", "mfa"]));
}

/// A factor can be set up only at a setup step: never in place of one that must be proven.
#[tokio::test]
async fn a_new_factor_cannot_stand_in_for_one_that_must_be_proven() {
    let mut s = mandatory().await;
    let id = s.create_user(Some("kim"), None, None, PASSWORD).await;
    // Kim has a security key (its details do not matter here: it is never used).
    s.state
        .db
        .insert_factor(&server::db::FactorRow {
            id: "f-1".into(),
            user_id: id,
            kind: "webauthn".into(),
            name: "Key".into(),
            secret: "{}".into(),
            credential_id: Some("cred-1".into()),
            last_step: 0,
            created_at: 0,
            last_used_at: None,
        })
        .await
        .unwrap();
    let r = password_step(&mut s, "kim").await;
    assert_eq!(r.location().as_deref(), Some("/mfa"));
    let setup = s.get("/mfa/setup").await;
    assert_eq!(
        setup.location().as_deref(),
        Some("/mfa"),
        "{} {}",
        setup.status,
        &setup.body[..setup.body.len().min(300)]
    );
    let r = mfa_post(&mut s, "/mfa", &[("action", "setup"), ("factor", "totp")]).await;
    assert_ne!(r.location().as_deref(), Some("/mfa/setup/totp"));
    let page = s.get("/mfa/setup/totp").await;
    assert_eq!(
        page.location().as_deref(),
        Some("/mfa/setup"),
        "no secret shown"
    );
    let state = s.get("/api/experience/mfa").await.json();
    assert!(
        state["totp_setup"].is_null(),
        "no secret handed out: {state}"
    );
    let r = s
        .post_json(
            "/api/experience/mfa",
            json!({"action": "setup", "factor": "totp"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = s
        .post_json(
            "/api/experience/mfa",
            json!({"action": "setup_totp", "code": "123456"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = s
        .post_json("/api/experience/mfa", json!({"action": "skip"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        s.state.db.count("mfa_factors").await.unwrap(),
        1,
        "nothing new bound"
    );
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
}

/// A password reset is not a second factor, and it forgets remembered devices.
#[tokio::test]
async fn a_password_reset_does_not_count_as_a_second_factor() {
    let mut s = TestServer::start_with(|c| {
        c.mfa.policy = MfaPolicy::Mandatory;
        c.mfa.remember_device_days = 30;
        c.experience.forgot_password = vec![server::config::IdentifierKind::Email];
        c.experience.sign_in = vec![server::config::SignInIdentifier {
            identifier: server::config::IdentifierKind::Email,
            methods: vec![server::config::SignInMethod::Password],
        }];
    })
    .await;
    s.create_user(None, Some("lee@example.com"), None, PASSWORD)
        .await;
    password_step(&mut s, "lee@example.com").await;
    mfa_post(
        &mut s,
        "/mfa/setup",
        &[("action", "setup"), ("factor", "totp")],
    )
    .await;
    let secret = secret_on(&s.get("/mfa/setup/totp").await);
    mfa_post(
        &mut s,
        "/mfa/setup/totp",
        &[
            ("action", "setup_totp"),
            ("code", &totp(&secret, 0)),
            ("remember", "1"),
        ],
    )
    .await;
    let saved = mfa_post(
        &mut s,
        "/mfa/backup-codes",
        &[("action", "backup_codes_saved")],
    )
    .await;
    claims_after(&mut s, &saved).await;
    s.jar.clear();
    s.authorize_public("").await;
    let sent = ask_for_reset(&mut s, "lee@example.com").await;
    assert_eq!(sent.location().as_deref(), Some("/verify"));
    let code = s.outbox_code("lee@example.com").await;
    enter_code(&mut s, &code).await;
    let new = "a brand new passphrase";
    let changed = set_new_password(&mut s, "/reset-password/new", new).await;
    assert_eq!(
        changed.location().as_deref(),
        Some("/sign-in"),
        "{}",
        changed.body
    );
    assert_eq!(s.state.db.count("trusted_devices").await.unwrap(), 0);
    let r = s.sign_in("lee@example.com", new).await;
    assert_eq!(
        r.location().as_deref(),
        Some("/mfa"),
        "the emailed reset code is not a factor"
    );
}

#[tokio::test]
async fn the_passkey_offer_after_sign_in_can_be_skipped_for_good() {
    let mut s = TestServer::start_with(|c| c.passkeys.prompt_after_sign_in = true).await;
    s.create_user(Some("max"), None, None, PASSWORD).await;
    let r = password_step(&mut s, "max").await;
    assert_eq!(r.location().as_deref(), Some("/passkey/create"));
    let page = s.get("/passkey/create").await;
    assert!(page.body.contains("Skip for now"));
    assert_eq!(
        s.state.db.count("sessions").await.unwrap(),
        0,
        "no session before the answer"
    );
    let skipped = mfa_post(&mut s, "/passkey/create", &[("action", "skip_passkey")]).await;
    claims_after(&mut s, &skipped).await;
    s.jar.clear();
    let r = password_step(&mut s, "max").await;
    assert_eq!(
        r.location().as_deref(),
        Some("/authorize/resume"),
        "not offered again"
    );
}

/// `acr_values=phr`: only a passkey or security key reaches it, so only those are offered.
#[tokio::test]
async fn a_phishing_resistant_level_is_reached_only_with_webauthn() {
    let mut s = TestServer::start().await;
    s.create_user(Some("ned"), None, None, PASSWORD).await;
    let r = password_step(&mut s, "ned").await;
    claims_after(&mut s, &r).await;
    let up = s.authorize_public("&acr_values=phr").await;
    assert_eq!(up.location().as_deref(), Some("/mfa/continue"));
    assert_eq!(
        s.get("/mfa/continue").await.location().as_deref(),
        Some("/mfa/setup")
    );
    let page = s.get("/mfa/setup").await;
    assert!(page.body.contains("value=\"webauthn\""));
    assert!(
        !page.body.contains("value=\"totp\""),
        "an app code is not phishing-resistant"
    );
    let r = mfa_post(
        &mut s,
        "/mfa/setup",
        &[("action", "setup"), ("factor", "totp")],
    )
    .await;
    assert_eq!(r.location().as_deref(), Some("/mfa/setup"));
    // The level is ignored when WebAuthn is not allowed at all (a request, not a demand).
    let mut t = TestServer::start_with(|c| {
        c.mfa.factors = vec![server::config::MfaFactorKind::Totp];
    })
    .await;
    t.create_user(Some("ola"), None, None, PASSWORD).await;
    let r = password_step(&mut t, "ola").await;
    claims_after(&mut t, &r).await;
    let again = t.authorize_public("&acr_values=phr").await;
    let claims = {
        let tokens = t.exchange_public(&code_from(&again)).await.json();
        jwt_claims(tokens["id_token"].as_str().unwrap())
    };
    assert_eq!(
        claims["acr"], "urn:sesame:acr:1fa",
        "the token says what was reached"
    );
}

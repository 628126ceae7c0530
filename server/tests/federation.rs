//! Federation through the router against an upstream provider run here on loopback, one
//! that can misbehave on purpose: ID tokens without the nonce, from another issuer, for
//! another audience, signed with an unknown key, replayed answers, unverified email
//! addresses that match an account. Regression tests for peer vulnerabilities #11 (a local
//! second factor skipped after SSO), #12 (linking on an unverified email) and #14 (nonce not
//! checked when the ID token omits it) are marked. The happy paths against an independent
//! provider (npm oidc-provider) are in end2end/tests/federation.spec.ts.

use crate::common::upstream::*;
use crate::common::*;
use server::config::MfaPolicy;

/// Starts sign-in with `connector` and checks the request sent upstream; returns its
/// `state` and `nonce`.
async fn start(s: &mut TestServer, u: &Upstream, connector: &str) -> (String, String) {
    let (to, state, nonce) = federation_start(s, connector).await;
    assert!(to.starts_with(&format!("{}/auth?", u.issuer)), "{to}");
    for p in ["code_challenge", "state", "nonce"] {
        assert!(query_param(&to, p).is_some(), "{p} sent: {to}");
    }
    assert_eq!(
        query_param(&to, "code_challenge_method").as_deref(),
        Some("S256")
    );
    (state, nonce)
}

/// One full round: start, the provider issues `scenario`'s code, the browser comes back.
async fn round(s: &mut TestServer, u: &Upstream, connector: &str, scenario: Scenario) -> Answer {
    let request = start(s, u, connector).await;
    come_back(s, u, connector, request, scenario).await
}

#[tokio::test]
async fn a_new_user_is_asked_then_created_and_signed_in() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    s.authorize_public("").await;
    let back = round(&mut s, &u, "up", person("u-1", "new@social.example", true)).await;
    assert_eq!(back.location().as_deref(), Some("/federation/link"));
    let page = s.get("/federation/link").await;
    assert!(page.body.contains("Create a new account"), "{}", page.body);
    let made = s
        .submit(
            "/federation/link",
            "/flow/federation",
            &[("action", "create")],
        )
        .await;
    assert_eq!(made.location().as_deref(), Some("/authorize/resume"));
    assert_eq!(s.state.db.count("identities").await.unwrap(), 1);
    // Next time the same (provider, subject) signs straight in, without the question.
    s.jar.clear();
    s.authorize_public("").await;
    let again = round(
        &mut s,
        &u,
        "up",
        person("u-1", "changed@social.example", true),
    )
    .await;
    assert_eq!(again.location().as_deref(), Some("/authorize/resume"));
    assert_eq!(s.state.db.count("users").await.unwrap(), 1);
}

#[tokio::test]
async fn id_tokens_must_carry_our_nonce_issuer_audience_and_key() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    s.authorize_public("").await;
    // #14: an ID token that leaves the nonce out is refused, not waved through.
    let bad = Scenario {
        omit_nonce: true,
        ..person("u-2", "x@social.example", true)
    };
    let a = round(&mut s, &u, "up", bad).await;
    refused(&mut s, &a).await;
    for bad in [
        Scenario {
            nonce: Some("another-nonce".into()),
            ..person("u-2", "x@social.example", true)
        },
        Scenario {
            issuer: Some("https://mix-up.example".into()),
            ..person("u-2", "x@social.example", true)
        },
        Scenario {
            audience: Some("another-client".into()),
            ..person("u-2", "x@social.example", true)
        },
        Scenario {
            foreign_key: true,
            ..person("u-2", "x@social.example", true)
        },
    ] {
        let a = round(&mut s, &u, "up", bad).await;
        refused(&mut s, &a).await;
    }
}

#[tokio::test]
async fn answers_are_single_use_and_bound_to_the_flow() {
    let u = upstream().await;
    let mut s = federated(&u, |c| c.federation.ask_new_users = false).await;
    s.authorize_public("").await;
    let (state, nonce) = start(&mut s, &u, "up").await;
    // A forged state is refused and uses up the request.
    let forged = s.get("/federation/callback/up?code=c&state=forged").await;
    refused(&mut s, &forged).await;
    let code = "c-1".to_string();
    u.codes.lock().unwrap().insert(
        code.clone(),
        (person("u-3", "r@social.example", true), nonce),
    );
    let late = s
        .get(&format!(
            "/federation/callback/up?code={code}&state={state}"
        ))
        .await;
    refused(&mut s, &late).await;
    // A good answer works once; the same answer again finds no request.
    let (state, nonce) = start(&mut s, &u, "up").await;
    u.codes.lock().unwrap().insert(
        "c-2".into(),
        (person("u-3", "r@social.example", true), nonce),
    );
    let uri = format!("/federation/callback/up?code=c-2&state={state}");
    let ok = s.get(&uri).await;
    assert_eq!(ok.location().as_deref(), Some("/authorize/resume"));
    let replay = s.get(&uri).await;
    assert_ne!(replay.location().as_deref(), Some("/authorize/resume"));
}

#[tokio::test]
async fn the_provider_can_rotate_its_keys() {
    let u = upstream().await;
    let mut s = federated(&u, |c| c.federation.ask_new_users = false).await;
    s.authorize_public("").await;
    // Discovery happens at the first start; the provider then switches to a new key id.
    let (state, nonce) = start(&mut s, &u, "up").await;
    *u.kid.lock().unwrap() = "k2".into();
    u.codes.lock().unwrap().insert(
        "rot".into(),
        (person("u-4", "k@social.example", true), nonce),
    );
    let ok = s
        .get(&format!("/federation/callback/up?code=rot&state={state}"))
        .await;
    assert_eq!(
        ok.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        ok.body
    );
}

#[tokio::test]
async fn an_unverified_email_never_links_on_its_own() {
    // #12
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    let owner = s
        .create_user(
            Some("owner"),
            Some("owner@example.com"),
            None,
            "correct horse battery",
        )
        .await;
    s.authorize_public("").await;
    // Unverified, or verified by a provider the connector does not trust: the owner must
    // sign in first.
    for (connector, verified) in [("up", true), ("trusted", false)] {
        let a = round(
            &mut s,
            &u,
            connector,
            person("attacker", "owner@example.com", verified),
        )
        .await;
        assert_eq!(a.location().as_deref(), Some("/federation/link"));
        let page = s.get("/federation/link").await;
        assert!(!page.body.contains("Create a new account"), "{}", page.body);
        assert_eq!(s.state.db.count("identities").await.unwrap(), 0);
        assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
    }
    // The owner proves the account with the password: now the identity is linked to it.
    let go = s
        .submit(
            "/federation/link",
            "/flow/federation",
            &[("action", "sign_in")],
        )
        .await;
    assert_eq!(go.location().as_deref(), Some("/sign-in"));
    assert!(s.get("/sign-in").await.body.contains("will be linked"));
    let signed = s.sign_in("owner", "correct horse battery").await;
    assert_eq!(signed.location().as_deref(), Some("/authorize/resume"));
    let linked = s.state.db.identities(&owner).await.unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].connector, "trusted");
    // A trusted provider's verified address links directly.
    let mut s = federated(&u, |_| {}).await;
    let owner = s
        .create_user(
            Some("o2"),
            Some("o2@example.com"),
            None,
            "correct horse battery",
        )
        .await;
    s.authorize_public("").await;
    let a = round(
        &mut s,
        &u,
        "trusted",
        person("o2-up", "O2@Example.com", true),
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/authorize/resume"));
    assert_eq!(s.state.db.identities(&owner).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_local_second_factor_is_still_required_after_federation() {
    // #11
    let u = upstream().await;
    let mut s = federated(&u, |c| {
        c.mfa.policy = MfaPolicy::Mandatory;
        c.federation.ask_new_users = false;
    })
    .await;
    s.authorize_public("").await;
    let a = round(
        &mut s,
        &u,
        "acme",
        person("emp-1", "emp@acme.example", false),
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/mfa/setup"), "{}", a.body);
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);
    // An upstream second factor counts only where the connector trusts it.
    s.jar.clear();
    s.authorize_public("").await;
    let with_mfa = Scenario {
        amr: Some(vec!["pwd".into(), "mfa".into()]),
        ..person("emp-2", "emp2@social.example", true)
    };
    let a = round(&mut s, &u, "up", with_mfa.clone()).await;
    assert_eq!(a.location().as_deref(), Some("/mfa/setup"));
    s.jar.clear();
    s.authorize_public("").await;
    let a = round(&mut s, &u, "mfa-trusting", with_mfa).await;
    assert_eq!(
        a.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        a.body
    );
}

#[tokio::test]
async fn sso_domains_route_to_their_provider_from_every_form() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    s.authorize_public("").await;
    let a = s.sign_in("Emp@ACME.example", "whatever-password").await;
    let to = a.location().expect("redirect");
    assert!(to.starts_with(&format!("{}/auth?", u.issuer)), "{to}");
    let page = s.get("/sso").await;
    assert!(page.body.contains("Work email"), "{}", page.body);
    let a = s
        .submit(
            "/sso",
            "/flow/federation",
            &[("action", "sso"), ("email", "jo@acme.example")],
        )
        .await;
    assert!(a.location().expect("redirect").starts_with(&u.issuer));
    let a = s
        .submit(
            "/sso",
            "/flow/federation",
            &[("action", "sso"), ("email", "jo@elsewhere.example")],
        )
        .await;
    assert_eq!(a.location().as_deref(), Some("/sso"));
    assert!(s
        .get("/sso")
        .await
        .body
        .contains("not set up for this email domain"));
    // The page lets forms lead to the enterprise provider (CSP form-action).
    let csp = page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains(&u.issuer), "{csp}");
}

#[tokio::test]
async fn direct_sign_in_and_domain_hint_skip_the_first_screen() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    let a = s.authorize_public("&direct_sign_in=social:up").await;
    assert_eq!(a.location().as_deref(), Some("/sign-in/with/up"));
    let a = s.authorize_public("&direct_sign_in=sso:acme").await;
    assert_eq!(a.location().as_deref(), Some("/sign-in/with/acme"));
    let a = s.authorize_public("&domain_hint=acme.example").await;
    assert_eq!(a.location().as_deref(), Some("/sign-in/with/acme"));
    // The work-email screen as the first screen, where single sign-on exists.
    let a = s.authorize_public("&first_screen=single_sign_on").await;
    assert_eq!(a.location().as_deref(), Some("/sso"));
    let mut plain = TestServer::start().await;
    let a = plain.authorize_public("&first_screen=single_sign_on").await;
    assert_eq!(a.location().as_deref(), Some("/sign-in"));
    // Unknown targets, or a social connector named as SSO: the first screen.
    for extra in [
        "&direct_sign_in=social:nope",
        "&direct_sign_in=sso:up",
        "&domain_hint=nope.example",
    ] {
        let a = s.authorize_public(extra).await;
        assert_eq!(a.location().as_deref(), Some("/sign-in"), "{extra}");
    }
}

#[tokio::test]
async fn a_cancelled_or_unreachable_provider_brings_the_user_back() {
    let u = upstream().await;
    let mut s = federated(&u, |c| {
        c.connectors.push(
            toml::from_str(
                "id = \"down\"\nname = \"Down\"\nissuer = \"http://127.0.0.1:9\"\nclient_id = \"x\"",
            )
            .expect("connector"),
        );
    })
    .await;
    s.authorize_public("").await;
    let (state, _) = start(&mut s, &u, "up").await;
    let a = s
        .get(&format!(
            "/federation/callback/up?error=access_denied&state={state}"
        ))
        .await;
    assert_eq!(a.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("Sign-in at Upstream was cancelled"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("/sign-in/with/up"),
        "the other options stay"
    );
    let a = s.get("/sign-in/with/down").await;
    assert_eq!(a.location().as_deref(), Some("/sign-in"));
    assert!(s
        .get("/sign-in")
        .await
        .body
        .contains("Down could not sign you in"));
    assert_eq!(s.state.db.count("users").await.unwrap(), 0);
}

/// A new account from a provider gives what sign-up requires and the provider did not bring
/// (here a username, and an email address the untrusted provider's does not count for),
/// proving the address with a code; a taken value sends the user back, keeping the rest.
#[tokio::test]
async fn a_new_federated_account_gives_what_sign_up_requires() {
    let u = upstream().await;
    let mut s = federated(&u, |c| {
        c.federation.skip_required_identifiers = false;
        c.experience.secondary_identifiers = vec![server::config::IdentifierKind::Email];
    })
    .await;
    s.create_user(
        Some("taken"),
        Some("owner@example.com"),
        None,
        "correct horse battery",
    )
    .await;
    s.authorize_public("").await;
    let back = round(
        &mut s,
        &u,
        "up",
        person("u-7", "seven@social.example", true),
    )
    .await;
    assert_eq!(back.location().as_deref(), Some("/federation/link"));
    let made = s
        .submit(
            "/federation/link",
            "/flow/federation",
            &[("action", "create")],
        )
        .await;
    assert_eq!(
        made.location().as_deref(),
        Some("/continue"),
        "{}",
        made.body
    );
    let page = s.get("/continue").await;
    assert!(page.body.contains("name=\"username\""), "{}", page.body);
    assert!(page.body.contains("name=\"email\""), "{}", page.body);
    // No session before everything is given.
    assert_eq!(s.state.db.count("sessions").await.unwrap(), 0);

    let bad = s
        .submit(
            "/continue",
            "/flow/continue",
            &[("username", "taken"), ("email", "not an address")],
        )
        .await;
    assert_eq!(bad.location().as_deref(), Some("/continue"));
    let page = s.get("/continue").await;
    assert!(
        page.body.contains("This username is already in use"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("value=\"not an address\""),
        "typed values kept: {}",
        page.body
    );

    // An address of another account: found out only once its code is proven.
    let sent = s
        .submit(
            "/continue",
            "/flow/continue",
            &[("username", "seven"), ("email", "owner@example.com")],
        )
        .await;
    assert_eq!(sent.location().as_deref(), Some("/verify"), "{}", sent.body);
    let code = s.outbox_code("owner@example.com").await;
    let proven = s
        .submit(
            "/verify",
            "/flow/verify-code",
            &[("code", &code), ("action", "verify")],
        )
        .await;
    assert_eq!(
        proven.location().as_deref(),
        Some("/continue"),
        "{}",
        proven.body
    );
    let page = s.get("/continue").await;
    assert!(page.body.contains("already in use"), "{}", page.body);
    assert!(
        page.body.contains("value=\"owner@example.com\""),
        "{}",
        page.body
    );

    let sent = s
        .submit(
            "/continue",
            "/flow/continue",
            &[("username", "seven"), ("email", "seven@mail.example")],
        )
        .await;
    assert_eq!(sent.location().as_deref(), Some("/verify"), "{}", sent.body);
    let code = s.outbox_code("seven@mail.example").await;
    let done = s
        .submit(
            "/verify",
            "/flow/verify-code",
            &[("code", &code), ("action", "verify")],
        )
        .await;
    assert_eq!(
        done.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        done.body
    );
    let user = s
        .state
        .db
        .user_by_username("seven")
        .await
        .unwrap()
        .expect("account");
    assert_eq!(user.email.as_deref(), Some("seven@mail.example"));
    assert_eq!(user.email_verified, 1);
    assert_eq!(
        s.state.db.identity_user("up", "u-7").await.unwrap(),
        Some(user.id)
    );
}

/// The Experience API's doors to federation: the providers offered, the provider of an
/// email domain, starting at a provider or by work email, and the link choice; the same
/// steps as the screens.
#[tokio::test]
async fn the_experience_api_starts_federation_and_answers_the_link_choice() {
    let u = upstream().await;
    let mut s = federated(&u, |_| {}).await;
    let offered = s.get("/api/experience/connectors").await.json();
    let ids: Vec<&str> = offered["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["up", "trusted", "mfa-trusting"],
        "social ones, in order"
    );
    assert_eq!(offered["sso"], true);
    let found = s
        .get("/api/experience/sso-connectors?email=Jo%40ACME.example")
        .await
        .json();
    assert_eq!(found["connector"]["id"], "acme");
    let none = s
        .get("/api/experience/sso-connectors?email=jo%40other.example")
        .await
        .json();
    assert!(none["connector"].is_null());

    s.authorize_public("").await;
    let r = s
        .post_json(
            "/api/experience/federation",
            serde_json::json!({"connector": "nope"}),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "federation_unknown");
    let r = s
        .post_json(
            "/api/experience/sso",
            serde_json::json!({"email": "jo@other.example"}),
        )
        .await;
    assert_eq!(r.json()["error"], "sso_no_connector", "{}", r.body);
    let r = s
        .post_json(
            "/api/experience/sso",
            serde_json::json!({"email": "jo@acme.example"}),
        )
        .await;
    assert_eq!(r.json()["next"], "redirect", "{}", r.body);
    assert!(r.json()["redirect_to"]
        .as_str()
        .expect("url")
        .starts_with(&format!("{}/auth?", u.issuer)));

    let r = s
        .post_json(
            "/api/experience/federation",
            serde_json::json!({"connector": "up"}),
        )
        .await;
    assert_eq!(r.json()["next"], "redirect", "{}", r.body);
    let to = r.json()["redirect_to"].as_str().expect("url").to_string();
    let state = query_param(&to, "state").expect("state");
    let nonce = query_param(&to, "nonce").expect("nonce");
    let code = "api-code".to_string();
    u.codes.lock().unwrap().insert(
        code.clone(),
        (person("u-api", "api@social.example", true), nonce),
    );
    // The provider sends the browser back to Sesame, which holds the new identity.
    let back = s
        .get(&format!(
            "/federation/callback/up?code={code}&state={}",
            urlencode(&state)
        ))
        .await;
    assert_eq!(back.location().as_deref(), Some("/federation/link"));
    let current = s.get("/api/experience").await.json();
    assert_eq!(current["link"]["connector"], "up", "{current}");
    assert_eq!(current["link"]["provider"], "Upstream");
    assert_eq!(current["link"]["can_create"], true);
    let r = s
        .post_json(
            "/api/experience/federation/link",
            serde_json::json!({"action": "merge"}),
        )
        .await;
    assert_eq!(r.json()["error"], "form_expired");
    let r = s
        .post_json(
            "/api/experience/federation/link",
            serde_json::json!({"action": "create"}),
        )
        .await;
    assert_eq!(r.json()["next"], "done", "{}", r.body);
    assert_eq!(r.json()["redirect_to"], "/authorize/resume");
    assert_eq!(s.state.db.count("identities").await.unwrap(), 1);
    // Nothing waits to be linked any more.
    let r = s
        .post_json(
            "/api/experience/federation/link",
            serde_json::json!({"action": "create"}),
        )
        .await;
    assert_eq!(r.json()["error"], "form_expired");
}

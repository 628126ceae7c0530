//! Consent through the router: a third-party application gets a code only once the user
//! allows it; what was allowed is reused, a request for more asks only for the rest, denying
//! answers `access_denied`, `prompt=consent` asks again, `prompt=none` answers
//! `consent_required`, and withdrawing the consent stops the application's tokens.

use crate::common::*;
use server::config::{ClientConfig, Secret};

const THIRD: &str = "third-party";
const THIRD_SECRET: &str = "third-party-secret";
const THIRD_REDIRECT: &str = "https://third.example/cb";

/// A Sesame with the third party's application, edited by `edit`.
async fn sesame_with(
    edit: impl FnOnce(&mut server::config::Config) + Send + 'static,
) -> TestServer {
    TestServer::start_with(|c| {
        c.clients.push(ClientConfig {
            id: THIRD.into(),
            secret: Some(Secret(THIRD_SECRET.into())),
            name: Some("Third Party Notes".into()),
            logo_uri: None,
            redirect_uris: vec![THIRD_REDIRECT.into()],
            post_logout_redirect_uris: Vec::new(),
            first_party: false,
            allowed_scopes: server::oidc::SCOPES.map(String::from).to_vec(),
            id_token_signed_response_alg: "RS256".into(),
            branding: None,
            initiate_login_uri: None,
            tos_uri: Some("https://third.example/terms".into()),
            policy_uri: Some("https://third.example/privacy".into()),
            backchannel_logout_uri: None,
            frontchannel_logout_uri: None,
            allowed_resources: None,
        });
        edit(c);
    })
    .await
}

async fn sesame() -> TestServer {
    sesame_with(|_| {}).await
}

fn authorize_third(scope: &str, extra: &str) -> String {
    format!(
        "/authorize?client_id={THIRD}&redirect_uri={}&response_type=code&scope={}&state=st-3&nonce=n-3{extra}",
        urlencode(THIRD_REDIRECT),
        urlencode(scope)
    )
}

/// Signs up `username` through the third party's request; answers where the sign-up led.
async fn sign_up(s: &mut TestServer, username: &str) -> Answer {
    let start = s.get(&authorize_third("openid profile email", "")).await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    let posted = s.register(username, "correct horse battery").await;
    assert_eq!(posted.location().as_deref(), Some("/authorize/resume"));
    s.get("/authorize/resume").await
}

async fn answer(s: &mut TestServer, action: &str) -> Answer {
    s.submit("/consent", "/flow/consent", &[("action", action)])
        .await
}

fn back_to_app(a: &Answer) -> String {
    let to = a.location().expect("redirect");
    assert!(to.starts_with(THIRD_REDIRECT), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("st-3"));
    to
}

#[tokio::test]
async fn a_third_party_app_gets_a_code_only_once_the_user_allows_it() {
    let mut s = sesame().await;
    let resumed = sign_up(&mut s, "carol").await;
    assert_eq!(resumed.location().as_deref(), Some("/consent"));
    let page = s.get("/consent").await;
    assert!(
        page.body.contains("Third Party Notes asks to:"),
        "{}",
        page.body
    );
    for text in [
        "Know that it is you",
        "See your name and profile details",
        "See your email address",
        "Signed in as carol",
        "https://third.example/terms",
        "https://third.example/privacy",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // Opening resume again does not skip the question.
    let skip = s.get("/authorize/resume").await;
    assert_eq!(skip.location().as_deref(), Some("/consent"));
    // Without the anti-forgery token nothing is decided.
    let forged = s.post_form("/flow/consent", &[("action", "allow")]).await;
    assert_eq!(forged.location().as_deref(), Some("/consent"));
    assert_eq!(s.state.db.count("consents").await.unwrap(), 0);

    let allowed = answer(&mut s, "allow").await;
    assert_eq!(allowed.location().as_deref(), Some("/authorize/resume"));
    let done = s.get("/authorize/resume").await;
    let to = back_to_app(&done);
    assert!(query_param(&to, "code").is_some(), "{to}");

    // Asked once: the same request goes straight through.
    let again = s.get(&authorize_third("openid email", "")).await;
    assert!(back_to_app(&again).contains("code="));
}

#[tokio::test]
async fn denying_answers_access_denied_and_stores_nothing() {
    let mut s = sesame().await;
    sign_up(&mut s, "dave").await;
    let denied = answer(&mut s, "deny").await;
    assert_eq!(denied.location().as_deref(), Some("/authorize/resume"));
    let done = s.get("/authorize/resume").await;
    let to = back_to_app(&done);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert!(query_param(&to, "code").is_none());
    assert_eq!(s.state.db.count("consents").await.unwrap(), 0);
    // The next request asks again.
    let again = s.get(&authorize_third("openid", "")).await;
    assert_eq!(again.location().as_deref(), Some("/consent"));
}

#[tokio::test]
async fn asking_for_more_asks_only_for_the_rest() {
    let mut s = sesame().await;
    sign_up(&mut s, "erin").await;
    answer(&mut s, "allow").await;
    s.get("/authorize/resume").await;
    let more = s
        .get(&authorize_third("openid email phone offline_access", ""))
        .await;
    assert_eq!(more.location().as_deref(), Some("/consent"));
    let page = s.get("/consent").await;
    assert!(
        page.body.contains("asks for more than you allowed before"),
        "{}",
        page.body
    );
    assert!(page.body.contains("See your phone number"));
    assert!(page.body.contains("Keep access while you are not using it"));
    assert!(
        !page.body.contains("See your email address"),
        "already allowed"
    );
    answer(&mut s, "allow").await;
    let done = s.get("/authorize/resume").await;
    assert!(back_to_app(&done).contains("code="));
    let row = s
        .state
        .db
        .consent(
            &s.state
                .db
                .user_by_username("erin")
                .await
                .unwrap()
                .expect("user")
                .id,
            THIRD,
        )
        .await
        .unwrap()
        .expect("consent");
    let mut scopes = row.scope_list();
    scopes.sort();
    assert_eq!(
        scopes,
        ["email", "offline_access", "openid", "phone", "profile"]
    );
}

#[tokio::test]
async fn prompt_consent_asks_again_and_prompt_none_cannot_skip_it() {
    let mut s = sesame().await;
    sign_up(&mut s, "frank").await;
    // No screen may be shown: the application hears consent_required.
    let silent = s.get(&authorize_third("openid", "&prompt=none")).await;
    let to = back_to_app(&silent);
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("consent_required")
    );
    answer(&mut s, "allow").await;
    s.get("/authorize/resume").await;
    let silent = s.get(&authorize_third("openid", "&prompt=none")).await;
    assert!(back_to_app(&silent).contains("code="));
    // prompt=consent shows the screen again, with everything asked for.
    let again = s
        .get(&authorize_third("openid email", "&prompt=consent"))
        .await;
    assert_eq!(again.location().as_deref(), Some("/consent"));
    let page = s.get("/consent").await;
    assert!(
        page.body.contains("See your email address"),
        "{}",
        page.body
    );
    // Even the operator's own applications, when they ask with prompt=consent.
    let first = s.authorize_public("&prompt=consent").await;
    assert_eq!(first.location().as_deref(), Some("/consent"));
    answer(&mut s, "allow").await;
    let done = s.get("/authorize/resume").await;
    assert!(done
        .location()
        .expect("redirect")
        .starts_with(PUBLIC_REDIRECT));
}

/// Follows the resumed authorization back to the third party and redeems its code.
async fn tokens_for_third(s: &mut TestServer) -> serde_json::Value {
    let done = s.get("/authorize/resume").await;
    let code = query_param(&back_to_app(&done), "code").expect("code");
    s.post_backchannel(
        "/token",
        Some((THIRD, THIRD_SECRET)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", THIRD_REDIRECT),
        ],
    )
    .await
    .json()
}

#[tokio::test]
async fn withdrawing_consent_stops_the_tokens_and_asks_again() {
    let mut s = sesame().await;
    sign_up(&mut s, "gina").await;
    answer(&mut s, "allow").await;
    let tokens = tokens_for_third(&mut s).await;
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(s.userinfo(access).await.status, axum::http::StatusCode::OK);
    let user = s
        .state
        .db
        .user_by_username("gina")
        .await
        .unwrap()
        .expect("user");
    assert!(s
        .state
        .db
        .revoke_consent(&user.id, THIRD, server::crypto::now())
        .await
        .unwrap());
    assert_eq!(
        s.userinfo(access).await.status,
        axum::http::StatusCode::UNAUTHORIZED
    );
    let again = s.get(&authorize_third("openid", "")).await;
    assert_eq!(again.location().as_deref(), Some("/consent"));
}

#[tokio::test]
async fn another_account_can_answer_instead() {
    let mut s = sesame().await;
    s.create_user(Some("henry"), None, None, "correct horse battery")
        .await;
    sign_up(&mut s, "iris").await;
    let switched = answer(&mut s, "switch").await;
    assert_eq!(switched.location().as_deref(), Some("/sign-in"));
    assert!(!s.jar.contains_key("sesame_session"), "the session ended");
    let signed = s.sign_in("henry", "correct horse battery").await;
    assert_eq!(signed.location().as_deref(), Some("/authorize/resume"));
    let resumed = s.get("/authorize/resume").await;
    assert_eq!(resumed.location().as_deref(), Some("/consent"));
    let page = s.get("/consent").await;
    assert!(page.body.contains("Signed in as henry"), "{}", page.body);
}

const API: &str = "https://api.notes.example";

async fn sesame_with_api() -> TestServer {
    let text = r#"
[[resources]]
id = "notes-api"
indicator = "https://api.notes.example"
name = { en = "Notes API", ja = "メモ API" }
secret = "notes-api-secret"
scopes = [{ name = "notes:read", description = { en = "Read your notes", ja = "メモを読む" } }]

[[resources]]
id = "other-api"
indicator = "https://api.other.example"
name = { en = "Other API" }
secret = "other-api-secret"
"#;
    let extra = server::config::Config::from_table(text.parse().expect("toml")).expect("config");
    sesame_with(move |c| c.resources = extra.resources).await
}

/// Asks introspection about `token` as the API or client `id`.
async fn introspect(s: &mut TestServer, id: &str, secret: &str, token: &str) -> serde_json::Value {
    s.post_backchannel("/introspect", Some((id, secret)), &[("token", token)])
        .await
        .json()
}

#[tokio::test]
async fn apis_are_asked_for_by_name_and_see_their_tokens_at_introspection() {
    let mut s = sesame_with_api().await;
    let unknown = s
        .get(&authorize_third(
            "openid",
            "&resource=https%3A%2F%2Funknown.example",
        ))
        .await;
    assert_eq!(
        query_param(&back_to_app(&unknown), "error").as_deref(),
        Some("invalid_target")
    );
    let start = s
        .get(&authorize_third(
            "openid notes:read",
            &format!("&resource={}", urlencode(API)),
        ))
        .await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    s.register("tess", "correct horse battery").await;
    assert_eq!(
        s.get("/authorize/resume").await.location().as_deref(),
        Some("/consent")
    );
    let page = s.get("/consent").await;
    assert!(page.body.contains("On Notes API:"), "{}", page.body);
    assert!(page.body.contains("Read your notes"), "{}", page.body);
    answer(&mut s, "allow").await;
    let tokens = tokens_for_third(&mut s).await;
    assert!(tokens["scope"]
        .as_str()
        .expect("scope")
        .contains("notes:read"));
    let access = tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_string();

    // The API sees its token; another API does not; the app sees its own.
    let seen = introspect(&mut s, "notes-api", "notes-api-secret", &access).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["aud"], serde_json::json!([API]));
    assert_eq!(seen["client_id"], THIRD);
    assert!(seen["scope"]
        .as_str()
        .expect("scope")
        .contains("notes:read"));
    let other = introspect(&mut s, "other-api", "other-api-secret", &access).await;
    assert_eq!(other, serde_json::json!({ "active": false }));
    let own = introspect(&mut s, THIRD, THIRD_SECRET, &access).await;
    assert_eq!(own["active"], true);
    let wrong_secret = s
        .post_backchannel(
            "/introspect",
            Some(("notes-api", "not-the-secret")),
            &[("token", &access)],
        )
        .await;
    assert_eq!(wrong_secret.status, axum::http::StatusCode::UNAUTHORIZED);
    // Asked once: the same request goes straight through.
    let again = s
        .get(&authorize_third(
            "openid notes:read",
            &format!("&resource={}", urlencode(API)),
        ))
        .await;
    assert!(back_to_app(&again).contains("code="));
    // Withdrawn: the token is no longer active for the API either.
    let user = s
        .state
        .db
        .user_by_username("tess")
        .await
        .unwrap()
        .expect("user");
    s.state
        .db
        .revoke_consent(&user.id, THIRD, server::crypto::now())
        .await
        .unwrap();
    let gone = introspect(&mut s, "notes-api", "notes-api-secret", &access).await;
    assert_eq!(gone["active"], false);
}

#[tokio::test]
async fn the_user_picks_the_organizations_a_third_party_sees() {
    let mut s = sesame().await;
    let start = s.get(&authorize_third("openid organizations", "")).await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    s.register("otto", "correct horse battery").await;
    let user = s
        .state
        .db
        .user_by_username("otto")
        .await
        .unwrap()
        .expect("user");
    for (id, name) in [("red", "Red Team"), ("blue", "Blue Team")] {
        let org = server::db::OrganizationRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            branding: None,
            mfa_required: 0,
            jit_domains: String::new(),
            created_at: 0,
        };
        s.state
            .db
            .insert_organization(&org, &user.id, 0)
            .await
            .unwrap();
    }
    assert_eq!(
        s.get("/authorize/resume").await.location().as_deref(),
        Some("/consent")
    );
    let page = s.get("/consent").await;
    assert!(
        page.body.contains("For these organizations"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Red Team") && page.body.contains("Blue Team"));
    let csrf = page.csrf();
    s.post_form(
        "/flow/consent",
        &[
            ("csrf", &csrf),
            ("action", "allow"),
            ("organization", "blue"),
        ],
    )
    .await;
    let tokens = tokens_for_third(&mut s).await;
    let claims = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(claims["organizations"], serde_json::json!(["blue"]));
    // Asked once: the next request goes straight through.
    let again = s.get(&authorize_third("openid organizations", "")).await;
    assert!(back_to_app(&again).contains("code="));
}

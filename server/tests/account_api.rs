//! The Account API through the router: access tokens (with the `account` scope and each
//! route's own scope) and personal access tokens as bearers, security verifications made
//! through the API and required by sensitive routes, and personal access tokens exchanged
//! at the token endpoint.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use server::crypto::{now, token_hash};

const PASSWORD: &str = "correct horse battery";

/// A Sesame whose public client may use the Account API (its scopes are opt-in).
async fn sesame() -> TestServer {
    TestServer::start_with(|c| {
        for client in &mut c.clients {
            client.allowed_scopes = server::oidc::SCOPES.map(String::from).to_vec();
        }
    })
    .await
}

async fn api(
    s: &mut TestServer,
    method: &str,
    path: &str,
    bearer: &str,
    verification: Option<&str>,
    body: Option<Value>,
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

/// An access token of the public client for `username` with `scope`.
async fn access_token(s: &mut TestServer, username: &str, scope: &str) -> String {
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
async fn personal_token(s: &TestServer, user_id: &str) -> String {
    let value = format!("sesame_pat_{}", server::crypto::random_token());
    s.state
        .db
        .insert_personal_token(
            &server::db::PersonalTokenRow {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user_id.into(),
                name: "test".into(),
                created_at: now(),
                expires_at: None,
                last_used_at: None,
            },
            &token_hash(&value),
        )
        .await
        .expect("token");
    value
}

async fn verify_by_password(s: &mut TestServer, bearer: &str) -> String {
    let v = api(
        s,
        "POST",
        "/api/my-account/verifications/password",
        bearer,
        None,
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.body);
    v.json()["verification_id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn tokens_need_the_account_scope_and_each_route_its_own() {
    let mut s = sesame().await;
    let id = s.create_user(Some("ann"), None, None, PASSWORD).await;
    let none = api(&mut s, "GET", "/api/my-account", "nope", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(none.headers[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    // Without the operator's say-so, an application never gets the Account API's scopes.
    assert!(!TestServer::start().await.state.config.clients[0]
        .allowed_scopes
        .iter()
        .any(|x| x.starts_with("account")));
    let plain = access_token(&mut s, "ann", "openid profile").await;
    let refused = api(&mut s, "GET", "/api/my-account", &plain, None, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["scope"], "account");

    let account = access_token(&mut s, "ann", "openid account profile").await;
    let me = api(&mut s, "GET", "/api/my-account", &account, None, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["id"], id);
    assert_eq!(me.json()["username"], "ann");
    assert!(me.json().get("email").is_none(), "no email scope, no email");
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store");

    // CVE-2026-63203 (Logto): identities without their scope. Every area has its scope.
    for path in [
        "/api/my-account/identities",
        "/api/my-account/mfa",
        "/api/my-account/sessions",
        "/api/my-account/grants",
        "/api/my-account/personal-access-tokens",
        "/api/my-account/organizations",
    ] {
        let r = api(&mut s, "GET", path, &account, None, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json()["error"], "insufficient_scope", "{path}");
    }
    let with = access_token(&mut s, "ann", "openid account account:identities").await;
    let listed = api(
        &mut s,
        "GET",
        "/api/my-account/identities",
        &with,
        None,
        None,
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([]));

    // A personal access token acts as its user with every account scope.
    let pat = personal_token(&s, &id).await;
    for path in [
        "/api/my-account",
        "/api/my-account/mfa",
        "/api/my-account/sessions",
    ] {
        let r = api(&mut s, "GET", path, &pat, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    // A suspended user's tokens stop at once.
    s.state.db.set_suspended(&id, Some(now())).await.unwrap();
    let stopped = api(&mut s, "GET", "/api/my-account", &pat, None, None).await;
    assert_eq!(stopped.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sensitive_routes_need_a_verification_made_through_the_api() {
    let mut s = sesame().await;
    let id = s.create_user(Some("bob"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let new = json!({ "password": "a brand new passphrase" });
    let refused = api(
        &mut s,
        "POST",
        "/api/my-account/password",
        &pat,
        None,
        Some(new.clone()),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"], "verification_required");

    let wrong = api(
        &mut s,
        "POST",
        "/api/my-account/verifications/password",
        &pat,
        None,
        Some(json!({ "password": "not it" })),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let v = verify_by_password(&mut s, &pat).await;
    // Another user's verification id does not count.
    let other = s.create_user(Some("mallory"), None, None, PASSWORD).await;
    let other_pat = personal_token(&s, &other).await;
    let stolen = api(
        &mut s,
        "POST",
        "/api/my-account/password",
        &other_pat,
        Some(&v),
        Some(new.clone()),
    )
    .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);

    let weak = api(
        &mut s,
        "POST",
        "/api/my-account/password",
        &pat,
        Some(&v),
        Some(json!({ "password": "short" })),
    )
    .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.json()["fields"][0]["field"], "new_password");
    let done = api(
        &mut s,
        "POST",
        "/api/my-account/password",
        &pat,
        Some(&v),
        Some(new),
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);
    s.jar.clear();
    s.get("/account").await;
    let signed = s.sign_in("bob", "a brand new passphrase").await;
    assert_eq!(signed.location().as_deref(), Some("/account"));
}

/// CVE-2026-3429 through the API: a password verification does not let anyone remove the
/// second factor of an account that has one.
#[tokio::test]
async fn a_second_factor_is_removed_only_after_verifying_with_it() {
    let mut s = sesame().await;
    let id = s.create_user(Some("cat"), None, None, PASSWORD).await;
    let secret = server::mfa::new_totp_secret();
    s.state
        .db
        .insert_factor(&server::db::FactorRow {
            id: "totp-1".into(),
            user_id: id.clone(),
            kind: "totp".into(),
            name: "Authenticator".into(),
            secret: secret.clone(),
            credential_id: None,
            last_step: 0,
            created_at: 0,
            last_used_at: None,
        })
        .await
        .unwrap();
    let pat = personal_token(&s, &id).await;
    let by_password = api(
        &mut s,
        "POST",
        "/api/my-account/verifications/password",
        &pat,
        None,
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(by_password.status, StatusCode::FORBIDDEN);
    assert_eq!(by_password.json()["error"], "factor_required");
    let bare = api(
        &mut s,
        "DELETE",
        "/api/my-account/mfa/totp-1",
        &pat,
        None,
        None,
    )
    .await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    let v = api(
        &mut s,
        "POST",
        "/api/my-account/verifications/totp",
        &pat,
        None,
        Some(json!({ "code": totp(&secret, 0) })),
    )
    .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.body);
    let vid = v.json()["verification_id"].as_str().unwrap().to_string();
    let removed = api(
        &mut s,
        "DELETE",
        "/api/my-account/mfa/totp-1",
        &pat,
        Some(&vid),
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert!(s.state.db.factors(&id).await.unwrap().is_empty());
    let again = api(
        &mut s,
        "DELETE",
        "/api/my-account/mfa/totp-1",
        &pat,
        Some(&vid),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_email_address_changes_with_a_code_to_it_and_an_authenticator_is_set_up() {
    let mut s = sesame().await;
    let id = s.create_user(Some("dan"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let v = verify_by_password(&mut s, &pat).await;
    let sent = api(
        &mut s,
        "POST",
        "/api/my-account/primary-email",
        &pat,
        Some(&v),
        Some(json!({ "email": "dan@example.com" })),
    )
    .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    let code = s.outbox_code("dan@example.com").await;
    let bad = api(
        &mut s,
        "POST",
        "/api/my-account/primary-email/verify",
        &pat,
        Some(&v),
        Some(json!({ "code": "000000" })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let ok = api(
        &mut s,
        "POST",
        "/api/my-account/primary-email/verify",
        &pat,
        Some(&v),
        Some(json!({ "code": code })),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["email"], "dan@example.com");
    assert_eq!(ok.json()["email_verified"], true);

    let secret = api(
        &mut s,
        "POST",
        "/api/my-account/mfa/totp/secret",
        &pat,
        Some(&v),
        None,
    )
    .await;
    assert_eq!(secret.status, StatusCode::CREATED, "{}", secret.body);
    let secret = secret.json()["secret"].as_str().unwrap().to_string();
    let bound = api(
        &mut s,
        "POST",
        "/api/my-account/mfa/totp",
        &pat,
        Some(&v),
        Some(json!({ "code": totp(&secret, 0) })),
    )
    .await;
    assert_eq!(bound.status, StatusCode::CREATED, "{}", bound.body);
    assert_eq!(
        bound.json()["backup_codes"].as_array().map(Vec::len),
        Some(10)
    );
    let listed = api(&mut s, "GET", "/api/my-account/mfa", &pat, None, None)
        .await
        .json();
    assert!(listed["totp"].is_object());
    assert_eq!(listed["backup_codes_left"], 10);
}

#[tokio::test]
async fn personal_access_tokens_are_exchanged_by_confidential_clients() {
    let mut s = sesame().await;
    let id = s.create_user(Some("eve"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let grant = |token: &str| {
        vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange".to_string(),
            ),
            ("subject_token", token.to_string()),
            (
                "subject_token_type",
                "urn:sesame:params:oauth:token-type:personal_access_token".to_string(),
            ),
            ("scope", "openid account".to_string()),
        ]
    };
    let fields = grant(&pat);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let public = s
        .post_backchannel(
            "/token",
            None,
            &[pairs.as_slice(), &[("client_id", PUBLIC_CLIENT)]].concat(),
        )
        .await;
    assert_eq!(public.json()["error"], "unauthorized_client");
    let got = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &pairs,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let body = got.json();
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let access = body["access_token"].as_str().unwrap().to_string();
    let me = api(&mut s, "GET", "/api/my-account", &access, None, None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["id"], id);

    let wide = grant(&pat);
    let mut wide: Vec<(&str, &str)> = wide.iter().map(|(k, v)| (*k, v.as_str())).collect();
    wide.retain(|(k, _)| *k != "scope");
    wide.push(("scope", "openid made-up"));
    let refused = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &wide,
        )
        .await;
    assert_eq!(refused.json()["error"], "invalid_scope");

    // Revoked: no more exchanges.
    let rows = s.state.db.personal_tokens(&id).await.unwrap();
    let revoked = api(
        &mut s,
        "DELETE",
        &format!("/api/my-account/personal-access-tokens/{}", rows[0].id),
        &pat,
        None,
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    // What it was exchanged for ends with it.
    let ended = api(&mut s, "GET", "/api/my-account", &access, None, None).await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED);
    let gone = s
        .post_backchannel(
            "/token",
            Some((CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET)),
            &pairs,
        )
        .await;
    assert_eq!(gone.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn tokens_sessions_and_deletion_through_the_api() {
    let mut s = sesame().await;
    let id = s.create_user(Some("fay"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let v = verify_by_password(&mut s, &pat).await;
    let made = api(
        &mut s,
        "POST",
        "/api/my-account/personal-access-tokens",
        &pat,
        Some(&v),
        Some(json!({ "name": "deploy", "days": 30 })),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let second = made.json()["token"].as_str().unwrap().to_string();
    assert!(second.starts_with("sesame_pat_"));
    let listed = api(
        &mut s,
        "GET",
        "/api/my-account/personal-access-tokens",
        &second,
        None,
        None,
    )
    .await;
    assert_eq!(listed.json().as_array().map(Vec::len), Some(2));
    assert!(!listed.body.contains(&second), "values are never listed");
    let bad_days = api(
        &mut s,
        "POST",
        "/api/my-account/personal-access-tokens",
        &pat,
        Some(&v),
        Some(json!({ "name": "x", "days": 3 })),
    )
    .await;
    assert_eq!(bad_days.status, StatusCode::BAD_REQUEST);

    s.get("/account").await;
    s.sign_in("fay", PASSWORD).await;
    let sessions = api(&mut s, "GET", "/api/my-account/sessions", &pat, None, None)
        .await
        .json();
    let sid = sessions[0]["sid"].as_str().unwrap().to_string();
    let ended = api(
        &mut s,
        "DELETE",
        &format!("/api/my-account/sessions/{sid}"),
        &pat,
        None,
        None,
    )
    .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    assert!(s
        .state
        .db
        .user_sessions(&id, now())
        .await
        .unwrap()
        .is_empty());

    let unverified = api(&mut s, "DELETE", "/api/my-account", &pat, None, None).await;
    assert_eq!(unverified.status, StatusCode::FORBIDDEN);
    let deleted = api(&mut s, "DELETE", "/api/my-account", &pat, Some(&v), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert!(s.state.db.user_by_id(&id).await.unwrap().is_none());
    let after = api(&mut s, "GET", "/api/my-account", &pat, None, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_description_lists_every_route() {
    let mut s = sesame().await;
    let doc = s.get("/api/my-account/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = [
        "/api/my-account",
        "/api/my-account/verifications/password",
        "/api/my-account/verifications/code",
        "/api/my-account/verifications/code/verify",
        "/api/my-account/verifications/totp",
        "/api/my-account/verifications/backup-code",
        "/api/my-account/password",
        "/api/my-account/primary-email",
        "/api/my-account/primary-email/verify",
        "/api/my-account/primary-phone",
        "/api/my-account/primary-phone/verify",
        "/api/my-account/identities",
        "/api/my-account/identities/{connector}/{subject}",
        "/api/my-account/mfa",
        "/api/my-account/mfa/totp/secret",
        "/api/my-account/mfa/totp",
        "/api/my-account/mfa/backup-codes",
        "/api/my-account/mfa/{id}",
        "/api/my-account/sessions",
        "/api/my-account/sessions/{sid}",
        "/api/my-account/grants",
        "/api/my-account/grants/{client_id}",
        "/api/my-account/personal-access-tokens",
        "/api/my-account/personal-access-tokens/{id}",
        "/api/my-account/organizations",
    ];
    for path in paths {
        assert!(doc["paths"][path].is_object(), "{path} is described");
    }
    let described = doc["paths"].as_object().unwrap().len();
    assert_eq!(
        described,
        paths.len(),
        "no route is described that does not exist"
    );
}

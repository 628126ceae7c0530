//! The Account API through the router: access tokens (with the `account` scope and each
//! route's own scope) and personal access tokens as bearers, security verifications made
//! through the API and required by sensitive routes, and personal access tokens exchanged
//! at the token endpoint.

use crate::common::*;
use axum::http::{header, StatusCode};
use serde_json::json;
use server::crypto::now;

async fn verify_by_password(s: &mut TestServer, bearer: &str) -> String {
    api_verification_id(s, bearer, "password", json!({ "password": PASSWORD })).await
}

#[tokio::test]
async fn tokens_need_the_account_scope_and_each_route_its_own() {
    let mut s = account_api_server().await;
    let id = s.create_user(Some("ann"), None, None, PASSWORD).await;
    let none = api_get(&mut s, "/api/my-account", "nope").await;
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
    let refused = api_get(&mut s, "/api/my-account", &plain).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["scope"], "account");

    let account = access_token(&mut s, "ann", "openid account profile").await;
    let me = api_get(&mut s, "/api/my-account", &account).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["id"], id);
    assert_eq!(me.json()["username"], "ann");
    assert!(me.json().get("email").is_none(), "no email scope, no email");
    assert_eq!(me.headers[header::CACHE_CONTROL], "no-store");

    // CVE-2026-63203 (Logto): identities without their scope. Every area has its scope.
    assert_insufficient_scope(&mut s, &account, &SCOPED_ACCOUNT_AREAS).await;
    let with = access_token(&mut s, "ann", "openid account account:identities").await;
    let listed = api_get(&mut s, "/api/my-account/identities", &with).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([]));

    // A personal access token acts as its user with every account scope.
    let pat = personal_token(&s, &id).await;
    for path in [
        "/api/my-account",
        "/api/my-account/mfa",
        "/api/my-account/sessions",
    ] {
        let r = api_get(&mut s, path, &pat).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    // A suspended user's tokens stop at once.
    s.state.db.set_suspended(&id, Some(now())).await.unwrap();
    let stopped = api_get(&mut s, "/api/my-account", &pat).await;
    assert_eq!(stopped.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sensitive_routes_need_a_verification_made_through_the_api() {
    let mut s = account_api_server().await;
    let id = s.create_user(Some("bob"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let new = json!({ "password": "a brand new passphrase" });
    let refused = account_api(
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

    let wrong = api_verification(&mut s, &pat, "password", json!({ "password": "not it" })).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let v = verify_by_password(&mut s, &pat).await;
    // Another user's verification id does not count.
    let other = s.create_user(Some("mallory"), None, None, PASSWORD).await;
    let other_pat = personal_token(&s, &other).await;
    let stolen = account_api(
        &mut s,
        "POST",
        "/api/my-account/password",
        &other_pat,
        Some(&v),
        Some(new.clone()),
    )
    .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);

    let weak = account_api(
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
    let done = account_api(
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
    let mut s = account_api_server().await;
    let id = s.create_user(Some("cat"), None, None, PASSWORD).await;
    let secret = add_totp(&s, &id, "totp-1").await;
    let pat = personal_token(&s, &id).await;
    let by_password =
        api_verification(&mut s, &pat, "password", json!({ "password": PASSWORD })).await;
    assert_eq!(by_password.status, StatusCode::FORBIDDEN);
    assert_eq!(by_password.json()["error"], "factor_required");
    let bare = api_remove_factor(&mut s, &pat, "totp-1", None).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    let vid = api_verification_id(&mut s, &pat, "totp", json!({ "code": totp(&secret, 0) })).await;
    let removed = api_remove_factor(&mut s, &pat, "totp-1", Some(&vid)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    assert!(s.state.db.factors(&id).await.unwrap().is_empty());
    let again = api_remove_factor(&mut s, &pat, "totp-1", Some(&vid)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_email_address_changes_with_a_code_to_it_and_an_authenticator_is_set_up() {
    let mut s = account_api_server().await;
    let id = s.create_user(Some("dan"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let v = verify_by_password(&mut s, &pat).await;
    let sent = account_api(
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
    let bad = account_api(
        &mut s,
        "POST",
        "/api/my-account/primary-email/verify",
        &pat,
        Some(&v),
        Some(json!({ "code": "000000" })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let ok = account_api(
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

    let secret = account_api(
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
    let bound = account_api(
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
    let listed = api_get(&mut s, "/api/my-account/mfa", &pat).await.json();
    assert!(listed["totp"].is_object());
    assert_eq!(listed["backup_codes_left"], 10);
}

#[tokio::test]
async fn personal_access_tokens_are_exchanged_by_confidential_clients() {
    let mut s = account_api_server().await;
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
    let me = api_get(&mut s, "/api/my-account", &access).await;
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
    let revoked = account_api(
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
    let ended = api_get(&mut s, "/api/my-account", &access).await;
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
    let mut s = account_api_server().await;
    let id = s.create_user(Some("fay"), None, None, PASSWORD).await;
    let pat = personal_token(&s, &id).await;
    let v = verify_by_password(&mut s, &pat).await;
    let made = account_api(
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
    let listed = api_get(&mut s, "/api/my-account/personal-access-tokens", &second).await;
    assert_eq!(listed.json().as_array().map(Vec::len), Some(2));
    assert!(!listed.body.contains(&second), "values are never listed");
    let bad_days = account_api(
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
    let sessions = api_get(&mut s, "/api/my-account/sessions", &pat)
        .await
        .json();
    let sid = sessions[0]["sid"].as_str().unwrap().to_string();
    let ended = account_api(
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

    let unverified = account_api(&mut s, "DELETE", "/api/my-account", &pat, None, None).await;
    assert_eq!(unverified.status, StatusCode::FORBIDDEN);
    let deleted = account_api(&mut s, "DELETE", "/api/my-account", &pat, Some(&v), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert!(s.state.db.user_by_id(&id).await.unwrap().is_none());
    let after = api_get(&mut s, "/api/my-account", &pat).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_description_lists_every_route() {
    let mut s = account_api_server().await;
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

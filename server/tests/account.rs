//! The account center through its forms: signing in to reach it, the security verification
//! that sensitive changes need (and the second factor it must use where the account has
//! one), changes that would lock the user out, per-field control, sessions, tokens and
//! deletion.

use crate::common::*;
use axum::http::StatusCode;
use server::crypto::{now, token_hash};

/// Posts an account form from `page`.
async fn act(s: &mut TestServer, page: &str, fields: &[(&str, &str)]) -> Answer {
    s.submit(page, "/flow/account", fields).await
}

#[tokio::test]
async fn the_account_center_asks_to_sign_in_and_comes_back() {
    let mut s = TestServer::start().await;
    s.create_user(Some("ann"), None, None, PASSWORD).await;
    let first = s.get("/account/sessions").await;
    assert_eq!(first.location().as_deref(), Some("/sign-in"));
    let signed = s.sign_in("ann", PASSWORD).await;
    assert_eq!(signed.location().as_deref(), Some("/account/sessions"));
    let page = s.get("/account/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("this device"), "{}", page.body);
    let overview = s.get("/account").await;
    assert!(overview.body.contains("Two-step verification"));
    assert!(overview.body.contains("Signed in as ann"));
}

#[tokio::test]
async fn sensitive_changes_need_a_fresh_verification_and_keep_what_was_typed() {
    let mut s = TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![server::config::IdentifierKind::Username];
    })
    .await;
    let id = s.create_user(Some("bob"), None, None, PASSWORD).await;
    session_for(&mut s, &id, 3600, "pwd").await;
    let asked = act(
        &mut s,
        "/account/email",
        &[("action", "change_email"), ("email", "bob@example.com")],
    )
    .await;
    let to = asked.location().expect("redirect");
    assert!(to.starts_with("/account/verify?"), "{to}");
    assert!(to.contains("next=%2Faccount%2Femail"), "{to}");
    assert_eq!(
        s.outbox_count("bob@example.com").await,
        0,
        "nothing sent yet"
    );
    let page = s.get(&to).await;
    assert!(page.body.contains("Confirm it"), "{}", page.body);

    // A wrong password is refused, and counts.
    let wrong = act(
        &mut s,
        &to,
        &[
            ("action", "verify_password"),
            ("password", "nope"),
            ("next", "/account/email"),
        ],
    )
    .await;
    assert!(wrong
        .location()
        .expect("back")
        .starts_with("/account/verify?"));
    let page = s.get(&wrong.location().expect("back")).await;
    assert!(page.body.contains("is incorrect"), "{}", page.body);

    let ok = act(
        &mut s,
        &to,
        &[
            ("action", "verify_password"),
            ("password", PASSWORD),
            ("next", "/account/email"),
        ],
    )
    .await;
    assert_eq!(ok.location().as_deref(), Some("/account/email"));
    let page = s.get("/account/email").await;
    assert!(page.body.contains("Confirmed"), "{}", page.body);
    // What was typed before the verification fills the form again.
    assert!(page.body.contains("bob@example.com"), "{}", page.body);

    let sent = act(
        &mut s,
        "/account/email",
        &[("action", "change_email"), ("email", "bob@example.com")],
    )
    .await;
    assert_eq!(sent.location().as_deref(), Some("/account/email"));
    let code = s.outbox_code("bob@example.com").await;
    let bad = act(
        &mut s,
        "/account/email",
        &[("action", "confirm_email"), ("code", "000000")],
    )
    .await;
    assert_eq!(bad.location().as_deref(), Some("/account/email"));
    let user = s.state.db.user_by_id(&id).await.unwrap().expect("user");
    assert_eq!(user.email, None, "a failed change leaves the old value");
    let good = act(
        &mut s,
        "/account/email",
        &[("action", "confirm_email"), ("code", &code)],
    )
    .await;
    assert_eq!(good.location().as_deref(), Some("/account/email"));
    let user = s.state.db.user_by_id(&id).await.unwrap().expect("user");
    assert_eq!(user.email.as_deref(), Some("bob@example.com"));
    assert_eq!(user.email_verified, 1);
}

/// CVE-2026-3429 (Keycloak): a password-only session deleted the victim's authenticator
/// and enrolled the attacker's. Here an account with a second factor verifies with it.
#[tokio::test]
async fn an_account_with_a_second_factor_must_verify_with_it() {
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("cat"), None, None, PASSWORD).await;
    let secret = add_totp(&s, &id, "totp-1").await;
    let user = s.state.db.user_by_id(&id).await.unwrap().expect("user");
    // A session that proved only the password (a remembered device, say), just now.
    session_for(&mut s, &user.id, 0, "pwd").await;
    let remove = act(
        &mut s,
        "/account/mfa",
        &[("action", "remove_factor"), ("id", "totp-1")],
    )
    .await;
    assert!(remove
        .location()
        .expect("verify")
        .starts_with("/account/verify?"));
    let page = s.get("/account/verify?next=/account/mfa").await;
    assert!(page.body.contains("second factor"), "{}", page.body);
    assert!(
        !page.body.contains("name=\"password\""),
        "no password form: {}",
        page.body
    );
    let by_password = act(
        &mut s,
        "/account/verify?next=/account/mfa",
        &[
            ("action", "verify_password"),
            ("password", PASSWORD),
            ("next", "/account/mfa"),
        ],
    )
    .await;
    assert!(by_password
        .location()
        .expect("back")
        .starts_with("/account/verify"));
    let still = act(
        &mut s,
        "/account/mfa",
        &[("action", "remove_factor"), ("id", "totp-1")],
    )
    .await;
    assert!(still
        .location()
        .expect("verify")
        .starts_with("/account/verify?"));
    assert_eq!(
        s.state.db.factors(&id).await.unwrap().len(),
        1,
        "still there"
    );

    let code = totp(&secret, 0);
    let verified = act(
        &mut s,
        "/account/verify?next=/account/mfa",
        &[
            ("action", "verify_totp"),
            ("code", &code),
            ("next", "/account/mfa"),
        ],
    )
    .await;
    assert_eq!(verified.location().as_deref(), Some("/account/mfa"));
    let removed = act(
        &mut s,
        "/account/mfa",
        &[("action", "remove_factor"), ("id", "totp-1")],
    )
    .await;
    assert_eq!(removed.location().as_deref(), Some("/account/mfa"));
    assert!(s.state.db.factors(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_mandatory_second_factor_and_the_last_way_to_sign_in_stay() {
    let mut s = TestServer::start_with(|c| {
        c.mfa.policy = server::config::MfaPolicy::Mandatory;
        c.mfa.factors = vec![server::config::MfaFactorKind::Totp];
    })
    .await;
    let id = s.create_user(Some("dan"), None, None, PASSWORD).await;
    add_totp(&s, &id, "totp-1").await;
    session_for(&mut s, &id, 0, "pwd otp").await;
    let page = s.get("/account/mfa").await;
    assert!(
        page.body.contains("add another one before removing"),
        "{}",
        page.body
    );
    // The page offers no button; a hand-made post is refused all the same.
    let removed = act(
        &mut s,
        "/account/profile",
        &[("action", "remove_factor"), ("id", "totp-1")],
    )
    .await;
    assert_eq!(removed.location().as_deref(), Some("/account/mfa"));
    let page = s.get("/account/mfa").await;
    assert!(
        page.body.contains("A second factor is required here"),
        "{}",
        page.body
    );
    assert_eq!(s.state.db.factors(&id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_address_that_is_the_only_way_in_cannot_be_removed() {
    let mut s = TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![server::config::IdentifierKind::Username];
        c.experience.sign_in = vec![server::config::SignInIdentifier {
            identifier: server::config::IdentifierKind::Email,
            methods: vec![server::config::SignInMethod::Code],
        }];
    })
    .await;
    let id = s
        .create_user(None, Some("eve@example.com"), None, PASSWORD)
        .await;
    session_for(&mut s, &id, 0, "email").await;
    let page = s.get("/account/email").await;
    assert!(
        page.body.contains("This is how you sign in"),
        "{}",
        page.body
    );
    let removed = act(&mut s, "/account/email", &[("action", "remove_email")]).await;
    assert_eq!(removed.location().as_deref(), Some("/account/email"));
    let page = s.get("/account/email").await;
    assert!(page.body.contains("only way to sign in"), "{}", page.body);
    let user = s.state.db.user_by_id(&id).await.unwrap().expect("user");
    assert_eq!(user.email.as_deref(), Some("eve@example.com"));
}

#[tokio::test]
async fn the_operator_decides_what_can_be_changed() {
    let mut s = TestServer::start_with(|c| {
        c.account.fields.username = server::config::FieldControl::ReadOnly;
        c.account.fields.tokens = server::config::FieldControl::Off;
    })
    .await;
    let id = s.create_user(Some("fay"), None, None, PASSWORD).await;
    session_for(&mut s, &id, 0, "pwd").await;
    let page = s.get("/account/profile").await;
    assert!(
        !page.body.contains("name=\"username\""),
        "read only: {}",
        page.body
    );
    assert!(page.body.contains("fay"));
    let posted = act(
        &mut s,
        "/account/profile",
        &[("action", "save_profile"), ("username", "mallory")],
    )
    .await;
    assert_eq!(posted.location().as_deref(), Some("/account/profile"));
    let page = s.get("/account/profile").await;
    assert!(
        page.body.contains("can&#x27;t be changed here")
            || page.body.contains("can't be changed here"),
        "{}",
        page.body
    );
    let user = s.state.db.user_by_id(&id).await.unwrap().expect("user");
    assert_eq!(user.username.as_deref(), Some("fay"));
    assert_eq!(s.get("/account/tokens").await.status, StatusCode::NOT_FOUND);
    assert!(!s.get("/account").await.body.contains("/account/tokens"));
}

#[tokio::test]
async fn profile_changes_are_checked_and_saved() {
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("gus"), None, None, PASSWORD).await;
    session_for(&mut s, &id, 0, "pwd").await;
    let bad = act(
        &mut s,
        "/account/profile",
        &[
            ("action", "save_profile"),
            ("name", "Gus G"),
            ("picture", "javascript:alert(1)"),
        ],
    )
    .await;
    assert_eq!(bad.location().as_deref(), Some("/account/profile"));
    let page = s.get("/account/profile").await;
    assert!(page.body.contains("Gus G"), "kept: {}", page.body);
    assert!(s
        .state
        .db
        .user_by_id(&id)
        .await
        .unwrap()
        .expect("u")
        .profile
        .is_none());
    act(
        &mut s,
        "/account/profile",
        &[
            ("action", "save_profile"),
            ("name", "Gus G"),
            ("picture", "https://img.example/g.png"),
            ("username", "gustav"),
        ],
    )
    .await;
    let user = s.state.db.user_by_id(&id).await.unwrap().expect("user");
    assert_eq!(user.username.as_deref(), Some("gustav"));
    assert_eq!(user.profile_claims()["name"], "Gus G");
    let page = s.get("/account/profile").await;
    assert!(page.body.contains("Saved."), "{}", page.body);
}

#[tokio::test]
async fn other_sessions_are_listed_and_signed_out() {
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("hal"), None, None, PASSWORD).await;
    session_for(&mut s, &id, 0, "pwd").await;
    let mine = s.jar.get("sesame_session").cloned().expect("cookie");
    session_for(&mut s, &id, 100, "pwd").await;
    session_for(&mut s, &id, 200, "pwd").await;
    s.jar.insert("sesame_session".into(), mine);
    let page = s.get("/account/sessions").await;
    assert_eq!(
        page.body.matches("Firefox on Linux").count(),
        3,
        "{}",
        page.body
    );
    act(
        &mut s,
        "/account/sessions",
        &[("action", "sign_out_others")],
    )
    .await;
    assert_eq!(s.state.db.user_sessions(&id, now()).await.unwrap().len(), 1);
    let page = s.get("/account/sessions").await;
    assert!(
        page.body.contains("signed out everywhere else"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn personal_access_tokens_are_shown_once_and_revoked() {
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("ida"), None, None, PASSWORD).await;
    session_for(&mut s, &id, 0, "pwd").await;
    let made = act(
        &mut s,
        "/account/tokens",
        &[("action", "create_token"), ("name", "CI"), ("days", "30")],
    )
    .await;
    assert_eq!(made.location().as_deref(), Some("/account/tokens"));
    let page = s.get("/account/tokens").await;
    let at = page.body.find("sesame_pat_").expect("shown");
    let token: String = page.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    assert!(token.len() > 20);
    let again = s.get("/account/tokens").await;
    assert!(!again.body.contains(&token), "shown once");
    assert!(again.body.contains("CI"));
    let row = s
        .state
        .db
        .use_personal_token(&token_hash(&token), now())
        .await
        .unwrap()
        .expect("stored by digest");
    assert_eq!(row.user_id, id);
    let bad = act(
        &mut s,
        "/account/tokens",
        &[("action", "create_token"), ("name", ""), ("days", "7")],
    )
    .await;
    assert_eq!(bad.location().as_deref(), Some("/account/tokens"));
    act(
        &mut s,
        "/account/tokens",
        &[("action", "revoke_token"), ("id", &row.id)],
    )
    .await;
    assert!(s.state.db.personal_tokens(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_the_account_erases_it_and_signs_out_everywhere() {
    let mut s = TestServer::start().await;
    let id = s.create_user(Some("jay"), None, None, PASSWORD).await;
    session_for(&mut s, &id, 200, "pwd").await;
    session_for(&mut s, &id, 3600, "pwd").await;
    let unconfirmed = act(&mut s, "/account/delete", &[("action", "delete_account")]).await;
    assert!(unconfirmed
        .location()
        .expect("verify")
        .starts_with("/account/verify"));
    act(
        &mut s,
        "/account/verify?next=/account/delete",
        &[
            ("action", "verify_password"),
            ("password", PASSWORD),
            ("next", "/account/delete"),
        ],
    )
    .await;
    let unticked = act(&mut s, "/account/delete", &[("action", "delete_account")]).await;
    assert_eq!(unticked.location().as_deref(), Some("/account/delete"));
    assert!(s.state.db.user_by_id(&id).await.unwrap().is_some());
    let gone = act(
        &mut s,
        "/account/delete",
        &[("action", "delete_account"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(gone.location().as_deref(), Some("/account/deleted"));
    assert!(s.state.db.user_by_id(&id).await.unwrap().is_none());
    assert!(s
        .state
        .db
        .user_sessions(&id, now())
        .await
        .unwrap()
        .is_empty());
    assert!(!s.jar.contains_key("sesame_session"));
    let page = s.get("/account/deleted").await;
    assert!(page.body.contains("Account deleted"));
}

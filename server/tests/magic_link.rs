//! Sign-in links through the router: "email me a sign-in link" (the same answer for every
//! address), the landing page that uses nothing on GET (mail scanners), single use, expiry
//! with the way to a new link, sign-up by link, switching accounts, invitations where
//! registration is closed, and `one_time_token` with `login_hint` from an application.

use crate::common::*;
use server::config::{IdentifierKind, SignInMode};
use server::flow::magic_link;

async fn sesame(edit: impl FnOnce(&mut server::config::Config) + Send + 'static) -> TestServer {
    TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![IdentifierKind::Email];
        edit(c);
    })
    .await
}

#[tokio::test]
async fn a_mailed_link_signs_in_once() {
    let mut s = sesame(|_| {}).await;
    s.create_user(None, Some("lee@example.com"), None, "correct horse battery")
        .await;
    s.authorize_public("").await;
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("Email me a sign-in link"),
        "{}",
        page.body
    );
    let sent = send_sign_in(&mut s, "Lee@Example.com", "link").await;
    assert_eq!(sent.location().as_deref(), Some("/sign-in/link-sent"));
    let page = s.get("/sign-in/link-sent").await;
    assert!(page.body.contains("Check your email"), "{}", page.body);
    let link = link_in_outbox(&s, "Lee@Example.com").await;
    let landing = path_of(&link);
    // Opening the page (as a mail scanner would, twice) uses nothing.
    for _ in 0..2 {
        let page = s.get(&landing).await;
        assert!(
            page.body
                .contains("This link signs you in as lee@example.com"),
            "{}",
            page.body
        );
    }
    let signed = open_link(&mut s, &landing).await;
    let claims = claims_after(&mut s, &signed).await;
    assert_eq!(
        claims["amr"],
        serde_json::json!(["otp"]),
        "a mailed proof, like a code"
    );

    // Once only.
    let again = open_link(&mut s, &landing).await;
    assert_eq!(again.location().as_deref(), Some("/magic"));
    let page = s.get("/magic").await;
    assert!(
        page.body.contains("has been used or has expired"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Send a new link"), "{}", page.body);
}

#[tokio::test]
async fn every_address_gets_the_same_answer_and_a_new_one_signs_up_by_link() {
    let mut s = sesame(|_| {}).await;
    s.create_user(
        None,
        Some("known@example.com"),
        None,
        "correct horse battery",
    )
    .await;
    s.authorize_public("").await;
    let known = send_sign_in(&mut s, "known@example.com", "link").await;
    s.jar.clear();
    s.authorize_public("").await;
    let unknown = send_sign_in(&mut s, "newbie@example.com", "link").await;
    assert_eq!(
        known.location(),
        unknown.location(),
        "no account enumeration"
    );
    let landing = path_of(&link_in_outbox(&s, "newbie@example.com").await);
    let page = s.get(&landing).await;
    assert!(
        page.body.contains("No account has newbie@example.com yet"),
        "{}",
        page.body
    );
    let next = open_link(&mut s, &landing).await;
    assert_eq!(
        next.location().as_deref(),
        Some("/register"),
        "{}",
        next.body
    );
    let form = s.get("/register").await;
    assert!(
        form.body.contains("value=\"newbie@example.com\""),
        "{}",
        form.body
    );
    // The address is proven already: no second message.
    let before = s.outbox_count("newbie@example.com").await;
    let made = s
        .post_form(
            "/flow/register",
            &[
                ("csrf", &form.csrf()),
                ("email", "newbie@example.com"),
                ("new_password", "correct horse battery"),
                ("confirm_password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(
        made.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        made.body
    );
    assert_eq!(s.outbox_count("newbie@example.com").await, before);
    let user = s
        .state
        .db
        .user_by_email("newbie@example.com")
        .await
        .unwrap()
        .expect("account");
    assert_eq!(user.email_verified, 1);
}

#[tokio::test]
async fn an_expired_link_offers_a_new_one() {
    let mut s = sesame(|_| {}).await;
    s.create_user(None, Some("old@example.com"), None, "correct horse battery")
        .await;
    let now = server::crypto::now();
    s.state
        .db
        .put_one_time_token(
            &server::crypto::token_hash("expired-token"),
            "old@example.com",
            magic_link::SIGN_IN,
            now - 3600,
            now - 60,
        )
        .await
        .unwrap();
    let page = s.get("/magic?token=expired-token").await;
    assert!(
        page.body.contains("Get a new sign-in link"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let bad = s
        .post_form(
            "/flow/magic",
            &[
                ("csrf", &csrf),
                ("action", "resend"),
                ("identifier", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(bad.location().as_deref(), Some("/magic"));
    let page = s.get("/magic").await;
    assert!(
        page.body.contains("value=\"not-an-email\""),
        "typed value kept: {}",
        page.body
    );
    let sent = s
        .post_form(
            "/flow/magic",
            &[
                ("csrf", &csrf),
                ("action", "resend"),
                ("identifier", "old@example.com"),
            ],
        )
        .await;
    assert_eq!(sent.location().as_deref(), Some("/sign-in/link-sent"));
    let fresh = path_of(&link_in_outbox(&s, "old@example.com").await);
    let signed = open_link(&mut s, &fresh).await;
    assert_eq!(signed.location().as_deref(), Some("/"), "{}", signed.body);
}

#[tokio::test]
async fn a_link_for_someone_else_switches_accounts_or_not() {
    let mut s = sesame(|_| {}).await;
    s.create_user(
        Some("ann"),
        Some("ann@example.com"),
        None,
        "correct horse battery",
    )
    .await;
    s.create_user(
        Some("bob"),
        Some("bob@example.com"),
        None,
        "correct horse battery",
    )
    .await;
    s.sign_in("ann", "correct horse battery").await;
    let link = magic_link::create(&s.state, "bob@example.com", magic_link::SIGN_IN)
        .await
        .unwrap();
    let landing = path_of(&link);
    let page = s.get(&landing).await;
    assert!(
        page.body.contains("You are signed in as ann"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Stay signed in as ann"), "{}", page.body);
    let stay = s
        .post_form("/flow/magic", &[("csrf", &page.csrf()), ("action", "stay")])
        .await;
    assert_eq!(stay.location().as_deref(), Some("/"));
    assert!(s.get("/").await.body.contains("ann"));
    let switched = open_link(&mut s, &landing).await;
    assert_eq!(switched.location().as_deref(), Some("/"));
    assert!(s.get("/").await.body.contains("You are signed in as bob"));
}

#[tokio::test]
async fn invitations_open_closed_registration_to_their_address_only() {
    let mut s = sesame(|c| c.experience.mode = SignInMode::SignIn).await;
    let closed = s.get("/register").await;
    assert_eq!(closed.location().as_deref(), Some("/sign-in"));
    let link = magic_link::create(&s.state, "guest@example.com", magic_link::INVITATION)
        .await
        .unwrap();
    let landing = path_of(&link);
    let page = s.get(&landing).await;
    assert!(
        page.body
            .contains("You are invited to create an account with guest@example.com"),
        "{}",
        page.body
    );
    let next = open_link(&mut s, &landing).await;
    assert_eq!(
        next.location().as_deref(),
        Some("/register"),
        "{}",
        next.body
    );
    let form = s.get("/register").await;
    assert_eq!(form.status, axum::http::StatusCode::OK);
    let other = s
        .post_form(
            "/flow/register",
            &[
                ("csrf", &form.csrf()),
                ("email", "intruder@example.com"),
                ("new_password", "correct horse battery"),
                ("confirm_password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(other.location().as_deref(), Some("/register"));
    assert!(s
        .get("/register")
        .await
        .body
        .contains("Use the address you were invited with"));
    let made = s
        .post_form(
            "/flow/register",
            &[
                ("csrf", &form.csrf()),
                ("email", "guest@example.com"),
                ("new_password", "correct horse battery"),
                ("confirm_password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(made.location().as_deref(), Some("/"), "{}", made.body);
    assert!(s
        .state
        .db
        .user_by_email("guest@example.com")
        .await
        .unwrap()
        .is_some());
    assert!(s
        .state
        .db
        .user_by_email("intruder@example.com")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn an_application_passes_a_token_with_its_login_hint() {
    let mut s = sesame(|_| {}).await;
    s.create_user(None, Some("cat@example.com"), None, "correct horse battery")
        .await;
    let link = magic_link::create(&s.state, "cat@example.com", magic_link::SIGN_IN)
        .await
        .unwrap();
    let token = query_param(&link, "token").expect("token");
    // The hint names another address: the page says so and uses nothing.
    let wrong = s
        .authorize_public(&format!(
            "&one_time_token={token}&login_hint=dog%40example.com"
        ))
        .await;
    let landing = wrong.location().expect("landing");
    assert!(landing.starts_with("/magic?token="), "{landing}");
    let page = s.get(&landing).await;
    assert!(
        page.body.contains("for another email address"),
        "{}",
        page.body
    );
    let refused = open_link(&mut s, &landing).await;
    assert_eq!(refused.location().as_deref(), Some("/magic"));

    let right = s
        .authorize_public(&format!(
            "&one_time_token={token}&login_hint=cat%40example.com"
        ))
        .await;
    let signed = open_link(&mut s, &right.location().expect("landing")).await;
    assert_eq!(
        signed.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        signed.body
    );
    let done = s.get("/authorize/resume").await;
    assert!(done.location().expect("code").contains("code="));
}

#[tokio::test]
async fn links_and_codes_share_the_send_limits() {
    let mut s = sesame(|c| c.codes.max_sends = 2).await;
    s.authorize_public("").await;
    for _ in 0..2 {
        let sent = send_sign_in(&mut s, "busy@example.com", "link").await;
        assert_eq!(sent.location().as_deref(), Some("/sign-in/link-sent"));
    }
    let limited = send_sign_in(&mut s, "busy@example.com", "link").await;
    assert_eq!(limited.location().as_deref(), Some("/sign-in"));
    assert!(s.get("/sign-in").await.body.contains("Too many messages"));
}

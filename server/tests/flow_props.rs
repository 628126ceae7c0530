//! A property of the sign-in flow's state machine: an attacker who knows only the victim's
//! username and email address, taking any sequence of steps through the screens and the
//! Experience API (starting flows, signing in with wrong passwords, asking for resets,
//! guessing codes, posting a new password at any time, jumping between screens, switching
//! browsers), never gets a session or an authorization code for the victim and never
//! changes the victim's password. The shapes of CVE-2026-18963 (reset without the code) and
//! CVE-2026-94218 (skipping a required step), explored at random.

use crate::common::*;
use axum::http::StatusCode;
use proptest::prelude::*;
use serde_json::json;

const ORIGINAL: &str = "the victim's own passphrase";
const ATTACKER: &str = "attacker chose this passphrase";

#[derive(Clone, Debug)]
enum Step {
    Authorize,
    Page(&'static str),
    SignIn(&'static str, &'static str),
    StartReset(&'static str),
    GuessCode(u32),
    NewPassword,
    ApiEvent(&'static str),
    ApiIdentify(&'static str),
    ApiPassword(&'static str),
    ApiVerify(u32),
    ApiNewPassword,
    FreshBrowser,
}

fn step() -> impl Strategy<Value = Step> {
    let who = prop_oneof![
        Just("vic"),
        Just("vic@example.com"),
        Just("nobody@example.com")
    ];
    prop_oneof![
        Just(Step::Authorize),
        prop_oneof![
            Just("/sign-in"),
            Just("/register"),
            Just("/reset-password"),
            Just("/reset-password/new"),
            Just("/verify"),
            Just("/authorize/resume"),
            Just("/mfa"),
            Just("/consent"),
        ]
        .prop_map(Step::Page),
        (
            who.clone(),
            prop_oneof![Just("wrong"), Just(ATTACKER), Just("")]
        )
            .prop_map(|(i, p)| Step::SignIn(i, p)),
        who.clone().prop_map(Step::StartReset),
        (0u32..1_000_000).prop_map(Step::GuessCode),
        Just(Step::NewPassword),
        prop_oneof![Just("sign_in"), Just("register"), Just("reset_password")]
            .prop_map(Step::ApiEvent),
        who.clone().prop_map(Step::ApiIdentify),
        prop_oneof![Just("wrong"), Just(ATTACKER)].prop_map(Step::ApiPassword),
        (0u32..1_000_000).prop_map(Step::ApiVerify),
        Just(Step::ApiNewPassword),
        Just(Step::FreshBrowser),
    ]
}

/// The page's anti-forgery token, else the sign-in page's (the token is the browser's, not
/// the page's); `None` when neither page has a form.
async fn csrf(s: &mut TestServer, page: &str) -> Option<String> {
    for p in [page, "/sign-in"] {
        let body = s.get(p).await.body;
        if let Some(at) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[at + 19..];
            return rest.find('"').map(|end| rest[..end].to_string());
        }
    }
    None
}

async fn post(s: &mut TestServer, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
    let Some(token) = csrf(s, page).await else {
        return s.get(page).await;
    };
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    s.post_form(action, &all).await
}

/// Six digits that are not the code the victim was sent (the attacker cannot read the
/// victim's mail; a lucky guess is one in a million and is not what is tested here).
async fn guess(s: &TestServer, n: u32) -> String {
    let code = format!("{n:06}");
    let real = s.state.db.outbox(100).await.unwrap_or_default();
    if real.iter().any(|m| m.body.contains(&code)) {
        "000000".to_string()
    } else {
        code
    }
}

async fn run(s: &mut TestServer, steps: &[Step]) -> Result<(), String> {
    for step in steps {
        let answer = match step {
            Step::Authorize => s.authorize_public("").await,
            Step::Page(p) => s.get(p).await,
            Step::SignIn(i, p) => {
                post(
                    s,
                    "/sign-in",
                    "/flow/sign-in",
                    &[("identifier", i), ("password", p), ("method", "password")],
                )
                .await
            }
            Step::StartReset(i) => {
                post(
                    s,
                    "/reset-password",
                    "/flow/reset-password",
                    &[("identifier", i)],
                )
                .await
            }
            Step::GuessCode(n) => {
                let code = guess(s, *n).await;
                post(
                    s,
                    "/verify",
                    "/flow/verify-code",
                    &[("code", &code), ("action", "verify")],
                )
                .await
            }
            Step::NewPassword => {
                post(
                    s,
                    "/reset-password/new",
                    "/flow/new-password",
                    &[("new_password", ATTACKER), ("confirm_password", ATTACKER)],
                )
                .await
            }
            Step::ApiEvent(e) => s.post_json("/api/experience", json!({ "event": e })).await,
            Step::ApiIdentify(i) => {
                s.post_json("/api/experience/identify", json!({ "identifier": i }))
                    .await
            }
            Step::ApiPassword(p) => {
                s.post_json(
                    "/api/experience/sign-in/password",
                    json!({ "identifier": "vic", "password": p }),
                )
                .await
            }
            Step::ApiVerify(n) => {
                let code = guess(s, *n).await;
                s.post_json("/api/experience/code/verify", json!({ "code": code }))
                    .await
            }
            Step::ApiNewPassword => {
                s.post_json(
                    "/api/experience/reset-password/new",
                    json!({ "password": ATTACKER }),
                )
                .await
            }
            Step::FreshBrowser => {
                s.jar.clear();
                continue;
            }
        };
        if answer.status == StatusCode::INTERNAL_SERVER_ERROR {
            return Err(format!("{step:?} answered 500: {}", answer.body));
        }
        if answer
            .location()
            .is_some_and(|l| l.starts_with(PUBLIC_REDIRECT) && l.contains("code="))
        {
            return Err(format!(
                "{step:?} redirected with a code: {:?}",
                answer.location()
            ));
        }
        for reached in ["done", "new_password", "password_changed", "redirect"] {
            if answer.body.contains(&format!("\"next\":\"{reached}\"")) {
                return Err(format!("{step:?} reached `{reached}`: {}", answer.body));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn an_attacker_without_the_password_or_the_mailbox_gets_nothing(
        steps in proptest::collection::vec(step(), 1..14)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let outcome: Result<(), String> = rt.block_on(async {
            let mut s = TestServer::start().await;
            let victim = s
                .create_user(Some("vic"), Some("vic@example.com"), None, ORIGINAL)
                .await;
            run(&mut s, &steps).await?;
            let sessions = s
                .state
                .db
                .user_sessions(&victim, server::crypto::now())
                .await
                .map_err(|e| e.to_string())?;
            if !sessions.is_empty() {
                return Err(format!("the attacker got a session: {sessions:?}"));
            }
            if s.state.db.count("authorization_codes").await.map_err(|e| e.to_string())? != 0 {
                return Err("an authorization code was issued".into());
            }
            let user = s
                .state
                .db
                .user_by_username("vic")
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the victim's account is gone")?;
            let unchanged = s
                .state
                .hasher
                .verify(ORIGINAL, user.password_hash.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            if !unchanged {
                return Err("the victim's password was changed".into());
            }
            Ok(())
        });
        prop_assert!(outcome.is_ok(), "{:?} after {:?}", outcome, steps);
    }
}

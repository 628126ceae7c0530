//! The audit log: sign-ins, failures, lockouts and account-center changes are recorded with
//! who, from where and what, and the operator reads them with `sesame audit`.

use crate::common::*;
use server::db::{AuditQuery, AuditRow};

const PASSWORD: &str = "correct horse battery";

async fn events(s: &TestServer, user_id: Option<&str>) -> Vec<AuditRow> {
    s.state
        .db
        .audit_events(&AuditQuery {
            user_id: user_id.map(String::from),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .expect("audit events")
}

fn kinds(rows: &[AuditRow]) -> Vec<&str> {
    // Oldest first reads like the story.
    rows.iter().rev().map(|r| r.kind.as_str()).collect()
}

#[tokio::test]
async fn failures_lockouts_sign_ins_and_changes_are_recorded() {
    let mut s = TestServer::start_with(|c| c.lockout.identifier_max_failures = 3).await;
    let ada = s.create_user(Some("ada"), None, None, PASSWORD).await;
    for _ in 0..3 {
        s.sign_in("ada", "not the password").await;
    }
    let rows = events(&s, Some(&ada)).await;
    assert_eq!(
        kinds(&rows),
        [
            "sign_in_failed",
            "sign_in_failed",
            "sign_in_failed",
            "locked",
            "locked"
        ],
        "{rows:?}"
    );
    let failed = rows
        .iter()
        .find(|r| r.kind == "sign_in_failed")
        .expect("failure");
    assert_eq!(failed.ip.as_deref(), Some("unknown"));
    assert!(
        failed
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("\"identifier\":\"ada\"")),
        "{failed:?}"
    );
    let locked = rows.iter().find(|r| r.kind == "locked").expect("lockout");
    assert!(locked
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("until")));
    // Failures naming no account are recorded without a user.
    s.sign_in("nobody", "whatever it is").await;
    let anonymous = events(&s, None).await;
    assert!(anonymous.iter().any(|r| r.kind == "sign_in_failed"
        && r.user_id.is_none()
        && r.detail
            .as_deref()
            .is_some_and(|d| d.contains("\"nobody\""))));

    // A sign-in, and a password change in the account center.
    let bob = s.create_user(Some("bob"), None, None, PASSWORD).await;
    let r = s.sign_in("bob", PASSWORD).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let changed = s
        .submit(
            "/account/password",
            "/flow/account",
            &[
                ("action", "change_password"),
                ("new_password", "a different passphrase"),
                ("confirm_password", "a different passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.location().as_deref(), Some("/account/password"));
    let rows = events(&s, Some(&bob)).await;
    assert_eq!(kinds(&rows), ["sign_in", "password_changed"], "{rows:?}");
    assert!(rows[1]
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("\"amr\":\"pwd\"")));
    // The other user's events are not in bob's.
    assert!(rows
        .iter()
        .all(|r| r.user_id.as_deref() == Some(bob.as_str())));
}

/// `sesame audit` prints the events as JSON lines, filtered by user and kind.
#[tokio::test]
async fn the_operator_reads_the_log_with_sesame_audit() {
    let mut s = TestServer::start().await;
    let ada = s.create_user(Some("ada"), None, None, PASSWORD).await;
    s.sign_in("ada", "not the password").await;
    s.sign_in("ada", PASSWORD).await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sesame"))
            .args(args)
            .env("SESAME__DATABASE__URL", s.state.config.database_url())
            .env("SESAME_LOG", "warn")
            .output()
            .expect("run sesame audit");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
            .collect::<Vec<_>>()
    };
    let all = run(&["audit", "--user", "ada"]);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["kind"], "sign_in");
    assert_eq!(all[0]["user_id"], ada.as_str());
    assert_eq!(all[0]["detail"]["amr"], "pwd");
    assert!(all[0]["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(all[1]["kind"], "sign_in_failed");
    let failures = run(&["audit", "--kind", "sign_in_failed", "--days", "1"]);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(run(&["audit", "--limit", "1"]).len(), 1);
    // A bad flag is refused with the usage.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(["audit", "--since"])
        .env("SESAME__DATABASE__URL", s.state.config.database_url())
        .output()
        .expect("run sesame audit");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage: sesame"));
}

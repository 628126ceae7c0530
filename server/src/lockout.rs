//! Lockout: failed attempts are counted per identifier and per client address, by every
//! entry point (the screens and the Experience API call the same functions), in the
//! database so that every Sesame process sees the same counts.

use crate::audit;
use crate::config::LockoutConfig;
use crate::crypto::now;
use crate::db::Db;
use crate::error::AppError;
use app::api::UiError;
use axum::http::HeaderMap;
use serde_json::json;
use std::net::SocketAddr;

/// What one attempt is counted against.
pub struct Subjects {
    /// `id:<canonical identifier>`, when the attempt names one.
    pub identifier: Option<String>,
    /// `user:<id>` when the identifier names an account, so that switching between the
    /// username, email and phone of one account does not reset its count.
    pub user: Option<String>,
    /// `ip:<address>`.
    pub ip: String,
}

impl Subjects {
    fn all(&self) -> impl Iterator<Item = &String> {
        self.identifier
            .iter()
            .chain(self.user.iter())
            .chain(std::iter::once(&self.ip))
    }
}

/// The client address of a request: the connection's peer, or the last
/// `X-Forwarded-For` entry (the one the trusted proxy in front appended; earlier entries
/// come from the client and can be anything) when the configuration trusts that proxy.
pub fn client_ip(
    config: &LockoutConfig,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> String {
    if config.trust_forwarded_for {
        if let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return format!("ip:{first}");
        }
    }
    match extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        Some(info) => format!("ip:{}", info.0.ip()),
        None => "ip:unknown".into(),
    }
}

/// `Locked` with the minutes left (rounded up) when any subject is locked.
pub async fn check(db: &Db, subjects: &Subjects) -> Result<Result<(), UiError>, AppError> {
    let now = now();
    let all: Vec<&str> = subjects.all().map(String::as_str).collect();
    Ok(match db.locked_until(&all, now).await? {
        Some(u) => Err(UiError::Locked {
            minutes: ((u - now) + 59) / 60,
        }),
        None => Ok(()),
    })
}

/// Counts a failed attempt; locks each subject that reached its limit. Answers the tries
/// left before the identifier or account locks, when the attempt names one.
pub async fn failed(
    db: &Db,
    config: &LockoutConfig,
    subjects: &Subjects,
) -> Result<Option<i64>, AppError> {
    let now = now();
    // `user:none:…` stands in for an identifier without an account.
    let user_id = subjects
        .user
        .as_deref()
        .and_then(|u| u.strip_prefix("user:"))
        .filter(|u| !u.starts_with("none:"));
    let identifier = subjects
        .identifier
        .as_deref()
        .and_then(|i| i.strip_prefix("id:"));
    audit::record(
        db,
        audit::Kind::SignInFailed,
        user_id,
        &subjects.ip,
        json!({ "identifier": identifier }),
    )
    .await;
    let mut left: Option<i64> = None;
    for id in subjects.identifier.iter().chain(subjects.user.iter()) {
        let n = db
            .record_failure(id, now, now - config.identifier_window_secs)
            .await?;
        let l = (config.identifier_max_failures - n).max(0);
        left = Some(left.map_or(l, |x| x.min(l)));
        if n >= config.identifier_max_failures {
            tracing::warn!(subject = %id, failures = n, "identifier locked");
            db.lock(id, now + config.identifier_lock_secs).await?;
            let detail = json!({ "subject": id, "until": now + config.identifier_lock_secs });
            audit::record(db, audit::Kind::Locked, user_id, &subjects.ip, detail).await;
        }
    }
    let n = db
        .record_failure(&subjects.ip, now, now - config.ip_window_secs)
        .await?;
    if n >= config.ip_max_failures {
        tracing::warn!(subject = %subjects.ip, failures = n, "client address locked");
        db.lock(&subjects.ip, now + config.ip_lock_secs).await?;
        let detail = json!({ "subject": subjects.ip, "until": now + config.ip_lock_secs });
        audit::record(db, audit::Kind::Locked, None, &subjects.ip, detail).await;
    }
    Ok(left)
}

/// Forgets the identifier's failures after it proved itself.
pub async fn succeeded(db: &Db, subjects: &Subjects) -> Result<(), AppError> {
    let proved: Vec<&str> = subjects
        .identifier
        .iter()
        .chain(subjects.user.iter())
        .map(String::as_str)
        .collect();
    db.clear_failures(&proved).await?;
    Ok(())
}

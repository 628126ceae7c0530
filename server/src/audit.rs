//! The audit log: one row per security event, written beside the change it records and
//! read by the operator with `sesame audit`. Also emitted as a `sesame::audit` tracing event
//! for log shipping. Writing never fails the request it describes: a storage error is
//! logged instead.

use crate::db::Db;
use serde_json::Value;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A session started (any method; the detail names the `amr`).
    SignIn,
    /// A password, code or second factor was wrong.
    SignInFailed,
    /// An identifier, account or client address reached its failure limit.
    Locked,
    /// A security verification (step-up) in the account center succeeded.
    Verified,
    /// A second factor was added (the detail names its kind).
    FactorAdded,
    /// A second factor was removed.
    FactorRemoved,
    /// New backup codes replaced the old ones.
    BackupCodesRegenerated,
    /// An account at another provider was linked.
    IdentityLinked,
    /// A linked account was unlinked.
    IdentityUnlinked,
    /// The password was changed in the account center.
    PasswordChanged,
    /// The password was set through "forgot password".
    PasswordReset,
    /// The email address or phone number was changed or removed.
    ContactChanged,
    /// A personal access token was created.
    TokenCreated,
    /// A personal access token was revoked.
    TokenRevoked,
    /// Sessions were signed out from the account center.
    SessionsEnded,
    /// An app's access was revoked.
    AppRevoked,
    /// The account was deleted.
    AccountDeleted,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SignIn => "sign_in",
            Kind::SignInFailed => "sign_in_failed",
            Kind::Locked => "locked",
            Kind::Verified => "verified",
            Kind::FactorAdded => "factor_added",
            Kind::FactorRemoved => "factor_removed",
            Kind::BackupCodesRegenerated => "backup_codes_regenerated",
            Kind::IdentityLinked => "identity_linked",
            Kind::IdentityUnlinked => "identity_unlinked",
            Kind::PasswordChanged => "password_changed",
            Kind::PasswordReset => "password_reset",
            Kind::ContactChanged => "contact_changed",
            Kind::TokenCreated => "token_created",
            Kind::TokenRevoked => "token_revoked",
            Kind::SessionsEnded => "sessions_ended",
            Kind::AppRevoked => "app_revoked",
            Kind::AccountDeleted => "account_deleted",
        }
    }
}

/// Records an event. `ip` is the lockout's `ip:<address>` form or a bare address.
pub async fn record(db: &Db, kind: Kind, user_id: Option<&str>, ip: &str, detail: Value) {
    let ip = ip.strip_prefix("ip:").unwrap_or(ip);
    let detail = if detail.is_null() {
        None
    } else {
        Some(detail.to_string())
    };
    tracing::info!(
        target: "sesame::audit",
        kind = kind.as_str(),
        user = user_id.unwrap_or("-"),
        ip,
        detail = detail.as_deref().unwrap_or(""),
        "audit"
    );
    if let Err(e) = db
        .insert_audit_event(kind.as_str(), user_id, Some(ip), detail.as_deref())
        .await
    {
        tracing::error!(error = %e, kind = kind.as_str(), "could not write the audit log");
    }
}

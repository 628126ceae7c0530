//! Storage. One small interface over sqlx's `Any` driver with portable SQL, so SQLite (the
//! default, a file in the data directory) and PostgreSQL run the same queries and migrations.
//! Placeholders are `$1, $2, …` in order of first use, which both databases accept.

mod account;
mod audit;
mod consent;
mod federation;
mod lockout;
mod magic_link;
mod mfa;
mod organization;
mod verification;

pub use account::PersonalTokenRow;
pub use audit::{AuditQuery, AuditRow};
pub use consent::ConsentRow;
pub use federation::IdentityRow;
pub use magic_link::OneTimeTokenRow;
pub use mfa::FactorRow;
pub use organization::{InvitationRow, MembershipRow, OrganizationRow};
pub use verification::{CodeRecord, OutboxRow};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("a unique value is already taken")]
    Conflict,
}

impl DbError {
    fn from_insert(e: sqlx::Error) -> DbError {
        match &e {
            sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                DbError::Conflict
            }
            _ => DbError::Sqlx(e),
        }
    }
}

type Result<T> = std::result::Result<T, DbError>;

/// The connection pool.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
}

/// A user account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub email_verified: i64,
    pub phone: Option<String>,
    pub phone_verified: i64,
    pub password_hash: Option<String>,
    pub suspended_at: Option<i64>,
    pub terms_accepted_at: Option<i64>,
    /// Collected profile claims, a JSON object.
    pub profile: Option<String>,
    pub created_at: i64,
    /// When the user declined the offer to set up a second factor.
    pub mfa_skipped_at: Option<i64>,
    /// When the user declined the offer to create a passkey.
    pub passkey_skipped_at: Option<i64>,
}

impl UserRow {
    /// The collected profile claims.
    pub fn profile_claims(&self) -> serde_json::Map<String, serde_json::Value> {
        self.profile
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    /// What the UI calls the user: username, else email, else phone.
    pub fn label(&self) -> String {
        label_of(
            &self.id,
            self.username.as_deref(),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.profile.as_deref(),
        )
    }
}

/// What the UI calls a user: username, else email, else phone, else the name of the
/// profile (accounts from another provider may have only a name), else the id.
pub fn label_of(
    id: &str,
    username: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    profile: Option<&str>,
) -> String {
    username
        .or(email)
        .or(phone)
        .map(String::from)
        .or_else(|| {
            profile
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .and_then(|p| p.get("name").and_then(|n| n.as_str()).map(String::from))
        })
        .unwrap_or_else(|| id.to_string())
}

/// A user about to be created.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub password_hash: Option<String>,
    pub terms_accepted_at: Option<i64>,
    /// Collected profile claims, a JSON object.
    pub profile: Option<String>,
}

/// A sign-in session of a browser.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub sid: String,
    pub user_id: String,
    pub auth_time: i64,
    pub amr: String,
    pub expires_at: i64,
    pub created_at: i64,
    /// The browser's `User-Agent` when the session started (for the sessions list).
    pub user_agent: Option<String>,
    /// The client address when the session started.
    pub ip: Option<String>,
}

/// A session about to be stored.
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub sid: &'a str,
    pub user_id: &'a str,
    pub auth_time: i64,
    pub amr: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

const SESSION_COLUMNS: &str =
    "sid, user_id, auth_time, amr, expires_at, created_at, user_agent, ip";

/// An interaction (sign-in flow in progress).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InteractionRow {
    pub request: Option<String>,
    pub form_state: Option<String>,
    pub session_sid: Option<String>,
    pub progress: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A stored authorization code.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CodeRow {
    pub grant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub sid: Option<String>,
    pub auth_time: i64,
    pub amr: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The user flow (`p`) the authorization was made in.
    pub policy: Option<String>,
    /// Space-separated resource indicators (the tokens' audience).
    pub resources: Option<String>,
    /// The organization the authorization was for (`organization_id`).
    pub organization_id: Option<String>,
}

/// A stored access or refresh token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub kind: String,
    pub grant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub sid: Option<String>,
    pub auth_time: i64,
    pub amr: String,
    pub nonce: Option<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub policy: Option<String>,
    /// Space-separated resource indicators: the token's audience.
    pub resources: Option<String>,
    pub created_at: i64,
    /// The organization the token is for.
    pub organization_id: Option<String>,
}

/// A new token to store.
pub struct NewToken<'a> {
    pub hash: &'a str,
    pub kind: &'a str,
    pub grant_id: &'a str,
    pub client_id: &'a str,
    pub user_id: &'a str,
    pub scope: &'a str,
    pub sid: Option<&'a str>,
    pub auth_time: i64,
    pub amr: &'a str,
    pub nonce: Option<&'a str>,
    pub created_at: i64,
    pub expires_at: i64,
    pub policy: Option<&'a str>,
    pub resources: Option<&'a str>,
    pub organization_id: Option<&'a str>,
}

/// A stored signing key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub private_pem: String,
}

/// The demo relying party's session.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct DemoRow {
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_verifier: Option<String>,
    pub id_token_claims: Option<String>,
    pub userinfo: Option<String>,
    pub subject: Option<String>,
    pub error: Option<String>,
}

/// The outcome of presenting a one-time credential (code or refresh token).
pub enum Redemption<T> {
    /// First use: here is what it was issued for.
    Fresh(T),
    /// Already used: the grant it belongs to, to revoke.
    Replayed(String),
    /// Issued to another client: refused, and left unused.
    WrongClient,
    /// Unknown.
    Unknown,
}

impl Db {
    /// Connects and brings the schema up to date. For SQLite, creates the file's directory.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://") {
            let file = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(file).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| DbError::DataDir(dir.display().to_string(), e))?;
                }
            }
        }
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // Foreign keys and a busy timeout are per-connection settings in SQLite.
                    if sqlite {
                        for pragma in [
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 5000",
                            "PRAGMA journal_mode = WAL",
                            // With WAL, NORMAL syncs at checkpoints instead of every commit: a
                            // killed process loses nothing, a power cut at most the last
                            // commits.
                            "PRAGMA synchronous = NORMAL",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Db { pool })
    }

    /// A liveness probe.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A named server secret, created with `make` on first use.
    pub async fn secret(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        if let Some(row) = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
        {
            return Ok(row.try_get("value")?);
        }
        // Two processes may race on first start; the loser reads the winner's value.
        let _ = sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(make())
            .execute(&self.pool)
            .await;
        let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    // ---- users ----

    /// Creates a user. `Conflict` when the username, email or phone is taken.
    pub async fn insert_user(&self, u: &NewUser, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO users (id, username, email, email_verified, phone, phone_verified, \
             password_hash, terms_accepted_at, profile, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.email)
        .bind(i64::from(u.email_verified))
        .bind(&u.phone)
        .bind(i64::from(u.phone_verified))
        .bind(&u.password_hash)
        .bind(u.terms_accepted_at)
        .bind(&u.profile)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(DbError::from_insert)?;
        Ok(())
    }

    const USER_COLUMNS: &'static str =
        "id, username, email, email_verified, phone, phone_verified, \
         password_hash, suspended_at, terms_accepted_at, profile, created_at, mfa_skipped_at, \
         passkey_skipped_at";

    /// The user with this (already normalised) phone number.
    pub async fn user_by_phone(&self, phone: &str) -> Result<Option<UserRow>> {
        self.user_where("phone", phone).await
    }

    /// Replaces the user's password.
    pub async fn set_password(&self, user_id: &str, hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces the user's collected profile claims.
    pub async fn set_profile(&self, user_id: &str, profile: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE users SET profile = $1, updated_at = $2 WHERE id = $3")
            .bind(profile)
            .bind(now)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives the user a username. `Conflict` when it is taken.
    pub async fn set_username(&self, user_id: &str, username: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE users SET username = $1, updated_at = $2 WHERE id = $3")
            .bind(username)
            .bind(now)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// Gives the user an email address or phone number (`phone`), verified or not.
    /// `Conflict` when another account has it.
    pub async fn set_contact(
        &self,
        user_id: &str,
        phone: bool,
        value: &str,
        verified: bool,
        now: i64,
    ) -> Result<()> {
        let (column, flag) = if phone {
            ("phone", "phone_verified")
        } else {
            ("email", "email_verified")
        };
        sqlx::query(&format!(
            "UPDATE users SET {column} = $1, {flag} = $2, updated_at = $3 WHERE id = $4"
        ))
        .bind(value)
        .bind(i64::from(verified))
        .bind(now)
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// Records that the user agreed to the terms.
    pub async fn set_terms_accepted(&self, user_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE users SET terms_accepted_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks an email address or phone number of the user as verified.
    pub async fn set_verified(&self, user_id: &str, phone: bool, now: i64) -> Result<()> {
        let column = if phone {
            "phone_verified"
        } else {
            "email_verified"
        };
        sqlx::query(&format!(
            "UPDATE users SET {column} = 1, updated_at = $1 WHERE id = $2"
        ))
        .bind(now)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Suspends (`Some(time)`) or reinstates (`None`) a user.
    pub async fn set_suspended(&self, user_id: &str, at: Option<i64>) -> Result<u64> {
        Ok(
            sqlx::query("UPDATE users SET suspended_at = $1 WHERE id = $2")
                .bind(at)
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// The user with this (already normalised) username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        self.user_where("username", username).await
    }

    /// The user with this (already normalised) email address.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        self.user_where("email", email).await
    }

    /// The user with this id.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
        self.user_where("id", id).await
    }

    async fn user_where(&self, column: &'static str, value: &str) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {} FROM users WHERE {column} = $1",
            Self::USER_COLUMNS
        );
        Ok(sqlx::query_as(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?)
    }

    // ---- interactions ----

    /// Stores a new interaction.
    pub async fn insert_interaction(
        &self,
        id_hash: &str,
        request: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO interactions (id_hash, request, form_state, session_sid, created_at, expires_at) \
             VALUES ($1, $2, NULL, NULL, $3, $4)",
        )
        .bind(id_hash)
        .bind(request)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The interaction, unless expired.
    pub async fn interaction(&self, id_hash: &str, now: i64) -> Result<Option<InteractionRow>> {
        Ok(sqlx::query_as(
            "SELECT request, form_state, session_sid, progress, created_at, expires_at FROM interactions \
             WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Replaces the interaction's form state (last errors and entered values).
    pub async fn set_form_state(&self, id_hash: &str, form_state: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE interactions SET form_state = $1 WHERE id_hash = $2")
            .bind(form_state)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces where the flow stands.
    pub async fn set_progress(&self, id_hash: &str, progress: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE interactions SET progress = $1 WHERE id_hash = $2")
            .bind(progress)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the session signed in during the interaction, forgets its form memory and
    /// replaces where it stands, in one write.
    pub async fn set_interaction_session(
        &self,
        id_hash: &str,
        sid: &str,
        progress: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE interactions SET session_sid = $1, form_state = NULL, progress = $2 \
             WHERE id_hash = $3",
        )
        .bind(sid)
        .bind(progress)
        .bind(id_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends an interaction.
    pub async fn delete_interaction(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM interactions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- sessions ----

    /// Stores a new session.
    pub async fn insert_session(&self, n: &NewSession<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, sid, user_id, auth_time, amr, created_at, expires_at, \
             user_agent, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(n.id_hash)
        .bind(n.sid)
        .bind(n.user_id)
        .bind(n.auth_time)
        .bind(n.amr)
        .bind(n.now)
        .bind(n.expires_at)
        .bind(n.user_agent)
        .bind(n.ip)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session, unless expired.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1 AND expires_at > $2"
        ))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The session with this `sid`, if it is still live.
    pub async fn session_by_sid(&self, sid: &str, now: i64) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE sid = $1 AND expires_at > $2"
        ))
        .bind(sid)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The user's live sessions, newest first (the account center lists them).
    pub async fn user_sessions(&self, user_id: &str, now: i64) -> Result<Vec<SessionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY auth_time DESC"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Ends the session with this `sid`.
    pub async fn delete_session_by_sid(&self, sid: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE sid = $1")
            .bind(sid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The applications signed in with session `sid` (that received a code or tokens from it).
    pub async fn clients_of_session(&self, sid: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT client_id FROM authorization_codes WHERE sid = $1 \
             UNION SELECT client_id FROM tokens WHERE sid = $1 ORDER BY client_id",
        )
        .bind(sid)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes the tokens bound to session `sid`: all but those of grants the user allowed to
    /// outlive the session (`offline_access`).
    pub async fn revoke_session_tokens(&self, sid: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE sid = $2 AND revoked_at IS NULL \
             AND ' ' || scope || ' ' NOT LIKE '% offline_access %'",
        )
        .bind(now)
        .bind(sid)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Ends every session of a user.
    pub async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Revokes every access and refresh token of a user.
    pub async fn revoke_user_tokens(&self, user_id: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    // ---- authorization codes ----

    /// Stores a new code.
    pub async fn insert_code(&self, code_hash: &str, c: &CodeRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO authorization_codes (code_hash, grant_id, client_id, user_id, redirect_uri, scope, \
             nonce, code_challenge, sid, auth_time, amr, expires_at, used_at, policy, resources, \
             organization_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14, $15)",
        )
        .bind(code_hash)
        .bind(&c.grant_id)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(&c.redirect_uri)
        .bind(&c.scope)
        .bind(&c.nonce)
        .bind(&c.code_challenge)
        .bind(&c.sid)
        .bind(c.auth_time)
        .bind(&c.amr)
        .bind(c.expires_at)
        .bind(&c.policy)
        .bind(&c.resources)
        .bind(&c.organization_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a code used, atomically: only the first of concurrent redemptions wins.
    pub async fn redeem_code(
        &self,
        code_hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Redemption<CodeRow>> {
        const COLUMNS: &str =
            "grant_id, client_id, user_id, redirect_uri, scope, nonce, code_challenge, sid, \
             auth_time, amr, expires_at, used_at, policy, resources, organization_id";
        // One statement marks and reads a fresh code; only a refused one is read again.
        let fresh: Option<CodeRow> = sqlx::query_as(&format!(
            "UPDATE authorization_codes SET used_at = $1 \
             WHERE code_hash = $2 AND client_id = $3 AND used_at IS NULL RETURNING {COLUMNS}"
        ))
        .bind(now)
        .bind(code_hash)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = fresh {
            return Ok(Redemption::Fresh(row));
        }
        let row: Option<CodeRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM authorization_codes WHERE code_hash = $1"
        ))
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) if row.client_id != client_id => Redemption::WrongClient,
            Some(row) => Redemption::Replayed(row.grant_id),
            None => Redemption::Unknown,
        })
    }

    // ---- tokens ----

    /// Stores the tokens of one response (an access token, and its refresh token) in one
    /// statement.
    pub async fn insert_tokens(&self, tokens: &[NewToken<'_>]) -> Result<()> {
        if tokens.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = (0..tokens.len())
            .map(|i| {
                let p = |k: usize| format!("${}", i * 15 + k);
                format!(
                    "({}, NULL, NULL, {})",
                    (1..=12).map(p).collect::<Vec<_>>().join(", "),
                    (13..=15).map(p).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO tokens (token_hash, kind, grant_id, client_id, user_id, scope, sid, auth_time, amr, \
             nonce, created_at, expires_at, used_at, revoked_at, policy, resources, organization_id) \
             VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for t in tokens {
            q = q
                .bind(t.hash)
                .bind(t.kind)
                .bind(t.grant_id)
                .bind(t.client_id)
                .bind(t.user_id)
                .bind(t.scope)
                .bind(t.sid)
                .bind(t.auth_time)
                .bind(t.amr)
                .bind(t.nonce)
                .bind(t.created_at)
                .bind(t.expires_at)
                .bind(t.policy)
                .bind(t.resources)
                .bind(t.organization_id);
        }
        q.execute(&self.pool).await?;
        Ok(())
    }

    const TOKEN_COLUMNS: &'static str =
        "kind, grant_id, client_id, user_id, scope, sid, auth_time, amr, nonce, \
         expires_at, used_at, revoked_at, policy, resources, created_at, organization_id";

    /// A token by digest, whatever its state.
    pub async fn token(&self, hash: &str) -> Result<Option<TokenRow>> {
        let sql = format!(
            "SELECT {} FROM tokens WHERE token_hash = $1",
            Self::TOKEN_COLUMNS
        );
        Ok(sqlx::query_as(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Marks a refresh token used (rotation), atomically.
    pub async fn redeem_refresh(
        &self,
        hash: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Redemption<TokenRow>> {
        // One statement marks and reads a fresh token; only a refused one is read again.
        let fresh: Option<TokenRow> = sqlx::query_as(&format!(
            "UPDATE tokens SET used_at = $1 WHERE token_hash = $2 AND client_id = $3 AND kind = 'refresh' \
             AND used_at IS NULL AND revoked_at IS NULL RETURNING {}",
            Self::TOKEN_COLUMNS
        ))
        .bind(now)
        .bind(hash)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = fresh {
            return Ok(Redemption::Fresh(row));
        }
        let row = self.token(hash).await?.filter(|t| t.kind == "refresh");
        Ok(match row {
            Some(row) if row.client_id != client_id => Redemption::WrongClient,
            Some(row) if row.revoked_at.is_some() && row.used_at.is_none() => Redemption::Unknown,
            Some(row) => Redemption::Replayed(row.grant_id),
            None => Redemption::Unknown,
        })
    }

    /// Revokes every token of a grant (code replay, refresh token reuse).
    pub async fn revoke_grant(&self, grant_id: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE grant_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(grant_id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    // ---- signing keys ----

    /// Active signing keys, newest first.
    pub async fn signing_keys(&self) -> Result<Vec<KeyRow>> {
        Ok(sqlx::query_as(
            "SELECT kid, alg, private_pem FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a new signing key.
    pub async fn insert_signing_key(
        &self,
        kid: &str,
        alg: &str,
        pem: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, private_pem, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(kid)
        .bind(alg)
        .bind(pem)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- the demo relying party ----

    /// Creates or replaces the demo session.
    pub async fn put_demo(
        &self,
        id_hash: &str,
        d: &DemoRow,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM demo_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO demo_sessions (id_hash, state, nonce, code_verifier, id_token_claims, userinfo, subject, \
             error, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id_hash)
        .bind(&d.state)
        .bind(&d.nonce)
        .bind(&d.code_verifier)
        .bind(&d.id_token_claims)
        .bind(&d.userinfo)
        .bind(&d.subject)
        .bind(&d.error)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The demo session, unless expired.
    pub async fn demo(&self, id_hash: &str, now: i64) -> Result<Option<DemoRow>> {
        Ok(sqlx::query_as(
            "SELECT state, nonce, code_verifier, id_token_claims, userinfo, subject, error \
             FROM demo_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends the demo session.
    pub async fn delete_demo(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM demo_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes expired flows, sessions, codes and tokens, and audit events older than
    /// `audit_before`.
    pub async fn purge_expired(&self, now: i64, audit_before: i64) -> Result<u64> {
        let mut n = 0;
        for table in [
            "interactions",
            "sessions",
            "authorization_codes",
            "tokens",
            "demo_sessions",
            "saml_assertions",
            "federation_handoffs",
            "one_time_tokens",
            "trusted_devices",
            "organization_invitations",
        ] {
            n += sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        // Counters older than a day no longer count toward any window.
        for (sql, before) in [
            (
                "DELETE FROM message_sends WHERE sent_at <= $1",
                now - 86_400,
            ),
            ("DELETE FROM auth_failures WHERE at <= $1", now - 86_400),
            ("DELETE FROM lockouts WHERE until_at <= $1", now),
            // Kept a day past expiry: a late "the code has expired" beats "not correct".
            (
                "DELETE FROM verification_codes WHERE expires_at <= $1",
                now - 86_400,
            ),
            // Listed as expired for a month, then gone.
            (
                "DELETE FROM personal_access_tokens WHERE expires_at IS NOT NULL AND expires_at <= $1",
                now - 30 * 86_400,
            ),
            (
                "DELETE FROM outbox WHERE created_at <= $1",
                now - 7 * 86_400,
            ),
            (
                "DELETE FROM audit_events WHERE at <= $1",
                audit_before,
            ),
        ] {
            n += sqlx::query(sql)
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(n)
    }

    /// Counts rows of one of Sesame's tables (tests and diagnostics).
    pub async fn count(&self, table: &str) -> Result<i64> {
        const TABLES: [&str; 17] = [
            "identities",
            "users",
            "mfa_factors",
            "backup_codes",
            "trusted_devices",
            "verification_codes",
            "outbox",
            "auth_failures",
            "interactions",
            "sessions",
            "authorization_codes",
            "tokens",
            "signing_keys",
            "saml_assertions",
            "federation_handoffs",
            "consents",
            "one_time_tokens",
        ];
        let Some(table) = TABLES.into_iter().find(|t| *t == table) else {
            return Ok(0);
        };
        let row: AnyRow = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}

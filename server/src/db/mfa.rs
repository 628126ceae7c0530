//! Second factors, backup codes and remembered devices.

use super::{Db, DbError, Result};
use sqlx::Row;

/// A bound authenticator app or WebAuthn credential.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FactorRow {
    pub id: String,
    pub user_id: String,
    /// `totp` or `webauthn`.
    pub kind: String,
    pub name: String,
    pub secret: String,
    pub credential_id: Option<String>,
    pub last_step: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const FACTOR_COLUMNS: &str =
    "id, user_id, kind, name, secret, credential_id, last_step, created_at, last_used_at";

impl Db {
    /// Binds a factor. `Conflict` when the credential is bound already.
    pub async fn insert_factor(&self, f: &FactorRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO mfa_factors (id, user_id, kind, name, secret, credential_id, last_step, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&f.id)
        .bind(&f.user_id)
        .bind(&f.kind)
        .bind(&f.name)
        .bind(&f.secret)
        .bind(&f.credential_id)
        .bind(f.last_step)
        .bind(f.created_at)
        .execute(&self.pool)
        .await
        .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// The user's factors, oldest first.
    pub async fn factors(&self, user_id: &str) -> Result<Vec<FactorRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FACTOR_COLUMNS} FROM mfa_factors WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The WebAuthn credential with this id, whoever it belongs to.
    pub async fn factor_by_credential(&self, credential_id: &str) -> Result<Option<FactorRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FACTOR_COLUMNS} FROM mfa_factors WHERE credential_id = $1"
        ))
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Accepts TOTP time step `step` for a factor, once: false when this or a later step was
    /// accepted already (a replayed code), even against a concurrent request.
    pub async fn accept_totp_step(&self, factor_id: &str, step: i64, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE mfa_factors SET last_step = $1, last_used_at = $2 \
             WHERE id = $3 AND last_step < $1",
        )
        .bind(step)
        .bind(now)
        .bind(factor_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Stores a WebAuthn credential's updated state (its signature counter) after a use.
    pub async fn update_factor_secret(
        &self,
        factor_id: &str,
        secret: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE mfa_factors SET secret = $1, last_used_at = $2 WHERE id = $3")
            .bind(secret)
            .bind(now)
            .bind(factor_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces the user's backup codes with new ones (`(lookup, hash)` pairs).
    pub async fn replace_backup_codes(
        &self,
        user_id: &str,
        codes: &[(String, String)],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM backup_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for (lookup, hash) in codes {
            sqlx::query(
                "INSERT INTO backup_codes (user_id, lookup, code_hash, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(lookup)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The hash of the user's unused backup code with this lookup group.
    pub async fn backup_code(&self, user_id: &str, lookup: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT code_hash FROM backup_codes WHERE user_id = $1 AND lookup = $2 \
             AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(lookup)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("code_hash")?),
            None => None,
        })
    }

    /// Marks a backup code used; false when it was used already (a concurrent request).
    pub async fn use_backup_code(&self, user_id: &str, lookup: &str, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE backup_codes SET used_at = $1 WHERE user_id = $2 AND lookup = $3 \
             AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(lookup)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// How many unused backup codes the user has.
    pub async fn backup_codes_left(&self, user_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM backup_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Records that the user declined to set up a second factor (`mfa`) or a passkey.
    pub async fn set_skipped(&self, user_id: &str, passkey: bool, now: i64) -> Result<()> {
        let sql = if passkey {
            "UPDATE users SET passkey_skipped_at = $1 WHERE id = $2"
        } else {
            "UPDATE users SET mfa_skipped_at = $1 WHERE id = $2"
        };
        sqlx::query(sql)
            .bind(now)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Remembers a device for the user until `expires_at`.
    pub async fn insert_trusted_device(
        &self,
        token_hash: &str,
        user_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO trusted_devices (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the device token is remembered for this user and not expired.
    pub async fn is_trusted_device(
        &self,
        token_hash: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM trusted_devices WHERE token_hash = $1 AND user_id = $2 \
             AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Forgets every remembered device of the user (after a password reset, for example).
    pub async fn revoke_trusted_devices(&self, user_id: &str) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1")
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

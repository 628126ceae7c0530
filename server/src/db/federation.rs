//! Identities at other providers, linked to local accounts.

use super::{Db, DbError, Result};

/// One linked upstream identity.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IdentityRow {
    pub connector: String,
    pub subject: String,
    pub user_id: String,
    pub email: Option<String>,
    pub created_at: i64,
    pub last_used_at: i64,
}

impl Db {
    /// Links (connector, subject) to `user_id`. `Conflict` when it is linked already.
    pub async fn insert_identity(
        &self,
        connector: &str,
        subject: &str,
        user_id: &str,
        email: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO identities (connector, subject, user_id, email, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(connector)
        .bind(subject)
        .bind(user_id)
        .bind(email)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// The account (connector, subject) is linked to.
    pub async fn identity_user(&self, connector: &str, subject: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM identities WHERE connector = $1 AND subject = $2",
        )
        .bind(connector)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records a sign-in with the identity.
    pub async fn touch_identity(&self, connector: &str, subject: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE identities SET last_used_at = $3 WHERE connector = $1 AND subject = $2",
        )
        .bind(connector)
        .bind(subject)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user's linked identities, oldest first.
    pub async fn identities(&self, user_id: &str) -> Result<Vec<IdentityRow>> {
        Ok(sqlx::query_as(
            "SELECT connector, subject, user_id, email, created_at, last_used_at \
             FROM identities WHERE user_id = $1 ORDER BY created_at, connector",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a SAML assertion as accepted. `Conflict` when it was accepted before (a
    /// replay).
    pub async fn record_assertion(
        &self,
        connector: &str,
        assertion_id: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO saml_assertions (connector, assertion_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(connector)
        .bind(assertion_id)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// Keeps a verified answer of connector `connector` under a one-time handle.
    pub async fn put_handoff(
        &self,
        handle_hash: &str,
        connector: &str,
        payload: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO federation_handoffs (handle_hash, connector, payload, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(handle_hash)
        .bind(connector)
        .bind(payload)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes (and deletes) a kept answer: once, for its connector, before it expires.
    pub async fn take_handoff(
        &self,
        handle_hash: &str,
        connector: &str,
        now: i64,
    ) -> Result<Option<String>> {
        // The delete decides who takes it, so two requests with the handle cannot both.
        let payload: Option<(String, i64)> = sqlx::query_as(
            "DELETE FROM federation_handoffs WHERE handle_hash = $1 AND connector = $2 \
             RETURNING payload, expires_at",
        )
        .bind(handle_hash)
        .bind(connector)
        .fetch_optional(&self.pool)
        .await?;
        Ok(payload.filter(|(_, exp)| *exp > now).map(|(p, _)| p))
    }
}

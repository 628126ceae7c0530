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
}

//! Single-use tokens of sign-in links and invitations.

use super::{Db, Result};

/// A stored one-time token.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OneTimeTokenRow {
    /// The canonical email address it is bound to.
    pub email: String,
    /// `sign_in` or `invitation`.
    pub purpose: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Db {
    /// Stores a new token (its digest).
    pub async fn put_one_time_token(
        &self,
        token_hash: &str,
        email: &str,
        purpose: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, email, purpose, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(token_hash)
        .bind(email)
        .bind(purpose)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The token with this digest, used or not.
    pub async fn one_time_token(&self, token_hash: &str) -> Result<Option<OneTimeTokenRow>> {
        Ok(sqlx::query_as(
            "SELECT email, purpose, expires_at, used_at FROM one_time_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Uses the token: true for the one request that did, false when it was used already or
    /// has expired (even against a concurrent request with the same token).
    pub async fn consume_one_time_token(&self, token_hash: &str, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE one_time_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }
}

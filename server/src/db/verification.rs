//! One-time codes, the per-recipient send counter and the development outbox.

use super::{Db, Result};
use sqlx::Row;

/// A code as stored: its MAC, never the code.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CodeRecord {
    pub purpose: String,
    pub code_mac: String,
    pub failures: i64,
    pub sent_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// A message in the development outbox.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
}

impl Db {
    /// Stores a new code for the flow and recipient, keeping the failures of any earlier one.
    pub async fn put_verification_code(
        &self,
        interaction_hash: &str,
        recipient: &str,
        purpose: &str,
        code_mac: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let updated = sqlx::query(
            "UPDATE verification_codes SET purpose = $1, code_mac = $2, sent_at = $3, expires_at = $4, \
             used_at = NULL WHERE interaction_hash = $5 AND recipient = $6",
        )
        .bind(purpose)
        .bind(code_mac)
        .bind(now)
        .bind(expires_at)
        .bind(interaction_hash)
        .bind(recipient)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO verification_codes (interaction_hash, recipient, purpose, code_mac, failures, \
                 sent_at, expires_at, used_at) VALUES ($1, $2, $3, $4, 0, $5, $6, NULL)",
            )
            .bind(interaction_hash)
            .bind(recipient)
            .bind(purpose)
            .bind(code_mac)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// The code of the flow for the recipient (expired ones included, to say so).
    pub async fn verification_code(
        &self,
        interaction_hash: &str,
        recipient: &str,
    ) -> Result<Option<CodeRecord>> {
        Ok(sqlx::query_as(
            "SELECT purpose, code_mac, failures, sent_at, expires_at, used_at FROM verification_codes \
             WHERE interaction_hash = $1 AND recipient = $2",
        )
        .bind(interaction_hash)
        .bind(recipient)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Reserves one attempt at the code: false when its attempts are used up, or it is
    /// used or expired. Atomic, so concurrent requests cannot exceed `max`.
    pub async fn reserve_code_attempt(
        &self,
        interaction_hash: &str,
        recipient: &str,
        max: i64,
        now: i64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE verification_codes SET failures = failures + 1 \
             WHERE interaction_hash = $1 AND recipient = $2 AND failures < $3 \
             AND used_at IS NULL AND expires_at > $4",
        )
        .bind(interaction_hash)
        .bind(recipient)
        .bind(max)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Marks the code used. False when another request used it first.
    pub async fn consume_code(
        &self,
        interaction_hash: &str,
        recipient: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE verification_codes SET used_at = $1 \
             WHERE interaction_hash = $2 AND recipient = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(interaction_hash)
        .bind(recipient)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Messages sent to `recipient` since `since`, and the oldest of them.
    pub async fn sends_since(&self, recipient: &str, since: i64) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(sent_at) AS oldest FROM message_sends \
             WHERE recipient = $1 AND sent_at > $2",
        )
        .bind(recipient)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("n")?, row.try_get("oldest")?))
    }

    /// Counts one message sent to `recipient`.
    pub async fn record_send(&self, recipient: &str, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO message_sends (recipient, sent_at) VALUES ($1, $2)")
            .bind(recipient)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a message in the development outbox.
    pub async fn put_outbox(&self, m: &OutboxRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        // Sortable by time within one second (the page lists the newest first).
        .bind(format!(
            "{:020}-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
            uuid::Uuid::new_v4()
        ))
        .bind(&m.channel)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(m.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest messages of the outbox.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        Ok(sqlx::query_as(
            "SELECT channel, recipient, subject, body, created_at FROM outbox \
             ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

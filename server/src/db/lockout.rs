//! Failed-attempt counters and lockouts, in the database so every process sees them.

use super::{Db, Result};
use sqlx::Row;

impl Db {
    /// Counts one failure of `subject` and returns the failures since `since`.
    pub async fn record_failure(&self, subject: &str, now: i64, since: i64) -> Result<i64> {
        sqlx::query("INSERT INTO auth_failures (subject, at) VALUES ($1, $2)")
            .bind(subject)
            .bind(now)
            .execute(&self.pool)
            .await?;
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM auth_failures WHERE subject = $1 AND at > $2")
                .bind(subject)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("n")?)
    }

    /// Forgets the failures of `subject` (after a success).
    pub async fn clear_failures(&self, subject: &str) -> Result<()> {
        sqlx::query("DELETE FROM auth_failures WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Locks `subject` until `until`.
    pub async fn lock(&self, subject: &str, until: i64) -> Result<()> {
        let updated = sqlx::query("UPDATE lockouts SET until_at = $1 WHERE subject = $2")
            .bind(until)
            .bind(subject)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if updated == 0 {
            // A concurrent insert by another process wins; its lock is as long.
            let _ = sqlx::query("INSERT INTO lockouts (subject, until_at) VALUES ($1, $2)")
                .bind(subject)
                .bind(until)
                .execute(&self.pool)
                .await;
        }
        Ok(())
    }

    /// When the lock on `subject` ends, if it is locked now.
    pub async fn locked_until(&self, subject: &str, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT until_at FROM lockouts WHERE subject = $1 AND until_at > $2")
            .bind(subject)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("until_at")?),
            None => None,
        })
    }
}

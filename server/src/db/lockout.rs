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

    /// Forgets the failures of `subjects` (after a success), in one statement.
    pub async fn clear_failures(&self, subjects: &[&str]) -> Result<()> {
        if subjects.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM auth_failures WHERE subject IN ({})",
            placeholders(1, subjects.len())
        );
        let mut q = sqlx::query(&sql);
        for s in subjects {
            q = q.bind(*s);
        }
        q.execute(&self.pool).await?;
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

    /// When the last lock on any of `subjects` ends, if one is locked now: one query for
    /// the address, the identifier and the account of an attempt.
    pub async fn locked_until(&self, subjects: &[&str], now: i64) -> Result<Option<i64>> {
        if subjects.is_empty() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT until_at FROM lockouts WHERE until_at > $1 AND subject IN ({})",
            placeholders(2, subjects.len())
        );
        let mut q = sqlx::query(&sql).bind(now);
        for s in subjects {
            q = q.bind(*s);
        }
        let mut until = None;
        for row in q.fetch_all(&self.pool).await? {
            until = until.max(Some(row.try_get::<i64, _>("until_at")?));
        }
        Ok(until)
    }
}

/// `$first, $first+1, …`: `count` numbered parameters for an `IN (…)` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

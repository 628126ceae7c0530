//! The audit log's rows.

use super::{Db, Result};

/// A time-ordered event id: microseconds since 1970, strictly increasing within the
/// process, then random digits for uniqueness across processes. Sorting ids sorts events.
fn event_id() -> String {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    let mut last = LAST.load(Ordering::Relaxed);
    let stamp = loop {
        let next = micros.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(seen) => last = seen,
        }
    };
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{stamp:016}-{}", &suffix[..8])
}

/// One security event.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub kind: String,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    /// A JSON object, when the event has details.
    pub detail: Option<String>,
}

/// Which events to read.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub kind: Option<String>,
    /// Events at or after this Unix time.
    pub since: Option<i64>,
    pub limit: i64,
}

impl Db {
    /// Appends an event.
    pub async fn insert_audit_event(
        &self,
        kind: &str,
        user_id: Option<&str>,
        ip: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (id, at, kind, user_id, ip, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event_id())
        .bind(crate::crypto::now())
        .bind(kind)
        .bind(user_id)
        .bind(ip)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest events matching `q`, newest first (ids sort by time).
    pub async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditRow>> {
        // Placeholders are numbered in the order the conditions are added.
        let mut sql = String::from("SELECT id, at, kind, user_id, ip, detail FROM audit_events");
        let mut conditions = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if q.user_id.is_some() {
            conditions.push(format!("user_id = ${}", next()));
        }
        if q.kind.is_some() {
            conditions.push(format!("kind = ${}", next()));
        }
        if q.since.is_some() {
            conditions.push(format!("at >= ${}", next()));
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", next()));
        let mut query = sqlx::query_as::<_, AuditRow>(&sql);
        if let Some(u) = &q.user_id {
            query = query.bind(u);
        }
        if let Some(k) = &q.kind {
            query = query.bind(k);
        }
        if let Some(s) = q.since {
            query = query.bind(s);
        }
        Ok(query.bind(q.limit).fetch_all(&self.pool).await?)
    }
}

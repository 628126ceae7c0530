//! What users allowed applications on the consent screen.

use super::{Db, Result};

/// One user's consent to one application.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ConsentRow {
    pub client_id: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// Space-separated resource indicators.
    pub resources: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ConsentRow {
    /// The granted scopes.
    pub fn scope_list(&self) -> Vec<&str> {
        self.scopes.split_whitespace().collect()
    }

    /// The granted resources.
    pub fn resource_list(&self) -> Vec<&str> {
        self.resources.split_whitespace().collect()
    }
}

impl Db {
    /// What `user_id` allowed `client_id`, if anything.
    pub async fn consent(&self, user_id: &str, client_id: &str) -> Result<Option<ConsentRow>> {
        Ok(sqlx::query_as(
            "SELECT client_id, scopes, resources, created_at, updated_at FROM consents \
             WHERE user_id = $1 AND client_id = $2",
        )
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every application the user allowed, oldest first.
    pub async fn consents(&self, user_id: &str) -> Result<Vec<ConsentRow>> {
        Ok(sqlx::query_as(
            "SELECT client_id, scopes, resources, created_at, updated_at FROM consents \
             WHERE user_id = $1 ORDER BY created_at, client_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records the consent: the given scopes and resources are added to what was allowed.
    pub async fn grant_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        resources: &[String],
        now: i64,
    ) -> Result<()> {
        let old = self.consent(user_id, client_id).await?;
        let merge = |had: Vec<&str>, add: &[String]| {
            let mut all: Vec<String> = had.into_iter().map(String::from).collect();
            for a in add {
                if !all.contains(a) {
                    all.push(a.clone());
                }
            }
            all.join(" ")
        };
        match old {
            Some(row) => {
                sqlx::query(
                    "UPDATE consents SET scopes = $1, resources = $2, updated_at = $3 \
                     WHERE user_id = $4 AND client_id = $5",
                )
                .bind(merge(row.scope_list(), scopes))
                .bind(merge(row.resource_list(), resources))
                .bind(now)
                .bind(user_id)
                .bind(client_id)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO consents (user_id, client_id, scopes, resources, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(user_id)
                .bind(client_id)
                .bind(merge(Vec::new(), scopes))
                .bind(merge(Vec::new(), resources))
                .bind(now)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Withdraws a consent: the application's tokens for the user stop working, and it must
    /// ask again. Answers whether there was one.
    pub async fn revoke_consent(&self, user_id: &str, client_id: &str, now: i64) -> Result<bool> {
        let gone = sqlx::query("DELETE FROM consents WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND client_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(client_id)
        .execute(&self.pool)
        .await?;
        Ok(gone > 0)
    }
}

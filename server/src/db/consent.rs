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
    /// Space-separated organization ids (organization scopes).
    pub organizations: String,
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

    /// The organizations the application may see.
    pub fn organization_list(&self) -> Vec<&str> {
        self.organizations.split_whitespace().collect()
    }
}

impl Db {
    /// What `user_id` allowed `client_id`, if anything.
    pub async fn consent(&self, user_id: &str, client_id: &str) -> Result<Option<ConsentRow>> {
        Ok(sqlx::query_as(
            "SELECT client_id, scopes, resources, organizations, created_at, updated_at \
             FROM consents WHERE user_id = $1 AND client_id = $2",
        )
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every application the user allowed, oldest first.
    pub async fn consents(&self, user_id: &str) -> Result<Vec<ConsentRow>> {
        Ok(sqlx::query_as(
            "SELECT client_id, scopes, resources, organizations, created_at, updated_at \
             FROM consents WHERE user_id = $1 ORDER BY created_at, client_id",
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
        organizations: &[String],
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
        let (had_scopes, had_resources, had_orgs) = match &old {
            Some(row) => (
                row.scope_list(),
                row.resource_list(),
                row.organization_list(),
            ),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let sql = if old.is_some() {
            "UPDATE consents SET scopes = $1, resources = $2, organizations = $3, updated_at = $4 \
             WHERE user_id = $5 AND client_id = $6"
        } else {
            "INSERT INTO consents (scopes, resources, organizations, created_at, updated_at, \
             user_id, client_id) VALUES ($1, $2, $3, $4, $4, $5, $6)"
        };
        sqlx::query(sql)
            .bind(merge(had_scopes, scopes))
            .bind(merge(had_resources, resources))
            .bind(merge(had_orgs, organizations))
            .bind(now)
            .bind(user_id)
            .bind(client_id)
            .execute(&self.pool)
            .await?;
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

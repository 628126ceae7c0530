//! What the account center changes: personal access tokens, factors and identities the
//! user removes, the sessions they end, and the account itself.

use super::{Db, Result};

/// A personal access token (never its value: only the digest is stored).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PersonalTokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, expires_at, last_used_at";

impl Db {
    /// Stores a new personal access token.
    pub async fn insert_personal_token(
        &self,
        row: &PersonalTokenRow,
        token_hash: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(&row.user_id)
        .bind(&row.name)
        .bind(token_hash)
        .bind(row.created_at)
        .bind(row.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user's personal access tokens, newest first.
    pub async fn personal_tokens(&self, user_id: &str) -> Result<Vec<PersonalTokenRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM personal_access_tokens WHERE user_id = $1 \
             ORDER BY created_at DESC, id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The live token with this digest, recording its use.
    pub async fn use_personal_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<PersonalTokenRow>> {
        let row: Option<PersonalTokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM personal_access_tokens WHERE token_hash = $1 \
             AND (expires_at IS NULL OR expires_at > $2)"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(r) = &row {
            sqlx::query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&r.id)
                .execute(&self.pool)
                .await?;
        }
        Ok(row)
    }

    /// Deletes one of the user's tokens; whether there was one.
    pub async fn delete_personal_token(&self, user_id: &str, id: &str) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM personal_access_tokens WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Removes one of the user's factors; whether there was one.
    pub async fn delete_factor(&self, user_id: &str, id: &str) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM mfa_factors WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Renames one of the user's factors; whether there was one.
    pub async fn rename_factor(&self, user_id: &str, id: &str, name: &str) -> Result<bool> {
        Ok(
            sqlx::query("UPDATE mfa_factors SET name = $1 WHERE user_id = $2 AND id = $3")
                .bind(name)
                .bind(user_id)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Unlinks one of the user's identities; whether there was one.
    pub async fn delete_identity(
        &self,
        user_id: &str,
        connector: &str,
        subject: &str,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "DELETE FROM identities WHERE user_id = $1 AND connector = $2 AND subject = $3",
        )
        .bind(user_id)
        .bind(connector)
        .bind(subject)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Removes the user's email address (`phone`: phone number).
    pub async fn clear_contact(&self, user_id: &str, phone: bool, now: i64) -> Result<()> {
        let (column, flag) = if phone {
            ("phone", "phone_verified")
        } else {
            ("email", "email_verified")
        };
        sqlx::query(&format!(
            "UPDATE users SET {column} = NULL, {flag} = 0, updated_at = $1 WHERE id = $2"
        ))
        .bind(now)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes the account and everything that hangs off it (the foreign keys cascade; the
    /// rows keyed by address or subject are removed here).
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM auth_failures WHERE subject = $1",
            "DELETE FROM lockouts WHERE subject = $1",
        ] {
            sqlx::query(sql)
                .bind(format!("user:{user_id}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

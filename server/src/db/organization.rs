//! Organizations, their members and their invitations.

use super::{Db, DbError, Result};

/// An organization.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The look on the sign-in pages, JSON (`crate::organization::OrgBranding`).
    pub branding: Option<String>,
    pub mfa_required: i64,
    /// Space-separated email domains whose verified users join by themselves.
    pub jit_domains: String,
    pub created_at: i64,
}

impl OrganizationRow {
    /// The domains of just-in-time membership.
    pub fn domains(&self) -> Vec<&str> {
        self.jit_domains.split_whitespace().collect()
    }
}

/// One member of an organization, with what the member list shows.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct MembershipRow {
    pub organization_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub profile: Option<String>,
}

impl MembershipRow {
    /// What the member list calls the member.
    pub fn label(&self) -> String {
        super::label_of(
            &self.user_id,
            self.username.as_deref(),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.profile.as_deref(),
        )
    }
}

/// An invitation to an organization.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl InvitationRow {
    /// Not accepted, not revoked, not expired.
    pub fn is_open(&self, now: i64) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

const ORG_COLUMNS: &str = "id, name, description, branding, mfa_required, jit_domains, created_at";
const MEMBER_COLUMNS: &str = "m.organization_id, m.user_id, m.role, m.created_at, u.username, \
                              u.email, u.phone, u.profile";
const INVITATION_COLUMNS: &str = "id, organization_id, email, role, invited_by, created_at, \
                                  expires_at, accepted_at, revoked_at";

impl Db {
    /// Creates an organization with its first admin.
    pub async fn insert_organization(
        &self,
        org: &OrganizationRow,
        admin: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO organizations (id, name, description, branding, mfa_required, \
             jit_domains, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(&org.description)
        .bind(&org.branding)
        .bind(org.mfa_required)
        .bind(&org.jit_domains)
        .bind(org.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at) \
             VALUES ($1, $2, 'admin', $3)",
        )
        .bind(&org.id)
        .bind(admin)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organization with this id.
    pub async fn organization(&self, id: &str) -> Result<Option<OrganizationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Organizations with just-in-time domains (few: checked at each sign-in).
    pub async fn organizations_with_domains(&self) -> Result<Vec<OrganizationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE jit_domains <> '' ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Saves an organization's settings.
    pub async fn update_organization(&self, org: &OrganizationRow, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE organizations SET name = $1, description = $2, branding = $3, \
             mfa_required = $4, jit_domains = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&org.name)
        .bind(&org.description)
        .bind(&org.branding)
        .bind(org.mfa_required)
        .bind(&org.jit_domains)
        .bind(now)
        .bind(&org.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes an organization (its members and invitations go with it).
    pub async fn delete_organization(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user's organizations with the user's role, by name.
    pub async fn user_organizations(
        &self,
        user_id: &str,
    ) -> Result<Vec<(OrganizationRow, String)>> {
        #[derive(sqlx::FromRow)]
        struct WithRole {
            #[sqlx(flatten)]
            org: OrganizationRow,
            role: String,
        }
        let rows: Vec<WithRole> = sqlx::query_as(
            "SELECT o.id, o.name, o.description, o.branding, o.mfa_required, o.jit_domains, \
             o.created_at, m.role FROM organizations o JOIN organization_members m \
             ON m.organization_id = o.id WHERE m.user_id = $1 ORDER BY o.name, o.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| (r.org, r.role)).collect())
    }

    /// The user's role in the organization, if a member.
    pub async fn member_role(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The organization's members, admins first.
    pub async fn members(&self, organization_id: &str) -> Result<Vec<MembershipRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {MEMBER_COLUMNS} FROM organization_members m JOIN users u ON u.id = m.user_id \
             WHERE m.organization_id = $1 ORDER BY m.role, m.created_at, m.user_id"
        ))
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many admins the organization has.
    pub async fn admin_count(&self, organization_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM organization_members WHERE organization_id = $1 AND role = 'admin'",
        )
        .bind(organization_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Adds a member. `Conflict` when the user is one already.
    pub async fn add_member(
        &self,
        organization_id: &str,
        user_id: &str,
        role: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO organization_members (organization_id, user_id, role, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(organization_id)
        .bind(user_id)
        .bind(role)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// Changes a member's role; whether the user is a member.
    pub async fn set_member_role(
        &self,
        organization_id: &str,
        user_id: &str,
        role: &str,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE organization_members SET role = $1 WHERE organization_id = $2 AND user_id = $3",
        )
        .bind(role)
        .bind(organization_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Removes a member; whether the user was one.
    pub async fn remove_member(&self, organization_id: &str, user_id: &str) -> Result<bool> {
        Ok(sqlx::query(
            "DELETE FROM organization_members WHERE organization_id = $1 AND user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Stores an invitation (the link's token as its digest).
    pub async fn insert_invitation(&self, inv: &InvitationRow, token_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO organization_invitations (id, organization_id, email, role, invited_by, \
             token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&inv.id)
        .bind(&inv.organization_id)
        .bind(&inv.email)
        .bind(&inv.role)
        .bind(&inv.invited_by)
        .bind(token_hash)
        .bind(inv.created_at)
        .bind(inv.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The invitation of a link's token.
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<InvitationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM organization_invitations WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The organization's open invitations, newest first.
    pub async fn open_invitations(
        &self,
        organization_id: &str,
        now: i64,
    ) -> Result<Vec<InvitationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM organization_invitations \
             WHERE organization_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $2 ORDER BY created_at DESC, id"
        ))
        .bind(organization_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Open invitations to an address (canonical email), newest first.
    pub async fn invitations_for(&self, email: &str, now: i64) -> Result<Vec<InvitationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM organization_invitations \
             WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $2 ORDER BY created_at DESC, id"
        ))
        .bind(email)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes an open invitation of the organization; whether there was one.
    pub async fn revoke_invitation(
        &self,
        organization_id: &str,
        id: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE organization_invitations SET revoked_at = $1 WHERE organization_id = $2 \
             AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Marks an open invitation accepted, once: false when it was accepted, revoked or
    /// expired meanwhile (a second click, a concurrent request).
    pub async fn accept_invitation(&self, id: &str, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE organization_invitations SET accepted_at = $1 WHERE id = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Revokes the tokens issued for the organization (all of them, or one user's).
    pub async fn revoke_organization_tokens(
        &self,
        organization_id: &str,
        user_id: Option<&str>,
        now: i64,
    ) -> Result<u64> {
        let sql = match user_id {
            Some(_) => {
                "UPDATE tokens SET revoked_at = $1 WHERE organization_id = $2 AND user_id = $3 \
                 AND revoked_at IS NULL"
            }
            None => {
                "UPDATE tokens SET revoked_at = $1 WHERE organization_id = $2 AND revoked_at IS NULL"
            }
        };
        let mut q = sqlx::query(sql).bind(now).bind(organization_id);
        if let Some(u) = user_id {
            q = q.bind(u);
        }
        Ok(q.execute(&self.pool).await?.rows_affected())
    }
}

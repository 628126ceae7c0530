//! Organizations: created by users (who become their first admin), with members in two
//! roles, invitations by email (a single-use link, accepted by the invited address, signing
//! up or in on the way), settings (name, look, a second factor for its sign-ins,
//! just-in-time membership by verified email domain), leaving, and deletion. An
//! organization always keeps an admin.

use super::{Ctx, Screen};
use crate::config::BrandingConfig;
use crate::crypto::{now, random_token, token_hash};
use crate::db::{DbError, InvitationRow, OrganizationRow, UserRow};
use crate::error::AppError;
use crate::state::AppState;
use app::api::{AccountNotice, FormErrors, UiError, ROLE_ADMIN, ROLE_MEMBER};

/// The list of the user's organizations.
pub const ORGANIZATIONS_SCREEN: Screen = super::account::screen("/account/organizations");
/// The invitation landing page.
pub const INVITATION_PATH: &str = "/invitation";

/// The page of organization `id`.
pub fn page_path(id: &str) -> String {
    format!("{}/{id}", ORGANIZATIONS_SCREEN.path)
}

/// Where an organization action leads, with what to say there.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub path: String,
    pub notice: AccountNotice,
}

/// An organization action's outcome.
pub type OrgResult = Result<Result<Done, FormErrors>, AppError>;

fn refused(e: UiError) -> OrgResult {
    Ok(Err(FormErrors::form(e)))
}

fn named(name: &str, e: UiError) -> FormErrors {
    FormErrors {
        named: vec![(name.into(), e)],
        ..Default::default()
    }
}

fn done(path: String, notice: AccountNotice) -> OrgResult {
    Ok(Ok(Done { path, notice }))
}

/// The organization's look on the sign-in pages, as stored.
pub fn branding_of(org: &OrganizationRow) -> BrandingConfig {
    org.branding
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default()
}

fn editable(state: &AppState) -> bool {
    state.config.account.enabled && state.config.account.fields.organizations.editable()
}

/// The organization and the user's role in it, when the user is a member.
async fn membership(
    state: &AppState,
    org: &str,
    user: &UserRow,
) -> Result<Option<(OrganizationRow, String)>, AppError> {
    let Some(o) = state.db.organization(org).await? else {
        return Ok(None);
    };
    Ok(state
        .db
        .member_role(&o.id, &user.id)
        .await?
        .map(|role| (o, role)))
}

/// The organization, when `user` administers it (else why not).
async fn admin_org(
    state: &AppState,
    org: &str,
    user: &UserRow,
) -> Result<Result<OrganizationRow, UiError>, AppError> {
    if !editable(state) {
        return Ok(Err(UiError::ReadOnly));
    }
    Ok(match membership(state, org, user).await? {
        Some((o, role)) if role == ROLE_ADMIN => Ok(o),
        Some(_) => Err(UiError::NotAdmin),
        None => Err(UiError::FormExpired),
    })
}

fn check_name(name: &str) -> Result<(), UiError> {
    app::api::rules::text(name, true, Some(1), Some(128))
}

/// Creates an organization; its creator is its admin.
pub async fn create(state: &AppState, user: &UserRow, name: &str, description: &str) -> OrgResult {
    if !editable(state) || !state.config.organizations.user_creation {
        return refused(UiError::ReadOnly);
    }
    let (name, description) = (name.trim(), description.trim());
    if let Err(e) = check_name(name) {
        return Ok(Err(named("name", e)));
    }
    if let Err(e) = app::api::rules::text(description, false, None, Some(512)) {
        return Ok(Err(named("description", e)));
    }
    let now = now();
    let org = OrganizationRow {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        description: description.into(),
        branding: None,
        mfa_required: 0,
        jit_domains: String::new(),
        created_at: now,
    };
    state.db.insert_organization(&org, &user.id, now).await?;
    tracing::info!(user = %user.id, organization = %org.id, "organization created");
    done(page_path(&org.id), AccountNotice::OrganizationCreated)
}

/// A `#rrggbb` colour, or nothing.
fn check_colour(v: &str) -> Result<(), UiError> {
    let ok = v.is_empty()
        || (v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(UiError::PatternMismatch)
    }
}

/// Email domains for just-in-time membership: lower-case host names, space separated.
fn parse_domains(v: &str) -> Result<Vec<String>, UiError> {
    let mut out = Vec::new();
    for d in v.split(|c: char| c.is_whitespace() || c == ',') {
        let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        if d.is_empty() {
            continue;
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !d.contains('.') || !d.split('.').all(label_ok) || out.len() >= 20 {
            return Err(UiError::PatternMismatch);
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Saves an organization's settings (admins).
pub async fn save(
    state: &AppState,
    user: &UserRow,
    org: &str,
    input: &[(String, String)],
) -> OrgResult {
    let mut o = match admin_org(state, org, user).await? {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    let get = |n: &str| {
        input
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = FormErrors::default();
    let (name, description, logo, colour, domains) = (
        get("name"),
        get("description"),
        get("logo_url"),
        get("color"),
        get("domains"),
    );
    let mut check = |n: &str, r: Result<(), UiError>| {
        if let Err(e) = r {
            errors.named.push((n.into(), e));
        }
    };
    check("name", check_name(&name));
    check(
        "description",
        app::api::rules::text(&description, false, None, Some(512)),
    );
    // Only https logos: the pages' image policy allows no plain-http images.
    check(
        "logo_url",
        app::api::rules::url(&logo, false).and_then(|_| {
            if logo.is_empty() || logo.starts_with("https://") {
                Ok(())
            } else {
                Err(UiError::InvalidUrl)
            }
        }),
    );
    check("color", check_colour(&colour));
    let domains = match parse_domains(&domains) {
        Ok(d) => d,
        Err(e) => {
            errors.named.push(("domains".into(), e));
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut branding = branding_of(&o);
    branding.name = Some(name.clone());
    branding.logo_url = (!logo.is_empty()).then_some(logo);
    branding.primary_color = (!colour.is_empty()).then_some(colour);
    o.name = name;
    o.description = description;
    o.branding = Some(serde_json::to_string(&branding)?);
    o.mfa_required = i64::from(get("mfa_required") == "on");
    o.jit_domains = domains.join(" ");
    state.db.update_organization(&o, now()).await?;
    tracing::info!(user = %user.id, organization = %o.id, "organization settings saved");
    done(page_path(&o.id), AccountNotice::Saved)
}

/// The canonical form of an invited address.
fn canonical_email(state: &AppState, raw: &str) -> Result<String, UiError> {
    super::magic_link::canonical_email(state, raw).map(|i| i.value)
}

/// Invites an address with a role (admins): the link is mailed, and works once.
pub async fn invite(
    ctx: &Ctx<'_>,
    user: &UserRow,
    org: &str,
    raw_email: &str,
    role: &str,
) -> Result<Result<(Done, String), FormErrors>, AppError> {
    let state = ctx.state;
    let o = match admin_org(state, org, user).await? {
        Ok(o) => o,
        Err(e) => return Ok(Err(FormErrors::form(e))),
    };
    let email = match canonical_email(state, raw_email) {
        Ok(e) => e,
        Err(e) => return Ok(Err(named("email", e))),
    };
    if role != ROLE_ADMIN && role != ROLE_MEMBER {
        return Ok(Err(named("role", UiError::InvalidOption)));
    }
    if let Some(existing) = state.db.user_by_email(&email).await? {
        if state.db.member_role(&o.id, &existing.id).await?.is_some() {
            return Ok(Err(named("email", UiError::AlreadyMember)));
        }
    }
    if let Some(limited) = super::verify_code::send_limit(ctx, &email).await? {
        return Ok(Err(FormErrors::form(limited)));
    }
    let token = random_token();
    let now = now();
    let ttl = state.config.organizations.invitation_ttl_secs;
    let inv = InvitationRow {
        id: uuid::Uuid::new_v4().to_string(),
        organization_id: o.id.clone(),
        email: email.clone(),
        role: role.into(),
        invited_by: Some(user.id.clone()),
        created_at: now,
        expires_at: now + ttl,
        accepted_at: None,
        revoked_at: None,
    };
    state
        .db
        .insert_invitation(&inv, &token_hash(&token))
        .await?;
    super::verify_code::record_send(ctx, &email).await?;
    let link = invitation_link(state, &token);
    let message = crate::messaging::organization_invitation_message(
        &email,
        &o.name,
        &user.label(),
        &link,
        ttl / 3600,
        ctx.locale,
    );
    if let Err(e) = state.messenger.send(&state.db, &message).await {
        tracing::error!(error = %e, "invitation not sent");
        state.db.revoke_invitation(&o.id, &inv.id, now).await?;
        return Ok(Err(FormErrors::form(UiError::SendFailed)));
    }
    tracing::info!(user = %user.id, organization = %o.id, invitation = %inv.id, "invitation sent");
    Ok(Ok((
        Done {
            path: page_path(&o.id),
            notice: AccountNotice::InvitationSent,
        },
        inv.id,
    )))
}

/// The link of an invitation's token.
pub fn invitation_link(state: &AppState, token: &str) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    format!("{}{INVITATION_PATH}?{q}", state.issuer)
}

/// Revokes an open invitation (admins).
pub async fn revoke_invitation(state: &AppState, user: &UserRow, org: &str, id: &str) -> OrgResult {
    let o = match admin_org(state, org, user).await? {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    if !state.db.revoke_invitation(&o.id, id, now()).await? {
        return refused(UiError::InvitationSpent);
    }
    done(page_path(&o.id), AccountNotice::InvitationRevoked)
}

/// Changes a member's role (admins); the last admin stays one.
pub async fn set_role(
    state: &AppState,
    user: &UserRow,
    org: &str,
    member: &str,
    role: &str,
) -> OrgResult {
    let o = match admin_org(state, org, user).await? {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    if role != ROLE_ADMIN && role != ROLE_MEMBER {
        return refused(UiError::InvalidOption);
    }
    let Some(current) = state.db.member_role(&o.id, member).await? else {
        return refused(UiError::FormExpired);
    };
    if current == ROLE_ADMIN && role != ROLE_ADMIN && state.db.admin_count(&o.id).await? <= 1 {
        return refused(UiError::LastAdmin);
    }
    state.db.set_member_role(&o.id, member, role).await?;
    tracing::info!(user = %user.id, organization = %o.id, member, role, "member role changed");
    done(page_path(&o.id), AccountNotice::RoleChanged)
}

/// Removes a member (admins); never the last admin.
pub async fn remove_member(state: &AppState, user: &UserRow, org: &str, member: &str) -> OrgResult {
    let o = match admin_org(state, org, user).await? {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    let Some(role) = state.db.member_role(&o.id, member).await? else {
        return refused(UiError::FormExpired);
    };
    if role == ROLE_ADMIN && state.db.admin_count(&o.id).await? <= 1 {
        return refused(UiError::LastAdmin);
    }
    state.db.remove_member(&o.id, member).await?;
    state
        .db
        .revoke_organization_tokens(&o.id, Some(member), now())
        .await?;
    tracing::info!(user = %user.id, organization = %o.id, member, "member removed");
    done(page_path(&o.id), AccountNotice::MemberRemoved)
}

/// Leaves an organization; the last admin cannot (they make someone else admin, or delete
/// the organization).
pub async fn leave(state: &AppState, user: &UserRow, org: &str) -> OrgResult {
    if !editable(state) {
        return refused(UiError::ReadOnly);
    }
    let Some((o, role)) = membership(state, org, user).await? else {
        return refused(UiError::FormExpired);
    };
    if role == ROLE_ADMIN && state.db.admin_count(&o.id).await? <= 1 {
        return refused(UiError::LastAdmin);
    }
    state.db.remove_member(&o.id, &user.id).await?;
    state
        .db
        .revoke_organization_tokens(&o.id, Some(&user.id), now())
        .await?;
    tracing::info!(user = %user.id, organization = %o.id, "left the organization");
    done(
        ORGANIZATIONS_SCREEN.path.into(),
        AccountNotice::LeftOrganization,
    )
}

/// Deletes an organization (admins): its memberships and invitations go with it.
pub async fn delete(state: &AppState, user: &UserRow, org: &str) -> OrgResult {
    let o = match admin_org(state, org, user).await? {
        Ok(o) => o,
        Err(e) => return refused(e),
    };
    state
        .db
        .revoke_organization_tokens(&o.id, None, now())
        .await?;
    state.db.delete_organization(&o.id).await?;
    tracing::info!(user = %user.id, organization = %o.id, "organization deleted");
    done(
        ORGANIZATIONS_SCREEN.path.into(),
        AccountNotice::OrganizationDeleted,
    )
}

/// Where an invitation stands for the browser's user.
pub enum Standing {
    /// Used, revoked, expired, or unknown.
    Spent,
    /// Open, and for this user's address.
    Theirs(InvitationRow, OrganizationRow),
    /// Open, for another address than the signed-in user's (or nobody is signed in).
    Other(InvitationRow, OrganizationRow),
}

/// The invitation of a link's token, as it stands for `user`.
pub async fn by_token(
    state: &AppState,
    token: &str,
    user: Option<&UserRow>,
) -> Result<Standing, AppError> {
    let Some(inv) = state.db.invitation_by_token(&token_hash(token)).await? else {
        return Ok(Standing::Spent);
    };
    standing(state, inv, user).await
}

async fn standing(
    state: &AppState,
    inv: InvitationRow,
    user: Option<&UserRow>,
) -> Result<Standing, AppError> {
    if !inv.is_open(now()) {
        return Ok(Standing::Spent);
    }
    let Some(org) = state.db.organization(&inv.organization_id).await? else {
        return Ok(Standing::Spent);
    };
    Ok(
        if user.is_some_and(|u| u.email.as_deref() == Some(inv.email.as_str())) {
            Standing::Theirs(inv, org)
        } else {
            Standing::Other(inv, org)
        },
    )
}

/// Accepts an invitation for `user` (the invited address), once. The link proved the
/// mailbox, so an unverified address of the account becomes verified.
async fn accept(
    state: &AppState,
    user: &UserRow,
    inv: &InvitationRow,
    org: &OrganizationRow,
    by_link: bool,
) -> OrgResult {
    if !state.db.accept_invitation(&inv.id, now()).await? {
        return refused(UiError::InvitationSpent);
    }
    match state
        .db
        .add_member(&org.id, &user.id, &inv.role, now())
        .await
    {
        Ok(()) | Err(DbError::Conflict) => {}
        Err(e) => return Err(e.into()),
    }
    if by_link && user.email_verified == 0 {
        state.db.set_verified(&user.id, false, now()).await?;
    }
    tracing::info!(user = %user.id, organization = %org.id, role = %inv.role, "invitation accepted");
    done(page_path(&org.id), AccountNotice::InvitationAccepted)
}

/// Accepts the invitation of a link's token.
pub async fn accept_token(state: &AppState, user: &UserRow, token: &str) -> OrgResult {
    if !editable(state) {
        return refused(UiError::ReadOnly);
    }
    match by_token(state, token, Some(user)).await? {
        Standing::Theirs(inv, org) => accept(state, user, &inv, &org, true).await,
        Standing::Other(..) => refused(UiError::InvitationOtherAddress),
        Standing::Spent => refused(UiError::InvitationSpent),
    }
}

/// The open invitations to the user's verified address.
pub async fn for_user(
    state: &AppState,
    user: &UserRow,
) -> Result<Vec<(InvitationRow, OrganizationRow)>, AppError> {
    let Some(email) = user.email.as_deref().filter(|_| user.email_verified == 1) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for inv in state.db.invitations_for(email, now()).await? {
        if let Some(org) = state.db.organization(&inv.organization_id).await? {
            if state.db.member_role(&org.id, &user.id).await?.is_none() {
                out.push((inv, org));
            }
        }
    }
    Ok(out)
}

/// Accepts (or declines) one of the invitations listed for the user's verified address.
pub async fn answer_listed(
    state: &AppState,
    user: &UserRow,
    id: &str,
    accept_it: bool,
) -> OrgResult {
    if !editable(state) {
        return refused(UiError::ReadOnly);
    }
    let Some((inv, org)) = for_user(state, user)
        .await?
        .into_iter()
        .find(|(i, _)| i.id == id)
    else {
        return refused(UiError::InvitationSpent);
    };
    if accept_it {
        accept(state, user, &inv, &org, false).await
    } else {
        decline(state, &inv).await
    }
}

/// Declines the invitation of a link's token (for the invited address only).
pub async fn decline_token(state: &AppState, user: &UserRow, token: &str) -> OrgResult {
    if !editable(state) {
        return refused(UiError::ReadOnly);
    }
    match by_token(state, token, Some(user)).await? {
        Standing::Theirs(inv, _) => decline(state, &inv).await,
        Standing::Other(..) => refused(UiError::InvitationOtherAddress),
        Standing::Spent => refused(UiError::InvitationSpent),
    }
}

async fn decline(state: &AppState, inv: &InvitationRow) -> OrgResult {
    state
        .db
        .revoke_invitation(&inv.organization_id, &inv.id, now())
        .await?;
    done(
        ORGANIZATIONS_SCREEN.path.into(),
        AccountNotice::InvitationDeclined,
    )
}

/// Just-in-time membership: a user with a verified address at a domain an organization
/// lists joins it as a member (at sign-in, and when the address changes).
pub async fn join_by_domain(state: &AppState, user: &UserRow) -> Result<(), AppError> {
    let Some(domain) = user
        .email
        .as_deref()
        .filter(|_| user.email_verified == 1)
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, d)| d.to_ascii_lowercase())
    else {
        return Ok(());
    };
    for org in state.db.organizations_with_domains().await? {
        if !org.domains().contains(&domain.as_str()) {
            continue;
        }
        match state
            .db
            .add_member(&org.id, &user.id, ROLE_MEMBER, now())
            .await
        {
            Ok(()) => {
                tracing::info!(user = %user.id, organization = %org.id, "joined by email domain")
            }
            Err(DbError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Whether organization `id` requires a second factor of its sign-ins.
pub async fn requires_mfa(state: &AppState, id: Option<&str>) -> Result<bool, AppError> {
    let Some(id) = id else {
        return Ok(false);
    };
    Ok(state
        .db
        .organization(id)
        .await?
        .is_some_and(|o| o.mfa_required == 1))
}

// ---- the screens' form ----

/// The invitation page of a token (a local path).
fn invitation_path(token: &str) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    format!("{INVITATION_PATH}?{q}")
}

/// "Sign in or create an account to accept": a new flow that comes back to the invitation,
/// with the invited address filled in. The link proved the mailbox, so the address may
/// register (even where registration is closed) without another code.
async fn sign_in_to_accept(
    state: &AppState,
    token: &str,
) -> Result<app::port::Submitted, AppError> {
    let Standing::Other(inv, _) = by_token(state, token, None).await? else {
        return Ok(super::go(invitation_path(token), Vec::new()));
    };
    let (mut flow, cookies) = super::new_direct_flow(state).await?;
    let email =
        crate::identifier::Identifier::new(crate::config::IdentifierKind::Email, inv.email.clone());
    flow.progress.return_to = Some(invitation_path(token));
    let exists = state.db.user_by_email(&inv.email).await?.is_some();
    flow.progress.invited = Some(inv.email.clone());
    if !exists {
        flow.progress.identifier = Some(email.clone());
        flow.progress.verified.push(email);
    }
    super::save_progress(state, &flow).await?;
    let to = if exists {
        let memory = super::FormMemory {
            screen: super::sign_in::SCREEN.key.into(),
            values: vec![(app::api::Field::Identifier, inv.email.clone())],
            ..Default::default()
        };
        super::remember(state, &flow, &memory).await?;
        super::sign_in::SCREEN.path
    } else {
        super::register::SCREEN.path
    };
    Ok(super::go(to, cookies))
}

/// `POST /flow/organization`: every organization form, and the invitation page's.
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let outcome = async {
        let p = |n: &str| super::pair(&pairs, n);
        let (action, org, token) = (p("action"), p("organization"), p("token"));
        // Where errors show: the invitation, the organization, or the list.
        let back = if !token.is_empty() {
            invitation_path(token)
        } else if !org.is_empty() && action != "leave" && action != "delete_organization" {
            page_path(org)
        } else {
            ORGANIZATIONS_SCREEN.path.to_string()
        };
        let (flow, cookies) = super::ensure_flow(&state, &parts.headers).await?;
        let reply = async |memory: super::FormMemory, to: String| {
            super::remember(&state, &flow, &memory).await?;
            Ok::<_, AppError>(super::go(to, cookies.clone()))
        };
        let memory_of = |screen: &str, errors: FormErrors| super::FormMemory {
            screen: screen.into(),
            errors,
            named_values: pairs
                .iter()
                .filter(|(k, _)| k != "csrf" && k != "action")
                .take(32)
                .map(|(k, v)| (k.clone(), v.chars().take(256).collect()))
                .collect(),
            ..Default::default()
        };
        let screen_of = |path: &str| path.split('?').next().unwrap_or(path).to_string();
        if !super::csrf_ok(&state, &parts, p("csrf")) {
            let m = memory_of(&screen_of(&back), FormErrors::form(UiError::FormExpired));
            return reply(m, back).await;
        }
        let session = crate::oidc::authorize::current_session(&state, &parts.headers).await?;
        match (action, session) {
            ("invitation_sign_in", None) => sign_in_to_accept(&state, token).await,
            ("invitation_switch", Some((s, _))) => {
                super::sign_out::end_session(&state, &s, None).await?;
                let mut out = sign_in_to_accept(&state, token).await?;
                out.set_cookies
                    .push(state.cookies.clear(crate::web::CookieName::Session));
                Ok(out)
            }
            (_, None) => Ok(super::go(back, Vec::new())),
            (_, Some((_, user))) => {
                let ctx = Ctx::new(&state, &parts.headers, &parts.extensions, Some(&flow));
                let result = match action {
                    "create_organization" => {
                        create(&state, &user, p("name"), p("description")).await?
                    }
                    "save_organization" => save(&state, &user, org, &pairs).await?,
                    "invite" => invite(&ctx, &user, org, p("email"), p("role"))
                        .await?
                        .map(|(d, _)| d),
                    "revoke_invitation" => {
                        revoke_invitation(&state, &user, org, p("invitation")).await?
                    }
                    "set_role" => set_role(&state, &user, org, p("user"), p("role")).await?,
                    "remove_member" => remove_member(&state, &user, org, p("user")).await?,
                    "leave" => leave(&state, &user, org).await?,
                    "delete_organization" => delete(&state, &user, org).await?,
                    "accept_invitation" if !token.is_empty() => {
                        accept_token(&state, &user, token).await?
                    }
                    "decline_invitation" if !token.is_empty() => {
                        decline_token(&state, &user, token).await?
                    }
                    "accept_invitation" => {
                        answer_listed(&state, &user, p("invitation"), true).await?
                    }
                    "decline_invitation" => {
                        answer_listed(&state, &user, p("invitation"), false).await?
                    }
                    _ => Err(FormErrors::form(UiError::FormExpired)),
                };
                match result {
                    Ok(d) => {
                        let m = super::FormMemory {
                            screen: d.path.clone(),
                            notice: Some(app::api::Notice::Account(d.notice)),
                            ..Default::default()
                        };
                        reply(m, d.path).await
                    }
                    Err(errors) => {
                        let m = memory_of(&screen_of(&back), errors);
                        reply(m, back).await
                    }
                }
            }
        }
    }
    .await;
    super::redirect(outcome)
}

/// The organizations application `client_id` may see of the user: all of them for the
/// operator's own applications, those the user allowed for others.
pub async fn visible_to(
    state: &AppState,
    client_id: &str,
    user_id: &str,
) -> Result<Vec<(OrganizationRow, String)>, AppError> {
    let all = state.db.user_organizations(user_id).await?;
    if state.client(client_id).is_some_and(|c| c.first_party) {
        return Ok(all);
    }
    let allowed = state
        .db
        .consent(user_id, client_id)
        .await?
        .map(|c| {
            c.organization_list()
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Ok(all
        .into_iter()
        .filter(|(o, _)| allowed.contains(&o.id))
        .collect())
}

/// The organization claims of a token: `organization_id` for a request that named one,
/// `organizations` (ids) with the `organizations` scope, `organization_roles`
/// (`<id>:<role>`) with the `organization_roles` scope.
pub async fn claims(
    state: &AppState,
    client_id: &str,
    user_id: &str,
    scopes: &[&str],
    organization_id: Option<&str>,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    let mut out = serde_json::Map::new();
    if let Some(org) = organization_id {
        out.insert("organization_id".into(), org.into());
    }
    let ids = scopes.contains(&"organizations");
    let roles = scopes.contains(&"organization_roles");
    if !ids && !roles {
        return Ok(out);
    }
    let visible = visible_to(state, client_id, user_id).await?;
    if ids {
        let list: Vec<&str> = visible.iter().map(|(o, _)| o.id.as_str()).collect();
        out.insert("organizations".into(), serde_json::json!(list));
    }
    if roles {
        let list: Vec<String> = visible
            .iter()
            .map(|(o, r)| format!("{}:{r}", o.id))
            .collect();
        out.insert("organization_roles".into(), serde_json::json!(list));
    }
    Ok(out)
}

//! Signing in with another identity provider: starting at the provider, coming back from it,
//! and deciding which local account the upstream identity is. Identities are keyed by
//! (connector, subject). An email address links automatically only when the connector trusts
//! the provider's verification; otherwise the owner of the existing account proves it in this
//! flow (any sign-in method) before anything is linked. Every path ends in `finish_sign_in`,
//! so a local second factor is still asked for unless the connector trusts the upstream one.

use super::{finish_sign_in, save_progress, Ctx, Event, Flow, Next, Screen, StepResult};
use crate::config::IdentifierKind;
use crate::crypto::{ct_eq, now};
use crate::db::{DbError, NewUser};
use crate::federation::{client, Connector, ConnectorKind};
use crate::identifier;
use app::api::{FormErrors, UiError};
use serde::{Deserialize, Serialize};

/// The work-email screen of enterprise single sign-on.
pub const SSO_SCREEN: Screen = Screen {
    key: "sso",
    path: "/sso",
};
/// The screen that asks what to do with a new upstream identity.
pub const LINK_SCREEN: Screen = Screen {
    key: "link",
    path: "/federation/link",
};

/// An authorization request sent to a provider, waiting for its answer. Single use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outstanding {
    pub connector: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub started_at: i64,
}

/// An upstream identity no local account has yet, waiting to be linked or to become a new
/// account. Bound to this flow: only a sign-in finished in this flow can claim it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingIdentity {
    pub connector: String,
    pub subject: String,
    /// The provider's email address, when it gave one.
    pub email: Option<String>,
    /// Whether that address counts as verified here (a trusted provider said so).
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    /// The provider proved a second factor and the connector trusts it.
    pub mfa: bool,
    /// An account with this verified email exists: it must be linked, not duplicated.
    pub collision: bool,
}

/// The `amr` of a federated sign-in.
fn amr(mfa: bool) -> &'static str {
    if mfa {
        "fed fedmfa"
    } else {
        "fed"
    }
}

/// Sends the user to the provider of connector `id`.
pub async fn start(ctx: &Ctx<'_>, flow: &mut Flow, id: &str) -> StepResult {
    let state = ctx.state;
    let Some(c) = state.connectors.get(id) else {
        return Ok(Err(FormErrors::form(UiError::FederationUnknown)));
    };
    match client::start(&state.http, &state.connectors.discovered, &state.issuer, c).await {
        Ok(s) => {
            flow.progress.federation = Some(Outstanding {
                connector: c.id.clone(),
                state: s.state,
                nonce: s.nonce,
                pkce_verifier: s.pkce_verifier,
                started_at: now(),
            });
            save_progress(state, flow).await?;
            Ok(Ok(Next::Redirect(s.url)))
        }
        Err(e) => {
            tracing::warn!(connector = %c.id, error = %e, "identity provider unavailable");
            Ok(Err(failed(c)))
        }
    }
}

fn failed(c: &Connector) -> FormErrors {
    FormErrors::form(UiError::FederationFailed {
        provider: c.name.clone(),
    })
}

/// What the provider sent back to the callback.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The provider's answer: checks it belongs to this flow's request, exchanges the code, and
/// signs in, links or creates the account.
pub async fn callback(ctx: &Ctx<'_>, flow: &mut Flow, id: &str, cb: &Callback) -> StepResult {
    let state = ctx.state;
    let Some(c) = state.connectors.get(id) else {
        return Ok(Err(FormErrors::form(UiError::FederationUnknown)));
    };
    // Consumed before anything else, so that a replayed answer finds nothing.
    let outstanding = flow.progress.federation.take();
    save_progress(state, flow).await?;
    let Some(out) = outstanding
        .filter(|o| o.connector == c.id && cb.state.as_deref().is_some_and(|s| ct_eq(s, &o.state)))
    else {
        tracing::warn!(connector = %c.id, "provider answer without a matching request (state)");
        return Ok(Err(failed(c)));
    };
    if now() - out.started_at > state.config.session.interaction_ttl_secs {
        return Ok(Err(failed(c)));
    }
    if let Some(error) = &cb.error {
        tracing::info!(connector = %c.id, error, description = ?cb.error_description, "provider refused");
        return Ok(Err(FormErrors::form(if error == "access_denied" {
            UiError::FederationCancelled {
                provider: c.name.clone(),
            }
        } else {
            UiError::FederationFailed {
                provider: c.name.clone(),
            }
        })));
    }
    let Some(code) = cb.code.as_deref().filter(|c| !c.is_empty()) else {
        return Ok(Err(failed(c)));
    };
    let up = match client::finish(
        &state.http,
        &state.connectors.discovered,
        &state.issuer,
        c,
        code,
        &out.nonce,
        &out.pkce_verifier,
    )
    .await
    {
        Ok(up) => up,
        Err(e) => {
            tracing::warn!(connector = %c.id, error = %e, "federated sign-in refused");
            return Ok(Err(failed(c)));
        }
    };
    resolve(ctx, flow, c, up).await
}

/// The canonical form of an upstream email address, when it is one.
fn canonical_email(ctx: &Ctx<'_>, raw: &str) -> Option<String> {
    let x = &ctx.state.config;
    identifier::parse(
        raw,
        &[IdentifierKind::Email],
        &x.username_policy,
        &x.experience.default_phone_region,
    )
    .ok()
    .map(|i| i.value)
}

/// Decides which account the upstream identity is.
async fn resolve(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    c: &Connector,
    up: client::Upstream,
) -> StepResult {
    let db = &ctx.state.db;
    // A pending identity survives: signing in with an already linked provider also proves
    // the account it is to be linked to.
    flow.progress.begin(Event::SignIn);
    if let Some(user_id) = db.identity_user(&c.id, &up.subject).await? {
        db.touch_identity(&c.id, &up.subject, now()).await?;
        let Some(user) = db.user_by_id(&user_id).await? else {
            return Ok(Err(failed(c)));
        };
        return finish_sign_in(ctx, flow, &user, amr(up.mfa)).await;
    }
    let email = up.email.as_deref().and_then(|e| canonical_email(ctx, e));
    // An enterprise provider speaks for the domains it serves; any other provider's word
    // counts only when the connector trusts it.
    let in_domain = email.as_deref().is_some_and(|e| {
        e.rsplit_once('@')
            .is_some_and(|(_, d)| c.serves_domain(&d.to_lowercase()))
    });
    let verified = email.is_some()
        && ((up.email_verified && c.trust_email)
            || (c.kind == ConnectorKind::Enterprise && in_domain));
    let existing = match &email {
        Some(e) => db.user_by_email(e).await?,
        None => None,
    };
    let pending = PendingIdentity {
        connector: c.id.clone(),
        subject: up.subject.clone(),
        email: email.clone(),
        email_verified: verified,
        name: up.name.clone(),
        picture: up.picture.clone(),
        mfa: up.mfa,
        collision: existing.is_some(),
    };
    if let Some(user) = existing {
        if verified {
            link(ctx, &pending, &user.id).await?;
            tracing::info!(user = %user.id, connector = %c.id, "identity linked by verified email");
            return finish_sign_in(ctx, flow, &user, amr(up.mfa)).await;
        }
        // Never linked on an unverified address: the account's owner must prove it.
        tracing::info!(connector = %c.id, "upstream email matches an account but is not trusted");
        flow.progress.link = Some(pending);
        save_progress(ctx.state, flow).await?;
        return Ok(Ok(Next::Link));
    }
    let ask = c.kind == ConnectorKind::Social && ctx.state.config.federation.ask_new_users;
    if ask || !ctx.state.config.experience.registration_enabled() {
        flow.progress.link = Some(pending);
        save_progress(ctx.state, flow).await?;
        return Ok(Ok(Next::Link));
    }
    create(ctx, flow, &pending).await
}

/// Creates an account for a pending identity (no local account had it).
async fn create(ctx: &Ctx<'_>, flow: &mut Flow, p: &PendingIdentity) -> StepResult {
    let state = ctx.state;
    let Some(c) = state.connectors.get(&p.connector) else {
        return Ok(Err(FormErrors::form(UiError::FederationUnknown)));
    };
    if p.collision || !state.config.experience.registration_enabled() {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    }
    let mut profile = serde_json::Map::new();
    if let Some(n) = &p.name {
        profile.insert("name".into(), n.clone().into());
    }
    if let Some(pic) = &p.picture {
        profile.insert("picture".into(), pic.clone().into());
    }
    let user = NewUser {
        id: uuid::Uuid::new_v4().to_string(),
        username: None,
        // Only a verified address is stored: an unverified one could squat someone's.
        email: p.email.clone().filter(|_| p.email_verified),
        email_verified: p.email_verified,
        phone: None,
        phone_verified: false,
        password_hash: None,
        terms_accepted_at: None,
        profile: (!profile.is_empty()).then(|| serde_json::Value::Object(profile).to_string()),
    };
    match state.db.insert_user(&user, now()).await {
        Ok(()) => {}
        Err(DbError::Conflict) => return Ok(Err(failed(c))),
        Err(e) => return Err(e.into()),
    }
    link(ctx, p, &user.id).await?;
    crate::federation::organization_jit(c, &user.id);
    let Some(row) = state.db.user_by_id(&user.id).await? else {
        return Err(DbError::Conflict.into());
    };
    tracing::info!(user = %row.id, connector = %c.id, "account created from a federated identity");
    flow.progress.begin(Event::Register);
    flow.progress.link = None;
    finish_sign_in(ctx, flow, &row, amr(p.mfa)).await
}

async fn link(
    ctx: &Ctx<'_>,
    p: &PendingIdentity,
    user_id: &str,
) -> Result<(), crate::error::AppError> {
    ctx.state
        .db
        .insert_identity(&p.connector, &p.subject, user_id, p.email.as_deref(), now())
        .await?;
    Ok(())
}

/// Links the flow's pending identity to `user`, who has just signed in in this flow. Called
/// by `finish_sign_in` as the session starts, after every gate.
pub async fn claim_pending(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    user_id: &str,
) -> Result<(), crate::error::AppError> {
    let Some(p) = flow.progress.link.take() else {
        return Ok(());
    };
    match ctx
        .state
        .db
        .insert_identity(&p.connector, &p.subject, user_id, p.email.as_deref(), now())
        .await
    {
        Ok(()) => {
            tracing::info!(user = %user_id, connector = %p.connector, "identity linked after sign-in");
            Ok(())
        }
        // Linked meanwhile (another tab): the sign-in stands, the link does not move.
        Err(DbError::Conflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The link screen's answer: sign in to an existing account to link, create a new account,
/// or give up the upstream identity.
pub async fn link_choice(ctx: &Ctx<'_>, flow: &mut Flow, action: &str) -> StepResult {
    let Some(p) = flow.progress.link.clone() else {
        return Ok(Ok(Next::Back {
            screen: super::sign_in::SCREEN,
            errors: FormErrors::default(),
            values: Vec::new(),
        }));
    };
    match action {
        "create" => create(ctx, flow, &p).await,
        "cancel" => {
            flow.progress.link = None;
            save_progress(ctx.state, flow).await?;
            Ok(Ok(Next::LinkSignIn))
        }
        _ => Ok(Ok(Next::LinkSignIn)),
    }
}

/// The enterprise connector for an identifier typed at sign-in or sign-up, when it is an
/// email address of a domain that signs in with single sign-on.
pub fn connector_for_identifier<'s>(ctx: &Ctx<'s>, raw: &str) -> Option<&'s Connector> {
    let email = canonical_email(ctx, raw)?;
    ctx.state.connectors.for_email(&email)
}

/// Sends users of a single-sign-on domain to their provider, whatever form they typed their
/// address into (their organization signs them in, not a local password).
pub async fn route_by_domain(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    raw: &str,
) -> Result<Option<Result<Next, FormErrors>>, crate::error::AppError> {
    match connector_for_identifier(ctx, raw) {
        Some(c) => {
            let id = c.id.clone();
            Ok(Some(start(ctx, flow, &id).await?))
        }
        None => Ok(None),
    }
}

/// The work-email screen: finds the organization's provider by the email domain.
pub async fn sso(ctx: &Ctx<'_>, flow: &mut Flow, email: &str) -> StepResult {
    let x = &ctx.state.config;
    if let Err(e) = identifier::parse(
        email,
        &[IdentifierKind::Email],
        &x.username_policy,
        &x.experience.default_phone_region,
    ) {
        return Ok(Err(FormErrors::field(app::api::Field::Email, e)));
    }
    match route_by_domain(ctx, flow, email).await? {
        Some(r) => Ok(r),
        None => Ok(Err(FormErrors::field(
            app::api::Field::Email,
            UiError::SsoNoConnector,
        ))),
    }
}

/// `POST /flow/federation`: the work-email form and the link screen's buttons.
pub async fn form(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let csrf = super::pair(&pairs, "csrf").to_string();
    let action = super::pair(&pairs, "action").to_string();
    let email = super::pair(&pairs, "email").to_string();
    let (screen, values) = if action == "sso" {
        (
            SSO_SCREEN,
            vec![(app::api::Field::Email, super::keep(&email))],
        )
    } else {
        (LINK_SCREEN, Vec::new())
    };
    let outcome = super::run_form(
        &state,
        &parts,
        &csrf,
        screen,
        values,
        Vec::new(),
        async |ctx, flow| match action.as_str() {
            "sso" => sso(ctx, flow, &email).await,
            other => link_choice(ctx, flow, other).await,
        },
    )
    .await;
    super::redirect(outcome)
}

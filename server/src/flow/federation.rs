//! Signing in with another identity provider: starting at the provider, coming back from it,
//! and deciding which local account the upstream identity is. Identities are keyed by
//! (connector, subject). An email address links automatically only when the connector trusts
//! the provider's verification; otherwise the owner of the existing account proves it in this
//! flow (any sign-in method) before anything is linked. Every path ends in `finish_sign_in`,
//! so a local second factor is still asked for unless the connector trusts the upstream one.

use super::{finish_sign_in, save_progress, Ctx, Event, Flow, Next, Screen, StepResult};
use crate::config::IdentifierKind;
use crate::crypto::{ct_eq, now};
use crate::crypto::{random_token, token_hash};
use crate::db::{DbError, NewUser};
use crate::federation::{client, saml, Connector, ConnectorKind, Protocol};
use crate::identifier;
use crate::state::AppState;
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
    /// `state` (OpenID Connect, OAuth 2.0) or `RelayState` (SAML).
    pub state: String,
    /// The OpenID Connect `nonce`, or the SAML request's `ID`.
    pub nonce: String,
    /// The PKCE verifier (empty for SAML).
    pub pkce_verifier: String,
    pub started_at: i64,
    /// Started in the account center to link the provider to this signed-in account.
    #[serde(default)]
    pub link_to: Option<String>,
}

/// A verified sign-in that started at the identity provider, held until the application
/// configured for the connector sends its own authorization request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdpInitiated {
    pub connector: String,
    pub upstream: client::Upstream,
    pub at: i64,
}

/// Seconds a SAML answer waits between the provider's post and the browser's next request,
/// and an IdP-initiated sign-in waits for its application.
const HANDOFF_TTL: i64 = 300;

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
    let started = match c.protocol {
        Protocol::Saml => saml::start(
            &state.http,
            &state.connectors.saml_metadata,
            &state.issuer,
            c,
        )
        .await
        .map(|s| (s.url, s.relay_state, s.request_id, String::new())),
        Protocol::Oidc | Protocol::Oauth2 => {
            client::start(&state.http, &state.connectors.discovered, &state.issuer, c)
                .await
                .map(|s| (s.url, s.state, s.nonce, s.pkce_verifier))
        }
    };
    match started {
        Ok((url, state_value, nonce, pkce_verifier)) => {
            flow.progress.federation = Some(Outstanding {
                connector: c.id.clone(),
                state: state_value,
                nonce,
                pkce_verifier,
                started_at: now(),
                link_to: None,
            });
            save_progress(state, flow).await?;
            Ok(Ok(Next::Redirect(url)))
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

fn cancelled(c: &Connector) -> FormErrors {
    FormErrors::form(UiError::FederationCancelled {
        provider: c.name.clone(),
    })
}

/// What the SAML assertion consumer service keeps between the provider's post (which comes
/// without Sesame's cookies: a cross-site POST) and the browser's next request (which has
/// them).
#[derive(Serialize, Deserialize)]
struct Handoff {
    verified: saml::Verified,
    relay_state: String,
}

/// How a posted SAML response was received.
pub enum Received {
    /// Verified and kept under this one-time handle.
    Kept(String),
    /// The user stopped at the provider.
    Cancelled,
    /// Forged, unsigned, expired, for someone else, or replayed.
    Refused,
}

/// `POST /saml/{id}/acs`: checks the provider's signature and conditions, records the
/// assertion (each is accepted once, whatever the flow), and keeps the result for the
/// browser's next request, which carries the flow.
pub async fn saml_receive(
    state: &AppState,
    c: &Connector,
    saml_response: &str,
    relay_state: &str,
) -> Result<Received, crate::error::AppError> {
    let verified = match saml::verify(
        &state.http,
        &state.connectors.saml_metadata,
        &state.issuer,
        c,
        saml_response,
    )
    .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(connector = %c.id, error = %e, "SAML response refused");
            return Ok(if e.cancelled() {
                Received::Cancelled
            } else {
                Received::Refused
            });
        }
    };
    match state
        .db
        .record_assertion(&c.id, &verified.assertion_id, verified.expires_at)
        .await
    {
        Ok(()) => {}
        Err(DbError::Conflict) => {
            tracing::warn!(connector = %c.id, "SAML assertion replayed");
            return Ok(Received::Refused);
        }
        Err(e) => return Err(e.into()),
    }
    let handle = random_token();
    let handoff = Handoff {
        verified,
        relay_state: relay_state.chars().take(256).collect(),
    };
    state
        .db
        .put_handoff(
            &token_hash(&handle),
            &c.id,
            &serde_json::to_string(&handoff)?,
            now() + HANDOFF_TTL,
        )
        .await?;
    Ok(Received::Kept(handle))
}

/// What the assertion consumer service sends the browser on to.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SamlReturn {
    /// The handle of a received response.
    pub r: Option<String>,
    /// `cancelled` or `failed` when the response was not accepted.
    pub error: Option<String>,
}

/// `GET /saml/{id}/acs`: the received response, now in the flow. An answer to this flow's
/// request signs in; an unsolicited one (IdP-initiated) is held for the application the
/// connector names, whose own authorization request then continues it.
pub async fn saml_continue(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    id: &str,
    ret: &SamlReturn,
) -> StepResult {
    let state = ctx.state;
    let Some(c) = state
        .connectors
        .get(id)
        .filter(|c| c.protocol == Protocol::Saml)
    else {
        return Ok(Err(FormErrors::form(UiError::FederationUnknown)));
    };
    let handoff = match ret.r.as_deref() {
        Some(h) => state.db.take_handoff(&token_hash(h), &c.id, now()).await?,
        None => None,
    };
    let handoff: Option<Handoff> = handoff.and_then(|t| serde_json::from_str(&t).ok());
    let Some(handoff) = handoff else {
        // A request of this flow that failed is over.
        if flow
            .progress
            .federation
            .as_ref()
            .is_some_and(|o| o.connector == c.id)
        {
            flow.progress.federation = None;
            save_progress(state, flow).await?;
        }
        return Ok(Err(if ret.error.as_deref() == Some("cancelled") {
            cancelled(c)
        } else {
            failed(c)
        }));
    };
    let v = handoff.verified;
    let Some(request_id) = v.in_response_to.as_deref() else {
        return idp_initiated_received(ctx, flow, c, v.upstream).await;
    };
    let outstanding = flow.progress.federation.take();
    save_progress(state, flow).await?;
    let ours = outstanding.filter(|o| {
        o.connector == c.id
            && ct_eq(&o.nonce, request_id)
            && ct_eq(&o.state, &handoff.relay_state)
            && now() - o.started_at <= state.config.session.interaction_ttl_secs
    });
    let Some(ours) = ours else {
        tracing::warn!(connector = %c.id, "SAML response to a request this flow did not send");
        return Ok(Err(failed(c)));
    };
    if let Some(user_id) = &ours.link_to {
        return super::account::linked(ctx, flow, user_id, c, &v.upstream).await;
    }
    resolve(ctx, flow, c, v.upstream).await
}

/// An unsolicited sign-in: kept in the flow, and the browser sent to the application's
/// login initiation URI (OpenID Connect Core §4) so that it starts its own request.
async fn idp_initiated_received(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    c: &Connector,
    upstream: client::Upstream,
) -> StepResult {
    let state = ctx.state;
    let unsolicited = || {
        Ok(Err(FormErrors::form(UiError::FederationUnsolicited {
            provider: c.name.clone(),
        })))
    };
    let client_id = c
        .saml
        .as_ref()
        .and_then(|s| s.idp_initiated_client.as_deref());
    let Some(client) = client_id.and_then(|id| state.client(id)) else {
        tracing::warn!(connector = %c.id, "IdP-initiated sign-in refused: no application is configured for it");
        return unsolicited();
    };
    let Some(start) = client.initiate_login_uri.as_deref() else {
        tracing::warn!(connector = %c.id, client = %client.id, "IdP-initiated sign-in refused: the application has no initiate_login_uri");
        return unsolicited();
    };
    let Ok(mut url) = url::Url::parse(start) else {
        return unsolicited();
    };
    url.query_pairs_mut().append_pair("iss", &state.issuer);
    flow.progress.idp_initiated = Some(IdpInitiated {
        connector: c.id.clone(),
        upstream,
        at: now(),
    });
    save_progress(state, flow).await?;
    tracing::info!(connector = %c.id, client = %client.id, "IdP-initiated sign-in waits for its application");
    Ok(Ok(Next::Redirect(url.to_string())))
}

/// The IdP-initiated sign-in the browser's current flow holds for `client_id`, if it is
/// fresh and the connector sends its sign-ins to that application.
pub fn idp_initiated_for(
    state: &AppState,
    old: Option<&Flow>,
    client_id: &str,
) -> Option<IdpInitiated> {
    let held = old?.progress.idp_initiated.clone()?;
    let c = state.connectors.get(&held.connector)?;
    let target = c.saml.as_ref()?.idp_initiated_client.as_deref()?;
    (target == client_id && now() - held.at <= HANDOFF_TTL).then_some(held)
}

/// `GET /federation/continue`: the application's request has arrived; the identity the
/// provider sent signs in, links or becomes an account like any other.
pub async fn idp_initiated_continue(ctx: &Ctx<'_>, flow: &mut Flow) -> StepResult {
    let Some(held) = flow.progress.idp_initiated.take() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    save_progress(ctx.state, flow).await?;
    let Some(c) = ctx.state.connectors.get(&held.connector) else {
        return Ok(Err(FormErrors::form(UiError::FederationUnknown)));
    };
    resolve(ctx, flow, c, held.upstream).await
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
        return Ok(Err(if error == "access_denied" {
            cancelled(c)
        } else {
            failed(c)
        }));
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
    // Linking from the account center: the identity joins the signed-in account.
    if let Some(user_id) = &out.link_to {
        return super::account::linked(ctx, flow, user_id, c, &up).await;
    }
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
    let Some(row) = state.db.user_by_id(&user.id).await? else {
        return Err(DbError::Conflict.into());
    };
    tracing::info!(user = %row.id, connector = %c.id, "account created from a federated identity");
    flow.progress.begin(Event::Register);
    flow.progress.link = None;
    finish_sign_in(ctx, flow, &row, amr(p.mfa)).await
}

/// Stores `p` as an identity of `user_id` and records it in the audit log.
async fn link(ctx: &Ctx<'_>, p: &PendingIdentity, user_id: &str) -> Result<(), DbError> {
    ctx.state
        .db
        .insert_identity(&p.connector, &p.subject, user_id, p.email.as_deref(), now())
        .await?;
    let detail = serde_json::json!({ "connector": p.connector });
    ctx.audit(crate::audit::Kind::IdentityLinked, user_id, detail)
        .await;
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
    match link(ctx, &p, user_id).await {
        // Linked meanwhile (another tab): the sign-in stands, the link does not move.
        Ok(()) | Err(DbError::Conflict) => Ok(()),
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

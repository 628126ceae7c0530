//! Consent: an application that is not the operator's own (or any application that asks with
//! `prompt=consent`) gets what it asks for only once the signed-in user allows it. What was
//! allowed is stored per user and application and reused; a later request for more asks only
//! for the rest. Denying ends the flow with `access_denied` at the application. For
//! organization scopes the user picks the organizations the application may see.

use super::{save_progress, Ctx, Flow, Next, Refusal, Screen, StepResult};
use crate::crypto::now;
use crate::error::AppError;
use crate::oidc::authorize::{current_session, AuthRequest};
use crate::state::AppState;
use crate::web::CookieName;
use app::api::{ConsentItem, ConsentResource, FormErrors, UiError};
use app::i18n::{Locale, Msg};

/// The consent screen.
pub const SCREEN: Screen = Screen {
    key: "consent",
    path: "/consent",
};

/// What the user must still allow an application: scopes (OpenID Connect and APIs') and
/// APIs, in the request's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Missing {
    pub scopes: Vec<String>,
    pub resources: Vec<String>,
    /// The application asks for organization scopes and has no organization yet (or not the
    /// one the request names): the user picks which it may see.
    pub organizations: bool,
}

impl Missing {
    /// Whether the application may go on.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty() && self.resources.is_empty() && !self.organizations
    }
}

/// Whether a request asks for organization scopes.
pub fn wants_organizations(req: &AuthRequest) -> bool {
    req.scope
        .iter()
        .any(|s| s == "organizations" || s == "organization_roles")
}

/// What of `req` the user must still allow: nothing for the operator's own applications
/// (unless they ask with `prompt=consent`, which asks for everything again).
pub async fn missing(
    state: &AppState,
    req: &AuthRequest,
    user_id: &str,
) -> Result<Missing, AppError> {
    let Some(client) = state.client(&req.client_id) else {
        return Ok(Missing::default());
    };
    let forced = req.has_prompt("consent");
    if client.first_party && !forced {
        return Ok(Missing::default());
    }
    let granted = state.db.consent(user_id, &req.client_id).await?;
    let scopes = granted.as_ref().map(|g| g.scope_list()).unwrap_or_default();
    let resources = granted
        .as_ref()
        .map(|g| g.resource_list())
        .unwrap_or_default();
    let orgs = granted
        .as_ref()
        .map(|g| g.organization_list())
        .unwrap_or_default();
    let has_orgs = !state.db.user_organizations(user_id).await?.is_empty();
    let organizations = has_orgs
        && wants_organizations(req)
        && (forced
            || granted.is_none()
            || req
                .organization_id
                .as_deref()
                .is_some_and(|o| !orgs.contains(&o)));
    Ok(Missing {
        organizations,
        scopes: req
            .scope
            .iter()
            .filter(|s| forced || !scopes.contains(&s.as_str()))
            .cloned()
            .collect(),
        resources: req
            .resources
            .iter()
            .filter(|r| forced || !resources.contains(&r.as_str()))
            .cloned()
            .collect(),
    })
}

/// The consent screen's lists: OpenID Connect scopes, then each API with its scopes.
pub fn screen_items(
    state: &AppState,
    req: &AuthRequest,
    missing: &Missing,
    locale: Locale,
) -> (Vec<ConsentItem>, Vec<ConsentResource>) {
    let items = missing
        .scopes
        .iter()
        .filter(|s| state.config.resource_of_scope(s).is_none())
        .map(|s| describe(s, locale))
        .collect();
    let resources = req
        .resources
        .iter()
        .filter_map(|r| state.config.resource(r))
        .filter_map(|api| {
            let items: Vec<ConsentItem> = api
                .scopes
                .iter()
                .filter(|sc| missing.scopes.contains(&sc.name))
                .map(|sc| ConsentItem {
                    scope: sc.name.clone(),
                    description: translated(&sc.description, locale),
                })
                .collect();
            (!items.is_empty() || missing.resources.contains(&api.indicator)).then(|| {
                ConsentResource {
                    name: translated(&api.name, locale),
                    items,
                }
            })
        })
        .collect();
    (items, resources)
}

fn translated(t: &crate::config::Translated, locale: Locale) -> String {
    t.get(locale.tag())
        .or_else(|| t.get("en"))
        .cloned()
        .unwrap_or_default()
}

/// Whether the user allowed the application anything before.
pub async fn extending(
    state: &AppState,
    req: &AuthRequest,
    user_id: &str,
) -> Result<bool, AppError> {
    Ok(state.db.consent(user_id, &req.client_id).await?.is_some())
}

/// What a scope lets the application do, in `locale`.
pub fn describe(scope: &str, locale: Locale) -> ConsentItem {
    let msg = match scope {
        "openid" => Some(Msg::ScopeOpenid),
        "profile" => Some(Msg::ScopeProfile),
        "email" => Some(Msg::ScopeEmail),
        "phone" => Some(Msg::ScopePhone),
        "address" => Some(Msg::ScopeAddress),
        "offline_access" => Some(Msg::ScopeOfflineAccess),
        "organizations" => Some(Msg::ScopeOrganizations),
        "organization_roles" => Some(Msg::ScopeOrganizationRoles),
        "account" => Some(Msg::ScopeAccount),
        "account:identities" => Some(Msg::ScopeAccountIdentities),
        "account:mfa" => Some(Msg::ScopeAccountMfa),
        "account:sessions" => Some(Msg::ScopeAccountSessions),
        "account:apps" => Some(Msg::ScopeAccountApps),
        "account:tokens" => Some(Msg::ScopeAccountTokens),
        "account:delete" => Some(Msg::ScopeAccountDelete),
        _ => None,
    };
    ConsentItem {
        scope: scope.to_string(),
        description: msg.map_or_else(|| scope.to_string(), |m| locale.text(m).to_string()),
    }
}

/// The consent screen's answer: `allow` (with the organizations ticked), `deny`, or
/// `switch` (another account).
pub async fn answer(
    ctx: &Ctx<'_>,
    flow: &mut Flow,
    action: &str,
    organizations: &[String],
) -> StepResult {
    let state = ctx.state;
    let Some(req) = flow.request.clone() else {
        return Ok(Err(FormErrors::form(UiError::FormExpired)));
    };
    let Some((session, _user)) = current_session(state, ctx.headers).await? else {
        return Ok(Ok(Next::Redirect("/sign-in".into())));
    };
    match action {
        "allow" => {
            // Only the user's own organizations can be allowed.
            let mine = state.db.user_organizations(&session.user_id).await?;
            let chosen: Vec<String> = organizations
                .iter()
                .filter(|o| mine.iter().any(|(m, _)| &m.id == *o))
                .cloned()
                .collect();
            if wants_organizations(&req)
                && req
                    .organization_id
                    .as_ref()
                    .is_some_and(|o| !chosen.contains(o))
                && missing(state, &req, &session.user_id).await?.organizations
            {
                return Ok(Err(FormErrors::form(UiError::Required)));
            }
            state
                .db
                .grant_consent(
                    &session.user_id,
                    &req.client_id,
                    &req.scope,
                    &req.resources,
                    &chosen,
                    now(),
                )
                .await?;
            tracing::info!(user = %session.user_id, client = %req.client_id, scopes = %req.scope.join(" "), "consent given");
            flow.progress.consented = true;
        }
        "deny" => {
            tracing::info!(user = %session.user_id, client = %req.client_id, "consent denied");
            flow.progress.refusal = Some(Refusal {
                error: "access_denied".into(),
                description: "the user denied the request".into(),
            });
        }
        "switch" => {
            // Another account answers: this session ends, the flow goes on at sign-in.
            if let Some(id) = state.cookies.get(ctx.headers, CookieName::Session) {
                state
                    .db
                    .delete_session(&crate::crypto::token_hash(&id))
                    .await?;
            }
            return Ok(Ok(Next::Done {
                location: super::sign_in::SCREEN.path.into(),
                cookies: vec![state.cookies.clear(CookieName::Session)],
            }));
        }
        _ => return Ok(Err(FormErrors::form(UiError::FormExpired))),
    }
    save_progress(state, flow).await?;
    Ok(Ok(Next::Redirect("/authorize/resume".into())))
}

/// `POST /flow/consent`: the screen's buttons.
pub async fn form(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let pairs = super::form_pairs(&state, body).await;
    let csrf = super::pair(&pairs, "csrf").to_string();
    let action = super::pair(&pairs, "action").to_string();
    let organizations: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "organization")
        .take(100)
        .map(|(_, v)| v.clone())
        .collect();
    let outcome = super::run_form(
        &state,
        &parts,
        &csrf,
        SCREEN,
        Vec::new(),
        Vec::new(),
        async |ctx, flow| answer(ctx, flow, &action, &organizations).await,
    )
    .await;
    super::redirect(outcome)
}

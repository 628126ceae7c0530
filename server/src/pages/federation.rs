//! The browser side of federation: starting at a provider, the provider's answer (a redirect
//! to the callback, or a SAML response posted to the assertion consumer service), the
//! work-email screen and the link screen.

use super::{flow_page, or_error};
use crate::federation::{saml, Protocol};
use crate::flow::federation::{self as steps, Callback, Received, SamlReturn};
use crate::flow::{answer, client_info, ensure_flow, load_flow, no_flow, redirect, sign_in, Ctx};
use crate::oidc::authorize::see_other;
use crate::state::AppState;
use app::api::{Federation, Field, LinkState, ProviderButton, Screen, SsoState};
use axum::extract::{Path, Query, State};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The providers a sign-in or sign-up screen offers, and a pending link.
pub fn offered(state: &AppState, flow: &crate::flow::Flow) -> Federation {
    let c = &state.connectors;
    // A user flow offers its own identity providers only.
    let allowed = |id: &str| {
        crate::oidc::authorize::user_flow(state, flow.request.as_ref()).is_none_or(|f| f.offers(id))
    };
    Federation {
        providers: c
            .social()
            .filter(|c| allowed(&c.id))
            .map(|c| ProviderButton {
                id: c.id.clone(),
                name: c.name.clone(),
                icon: c.preset.key().to_string(),
            })
            .collect(),
        sso: c.has_enterprise(),
        linking: flow
            .progress
            .link
            .as_ref()
            .and_then(|p| c.get(&p.connector))
            .map(|c| c.name.clone()),
    }
}

/// Whether a federation step needs the browser's flow, or may start one.
#[derive(Clone, Copy, PartialEq)]
enum FlowNeed {
    /// The step continues a flow: without one, the sign-in page (or the expiry page).
    Existing,
    /// The step may begin one (a provider button on a fresh page, an unsolicited SAML
    /// response).
    Any,
}

/// Runs a federation step in the browser's flow and answers it like a form: the next
/// screen, or the sign-in screen with the error and the other options.
async fn run_step(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
    need: FlowNeed,
    step: impl for<'c> AsyncFnOnce(&Ctx<'c>, &mut crate::flow::Flow) -> crate::flow::StepResult,
) -> Response {
    let r = async {
        let (mut flow, cookies) = match need {
            FlowNeed::Any => ensure_flow(state, headers).await?,
            FlowNeed::Existing => match load_flow(state, headers).await? {
                Ok(flow) => (flow, Vec::new()),
                Err(stale) => return Ok(no_flow(stale)),
            },
        };
        let ctx = Ctx::new(state, headers, extensions, Some(&flow));
        // A provider linked from the account center answers there, errors included.
        let linking = flow
            .progress
            .federation
            .as_ref()
            .is_some_and(|o| o.link_to.is_some());
        let screen = if linking {
            crate::flow::account::IDENTITIES_SCREEN
        } else {
            sign_in::SCREEN
        };
        let outcome = step(&ctx, &mut flow).await?;
        let mut submitted = answer(state, &flow, screen, Vec::new(), Vec::new(), outcome).await?;
        submitted.set_cookies.extend(cookies);
        Ok(submitted)
    }
    .await;
    redirect(r)
}

/// `GET /sign-in/with/{id}`: off to the provider (the buttons, `direct_sign_in`,
/// `domain_hint`). A provider that cannot be reached brings the user back to sign-in.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    run_step(
        &state,
        &headers,
        &extensions,
        FlowNeed::Any,
        async |ctx, flow| steps::start(ctx, flow, &id).await,
    )
    .await
}

/// `GET /federation/callback/{id}`: the provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(cb): Query<Callback>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    run_step(
        &state,
        &headers,
        &extensions,
        FlowNeed::Existing,
        async |ctx, flow| steps::callback(ctx, flow, &id, &cb).await,
    )
    .await
}

/// `POST /federation/callback/{id}`: providers that post their answer (`form_post`, as
/// Apple does). The flow cookie is `SameSite=Lax`, so a cross-site POST does not carry it:
/// the answer is turned into a top-level GET to the same callback, which does.
pub async fn callback_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Response {
    let pairs = crate::flow::form_pairs(&state, body).await;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "code" | "state" | "error" | "error_description"))
    {
        query.append_pair(k, v);
    }
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    see_other(
        &format!("/federation/callback/{id}?{}", query.finish()),
        &[],
    )
}

/// `POST /saml/{id}/acs`: a SAML response from the provider. Checked here, then handed to
/// the browser's next request (a top-level GET, which carries the flow cookie that this
/// cross-site POST does not).
pub async fn saml_acs_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Response {
    let Some(c) = state
        .connectors
        .get(&id)
        .filter(|c| c.protocol == Protocol::Saml)
    else {
        return see_other("/sign-in", &[]);
    };
    let pairs = crate::flow::form_pairs(&state, body).await;
    let response = crate::flow::pair(&pairs, "SAMLResponse");
    let relay = crate::flow::pair(&pairs, "RelayState");
    let query = match steps::saml_receive(&state, c, response, relay).await {
        Ok(Received::Kept(handle)) => format!("r={handle}"),
        Ok(Received::Cancelled) => "error=cancelled".into(),
        Ok(Received::Refused) => "error=failed".into(),
        Err(e) => {
            tracing::error!(error = %e, "SAML response not stored");
            "error=failed".into()
        }
    };
    see_other(&format!("/saml/{}/acs?{query}", c.id), &[])
}

/// `GET /saml/{id}/acs`: the checked response, continued in the browser's flow (or, for a
/// sign-in started at the provider, in a new one).
pub async fn saml_acs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(ret): Query<SamlReturn>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    run_step(
        &state,
        &headers,
        &extensions,
        FlowNeed::Any,
        async |ctx, flow| steps::saml_continue(ctx, flow, &id, &ret).await,
    )
    .await
}

/// `GET /saml/{id}/metadata`: Sesame's service-provider metadata for the provider's
/// administrator (entity id, assertion consumer service).
pub async fn saml_metadata(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(c) = state
        .connectors
        .get(&id)
        .filter(|c| c.protocol == Protocol::Saml)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match saml::sp_metadata(&state.issuer, c) {
        Ok(xml) => (
            [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
            xml,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "SAML metadata");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /federation/continue`: a sign-in started at an identity provider, continued once its
/// application's authorization request arrived.
pub async fn idp_initiated_continue(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    run_step(
        &state,
        &headers,
        &extensions,
        FlowNeed::Existing,
        async |ctx, flow| steps::idp_initiated_continue(ctx, flow).await,
    )
    .await
}

/// `GET /sso`: the work-email screen.
pub async fn sso(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.connectors.has_enterprise() {
        return see_other("/sign-in", &[]);
    }
    flow_page(&state, &headers, steps::SSO_SCREEN.path, |flow| {
        let memory = flow.memory_for(steps::SSO_SCREEN.key);
        Ok(Screen::Sso(SsoState {
            client: client_info(&state, flow.request.as_ref()),
            email: memory
                .as_ref()
                .map(|m| m.value(Field::Email))
                .unwrap_or_default(),
            errors: memory.map(|m| m.errors).unwrap_or_default(),
        }))
    })
    .await
}

/// `GET /federation/link`: what to do with an identity no account has yet.
pub async fn link(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let (flow, cookies) = ensure_flow(&state, &headers).await?;
        let Some(p) = flow.progress.link.clone() else {
            return Ok(see_other("/sign-in", &cookies));
        };
        let Some(c) = state.connectors.get(&p.connector) else {
            return Ok(see_other("/sign-in", &cookies));
        };
        let screen = Screen::Link(LinkState {
            client: client_info(&state, flow.request.as_ref()),
            provider: c.name.clone(),
            email: p.email.clone(),
            collision: p.collision,
            can_create: state.config.experience.registration_enabled(),
            errors: flow
                .memory_for(steps::LINK_SCREEN.key)
                .map(|m| m.errors)
                .unwrap_or_default(),
        });
        Ok(super::render_flow(
            &state,
            &headers,
            &flow,
            cookies,
            steps::LINK_SCREEN.path,
            screen,
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

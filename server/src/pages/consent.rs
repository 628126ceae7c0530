//! The consent screen's page.

use super::{or_error, render_flow};
use crate::flow::consent;
use crate::flow::{client_info, load_flow};
use crate::oidc::authorize::{current_session, see_other};
use crate::render;
use crate::state::AppState;
use app::api::{ConsentState, Screen};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

/// `GET /consent`: what the application asks for that the signed-in user has not allowed.
pub async fn consent(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let r = async {
        let Ok(flow) = load_flow(&state, &headers).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let Some(req) = flow.request.clone() else {
            return Ok(see_other("/", &[]));
        };
        let Some((session, user)) = current_session(&state, &headers).await? else {
            return Ok(see_other("/sign-in", &[]));
        };
        let wanted = consent::missing(&state, &req, &session.user_id).await?;
        if wanted.is_empty() || flow.progress.consented {
            return Ok(see_other("/authorize/resume", &[]));
        }
        let locale = render::within_flow(
            &state,
            req.policy.as_deref(),
            render::locale(&state, &headers, req.ui_locales.as_deref()),
        );
        let client = state.client(&req.client_id);
        let (items, resources) = consent::screen_items(&state, &req, &wanted, locale);
        let organizations = if wanted.organizations {
            state
                .db
                .user_organizations(&session.user_id)
                .await?
                .into_iter()
                .map(|(o, _)| {
                    // The organization the request names is ticked; with none, all are.
                    let ticked = req.organization_id.as_ref().is_none_or(|r| *r == o.id);
                    (o.id, o.name, ticked)
                })
                .collect()
        } else {
            Vec::new()
        };
        let screen = Screen::Consent(ConsentState {
            client: client_info(&state, Some(&req)),
            user: user.label(),
            items,
            resources,
            organizations,
            extending: !req.has_prompt("consent")
                && consent::extending(&state, &req, &session.user_id).await?,
            tos_uri: client.and_then(|c| c.tos_uri.clone()),
            policy_uri: client.and_then(|c| c.policy_uri.clone()),
            errors: flow
                .memory_for(consent::SCREEN.key)
                .map(|m| m.errors)
                .unwrap_or_default(),
        });
        Ok(render_flow(
            &state,
            &headers,
            &flow,
            Vec::new(),
            consent::SCREEN.path,
            screen,
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

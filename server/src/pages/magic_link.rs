//! The pages of sign-in links.

use super::{flow_page, or_error, render_flow};
use crate::flow::magic_link::{self as links, Landing};
use crate::flow::{client_info, ensure_flow};
use crate::oidc::authorize::current_session;
use crate::state::AppState;
use app::api::{Field, FormErrors, MagicLinkState, MagicStep, Screen, UiError};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

/// `GET /sign-in/link-sent`: "check your email".
pub async fn sent(State(state): State<AppState>, headers: HeaderMap) -> Response {
    flow_page(&state, &headers, links::SENT_SCREEN.path, |flow| {
        let Some(email) = flow.progress.link_sent_to.clone() else {
            return Err("/sign-in");
        };
        Ok(Screen::MagicLink(MagicLinkState {
            client: client_info(&state, flow.request.as_ref()),
            step: MagicStep::Sent,
            email,
            ..Default::default()
        }))
    })
    .await
}

/// The query of a link.
#[derive(Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
}

/// `GET /magic?token=…`: where a link lands. Nothing is used here: the page's button does it.
pub async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LinkQuery>,
) -> Response {
    let r = async {
        let (flow, cookies) = ensure_flow(&state, &headers).await?;
        let memory = flow.memory_for(links::LANDING_SCREEN.key);
        let client = client_info(&state, flow.request.as_ref());
        let token = q.token.unwrap_or_default();
        let look = if token.is_empty() {
            Landing::Spent
        } else {
            links::look(&state, Some(&flow), &token).await?
        };
        let screen = match look {
            Landing::Usable(row) => {
                let account = state.db.user_by_email(&row.email).await?;
                let signed_in = current_session(&state, &headers).await?;
                let signed_in_as = signed_in
                    .filter(|(_, u)| account.as_ref().is_none_or(|a| a.id != u.id))
                    .map(|(_, u)| u.label());
                MagicLinkState {
                    client,
                    step: MagicStep::Landing,
                    email: row.email.clone(),
                    token,
                    new_account: account.is_none(),
                    invitation: row.purpose == links::INVITATION,
                    signed_in_as,
                    errors: FormErrors::default(),
                }
            }
            other => {
                let errors = memory
                    .as_ref()
                    .map(|m| m.errors.clone())
                    .unwrap_or_else(|| {
                        FormErrors::form(match other {
                            Landing::OtherAddress => UiError::LinkOtherAddress,
                            _ => UiError::LinkSpent,
                        })
                    });
                MagicLinkState {
                    client,
                    step: MagicStep::Spent,
                    email: memory
                        .map(|m| m.value(Field::Identifier))
                        .unwrap_or_default(),
                    errors,
                    ..Default::default()
                }
            }
        };
        Ok(render_flow(
            &state,
            &headers,
            &flow,
            cookies,
            links::LANDING_SCREEN.path,
            Screen::MagicLink(screen),
        ))
    }
    .await;
    or_error(&state, &headers, r)
}

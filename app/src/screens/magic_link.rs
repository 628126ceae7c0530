//! The screens of sign-in links: "check your email" after asking for one, the page a link
//! lands on (one button, so that mail scanners that open links do not use them), and the page
//! of a used or expired link, which asks for a new one.

use crate::api::{Field, IdentifierKind, MagicLinkState, MagicStep, PageEnv, Rule};
use crate::components::{ErrorSummary, IdentifierField, Layout, SubmitButton};
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where the pages' forms post.
pub const ACTION: &str = "/flow/magic";

/// The screen.
#[component]
pub fn MagicLinkScreen(env: PageEnv, state: MagicLinkState) -> impl IntoView {
    let l = env.locale;
    let fill = |m: Msg| {
        l.text(m)
            .replace("{email}", &state.email)
            .replace("{user}", state.signed_in_as.as_deref().unwrap_or(""))
    };
    let title = match state.step {
        MagicStep::Sent => Msg::LinkSentTitle,
        MagicStep::Landing if state.invitation => Msg::InvitationTitle,
        MagicStep::Landing => Msg::MagicLandingTitle,
        MagicStep::Spent => Msg::LinkSpentTitle,
    };
    let body = match state.step {
        MagicStep::Sent => view! {
            <p class="lead" role="status">{fill(Msg::LinkSentLead)}</p>
            <p>{l.text(Msg::LinkSentHint)}</p>
            <p class="switch"><a href="/sign-in">{l.text(Msg::LinkSentBack)}</a></p>
        }
        .into_any(),
        MagicStep::Landing => {
            let lead = if state.invitation {
                Msg::InvitationLead
            } else {
                Msg::MagicLandingLead
            };
            let button = if state.invitation {
                Msg::MagicAccept
            } else {
                Msg::MagicContinue
            };
            view! {
                <p class="lead">{fill(lead)}</p>
                {(state.new_account && !state.invitation).then(|| view! { <p>{fill(Msg::MagicLandingNew)}</p> })}
                {state.signed_in_as.is_some().then(|| view! { <p class="alert">{fill(Msg::MagicSwitchNote)}</p> })}
                <form class="form" method="post" action=ACTION>
                    <CsrfField token=env.csrf.clone()/>
                    <input type="hidden" name="token" value=state.token.clone()/>
                    <SubmitButton label=l.text(button).to_string() name=Some("action".to_string()) value=Some("open".to_string()) primary=true pending=env.pending locale=l/>
                </form>
                {state.signed_in_as.is_some().then(|| view! {
                    <form class="form" method="post" action=ACTION>
                        <CsrfField token=env.csrf.clone()/>
                        <SubmitButton label=fill(Msg::MagicStay) name=Some("action".to_string()) value=Some("stay".to_string()) primary=false pending=false locale=l/>
                    </form>
                })}
            }
            .into_any()
        }
        MagicStep::Spent => view! {
            <p class="lead">{l.text(Msg::LinkSpentLead)}</p>
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=env.csrf.clone()/>
                <IdentifierField
                    kinds=vec![IdentifierKind::Email]
                    value=state.email.clone()
                    error=state.errors.of(Field::Identifier)
                    autofocus=true
                    rule=Rule::Email
                    locale=l
                />
                <SubmitButton label=l.text(Msg::SendNewLink).to_string() name=Some("action".to_string()) value=Some("resend".to_string()) primary=true pending=env.pending locale=l/>
            </form>
            <p class="switch"><a href="/sign-in">{l.text(Msg::LinkSentBack)}</a></p>
        }
        .into_any(),
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(title).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            {body}
        </Layout>
    }
}

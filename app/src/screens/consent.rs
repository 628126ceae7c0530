//! The consent screen: an application asks for access to the signed-in user's account, and
//! the user allows or denies it. Only what was not allowed before is listed.

use crate::api::{ConsentItem, ConsentState, PageEnv};
use crate::components::{ErrorSummary, Layout};
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where the form posts.
pub const ACTION: &str = "/flow/consent";

fn item_list(items: Vec<ConsentItem>) -> impl IntoView {
    view! {
        <ul class="consent-list">
            {items
                .into_iter()
                .map(|i| {
                    view! {
                        <li class="consent-item">
                            <span class="consent-description">{i.description}</span>
                            " "
                            <code class="consent-scope" translate="no">{i.scope}</code>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The screen.
#[component]
pub fn ConsentScreen(env: PageEnv, state: ConsentState) -> impl IntoView {
    let l = env.locale;
    let app = state
        .client
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let lead = if state.extending {
        Msg::ConsentLeadMore
    } else {
        Msg::ConsentLead
    };
    let resources = state
        .resources
        .into_iter()
        .map(|r| {
            view! {
                <h2 class="consent-resource">{l.text(Msg::ConsentResource).replace("{name}", &r.name)}</h2>
                {item_list(r.items)}
            }
        })
        .collect_view();
    let links = (state.tos_uri.is_some() || state.policy_uri.is_some()).then(|| {
        view! {
            <ul class="consent-links">
                {state.tos_uri.clone().map(|u| view! {
                    <li><a href=u rel="noopener noreferrer">{l.text(Msg::ConsentAppTerms).replace("{name}", &app)}</a></li>
                })}
                {state.policy_uri.clone().map(|u| view! {
                    <li><a href=u rel="noopener noreferrer">{l.text(Msg::ConsentAppPrivacy).replace("{name}", &app)}</a></li>
                })}
            </ul>
        }
    });
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::ConsentTitle).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">{l.text(lead).replace("{name}", &app)}</p>
            {item_list(state.items)}
            {resources}
            {links}
            <p class="consent-user">
                {l.text(Msg::ConsentSignedInAs).replace("{user}", &state.user)}
            </p>
            <form class="form consent-form" method="post" action=ACTION>
                <CsrfField token=env.csrf.clone()/>
                {(!state.organizations.is_empty()).then(|| view! {
                    <fieldset class="fieldset consent-organizations">
                        <legend class="field-label">{l.text(Msg::ConsentOrganizations)}</legend>
                        {state.organizations.iter().map(|(id, name, ticked)| {
                            let input = format!("org-{id}");
                            view! {
                                <div class="field field-checkbox">
                                    <input type="checkbox" class="checkbox" id=input.clone() name="organization" value=id.clone() checked=*ticked/>
                                    <label for=input>{name.clone()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                })}
                <p class="field-hint">{l.text(Msg::ConsentRemember)}</p>
                <div class="button-row">
                    <button type="submit" class="button button-primary" name="action" value="allow">
                        {l.text(Msg::ConsentAllow)}
                    </button>
                    <button type="submit" class="button button-secondary" name="action" value="deny">
                        {l.text(Msg::ConsentDeny)}
                    </button>
                </div>
            </form>
            <form class="form" method="post" action=ACTION>
                <CsrfField token=env.csrf.clone()/>
                <button type="submit" class="link-button" name="action" value="switch">
                    {l.text(Msg::ConsentSwitch)}
                </button>
            </form>
        </Layout>
    }
}

//! `response_mode=form_post`: a form that carries the authorization response to the client.
//! A tiny inline script submits it at once; without JavaScript the user presses Continue.

use crate::api::{FormPostState, PageEnv};
use crate::components::Layout;
use crate::i18n::Msg;
use leptos::prelude::*;

/// The auto-submitting response form.
#[component]
pub fn FormPostScreen(env: PageEnv, state: FormPostState) -> impl IntoView {
    let l = env.locale;
    view! {
        <Layout env=env.clone() title=l.text(Msg::ContinueTitle).to_string()>
            <p>{l.text(Msg::ContinueBody)}</p>
            <form id="form-post" method="post" action=state.action>
                {state.fields.into_iter().map(|(name, value)| view! {
                    <input type="hidden" name=name value=value/>
                }).collect_view()}
                <button type="submit" class="button button-primary">{l.text(Msg::ContinueSubmit)}</button>
            </form>
        </Layout>
    }
}

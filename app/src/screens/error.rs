//! The error page: what went wrong, in words, and a technical detail for developers.

use crate::api::{ErrorKind, ErrorState, PageEnv};
use crate::components::Layout;
use crate::i18n::Msg;
use leptos::prelude::*;

/// The error page.
#[component]
pub fn ErrorScreen(env: PageEnv, state: ErrorState) -> impl IntoView {
    let l = env.locale;
    // A missing user flow is named for the user to pass on; other details are for developers.
    let named = (state.kind == ErrorKind::UnknownUserFlow)
        .then(|| state.detail.clone())
        .flatten();
    let detail = state.detail.filter(|_| named.is_none());
    view! {
        <Layout env=env.clone() title=l.text(Msg::ErrorPageTitle).to_string()>
            <div class="alert alert-error" role="alert">
                <p class="error-message">{l.text(state.kind.msg())}</p>
                {named.map(|n| view! { <p><code class="error-name" translate="no">{n}</code></p> })}
            </div>
            <p>{l.text(Msg::ErrorWhatToDo)}</p>
            {detail.map(|d| view! {
                <details class="error-detail">
                    <summary>{l.text(Msg::ErrorTechnicalDetail)}</summary>
                    <code>{d}</code>
                </details>
            })}
        </Layout>
    }
}

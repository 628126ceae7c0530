//! Signing out of Sesame, with a confirmation so a link alone cannot sign anyone out.

use crate::api::{PageEnv, SignOutState, UiError};
use crate::components::Layout;
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The confirmation, or the result once signed out.
#[component]
pub fn SignOutScreen(env: PageEnv, state: SignOutState) -> impl IntoView {
    let l = env.locale;
    let back = state.return_to.clone().unwrap_or_else(|| "/".into());
    if state.done {
        return view! {
            <Layout env=env.clone() title=l.text(Msg::SignedOutTitle).to_string()>
                <p class="status" role="status">{l.text(Msg::SignedOutBody)}</p>
                <p><a class="button button-primary" href=back>{l.text(Msg::ContinueSubmit)}</a></p>
            </Layout>
        }
        .into_any();
    }
    view! {
        <Layout env=env.clone() title=l.text(Msg::SignOutTitle).to_string()>
            <p>{l.text(Msg::SignOutQuestion)}</p>
            <form class="form" method="post" action=SignOut::PATH>
                <CsrfField token=env.csrf.clone()/>
                <input type="hidden" name="return_to" value=state.return_to.clone().unwrap_or_default()/>
                <button type="submit" class="button button-primary">{l.text(Msg::SignOutSubmit)}</button>
            </form>
            <p class="switch"><a href=back>{l.text(Msg::SignOutCancel)}</a></p>
        </Layout>
    }
    .into_any()
}

/// Ends the Sesame session of this browser.
#[server(prefix = "/flow", endpoint = "sign-out")]
pub async fn sign_out(csrf: Option<String>, return_to: Option<String>) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::SignOut {
        csrf: csrf.unwrap_or_default(),
        return_to: return_to.filter(|r| !r.is_empty()),
    })
    .await
}

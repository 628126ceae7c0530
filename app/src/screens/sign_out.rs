//! Signing out of Sesame, with a confirmation so a link alone cannot sign anyone out, and
//! the signed-out page, which also loads the applications' front-channel logout pages.

use crate::api::{PageEnv, SignOutState, UiError};
use crate::components::Layout;
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Where an application's logout request is confirmed.
pub const LOGOUT_ACTION: &str = "/flow/logout";

/// The confirmation, or the result once signed out.
#[component]
pub fn SignOutScreen(env: PageEnv, state: SignOutState) -> impl IntoView {
    let l = env.locale;
    let back = state.return_to.clone().unwrap_or_else(|| "/".into());
    if state.done {
        let frames = state
            .frames
            .iter()
            .map(|(name, url)| {
                view! {
                    <iframe
                        class="frontchannel-logout"
                        src=url.clone()
                        title=l.text(Msg::FrontchannelFrameTitle).replace("{name}", name)
                        aria-hidden="true"
                        tabindex="-1"
                        width="0"
                        height="0"
                    ></iframe>
                }
            })
            .collect_view();
        let apps =
            (!state.frames.is_empty()).then(|| view! { <p>{l.text(Msg::SignedOutApps)}</p> });
        return view! {
            <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::SignedOutTitle).to_string()>
                <p class="status" role="status">{l.text(Msg::SignedOutBody)}</p>
                {apps}
                {frames}
                <p><a class="button button-primary" href=back>{l.text(Msg::ContinueSubmit)}</a></p>
            </Layout>
        }
        .into_any();
    }
    let question = match &state.client {
        Some(c) if state.logout.is_some() => {
            l.text(Msg::SignOutAppQuestion).replace("{name}", &c.name)
        }
        _ => l.text(Msg::SignOutQuestion).to_string(),
    };
    let form = match state.logout.clone() {
        // An application's request: checked again by the server when it comes back.
        Some(req) => view! {
            <form class="form" method="post" action=LOGOUT_ACTION>
                <CsrfField token=env.csrf.clone()/>
                <input type="hidden" name="client_id" value=req.client_id/>
                <input type="hidden" name="post_logout_redirect_uri" value=req.post_logout_redirect_uri.unwrap_or_default()/>
                <input type="hidden" name="state" value=req.state.unwrap_or_default()/>
                <button type="submit" class="button button-primary">{l.text(Msg::SignOutSubmit)}</button>
            </form>
        }
        .into_any(),
        None => view! {
            <form class="form" method="post" action=SignOut::PATH>
                <CsrfField token=env.csrf.clone()/>
                <input type="hidden" name="return_to" value=state.return_to.clone().unwrap_or_default()/>
                <button type="submit" class="button button-primary">{l.text(Msg::SignOutSubmit)}</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::SignOutTitle).to_string()>
            <p>{question}</p>
            {form}
            <p class="switch"><a href="/">{l.text(Msg::SignOutCancel)}</a></p>
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

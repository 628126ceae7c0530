//! Sesame's own landing page: who is signed in, and a way out.

use crate::api::{HomeState, PageEnv};
use crate::components::Layout;
use crate::i18n::Msg;
use leptos::prelude::*;

/// The landing page.
#[component]
pub fn HomeScreen(env: PageEnv, state: HomeState) -> impl IntoView {
    let l = env.locale;
    view! {
        <Layout env=env.clone() title=l.text(Msg::HomeTitle).to_string()>
            {match state.signed_in_as {
                Some(who) => view! {
                    <p class="status" data-testid="signed-in-as">{l.text_n(Msg::HomeSignedInAs, who)}</p>
                    {state.account.then(|| view! {
                        <p><a class="button button-primary" href="/account">{l.text(Msg::AccountManage)}</a></p>
                    })}
                    <p><a class="button button-secondary" href="/sign-out">{l.text(Msg::SignOutTitle)}</a></p>
                }.into_any(),
                None => view! {
                    <p class="status">{l.text(Msg::HomeSignedOut)}</p>
                    <p><a class="button button-primary" href="/sign-in">{l.text(Msg::SignInTitle)}</a></p>
                }.into_any(),
            }}
            <p><a href="/demo">{l.text(Msg::HomeDemoLink)}</a></p>
        </Layout>
    }
}

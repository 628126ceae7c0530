//! The demo relying party: starts a sign-in and shows what came back. Its forms post to the
//! demo's own endpoints, which talk to Sesame like any other client would.

use crate::api::{DemoState, PageEnv};
use crate::components::Layout;
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;

/// The demo page.
#[component]
pub fn DemoScreen(env: PageEnv, state: DemoState) -> impl IntoView {
    let l = env.locale;
    let signed_in = state.id_token_claims.is_some();
    view! {
        <Layout env=env.clone() title=l.text(Msg::DemoTitle).to_string()>
            <p>{l.text(Msg::DemoIntro)}</p>
            {state.error.map(|e| view! {
                <div class="alert alert-error" role="alert"><p>{l.text_n(Msg::DemoError, e)}</p></div>
            })}
            {if signed_in {
                view! {
                    <p class="status" data-testid="demo-subject">
                        {l.text_n(Msg::DemoSignedInAs, state.subject_label.clone().unwrap_or_default())}
                    </p>
                    <h2>{l.text(Msg::DemoIdTokenClaims)}</h2>
                    <pre class="code" data-testid="id-token-claims">{state.id_token_claims.clone()}</pre>
                    <h2>{l.text(Msg::DemoUserinfo)}</h2>
                    <pre class="code" data-testid="userinfo">{state.userinfo.clone()}</pre>
                    <p><a href="/account">{l.text(Msg::AccountManage)}</a></p>
                    <form method="post" action="/demo/sign-out">
                        <CsrfField token=env.csrf.clone()/>
                        <button type="submit" class="button button-secondary">{l.text(Msg::DemoSignOut)}</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <p class="status" data-testid="demo-signed-out">{l.text(Msg::DemoNotSignedIn)}</p>
                    <form method="post" action="/demo/start" class="form-inline">
                        <CsrfField token=env.csrf.clone()/>
                        <button type="submit" class="button button-primary" name="prompt" value="">{l.text(Msg::DemoSignIn)}</button>
                        <button type="submit" class="button button-secondary" name="prompt" value="login">{l.text(Msg::DemoSignInForce)}</button>
                    </form>
                }.into_any()
            }}
        </Layout>
    }
}

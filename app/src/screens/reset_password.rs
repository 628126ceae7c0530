//! Forgotten password: where to send the code, then (after the code) the new password.

use crate::api::{Field, NewPasswordState, PageEnv, ResetPasswordState, Rule, UiError};
use crate::components::{ErrorSummary, IdentifierField, Layout, NewPasswordFields, SubmitButton};
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The first step: the email address or phone number of the account.
#[component]
pub fn ResetPasswordScreen(env: PageEnv, state: ResetPasswordState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors.clone();
    let kinds = state.kinds.clone();
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::ResetPasswordTitle).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            <p class="lead">{l.text(Msg::ResetPasswordLead)}</p>
            <form class="form" method="post" action=ResetPassword::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                <IdentifierField
                    kinds=kinds.clone()
                    value=state.identifier.clone()
                    error=errors.of(Field::Identifier)
                    autofocus=true
                    rule=Rule::for_kinds(&kinds, (1, crate::api::rules::USERNAME_MAX))
                    locale=l
                />
                <SubmitButton label=l.text(Msg::SendCodeSubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
            <p class="switch"><a href="/sign-in">{l.text(Msg::BackToSignIn)}</a></p>
        </Layout>
    }
}

/// The last step: the new password, once the code is verified.
#[component]
pub fn NewPasswordScreen(env: PageEnv, state: NewPasswordState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors.clone();
    let rules = state.password_rules;
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::NewPasswordTitle).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            <p class="lead">
                {l.text(Msg::NewPasswordLead)} " " <strong class="identifier-value">{state.account.clone()}</strong>
            </p>
            <form class="form" method="post" action=NewPassword::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                // Lets password managers file the new password under the right account.
                <input type="hidden" name="account" autocomplete="username" value=state.account.clone()/>
                <NewPasswordFields rules=rules errors=errors.clone() focus=Some(Field::NewPassword) locale=l/>
                <SubmitButton label=l.text(Msg::SavePasswordSubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
        </Layout>
    }
}

/// Sends a reset code to the account's email address or phone.
#[server(prefix = "/flow", endpoint = "reset-password")]
pub async fn reset_password(
    csrf: Option<String>,
    identifier: Option<String>,
) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::ResetPassword {
        csrf: csrf.unwrap_or_default(),
        identifier: identifier.unwrap_or_default(),
    })
    .await
}

/// Sets the new password.
#[server(prefix = "/flow", endpoint = "new-password")]
pub async fn new_password(
    csrf: Option<String>,
    new_password: Option<String>,
    confirm_password: Option<String>,
    account: Option<String>,
) -> Result<(), UiError> {
    let _ = account;
    crate::port::submit(crate::port::FormSubmission::NewPassword {
        csrf: csrf.unwrap_or_default(),
        new_password: new_password.unwrap_or_default(),
        confirm_password: confirm_password.unwrap_or_default(),
    })
    .await
}

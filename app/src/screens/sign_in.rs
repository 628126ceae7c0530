//! The sign-in screen: identifier and password.

use crate::api::{rules, Field, PageEnv, Rule, SignInState, UiError};
use crate::components::{ErrorSummary, Layout, PasswordField, TextField};
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The sign-in screen.
#[component]
pub fn SignInScreen(env: PageEnv, state: SignInState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors;
    // Focus the first field in error, else the identifier (or the password when pre-filled).
    let focus_password = !state.identifier.is_empty() && errors.of(Field::Identifier).is_none();
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::SignInTitle).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            <form class="form" method="post" action=SignIn::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                <TextField
                    name=Field::Identifier.name().to_string()
                    label=l.text(Msg::IdentifierLabel).to_string()
                    autocomplete="username".to_string()
                    value=state.identifier.clone()
                    error=errors.of(Field::Identifier)
                    required=true
                    optional_label=false
                    autofocus=!focus_password
                    max_len=rules::IDENTIFIER_MAX
                    rule=Rule::Identifier
                    locale=l
                />
                <PasswordField
                    name=Field::Password.name().to_string()
                    label=l.text(Msg::PasswordLabel).to_string()
                    autocomplete="current-password".to_string()
                    error=errors.of(Field::Password)
                    autofocus=focus_password
                    rule=Rule::Required
                    locale=l
                />
                <button type="submit" class="button button-primary">{l.text(Msg::SignInSubmit)}</button>
            </form>
            {state.registration_enabled.then(|| view! {
                <p class="switch">
                    {l.text(Msg::NoAccountYet)} " "
                    <a href="/register">{l.text(Msg::CreateAccountLink)}</a>
                </p>
            })}
        </Layout>
    }
}

/// Checks the credentials; on success continues the sign-in, else shows the form again.
#[server(prefix = "/flow", endpoint = "sign-in")]
pub async fn sign_in(
    csrf: Option<String>,
    identifier: Option<String>,
    password: Option<String>,
) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::SignIn {
        csrf: csrf.unwrap_or_default(),
        identifier: identifier.unwrap_or_default(),
        password: password.unwrap_or_default(),
    })
    .await
}

//! The registration screen: username and/or email, and a password.

use crate::api::{rules, Field, PageEnv, RegisterState, Rule, UiError};
use crate::components::{ErrorSummary, Layout, PasswordField, TextField};
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The registration screen.
#[component]
pub fn RegisterScreen(env: PageEnv, state: RegisterState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors;
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::RegisterTitle).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            <form class="form" method="post" action=Register::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                <TextField
                    name=Field::Username.name().to_string()
                    label=l.text(Msg::UsernameLabel).to_string()
                    autocomplete="username".to_string()
                    value=state.username.clone()
                    hint=l.text(Msg::UsernameHint).to_string()
                    error=errors.of(Field::Username)
                    required=false
                    optional_label=true
                    autofocus=true
                    max_len=rules::USERNAME_MAX
                    rule=Rule::OptionalUsername
                    locale=l
                />
                <TextField
                    name=Field::Email.name().to_string()
                    label=l.text(Msg::EmailLabel).to_string()
                    input_type="email".to_string()
                    inputmode="email".to_string()
                    autocomplete="email".to_string()
                    value=state.email.clone()
                    error=errors.of(Field::Email)
                    required=false
                    optional_label=true
                    autofocus=false
                    max_len=rules::EMAIL_MAX
                    rule=Rule::OptionalEmail
                    locale=l
                />
                <PasswordField
                    name=Field::NewPassword.name().to_string()
                    label=l.text(Msg::NewPasswordLabel).to_string()
                    autocomplete="new-password".to_string()
                    hint=l.text(Msg::NewPasswordHint).to_string()
                    error=errors.of(Field::NewPassword)
                    autofocus=false
                    rule=Rule::NewPassword
                    locale=l
                />
                <PasswordField
                    name=Field::ConfirmPassword.name().to_string()
                    label=l.text(Msg::ConfirmPasswordLabel).to_string()
                    autocomplete="new-password".to_string()
                    error=errors.of(Field::ConfirmPassword)
                    autofocus=false
                    rule=Rule::Required
                    locale=l
                />
                <button type="submit" class="button button-primary">{l.text(Msg::RegisterSubmit)}</button>
            </form>
            <p class="switch">
                {l.text(Msg::HaveAccount)} " "
                <a href="/sign-in">{l.text(Msg::SignInLink)}</a>
            </p>
        </Layout>
    }
}

/// Creates the account; on success signs the user in and continues, else shows the form again.
#[server(prefix = "/flow", endpoint = "register")]
pub async fn register(
    csrf: Option<String>,
    username: Option<String>,
    email: Option<String>,
    new_password: Option<String>,
    confirm_password: Option<String>,
) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::Register {
        csrf: csrf.unwrap_or_default(),
        username: username.unwrap_or_default(),
        email: email.unwrap_or_default(),
        new_password: new_password.unwrap_or_default(),
        confirm_password: confirm_password.unwrap_or_default(),
    })
    .await
}

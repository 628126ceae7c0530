//! The registration screen: the identifier the account is created with, any further
//! identifiers the operator requires, a password when chosen at sign-up, and the terms.

use crate::api::{Field, IdentifierKind, PageEnv, RegisterState, Rule, TermsView, UiError};
use crate::components::{shown, ErrorSummary, Layout, NewPasswordFields, SubmitButton, TextField};
use crate::i18n::{Locale, Msg};
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The registration screen.
#[component]
pub fn RegisterScreen(env: PageEnv, state: RegisterState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors.clone();
    let kinds = state.kinds.clone();
    let primary_field = match kinds.as_slice() {
        [one] => Field::of_kind(*one),
        _ => Field::Identifier,
    };
    let first_error = errors.fields.first().map(|(f, _)| *f);
    let input = |field: Field, kinds: Vec<IdentifierKind>| {
        let hint = (kinds == [IdentifierKind::Username]).then(|| {
            l.text_n(Msg::UsernameHint, state.username_rules.0)
                .replace("{m}", &state.username_rules.1.to_string())
        });
        view! {
            <TextField
                name=field.name().to_string()
                label=l.text(IdentifierKind::label(&kinds)).to_string()
                input_type=IdentifierKind::input_type(&kinds).to_string()
                autocomplete=IdentifierKind::autocomplete(&kinds).to_string()
                value=state.value(field)
                hint=hint
                error=shown(errors.of(field), l)
                required=true
                optional_label=false
                autofocus=first_error.map_or(field == primary_field, |f| f == field)
                max_len=crate::api::rules::IDENTIFIER_MAX
                rule=Rule::for_kinds(&kinds, state.username_rules)
                locale=l
            />
        }
    };
    let primary = input(primary_field, kinds.clone());
    let secondary = state
        .secondary
        .iter()
        .map(|k| input(Field::of_kind(*k), vec![*k]))
        .collect_view();
    let password = state.password.then(|| {
        let focus = first_error.filter(|f| matches!(f, Field::NewPassword | Field::ConfirmPassword));
        view! { <NewPasswordFields rules=state.password_rules errors=errors.clone() focus=focus locale=l/> }
    });
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::RegisterTitle).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            <form class="form" method="post" action=Register::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                {primary}
                {secondary}
                {password}
                {state.terms.clone().map(|t| view! { <TermsAgreement terms=t error=errors.of(Field::Terms) locale=l/> })}
                <SubmitButton label=l.text(Msg::RegisterSubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
            <crate::screens::federation::OtherProviders federation=state.federation.clone() locale=l/>
            {state.sign_in_enabled.then(|| view! {
                <p class="switch">
                    {l.text(Msg::HaveAccount)} " "
                    <a href="/sign-in">{l.text(Msg::SignInLink)}</a>
                </p>
            })}
        </Layout>
    }
}

/// The terms: a checkbox when agreement is asked for, else a line with the links.
#[component]
pub fn TermsAgreement(terms: TermsView, error: Option<UiError>, locale: Locale) -> impl IntoView {
    let l = locale;
    let links = view! {
        {terms.terms_url.clone().map(|u| view! { <a href=u target="_blank" rel="noopener">{l.text(Msg::TermsLink)}</a> })}
        {(terms.terms_url.is_some() && terms.privacy_url.is_some()).then(|| format!(" {} ", l.text(Msg::And)))}
        {terms.privacy_url.clone().map(|u| view! { <a href=u target="_blank" rel="noopener">{l.text(Msg::PrivacyLink)}</a> })}
    };
    if terms.checkbox {
        let invalid = error.is_some();
        view! {
            <div class="field field-checkbox" class:field-invalid=invalid>
                <input
                    type="checkbox"
                    id="terms"
                    name="terms"
                    value="on"
                    class="checkbox"
                    required=true
                    aria-invalid=if invalid { "true" } else { "false" }
                    aria-describedby=invalid.then_some("terms-error")
                />
                <label for="terms">{l.text(Msg::TermsAgree)} " " {links}</label>
                <p class="field-error" id="terms-error">{error.map(|e| e.message(l))}</p>
            </div>
        }
        .into_any()
    } else {
        view! { <p class="terms-note">{l.text(Msg::TermsByContinuing)} " " {links}</p> }.into_any()
    }
}

/// Checks the form; sends a verification code or creates the account.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/flow", endpoint = "register")]
pub async fn register(
    csrf: Option<String>,
    identifier: Option<String>,
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    new_password: Option<String>,
    confirm_password: Option<String>,
    terms: Option<String>,
) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::Register {
        csrf: csrf.unwrap_or_default(),
        identifier: identifier.unwrap_or_default(),
        username: username.unwrap_or_default(),
        email: email.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        new_password: new_password.unwrap_or_default(),
        confirm_password: confirm_password.unwrap_or_default(),
        terms: terms.is_some(),
    })
    .await
}

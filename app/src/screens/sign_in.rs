//! The sign-in screen: identifier and password on one screen (unified), or the identifier
//! first and the password next (identifier-first), with "email me a code" where offered.

use crate::api::{Field, IdentifierKind, PageEnv, Rule, SignInState, SignInStep, UiError};
use crate::components::{
    shown, ErrorSummary, IdentifierField, Layout, NoticeBanner, PasswordField, SubmitButton,
};
use crate::i18n::Msg;
use crate::screens::federation::{LinkingBanner, OtherProviders};
use crate::screens::mfa::PasskeySignIn;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The sign-in screen.
#[component]
pub fn SignInScreen(env: PageEnv, state: SignInState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors;
    let step = state.step;
    let kinds = state.kinds.clone();
    let code_kinds: Vec<IdentifierKind> = kinds
        .iter()
        .copied()
        .filter(|k| *k != IdentifierKind::Username)
        .collect();
    let ask_password = state.password && step != SignInStep::Identifier;
    // Focus the first field in error, else the identifier (or the password when pre-filled).
    let focus_password =
        ask_password && !state.identifier.is_empty() && errors.of(Field::Identifier).is_none();
    let identifier_input = if step == SignInStep::Password {
        view! {
            <div class="field field-static">
                <span class="field-label">{l.text(IdentifierKind::label(&kinds))}</span>
                <p class="identifier-chip">
                    <span class="identifier-value">{state.identifier.clone()}</span>
                    " "
                    <a href="/identifier-sign-in">{l.text(Msg::ChangeIdentifier)}</a>
                </p>
                <input type="hidden" name="identifier" value=state.identifier.clone()/>
            </div>
        }
        .into_any()
    } else {
        view! {
            <IdentifierField
                kinds=kinds.clone()
                value=state.identifier.clone()
                error=errors.of(Field::Identifier)
                autofocus=!focus_password
                rule=Rule::Identifier
                locale=l
                passkeys=state.passkey.is_some()
            />
        }
        .into_any()
    };
    let primary = match (step, state.password) {
        (SignInStep::Identifier, _) => ("continue", Msg::ContinueSubmit),
        (SignInStep::Password, true) => ("password_step", Msg::SignInSubmit),
        (_, true) => ("password", Msg::SignInSubmit),
        (_, false) => ("code", Msg::SendCodeSubmit),
    };
    let offer_code = state.code && state.password && !code_kinds.is_empty();
    // The password step names itself, so that errors come back to it.
    let code_method = if step == SignInStep::Password {
        "code_step"
    } else {
        "code"
    };
    let link_method = if step == SignInStep::Password {
        "link_step"
    } else {
        "link"
    };
    let code_label = match code_kinds.as_slice() {
        [IdentifierKind::Email] => Msg::EmailMeACode,
        [IdentifierKind::Phone] => Msg::TextMeACode,
        _ => Msg::SendMeACode,
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::SignInTitle).to_string()>
            <NoticeBanner notice=state.notice subject=None locale=l/>
            <LinkingBanner provider=state.federation.linking.clone() csrf=env.csrf.clone() locale=l/>
            <ErrorSummary errors=errors.clone() locale=l/>
            <form class="form" method="post" action=SignIn::PATH novalidate hidden=state.local_hidden>
                <CsrfField token=env.csrf.clone()/>
                {identifier_input}
                {ask_password.then(|| view! {
                    <PasswordField
                        name=Field::Password.name().to_string()
                        label=l.text(Msg::PasswordLabel).to_string()
                        autocomplete="current-password".to_string()
                        error=shown(errors.of(Field::Password), l)
                        autofocus=focus_password
                        rule=Rule::None
                        locale=l
                    />
                })}
                {(ask_password && state.forgot_password).then(|| if state.forgot_ends_flow {
                    // Posts the user flow's form (in the layout), which ends the flow at the app.
                    view! {
                        <p class="form-aside">
                            <button type="submit" class="link-button" form="user-flow-form" name="action" value="forgot">{l.text(Msg::ForgotPassword)}</button>
                        </p>
                    }
                    .into_any()
                } else {
                    view! { <p class="form-aside"><a href="/reset-password">{l.text(Msg::ForgotPassword)}</a></p> }.into_any()
                })}
                <SubmitButton label=l.text(primary.1).to_string() name=Some("method".to_string()) value=Some(primary.0.to_string()) primary=true pending=env.pending locale=l/>
                {(offer_code && step != SignInStep::Identifier).then(|| view! {
                    <SubmitButton label=l.text(code_label).to_string() name=Some("method".to_string()) value=Some(code_method.to_string()) primary=false pending=false locale=l/>
                })}
                {(state.link && step != SignInStep::Identifier).then(|| view! {
                    <SubmitButton label=l.text(Msg::EmailMeALink).to_string() name=Some("method".to_string()) value=Some(link_method.to_string()) primary=false pending=false locale=l/>
                })}
            </form>
            {state.passkey.clone().map(|options| view! {
                <form class="form form-passkey" id="passkey-form" method="post" action=crate::screens::mfa::MFA_ACTION>
                    <CsrfField token=env.csrf.clone()/>
                    <input type="hidden" name="action" value="passkey_sign_in"/>
                    <input type="hidden" name="credential" value=""/>
                    <PasskeySignIn options=options label=l.text(Msg::PasskeySignIn).to_string()/>
                </form>
            })}
            <OtherProviders federation=state.federation.clone() locale=l/>
            {state.registration_enabled.then(|| view! {
                <p class="switch">
                    {l.text(Msg::NoAccountYet)} " "
                    <a href="/register">{l.text(Msg::CreateAccountLink)}</a>
                </p>
            })}
        </Layout>
    }
}

/// Checks the credentials or sends a code; on success continues the sign-in, else shows
/// the form again.
#[server(prefix = "/flow", endpoint = "sign-in")]
pub async fn sign_in(
    csrf: Option<String>,
    identifier: Option<String>,
    password: Option<String>,
    method: Option<String>,
) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::SignIn {
        csrf: csrf.unwrap_or_default(),
        identifier: identifier.unwrap_or_default(),
        password: password.unwrap_or_default(),
        method: method.unwrap_or_default(),
    })
    .await
}

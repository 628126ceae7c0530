//! The screen where the user types the one-time code sent by email or text message.

use crate::api::{CodePurpose, Field, PageEnv, Rule, UiError, VerifyCodeState};
use crate::components::{shown, ErrorSummary, Layout, NoticeBanner, SubmitButton, TextField};
use crate::i18n::Msg;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The code entry screen.
#[component]
pub fn VerifyCodeScreen(env: PageEnv, state: VerifyCodeState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors.clone();
    let title = if state.by_sms {
        Msg::VerifyPhoneTitle
    } else {
        Msg::VerifyEmailTitle
    };
    let back = match (state.purpose, state.by_sms) {
        (CodePurpose::Mfa, _) => Msg::MfaChooseAnother,
        (_, true) => Msg::UseAnotherPhone,
        (_, false) => Msg::UseAnotherEmail,
    };
    let lead = match state.purpose {
        CodePurpose::ResetPassword => Msg::CodeLeadReset,
        _ => Msg::CodeLead,
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(title).to_string()>
            <NoticeBanner notice=state.notice subject=Some(state.recipient.clone()) locale=l/>
            <ErrorSummary errors=errors.clone() locale=l/>
            <p class="lead">
                {l.text(lead)} " " <strong class="identifier-value">{state.recipient.clone()}</strong>
            </p>
            <form class="form" method="post" action=VerifyCode::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                <TextField
                    name=Field::Code.name().to_string()
                    label=l.text(Msg::CodeLabel).to_string()
                    autocomplete="one-time-code".to_string()
                    inputmode="numeric".to_string()
                    value=String::new()
                    hint=Some(l.text_n(Msg::CodeHint, state.digits))
                    error=shown(errors.of(Field::Code), l)
                    required=true
                    optional_label=false
                    autofocus=true
                    max_len=state.digits + 4
                    rule=Rule::Code { digits: state.digits }
                    locale=l
                />
                <SubmitButton label=l.text(Msg::VerifySubmit).to_string() name=Some("action".to_string()) value=Some("verify".to_string()) primary=true pending=env.pending locale=l/>
                <SubmitButton label=l.text(Msg::ResendCode).to_string() name=Some("action".to_string()) value=Some("resend".to_string()) primary=false pending=false locale=l/>
            </form>
            <p class="switch"><a href=state.back.clone()>{l.text(back)}</a></p>
        </Layout>
    }
}

/// Checks the code, or sends a new one.
#[server(prefix = "/flow", endpoint = "verify-code")]
pub async fn verify_code(
    csrf: Option<String>,
    code: Option<String>,
    action: Option<String>,
) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::VerifyCode {
        csrf: csrf.unwrap_or_default(),
        code: code.unwrap_or_default(),
        resend: action.as_deref() == Some("resend"),
    })
    .await
}

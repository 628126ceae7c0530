//! Pages that explain where the user stands: a suspended account, a verified address with
//! no account, terms to agree to before continuing.

use crate::api::{Field, NoticeKind, NoticeState, PageEnv, UiError};
use crate::components::{ErrorSummary, Layout, SubmitButton};
use crate::i18n::Msg;
use crate::screens::register::TermsAgreement;
use crate::screens::CsrfField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A notice page.
#[component]
pub fn NoticeScreen(env: PageEnv, state: NoticeState) -> impl IntoView {
    let l = env.locale;
    let (title, body) = match state.kind {
        NoticeKind::Suspended => (Msg::SuspendedTitle, Msg::SuspendedBody),
        NoticeKind::NoAccount => (Msg::NoAccountTitle, Msg::NoAccountBody),
        NoticeKind::TermsUpdate => (Msg::TermsTitle, Msg::TermsBody),
        NoticeKind::AccountDeleted => (Msg::AccountDeletedTitle, Msg::AccountDeletedLead),
    };
    let content = match state.kind {
        NoticeKind::TermsUpdate => view! {
            <form class="form" method="post" action=AgreeTerms::PATH novalidate>
                <CsrfField token=env.csrf.clone()/>
                {state.terms.clone().map(|t| view! { <TermsAgreement terms=t error=state.errors.of(Field::Terms) locale=l/> })}
                <SubmitButton label=l.text(Msg::ContinueSubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
        }
        .into_any(),
        NoticeKind::NoAccount => view! {
            <p class="switch"><a href="/sign-in">{l.text(Msg::BackToSignIn)}</a></p>
        }
        .into_any(),
        NoticeKind::Suspended => view! {
            <p class="switch"><a href="/sign-out">{l.text(Msg::SignOutSubmit)}</a></p>
        }
        .into_any(),
        NoticeKind::AccountDeleted => view! {
            <p class="switch"><a href="/">{l.text(Msg::AccountDeletedHome)}</a></p>
        }
        .into_any(),
    };
    view! {
        <Layout env=env.clone() title=l.text(title).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">
                {l.text(body)}
                {state.subject.clone().map(|s| view! { " " <strong class="identifier-value">{s}</strong> })}
            </p>
            {content}
        </Layout>
    }
}

/// Records the user's agreement to the terms and continues the sign-in.
#[server(prefix = "/flow", endpoint = "agree-terms")]
pub async fn agree_terms(csrf: Option<String>, terms: Option<String>) -> Result<(), UiError> {
    crate::port::submit(crate::port::FormSubmission::AgreeTerms {
        csrf: csrf.unwrap_or_default(),
        agreed: terms.is_some(),
    })
    .await
}

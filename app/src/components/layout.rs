use crate::api::{ClientInfo, FormErrors, Notice, PageEnv};
use crate::i18n::{Locale, Msg};
use leptos::prelude::*;

/// The frame of every screen: skip link, brand, language picker, one card of content.
#[component]
pub fn Layout(
    env: PageEnv,
    /// The application the user came from, shown under the heading.
    #[prop(optional_no_strip)]
    client: Option<ClientInfo>,
    /// The screen's main heading.
    title: String,
    children: Children,
) -> impl IntoView {
    let locale = env.locale;
    let subtitle = client
        .as_ref()
        .map(|c| locale.text_n(Msg::SignInTo, &c.name));
    let logo = client.as_ref().and_then(|c| c.logo_uri.clone());
    view! {
        <a class="skip-link" href="#main">{locale.text(Msg::SkipToContent)}</a>
        <div class="page">
            <header class="page-header">
                <a class="brand" href="/">
                    <img class="brand-logo" src="/logo.svg" alt="" width="32" height="32"/>
                    <span class="brand-name">{locale.text(Msg::ProductName)}</span>
                </a>
                <LanguagePicker env=env.clone()/>
            </header>
            <main id="main" class="card" tabindex="-1">
                {logo.map(|src| view! { <img class="client-logo" src=src alt="" width="48" height="48"/> })}
                <h1 class="card-title">{title}</h1>
                {subtitle.map(|s| view! { <p class="card-subtitle">{s}</p> })}
                {children()}
            </main>
        </div>
    }
}

/// A language picker that works without JavaScript: a GET form to `/language`.
#[component]
fn LanguagePicker(env: PageEnv) -> impl IntoView {
    let current = env.locale;
    view! {
        <form class="language-picker" method="get" action="/language">
            <input type="hidden" name="return_to" value=env.path.clone()/>
            <label for="language-select">{current.text(Msg::LanguageLabel)}</label>
            <select id="language-select" name="lang">
                {Locale::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.tag() selected=l == current lang=l.tag()>
                                {l.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="button button-quiet">{current.text(Msg::LanguageApply)}</button>
        </form>
    }
}

/// The form-level error, announced to screen readers and focusable.
#[component]
pub fn ErrorSummary(errors: FormErrors, locale: Locale) -> impl IntoView {
    errors.form.map(|e| {
        view! {
            <div class="alert alert-error" role="alert" id="form-error" tabindex="-1">
                <p>{e.message(locale)}</p>
            </div>
        }
    })
}

/// A confirmation of what just happened (a code sent, a password changed).
#[component]
pub fn NoticeBanner(
    notice: Option<Notice>,
    subject: Option<String>,
    locale: Locale,
) -> impl IntoView {
    notice.map(|n| {
        let text = match n {
            Notice::PasswordChanged => locale.text(Msg::NoticePasswordChanged).to_string(),
            Notice::CodeSent => {
                locale.text_n(Msg::NoticeCodeSent, subject.clone().unwrap_or_default())
            }
        };
        view! {
            <div class="alert alert-success" role="status">
                <p>{text}</p>
            </div>
        }
    })
}

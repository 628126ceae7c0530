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
    let b = env.branding.clone();
    let brand_name = b
        .name
        .clone()
        .unwrap_or_else(|| locale.text(Msg::ProductName).to_string());
    let brand_logo = b.logo_url.clone().unwrap_or_else(|| "/logo.svg".into());
    let dark_logo = b.logo_dark_url.clone();
    let split = b.layout == crate::api::PageLayout::Split;
    let extras = branding_extras(&b, locale);
    view! {
        <a class="skip-link" href="#main">{locale.text(Msg::SkipToContent)}</a>
        <div class="page" data-layout=b.layout.name()>
            <header class="page-header">
                <a class="brand" href="/">
                    <picture class="brand-picture">
                        {dark_logo.map(|src| view! { <source srcset=src media="(prefers-color-scheme: dark)"/> })}
                        <img class="brand-logo" src=brand_logo alt="" width="32" height="32"/>
                    </picture>
                    <span class="brand-name">{brand_name}</span>
                </a>
                <LanguagePicker env=env.clone()/>
            </header>
            {split.then(|| view! {
                <aside class="side-panel" aria-label=locale.text(Msg::AboutService)>
                    <p class="side-panel-name">{b.name.clone().unwrap_or_else(|| locale.text(Msg::ProductName).to_string())}</p>
                    {b.content.clone().map(|c| view! { <p class="side-panel-content">{c}</p> })}
                </aside>
            })}
            <main id="main" class="card" tabindex="-1">
                {logo.map(|src| view! { <img class="client-logo" src=src alt="" width="48" height="48"/> })}
                <h1 class="card-title">{title}</h1>
                {subtitle.map(|s| view! { <p class="card-subtitle">{s}</p> })}
                {children()}
                {env.user_flow.then(|| view! {
                    <form id="user-flow-form" class="form user-flow-form" method="post" action="/flow/b2c">
                        <input type="hidden" name="csrf" value=env.csrf.clone()/>
                        <button type="submit" class="link-button" name="action" value="cancel">{locale.text(Msg::UserFlowCancel)}</button>
                    </form>
                })}
                {(!split).then(|| b.content.clone().map(|c| view! { <p class="custom-content">{c}</p> }))}
            </main>
            {extras}
        </div>
    }
}

/// The footer: support and the operator's links, when configured.
fn branding_extras(b: &crate::api::Branding, locale: Locale) -> Option<impl IntoView> {
    if b.support_url.is_none() && b.links.is_empty() {
        return None;
    }
    let support = b.support_url.clone();
    let links = b.links.clone();
    Some(view! {
        <footer class="page-footer">
            <ul class="footer-links">
                {support.map(|u| view! { <li><a href=u>{locale.text(Msg::SupportLink)}</a></li> })}
                {links.into_iter().map(|(label, url)| view! { <li><a href=url>{label}</a></li> }).collect_view()}
            </ul>
        </footer>
    })
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
                    .filter(|l| env.languages.is_empty() || env.languages.contains(l))
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
            Notice::Account(a) => locale.text(a.message()).to_string(),
        };
        view! {
            <div class="alert alert-success" role="status">
                <p>{text}</p>
            </div>
        }
    })
}

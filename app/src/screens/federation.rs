//! Signing in with other identity providers: the "Continue with …" buttons of the sign-in
//! and sign-up screens, the work-email screen of single sign-on, and the screen that asks
//! what to do with an identity no account has yet. All plain links and forms: no
//! JavaScript needed.

use crate::api::{Federation, Field, LinkState, PageEnv, ProviderButton, Rule, SsoState};
use crate::components::{shown, ErrorSummary, Layout, SubmitButton, TextField};
use crate::i18n::{Locale, Msg};
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where the single-sign-on and link forms post.
pub const FEDERATION_ACTION: &str = "/flow/federation";

/// A provider's mark: a small shape in its colour, drawn here so that no third-party image
/// is loaded (operators who need the official artwork theme `.provider-icon`).
#[component]
pub fn ProviderIcon(icon: String) -> impl IntoView {
    let (color, letter) = match icon.as_str() {
        "google" => ("#4285f4", "G"),
        "apple" => ("#000000", ""),
        "github" => ("#24292f", "GH"),
        "gitlab" => ("#fc6d26", "GL"),
        "line" => ("#06c755", "L"),
        _ => ("#5f6368", ""),
    };
    if icon == "microsoft" {
        return view! {
            <svg class="provider-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                <rect x="0" y="0" width="9.5" height="9.5" fill="#f25022"/>
                <rect x="10.5" y="0" width="9.5" height="9.5" fill="#7fba00"/>
                <rect x="0" y="10.5" width="9.5" height="9.5" fill="#00a4ef"/>
                <rect x="10.5" y="10.5" width="9.5" height="9.5" fill="#ffb900"/>
            </svg>
        }
        .into_any();
    }
    let size = if letter.len() > 1 { "8" } else { "11" };
    view! {
        <svg class="provider-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <rect width="20" height="20" rx="4" fill=color/>
            {if letter.is_empty() {
                // A key: any OpenID Connect or OAuth provider, and Apple (no letter fits it).
                view! {
                    <g fill="none" stroke="#fff" stroke-width="1.8" stroke-linecap="round">
                        <circle cx="7.5" cy="10" r="3"/>
                        <path d="M10.5 10h6M14.5 10v2.5"/>
                    </g>
                }
                .into_any()
            } else {
                view! {
                    <text x="10" y="14.2" text-anchor="middle" font-size=size font-weight="700"
                        font-family="system-ui, sans-serif" fill="#fff">{letter}</text>
                }
                .into_any()
            }}
        </svg>
    }
    .into_any()
}

fn provider_link(p: &ProviderButton, l: Locale) -> impl IntoView {
    let label = l.text(Msg::ContinueWith).replace("{name}", &p.name);
    view! {
        <li>
            <a class="button button-provider" href=format!("/sign-in/with/{}", p.id)>
                <ProviderIcon icon=p.icon.clone()/>
                <span>{label}</span>
            </a>
        </li>
    }
}

/// "or", then a button per provider and the single-sign-on link; nothing when no provider
/// is configured.
#[component]
pub fn OtherProviders(federation: Federation, locale: Locale) -> impl IntoView {
    let l = locale;
    if federation.providers.is_empty() && !federation.sso {
        return ().into_any();
    }
    let buttons = federation
        .providers
        .iter()
        .map(|p| provider_link(p, l))
        .collect_view();
    view! {
        <p class="divider" role="separator"><span>{l.text(Msg::OrDivider)}</span></p>
        <ul class="providers" aria-label=l.text(Msg::OtherWaysLabel)>
            {buttons}
            {federation.sso.then(|| view! {
                <li>
                    <a class="button button-provider" href="/sso">
                        <ProviderIcon icon="sso".to_string()/>
                        <span>{l.text(Msg::SsoLink)}</span>
                    </a>
                </li>
            })}
        </ul>
    }
    .into_any()
}

/// The banner of a sign-in that will link a pending identity.
#[component]
pub fn LinkingBanner(provider: Option<String>, csrf: String, locale: Locale) -> impl IntoView {
    provider.map(|name| {
        view! {
            <div class="alert alert-info" role="status">
                <p>{locale.text(Msg::LinkBanner).replace("{name}", &name)}</p>
                <form method="post" action=FEDERATION_ACTION class="inline-form">
                    <CsrfField token=csrf/>
                    <input type="hidden" name="action" value="cancel"/>
                    <button type="submit" class="link-button">{locale.text(Msg::LinkCancel)}</button>
                </form>
            </div>
        }
    })
}

/// The work-email screen: the organization's provider is found from the domain.
#[component]
pub fn SsoScreen(env: PageEnv, state: SsoState) -> impl IntoView {
    let l = env.locale;
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::SsoTitle).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">{l.text(Msg::SsoLead)}</p>
            <form class="form" method="post" action=FEDERATION_ACTION novalidate>
                <CsrfField token=env.csrf.clone()/>
                <input type="hidden" name="action" value="sso"/>
                <TextField
                    name=Field::Email.name().to_string()
                    label=l.text(Msg::WorkEmailLabel).to_string()
                    input_type="email".to_string()
                    autocomplete="email".to_string()
                    value=state.email.clone()
                    error=shown(state.errors.of(Field::Email), l)
                    required=true
                    optional_label=false
                    autofocus=true
                    max_len=crate::api::rules::IDENTIFIER_MAX
                    rule=Rule::Email
                    locale=l
                />
                <SubmitButton label=l.text(Msg::ContinueSubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
            <p class="switch"><a href="/sign-in">{l.text(Msg::OtherWaysLink)}</a></p>
        </Layout>
    }
}

/// A new identity from another provider: create an account with it, or sign in to an
/// existing account to link it (also when that account has another email address).
#[component]
pub fn LinkScreen(env: PageEnv, state: LinkState) -> impl IntoView {
    let l = env.locale;
    let fill = |m: Msg| {
        l.text(m)
            .replace("{name}", &state.provider)
            .replace("{email}", state.email.as_deref().unwrap_or(""))
    };
    let lead = if state.collision {
        fill(Msg::LinkLeadCollision)
    } else if state.can_create {
        fill(Msg::LinkLeadNew)
    } else {
        fill(Msg::LinkLeadClosed)
    };
    let csrf = env.csrf.clone();
    let action = move |value: &'static str, label: Msg, primary: bool| {
        view! {
            <form class="form" method="post" action=FEDERATION_ACTION>
                <CsrfField token=csrf.clone()/>
                <input type="hidden" name="action" value=value/>
                <SubmitButton label=l.text(label).to_string() primary=primary pending=false locale=l/>
            </form>
        }
    };
    let create =
        (state.can_create && !state.collision).then(|| action("create", Msg::LinkCreate, true));
    let sign_in = action(
        "sign_in",
        Msg::LinkSignIn,
        state.collision || !state.can_create,
    );
    let cancel = action("cancel", Msg::LinkCancel, false);
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::LinkTitle).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">{lead}</p>
            {create}
            {sign_in}
            {cancel}
        </Layout>
    }
}

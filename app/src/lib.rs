//! Sesame's user interface. Every screen is a pure view of the state the server gives it
//! ([`api::Page`]), rendered to HTML on the server; islands add comfort in the browser
//! (instant validation, password reveal). The same views mount client-side in the gallery.

pub mod api;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod fixtures;
#[cfg(feature = "csr")]
pub mod gallery;
pub mod i18n;
pub mod port;
pub mod screens;

#[cfg(feature = "ssr")]
use api::Page;
#[cfg(feature = "ssr")]
use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

impl FromServerFnError for api::UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_value: ServerFnErrorErr) -> Self {
        api::UiError::Internal
    }
}

/// The whole HTML document of a server-rendered page.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions, page: Page) -> impl IntoView {
    let locale = page.env.locale;
    let title = format!(
        "{} · {}",
        page.screen.title(locale),
        locale.text(i18n::Msg::ProductName)
    );
    // Set as markup so no hydration marker lands inside <title> (where it would show as
    // text); the title is our own translated text, escaped all the same.
    let title = title.replace('&', "&amp;").replace('<', "&lt;");
    let auto_post = matches!(page.screen, api::Screen::FormPost(_));
    let branding = page.env.branding.clone();
    let favicon = branding
        .favicon_url
        .clone()
        .unwrap_or_else(|| "/favicon.svg".into());
    let theme = branding.color_scheme.forced();
    // The operator's CSS was checked at start-up (no `</style`, no `@import`, no script
    // URLs); it goes after the base stylesheet, under the page's CSP nonce.
    let css = (!branding.css.is_empty()).then(|| {
        let nonce = leptos::nonce::use_nonce();
        view! { <style nonce=nonce inner_html=branding.css.clone()></style> }
    });
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag() dir=locale.dir() data-theme=theme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="referrer" content="same-origin"/>
                <title inner_html=title></title>
                <link rel="icon" href=favicon/>
                <link rel="stylesheet" href="/pkg/sesame.css"/>
                {css}
                <HydrationScripts options islands=true/>
            </head>
            <body>
                <screens::ScreenView page/>
                {auto_post.then(|| view! { <script src="/form-post.js"></script> })}
            </body>
        </html>
    }
}

/// Entry point of the browser bundle: hydrates the islands of a server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

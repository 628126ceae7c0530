//! Sesame's user interface. Every screen is a pure view of the state the server gives it
//! ([`api::Page`]), rendered to HTML on the server; islands add comfort in the browser
//! (instant validation, password reveal). The same views mount client-side in the gallery.

// Without `--cfg erase_components` (release builds), the account screens' nested view types
// pass the compiler's default query depth of 128 when the server renders them.
#![recursion_limit = "256"]

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
                <link rel="stylesheet" href=stylesheet_href(&options)/>
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

/// The stylesheet's address: `/pkg/sesame.css`, or `/pkg/sesame.<hash>.css` when the release
/// build named the bundle after its content (the `css:` line of the hash file).
#[cfg(feature = "ssr")]
fn stylesheet_href(options: &LeptosOptions) -> String {
    let name = options.output_name.to_string();
    let hashed = options
        .hash_files
        .then(|| css_hash(&options.hash_file))
        .flatten();
    match hashed {
        Some(hash) => format!("/{}/{name}.{hash}.css", options.site_pkg_dir),
        None => format!("/{}/{name}.css", options.site_pkg_dir),
    }
}

/// The `css:` hash of the hash file at `path`, read once per path (a process normally has one).
#[cfg(feature = "ssr")]
fn css_hash(path: &str) -> Option<String> {
    use std::sync::Mutex;
    static READ: Mutex<Option<(String, Option<String>)>> = Mutex::new(None);
    let mut read = READ.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, hash)) = read.as_ref().filter(|(p, _)| p == path) {
        return hash.clone();
    }
    let hash = std::fs::read_to_string(path).ok().and_then(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("css:").map(|h| h.trim().to_string()))
    });
    *read = Some((path.to_string(), hash.clone()));
    hash
}

/// Entry point of the browser bundle: hydrates the islands of a server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console while developing; the release bundle (panic = "abort",
    // every byte on the first load) leaves the hook and its formatting out.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

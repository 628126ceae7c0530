//! The theme gallery (client-rendered, built by scripts/gallery.sh): every fixture screen, side by side in
//! light and dark, in each language and text direction.

use crate::fixtures;
use crate::i18n::Locale;
use crate::screens::ScreenView;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::path;

/// The gallery application.
#[component]
pub fn Gallery() -> impl IntoView {
    view! {
        <Router>
            <div class="gallery">
                <nav class="gallery-nav" aria-label="Screens">
                    <h1>"Sesame gallery"</h1>
                    <ul>
                        {fixtures::screens().into_iter().map(|(id, _)| view! {
                            <li><A href=format!("/{id}")>{id}</A></li>
                        }).collect_view()}
                    </ul>
                </nav>
                <Routes fallback=|| view! { <p>"No such screen."</p> }>
                    <Route path=path!("/") view=|| view! { <p class="gallery-hint">"Choose a screen."</p> }/>
                    <Route path=path!("/:screen") view=FixtureView/>
                </Routes>
            </div>
        </Router>
    }
}

/// One fixture in both colour schemes; `?lang=ja` and `?dir=rtl` change language and direction.
#[component]
fn FixtureView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    move || {
        let id = params.read().get("screen").unwrap_or_default();
        let locale = query
            .read()
            .get("lang")
            .and_then(|l| Locale::from_tag(&l))
            .unwrap_or_default();
        let dir = match query.read().get("dir").as_deref() {
            Some("rtl") => "rtl",
            Some("ltr") => "ltr",
            _ => locale.dir(),
        };
        // An example theme of docs/themes (`?theme=brand`), and the layout variant.
        let theme = query
            .read()
            .get("theme")
            .filter(|t| ["brand", "dark-only", "dense"].contains(&t.as_str()));
        let split = query.read().get("layout").as_deref() == Some("split");
        // The pending state: submit buttons as while a submission is on its way.
        let pending = query.read().get("pending").as_deref() == Some("1");
        let screen = fixtures::screens()
            .into_iter()
            .find(|(name, _)| *name == id)
            .map(|(_, s)| s);
        match screen {
            None => view! { <p>"No such screen."</p> }.into_any(),
            Some(screen) => {
                let frames = ["light", "dark"].map(|scheme| {
                    let mut page = fixtures::page(screen.clone(), locale);
                    page.env.pending = pending;
                    if split {
                        page.env.branding.layout = crate::api::PageLayout::Split;
                        page.env.branding.content = Some("Sign in once for every Acme app.".into());
                    }
                    view! {
                        <section class="gallery-frame" data-theme=scheme dir=dir lang=locale.tag()>
                            <h2 class="gallery-frame-title">{format!("{id} · {scheme} · {} · {dir}", locale.tag())}</h2>
                            <ScreenView page/>
                        </section>
                    }
                });
                let sheet = theme
                    .map(|t| view! { <link rel="stylesheet" href=format!("/themes/{t}.css")/> });
                view! { {sheet} <div class="gallery-frames">{frames.into_iter().collect_view()}</div> }
                    .into_any()
            }
        }
    }
}

//! Server-side rendering of every fixture screen (the same fixtures the gallery shows), in
//! every language: valid structure, labels tied to inputs, no untranslated or raw text.

use app::api::{ClientInfo, Screen, SignInState};
use app::fixtures;
use app::i18n::Locale;
use leptos::config::LeptosOptions;

fn render(screen: Screen, locale: Locale) -> String {
    let options = LeptosOptions::builder().output_name("sesame").build();
    server::render::to_html(options, fixtures::page(screen, locale), "test-nonce")
}

/// Every `<label for=X>` has an element with `id=X`, and every visible input has a label.
fn assert_labels(html: &str, name: &str) {
    for part in html.split("<label").skip(1) {
        let Some(at) = part.find("for=\"") else {
            continue;
        };
        let id = &part[at + 5..];
        let id = &id[..id.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "{name}: label for missing #{id}"
        );
    }
    for part in html.split("<input").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        if tag.contains("type=\"hidden\"") {
            continue;
        }
        let id_at = tag
            .find(" id=\"")
            .unwrap_or_else(|| panic!("{name}: input without id: {tag}"));
        let id = &tag[id_at + 5..];
        let id = &id[..id.find('"').unwrap()];
        assert!(
            html.contains(&format!("for=\"{id}\"")),
            "{name}: input #{id} has no label"
        );
    }
}

/// A `{name}` placeholder left in the page's content, if any.
fn unfilled(html: &str) -> Option<String> {
    let start = html.find("<body").unwrap_or(0);
    let html = &html[start..];
    let html = &html[..html.find("<script").unwrap_or(html.len())];
    html.match_indices('{').find_map(|(i, _)| {
        let rest = &html[i + 1..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        (!name.is_empty() && name.len() < 12 && name.chars().all(|c| c.is_ascii_lowercase()))
            .then(|| name.to_string())
    })
}

#[test]
fn every_fixture_renders_in_every_language() {
    for (name, screen) in fixtures::screens() {
        for locale in Locale::ALL {
            let html = render(screen.clone(), locale);
            assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(
                html.contains(&format!("<html lang=\"{}\"", locale.tag())),
                "{name}"
            );
            assert!(html.contains("<title>"), "{name}");
            assert!(html.contains("id=\"main\""), "{name}: skip-link target");
            assert!(
                html.contains("nonce=\"test-nonce\""),
                "{name}: hydration script nonce"
            );
            assert!(
                unfilled(&html).is_none(),
                "{name}/{locale:?}: unfilled placeholder {:?}",
                unfilled(&html)
            );
            assert_labels(&html, name);
        }
    }
}

#[test]
fn fields_are_islands_and_errors_are_tied_to_their_input() {
    let (_, screen) = fixtures::screens()
        .into_iter()
        .find(|(n, _)| *n == "register-errors")
        .unwrap();
    let html = render(screen, Locale::En);
    assert!(html.contains("<leptos-island"), "fields hydrate as islands");
    assert!(html.contains("This username is already in use."));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"username-hint username-error\""));
    assert!(html.contains("autocomplete=\"new-password\""));
    // The password toggle is hidden until the island hydrates.
    let at = html.find("class=\"password-toggle\"").expect("toggle");
    let start = html[..at].rfind("<button").expect("button tag");
    let toggle = &html[start..at + html[at..].find('>').unwrap()];
    assert!(toggle.contains(" hidden"), "{toggle}");
}

#[test]
fn japanese_pages_are_japanese() {
    let html = render(
        Screen::SignIn(SignInState {
            password: true,
            ..Default::default()
        }),
        Locale::Ja,
    );
    assert!(html.contains("サインイン"));
    assert!(html.contains("パスワード"));
    assert!(!html.contains(">Sign in<"));
}

#[test]
fn user_supplied_text_is_escaped() {
    let screen = Screen::SignIn(SignInState {
        client: Some(ClientInfo {
            name: "<script>alert(1)</script>".into(),
            logo_uri: None,
        }),
        identifier: "\"><img src=x onerror=alert(1)>".into(),
        ..Default::default()
    });
    let html = render(screen, Locale::En);
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;"));
}

#[test]
fn fixture_names_are_unique() {
    let mut names: Vec<&str> = fixtures::screens().iter().map(|(n, _)| *n).collect();
    let all = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all, "the gallery links each entry by its name");
}

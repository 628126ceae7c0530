//! Properties of redirect-URI matching (`server::oidc::redirect_uri::matches`), over random
//! registered URIs and random requested strings, mutations of the registered one among them
//! (the shapes of CVE-2024-1132, CVE-2023-6291, CVE-2024-8883 and CVE-2026-9086): a request
//! matches only the exact registered string, or for a loopback IP literal the same URI with
//! another port.

use proptest::prelude::*;
use server::oidc::redirect_uri::{matches, validate_registered};

/// Registered https URIs: a host, an optional port, a path and an optional query.
fn https_uri() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,8}(\\.[a-z]{1,8}){1,2}",
        proptest::option::of(1u16..),
        "(/[a-zA-Z0-9._~-]{0,8}){0,3}",
        proptest::option::of("[a-z]{1,5}=[a-z0-9]{0,5}"),
    )
        .prop_map(|(host, port, path, query)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            format!("https://{host}{port}{path}{query}")
        })
}

/// Registered loopback URIs of native apps: `http://127.0.0.1` or `http://[::1]`.
fn loopback_uri() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("127.0.0.1"), Just("[::1]")],
        proptest::option::of(1u16..),
        "(/[a-z0-9]{1,6}){0,2}",
    )
        .prop_map(|(host, port, path)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("http://{host}{port}{path}")
        })
}

/// What an attacker sends instead: the registered URI with one change.
fn mutated(uri: String) -> impl Strategy<Value = String> {
    let len = uri.len();
    let edits = prop_oneof![
        // Insert text somewhere (a traversal, an `@`, an encoded dot, a look-alike label...).
        (
            0..=len,
            prop_oneof![
                Just("/../evil".to_string()),
                Just("%2e%2e/".to_string()),
                Just("%252e%252e/".to_string()),
                Just("..;/".to_string()),
                Just("@evil.example".to_string()),
                Just(".evil.example".to_string()),
                Just("\\evil".to_string()),
                Just("/".to_string()),
                Just("#".to_string()),
                "[ -~]{1,4}",
            ]
        )
            .prop_map(|(at, text)| (at, 0usize, text)),
        // Replace one character.
        (0..len.max(1), "[ -~]").prop_map(|(at, text)| (at, 1usize, text)),
        // Delete one character.
        (0..len.max(1)).prop_map(|at| (at, 1usize, String::new())),
    ];
    edits.prop_map(move |(at, remove, text)| {
        let mut s = uri.clone();
        let at = at.min(s.len());
        let end = (at + remove).min(s.len());
        s.replace_range(at..end, &text);
        s
    })
}

/// Whether `requested` is `registered` with only the port changed (RFC 8252 §7.3).
fn same_but_port(registered: &str, requested: &str) -> bool {
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    b.scheme() == "http"
        && b.host_str() == a.host_str()
        && b.username().is_empty()
        && b.password().is_none()
        && b.path() == a.path()
        && b.query() == a.query()
        && b.fragment().is_none()
        // Byte-for-byte the same apart from the port: no normalisation helped it match.
        && strip_port(requested) == strip_port(registered)
}

fn strip_port(uri: &str) -> String {
    let Some(rest) = uri.strip_prefix("http://") else {
        return uri.to_string();
    };
    let host_end = if rest.starts_with('[') {
        rest.find(']').map_or(rest.len(), |i| i + 1)
    } else {
        rest.find([':', '/', '?']).unwrap_or(rest.len())
    };
    let (host, after) = rest.split_at(host_end);
    let after = after.strip_prefix(':').map_or(after, |p| {
        p.trim_start_matches(|c: char| c.is_ascii_digit())
    });
    format!("http://{host}{after}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_registered_uri_matches_itself(uri in prop_oneof![https_uri(), loopback_uri()]) {
        prop_assert!(validate_registered(&uri).is_ok(), "{uri}");
        prop_assert!(matches(std::slice::from_ref(&uri), &uri));
    }

    #[test]
    fn an_https_uri_matches_only_the_exact_string(
        (registered, requested) in https_uri().prop_flat_map(|r| (Just(r.clone()), mutated(r)))
    ) {
        prop_assert_eq!(
            matches(std::slice::from_ref(&registered), &requested),
            requested == registered,
            "registered {} requested {}", registered, requested
        );
    }

    #[test]
    fn a_loopback_uri_matches_only_itself_with_another_port(
        (registered, requested) in loopback_uri().prop_flat_map(|r| (Just(r.clone()), mutated(r)))
    ) {
        if matches(std::slice::from_ref(&registered), &requested) {
            prop_assert!(
                requested == registered || same_but_port(&registered, &requested),
                "registered {} matched {}", registered, requested
            );
        }
    }

    #[test]
    fn any_string_matches_only_what_is_registered(
        registered in prop_oneof![https_uri(), loopback_uri()],
        requested in "\\PC{0,40}",
    ) {
        if matches(std::slice::from_ref(&registered), &requested) {
            prop_assert!(requested == registered || same_but_port(&registered, &requested));
        }
    }

    #[test]
    fn unsafe_schemes_are_never_registrable(
        scheme in prop_oneof![Just("javascript"), Just("data"), Just("vbscript"), Just("file"), Just("blob")],
        upper in proptest::collection::vec(any::<bool>(), 10),
        rest in "[a-z0-9:/().]{1,20}",
    ) {
        let cased: String = scheme
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c })
            .collect();
        let uri = format!("{cased}:{rest}");
        prop_assert!(validate_registered(&uri).is_err(), "{uri} was accepted");
    }
}

//! Redirect-URI matching (`server::oidc::redirect_uri`). The input is a registered URI and a
//! requested one, separated by the first newline. A match is the exact registered string,
//! or, for an `http://127.x.x.x` or `http://[::1]` registration only, the same URI with
//! another port (RFC 8252 §7.3): whatever matches must lead to the same host, path and query.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::oidc::redirect_uri::{matches, validate_registered};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (registered, requested) = text.split_once('\n').unwrap_or((text, text));
    // What the configuration check says of any string, it says without panicking.
    let _ = validate_registered(registered);
    if !matches(&[registered.to_string()], requested) || registered == requested {
        return;
    }
    // Not the same string: only the loopback port may differ.
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        panic!("matched {requested:?} to {registered:?}, and one is not a URL");
    };
    assert_eq!(a.scheme(), "http", "{requested:?} ~ {registered:?}");
    assert_eq!(b.scheme(), "http", "{requested:?} ~ {registered:?}");
    assert_eq!(a.host(), b.host(), "{requested:?} ~ {registered:?}");
    let loopback = match b.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    assert!(
        loopback,
        "a port-free match off loopback: {requested:?} ~ {registered:?}"
    );
    assert_eq!(a.path(), b.path(), "{requested:?} ~ {registered:?}");
    assert_eq!(a.query(), b.query(), "{requested:?} ~ {registered:?}");
    assert_eq!(a.fragment(), b.fragment(), "{requested:?} ~ {registered:?}");
    assert!(b.username().is_empty() && b.password().is_none());
});

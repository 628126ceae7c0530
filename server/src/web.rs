//! Web plumbing shared by every handler: cookies, the anti-forgery check, security headers,
//! local-path validation.

use crate::crypto;
use axum::http::{header, HeaderMap, HeaderValue, Method};

/// Names and attributes of Sesame's cookies. Over HTTPS they get `Secure` and the `__Host-`
/// prefix, which pins them to this host and path `/`.
#[derive(Clone, Debug)]
pub struct Cookies {
    https: bool,
}

/// Sesame's cookies.
#[derive(Clone, Copy, Debug)]
pub enum CookieName {
    /// The sign-in flow in progress.
    Flow,
    /// The sign-in session.
    Session,
    /// The per-browser anti-forgery secret.
    Csrf,
    /// The language chosen with the picker.
    Lang,
    /// The demo relying party's own session.
    Demo,
    /// A device remembered for the second factor.
    Device,
}

impl Cookies {
    /// Cookie settings for the public URL's scheme.
    pub fn new(https: bool) -> Self {
        Self { https }
    }

    /// The full cookie name.
    pub fn name(&self, c: CookieName) -> &'static str {
        match (self.https, c) {
            (true, CookieName::Flow) => "__Host-sesame_flow",
            (true, CookieName::Session) => "__Host-sesame_session",
            (true, CookieName::Csrf) => "__Host-sesame_csrf",
            (true, CookieName::Lang) => "__Host-sesame_lang",
            (true, CookieName::Demo) => "__Host-sesame_demo",
            (true, CookieName::Device) => "__Host-sesame_device",
            (false, CookieName::Flow) => "sesame_flow",
            (false, CookieName::Session) => "sesame_session",
            (false, CookieName::Csrf) => "sesame_csrf",
            (false, CookieName::Lang) => "sesame_lang",
            (false, CookieName::Demo) => "sesame_demo",
            (false, CookieName::Device) => "sesame_device",
        }
    }

    /// A `Set-Cookie` value. `max_age` of `None` makes a browser-session cookie.
    pub fn set(&self, c: CookieName, value: &str, max_age: Option<i64>) -> String {
        let mut s = format!("{}={}; Path=/; HttpOnly; SameSite=Lax", self.name(c), value);
        if let Some(age) = max_age {
            s.push_str(&format!("; Max-Age={age}"));
        }
        if self.https {
            s.push_str("; Secure");
        }
        s
    }

    /// A `Set-Cookie` value that deletes the cookie.
    pub fn clear(&self, c: CookieName) -> String {
        self.set(c, "", Some(0))
    }

    /// The cookie's value in a request, if present and well-formed (our values are base64url).
    pub fn get(&self, headers: &HeaderMap, c: CookieName) -> Option<String> {
        let name = self.name(c);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 128
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    }
}

/// The anti-forgery token for a browser's secret: its MAC, masked with a fresh random pad
/// so the token differs on every page and compression cannot leak it (BREACH).
pub fn csrf_token(key: &[u8], browser_secret: &str) -> String {
    let mac = crypto::mac_bytes(key, &format!("csrf:{browser_secret}"));
    let pad = crypto::random_bytes();
    let masked: Vec<u8> = mac.iter().zip(pad).map(|(m, p)| m ^ p).collect();
    format!("{}.{}", crypto::b64(&pad), crypto::b64(&masked))
}

/// Whether `token` is a masked MAC of the browser's secret.
fn csrf_token_valid(key: &[u8], browser_secret: &str, token: &str) -> bool {
    let Some((pad, masked)) = token.split_once('.') else {
        return false;
    };
    let (Some(pad), Some(masked)) = (crypto::b64_decode(pad), crypto::b64_decode(masked)) else {
        return false;
    };
    if pad.len() != 32 || masked.len() != 32 {
        return false;
    }
    let unmasked: Vec<u8> = masked.iter().zip(pad).map(|(m, p)| m ^ p).collect();
    let expected = crypto::mac_bytes(key, &format!("csrf:{browser_secret}"));
    subtle::ConstantTimeEq::ct_eq(&unmasked[..], &expected[..]).into()
}

/// Checks a state-changing request: it must come from our own pages (Fetch Metadata and
/// `Origin`, where the browser sends them) and carry the token bound to this browser's
/// anti-forgery cookie.
pub fn csrf_ok(
    key: &[u8],
    cookies: &Cookies,
    headers: &HeaderMap,
    method: &Method,
    public_origin: &str,
    token: &str,
) -> bool {
    if method != Method::POST || !same_origin(headers, public_origin) {
        return false;
    }
    match cookies.get(headers, CookieName::Csrf) {
        Some(secret) => csrf_token_valid(key, &secret, token),
        None => false,
    }
}

/// False when the browser says the request comes from another site (`Sec-Fetch-Site`,
/// `Origin`). Requests without these headers (non-browser clients) pass.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // Browsers send `Origin: null` for some privacy-sensitive contexts; treat as foreign.
        Some(origin) => origin == public_origin,
        None => true,
    }
}

/// The origin (`scheme://host[:port]`) of a URL.
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// Accepts only paths on this site (`/…`, not `//host` or `/\host`), so a `return_to`
/// parameter cannot become an open redirect.
pub fn local_path(candidate: &str) -> Option<String> {
    let ok = candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control)
        && candidate.len() <= 512;
    ok.then(|| candidate.to_string())
}

/// The CSP source that lets a form (or the redirects after it) reach `uri`: its origin, or
/// its scheme for the private-use schemes of native apps.
pub fn form_action_source(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "http" | "https" => Some(url.origin().ascii_serialization()),
        scheme => Some(format!("{scheme}:")),
    }
}

/// Security headers of every HTML page. The nonce allows Leptos's hydration script only;
/// `form_targets` are where the page's forms may end up redirecting to, and `frames` the
/// pages it loads in frames (front-channel logout).
pub fn page_headers(
    headers: &mut HeaderMap,
    nonce: &str,
    https: bool,
    form_targets: &[String],
    frames: &[String],
) {
    let origins = |uris: &[String]| {
        let mut sources: Vec<String> = uris.iter().filter_map(|t| form_action_source(t)).collect();
        sources.sort();
        sources.dedup();
        sources.iter().map(|s| format!(" {s}")).collect::<String>()
    };
    let extra = origins(form_targets);
    let frame_src = if frames.is_empty() {
        String::new()
    } else {
        format!("; frame-src 'self'{}", origins(frames))
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: https:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'{extra}{frame_src}"
    );
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(headers, header::CONTENT_SECURITY_POLICY, &csp);
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_only() {
        assert_eq!(local_path("/demo"), Some("/demo".into()));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "demo",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn cookies_get_prefix_and_secure_over_https() {
        let c = Cookies::new(true).set(CookieName::Session, "abc", Some(60));
        assert!(c.starts_with("__Host-sesame_session=abc; Path=/; HttpOnly; SameSite=Lax"));
        assert!(c.ends_with("; Secure"));
        let plain = Cookies::new(false).set(CookieName::Session, "abc", None);
        assert!(!plain.contains("Secure") && !plain.contains("__Host-"));
    }

    #[test]
    fn csrf_requires_the_bound_token() {
        let cookies = Cookies::new(false);
        let key = b"key";
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("sesame_csrf=secret1"),
        );
        let good = csrf_token(key, "secret1");
        assert_ne!(good, csrf_token(key, "secret1"), "masked afresh each time");
        let origin = "http://localhost:3000";
        assert!(csrf_ok(key, &cookies, &h, &Method::POST, origin, &good));
        assert!(!csrf_ok(key, &cookies, &h, &Method::POST, origin, "forged"));
        assert!(!csrf_ok(
            key,
            &cookies,
            &h,
            &Method::POST,
            origin,
            &csrf_token(key, "other")
        ));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!csrf_ok(key, &cookies, &h, &Method::POST, origin, &good));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!csrf_ok(key, &cookies, &h, &Method::POST, origin, &good));
    }
}

//! Redirect URIs: what may be registered, and how a requested URI is matched. Matching is an
//! exact string comparison (no normalisation, no wildcards, no prefix match), with the one
//! exception RFC 8252 §7.3 requires: for `http://127.0.0.1` and `http://[::1]` the port may
//! differ, because native apps listen on a port chosen at run time.

/// Why a URI cannot be registered.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("not an absolute URI")]
    NotAbsolute,
    #[error("the scheme `{0}` is not allowed")]
    Scheme(String),
    #[error("plain http is only allowed for loopback hosts")]
    InsecureHttp,
    #[error("a fragment is not allowed")]
    Fragment,
    #[error("user information (`user@`) is not allowed")]
    UserInfo,
    #[error("wildcards are not allowed")]
    Wildcard,
}

const FORBIDDEN_SCHEMES: [&str; 5] = ["javascript", "data", "vbscript", "file", "blob"];

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || host.starts_with("127.")
}

/// Checks a URI from the configuration.
pub fn validate_registered(uri: &str) -> Result<(), RedirectUriError> {
    if uri.contains('*') {
        return Err(RedirectUriError::Wildcard);
    }
    let url = url::Url::parse(uri).map_err(|_| RedirectUriError::NotAbsolute)?;
    let scheme = url.scheme();
    // The parser lower-cases the scheme, so `JavaScript:` is caught here too.
    if FORBIDDEN_SCHEMES.contains(&scheme) {
        return Err(RedirectUriError::Scheme(scheme.into()));
    }
    if url.fragment().is_some() || uri.contains('#') {
        return Err(RedirectUriError::Fragment);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RedirectUriError::UserInfo);
    }
    if scheme == "http" && !url.host_str().is_some_and(is_loopback_host) {
        return Err(RedirectUriError::InsecureHttp);
    }
    if matches!(scheme, "http" | "https") && url.host_str().is_none() {
        return Err(RedirectUriError::NotAbsolute);
    }
    Ok(())
}

/// Removes the port of an `http://127.x.x.x:port/…` or `http://[::1]:port/…` URI, exactly as
/// written; `None` for any other URI.
fn without_loopback_port(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("http://")?;
    let host_end = if rest.starts_with('[') {
        rest.find(']')? + 1
    } else {
        rest.find([':', '/', '?']).unwrap_or(rest.len())
    };
    let (host, after) = rest.split_at(host_end);
    let ip_literal =
        host == "[::1]" || (host.starts_with("127.") && host.parse::<std::net::Ipv4Addr>().is_ok());
    if !ip_literal {
        return None;
    }
    let after = match after.strip_prefix(':') {
        Some(p) => {
            let digits = p.bytes().take_while(u8::is_ascii_digit).count();
            // A port a browser could really go to (found by redirect_uri_props.rs: `:99999`).
            p[..digits].parse::<u16>().ok()?;
            &p[digits..]
        }
        None => after,
    };
    Some(format!("http://{host}{after}"))
}

/// Whether `requested` matches one of the `registered` URIs.
pub fn matches(registered: &[String], requested: &str) -> bool {
    if requested.chars().any(|c| c.is_control() || c == ' ') {
        return false;
    }
    registered.iter().any(|r| {
        r == requested
            || matches!(
                (without_loopback_port(r), without_loopback_port(requested)),
                (Some(a), Some(b)) if a == b
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_match_only() {
        let r = reg(&["https://app.example.com/cb"]);
        assert!(matches(&r, "https://app.example.com/cb"));
        // Known bypasses of peers (CVE-2024-1132, CVE-2022-3782, CVE-2023-6291, CVE-2026-9086):
        for bad in [
            "https://app.example.com/cb/../evil",
            "https://app.example.com/cb/%2e%2e/evil",
            "https://app.example.com/cb/%252e%252e/evil",
            "https://app.example.com/cb/..;/evil",
            "https://app.example.com/cb/",
            "https://app.example.com/CB",
            "https://APP.example.com/cb",
            "HTTPS://app.example.com/cb",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb#x",
            "https://app.example.com.evil.example/cb",
            "https://app.example.com@evil.example/cb",
            "https://evil.example/cb",
            "//evil.example/cb",
            "https://app.example.com\\evil",
            "https://app.example.com:443/cb",
            "javascript:alert(1)//https://app.example.com/cb",
        ] {
            assert!(!matches(&r, bad), "{bad}");
        }
    }

    #[test]
    fn loopback_port_may_vary_but_nothing_else() {
        let r = reg(&["http://127.0.0.1/cb", "http://[::1]:8080/cb"]);
        assert!(matches(&r, "http://127.0.0.1:51234/cb"));
        assert!(matches(&r, "http://127.0.0.1/cb"));
        assert!(matches(&r, "http://[::1]:9/cb"));
        for bad in [
            "http://127.0.0.1:51234/cb2",
            "http://127.0.0.1:80@evil.example/cb",
            "http://127.0.0.2:5/cb",
            "http://localhost:5/cb",
            "https://127.0.0.1:5/cb",
            "http://127.0.0.1:/cb",
        ] {
            assert!(!matches(&r, bad), "{bad}");
        }
        // A registered `localhost` URI is matched exactly (CVE-2024-8883).
        let r = reg(&["http://localhost:3000/cb"]);
        assert!(!matches(&r, "http://localhost:80@attacker.example/cb"));
        assert!(!matches(&r, "http://localhost:3001/cb"));
    }

    #[test]
    fn registration_rules() {
        assert_eq!(validate_registered("https://a.example/cb"), Ok(()));
        assert_eq!(validate_registered("http://localhost:3000/cb"), Ok(()));
        assert_eq!(validate_registered("com.example.app:/oauth"), Ok(()));
        assert!(validate_registered("http://a.example/cb").is_err());
        assert!(validate_registered("JavaScript:alert(1)").is_err());
        assert!(validate_registered("data:text/html,x").is_err());
        assert!(validate_registered("https://a.example/*").is_err());
        assert!(validate_registered("https://a.example/cb#f").is_err());
        assert!(validate_registered("https://u:p@a.example/cb").is_err());
        assert!(validate_registered("/relative").is_err());
    }
}

//! Sesame's requests to other servers: identity providers (discovery, tokens, user info,
//! SAML metadata), the SMS webhook and back-channel logout receivers. Every one goes
//! through [`Outbound`], which holds them to three rules (CVE-2026-56739, SSRF):
//!
//! - no address in a private, loopback, link-local or otherwise non-public range, unless
//!   the operator allows private networks (`outbound.allow_private_networks`). Names are
//!   checked after they resolve, on the addresses the connection then uses, so a name that
//!   resolves to an internal address (or is made to, between two lookups) is refused too;
//! - no redirects: an answer cannot send the request elsewhere;
//! - answers are read up to `outbound.max_response_bytes` and asked for uncompressed, so a
//!   hostile server cannot make Sesame hold a huge body.

use crate::config::OutboundConfig;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{RequestBuilder, StatusCode};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Why an outbound request failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    #[error("refused: {0} is not a public address (outbound.allow_private_networks)")]
    PrivateAddress(String),
    #[error("the answer is larger than {0} bytes (outbound.max_response_bytes)")]
    TooLarge(usize),
    #[error("invalid request: {0}")]
    Request(String),
}

/// An answer, read whole (within the size limit).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The client for every request Sesame makes to another server.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
    max_bytes: usize,
}

impl Outbound {
    /// A client held to `config`'s rules; requests time out after `timeout`.
    pub fn new(config: &OutboundConfig, timeout: Duration) -> Result<Outbound, OutboundError> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_gzip()
            .no_brotli();
        if !config.allow_private_networks {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Outbound {
            client: builder.build()?,
            allow_private: config.allow_private_networks,
            max_bytes: config.max_response_bytes,
        })
    }

    /// Starts a GET request.
    pub fn get(&self, url: impl reqwest::IntoUrl) -> RequestBuilder {
        self.client.get(url)
    }

    /// Starts a POST request.
    pub fn post(&self, url: impl reqwest::IntoUrl) -> RequestBuilder {
        self.client.post(url)
    }

    /// Sends `request` and reads its answer.
    pub async fn send(&self, request: RequestBuilder) -> Result<Answer, OutboundError> {
        self.execute(request.build()?).await
    }

    /// Sends `request` and answers only its status: for receivers whose answer carries
    /// nothing (the SMS webhook, back-channel logout), so that a large body is not a failure.
    pub async fn deliver(&self, request: RequestBuilder) -> Result<StatusCode, OutboundError> {
        Ok(self.connect(request.build()?).await?.status())
    }

    /// Checks the address written in the URL and sends the request; names are checked by
    /// the resolver, which an address written in the URL never reaches.
    async fn connect(&self, request: reqwest::Request) -> Result<reqwest::Response, OutboundError> {
        if !self.allow_private {
            let literal = match request.url().host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = literal.filter(|ip| !is_public(*ip)) {
                return Err(OutboundError::PrivateAddress(ip.to_string()));
            }
        }
        self.client.execute(request).await.map_err(refusal_or_http)
    }

    async fn execute(&self, request: reqwest::Request) -> Result<Answer, OutboundError> {
        let mut response = self.connect(request).await?;
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(OutboundError::TooLarge(self.max_bytes));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(OutboundError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// The `oauth2` and `openidconnect` crates' requests (discovery, keys, token exchange) go
/// through the same rules.
impl<'c> oauth2::AsyncHttpClient<'c> for Outbound {
    type Error = OutboundError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, OutboundError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let answer = self.execute(request).await?;
            let mut response = http::Response::builder().status(answer.status);
            for (name, value) in &answer.headers {
                response = response.header(name, value);
            }
            response
                .body(answer.body)
                .map_err(|e| OutboundError::Request(e.to_string()))
        })
    }
}

/// The resolver's refusal, when that is what failed the request (reqwest's own message
/// does not say why a connection could not be made), or the error as it came.
fn refusal_or_http(e: reqwest::Error) -> OutboundError {
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        if let Some(OutboundError::PrivateAddress(host)) = c.downcast_ref::<OutboundError>() {
            return OutboundError::PrivateAddress(host.clone());
        }
        cause = c.source();
    }
    OutboundError::Http(e)
}

/// Resolves names and keeps only public addresses; a name with none is refused.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                resolved.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(OutboundError::PrivateAddress(host)) as _);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918, unique
/// local), link-local (where cloud metadata services answer), shared (carrier NAT),
/// unspecified, broadcast, multicast, documentation, benchmarking or reserved; IPv6 forms
/// that carry an IPv4 address are judged by that address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // Forms that reach an IPv4 address are judged by it: NAT64 (64:ff9b::/96, in the last
    // 32 bits), IPv4-translated (::ffff:0:0:0/96), 6to4 (2002::/16, in bits 16 to 48).
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return is_public_v4(v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(v4(s[1], s[2]));
    }
    // Teredo (2001::/32) hides the address it reaches, and local-use NAT64
    // (64:ff9b:1::/48) reaches a site's own IPv4 network: neither is judged public.
    if (s[0] == 0x2001 && s[1] == 0) || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) {
        return false;
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || s[..6] == [0, 0, 0, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:0:a00:1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2001:0:4136:e378::1",
            "64:ff9b:1::a00:1",
        ] {
            let parsed: IpAddr = ip.parse().expect(ip);
            assert!(!is_public(parsed), "{ip} counted as public");
        }
    }

    #[test]
    fn public_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:4860:4860::8888",
        ] {
            let parsed: IpAddr = ip.parse().expect(ip);
            assert!(is_public(parsed), "{ip} counted as internal");
        }
    }
}

//! The service-provider side of a SAML 2.0 connector: the authentication request (HTTP-Redirect
//! binding) and, on the way back, the response posted to the assertion consumer service.
//! Parsing and signature checks are samael's, with xmlsec underneath: only content covered by
//! a valid signature of the provider's certificate is read (no signature wrapping), with the
//! SHA-2 algorithms only. On top of samael's checks (issuer, destination, recipient, time
//! window) this module insists on an audience restriction naming Sesame and a bearer
//! confirmation; the request an answer belongs to (`InResponseTo`) and replays are checked
//! by the flow, which owns the request and the store.

use super::client::{FederationError, Upstream};
use super::Connector;
use crate::crypto::{now, random_token};
use base64::Engine as _;
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::{EntityDescriptor, EntityDescriptorType, IndexedEndpoint, SpSsoDescriptor};
use samael::metadata::{HTTP_POST_BINDING, HTTP_REDIRECT_BINDING};
use samael::schema::{Assertion, AuthnRequest, Issuer, NameIdPolicy};
use samael::service_provider::ServiceProvider;
use samael::traits::ToXml;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// Where a SAML connector learns about its identity provider.
#[derive(Clone, Debug)]
pub enum MetadataSource {
    /// Published metadata, fetched when first needed and then hourly.
    Url(String),
    /// Metadata known at start (a file, or the entity id, sign-on URL and certificate).
    Fixed(Arc<EntityDescriptor>),
}

/// What a SAML connector adds to a connector.
#[derive(Clone, Debug)]
pub struct SamlSettings {
    pub metadata: MetadataSource,
    /// Sesame's entity id at this provider, when not the default.
    pub sp_entity_id: Option<String>,
    /// The client a sign-in started at the provider continues into.
    pub idp_initiated_client: Option<String>,
}

/// Seconds fetched metadata is used before being fetched again.
const METADATA_TTL: i64 = 3600;
/// Clock difference tolerated with the provider, in seconds.
const CLOCK_SKEW_SECS: i64 = 60;
/// How old a response may be when it arrives, in seconds.
const MAX_ISSUE_DELAY_SECS: i64 = 120;

const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// Attribute names providers commonly use, tried in order when the connector maps none.
const EMAIL_ATTRIBUTES: &[&str] = &[
    "email",
    "mail",
    "emailAddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
];
const NAME_ATTRIBUTES: &[&str] = &[
    "name",
    "displayName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    "http://schemas.microsoft.com/identity/claims/displayname",
    "urn:oid:2.16.840.1.113730.3.1.241",
    "cn",
];

/// Fetched metadata of one provider.
#[derive(Clone, Debug)]
struct Cached {
    md: Arc<EntityDescriptor>,
    fetched_at: i64,
    /// When a signature that did not verify last made Sesame fetch it again.
    forced_at: i64,
}

/// Fetched provider metadata per connector id.
#[derive(Debug, Default)]
pub struct MetadataCache(Mutex<HashMap<String, Cached>>);

impl MetadataCache {
    /// The sign-on URL of connector `id`, once its metadata is known.
    pub fn sso_url(&self, id: &str) -> Option<String> {
        let m = self.0.lock().ok()?;
        m.get(id).and_then(|c| sso_url_of(&c.md))
    }
}

/// Reads identity-provider metadata: an `EntityDescriptor`, or the first entity of an
/// `EntitiesDescriptor` that is an identity provider. It must name an entity id, a
/// sign-on service with the HTTP-Redirect binding and a signing certificate.
pub fn parse_metadata(xml: &str) -> Result<EntityDescriptor, String> {
    let md = match EntityDescriptor::from_str(xml) {
        Ok(md) if md.idp_sso_descriptors.is_some() => md,
        _ => {
            let all = EntityDescriptorType::from_str(xml).map_err(|e| e.to_string())?;
            all.iter()
                .find(|d| d.idp_sso_descriptors.is_some())
                .cloned()
                .ok_or("no identity provider (IDPSSODescriptor) in the metadata")?
        }
    };
    if md.entity_id.as_deref().is_none_or(str::is_empty) {
        return Err("the metadata names no entityID".into());
    }
    if sso_url_of(&md).is_none() {
        return Err(
            "the metadata has no SingleSignOnService with the HTTP-Redirect binding".into(),
        );
    }
    let sp = ServiceProvider {
        idp_metadata: md.clone(),
        ..Default::default()
    };
    match sp.idp_signing_certs() {
        Ok(Some(_)) => Ok(md),
        Ok(None) => Err("the metadata has no signing certificate".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Metadata for a provider configured by its entity id, sign-on URL and signing
/// certificate (PEM, or the bare base64 of the DER).
pub fn metadata_from_parts(
    entity_id: &str,
    sso_url: &str,
    certificate_pem: &str,
) -> Result<EntityDescriptor, String> {
    let b64: String = certificate_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&b64)
        .map_err(|_| "the certificate is not PEM".to_string())?;
    if der.len() < 100 {
        return Err("the certificate is not PEM".into());
    }
    let xml = format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="{}" Location="{}"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        xml_escape(entity_id),
        b64,
        HTTP_REDIRECT_BINDING,
        xml_escape(sso_url)
    );
    parse_metadata(&xml)
}

/// The sign-on URL (HTTP-Redirect binding) of provider metadata.
pub fn sso_url_of(md: &EntityDescriptor) -> Option<String> {
    ServiceProvider {
        idp_metadata: md.clone(),
        ..Default::default()
    }
    .sso_binding_location(HTTP_REDIRECT_BINDING)
}

fn settings(c: &Connector) -> Result<&SamlSettings, FederationError> {
    c.saml
        .as_ref()
        .ok_or_else(|| FederationError::Config("not a SAML connector".into()))
}

/// Sesame's entity id at the provider of `c`.
pub fn sp_entity_id(issuer: &str, c: &Connector) -> String {
    c.saml
        .as_ref()
        .and_then(|s| s.sp_entity_id.clone())
        .unwrap_or_else(|| format!("{issuer}/saml/{}", c.id))
}

/// The assertion consumer service of `c`, where the provider posts its answer.
pub fn acs_url(issuer: &str, c: &Connector) -> String {
    format!("{issuer}/saml/{}/acs", c.id)
}

/// Seconds between refetches of metadata forced by a signature that did not verify (the
/// provider may have rotated its key), so that forged posts cannot make Sesame hammer it.
const REFRESH_INTERVAL: i64 = 60;

/// When the metadata of `c` should be fetched again.
#[derive(Clone, Copy, PartialEq)]
enum Fetch {
    /// When the cached copy is older than the TTL.
    Cached,
    /// Now, unless a refetch was forced within the last minute.
    Refresh,
}

/// The provider's metadata (fetched, or from the configuration).
pub async fn idp_metadata(
    http: &crate::outbound::Outbound,
    cache: &MetadataCache,
    c: &Connector,
) -> Result<Arc<EntityDescriptor>, FederationError> {
    metadata(http, cache, c, Fetch::Cached).await
}

async fn metadata(
    http: &crate::outbound::Outbound,
    cache: &MetadataCache,
    c: &Connector,
    fetch: Fetch,
) -> Result<Arc<EntityDescriptor>, FederationError> {
    let url = match &settings(c)?.metadata {
        MetadataSource::Fixed(md) => return Ok(md.clone()),
        MetadataSource::Url(url) => url,
    };
    let cached = cache.0.lock().ok().and_then(|m| m.get(&c.id).cloned());
    let now = now();
    if let Some(cached) = &cached {
        let fresh = match fetch {
            Fetch::Cached => now - cached.fetched_at < METADATA_TTL,
            Fetch::Refresh => now - cached.forced_at < REFRESH_INTERVAL,
        };
        if fresh {
            return Ok(cached.md.clone());
        }
    }
    let answer = http
        .send(http.get(url))
        .await
        .map_err(|e| FederationError::Discovery(e.to_string()))?;
    if !answer.status.is_success() {
        return Err(FederationError::Discovery(format!(
            "the metadata URL answered {}",
            answer.status
        )));
    }
    let text = answer.text();
    let md = Arc::new(parse_metadata(&text).map_err(FederationError::Discovery)?);
    let forced_at = match fetch {
        Fetch::Refresh => now,
        Fetch::Cached => cached.map_or(0, |c| c.forced_at),
    };
    if let Ok(mut m) = cache.0.lock() {
        m.insert(
            c.id.clone(),
            Cached {
                md: md.clone(),
                fetched_at: now,
                forced_at,
            },
        );
    }
    Ok(md)
}

fn service_provider(issuer: &str, c: &Connector, md: &EntityDescriptor) -> ServiceProvider {
    use AllowedSignatureAlgorithm::*;
    ServiceProvider {
        entity_id: Some(sp_entity_id(issuer, c)),
        acs_url: Some(acs_url(issuer, c)),
        idp_metadata: md.clone(),
        // The request an answer belongs to is the flow's to check (`InResponseTo`), so that
        // an unsolicited answer can be told from a stray one.
        allow_idp_initiated: true,
        max_issue_delay: chrono::Duration::seconds(MAX_ISSUE_DELAY_SECS),
        max_clock_skew: chrono::Duration::seconds(CLOCK_SKEW_SECS),
        allowed_signature_algorithms: Some(vec![
            RsaSha256,
            RsaSha384,
            RsaSha512,
            EcdsaSha256,
            EcdsaSha384,
            EcdsaSha512,
        ]),
        ..Default::default()
    }
}

/// An authentication request on its way to the provider.
#[derive(Clone, Debug)]
pub struct Started {
    /// Where to send the browser (HTTP-Redirect binding).
    pub url: String,
    /// The request's `ID`, which the answer's `InResponseTo` must repeat.
    pub request_id: String,
    /// The `RelayState` sent along, which the answer must bring back.
    pub relay_state: String,
}

/// Builds the authentication request for `c`.
pub async fn start(
    http: &crate::outbound::Outbound,
    cache: &MetadataCache,
    issuer: &str,
    c: &Connector,
) -> Result<Started, FederationError> {
    let md = idp_metadata(http, cache, c).await?;
    let sso = sso_url_of(&md)
        .ok_or_else(|| FederationError::Discovery("no HTTP-Redirect sign-on service".into()))?;
    // An xs:ID starts with a letter or underscore; 256 random bits follow.
    let request_id = format!("_{}", random_token());
    let relay_state = random_token();
    let request = AuthnRequest {
        id: request_id.clone(),
        version: "2.0".into(),
        issue_instant: chrono::Utc::now(),
        destination: Some(sso),
        issuer: Some(Issuer {
            value: Some(sp_entity_id(issuer, c)),
            ..Default::default()
        }),
        assertion_consumer_service_url: Some(acs_url(issuer, c)),
        protocol_binding: Some(HTTP_POST_BINDING.into()),
        name_id_policy: Some(NameIdPolicy {
            allow_create: Some(true),
            ..Default::default()
        }),
        force_authn: c
            .auth_params
            .iter()
            .any(|(k, v)| k == "prompt" && v == "login")
            .then_some(true),
        ..Default::default()
    };
    let url = request
        .redirect(&relay_state)
        .map_err(|e| FederationError::Config(e.to_string()))?
        .ok_or_else(|| FederationError::Config("no destination".into()))?;
    Ok(Started {
        url: url.to_string(),
        request_id,
        relay_state,
    })
}

/// A response whose signature and conditions held: who it names, and what the flow must
/// still check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verified {
    /// The assertion's `ID`, recorded so that the same assertion is accepted once.
    pub assertion_id: String,
    /// The request it answers; `None` for a sign-in started at the provider.
    pub in_response_to: Option<String>,
    /// Until when the assertion could be presented (its replay record lasts as long).
    pub expires_at: i64,
    pub upstream: Upstream,
}

/// Why a response was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SamlRefusal {
    /// The provider answered that the sign-in did not happen (the user cancelled, or the
    /// provider refused them).
    #[error("the identity provider answered {0}")]
    Status(String),
    #[error("SAML response rejected: {0}")]
    Invalid(String),
    /// Unsigned, or not signed by the provider's key (as far as Sesame knows it).
    #[error("SAML response rejected: not signed by the identity provider")]
    Signature,
    #[error(transparent)]
    Federation(#[from] FederationError),
}

impl SamlRefusal {
    /// Whether the user stopped at the provider (shown as a cancelled sign-in).
    pub fn cancelled(&self) -> bool {
        matches!(self, SamlRefusal::Status(code) if code.ends_with(":AuthnFailed")
            || code.ends_with(":RequestDenied")
            || code.ends_with(":NoPassive"))
    }
}

/// The status an unverified response reports, when it is not success: only used to tell a
/// cancelled sign-in from a broken one, never to sign anyone in.
fn failure_status(xml: &str) -> Option<String> {
    let r = samael::schema::Response::from_str(xml).ok()?;
    let status = r.status?;
    let top = status.status_code.value?;
    if top == STATUS_SUCCESS {
        return None;
    }
    // The second-level code says why; samael keeps only the top one, so read it off the
    // text (it is only a hint for the message).
    let second = xml
        .match_indices("urn:oasis:names:tc:SAML:2.0:status:")
        .filter_map(|(at, _)| {
            let rest = &xml[at..];
            rest.find('"').map(|end| &rest[..end])
        })
        .find(|code| *code != top);
    Some(second.unwrap_or(&top).to_string())
}

/// Checks a posted `SAMLResponse` (base64) against the provider of `c`. A signature that
/// does not verify against fetched metadata is tried once more with the metadata fetched
/// again: the provider may have rotated its key.
pub async fn verify(
    http: &crate::outbound::Outbound,
    cache: &MetadataCache,
    issuer: &str,
    c: &Connector,
    saml_response: &str,
) -> Result<Verified, SamlRefusal> {
    let compact: String = saml_response
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| SamlRefusal::Invalid("not base64".into()))?;
    let xml = String::from_utf8(bytes).map_err(|_| SamlRefusal::Invalid("not UTF-8".into()))?;
    let md = metadata(http, cache, c, Fetch::Cached).await?;
    let checked = match check(issuer, c, &md, &xml).await {
        Err(SamlRefusal::Signature) if matches!(settings(c)?.metadata, MetadataSource::Url(_)) => {
            let fresh = metadata(http, cache, c, Fetch::Refresh).await?;
            if Arc::ptr_eq(&fresh, &md) {
                return Err(SamlRefusal::Signature);
            }
            check(issuer, c, &fresh, &xml).await?
        }
        other => other?,
    };
    read_assertion(c, &checked, &sp_entity_id(issuer, c), &acs_url(issuer, c))
}

/// samael's checks: the signature (only signed content is kept), issuer, destination,
/// recipient and time window.
async fn check(
    issuer: &str,
    c: &Connector,
    md: &EntityDescriptor,
    xml: &str,
) -> Result<Assertion, SamlRefusal> {
    let sp = service_provider(issuer, c, md);
    let xml = xml.to_string();
    // xmlsec is synchronous work: off the async threads.
    tokio::task::spawn_blocking(move || {
        sp.parse_xml_response(&xml, None)
            .map_err(|e| match (failure_status(&xml), e) {
                (Some(code), _) => SamlRefusal::Status(code),
                (None, samael::service_provider::Error::FailedToValidateSignature) => {
                    SamlRefusal::Signature
                }
                (None, e) => SamlRefusal::Invalid(e.to_string()),
            })
    })
    .await
    .map_err(|e| SamlRefusal::Invalid(e.to_string()))?
}

/// The checks samael leaves to its caller, then the identity the assertion names.
fn read_assertion(
    c: &Connector,
    a: &Assertion,
    audience: &str,
    acs: &str,
) -> Result<Verified, SamlRefusal> {
    let invalid = |m: &str| SamlRefusal::Invalid(m.into());
    // A bearer assertion must be for us (SAML profiles §4.1.4.2), not merely not for
    // someone else.
    let for_us = a
        .conditions
        .as_ref()
        .and_then(|c| c.audience_restrictions.as_ref())
        .is_some_and(|rs| {
            !rs.is_empty() && rs.iter().all(|r| r.audience.iter().any(|x| x == audience))
        });
    if !for_us {
        return Err(invalid(
            "no audience restriction naming this service provider",
        ));
    }
    let subject = a.subject.as_ref().ok_or_else(|| invalid("no subject"))?;
    let bearer = subject
        .subject_confirmations
        .iter()
        .flatten()
        .filter(|s| s.method.as_deref() == Some(BEARER))
        .filter_map(|s| s.subject_confirmation_data.as_ref())
        .find(|d| d.recipient.as_deref() == Some(acs))
        .ok_or_else(|| invalid("no bearer confirmation for this service"))?;
    let expires_at = bearer
        .not_on_or_after
        .map(|t| t.timestamp())
        .ok_or_else(|| invalid("the confirmation has no NotOnOrAfter"))?
        + CLOCK_SKEW_SECS;
    let attribute = |name: &str| -> Option<String> {
        a.attribute_statements
            .iter()
            .flatten()
            .flat_map(|s| &s.attributes)
            .find(|at| {
                at.name.as_deref() == Some(name) || at.friendly_name.as_deref() == Some(name)
            })
            .and_then(|at| at.values.iter().find_map(|v| v.value.clone()))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let pick = |configured: &str, defaults: &[&str]| -> Option<String> {
        if configured.is_empty() {
            defaults.iter().find_map(|n| attribute(n))
        } else {
            attribute(configured)
        }
    };
    let name_id = subject.name_id.as_ref();
    let subject_value = if c.claims[0].is_empty() {
        // A transient NameID changes at every sign-in: useless as a key.
        match name_id {
            Some(n) if n.format.as_deref() != Some(NAMEID_TRANSIENT) => {
                Some(n.value.trim().to_string())
            }
            _ => None,
        }
    } else {
        attribute(&c.claims[0])
    };
    let subject_value = subject_value
        .filter(|s| !s.is_empty())
        .ok_or(FederationError::NoSubject)?;
    let email = pick(&c.claims[1], EMAIL_ATTRIBUTES).or_else(|| {
        name_id
            .filter(|n| n.format.as_deref() == Some(NAMEID_EMAIL))
            .map(|n| n.value.trim().to_string())
    });
    let class_refs: Vec<String> = a
        .authn_statements
        .iter()
        .flatten()
        .filter_map(|s| s.authn_context.as_ref()?.value.as_ref()?.value.clone())
        .collect();
    let mfa = c.trust_upstream_mfa && class_refs.iter().any(|r| c.mfa_acr_values.contains(r));
    let in_response_to = subject
        .subject_confirmations
        .iter()
        .flatten()
        .filter_map(|s| s.subject_confirmation_data.as_ref())
        .find_map(|d| d.in_response_to.clone())
        .filter(|r| !r.is_empty());
    Ok(Verified {
        assertion_id: a.id.clone(),
        in_response_to,
        expires_at,
        upstream: Upstream {
            subject: subject_value,
            email,
            // SAML has no verification claim: whether the address is trusted is the
            // connector's (`trust_email`) or its domains' (enterprise) to say.
            email_verified: true,
            name: pick(&c.claims[3], NAME_ATTRIBUTES),
            picture: if c.claims[4].is_empty() {
                None
            } else {
                attribute(&c.claims[4])
            },
            mfa,
        },
    })
}

/// Sesame's service-provider metadata for `c`: its entity id and where responses go.
pub fn sp_metadata(issuer: &str, c: &Connector) -> Result<String, FederationError> {
    let md = EntityDescriptor {
        entity_id: Some(sp_entity_id(issuer, c)),
        sp_sso_descriptors: Some(vec![SpSsoDescriptor {
            protocol_support_enumeration: Some("urn:oasis:names:tc:SAML:2.0:protocol".into()),
            authn_requests_signed: Some(false),
            want_assertions_signed: Some(true),
            name_id_formats: Some(vec![
                "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into(),
                NAMEID_EMAIL.into(),
            ]),
            assertion_consumer_services: vec![IndexedEndpoint {
                binding: HTTP_POST_BINDING.into(),
                location: acs_url(issuer, c),
                response_location: None,
                index: 0,
                is_default: Some(true),
            }],
            ..Default::default()
        }]),
        ..Default::default()
    };
    md.to_string()
        .map_err(|e| FederationError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_needs_a_signing_certificate_and_a_redirect_service() {
        let e = metadata_from_parts("https://idp.example", "https://idp.example/sso", "nope")
            .expect_err("not a certificate");
        assert!(e.contains("PEM"), "{e}");
        let e = parse_metadata(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        )
        .expect_err("no certificate");
        assert!(e.contains("signing certificate"), "{e}");
    }

    #[test]
    fn a_cancelled_sign_in_is_told_from_a_broken_one() {
        let xml = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode></samlp:Status></samlp:Response>"#;
        let code = failure_status(xml).expect("a failure");
        assert!(SamlRefusal::Status(code).cancelled());
        let ok = xml.replace(
            "status:Responder\"><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:AuthnFailed\"/></samlp:StatusCode>",
            "status:Success\"/>",
        );
        assert_eq!(failure_status(&ok), None);
    }
}

//! Federation: signing in with another identity provider. Social sign-in ("Continue with
//! Google") and enterprise single sign-on are the same machinery: a connector speaks OpenID
//! Connect or plain OAuth 2.0 (`federation::client`) or SAML 2.0 (`federation::saml`) to its
//! provider, and the flow steps in `flow::federation` turn the upstream identity into a local
//! account, linked by (connector, subject) and never by email alone.
//!
//! Connectors are configured as `[[connectors]]`; a `preset` fills in what is the same for
//! every customer of a well-known provider (endpoints, scopes, claim names, whether its
//! `email_verified` can be trusted).

pub mod client;
pub mod saml;

use crate::config::{ConfigError, Secret};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a connector starts from: a protocol, or a well-known provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Any OpenID Connect provider, found by discovery from `issuer`.
    #[default]
    Oidc,
    /// Any OAuth 2.0 provider with a user-info endpoint; claims by `[connectors.claims]`.
    Oauth2,
    Google,
    /// Microsoft Entra ID (set `issuer` to your tenant's).
    Microsoft,
    Apple,
    Github,
    Gitlab,
    Line,
    /// Any SAML 2.0 identity provider, from its metadata (`idp_metadata_url` or
    /// `idp_metadata_file`) or its entity id, sign-on URL and certificate.
    Saml,
}

impl Preset {
    /// The name used in configuration and as the button's icon key.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Oidc => "oidc",
            Preset::Oauth2 => "oauth2",
            Preset::Google => "google",
            Preset::Microsoft => "microsoft",
            Preset::Apple => "apple",
            Preset::Github => "github",
            Preset::Gitlab => "gitlab",
            Preset::Line => "line",
            Preset::Saml => "saml",
        }
    }
}

/// Whether a connector is offered as a button (social) or found from the email domain
/// (enterprise single sign-on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    #[default]
    Social,
    Enterprise,
}

/// The protocol a connector speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Oidc,
    Oauth2,
    Saml,
}

/// Where each local attribute is found in the provider's user information (OAuth 2.0
/// connectors; OpenID Connect uses the standard claims). A path may name a nested member
/// with dots (`data.user.id`). For SAML connectors each names an attribute of the assertion
/// (`subject` by default is the `NameID`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimMapping {
    pub subject: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<String>,
    pub name: Option<String>,
    pub picture: Option<String>,
}

/// `[[connectors]]`: one upstream identity provider.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorConfig {
    /// The connector's id, in URLs (`/sign-in/with/<id>`, the callback) and in
    /// `direct_sign_in=social:<id>` / `sso:<id>`.
    pub id: String,
    #[serde(default)]
    pub preset: Preset,
    #[serde(default)]
    pub kind: ConnectorKind,
    /// The button label's provider name; the preset's name by default.
    #[serde(default)]
    pub name: Option<String>,
    /// The client id registered at the provider (OpenID Connect and OAuth 2.0).
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// OpenID Connect issuer (discovery at `<issuer>/.well-known/openid-configuration`).
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// Scopes asked for; the preset's by default.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub claims: ClaimMapping,
    /// Whether the provider's `email_verified` is trusted: then an upstream identity whose
    /// verified email belongs to an existing account is linked to it without asking.
    #[serde(default)]
    pub trust_email: Option<bool>,
    /// Whether a second factor the provider reports (`amr` with `mfa`, or an `acr` listed in
    /// `mfa_acr_values`) stands in for the local one.
    #[serde(default)]
    pub trust_upstream_mfa: bool,
    #[serde(default)]
    pub mfa_acr_values: Vec<String>,
    /// Email domains whose users sign in here (enterprise single sign-on).
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// The `domain_hint` value that sends users straight here (`google.com`, say).
    #[serde(default)]
    pub domain_hint: Option<String>,
    /// Extra parameters of the authorization request (`prompt = "select_account"`).
    #[serde(default)]
    pub auth_params: BTreeMap<String, String>,
    /// SAML: where the identity provider publishes its metadata (fetched when first needed,
    /// then hourly).
    #[serde(default)]
    pub idp_metadata_url: Option<String>,
    /// SAML: the identity provider's metadata as a file (read at start).
    #[serde(default)]
    pub idp_metadata_file: Option<std::path::PathBuf>,
    /// SAML without metadata: the identity provider's entity id, …
    #[serde(default)]
    pub idp_entity_id: Option<String>,
    /// … its single sign-on URL (HTTP-Redirect binding), …
    #[serde(default)]
    pub idp_sso_url: Option<String>,
    /// … and its signing certificate (PEM).
    #[serde(default)]
    pub idp_certificate: Option<String>,
    /// SAML: Sesame's entity id at this provider; `<public_url>/saml/<id>` by default.
    #[serde(default)]
    pub sp_entity_id: Option<String>,
    /// SAML: the application (client id) a sign-in started at the identity provider
    /// (IdP-initiated) continues into. Without it such sign-ins are refused.
    #[serde(default)]
    pub idp_initiated_client: Option<String>,
}

/// What a preset provides.
struct Defaults {
    protocol: Protocol,
    name: &'static str,
    issuer: Option<&'static str>,
    endpoints: Option<[&'static str; 3]>,
    scopes: &'static [&'static str],
    trust_email: bool,
    claims: [&'static str; 5],
    domain_hint: Option<&'static str>,
    auth_params: &'static [(&'static str, &'static str)],
}

const OIDC_CLAIMS: [&str; 5] = ["sub", "email", "email_verified", "name", "picture"];
const OIDC_SCOPES: &[&str] = &["openid", "email", "profile"];

fn defaults(p: Preset) -> Defaults {
    let oidc = |name, issuer, trust_email, hint| Defaults {
        protocol: Protocol::Oidc,
        name,
        issuer,
        endpoints: None,
        scopes: OIDC_SCOPES,
        trust_email,
        claims: OIDC_CLAIMS,
        domain_hint: hint,
        auth_params: &[],
    };
    match p {
        Preset::Oidc => oidc("OpenID Connect", None, false, None),
        Preset::Oauth2 => Defaults {
            protocol: Protocol::Oauth2,
            scopes: &[],
            ..oidc("OAuth", None, false, None)
        },
        // Google verifies the addresses it reports as verified.
        Preset::Google => oidc(
            "Google",
            Some("https://accounts.google.com"),
            true,
            Some("google.com"),
        ),
        // Entra ID's `email` is whatever the tenant typed in (the "nOAuth" problem): never
        // trusted for linking by default.
        Preset::Microsoft => oidc("Microsoft", None, false, Some("microsoft.com")),
        Preset::Apple => Defaults {
            scopes: &["openid", "email", "name"],
            // Apple posts the result when the name or email is asked for.
            auth_params: &[("response_mode", "form_post")],
            ..oidc(
                "Apple",
                Some("https://appleid.apple.com"),
                true,
                Some("apple.com"),
            )
        },
        Preset::Github => Defaults {
            protocol: Protocol::Oauth2,
            endpoints: Some([
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
            ]),
            scopes: &["read:user", "user:email"],
            claims: ["id", "email", "", "name", "avatar_url"],
            ..oidc("GitHub", None, false, Some("github.com"))
        },
        Preset::Gitlab => oidc(
            "GitLab",
            Some("https://gitlab.com"),
            false,
            Some("gitlab.com"),
        ),
        Preset::Line => Defaults {
            scopes: &["openid", "profile", "email"],
            ..oidc(
                "LINE",
                Some("https://access.line.me"),
                false,
                Some("line.me"),
            )
        },
        // Attributes are looked up under their common names unless mapped (`saml`).
        Preset::Saml => Defaults {
            protocol: Protocol::Saml,
            scopes: &[],
            claims: ["", "", "", "", ""],
            ..oidc("SAML", None, false, None)
        },
    }
}

/// A configured connector with its preset applied.
#[derive(Clone, Debug)]
pub struct Connector {
    pub id: String,
    pub preset: Preset,
    pub kind: ConnectorKind,
    pub protocol: Protocol,
    pub name: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub issuer: Option<String>,
    /// Authorization, token and user-info endpoints (OAuth 2.0).
    pub endpoints: Option<[String; 3]>,
    pub scopes: Vec<String>,
    /// Paths of subject, email, email_verified, name, picture ("" when absent).
    pub claims: [String; 5],
    pub trust_email: bool,
    pub trust_upstream_mfa: bool,
    pub mfa_acr_values: Vec<String>,
    /// Lower-case domains.
    pub email_domains: Vec<String>,
    pub domain_hint: Option<String>,
    pub auth_params: Vec<(String, String)>,
    /// The SAML settings (SAML connectors only).
    pub saml: Option<saml::SamlSettings>,
}

impl Connector {
    /// Applies the preset to a configured connector and checks it; errors name the key.
    pub fn resolve(c: &ConnectorConfig, at: &str) -> Result<Connector, ConfigError> {
        let key = |k: &str, message: &str| ConfigError::Key {
            key: format!("{at}.{k}"),
            message: message.into(),
        };
        let valid_id = !c.id.is_empty()
            && c.id.len() <= 40
            && c.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid_id {
            return Err(key("id", "use 1 to 40 of a-z, 0-9, - and _"));
        }
        let d = defaults(c.preset);
        if c.client_id.is_empty() && d.protocol != Protocol::Saml {
            return Err(key("client_id", "required"));
        }
        let url_ok = |v: &str| {
            url::Url::parse(v)
                .ok()
                .is_some_and(|u| matches!(u.scheme(), "https" | "http"))
        };
        let issuer = c.issuer.clone().or(d.issuer.map(String::from));
        let endpoints = match (
            &c.authorization_endpoint,
            &c.token_endpoint,
            &c.userinfo_endpoint,
        ) {
            (Some(a), Some(t), Some(u)) => Some([a.clone(), t.clone(), u.clone()]),
            (None, None, None) => d.endpoints.map(|e| e.map(String::from)),
            _ => {
                return Err(key(
                    "authorization_endpoint",
                    "give the authorization, token and userinfo endpoints together",
                ))
            }
        };
        match d.protocol {
            Protocol::Oidc => match &issuer {
                Some(i) if url_ok(i) => {}
                _ => {
                    return Err(key(
                        "issuer",
                        "an http(s) URL is required for OpenID Connect",
                    ))
                }
            },
            Protocol::Oauth2 => match &endpoints {
                Some(e) if e.iter().all(|u| url_ok(u)) => {}
                _ => {
                    return Err(key(
                        "authorization_endpoint",
                        "OAuth 2.0 needs http(s) authorization, token and userinfo endpoints",
                    ))
                }
            },
            Protocol::Saml => {}
        }
        let saml = match d.protocol {
            Protocol::Saml => Some(saml_settings(c, &key, &url_ok)?),
            _ => None,
        };
        let mut email_domains = Vec::new();
        for d in &c.email_domains {
            let d = d.trim().trim_start_matches('@').to_lowercase();
            if d.is_empty() || !d.contains('.') || d.contains(['@', '/', ' ']) {
                return Err(key(
                    "email_domains",
                    "each must be a domain such as example.com",
                ));
            }
            email_domains.push(d);
        }
        let m = &c.claims;
        let pick = |v: &Option<String>, i: usize| v.clone().unwrap_or(d.claims[i].to_string());
        let claims = [
            pick(&m.subject, 0),
            pick(&m.email, 1),
            pick(&m.email_verified, 2),
            pick(&m.name, 3),
            pick(&m.picture, 4),
        ];
        // SAML reads the NameID when no subject attribute is named.
        if claims[0].is_empty() && d.protocol != Protocol::Saml {
            return Err(key("claims.subject", "required"));
        }
        let mut auth_params: Vec<(String, String)> = d
            .auth_params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in &c.auth_params {
            const OURS: [&str; 8] = [
                "client_id",
                "redirect_uri",
                "state",
                "nonce",
                "code_challenge",
                "code_challenge_method",
                "response_type",
                "scope",
            ];
            if OURS.contains(&k.as_str()) {
                return Err(key("auth_params", "cannot override a protocol parameter"));
            }
            auth_params.retain(|(x, _)| x != k);
            auth_params.push((k.clone(), v.clone()));
        }
        Ok(Connector {
            id: c.id.clone(),
            preset: c.preset,
            kind: c.kind,
            protocol: d.protocol,
            name: c.name.clone().unwrap_or(d.name.to_string()),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.as_ref().map(|s| s.0.clone()),
            issuer,
            endpoints,
            scopes: c
                .scopes
                .clone()
                .unwrap_or_else(|| d.scopes.iter().map(|s| s.to_string()).collect()),
            claims,
            trust_email: c.trust_email.unwrap_or(d.trust_email),
            trust_upstream_mfa: c.trust_upstream_mfa,
            mfa_acr_values: c.mfa_acr_values.clone(),
            email_domains,
            domain_hint: c
                .domain_hint
                .clone()
                .or(d.domain_hint.map(String::from))
                .map(|h| h.to_lowercase()),
            auth_params,
            saml,
        })
    }

    /// Whether `domain` (lower case) is one of this connector's email domains.
    pub fn serves_domain(&self, domain: &str) -> bool {
        self.email_domains.iter().any(|d| d == domain)
    }
}

/// The SAML part of a connector's configuration: exactly one source of provider metadata.
fn saml_settings(
    c: &ConnectorConfig,
    key: &dyn Fn(&str, &str) -> ConfigError,
    url_ok: &dyn Fn(&str) -> bool,
) -> Result<saml::SamlSettings, ConfigError> {
    let parts = [&c.idp_entity_id, &c.idp_sso_url, &c.idp_certificate];
    let given = [
        c.idp_metadata_url.is_some(),
        c.idp_metadata_file.is_some(),
        parts.iter().any(|p| p.is_some()),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(key(
            "idp_metadata_url",
            "give one of idp_metadata_url, idp_metadata_file, or idp_entity_id with idp_sso_url and idp_certificate",
        ));
    }
    let metadata = if let Some(url) = &c.idp_metadata_url {
        if !url_ok(url) {
            return Err(key("idp_metadata_url", "an http(s) URL is required"));
        }
        saml::MetadataSource::Url(url.clone())
    } else if let Some(path) = &c.idp_metadata_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| key("idp_metadata_file", &format!("{}: {e}", path.display())))?;
        let md = saml::parse_metadata(&text).map_err(|e| key("idp_metadata_file", &e))?;
        saml::MetadataSource::Fixed(std::sync::Arc::new(md))
    } else {
        let (Some(entity), Some(sso), Some(cert)) =
            (&c.idp_entity_id, &c.idp_sso_url, &c.idp_certificate)
        else {
            return Err(key(
                "idp_entity_id",
                "give idp_entity_id, idp_sso_url and idp_certificate together",
            ));
        };
        if !url_ok(sso) {
            return Err(key("idp_sso_url", "an http(s) URL is required"));
        }
        let md =
            saml::metadata_from_parts(entity, sso, cert).map_err(|e| key("idp_certificate", &e))?;
        saml::MetadataSource::Fixed(std::sync::Arc::new(md))
    };
    Ok(saml::SamlSettings {
        metadata,
        sp_entity_id: c.sp_entity_id.clone(),
        idp_initiated_client: c.idp_initiated_client.clone(),
    })
}

/// Every connector, in the configured order.
#[derive(Debug, Default)]
pub struct Connectors {
    pub all: Vec<Connector>,
    /// Discovered provider metadata, per connector id (OpenID Connect).
    pub discovered: client::DiscoveryCache,
    /// Fetched identity-provider metadata, per connector id (SAML).
    pub saml_metadata: saml::MetadataCache,
}

impl Connectors {
    /// Resolves the configured connectors; ids must be unique and a domain may belong to one
    /// connector only.
    pub fn from_config(list: &[ConnectorConfig]) -> Result<Connectors, ConfigError> {
        let mut all: Vec<Connector> = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let at = format!("connectors[{i}]");
            let c = Connector::resolve(c, &at)?;
            if all.iter().any(|o| o.id == c.id) {
                return Err(ConfigError::Key {
                    key: format!("{at}.id"),
                    message: format!("`{}` is used by another connector", c.id),
                });
            }
            if let Some(d) = c
                .email_domains
                .iter()
                .find(|d| all.iter().any(|o| o.serves_domain(d)))
            {
                return Err(ConfigError::Key {
                    key: format!("{at}.email_domains"),
                    message: format!("`{d}` belongs to another connector"),
                });
            }
            all.push(c);
        }
        Ok(Connectors {
            all,
            discovered: Default::default(),
            saml_metadata: Default::default(),
        })
    }

    /// The connector with this id.
    pub fn get(&self, id: &str) -> Option<&Connector> {
        self.all.iter().find(|c| c.id == id)
    }

    /// The buttons of the sign-in and sign-up screens.
    pub fn social(&self) -> impl Iterator<Item = &Connector> {
        self.all.iter().filter(|c| c.kind == ConnectorKind::Social)
    }

    /// Whether any connector routes by email domain.
    pub fn has_enterprise(&self) -> bool {
        self.all.iter().any(|c| c.kind == ConnectorKind::Enterprise)
    }

    /// The enterprise connector serving the domain of `email`, if any. The domain is
    /// compared in lower case, as the identifier rules store addresses.
    pub fn for_email(&self, email: &str) -> Option<&Connector> {
        let domain = email.rsplit_once('@')?.1.to_lowercase();
        self.all
            .iter()
            .filter(|c| c.kind == ConnectorKind::Enterprise)
            .find(|c| c.serves_domain(&domain))
    }

    /// Where a form may send the browser when an address routes to single sign-on: the
    /// enterprise providers' authorization endpoints (CSP `form-action` of every page).
    pub fn form_targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in self
            .all
            .iter()
            .filter(|c| c.kind == ConnectorKind::Enterprise)
        {
            out.extend(c.issuer.clone());
            out.extend(c.endpoints.as_ref().map(|e| e[0].clone()));
            out.extend(self.discovered.authorization_endpoint(&c.id));
            out.extend(self.saml_metadata.sso_url(&c.id));
            // Before its metadata is fetched, the provider's sign-on URL is most likely on
            // the origin that publishes it.
            match c.saml.as_ref().map(|s| &s.metadata) {
                Some(saml::MetadataSource::Fixed(md)) => out.extend(saml::sso_url_of(md)),
                Some(saml::MetadataSource::Url(url)) => out.push(url.clone()),
                None => {}
            }
        }
        out
    }

    /// The connector a `domain_hint` names: an enterprise domain or a provider's hint.
    pub fn for_domain_hint(&self, hint: &str) -> Option<&Connector> {
        let hint = hint.trim().to_lowercase();
        self.all
            .iter()
            .find(|c| c.serves_domain(&hint))
            .or_else(|| {
                self.all
                    .iter()
                    .find(|c| c.domain_hint.as_deref() == Some(hint.as_str()))
            })
    }

    /// The connector `direct_sign_in` names (`social:<id>` or `sso:<id>`), if it exists and
    /// is of that kind.
    pub fn for_direct_sign_in(&self, value: &str) -> Option<&Connector> {
        let (kind, id) = value.split_once(':')?;
        let kind = match kind {
            "social" => ConnectorKind::Social,
            "sso" => ConnectorKind::Enterprise,
            _ => return None,
        };
        self.get(id).filter(|c| c.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(toml_text: &str) -> Result<Connectors, ConfigError> {
        #[derive(Deserialize)]
        struct W {
            connectors: Vec<ConnectorConfig>,
        }
        let w: W = toml::from_str(toml_text).expect("toml");
        Connectors::from_config(&w.connectors)
    }

    #[test]
    fn presets_fill_in_the_provider() {
        let c = cfg(r#"
            [[connectors]]
            id = "google"
            preset = "google"
            client_id = "x"
            [[connectors]]
            id = "gh"
            preset = "github"
            client_id = "y"
        "#)
        .expect("valid");
        let g = c.get("google").expect("google");
        assert_eq!(g.protocol, Protocol::Oidc);
        assert_eq!(g.issuer.as_deref(), Some("https://accounts.google.com"));
        assert!(g.trust_email);
        let gh = c.get("gh").expect("github");
        assert_eq!(gh.protocol, Protocol::Oauth2);
        assert_eq!(gh.claims[0], "id");
        assert!(!gh.trust_email);
        assert_eq!(
            c.for_domain_hint("GitHub.com").map(|c| c.id.as_str()),
            Some("gh")
        );
    }

    #[test]
    fn bad_connectors_name_the_key() {
        let e = cfg(r#"
            [[connectors]]
            id = "acme"
            client_id = "x"
        "#)
        .expect_err("no issuer");
        assert!(e.to_string().contains("connectors[0].issuer"), "{e}");
        let e = cfg(r#"
            [[connectors]]
            id = "a"
            kind = "enterprise"
            issuer = "https://a.example"
            client_id = "x"
            email_domains = ["Example.COM"]
            [[connectors]]
            id = "b"
            kind = "enterprise"
            issuer = "https://b.example"
            client_id = "x"
            email_domains = ["example.com"]
        "#)
        .expect_err("shared domain");
        assert!(e.to_string().contains("connectors[1].email_domains"), "{e}");
        let e = cfg(r#"
            [[connectors]]
            id = "a"
            issuer = "https://a.example"
            client_id = "x"
            auth_params = { nonce = "fixed" }
        "#)
        .expect_err("protocol parameter");
        assert!(e.to_string().contains("auth_params"), "{e}");
    }

    #[test]
    fn routing_by_domain_and_direct_sign_in() {
        let c = cfg(r#"
            [[connectors]]
            id = "acme"
            kind = "enterprise"
            issuer = "https://idp.acme.example"
            client_id = "x"
            email_domains = ["acme.example"]
            [[connectors]]
            id = "google"
            preset = "google"
            client_id = "x"
        "#)
        .expect("valid");
        assert_eq!(
            c.for_email("Jo@ACME.example").map(|c| c.id.as_str()),
            Some("acme")
        );
        assert!(c.for_email("jo@other.example").is_none());
        assert!(c.for_email("jo@sub.acme.example").is_none());
        assert_eq!(
            c.for_direct_sign_in("sso:acme").map(|c| c.id.as_str()),
            Some("acme")
        );
        assert_eq!(
            c.for_direct_sign_in("social:google").map(|c| c.id.as_str()),
            Some("google")
        );
        // The kind must match: a social connector is not an SSO target.
        assert!(c.for_direct_sign_in("sso:google").is_none());
        assert!(c.for_direct_sign_in("social:nope").is_none());
        assert_eq!(
            c.for_domain_hint("acme.example").map(|c| c.id.as_str()),
            Some("acme")
        );
    }
}

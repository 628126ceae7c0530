//! The state every handler shares.

use crate::config::{ClientConfig, Config};
use crate::db::Db;
use crate::keys::Keys;
use crate::password::Hasher;
use crate::web::Cookies;
use app::i18n::Locale;
use leptos::config::LeptosOptions;
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub hasher: Hasher,
    /// The branding of every application.
    pub brands: crate::branding::Brands,
    /// Email and SMS connectors.
    pub messenger: crate::messaging::Messenger,
    pub keys: Arc<Keys>,
    /// Key of the anti-forgery MACs.
    pub csrf_key: Vec<u8>,
    pub cookies: Cookies,
    pub clients: HashMap<String, ClientConfig>,
    /// The demo relying party's client secret.
    pub demo_secret: String,
    pub leptos: LeptosOptions,
    /// Every request to another server (providers, metadata, back-channel logout).
    pub http: crate::outbound::Outbound,
    /// Client for the demo's server-to-server calls (to this server).
    pub demo_http: reqwest::Client,
    /// The OpenID Connect issuer.
    pub issuer: String,
    /// The issuer's origin, compared with `Origin` headers.
    pub origin: String,
    pub default_locale: Locale,
    /// The WebAuthn relying party; `None` when the public URL cannot have one (an IP
    /// address) or no feature uses it.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// Social and enterprise identity providers.
    pub connectors: crate::federation::Connectors,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Wraps the parts.
    pub fn new(inner: Inner) -> Self {
        AppState(Arc::new(inner))
    }

    /// A URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The client with this id.
    pub fn client(&self, id: &str) -> Option<&ClientConfig> {
        self.clients.get(id)
    }
}

//! Sesame's server: configuration, storage, the sign-in flow engine, the OpenID Connect
//! provider, the demo relying party, and the HTTP router that ties them together.

pub mod account_api;
pub mod audit;
pub mod branding;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod experience_api;
pub mod federation;
pub mod flow;
pub mod identifier;
pub mod keys;
pub mod lockout;
pub mod messaging;
pub mod mfa;
pub mod oidc;
pub mod outbound;
pub mod pages;
pub mod password;
pub mod password_policy;
pub mod profile;
pub mod render;
pub mod state;
pub mod web;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use config::Config;
use leptos::config::LeptosOptions;
use state::{AppState, Inner};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tower_http::services::ServeDir;

/// Why Sesame could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("cannot build the outbound HTTP client: {0}")]
    Outbound(#[from] outbound::OutboundError),
    #[error("cannot set up messaging: {0}")]
    Messaging(#[from] messaging::MessagingError),
    #[error("cannot listen on {0}: {1}")]
    Listen(std::net::SocketAddr, std::io::Error),
}

/// Opens storage, loads keys, starts the hashing pool.
pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let db = db::Db::connect(&config.database_url(), config.database.max_connections).await?;
    let keys = keys::Keys::load_or_create(&db).await?;
    let csrf_key = db.secret("csrf_mac_key", crypto::random_token).await?;
    // Generated, not derived: anyone could compute a secret made of public values.
    let demo_secret = db
        .secret("demo_client_secret", crypto::random_token)
        .await?;
    let hasher = password::Hasher::start(&config.password_hashing)?;
    // A release build names the bundle after its content and lists the names in hash.txt
    // (scripts/lib/site.sh); Leptos then links those names, and `static_cache` lets
    // browsers keep them. Leptos joins the path to the binary's folder: absolute, it stays.
    let hash_file = std::path::absolute(config.server.site_root.join("hash.txt"))
        .unwrap_or_else(|_| config.server.site_root.join("hash.txt"));
    let leptos = LeptosOptions::builder()
        .output_name("sesame")
        .site_root(config.server.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.server.listen)
        .hash_files(hash_file.is_file())
        .hash_file(Arc::from(hash_file.display().to_string()))
        .build();
    let clients: HashMap<_, _> = config
        .all_clients(&demo_secret)
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let outbound = outbound::Outbound::new(&config.outbound, Duration::from_secs(10))?;
    // The demo relying party calls this server itself (its token and user-info endpoints,
    // usually on loopback): not an outbound request the operator configured.
    let demo_http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let issuer = config.issuer();
    let messenger = messaging::Messenger::new(&config, outbound.clone())?;
    // WebAuthn needs a host name for its relying-party id; on an IP address (a local test
    // setup) passkeys and security keys are simply not offered.
    let webauthn = url::Url::parse(&config.server.public_url)
        .ok()
        .filter(|u| matches!(u.host(), Some(url::Host::Domain(_))))
        .and_then(|_| {
            let name = config.branding.name.as_deref().unwrap_or("Sesame");
            mfa::webauthn(
                &config.server.public_url,
                name,
                config.passkeys.timeout_secs,
            )
            .map_err(|e| tracing::warn!(error = %e, "WebAuthn unavailable"))
            .ok()
        })
        .map(Arc::new);
    let connectors = federation::Connectors::from_config(&config.connectors)?;
    Ok(AppState::new(Inner {
        connectors,
        webauthn,
        messenger,
        brands: branding::Brands::new(&config),
        cookies: web::Cookies::new(config.https()),
        origin: web::origin_of(&issuer),
        default_locale: config.locale().unwrap_or_default(),
        issuer,
        db,
        hasher,
        keys,
        csrf_key: csrf_key.into_bytes(),
        clients,
        demo_secret,
        leptos,
        http: outbound,
        demo_http,
        config,
    }))
}

/// The HTTP application.
pub fn router(state: AppState) -> Router {
    let site_root = state.config.server.site_root.clone();
    let max_body = state.config.server.max_body_bytes;
    let mut app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(oidc::discovery::configuration),
        )
        .route("/jwks", get(oidc::discovery::jwks))
        .route(
            "/authorize",
            get(oidc::authorize::authorize_get).post(oidc::authorize::authorize_post),
        )
        .route("/authorize/resume", get(oidc::authorize::resume))
        .route("/token", post(oidc::token::token))
        .route("/introspect", post(oidc::token::introspect))
        .route(
            "/userinfo",
            get(oidc::userinfo::userinfo_get).post(oidc::userinfo::userinfo_post),
        )
        .route("/", get(pages::home))
        .route("/sign-in", get(pages::sign_in))
        .route("/register", get(pages::register))
        .route("/identifier-sign-in", get(pages::identifier_sign_in))
        .route("/sign-in/password", get(pages::sign_in_password))
        .route("/verify", get(pages::verify_code))
        .route("/reset-password", get(pages::reset_password))
        .route("/reset-password/new", get(pages::new_password))
        .route("/suspended", get(pages::suspended))
        .route("/no-account", get(pages::no_account))
        .route("/terms", get(pages::terms))
        .route("/continue", get(pages::continue_profile))
        .route("/flow/continue", post(flow::profile::form))
        .route("/profile-edit", get(pages::profile_edit))
        .route("/flow/profile-edit", post(flow::profile::edit_form))
        .route("/flow/b2c", post(flow::user_flow::form))
        .route("/flow/mfa", post(flow::mfa::form))
        .route("/mfa", get(pages::mfa::verify))
        .route("/mfa/methods", get(pages::mfa::methods))
        .route("/mfa/setup", get(pages::mfa::setup))
        .route("/mfa/setup/totp", get(pages::mfa::setup_totp))
        .route("/mfa/setup/webauthn", get(pages::mfa::setup_webauthn))
        .route("/mfa/backup-codes", get(pages::mfa::backup_codes))
        .route("/mfa/backup-codes.txt", get(pages::mfa::backup_codes_file))
        .route("/mfa/continue", get(pages::mfa::resume))
        .route("/passkey/create", get(pages::mfa::passkey_prompt))
        .route("/sign-in/with/{id}", get(pages::federation::start))
        .route(
            "/federation/callback/{id}",
            get(pages::federation::callback).post(pages::federation::callback_post),
        )
        .route(
            "/saml/{id}/acs",
            get(pages::federation::saml_acs).post(pages::federation::saml_acs_post),
        )
        .route("/saml/{id}/metadata", get(pages::federation::saml_metadata))
        .route(
            "/federation/continue",
            get(pages::federation::idp_initiated_continue),
        )
        .route("/sign-in/link-sent", get(pages::magic_link::sent))
        .route("/magic", get(pages::magic_link::landing))
        .route("/flow/magic", post(flow::magic_link::form))
        .route("/consent", get(pages::consent::consent))
        .route("/flow/consent", post(flow::consent::form))
        .route("/sso", get(pages::federation::sso))
        .route("/federation/link", get(pages::federation::link))
        .route("/flow/federation", post(flow::federation::form))
        .route(
            "/logout",
            get(oidc::logout::logout).post(oidc::logout::logout),
        )
        .route("/flow/logout", post(oidc::logout::confirm))
        .route("/account", get(pages::account::overview))
        .route("/account/profile", get(pages::account::profile))
        .route("/account/email", get(pages::account::email))
        .route("/account/phone", get(pages::account::phone))
        .route("/account/password", get(pages::account::password))
        .route("/account/verify", get(pages::account::verify))
        .route(
            "/account/reauthenticate",
            get(pages::account::reauthenticate),
        )
        .route("/account/identities", get(pages::account::identities))
        .route("/account/mfa", get(pages::account::mfa))
        .route("/account/mfa/totp", get(pages::account::totp))
        .route("/account/mfa/passkey", get(pages::account::passkey))
        .route(
            "/account/mfa/backup-codes",
            get(pages::account::backup_codes),
        )
        .route(
            "/account/mfa/backup-codes.txt",
            get(pages::account::backup_codes_file),
        )
        .route("/account/sessions", get(pages::account::sessions))
        .route("/account/apps", get(pages::account::apps))
        .route("/account/tokens", get(pages::account::tokens))
        .route("/account/delete", get(pages::account::delete))
        .route("/account/deleted", get(pages::account::deleted))
        .route("/account/organizations", get(pages::account::organizations))
        .route(
            "/account/organizations/switch",
            get(pages::account::switch_organization),
        )
        .route(
            "/account/organizations/{id}",
            get(pages::account::organization),
        )
        .route("/invitation", get(pages::account::invitation))
        .route("/flow/account", post(flow::account::form))
        .route("/flow/organization", post(flow::organization::form))
        .route("/sign-out", get(pages::sign_out))
        .route("/sign-out/done", get(pages::signed_out))
        .route("/error", get(pages::error))
        .route("/language", get(pages::language))
        .route("/flow/{*name}", post(server_fn))
        .route("/health", get(health))
        .merge(experience_api::routes())
        .merge(account_api::routes())
        .merge(oidc::b2c::routes());
    if state.config.dev.outbox_page {
        app = app.route("/dev/outbox", get(pages::outbox));
    }
    if state.config.demo.enabled {
        app = app
            .route("/demo", get(demo::page))
            .route("/demo/start", get(demo::initiate).post(demo::start))
            .route("/demo/callback", get(demo::callback))
            .route("/demo/sign-out", post(demo::sign_out));
    }
    let not_found = axum::routing::any(pages::not_found).with_state(state.clone());
    // Release builds leave brotli files beside the bundle (scripts/lib/site.sh,
    // `precompress`); served when the browser accepts them, else compressed on the fly.
    let files = Router::new()
        .fallback_service(
            ServeDir::new(site_root)
                .precompressed_br()
                .fallback(not_found),
        )
        .layer(axum::middleware::from_fn(static_cache));
    app.fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Runs the Leptos server functions (the screens' form posts) with the engine in context.
async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    let port: app::port::SharedFlowPort = Arc::new(state.clone());
    leptos_axum::handle_server_fns_with_context(
        move || leptos::prelude::provide_context(port.clone()),
        req,
    )
    .await
}

/// `Cache-Control` of the static files: a year, immutable, for the bundle files named after
/// their content (`/pkg/sesame.<hash>.wasm`); for every other file, revalidation each time
/// (`no-cache`, answered with 304 while it is unchanged), so that a new release is seen.
async fn static_cache(req: Request, next: Next) -> Response {
    let immutable = is_content_named(req.uri().path());
    let mut response = next.run(req).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let value = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Whether `path` is a bundle file named after its content: `/pkg/<name>.<hash>.<ext>`
/// with a hash of 16 hexadecimal digits (`content_names` in scripts/lib/site.sh).
pub fn is_content_named(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let mut parts = file.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next());
    !file.contains('/')
        && parts.next().is_some_and(|name| !name.is_empty())
        && hash.is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Refuses oversized query strings early and adds the headers every response carries.
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let query_len = req.uri().query().map_or(0, str::len);
    if query_len > state.config.server.max_query_bytes {
        return (StatusCode::URI_TOO_LONG, "query string too long").into_response();
    }
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// `GET /health`: the database answers.
async fn health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => "ok".into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Deletes expired rows every few minutes.
pub fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = crypto::now();
            let audit_before = now - state.config.audit.retention_days * 86_400;
            match state.db.purge_expired(now, audit_before).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rows = n, "purged expired rows"),
                Err(e) => tracing::warn!(error = %e, "purge failed"),
            }
        }
    });
}

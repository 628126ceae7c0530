//! What Sesame's fuzz targets share: one server state, made once per fuzzing process, with
//! the configuration the targets need (a confidential and a public client with https and
//! loopback redirect URIs, a SAML connector whose identity provider key is made here, and
//! passkeys on `localhost`), and a runtime for the parts that are async.

use samael::crypto::{CertificateDer, Crypto, CryptoProvider};
use samael::idp::{CertificateParams, IdentityProvider, KeyType, Rsa};
use server::state::AppState;
use std::sync::OnceLock;

/// The confidential client.
pub const CONFIDENTIAL: &str = "fuzz-app";
/// The public client (PKCE required).
pub const PUBLIC: &str = "fuzz-native";
/// The SAML connector's id, and its identity provider's entity id.
pub const SAML_CONNECTOR: &str = "corp";
pub const IDP_ENTITY: &str = "https://idp.corp.example/saml";

/// The state and what the targets need next to it.
pub struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub state: AppState,
    /// The SAML identity provider's private key (DER), to sign seed responses with.
    pub idp_key_der: Vec<u8>,
    /// JWTs Sesame signed at start (RS256 and ES256): the only ones that may verify.
    pub signed_tokens: Vec<String>,
}

/// The one fixture of this process.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(make)
}

fn make() -> Fixture {
    // The state lives as long as the process (a static is never dropped): its folder is the
    // caller's to remove (scripts/bench-fuzz.sh removes SESAME_FUZZ_STATE_DIR after each run).
    let base = std::env::var_os("SESAME_FUZZ_STATE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("sesame-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let idp = IdentityProvider::generate_new(KeyType::Rsa(Rsa::Rsa2048)).expect("an IdP key");
    let cert: CertificateDer = idp
        .create_certificate(&CertificateParams {
            common_name: "idp.corp.example",
            issuer_name: "idp.corp.example",
            days_until_expiration: 30,
        })
        .expect("an IdP certificate");
    use base64::Engine as _;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(cert.der_data())
    );
    let text = format!(
        r#"
[server]
data_dir = "{dir}"
public_url = "http://localhost:3000"
[password_hashing]
memory_kib = 64
iterations = 1
[[clients]]
id = "{CONFIDENTIAL}"
secret = "fuzz-app-secret-0123456789abcdef"
redirect_uris = ["https://app.example.com/cb", "https://app.example.com/cb?x=1"]
[[clients]]
id = "{PUBLIC}"
redirect_uris = ["http://127.0.0.1/cb", "http://[::1]:8080/callback", "com.example.app:/cb"]
[[connectors]]
id = "{SAML_CONNECTOR}"
preset = "saml"
kind = "enterprise"
name = "Corp"
idp_entity_id = "{IDP_ENTITY}"
idp_sso_url = "https://idp.corp.example/sso"
idp_certificate = """{pem}"""
email_domains = ["corp.example"]
"#,
        dir = dir.display()
    );
    let config =
        server::config::Config::from_table(text.parse().expect("toml")).expect("the config");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let state = runtime
        .block_on(server::build_state(config))
        .expect("the server state");
    let mut claims = serde_json::Map::new();
    claims.insert("iss".into(), "http://localhost:3000".into());
    claims.insert("sub".into(), "user-1".into());
    claims.insert("aud".into(), CONFIDENTIAL.into());
    let signed_tokens = server::keys::ALGORITHMS
        .iter()
        .map(|alg| {
            state
                .keys
                .sign(alg, "JWT", claims.clone())
                .expect("a signed token")
        })
        .collect();
    Fixture {
        runtime,
        state,
        idp_key_der: idp.export_private_key_der().expect("the IdP key"),
        signed_tokens,
    }
}

/// Signs `xml` (a SAML response with a signature template) with the identity provider's key.
pub fn idp_sign(xml: &str) -> Option<String> {
    Crypto::sign_xml(xml, &fixture().idp_key_der).ok()
}

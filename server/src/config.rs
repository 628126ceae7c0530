//! Configuration: one TOML file, every key optional with a documented default
//! (`docs/configuration.md`), each overridable by an environment variable
//! `SESAME__<SECTION>__<KEY>` (double underscores separate the levels).

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Why the configuration could not be loaded. Each variant names the file or key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("configuration key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

/// The whole configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub password_hashing: PasswordHashingConfig,
    pub tokens: TokenConfig,
    pub session: SessionConfig,
    pub ui: UiConfig,
    pub experience: ExperienceConfig,
    pub codes: CodeConfig,
    pub magic_links: MagicLinkConfig,
    pub account: AccountConfig,
    pub organizations: OrganizationConfig,
    pub audit: AuditConfig,
    pub email: EmailConfig,
    pub sms: SmsConfig,
    pub password_policy: PasswordPolicyConfig,
    pub username_policy: UsernamePolicyConfig,
    pub terms: TermsConfig,
    pub profile: ProfileConfig,
    pub branding: BrandingConfig,
    pub lockout: LockoutConfig,
    pub mfa: MfaConfig,
    pub passkeys: PasskeyConfig,
    pub federation: FederationConfig,
    pub b2c: B2cConfig,
    pub dev: DevConfig,
    pub demo: DemoConfig,
    pub outbound: OutboundConfig,
    /// The applications (relying parties) allowed to sign users in.
    pub clients: Vec<ClientConfig>,
    /// Social and enterprise identity providers (`docs/configuration.md`, Connectors).
    pub connectors: Vec<crate::federation::ConnectorConfig>,
    /// Named user flows, as Azure AD B2C has them (`p=B2C_1_susi`; `docs/b2c.md`).
    pub user_flows: Vec<UserFlowConfig>,
    /// APIs apps may get access tokens for (`resource`, RFC 8707), with their scopes.
    pub resources: Vec<ResourceConfig>,
}

/// `[[resources]]`: an API that accepts Sesame's access tokens.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    /// A short name: the API's user name at `/introspect`.
    pub id: String,
    /// The resource indicator apps send as `resource` (an absolute URI).
    pub indicator: String,
    /// Shown on the consent screen, by language (`en` is the fallback).
    pub name: Translated,
    /// The API's secret for `/introspect`; without it the API cannot introspect.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// The scopes of the API, each with what it lets an app do.
    #[serde(default)]
    pub scopes: Vec<ResourceScope>,
}

/// One scope of an API.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceScope {
    pub name: String,
    /// Shown on the consent screen, by language.
    pub description: Translated,
}

/// `[b2c]`: how Azure AD B2C applications reach Sesame's user flows.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct B2cConfig {
    /// Tenant names accepted in paths (`/{tenant}/{policy}/oauth2/v2.0/authorize`), such as
    /// `contoso.onmicrosoft.com`; empty accepts any.
    pub tenants: Vec<String>,
    /// The claim that names the user flow in tokens: `tfp` or `acr`.
    pub flow_claim: FlowClaim,
}

/// The claim naming the user flow in ID tokens.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FlowClaim {
    #[default]
    Tfp,
    Acr,
}

/// What a user flow does.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UserFlowType {
    SignUpSignIn,
    SignUp,
    SignIn,
    ProfileEdit,
    PasswordReset,
}

/// `[[user_flows]]`: one named user flow.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserFlowConfig {
    /// The name apps ask for with `p` (compared without case), e.g. `B2C_1_susi`.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: UserFlowType,
    /// The ways to sign in the flow offers: `local` (accounts of Sesame) and connector ids.
    /// All by default.
    #[serde(default)]
    pub identity_providers: Option<Vec<String>>,
    /// The `[profile]` fields collected at sign-up (and edited by a profile-editing flow).
    /// All by default.
    #[serde(default)]
    pub attributes: Option<Vec<String>>,
    /// The claims ID tokens of the flow carry besides the protocol's (`email`, `name`,
    /// `preferred_username`, a profile field…). As the scopes say by default.
    #[serde(default)]
    pub claims: Option<Vec<String>>,
    /// `off` or `mandatory`: the flow's second-factor policy over `[mfa] policy`.
    #[serde(default)]
    pub mfa: Option<MfaPolicy>,
    /// Sign-up-and-sign-in and sign-in flows: whether "Forgot your password?" resets the
    /// password within the flow (`true`), or ends it with `AADB2C90118` so that the app
    /// starts its password-reset flow (`false`, as B2C does).
    #[serde(default)]
    pub self_service_password_reset: bool,
    /// The look of the flow's pages, over the application's and `[branding]`.
    #[serde(default)]
    pub branding: Option<BrandingConfig>,
    /// The languages the flow's pages may use (`en`, `ja`, `ar`); all by default.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
}

impl UserFlowConfig {
    /// Whether the flow offers identity provider `id` (`local` for Sesame's own accounts).
    pub fn offers(&self, id: &str) -> bool {
        self.identity_providers
            .as_ref()
            .is_none_or(|l| l.iter().any(|p| p == id))
    }

    /// The flow's languages, when it restricts them.
    pub fn locales(&self) -> Option<Vec<app::i18n::Locale>> {
        self.languages.as_ref().map(|l| {
            l.iter()
                .filter_map(|t| app::i18n::Locale::from_tag(t))
                .collect()
        })
    }
}

/// `[federation]`: sign-in with other identity providers.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// On a first sign-in with a social provider, ask whether to create a new account or to
    /// link an existing one (which may have another email address); when false, a new account
    /// is created at once.
    pub ask_new_users: bool,
    /// Let accounts made from another provider's identity go without the identifiers
    /// sign-up requires (`experience.sign_up_identifiers`, `secondary_identifiers`); when
    /// false, such users are asked for them (and an email or phone number is verified by a
    /// code) before their first session.
    pub skip_required_identifiers: bool,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            ask_new_users: true,
            skip_required_identifiers: false,
        }
    }
}

/// `[server]`: where Sesame listens and how it is reached.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The URL users and clients reach Sesame at; the OpenID Connect issuer. `https://`
    /// switches cookies to `Secure` with the `__Host-` prefix.
    pub public_url: String,
    /// Where the database file and other state live; created on first start.
    pub data_dir: PathBuf,
    /// Directory of the built site (CSS, WebAssembly, public files).
    pub site_root: PathBuf,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest query string accepted, in bytes.
    pub max_query_bytes: usize,
    /// Seconds to let requests in flight finish on shutdown.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: "http://localhost:3000".into(),
            data_dir: PathBuf::from("data"),
            site_root: PathBuf::from("target/site"),
            max_body_bytes: 64 * 1024,
            max_query_bytes: 8 * 1024,
            shutdown_grace_secs: 10,
        }
    }
}

/// `[database]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/sesame.db`.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 8,
        }
    }
}

/// `[password_hashing]`: Argon2id parameters and the worker pool.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordHashingConfig {
    /// Memory per hash in KiB (OWASP: 19456 with 2 iterations).
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes per hash.
    pub parallelism: u32,
    /// Hashing threads; 0 means one per CPU core.
    pub workers: usize,
    /// Hash requests allowed to wait; beyond it sign-ins are answered "busy".
    pub queue: usize,
}

impl Default for PasswordHashingConfig {
    fn default() -> Self {
        Self {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
            workers: 0,
            queue: 256,
        }
    }
}

/// `[tokens]`: lifetimes in seconds.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    pub authorization_code_ttl_secs: i64,
    pub access_token_ttl_secs: i64,
    pub id_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            authorization_code_ttl_secs: 60,
            access_token_ttl_secs: 3600,
            id_token_ttl_secs: 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
        }
    }
}

/// `[session]`: the browser's sign-in session with Sesame and the sign-in flow.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// How long a sign-in session lasts, in seconds.
    pub lifetime_secs: i64,
    /// How long an unfinished sign-in flow (interaction) lasts, in seconds.
    pub interaction_ttl_secs: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            lifetime_secs: 24 * 3600,
            interaction_ttl_secs: 3600,
        }
    }
}

/// `[ui]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Language when neither `ui_locales`, the picker nor `Accept-Language` decide: `en`,
    /// `ja` or `ar`.
    pub default_locale: String,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            default_locale: "en".into(),
        }
    }
}

pub use app::api::IdentifierKind;

/// A way to prove the identifier at sign-in.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Password,
    Code,
    /// A single-use link mailed to the address (email only).
    Link,
}

/// Which of sign-in and sign-up are offered.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignInMode {
    /// Existing accounts only: registration is by invitation.
    SignIn,
    /// New accounts only.
    Register,
    SignInAndRegister,
}

/// The layout of the first sign-in screen.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignInStyle {
    /// Identifier and password on one screen.
    Unified,
    /// The identifier first, then the method on a second screen.
    IdentifierFirst,
}

/// `[[experience.sign_in]]`: one identifier accepted at sign-in and its methods, in order.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignInIdentifier {
    pub identifier: IdentifierKind,
    pub methods: Vec<SignInMethod>,
}

/// `[experience]`: what the sign-in and sign-up screens offer.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExperienceConfig {
    pub mode: SignInMode,
    pub style: SignInStyle,
    /// Identifiers accepted at sign-in, each with its methods in the order offered.
    pub sign_in: Vec<SignInIdentifier>,
    /// The identifier a new account is created with; with several, the user gives one of them.
    pub sign_up_identifiers: Vec<IdentifierKind>,
    /// Further identifiers every new account must give.
    pub secondary_identifiers: Vec<IdentifierKind>,
    /// Whether new accounts choose a password.
    pub sign_up_password: bool,
    /// Whether emails and phone numbers given at sign-up are verified by a code.
    pub verify_identifiers: bool,
    /// Channels offered to reset a forgotten password (`email`, `phone`).
    pub forgot_password: Vec<IdentifierKind>,
    /// Phone numbers without a `+` country code are read in this region (ISO 3166 code).
    pub default_phone_region: String,
}

impl Default for ExperienceConfig {
    fn default() -> Self {
        use IdentifierKind::*;
        use SignInMethod::*;
        Self {
            mode: SignInMode::SignInAndRegister,
            style: SignInStyle::Unified,
            sign_in: vec![
                SignInIdentifier {
                    identifier: Email,
                    methods: vec![Password, Code, Link],
                },
                SignInIdentifier {
                    identifier: Username,
                    methods: vec![Password],
                },
                SignInIdentifier {
                    identifier: Phone,
                    methods: vec![Password, Code],
                },
            ],
            sign_up_identifiers: vec![Email],
            secondary_identifiers: Vec::new(),
            sign_up_password: true,
            verify_identifiers: true,
            forgot_password: vec![Email, Phone],
            default_phone_region: "US".into(),
        }
    }
}

impl ExperienceConfig {
    /// Whether visitors may create accounts.
    pub fn registration_enabled(&self) -> bool {
        self.mode != SignInMode::SignIn
    }

    /// Whether existing users may sign in.
    pub fn sign_in_enabled(&self) -> bool {
        self.mode != SignInMode::Register
    }

    /// The sign-in methods of an identifier kind, in order (empty when not accepted).
    pub fn methods(&self, kind: IdentifierKind) -> &[SignInMethod] {
        self.sign_in
            .iter()
            .find(|s| s.identifier == kind)
            .map(|s| s.methods.as_slice())
            .unwrap_or(&[])
    }

    /// Identifier kinds accepted at sign-in.
    pub fn sign_in_kinds(&self) -> Vec<IdentifierKind> {
        self.sign_in.iter().map(|s| s.identifier).collect()
    }
}

/// `[codes]`: one-time verification codes sent by email or SMS.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeConfig {
    /// Digits per code.
    pub digits: u32,
    /// How long a code is valid.
    pub ttl_secs: i64,
    /// Wrong entries allowed per flow and recipient; a new code does not reset the count.
    pub max_attempts: i64,
    /// Wait before another code may be sent to the same recipient in the same flow.
    pub resend_cooldown_secs: i64,
    /// Messages allowed per recipient within `send_window_secs`.
    pub max_sends: i64,
    /// Messages allowed per client address within `send_window_secs`.
    pub max_sends_per_address: i64,
    pub send_window_secs: i64,
}

impl Default for CodeConfig {
    fn default() -> Self {
        Self {
            digits: 6,
            ttl_secs: 600,
            max_attempts: 10,
            resend_cooldown_secs: 60,
            max_sends: 10,
            max_sends_per_address: 50,
            send_window_secs: 600,
        }
    }
}

/// `[magic_links]`: single-use sign-in links by email ("email me a sign-in link", sign-up by
/// link, invitations). Sends count against the `[codes]` limits.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MagicLinkConfig {
    /// How long a link the user asked for works.
    pub ttl_secs: i64,
    /// How long an invitation (`sesame invite`) works.
    pub invitation_ttl_secs: i64,
}

impl Default for MagicLinkConfig {
    fn default() -> Self {
        Self {
            ttl_secs: 900,
            invitation_ttl_secs: 7 * 86_400,
        }
    }
}

/// `[audit]`: the audit log of security events (`sesame audit`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Days an event is kept; older ones are deleted by the housekeeping.
    pub retention_days: i64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            retention_days: 365,
        }
    }
}

/// `[account]`: the account center (`/account`) and the Account API (`/api/my-account`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountConfig {
    pub enabled: bool,
    /// How long a security verification (password, code, second factor) lets the user make
    /// sensitive changes, in seconds.
    pub verification_window_secs: i64,
    /// The longest lifetime a personal access token may be given, in days (0: tokens may
    /// be made that never expire).
    pub max_token_days: i64,
    /// What users may see and change, field by field.
    pub fields: AccountFields,
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            verification_window_secs: 300,
            max_token_days: 365,
            fields: AccountFields::default(),
        }
    }
}

/// Whether a part of the account center is shown, and whether it can be changed there.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldControl {
    /// Not shown, not in the Account API.
    Off,
    /// Shown; changes refused.
    ReadOnly,
    #[default]
    Edit,
}

impl FieldControl {
    /// Shown at all.
    pub fn visible(self) -> bool {
        self != FieldControl::Off
    }

    /// Changes allowed.
    pub fn editable(self) -> bool {
        self == FieldControl::Edit
    }
}

/// `[account.fields]`: one control per part of the account center.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountFields {
    pub name: FieldControl,
    pub avatar: FieldControl,
    pub username: FieldControl,
    /// The configured `[[profile.fields]]`.
    pub profile: FieldControl,
    pub email: FieldControl,
    pub phone: FieldControl,
    pub password: FieldControl,
    /// Social and enterprise identities.
    pub identities: FieldControl,
    /// Authenticator apps, passkeys and security keys, backup codes.
    pub mfa: FieldControl,
    pub sessions: FieldControl,
    /// Connected applications (consents).
    pub apps: FieldControl,
    /// Personal access tokens.
    pub tokens: FieldControl,
    pub organizations: FieldControl,
    /// Account deletion (`read_only` shows how, without the button).
    pub delete: FieldControl,
}

/// `[organizations]`: teams of users with roles, invitations and their own look.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrganizationConfig {
    /// Users may create organizations in the account center (they become its admin).
    pub user_creation: bool,
    /// How long an invitation link works, in seconds.
    pub invitation_ttl_secs: i64,
}

impl Default for OrganizationConfig {
    fn default() -> Self {
        Self {
            user_creation: true,
            invitation_ttl_secs: 7 * 86_400,
        }
    }
}

/// When users are asked for a second factor, and to set one up.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// Never asked, even for factors users have.
    Off,
    /// Users who have a factor are asked for it; nobody is asked to set one up.
    #[default]
    UserControlled,
    /// Every user proves a second factor; users without one set one up before signing in.
    Mandatory,
    /// Like `user_controlled`, and users without a factor are offered to set one up at
    /// sign-in (they may skip; a skip is remembered).
    PromptAtSignIn,
    /// Like `prompt_at_sign_in`, and also right after sign-up.
    PromptAtSignUpAndSignIn,
}

/// A kind of second factor.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum MfaFactorKind {
    /// A code from an authenticator app (TOTP, RFC 6238).
    Totp,
    /// A passkey or security key (WebAuthn).
    Webauthn,
    /// One of ten single-use backup codes, given after the first factor is set up.
    BackupCode,
    /// A code sent to the account's verified email address.
    Email,
    /// A code sent to the account's verified phone number.
    Sms,
}

/// `[mfa]`: multi-factor authentication.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MfaConfig {
    pub policy: MfaPolicy,
    /// Factors users may use and set up, in the order the screens offer them.
    pub factors: Vec<MfaFactorKind>,
    /// Days a "remember this device" choice skips the second factor; 0 hides the choice.
    pub remember_device_days: i64,
    /// The issuer shown in authenticator apps; the brand name when empty.
    pub totp_issuer: String,
}

impl Default for MfaConfig {
    fn default() -> Self {
        Self {
            policy: MfaPolicy::default(),
            factors: vec![
                MfaFactorKind::Totp,
                MfaFactorKind::Webauthn,
                MfaFactorKind::BackupCode,
            ],
            remember_device_days: 0,
            totp_issuer: String::new(),
        }
    }
}

impl MfaConfig {
    /// Whether `kind` may be used.
    pub fn allows(&self, kind: MfaFactorKind) -> bool {
        self.policy != MfaPolicy::Off && self.factors.contains(&kind)
    }
}

/// `[passkeys]`: passkeys as a first factor and WebAuthn settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasskeyConfig {
    /// Sign in with a passkey alone: a button and autofill in the identifier field.
    pub sign_in: bool,
    /// After signing in, users without a passkey are offered to create one (skippable).
    pub prompt_after_sign_in: bool,
    /// Seconds a WebAuthn ceremony may take.
    pub timeout_secs: u32,
}

impl Default for PasskeyConfig {
    fn default() -> Self {
        Self {
            sign_in: false,
            prompt_after_sign_in: false,
            timeout_secs: 300,
        }
    }
}

/// How email leaves Sesame.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EmailConnector {
    /// Stored in the development outbox (`/dev/outbox`), never sent.
    Outbox,
    Smtp,
}

/// Transport security of the SMTP connection.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

/// `[email]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    pub connector: EmailConnector,
    /// The `From` header.
    pub from: String,
    pub smtp: SmtpConfig,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            connector: EmailConnector::Outbox,
            from: "Sesame <no-reply@localhost>".into(),
            smtp: SmtpConfig::default(),
        }
    }
}

/// `[email.smtp]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: Option<Secret>,
    /// Seconds to wait for the server.
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: String::new(),
            password: None,
            timeout_secs: 10,
        }
    }
}

/// How text messages leave Sesame.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmsConnector {
    /// Stored in the development outbox, never sent.
    Outbox,
    /// A JSON POST to an SMS provider (or your own relay).
    Webhook,
}

/// `[sms]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    pub connector: SmsConnector,
    pub webhook: WebhookConfig,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            connector: SmsConnector::Outbox,
            webhook: WebhookConfig::default(),
        }
    }
}

/// `[sms.webhook]`: the request sent for each text message.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    pub url: String,
    /// Extra request headers (for example `Authorization`).
    pub headers: std::collections::BTreeMap<String, Secret>,
    /// The JSON body; `{{to}}`, `{{text}}`, `{{code}}` and `{{locale}}` are replaced by
    /// JSON-escaped values.
    pub body: String,
    pub timeout_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            headers: Default::default(),
            body: r#"{"to":"{{to}}","text":"{{text}}"}"#.into(),
            timeout_secs: 10,
        }
    }
}

/// `[password_policy]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordPolicyConfig {
    pub min_length: usize,
    pub max_length: usize,
    /// Refuse the passwords of the shipped common-password list (30,000 entries).
    pub reject_common: bool,
    /// Refuse passwords containing the user's own username, email name or phone digits.
    pub reject_personal: bool,
    /// Character classes (lower case, upper case, digits, symbols) required, 1–4.
    pub min_character_classes: u8,
}

impl Default for PasswordPolicyConfig {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
            reject_common: true,
            reject_personal: true,
            min_character_classes: 1,
        }
    }
}

/// `[username_policy]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsernamePolicyConfig {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for UsernamePolicyConfig {
    fn default() -> Self {
        Self {
            min_length: 3,
            max_length: 32,
        }
    }
}

/// When users agree to the terms.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TermsPolicy {
    /// Using the service is agreement; the links are shown.
    Automatic,
    /// A checkbox on the sign-up screen.
    ManualRegistration,
    /// A checkbox at sign-up, and a screen after sign-in for users who have not agreed.
    Manual,
}

/// `[terms]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TermsConfig {
    pub policy: TermsPolicy,
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
}

impl Default for TermsConfig {
    fn default() -> Self {
        Self {
            policy: TermsPolicy::Automatic,
            terms_url: None,
            privacy_url: None,
        }
    }
}

/// `[branding]` (and `[clients.branding]`): the look of the screens. Every key is optional;
/// an application's values win over the default's.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BrandingConfig {
    /// The name next to the logo.
    pub name: Option<String>,
    /// `https://…` or a path served from the site (`/brand/logo.svg`).
    pub logo_url: Option<String>,
    /// The logo in the dark colour scheme.
    pub logo_dark_url: Option<String>,
    pub favicon_url: Option<String>,
    /// `#rrggbb` for the light scheme.
    pub primary_color: Option<String>,
    /// `#rrggbb` for the dark scheme (the light one when absent).
    pub primary_color_dark: Option<String>,
    /// `auto` (follow the system), `light` or `dark`.
    pub color_scheme: Option<app::api::ColorScheme>,
    /// `centered` or `split` (a side panel with the name and the content).
    pub layout: Option<app::api::PageLayout>,
    /// CSS added after the base stylesheet (at most 32 KiB; no `<`, `@import` or script URLs).
    pub custom_css: Option<String>,
    pub support_url: Option<String>,
    /// A short text on the sign-in screens (plain text).
    pub content: Option<String>,
    /// Extra links under the screens.
    pub links: Option<Vec<LinkConfig>>,
}

/// A link of the branding.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    pub label: String,
    pub url: String,
}

/// `[profile]`: the profile fields collected from users.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileConfig {
    pub fields: Vec<ProfileFieldConfig>,
}

/// Text in several languages, keyed by language tag (`en`, `ja`).
pub type Translated = std::collections::BTreeMap<String, String>;

/// One option of a select field.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SelectOption {
    pub value: String,
    #[serde(default)]
    pub label: Translated,
}

/// `[[profile.fields]]`: one collected field.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileFieldConfig {
    /// The claim name (`given_name`, `birthdate`, `address`… or a name of your own).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: app::api::ProfileKind,
    #[serde(default)]
    pub required: bool,
    /// Label by language; standard claims have built-in labels.
    #[serde(default)]
    pub label: Translated,
    #[serde(default)]
    pub hint: Translated,
    /// The choices of a `select`.
    #[serde(default)]
    pub options: Vec<SelectOption>,
    /// The pattern of a `regex` field (whole value; the common subset of Rust and
    /// JavaScript regular expressions, as the browser checks it too).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Length limits of `text`, value limits of `number`.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
}

/// `[lockout]`: failed attempts per identifier and per client IP address, counted over every
/// entry point (screens and the Experience API).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LockoutConfig {
    pub identifier_max_failures: i64,
    pub identifier_window_secs: i64,
    pub identifier_lock_secs: i64,
    pub ip_max_failures: i64,
    pub ip_window_secs: i64,
    pub ip_lock_secs: i64,
    /// Take the client address from the last `X-Forwarded-For` entry (the one appended by
    /// the proxy in front, which you must trust), instead of the connection's peer.
    pub trust_forwarded_for: bool,
}

impl Default for LockoutConfig {
    fn default() -> Self {
        Self {
            identifier_max_failures: 100,
            identifier_window_secs: 3600,
            identifier_lock_secs: 3600,
            ip_max_failures: 1000,
            ip_window_secs: 3600,
            ip_lock_secs: 900,
            trust_forwarded_for: false,
        }
    }
}

/// `[dev]`: development helpers. Never enable them where real users sign in.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevConfig {
    /// Serve the outbox page `/dev/outbox` listing every stored message (codes included).
    pub outbox_page: bool,
}

impl Default for DevConfig {
    fn default() -> Self {
        Self { outbox_page: true }
    }
}

/// `[outbound]`: Sesame's requests to other servers (identity providers, SAML metadata,
/// the SMS webhook, back-channel logout receivers).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundConfig {
    /// Allow addresses in private, loopback and link-local ranges. Off, a URL that names or
    /// resolves to one is refused (CVE-2026-56739, SSRF); turn it on for providers on an
    /// internal network, or for a test setup on one machine.
    pub allow_private_networks: bool,
    /// The largest answer read from another server; a larger one fails the request.
    pub max_response_bytes: usize,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            max_response_bytes: 1024 * 1024,
        }
    }
}

/// `[demo]`: the built-in demo relying party at `/demo`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    /// Serve `/demo` and declare its client.
    pub enabled: bool,
    /// The base URL the demo uses to call the token and userinfo endpoints (server to
    /// server). Empty means the listen address over plain HTTP.
    pub backchannel_url: String,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            backchannel_url: String::new(),
        }
    }
}

/// `[[clients]]`: one application allowed to sign users in.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// `client_id`.
    pub id: String,
    /// The client secret; absent for public clients (which must use PKCE).
    #[serde(default)]
    pub secret: Option<Secret>,
    /// Name shown to users.
    #[serde(default)]
    pub name: Option<String>,
    /// Logo shown on the sign-in screen.
    #[serde(default)]
    pub logo_uri: Option<String>,
    /// Exact redirect URIs (compared as strings).
    pub redirect_uris: Vec<String>,
    /// Exact URIs allowed after sign-out.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Whether the app belongs to the operator (no consent screen) or to a third party (the
    /// user allows each scope it asks for, once).
    #[serde(default = "default_true")]
    pub first_party: bool,
    /// The application's terms of service, linked from the consent screen.
    #[serde(default)]
    pub tos_uri: Option<String>,
    /// The application's privacy policy, linked from the consent screen.
    #[serde(default)]
    pub policy_uri: Option<String>,
    /// Where Sesame POSTs a logout token when a session the application was signed in
    /// with ends (OpenID Connect Back-Channel Logout).
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// A page of the application the signed-out page loads in a hidden frame, with `iss`
    /// and `sid`, when a session it was signed in with ends (Front-Channel Logout).
    #[serde(default)]
    pub frontchannel_logout_uri: Option<String>,
    /// The APIs (`[[resources]]` ids) the application may get tokens for; all by default.
    #[serde(default)]
    pub allowed_resources: Option<Vec<String>>,
    /// Scopes the client may request.
    #[serde(default = "default_scopes")]
    pub allowed_scopes: Vec<String>,
    /// Algorithm of the ID tokens it receives: `RS256` (the OpenID Connect default) or `ES256`.
    #[serde(default = "default_alg")]
    pub id_token_signed_response_alg: String,
    /// The look of the screens for this application (over `[branding]`).
    #[serde(default)]
    pub branding: Option<BrandingConfig>,
    /// Where a sign-in started elsewhere (at an identity provider) sends the browser so that
    /// the application starts its own authorization request (OpenID Connect Core §4; the
    /// `iss` parameter is added).
    #[serde(default)]
    pub initiate_login_uri: Option<String>,
}

/// A secret from the configuration; never printed by `Debug`.
#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn default_true() -> bool {
    true
}
/// By default a client may ask for every scope Sesame supports.
/// Every scope but the Account API's: an application gets those only when listed.
fn default_scopes() -> Vec<String> {
    crate::oidc::SCOPES
        .iter()
        .filter(|s| !s.starts_with("account"))
        .map(|s| s.to_string())
        .collect()
}
fn default_alg() -> String {
    "RS256".into()
}

/// The client id of the demo relying party.
pub const DEMO_CLIENT_ID: &str = "sesame-demo";

impl Config {
    /// Loads `path` (if given) and the environment, then validates.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut tree = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Syntax {
                        path: path.to_owned(),
                        message: e.message().to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        apply_env(&mut tree, std::env::vars())?;
        Self::from_table(tree)
    }

    /// Builds a configuration from a parsed TOML table.
    pub fn from_table(tree: toml::Table) -> Result<Config, ConfigError> {
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(tree)).map_err(|e| {
                ConfigError::Key {
                    key: e.path().to_string(),
                    message: e.inner().to_string(),
                }
            })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let key = |key: &str, message: String| ConfigError::Key {
            key: key.into(),
            message,
        };
        let url = url::Url::parse(&self.server.public_url)
            .map_err(|e| key("server.public_url", format!("not a URL: {e}")))?;
        crate::federation::Connectors::from_config(&self.connectors)?;
        self.validate_limits()?;
        self.validate_outbound()?;
        self.validate_user_flows()?;
        self.validate_resources()?;
        for (i, c) in self.connectors.iter().enumerate() {
            let Some(client) = &c.idp_initiated_client else {
                continue;
            };
            let known = self.clients.iter().any(|x| &x.id == client)
                || (self.demo.enabled && client == DEMO_CLIENT_ID);
            if !known {
                return Err(key(
                    &format!("connectors[{i}].idp_initiated_client"),
                    format!("`{client}` is not a configured client"),
                ));
            }
        }
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(key(
                "server.public_url",
                "must be an http or https URL without query".into(),
            ));
        }
        if !(0..=365).contains(&self.mfa.remember_device_days) {
            return Err(key(
                "mfa.remember_device_days",
                "must be between 0 (off) and 365".into(),
            ));
        }
        if self.mfa.policy == MfaPolicy::Mandatory
            && !self
                .mfa
                .factors
                .iter()
                .any(|f| matches!(f, MfaFactorKind::Totp | MfaFactorKind::Webauthn))
        {
            return Err(key(
                "mfa.factors",
                "a mandatory policy needs totp or webauthn, so that every user can set one up"
                    .into(),
            ));
        }
        if (self.passkeys.sign_in || self.passkeys.prompt_after_sign_in) && url.host_str().is_none()
        {
            return Err(key(
                "passkeys.sign_in",
                "passkeys need a public URL with a host name".into(),
            ));
        }
        if self.locale().is_none() {
            return Err(key(
                "ui.default_locale",
                format!(
                    "unsupported language `{}` (use en, ja or ar)",
                    self.ui.default_locale
                ),
            ));
        }
        if !(8..=4 * 1024 * 1024).contains(&self.password_hashing.memory_kib) {
            return Err(key(
                "password_hashing.memory_kib",
                "must be between 8 and 4194304".into(),
            ));
        }
        if self.password_hashing.iterations == 0 || self.password_hashing.parallelism == 0 {
            return Err(key(
                "password_hashing.iterations",
                "iterations and parallelism must be at least 1".into(),
            ));
        }
        for (name, value) in [
            (
                "tokens.authorization_code_ttl_secs",
                self.tokens.authorization_code_ttl_secs,
            ),
            (
                "tokens.access_token_ttl_secs",
                self.tokens.access_token_ttl_secs,
            ),
            ("tokens.id_token_ttl_secs", self.tokens.id_token_ttl_secs),
            (
                "tokens.refresh_token_ttl_secs",
                self.tokens.refresh_token_ttl_secs,
            ),
            ("session.lifetime_secs", self.session.lifetime_secs),
            (
                "session.interaction_ttl_secs",
                self.session.interaction_ttl_secs,
            ),
        ] {
            if value <= 0 {
                return Err(key(name, "must be a positive number of seconds".into()));
            }
        }
        self.validate_experience()?;
        if self.tokens.authorization_code_ttl_secs > 600 {
            return Err(key(
                "tokens.authorization_code_ttl_secs",
                "must be at most 600 (10 minutes)".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, client) in self.clients.iter().enumerate() {
            let at = |field: &str| format!("clients[{i}].{field}");
            if client.id.is_empty() || !seen.insert(client.id.as_str()) {
                return Err(key(&at("id"), "must be non-empty and unique".into()));
            }
            if self.demo.enabled && client.id == DEMO_CLIENT_ID {
                return Err(key(
                    &at("id"),
                    format!("`{DEMO_CLIENT_ID}` is reserved for the demo"),
                ));
            }
            if client
                .secret
                .as_ref()
                .is_some_and(|s| s.0.chars().count() < 12)
            {
                return Err(key(&at("secret"), "must be at least 12 characters".into()));
            }
            if client.redirect_uris.is_empty() {
                return Err(key(&at("redirect_uris"), "needs at least one URI".into()));
            }
            for uri in client
                .redirect_uris
                .iter()
                .chain(&client.post_logout_redirect_uris)
            {
                crate::oidc::redirect_uri::validate_registered(uri)
                    .map_err(|e| key(&at("redirect_uris"), format!("`{uri}`: {e}")))?;
            }
            for (name, uri) in [
                ("tos_uri", &client.tos_uri),
                ("policy_uri", &client.policy_uri),
            ] {
                if let Some(uri) = uri {
                    let ok = url::Url::parse(uri)
                        .is_ok_and(|u| u.scheme() == "https" || u.scheme() == "http");
                    if !ok {
                        return Err(key(&at(name), format!("`{uri}`: must be an http(s) URL")));
                    }
                }
            }
            for (name, uri) in [
                ("initiate_login_uri", &client.initiate_login_uri),
                ("backchannel_logout_uri", &client.backchannel_logout_uri),
                ("frontchannel_logout_uri", &client.frontchannel_logout_uri),
            ] {
                if let Some(uri) = uri {
                    crate::oidc::redirect_uri::validate_registered(uri)
                        .map_err(|e| key(&at(name), format!("`{uri}`: {e}")))?;
                }
            }
            if !matches!(
                client.id_token_signed_response_alg.as_str(),
                "RS256" | "ES256"
            ) {
                return Err(key(
                    &at("id_token_signed_response_alg"),
                    "must be RS256 or ES256".into(),
                ));
            }
        }
        Ok(())
    }

    /// Outbound URLs written with an internal address (or `localhost`) are refused at start
    /// unless private networks are allowed: the same rule the requests are held to, said
    /// before the first sign-in fails on it. Names are checked when they resolve.
    fn validate_outbound(&self) -> Result<(), ConfigError> {
        if self.outbound.allow_private_networks {
            return Ok(());
        }
        let mut urls: Vec<(String, &str)> = Vec::new();
        for (i, c) in self.connectors.iter().enumerate() {
            for (name, url) in [
                ("issuer", &c.issuer),
                ("token_endpoint", &c.token_endpoint),
                ("userinfo_endpoint", &c.userinfo_endpoint),
                ("idp_metadata_url", &c.idp_metadata_url),
            ] {
                if let Some(url) = url {
                    urls.push((format!("connectors[{i}].{name}"), url));
                }
            }
        }
        for (i, c) in self.clients.iter().enumerate() {
            if let Some(url) = &c.backchannel_logout_uri {
                urls.push((format!("clients[{i}].backchannel_logout_uri"), url));
            }
        }
        if self.sms.connector == SmsConnector::Webhook {
            urls.push(("sms.webhook.url".into(), &self.sms.webhook.url));
        }
        for (at, url) in urls {
            let host = url::Url::parse(url).ok().and_then(|u| {
                u.host().map(|h| match h {
                    url::Host::Domain(d) => d.to_ascii_lowercase(),
                    url::Host::Ipv4(ip) => ip.to_string(),
                    url::Host::Ipv6(ip) => ip.to_string(),
                })
            });
            let Some(host) = host else { continue };
            let internal = match host.parse::<std::net::IpAddr>() {
                Ok(ip) => !crate::outbound::is_public(ip),
                Err(_) => {
                    let name = host.strip_suffix('.').unwrap_or(&host);
                    name == "localhost" || name.ends_with(".localhost")
                }
            };
            if internal {
                return Err(ConfigError::Key {
                    key: at,
                    message: format!(
                        "`{url}` is an internal address; Sesame makes no requests to private, \
                         loopback or link-local addresses unless \
                         outbound.allow_private_networks = true"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The sizes that bound the work a request can cause.
    fn validate_limits(&self) -> Result<(), ConfigError> {
        let within = |key: &str, value: usize, range: std::ops::RangeInclusive<usize>| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(ConfigError::Key {
                    key: key.into(),
                    message: format!(
                        "must be between {} and {} (is {value})",
                        range.start(),
                        range.end()
                    ),
                })
            }
        };
        within(
            "database.max_connections",
            self.database.max_connections as usize,
            1..=1000,
        )?;
        within(
            "password_hashing.queue",
            self.password_hashing.queue,
            1..=100_000,
        )?;
        within(
            "password_hashing.workers",
            self.password_hashing.workers,
            0..=1024,
        )?;
        within(
            "server.max_body_bytes",
            self.server.max_body_bytes,
            4096..=64 * 1024 * 1024,
        )?;
        within(
            "server.max_query_bytes",
            self.server.max_query_bytes,
            1024..=1024 * 1024,
        )?;
        within(
            "outbound.max_response_bytes",
            self.outbound.max_response_bytes,
            4096..=256 * 1024 * 1024,
        )
    }

    fn validate_user_flows(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for (i, f) in self.user_flows.iter().enumerate() {
            let key = |k: &str, message: String| ConfigError::Key {
                key: format!("user_flows[{i}].{k}"),
                message,
            };
            let valid = !f.name.is_empty()
                && f.name.len() <= 64
                && f.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid || !seen.insert(f.name.to_ascii_lowercase()) {
                return Err(key(
                    "name",
                    "1 to 64 of A-Z a-z 0-9 _ -, unique without regard to case".into(),
                ));
            }
            for p in f.identity_providers.iter().flatten() {
                if p != "local" && !self.connectors.iter().any(|c| &c.id == p) {
                    return Err(key(
                        "identity_providers",
                        format!("`{p}` is neither `local` nor a connector id"),
                    ));
                }
            }
            for a in f.attributes.iter().flatten() {
                if !self.profile.fields.iter().any(|p| &p.name == a) {
                    return Err(key("attributes", format!("`{a}` is not a [profile] field")));
                }
            }
            for l in f.languages.iter().flatten() {
                if app::i18n::Locale::from_tag(l).is_none() {
                    return Err(key(
                        "languages",
                        format!("`{l}` is not a language of Sesame"),
                    ));
                }
            }
            match f.mfa {
                None | Some(MfaPolicy::Off) => {}
                Some(MfaPolicy::Mandatory) if self.mfa.policy != MfaPolicy::Off => {}
                Some(MfaPolicy::Mandatory) => {
                    return Err(key(
                        "mfa",
                        "`mandatory` needs second factors on: set [mfa] policy".into(),
                    ))
                }
                Some(_) => return Err(key("mfa", "use `off` or `mandatory`".into())),
            }
            if let Some(b) = &f.branding {
                self.validate_branding(b, &format!("user_flows[{i}].branding"))?;
            }
        }
        Ok(())
    }

    fn validate_resources(&self) -> Result<(), ConfigError> {
        let mut ids = std::collections::HashSet::new();
        let mut scopes: std::collections::HashSet<&str> = crate::oidc::SCOPES.into_iter().collect();
        for (i, r) in self.resources.iter().enumerate() {
            let key = |k: &str, message: String| ConfigError::Key {
                key: format!("resources[{i}].{k}"),
                message,
            };
            let id_ok = !r.id.is_empty()
                && r.id.len() <= 64
                && r.id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !id_ok || !ids.insert(r.id.as_str()) {
                return Err(key("id", "1 to 64 of A-Z a-z 0-9 - _, unique".into()));
            }
            // RFC 8707 §2: an absolute URI without a fragment.
            let indicator_ok = url::Url::parse(&r.indicator).is_ok_and(|u| u.fragment().is_none());
            if !indicator_ok
                || self.resources[..i]
                    .iter()
                    .any(|o| o.indicator == r.indicator)
            {
                return Err(key(
                    "indicator",
                    "an absolute URI without a fragment, unique".into(),
                ));
            }
            if !r.name.contains_key("en") {
                return Err(key("name", "give at least the English name (`en`)".into()));
            }
            if r.secret.as_ref().is_some_and(|s| s.0.chars().count() < 12) {
                return Err(key("secret", "must be at least 12 characters".into()));
            }
            for sc in &r.scopes {
                let ok = !sc.name.is_empty() && !sc.name.contains(char::is_whitespace);
                if !ok || !scopes.insert(sc.name.as_str()) {
                    return Err(key(
                        "scopes",
                        format!("`{}` must be a unique scope name without spaces", sc.name),
                    ));
                }
                if !sc.description.contains_key("en") {
                    return Err(key(
                        "scopes",
                        format!("`{}` needs an English description (`en`)", sc.name),
                    ));
                }
            }
        }
        for (i, c) in self.clients.iter().enumerate() {
            for r in c.allowed_resources.iter().flatten() {
                if !ids.contains(r.as_str()) {
                    return Err(ConfigError::Key {
                        key: format!("clients[{i}].allowed_resources"),
                        message: format!("`{r}` is not a [[resources]] id"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The API of resource indicator `indicator`.
    pub fn resource(&self, indicator: &str) -> Option<&ResourceConfig> {
        self.resources.iter().find(|r| r.indicator == indicator)
    }

    /// The API a scope belongs to, if any.
    pub fn resource_of_scope(&self, scope: &str) -> Option<&ResourceConfig> {
        self.resources
            .iter()
            .find(|r| r.scopes.iter().any(|s| s.name == scope))
    }

    /// The user flow named `name` (without regard to case).
    pub fn user_flow(&self, name: &str) -> Option<&UserFlowConfig> {
        self.user_flows
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    fn validate_experience(&self) -> Result<(), ConfigError> {
        let key = |key: &str, message: &str| ConfigError::Key {
            key: key.into(),
            message: message.into(),
        };
        let x = &self.experience;
        if x.sign_in.is_empty() || x.sign_in.iter().any(|s| s.methods.is_empty()) {
            return Err(key(
                "experience.sign_in",
                "needs at least one identifier, each with at least one method",
            ));
        }
        for s in &x.sign_in {
            if s.identifier == IdentifierKind::Username && s.methods.contains(&SignInMethod::Code) {
                return Err(key(
                    "experience.sign_in",
                    "a code cannot be sent to a username; use password for `username`",
                ));
            }
            if s.identifier != IdentifierKind::Email && s.methods.contains(&SignInMethod::Link) {
                return Err(key(
                    "experience.sign_in",
                    "sign-in links are mailed: `link` is a method of `email` only",
                ));
            }
        }
        let m = &self.magic_links;
        if !(60..=86_400).contains(&m.ttl_secs) {
            return Err(key("magic_links.ttl_secs", "must be between 60 and 86400"));
        }
        if !(3600..=30 * 86_400).contains(&m.invitation_ttl_secs) {
            return Err(key(
                "magic_links.invitation_ttl_secs",
                "must be between 3600 and 2592000 (30 days)",
            ));
        }
        if !(30..=3600).contains(&self.account.verification_window_secs) {
            return Err(key(
                "account.verification_window_secs",
                "must be between 30 and 3600",
            ));
        }
        if !(1..=3650).contains(&self.audit.retention_days) {
            return Err(key("audit.retention_days", "must be between 1 and 3650"));
        }
        if !(0..=3650).contains(&self.account.max_token_days) {
            return Err(key(
                "account.max_token_days",
                "must be between 0 (no limit) and 3650",
            ));
        }
        if !(3600..=30 * 86_400).contains(&self.organizations.invitation_ttl_secs) {
            return Err(key(
                "organizations.invitation_ttl_secs",
                "must be between 3600 and 2592000 (30 days)",
            ));
        }
        if x.sign_up_identifiers.is_empty() {
            return Err(key("experience.sign_up_identifiers", "needs at least one"));
        }
        let only_username = x.sign_up_identifiers == [IdentifierKind::Username];
        if only_username && !x.sign_up_password {
            return Err(key(
                "experience.sign_up_password",
                "accounts created with a username alone need a password",
            ));
        }
        if x.forgot_password.contains(&IdentifierKind::Username) {
            return Err(key(
                "experience.forgot_password",
                "only `email` and `phone` can receive a reset code",
            ));
        }
        if phonenumber::country::Id::from_str(&x.default_phone_region).is_err() {
            return Err(key(
                "experience.default_phone_region",
                "must be an ISO 3166 region code such as US or JP",
            ));
        }
        let c = &self.codes;
        if !(6..=10).contains(&c.digits) {
            return Err(key("codes.digits", "must be between 6 and 10"));
        }
        if !(60..=3600).contains(&c.ttl_secs) {
            return Err(key("codes.ttl_secs", "must be between 60 and 3600"));
        }
        if !(1..=100).contains(&c.max_attempts) {
            return Err(key("codes.max_attempts", "must be between 1 and 100"));
        }
        if c.max_sends < 1
            || c.max_sends_per_address < 1
            || c.send_window_secs < 1
            || c.resend_cooldown_secs < 0
        {
            return Err(key("codes", "limits must be positive"));
        }
        let p = &self.password_policy;
        if p.min_length < 1 || p.max_length < p.min_length || p.max_length > 1024 {
            return Err(key(
                "password_policy.min_length",
                "needs 1 <= min_length <= max_length <= 1024",
            ));
        }
        if !(1..=4).contains(&p.min_character_classes) {
            return Err(key(
                "password_policy.min_character_classes",
                "must be between 1 and 4",
            ));
        }
        let u = &self.username_policy;
        if u.min_length < 1 || u.max_length < u.min_length || u.max_length > 128 {
            return Err(key(
                "username_policy.min_length",
                "needs 1 <= min_length <= max_length <= 128",
            ));
        }
        let l = &self.lockout;
        if [
            l.identifier_max_failures,
            l.identifier_window_secs,
            l.identifier_lock_secs,
            l.ip_max_failures,
            l.ip_window_secs,
            l.ip_lock_secs,
        ]
        .iter()
        .any(|v| *v < 1)
        {
            return Err(key("lockout", "every limit must be at least 1"));
        }
        if self.email.connector == EmailConnector::Smtp && self.email.smtp.host.is_empty() {
            return Err(key("email.smtp.host", "is required for the smtp connector"));
        }
        if self.email.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(key("email.from", "is not a valid mailbox"));
        }
        if self.sms.connector == SmsConnector::Webhook {
            let url = url::Url::parse(&self.sms.webhook.url)
                .map_err(|_| key("sms.webhook.url", "must be an http or https URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(key("sms.webhook.url", "must be an http or https URL"));
            }
            let probe = self.sms.webhook.body.replace("{{to}}", "x");
            let probe = ["{{text}}", "{{code}}", "{{locale}}"]
                .iter()
                .fold(probe, |b, p| b.replace(p, "x"));
            if serde_json::from_str::<serde_json::Value>(&probe).is_err() {
                return Err(key(
                    "sms.webhook.body",
                    "must be JSON once the placeholders are filled in",
                ));
            }
        }
        for (name, link) in [
            ("terms.terms_url", &self.terms.terms_url),
            ("terms.privacy_url", &self.terms.privacy_url),
        ] {
            if let Some(link) = link {
                let ok =
                    url::Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    return Err(key(name, "must be an http or https URL"));
                }
            }
        }
        if self.terms.policy != TermsPolicy::Automatic && self.terms.terms_url.is_none() {
            return Err(key(
                "terms.terms_url",
                "is required when users must agree to the terms",
            ));
        }
        self.validate_branding(&self.branding, "branding")?;
        for (i, c) in self.clients.iter().enumerate() {
            if let Some(b) = &c.branding {
                self.validate_branding(b, &format!("clients[{i}].branding"))?;
            }
        }
        let mut names = std::collections::HashSet::new();
        for (i, f) in self.profile.fields.iter().enumerate() {
            let at = format!("profile.fields[{i}]");
            let name_ok = f
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && f.name.len() <= 64;
            if !name_ok || !names.insert(f.name.as_str()) {
                return Err(key(&at, "name must be unique snake_case (a-z, 0-9, _)"));
            }
            let reserved = [
                "sub",
                "email",
                "email_verified",
                "phone_number",
                "phone_number_verified",
                "preferred_username",
                "username",
                "iss",
                "aud",
                "exp",
                "iat",
                "nbf",
                "jti",
                "nonce",
                "auth_time",
                "amr",
                "acr",
                "azp",
                "sid",
                "at_hash",
                "c_hash",
                "scope",
                "client_id",
            ];
            if reserved.contains(&f.name.as_str()) {
                return Err(key(
                    &at,
                    "this claim comes from the identifiers, not the profile",
                ));
            }
            use app::api::ProfileKind as K;
            match f.kind {
                K::Select if f.options.is_empty() => {
                    return Err(key(&at, "a select needs options"))
                }
                K::Regex => {
                    let p = f.pattern.as_deref().unwrap_or("");
                    if p.is_empty() || regex::Regex::new(&format!("^(?:{p})$")).is_err() {
                        return Err(key(&at, "a regex field needs a valid `pattern`"));
                    }
                }
                K::FullName if f.name != "name" => {
                    return Err(key(&at, "a full_name field is named `name`"))
                }
                K::Address if f.name != "address" => {
                    return Err(key(&at, "an address field is named `address`"))
                }
                _ => {}
            }
        }
        if self.dev.outbox_page && self.https() {
            return Err(key(
                "dev.outbox_page",
                "shows every code sent; turn it off for an https deployment",
            ));
        }
        Ok(())
    }

    fn validate_branding(&self, b: &BrandingConfig, at: &str) -> Result<(), ConfigError> {
        use crate::branding::{check_asset, check_css, parse_colour};
        let key = |k: &str, e: crate::branding::BrandingError| ConfigError::Key {
            key: format!("{at}.{k}"),
            message: e.to_string(),
        };
        for (k, v) in [
            ("primary_color", &b.primary_color),
            ("primary_color_dark", &b.primary_color_dark),
        ] {
            if let Some(v) = v {
                parse_colour(v).map_err(|e| key(k, e))?;
            }
        }
        for (k, v) in [
            ("logo_url", &b.logo_url),
            ("logo_dark_url", &b.logo_dark_url),
            ("favicon_url", &b.favicon_url),
        ] {
            if let Some(v) = v {
                check_asset(v, &self.server.site_root).map_err(|e| key(k, e))?;
            }
        }
        if let Some(css) = &b.custom_css {
            check_css(css).map_err(|e| key("custom_css", e))?;
        }
        let link_ok = |u: &str| {
            url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "mailto"))
                || crate::web::local_path(u).is_some()
        };
        let bad_link = |k: &str| ConfigError::Key {
            key: format!("{at}.{k}"),
            message: "must be an http(s) or mailto URL, or a path of this site".into(),
        };
        if b.support_url.as_deref().is_some_and(|u| !link_ok(u)) {
            return Err(bad_link("support_url"));
        }
        for l in b.links.iter().flatten() {
            if !link_ok(&l.url) || l.label.trim().is_empty() {
                return Err(bad_link("links"));
            }
        }
        if b.content.as_ref().is_some_and(|c| c.chars().count() > 500) {
            return Err(ConfigError::Key {
                key: format!("{at}.content"),
                message: "at most 500 characters".into(),
            });
        }
        Ok(())
    }

    /// The default UI language.
    pub fn locale(&self) -> Option<app::i18n::Locale> {
        app::i18n::Locale::from_tag(&self.ui.default_locale)
            .filter(|l| l.tag() == self.ui.default_locale)
    }

    /// The issuer identifier: the public URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.server.public_url.trim_end_matches('/').to_string()
    }

    /// Whether Sesame is served over HTTPS (cookies get `Secure` and `__Host-`).
    pub fn https(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }

    /// The database URL, with the default SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.server.data_dir.join("sesame.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    /// Every client, including the demo's (with its generated secret) when it is enabled.
    pub fn all_clients(&self, demo_secret: &str) -> Vec<ClientConfig> {
        let mut clients = self.clients.clone();
        if self.demo.enabled {
            let issuer = self.issuer();
            clients.push(ClientConfig {
                id: DEMO_CLIENT_ID.into(),
                secret: Some(Secret(demo_secret.to_string())),
                name: Some("Sesame demo".into()),
                logo_uri: None,
                redirect_uris: vec![format!("{issuer}/demo/callback")],
                post_logout_redirect_uris: vec![format!("{issuer}/demo")],
                first_party: true,
                allowed_scopes: default_scopes(),
                id_token_signed_response_alg: "ES256".into(),
                branding: None,
                initiate_login_uri: Some(format!("{issuer}/demo/start")),
                tos_uri: None,
                policy_uri: None,
                backchannel_logout_uri: None,
                frontchannel_logout_uri: None,
                allowed_resources: None,
            });
        }
        clients
    }

    /// Where the demo sends its server-to-server requests.
    pub fn demo_backchannel(&self) -> String {
        if self.demo.backchannel_url.is_empty() {
            let addr = self.server.listen;
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else if addr.is_ipv6() {
                format!("[{}]", addr.ip())
            } else {
                addr.ip().to_string()
            };
            format!("http://{host}:{}", addr.port())
        } else {
            self.demo.backchannel_url.trim_end_matches('/').to_string()
        }
    }
}

/// Applies `SESAME__A__B=value` to key `a.b`. Values are read as TOML (numbers, booleans,
/// arrays) and fall back to plain strings.
pub fn apply_env(
    tree: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    for (var, raw) in vars {
        let Some(path) = var.strip_prefix("SESAME__") else {
            continue;
        };
        let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
        if keys.iter().any(String::is_empty) {
            return Err(ConfigError::Env {
                var,
                message: "empty key segment".into(),
            });
        }
        let value = format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(raw));
        let mut table = &mut *tree;
        for key in &keys[..keys.len() - 1] {
            let entry = table
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = entry.as_table_mut().ok_or_else(|| ConfigError::Env {
                var: var.clone(),
                message: format!("`{key}` is not a section"),
            })?;
        }
        table.insert(keys[keys.len() - 1].clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_table(text.parse().expect("toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = load("").expect("defaults");
        assert_eq!(c.server.listen.port(), 3000);
        assert_eq!(c.password_hashing.memory_kib, 19456);
        assert!(c.all_clients("x").iter().any(|c| c.id == DEMO_CLIENT_ID));
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = load("[server]\nlisten = \"nope\"").unwrap_err().to_string();
        assert!(err.contains("server.listen"), "{err}");
        let err = load("[tokens]\naccess_token_ttl_secs = -1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("tokens.access_token_ttl_secs"), "{err}");
    }

    #[test]
    fn weak_secrets_and_bad_client_uris_are_refused() {
        let base = "[[clients]]\nid = \"x\"\nredirect_uris = [\"https://a.example/cb\"]\n";
        assert!(load(&format!("{base}secret = \"\"")).is_err());
        assert!(load(&format!("{base}secret = \"long enough secret\"")).is_ok());
        // Third parties' applications get the consent screen.
        assert!(load(&format!("{base}first_party = false")).is_ok());
        for (k, v) in [
            ("tos_uri", "javascript:alert(1)"),
            ("backchannel_logout_uri", "http://evil.example/bc"),
            ("frontchannel_logout_uri", "https://a.example/fc#x"),
        ] {
            let e = load(&format!("{base}{k} = \"{v}\""))
                .expect_err(k)
                .to_string();
            assert!(e.contains(&format!("clients[0].{k}")), "{e}");
        }
    }

    #[test]
    fn bad_resources_are_refused_naming_the_key() {
        let api = "[[resources]]\nid = \"api\"\nindicator = \"https://api.example\"\nname = { en = \"API\" }\n";
        assert!(load(api).is_ok());
        for (text, key) in [
            ("[[resources]]\nid = \"a b\"\nindicator = \"https://a.example\"\nname = { en = \"A\" }", "resources[0].id"),
            ("[[resources]]\nid = \"a\"\nindicator = \"https://a.example#x\"\nname = { en = \"A\" }", "resources[0].indicator"),
            ("[[resources]]\nid = \"a\"\nindicator = \"https://a.example\"\nname = { ja = \"A\" }", "resources[0].name"),
            (&format!("{api}scopes = [{{ name = \"email\", description = {{ en = \"x\" }} }}]"), "resources[0].scopes"),
            (&format!("{api}[[clients]]\nid = \"x\"\nredirect_uris = [\"https://a.example/cb\"]\nallowed_resources = [\"nope\"]"), "clients[0].allowed_resources"),
        ] {
            let e = load(text).expect_err(text).to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }

    #[test]
    fn bad_branding_is_refused_naming_the_key() {
        for (text, key) in [
            ("[branding]\nprimary_color = \"blue\"", "branding.primary_color"),
            ("[branding]\nlogo_url = \"/no-such-logo.svg\"", "branding.logo_url"),
            ("[branding]\ncustom_css = \"@import 'x.css';\"", "branding.custom_css"),
            ("[branding]\nsupport_url = \"javascript:alert(1)\"", "branding.support_url"),
            (
                "[[clients]]\nid = \"x\"\nredirect_uris = [\"https://a.example/cb\"]\n[clients.branding]\ncustom_css = \"a{}</style>\"",
                "clients[0].branding.custom_css",
            ),
        ] {
            let err = load(text).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
        let big = format!("[branding]\ncustom_css = \"{}\"", "a".repeat(40_000));
        assert!(load(&big).unwrap_err().to_string().contains("larger than"));
    }

    #[test]
    fn profile_fields_cannot_shadow_token_claims() {
        for name in ["iss", "nonce", "email", "sub"] {
            let text = format!("[[profile.fields]]\nname = \"{name}\"\ntype = \"text\"");
            assert!(load(&text).is_err(), "{name}");
        }
        assert!(load("[[profile.fields]]\nname = \"team\"\ntype = \"text\"").is_ok());
    }

    #[test]
    fn unknown_key_is_an_error() {
        let err = load("[server]\nlisten_port = 1").unwrap_err().to_string();
        assert!(err.contains("listen_port"), "{err}");
    }

    #[test]
    fn env_overrides_the_file() {
        let mut t: toml::Table = "[server]\nlisten = \"127.0.0.1:1\"".parse().unwrap();
        apply_env(
            &mut t,
            [
                (
                    "SESAME__SERVER__LISTEN".to_string(),
                    "127.0.0.1:4000".to_string(),
                ),
                (
                    "SESAME__EXPERIENCE__MODE".to_string(),
                    "sign_in".to_string(),
                ),
                ("OTHER".to_string(), "x".to_string()),
            ],
        )
        .unwrap();
        let c = Config::from_table(t).unwrap();
        assert_eq!(c.server.listen.port(), 4000);
        assert!(!c.experience.registration_enabled());
    }

    #[test]
    fn wildcard_and_unsafe_redirect_uris_are_refused_at_load() {
        for uri in [
            "https://a.example/*",
            "javascript:alert(1)",
            "https://u@a.example/cb",
        ] {
            let text = format!("[[clients]]\nid = \"x\"\nredirect_uris = [\"{uri}\"]");
            assert!(load(&text).is_err(), "{uri}");
        }
    }
}

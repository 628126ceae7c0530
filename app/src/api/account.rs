//! The states of the account center (`/account/…`) and of the organization screens.

use super::{ConsentItem, FormErrors, PasswordRules, ProfileFieldView, UiError};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// A part of the account center, with its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountSection {
    Overview,
    Profile,
    Email,
    Phone,
    Password,
    Identities,
    Mfa,
    Sessions,
    Apps,
    Tokens,
    Organizations,
    Delete,
}

impl AccountSection {
    /// The page of the section.
    pub fn path(self) -> &'static str {
        match self {
            AccountSection::Overview => "/account",
            AccountSection::Profile => "/account/profile",
            AccountSection::Email => "/account/email",
            AccountSection::Phone => "/account/phone",
            AccountSection::Password => "/account/password",
            AccountSection::Identities => "/account/identities",
            AccountSection::Mfa => "/account/mfa",
            AccountSection::Sessions => "/account/sessions",
            AccountSection::Apps => "/account/apps",
            AccountSection::Tokens => "/account/tokens",
            AccountSection::Organizations => "/account/organizations",
            AccountSection::Delete => "/account/delete",
        }
    }

    /// The section's name in the navigation and its heading.
    pub fn label(self) -> Msg {
        match self {
            AccountSection::Overview => Msg::AccountTitle,
            AccountSection::Profile => Msg::AccountProfile,
            AccountSection::Email => Msg::AccountEmail,
            AccountSection::Phone => Msg::AccountPhone,
            AccountSection::Password => Msg::AccountPassword,
            AccountSection::Identities => Msg::AccountIdentities,
            AccountSection::Mfa => Msg::AccountMfa,
            AccountSection::Sessions => Msg::AccountSessions,
            AccountSection::Apps => Msg::AccountApps,
            AccountSection::Tokens => Msg::AccountTokens,
            AccountSection::Organizations => Msg::AccountOrganizations,
            AccountSection::Delete => Msg::AccountDelete,
        }
    }

    /// The section whose page is at `path` (sub-pages belong to their section).
    pub fn of_path(path: &str) -> Option<AccountSection> {
        ALL_SECTIONS
            .into_iter()
            .rev()
            .find(|s| path == s.path() || path.starts_with(&format!("{}/", s.path())))
    }
}

/// Every section, in navigation order.
pub const ALL_SECTIONS: [AccountSection; 12] = [
    AccountSection::Overview,
    AccountSection::Profile,
    AccountSection::Email,
    AccountSection::Phone,
    AccountSection::Password,
    AccountSection::Mfa,
    AccountSection::Identities,
    AccountSection::Sessions,
    AccountSection::Apps,
    AccountSection::Tokens,
    AccountSection::Organizations,
    AccountSection::Delete,
];

/// A notice at the top of an account page after a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountNotice {
    Saved,
    Verified,
    CodeSent,
    EmailChanged,
    PhoneChanged,
    AddressRemoved,
    PasswordChanged,
    FactorAdded,
    FactorRemoved,
    FactorRenamed,
    BackupCodesNew,
    IdentityLinked,
    IdentityUnlinked,
    SessionEnded,
    OthersSignedOut,
    AppRevoked,
    TokenCreated,
    TokenRevoked,
    OrganizationCreated,
    OrganizationDeleted,
    InvitationSent,
    InvitationRevoked,
    InvitationAccepted,
    InvitationDeclined,
    RoleChanged,
    MemberRemoved,
    LeftOrganization,
}

impl AccountNotice {
    /// The notice's text.
    pub fn message(self) -> Msg {
        match self {
            AccountNotice::Saved => Msg::NoticeSaved,
            AccountNotice::Verified => Msg::NoticeVerified,
            AccountNotice::CodeSent => Msg::NoticeAccountCodeSent,
            AccountNotice::EmailChanged => Msg::NoticeEmailChanged,
            AccountNotice::PhoneChanged => Msg::NoticePhoneChanged,
            AccountNotice::AddressRemoved => Msg::NoticeAddressRemoved,
            AccountNotice::PasswordChanged => Msg::NoticePasswordUpdated,
            AccountNotice::FactorAdded => Msg::NoticeFactorAdded,
            AccountNotice::FactorRemoved => Msg::NoticeFactorRemoved,
            AccountNotice::FactorRenamed => Msg::NoticeFactorRenamed,
            AccountNotice::BackupCodesNew => Msg::NoticeBackupCodesNew,
            AccountNotice::IdentityLinked => Msg::NoticeIdentityLinked,
            AccountNotice::IdentityUnlinked => Msg::NoticeIdentityUnlinked,
            AccountNotice::SessionEnded => Msg::NoticeSessionEnded,
            AccountNotice::OthersSignedOut => Msg::NoticeOthersSignedOut,
            AccountNotice::AppRevoked => Msg::NoticeAppRevoked,
            AccountNotice::TokenCreated => Msg::NoticeTokenCreated,
            AccountNotice::TokenRevoked => Msg::NoticeTokenRevoked,
            AccountNotice::OrganizationCreated => Msg::NoticeOrganizationCreated,
            AccountNotice::OrganizationDeleted => Msg::NoticeOrganizationDeleted,
            AccountNotice::InvitationSent => Msg::NoticeInvitationSent,
            AccountNotice::InvitationRevoked => Msg::NoticeInvitationRevoked,
            AccountNotice::InvitationAccepted => Msg::NoticeInvitationAccepted,
            AccountNotice::InvitationDeclined => Msg::NoticeInvitationDeclined,
            AccountNotice::RoleChanged => Msg::NoticeRoleChanged,
            AccountNotice::MemberRemoved => Msg::NoticeMemberRemoved,
            AccountNotice::LeftOrganization => Msg::NoticeLeftOrganization,
        }
    }
}

/// A page of the account center.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountState {
    /// Who is signed in (username, email or phone).
    pub user: String,
    /// The sections shown in the navigation (the operator may turn some off).
    pub sections: Vec<AccountSection>,
    /// The section the page belongs to.
    pub section: AccountSection,
    pub page: AccountPage,
    pub notice: Option<AccountNotice>,
    pub errors: FormErrors,
    /// Values typed before an error, by input name (never passwords or codes).
    #[serde(default)]
    pub values: Vec<(String, String)>,
}

impl AccountState {
    /// The value typed into input `name`, else `current`.
    pub fn value_or(&self, name: &str, current: &str) -> String {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| current.to_string())
    }

    /// The error of input `name`.
    pub fn error(&self, name: &str) -> Option<UiError> {
        self.errors
            .named
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
    }
}

/// What one account page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountPage {
    Overview(AccountOverview),
    Profile(AccountProfile),
    Contact(ContactPage),
    Password(PasswordPage),
    Verify(VerifyPage),
    Identities(IdentitiesPage),
    Mfa(MfaPage),
    TotpSetup(AccountTotpSetup),
    PasskeyAdd(PasskeyAddPage),
    BackupCodes(BackupCodesPage),
    Sessions(SessionsPage),
    Apps(AppsPage),
    Tokens(TokensPage),
    Delete(DeletePage),
    Organizations(OrganizationsPage),
    Organization(OrganizationPage),
}

/// The account's front page: who, and a line on each section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub name: Option<String>,
    pub picture: Option<String>,
    /// `(section, what it holds now)`, already in the user's language.
    pub rows: Vec<(AccountSection, String)>,
}

/// Name, username, picture and the configured profile fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountProfile {
    /// `None`: the field is off.
    pub name: Option<ProfileValue>,
    pub picture: Option<ProfileValue>,
    pub username: Option<ProfileValue>,
    /// Length limits of usernames.
    pub username_rules: (usize, usize),
    pub fields: Vec<ProfileFieldView>,
    /// The stored values of the fields, by input name.
    pub field_values: Vec<(String, String)>,
    pub fields_editable: bool,
}

/// A value shown on the profile page, and whether it may be changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileValue {
    pub value: String,
    pub editable: bool,
}

/// The email address or phone number, and changing it with a code to the new one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactPage {
    pub phone: bool,
    pub current: Option<String>,
    pub verified: bool,
    /// A code went to this new address; the page asks for it.
    pub pending: Option<String>,
    pub digits: usize,
    pub editable: bool,
    /// Removing it would leave the account without a way to sign in (or sign-up requires it).
    pub removable: bool,
}

/// Setting or changing the password.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordPage {
    pub has_password: bool,
    pub rules: PasswordRules,
    pub editable: bool,
}

/// A way to prove it is the user before a sensitive change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method", content = "to")]
pub enum VerifyMethod {
    Password,
    /// A code to the (masked) email address.
    EmailCode(String),
    /// A code to the (masked) phone number.
    SmsCode(String),
    Totp,
    BackupCode,
    Webauthn,
}

impl VerifyMethod {
    /// The value posted for the method.
    pub fn name(&self) -> &'static str {
        match self {
            VerifyMethod::Password => "password",
            VerifyMethod::EmailCode(_) => "email",
            VerifyMethod::SmsCode(_) => "sms",
            VerifyMethod::Totp => "totp",
            VerifyMethod::BackupCode => "backup_code",
            VerifyMethod::Webauthn => "webauthn",
        }
    }
}

/// The security verification: why, and the ways the user can prove it is them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VerifyPage {
    pub methods: Vec<VerifyMethod>,
    /// The method shown (the others are offered as links).
    pub chosen: Option<VerifyMethod>,
    /// A code was sent for the chosen method: the page asks for it.
    pub code_sent: bool,
    pub digits: usize,
    /// WebAuthn request options (JSON) when a passkey can be used.
    pub webauthn: Option<String>,
    /// Minutes a verification lasts.
    pub minutes: i64,
    /// The account has a second factor: only it can verify (password alone is not enough).
    pub second_factor: bool,
    /// Where the user goes once verified.
    pub next: String,
}

/// One linked identity at another provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentityView {
    pub connector: String,
    pub subject: String,
    pub provider: String,
    pub email: Option<String>,
    /// An enterprise (organization) identity: managed there, shown only.
    pub enterprise: bool,
    pub linked_at: i64,
    pub last_used_at: i64,
    /// Unlinking would leave the account without a way to sign in.
    pub removable: bool,
}

/// Social and enterprise identities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentitiesPage {
    pub linked: Vec<IdentityView>,
    /// Social providers not linked yet: `(connector id, name)`.
    pub available: Vec<(String, String)>,
    pub editable: bool,
}

/// A bound second factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorView {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// Removing it would break a rule (mandatory second factor, last way to sign in).
    pub removable: bool,
}

/// Two-step verification: authenticator app, passkeys and security keys, backup codes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MfaPage {
    /// Allowed by the operator.
    pub totp_allowed: bool,
    pub webauthn_allowed: bool,
    pub backup_codes_allowed: bool,
    pub totp: Option<FactorView>,
    pub passkeys: Vec<FactorView>,
    /// Unused backup codes.
    pub backup_codes_left: i64,
    /// Every user must have a second factor.
    pub mandatory: bool,
    pub editable: bool,
}

/// Setting up (or replacing) the authenticator app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountTotpSetup {
    pub qr_svg: String,
    pub secret: String,
    pub uri: String,
    pub replacing: bool,
}

/// Adding a passkey or security key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PasskeyAddPage {
    /// WebAuthn creation options (JSON).
    pub options: String,
}

/// New backup codes, shown once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupCodesPage {
    pub codes: Vec<String>,
}

/// One signed-in browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub sid: String,
    /// Browser and system, from the `User-Agent` ("Firefox on Linux").
    pub device: String,
    pub ip: Option<String>,
    pub signed_in_at: i64,
    pub current: bool,
}

/// Where the user is signed in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionsPage {
    pub sessions: Vec<SessionView>,
    pub editable: bool,
}

/// An application the user allowed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppView {
    pub client_id: String,
    pub name: String,
    pub logo_uri: Option<String>,
    pub items: Vec<ConsentItem>,
    pub granted_at: i64,
}

/// Connected applications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppsPage {
    pub apps: Vec<AppView>,
    pub editable: bool,
}

/// A personal access token (never its value, except once when made).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// Personal access tokens.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokensPage {
    pub tokens: Vec<TokenView>,
    /// A token just made: shown this once.
    pub created: Option<String>,
    /// Lifetimes offered, in days (0: never expires).
    pub lifetimes: Vec<i64>,
    pub editable: bool,
}

/// Deleting the account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeletePage {
    pub editable: bool,
    /// Organizations the user is the only admin of while others are members: the user must
    /// make someone else admin first.
    pub sole_admin_of: Vec<String>,
}

/// An organization in the user's list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// An invitation as its organization or its invitee sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: String,
    pub organization: String,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
}

/// The user's organizations, invitations to the user's address, and creating one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganizationsPage {
    pub organizations: Vec<OrganizationSummary>,
    pub invitations: Vec<InvitationView>,
    pub can_create: bool,
}

/// A member as the member list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub label: String,
    pub email: Option<String>,
    pub role: String,
    pub is_me: bool,
}

/// One organization: members, invitations, settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganizationPage {
    pub id: String,
    pub name: String,
    pub description: String,
    pub logo_url: String,
    pub color: String,
    pub mfa_required: bool,
    /// Just-in-time membership domains, space separated.
    pub domains: String,
    /// The user's role.
    pub role: String,
    pub members: Vec<MemberView>,
    /// Open invitations (admins only).
    pub invitations: Vec<InvitationView>,
    /// The switcher: every organization of the user, `(id, name)`.
    pub switcher: Vec<(String, String)>,
}

impl OrganizationPage {
    /// The user administers the organization.
    pub fn is_admin(&self) -> bool {
        self.role == ROLE_ADMIN
    }
}

/// The administrator role of an organization.
pub const ROLE_ADMIN: &str = "admin";
/// The member role of an organization.
pub const ROLE_MEMBER: &str = "member";

/// The invitation landing page (`/invitation?token=…`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvitationState {
    /// The link's token, posted back to accept.
    pub token: String,
    pub organization: String,
    pub email: String,
    pub role: String,
    pub step: InvitationStep,
    /// Who is signed in, when it is not the invited address.
    pub signed_in_as: Option<String>,
    pub errors: FormErrors,
}

/// What the invitation page offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStep {
    /// Nobody is signed in: sign in or create an account to accept.
    #[default]
    SignIn,
    /// The invited user is signed in: accept or decline.
    Accept,
    /// Someone else is signed in (the named user): switch accounts.
    OtherUser,
    /// Used, revoked or expired.
    Spent,
}

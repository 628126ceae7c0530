//! What the server hands each screen, and the errors the screens can show. Shared by the
//! server (which builds these values from the flow state) and the browser (islands, gallery).

mod account;
mod mfa;
pub use account::*;
pub use mfa::*;

use crate::i18n::{Locale, Msg};
use serde::{Deserialize, Serialize};

/// Per-request facts every page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageEnv {
    /// The negotiated language.
    pub locale: Locale,
    /// The anti-forgery token to echo in every form (empty in the gallery).
    pub csrf: String,
    /// The path of the current page, for the language picker to come back to.
    pub path: String,
    /// The look: the operator's branding for this application (or the default).
    #[serde(default)]
    pub branding: Branding,
    /// Submit buttons show as working (the gallery's pending state; pages never set it).
    #[serde(default)]
    pub pending: bool,
    /// The page belongs to an Azure AD B2C user flow: it offers "Cancel", which ends the
    /// flow at the application (`AADB2C90091`).
    #[serde(default)]
    pub user_flow: bool,
    /// The languages the picker offers (all when empty).
    #[serde(default)]
    pub languages: Vec<Locale>,
}

impl PageEnv {
    /// A page environment for fixtures and tests.
    pub fn fixture(locale: Locale) -> Self {
        Self {
            locale,
            csrf: String::new(),
            path: "/sign-in".into(),
            branding: Branding::default(),
            pending: false,
            user_flow: false,
            languages: Vec::new(),
        }
    }
}

/// Which colour scheme the pages use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorScheme {
    /// The user's system preference.
    #[default]
    Auto,
    Light,
    Dark,
}

impl ColorScheme {
    /// The value of `data-theme`, when forced.
    pub fn forced(self) -> Option<&'static str> {
        match self {
            ColorScheme::Auto => None,
            ColorScheme::Light => Some("light"),
            ColorScheme::Dark => Some("dark"),
        }
    }
}

/// The page layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageLayout {
    /// One centred card.
    #[default]
    Centered,
    /// A side panel (brand, custom content) beside the card.
    Split,
}

impl PageLayout {
    /// The value of `data-layout` on `<body>`.
    pub fn name(self) -> &'static str {
        match self {
            PageLayout::Centered => "centered",
            PageLayout::Split => "split",
        }
    }
}

/// The operator's branding, resolved for one page (organisation > application > default).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Branding {
    /// The brand's name next to the logo (the product name when absent).
    pub name: Option<String>,
    pub logo_url: Option<String>,
    /// Shown instead of `logo_url` in the dark colour scheme.
    pub logo_dark_url: Option<String>,
    pub favicon_url: Option<String>,
    pub color_scheme: ColorScheme,
    pub layout: PageLayout,
    /// Style sheet text (custom properties from the colours, then the operator's CSS),
    /// checked at start-up; injected after the base stylesheet.
    pub css: String,
    pub support_url: Option<String>,
    /// A short text shown on the sign-in screens (plain text, never markup).
    pub content: Option<String>,
    /// Extra links on the sign-in screens: `(label, url)`.
    pub links: Vec<(String, String)>,
}

/// The application that started the sign-in, as shown to the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// Display name.
    pub name: String,
    /// Logo URL, if the client declared one.
    pub logo_uri: Option<String>,
}

/// A kind of identifier a user signs up or in with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Username,
    Email,
    Phone,
}

impl IdentifierKind {
    /// The label of an input that accepts any of `kinds`.
    pub fn label(kinds: &[IdentifierKind]) -> Msg {
        use IdentifierKind::*;
        let has = |k| kinds.contains(&k);
        match (has(Username), has(Email), has(Phone)) {
            (true, false, false) => Msg::UsernameLabel,
            (false, true, false) => Msg::EmailLabel,
            (false, false, true) => Msg::PhoneLabel,
            (true, true, false) => Msg::IdentifierLabel,
            (false, true, true) => Msg::EmailOrPhoneLabel,
            (true, false, true) => Msg::UsernameOrPhoneLabel,
            _ => Msg::AnyIdentifierLabel,
        }
    }

    /// The `autocomplete` token of an input for `kinds`.
    pub fn autocomplete(kinds: &[IdentifierKind]) -> &'static str {
        match kinds {
            [IdentifierKind::Email] => "email",
            [IdentifierKind::Phone] => "tel",
            _ => "username",
        }
    }

    /// The `type` of an input for `kinds`.
    pub fn input_type(kinds: &[IdentifierKind]) -> &'static str {
        match kinds {
            [IdentifierKind::Email] => "email",
            [IdentifierKind::Phone] => "tel",
            _ => "text",
        }
    }
}

/// A form field that can carry an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Identifier,
    Password,
    Username,
    Email,
    Phone,
    NewPassword,
    ConfirmPassword,
    Code,
    Terms,
    /// A backup code (second factor).
    BackupCode,
}

impl Field {
    /// The `name` attribute of the input; also the id of its element.
    pub fn name(self) -> &'static str {
        match self {
            Field::Identifier => "identifier",
            Field::Password => "password",
            Field::Username => "username",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::NewPassword => "new_password",
            Field::ConfirmPassword => "confirm_password",
            Field::Code => "code",
            Field::Terms => "terms",
            Field::BackupCode => "backup_code",
        }
    }

    /// The field of an identifier kind on the registration form.
    pub fn of_kind(kind: IdentifierKind) -> Field {
        match kind {
            IdentifierKind::Username => Field::Username,
            IdentifierKind::Email => Field::Email,
            IdentifierKind::Phone => Field::Phone,
        }
    }
}

/// An error the UI shows, as data: each variant maps to one translated message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum UiError {
    #[error("required")]
    Required,
    #[error("invalid email")]
    InvalidEmail,
    #[error("invalid phone")]
    InvalidPhone,
    #[error("email not accepted")]
    EmailNotAccepted,
    #[error("identifier not accepted")]
    IdentifierNotAccepted,
    #[error("invalid username")]
    InvalidUsername,
    #[error("username too short")]
    UsernameTooShort { min: usize },
    #[error("username too long")]
    UsernameTooLong { max: usize },
    #[error("password too short")]
    PasswordTooShort { min: usize },
    #[error("password too long")]
    PasswordTooLong { max: usize },
    #[error("password too common")]
    PasswordCommon,
    #[error("password contains personal information")]
    PasswordPersonal,
    #[error("password needs more kinds of characters")]
    PasswordClasses { min: usize },
    #[error("passwords differ")]
    PasswordMismatch,
    #[error("username or email required")]
    UsernameOrEmailRequired,
    #[error("username taken")]
    UsernameTaken,
    #[error("email taken")]
    EmailTaken,
    #[error("phone taken")]
    PhoneTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("wrong code")]
    CodeInvalid,
    #[error("wrong code, tries left")]
    CodeInvalidLeft { left: i64 },
    #[error("code used already")]
    CodeUsed,
    #[error("wrong backup code")]
    BackupCodeInvalid { left: i64 },
    #[error("passkey ceremony failed")]
    WebauthnFailed,
    #[error("passkey refused")]
    WebauthnRefused,
    #[error("passkey unknown")]
    WebauthnUnknown,
    #[error("second factor required")]
    MfaRequired,
    #[error("identity provider failed")]
    FederationFailed { provider: String },
    #[error("sign-in cancelled at the identity provider")]
    FederationCancelled { provider: String },
    #[error("unknown identity provider")]
    FederationUnknown,
    #[error("unsolicited sign-in from the identity provider")]
    FederationUnsolicited { provider: String },
    #[error("sign-in link used or expired")]
    LinkSpent,
    #[error("sign-in link for another address")]
    LinkOtherAddress,
    #[error("not the invited address")]
    InvitationOtherAddress,
    #[error("no single sign-on for this domain")]
    SsoNoConnector,
    #[error("code expired")]
    CodeExpired,
    #[error("too many wrong codes")]
    CodeAttemptsExceeded,
    #[error("wait before resending")]
    ResendWait { seconds: i64 },
    #[error("too many messages")]
    SendLimit { minutes: i64 },
    #[error("message could not be sent")]
    SendFailed,
    #[error("identifier locked")]
    Locked { minutes: i64 },
    #[error("terms not accepted")]
    TermsRequired,
    #[error("value too short")]
    TooShort { min: usize },
    #[error("value too long")]
    TooLong { max: usize },
    #[error("not a number")]
    NotANumber,
    #[error("number too small")]
    NumberTooSmall { min: i64 },
    #[error("number too large")]
    NumberTooLarge { max: i64 },
    #[error("invalid date")]
    InvalidDate,
    #[error("invalid url")]
    InvalidUrl,
    #[error("not one of the options")]
    InvalidOption,
    #[error("pattern mismatch")]
    PatternMismatch,
    #[error("box not ticked")]
    CheckboxRequired,
    #[error("form expired")]
    FormExpired,
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("busy")]
    Busy,
    #[error("security verification required")]
    VerificationRequired,
    #[error("the last way to sign in")]
    LastSignInMethod,
    #[error("a second factor is required")]
    FactorRequired,
    #[error("read only")]
    ReadOnly,
    #[error("identity linked to another account")]
    IdentityTaken,
    #[error("the last admin")]
    LastAdmin,
    #[error("admins only")]
    NotAdmin,
    #[error("already a member")]
    AlreadyMember,
    #[error("invitation used, revoked or expired")]
    InvitationSpent,
    #[error("the current address")]
    SameAddress,
    #[error("internal error")]
    Internal,
}

impl UiError {
    /// The message in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        let t = |m| locale.text(m).to_string();
        match self {
            UiError::Required => t(Msg::ErrRequired),
            UiError::InvalidEmail => t(Msg::ErrInvalidEmail),
            UiError::InvalidPhone => t(Msg::ErrInvalidPhone),
            UiError::EmailNotAccepted => t(Msg::ErrEmailNotAccepted),
            UiError::IdentifierNotAccepted => t(Msg::ErrIdentifierNotAccepted),
            UiError::InvalidUsername => t(Msg::ErrInvalidUsername),
            UiError::UsernameTooShort { min } => locale.text_n(Msg::ErrUsernameTooShort, min),
            UiError::UsernameTooLong { max } => locale.text_n(Msg::ErrUsernameTooLong, max),
            UiError::PasswordTooShort { min } => locale.text_n(Msg::ErrPasswordTooShort, min),
            UiError::PasswordTooLong { max } => locale.text_n(Msg::ErrPasswordTooLong, max),
            UiError::PasswordCommon => t(Msg::ErrPasswordCommon),
            UiError::PasswordPersonal => t(Msg::ErrPasswordPersonal),
            UiError::PasswordClasses { min } => locale.text_n(Msg::ErrPasswordClasses, min),
            UiError::PasswordMismatch => t(Msg::ErrPasswordMismatch),
            UiError::UsernameOrEmailRequired => t(Msg::ErrUsernameOrEmailRequired),
            UiError::UsernameTaken => t(Msg::ErrUsernameTaken),
            UiError::EmailTaken => t(Msg::ErrEmailTaken),
            UiError::PhoneTaken => t(Msg::ErrPhoneTaken),
            UiError::InvalidCredentials => t(Msg::ErrInvalidCredentials),
            UiError::CodeInvalid => t(Msg::ErrCodeInvalid),
            UiError::CodeInvalidLeft { left } => locale.text_n(Msg::ErrCodeInvalidLeft, left),
            UiError::CodeUsed => t(Msg::ErrCodeUsed),
            UiError::BackupCodeInvalid { left } => locale.text_n(Msg::ErrBackupCodeInvalid, left),
            UiError::WebauthnFailed => t(Msg::ErrWebauthnFailed),
            UiError::WebauthnRefused => t(Msg::ErrWebauthnRefused),
            UiError::WebauthnUnknown => t(Msg::ErrWebauthnUnknown),
            UiError::MfaRequired => t(Msg::ErrMfaRequired),
            UiError::FederationFailed { provider } => locale
                .text(Msg::ErrFederationFailed)
                .replace("{name}", provider),
            UiError::FederationCancelled { provider } => locale
                .text(Msg::ErrFederationCancelled)
                .replace("{name}", provider),
            UiError::FederationUnknown => t(Msg::ErrFederationUnknown),
            UiError::FederationUnsolicited { provider } => locale
                .text(Msg::ErrFederationUnsolicited)
                .replace("{name}", provider),
            UiError::LinkSpent => t(Msg::ErrLinkSpent),
            UiError::LinkOtherAddress => t(Msg::ErrLinkOtherAddress),
            UiError::InvitationOtherAddress => t(Msg::ErrInvitationOtherAddress),
            UiError::SsoNoConnector => t(Msg::ErrSsoNoConnector),
            UiError::CodeExpired => t(Msg::ErrCodeExpired),
            UiError::CodeAttemptsExceeded => t(Msg::ErrCodeAttemptsExceeded),
            UiError::ResendWait { seconds } => locale.text_n(Msg::ErrResendWait, seconds),
            UiError::SendLimit { minutes } => locale.text_n(Msg::ErrSendLimit, minutes),
            UiError::SendFailed => t(Msg::ErrSendFailed),
            UiError::Locked { minutes } => locale.text_n(Msg::ErrLocked, minutes),
            UiError::TermsRequired => t(Msg::ErrTermsRequired),
            UiError::TooShort { min } => locale.text_n(Msg::ErrTooShort, min),
            UiError::TooLong { max } => locale.text_n(Msg::ErrTooLong, max),
            UiError::NotANumber => t(Msg::ErrNotANumber),
            UiError::NumberTooSmall { min } => locale.text_n(Msg::ErrNumberTooSmall, min),
            UiError::NumberTooLarge { max } => locale.text_n(Msg::ErrNumberTooLarge, max),
            UiError::InvalidDate => t(Msg::ErrInvalidDate),
            UiError::InvalidUrl => t(Msg::ErrInvalidUrl),
            UiError::InvalidOption => t(Msg::ErrInvalidOption),
            UiError::PatternMismatch => t(Msg::ErrPatternMismatch),
            UiError::CheckboxRequired => t(Msg::ErrCheckboxRequired),
            UiError::FormExpired => t(Msg::ErrFormExpired),
            UiError::TooManyAttempts => t(Msg::ErrTooManyAttempts),
            UiError::Busy => t(Msg::ErrBusy),
            UiError::VerificationRequired => t(Msg::ErrVerificationRequired),
            UiError::LastSignInMethod => t(Msg::ErrLastSignInMethod),
            UiError::FactorRequired => t(Msg::ErrFactorRequired),
            UiError::ReadOnly => t(Msg::ErrReadOnly),
            UiError::IdentityTaken => t(Msg::ErrIdentityTaken),
            UiError::LastAdmin => t(Msg::ErrLastAdmin),
            UiError::NotAdmin => t(Msg::ErrNotAdmin),
            UiError::AlreadyMember => t(Msg::ErrAlreadyMember),
            UiError::InvitationSpent => t(Msg::ErrInvitationSpent),
            UiError::SameAddress => t(Msg::ErrSameAddress),
            UiError::Internal => t(Msg::ErrInternal),
        }
    }

    /// A stable machine-readable code (the Experience API's `error` field).
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
            .unwrap_or_else(|| "internal".into())
    }
}

/// The outcome of a rejected form: errors by field, plus one for the whole form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormErrors {
    /// Errors attached to one field each.
    pub fields: Vec<(Field, UiError)>,
    /// An error about the form as a whole (wrong credentials, expired page…).
    pub form: Option<UiError>,
    /// Errors of inputs named by the configuration (profile fields), by input name.
    #[serde(default)]
    pub named: Vec<(String, UiError)>,
}

impl FormErrors {
    /// No errors at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none() && self.named.is_empty()
    }

    /// The error of `field`, if any.
    pub fn of(&self, field: Field) -> Option<UiError> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.clone())
    }

    /// Adds the error of a field validation result.
    pub fn check(&mut self, field: Field, result: Result<(), UiError>) {
        if let Err(e) = result {
            self.fields.push((field, e));
        }
    }

    /// A form-level error.
    pub fn form(error: UiError) -> Self {
        Self {
            form: Some(error),
            ..Self::default()
        }
    }

    /// One field's error.
    pub fn field(field: Field, error: UiError) -> Self {
        Self {
            fields: vec![(field, error)],
            ..Self::default()
        }
    }
}

/// The password rules the browser can check before the server does (the server adds the
/// common-password and personal-information checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordRules {
    pub min: usize,
    pub max: usize,
    /// Character classes required (lower, upper, digit, symbol).
    pub classes: usize,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            min: 8,
            max: 256,
            classes: 1,
        }
    }
}

/// Field rules that run in the browser (instant feedback) and on the server (authority).
pub mod rules {
    use super::{PasswordRules, UiError};

    /// Longest password accepted anywhere (longer input is refused, never truncated).
    pub const PASSWORD_MAX: usize = 1024;
    /// Longest email address (RFC 5321 path limit).
    pub const EMAIL_MAX: usize = 254;
    /// Longest identifier accepted on the sign-in form.
    pub const IDENTIFIER_MAX: usize = 254;
    /// Longest username any policy allows.
    pub const USERNAME_MAX: usize = 128;

    /// A required value must contain something other than white space.
    pub fn required(value: &str) -> Result<(), UiError> {
        if value.trim().is_empty() {
            Err(UiError::Required)
        } else {
            Ok(())
        }
    }

    /// How many of the four character classes `value` uses.
    pub fn character_classes(value: &str) -> usize {
        [
            value.chars().any(char::is_lowercase),
            value.chars().any(char::is_uppercase),
            value.chars().any(|c| c.is_numeric()),
            value
                .chars()
                .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
        ]
        .into_iter()
        .filter(|b| *b)
        .count()
    }

    /// Length and character classes; passwords are counted in Unicode code points (NIST SP
    /// 800-63B).
    pub fn password(value: &str, rules: PasswordRules) -> Result<(), UiError> {
        required(value)?;
        let n = value.chars().count();
        if n < rules.min {
            Err(UiError::PasswordTooShort { min: rules.min })
        } else if n > rules.max {
            Err(UiError::PasswordTooLong { max: rules.max })
        } else if character_classes(value) < rules.classes {
            Err(UiError::PasswordClasses { min: rules.classes })
        } else {
            Ok(())
        }
    }

    /// Letters, digits, `.`, `-`, `_`, starting with a letter (checked on the folded form).
    pub fn username_chars(v: &str) -> Result<(), UiError> {
        let mut chars = v.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if first_ok && rest_ok {
            Ok(())
        } else {
            Err(UiError::InvalidUsername)
        }
    }

    /// A username of `min..=max` characters.
    pub fn username(value: &str, min: usize, max: usize) -> Result<(), UiError> {
        let v = value.trim();
        required(v)?;
        let n = v.chars().count();
        if n < min {
            return Err(UiError::UsernameTooShort { min });
        }
        if n > max {
            return Err(UiError::UsernameTooLong { max });
        }
        // Full-width and upper-case letters are accepted: the server folds them.
        let lowered: String = v.chars().map(fold_width).collect::<String>().to_lowercase();
        username_chars(&lowered)
    }

    /// Maps full-width ASCII to ASCII, as NFKC does, for the browser's check.
    fn fold_width(c: char) -> char {
        match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        }
    }

    /// A pragmatic address check: one `@`, a non-empty local part, a dotted domain without
    /// spaces. Deliverability is proven by verification, not by syntax.
    pub fn email(value: &str) -> Result<(), UiError> {
        let v: String = value.trim().chars().map(fold_width).collect();
        required(&v)?;
        if v.len() > EMAIL_MAX {
            return Err(UiError::InvalidEmail);
        }
        let Some((local, domain)) = v.split_once('@') else {
            return Err(UiError::InvalidEmail);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok || v.chars().any(char::is_whitespace) {
            Err(UiError::InvalidEmail)
        } else {
            Ok(())
        }
    }

    /// A plausible phone number: digits with phone punctuation, 5 to 20 digits. The server
    /// checks it against the numbering plan.
    pub fn phone(value: &str) -> Result<(), UiError> {
        let v: String = value.trim().chars().map(fold_width).collect();
        required(&v)?;
        let digits = v.chars().filter(char::is_ascii_digit).count();
        let shape = v
            .chars()
            .all(|c| c.is_ascii_digit() || " -().+".contains(c));
        if shape && (5..=20).contains(&digits) {
            Ok(())
        } else {
            Err(UiError::InvalidPhone)
        }
    }

    /// A one-time code of `digits` digits (spaces allowed, as codes are often grouped).
    pub fn code(value: &str, digits: usize) -> Result<(), UiError> {
        required(value)?;
        let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if v.len() == digits && v.chars().all(|c| c.is_ascii_digit()) {
            Ok(())
        } else {
            Err(UiError::CodeInvalid)
        }
    }

    /// Both password entries must be equal.
    pub fn confirmation(password: &str, confirmation: &str) -> Result<(), UiError> {
        required(confirmation)?;
        if password == confirmation {
            Ok(())
        } else {
            Err(UiError::PasswordMismatch)
        }
    }

    /// An optional value passes when empty; a required one must not be.
    fn presence(value: &str, required: bool) -> Result<bool, UiError> {
        match (value.trim().is_empty(), required) {
            (true, true) => Err(UiError::Required),
            (true, false) => Ok(false),
            (false, _) => Ok(true),
        }
    }

    /// Free text of `min..=max` characters (when given).
    pub fn text(
        value: &str,
        required: bool,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Result<(), UiError> {
        if !presence(value, required)? {
            return Ok(());
        }
        let n = value.trim().chars().count() as i64;
        match (min, max) {
            (Some(min), _) if n < min => Err(UiError::TooShort { min: min as usize }),
            (_, Some(max)) if n > max => Err(UiError::TooLong { max: max as usize }),
            _ => Ok(()),
        }
    }

    /// A whole number within `min..=max` (when given).
    pub fn number(
        value: &str,
        required: bool,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Result<(), UiError> {
        if !presence(value, required)? {
            return Ok(());
        }
        let n: i64 = value.trim().parse().map_err(|_| UiError::NotANumber)?;
        match (min, max) {
            (Some(min), _) if n < min => Err(UiError::NumberTooSmall { min }),
            (_, Some(max)) if n > max => Err(UiError::NumberTooLarge { max }),
            _ => Ok(()),
        }
    }

    /// A calendar date as `YYYY-MM-DD` (what `<input type=date>` sends).
    pub fn date(value: &str, required: bool) -> Result<(), UiError> {
        if !presence(value, required)? {
            return Ok(());
        }
        let parts: Vec<&str> = value.trim().split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(UiError::InvalidDate);
        };
        let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
            return Err(UiError::InvalidDate);
        };
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(UiError::InvalidDate),
        };
        if (1000..=9999).contains(&y) && (1..=days).contains(&d) {
            Ok(())
        } else {
            Err(UiError::InvalidDate)
        }
    }

    /// An `http` or `https` address with a host.
    pub fn url(value: &str, required: bool) -> Result<(), UiError> {
        if !presence(value, required)? {
            return Ok(());
        }
        let v = value.trim();
        let rest = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"))
            .ok_or(UiError::InvalidUrl)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains(char::is_whitespace) || v.len() > 2048 {
            Err(UiError::InvalidUrl)
        } else {
            Ok(())
        }
    }

    /// The sign-in identifier.
    pub fn identifier(value: &str) -> Result<(), UiError> {
        required(value)?;
        if value.chars().count() > IDENTIFIER_MAX {
            Err(UiError::InvalidCredentials)
        } else {
            Ok(())
        }
    }
}

/// Which rule an input obeys, for the islands that validate as the user types. It travels in
/// every field island's props as five numbers (`RuleWire`): serde's derived form of this
/// enum cost the browser bundle 11 KB of deserialiser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "RuleWire", try_from = "RuleWire")]
pub enum Rule {
    Required,
    Identifier,
    Username {
        min: usize,
        max: usize,
    },
    Email,
    Phone,
    /// Email or phone, told apart by `@`.
    EmailOrPhone,
    NewPassword(PasswordRules),
    Code {
        digits: usize,
    },
    Text {
        required: bool,
        min: Option<i64>,
        max: Option<i64>,
    },
    Number {
        required: bool,
        min: Option<i64>,
        max: Option<i64>,
    },
    Date {
        required: bool,
    },
    Url {
        required: bool,
    },
    /// Checked against the input's `pattern` attribute by the browser (the server checks
    /// the same pattern with its own engine).
    Pattern {
        required: bool,
    },
    None,
}

/// `Rule` as islands receive it: `[kind, flag, a, b, c]`; an absent bound is `i64::MIN`.
type RuleWire = [i64; 5];

const NO_BOUND: i64 = i64::MIN;

impl From<Rule> for RuleWire {
    fn from(rule: Rule) -> RuleWire {
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        let bound = |v: Option<i64>| v.unwrap_or(NO_BOUND);
        match rule {
            Rule::Required => [0, 0, 0, 0, 0],
            Rule::Identifier => [1, 0, 0, 0, 0],
            Rule::Username { min, max } => [2, 0, n(min), n(max), 0],
            Rule::Email => [3, 0, 0, 0, 0],
            Rule::Phone => [4, 0, 0, 0, 0],
            Rule::EmailOrPhone => [5, 0, 0, 0, 0],
            Rule::NewPassword(p) => [6, 0, n(p.min), n(p.max), n(p.classes)],
            Rule::Code { digits } => [7, 0, n(digits), 0, 0],
            Rule::Text { required, min, max } => [8, required.into(), bound(min), bound(max), 0],
            Rule::Number { required, min, max } => [9, required.into(), bound(min), bound(max), 0],
            Rule::Date { required } => [10, required.into(), 0, 0, 0],
            Rule::Url { required } => [11, required.into(), 0, 0, 0],
            Rule::Pattern { required } => [12, required.into(), 0, 0, 0],
            Rule::None => [13, 0, 0, 0, 0],
        }
    }
}

impl TryFrom<RuleWire> for Rule {
    type Error = &'static str;

    fn try_from([kind, flag, a, b, c]: RuleWire) -> Result<Rule, &'static str> {
        let n = |v: i64| usize::try_from(v).map_err(|_| "a negative count in a rule");
        let bound = |v: i64| (v != NO_BOUND).then_some(v);
        let required = flag != 0;
        Ok(match kind {
            0 => Rule::Required,
            1 => Rule::Identifier,
            2 => Rule::Username {
                min: n(a)?,
                max: n(b)?,
            },
            3 => Rule::Email,
            4 => Rule::Phone,
            5 => Rule::EmailOrPhone,
            6 => Rule::NewPassword(PasswordRules {
                min: n(a)?,
                max: n(b)?,
                classes: n(c)?,
            }),
            7 => Rule::Code { digits: n(a)? },
            8 => Rule::Text {
                required,
                min: bound(a),
                max: bound(b),
            },
            9 => Rule::Number {
                required,
                min: bound(a),
                max: bound(b),
            },
            10 => Rule::Date { required },
            11 => Rule::Url { required },
            12 => Rule::Pattern { required },
            13 => Rule::None,
            _ => return Err("an unknown rule"),
        })
    }
}

impl Rule {
    /// Runs the rule on `value`.
    pub fn check(self, value: &str) -> Result<(), UiError> {
        match self {
            Rule::Required => rules::required(value),
            Rule::Identifier => rules::identifier(value),
            Rule::Username { min, max } => rules::username(value, min, max),
            Rule::Email => rules::email(value),
            Rule::Phone => rules::phone(value),
            Rule::EmailOrPhone if value.contains('@') => rules::email(value),
            Rule::EmailOrPhone => rules::phone(value),
            Rule::NewPassword(p) => rules::password(value, p),
            Rule::Code { digits } => rules::code(value, digits),
            Rule::Text { required, min, max } => rules::text(value, required, min, max),
            Rule::Number { required, min, max } => rules::number(value, required, min, max),
            Rule::Date { required } => rules::date(value, required),
            Rule::Url { required } => rules::url(value, required),
            Rule::Pattern { required } => rules::text(value, required, None, None),
            Rule::None => Ok(()),
        }
    }

    /// The rule of an input that accepts `kinds` at sign-up.
    pub fn for_kinds(kinds: &[IdentifierKind], username: (usize, usize)) -> Rule {
        match kinds {
            [IdentifierKind::Email] => Rule::Email,
            [IdentifierKind::Phone] => Rule::Phone,
            [IdentifierKind::Username] => Rule::Username {
                min: username.0,
                max: username.1,
            },
            k if !k.contains(&IdentifierKind::Username) => Rule::EmailOrPhone,
            _ => Rule::Required,
        }
    }
}

/// A notice shown above a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// The password was reset; sign in with the new one.
    PasswordChanged,
    /// A code is on its way.
    CodeSent,
    /// A change in the account center.
    Account(AccountNotice),
}

/// Links to the operator's terms, shown where users agree to them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TermsView {
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
    /// True when the user must tick a box; false when the links are only shown.
    pub checkbox: bool,
}

/// Which part of the sign-in the screen shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInStep {
    /// Identifier and password together (and "email me a code" when offered).
    #[default]
    Unified,
    /// The identifier alone; the method follows.
    Identifier,
    /// The password for an identifier already given.
    Password,
}

/// The sign-in screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInState {
    /// The app the user is signing in to (absent when signing in to Sesame itself).
    pub client: Option<ClientInfo>,
    pub step: SignInStep,
    /// Identifier kinds accepted (for the label and the input type).
    pub kinds: Vec<IdentifierKind>,
    /// The identifier to pre-fill (`login_hint`, or what the user typed before an error).
    pub identifier: String,
    /// Whether a password can be used (with at least one accepted identifier).
    pub password: bool,
    /// Whether a one-time code can be used (with email or phone).
    pub code: bool,
    /// Whether a sign-in link can be mailed (with email).
    #[serde(default)]
    pub link: bool,
    /// Whether "forgot your password?" is offered.
    pub forgot_password: bool,
    /// "Forgot your password?" ends the user flow at the application (Azure AD B2C's
    /// `AADB2C90118`) instead of opening the reset screen.
    #[serde(default)]
    pub forgot_ends_flow: bool,
    /// The user flow offers only other identity providers: no local sign-in form.
    #[serde(default)]
    pub local_hidden: bool,
    /// What went wrong with the last submission.
    pub errors: FormErrors,
    /// Whether the "create an account" link is offered.
    pub registration_enabled: bool,
    /// A message about what just happened.
    pub notice: Option<Notice>,
    /// Passkey sign-in (autofill and a button): the WebAuthn request, JSON.
    #[serde(default)]
    pub passkey: Option<String>,
    /// Other identity providers.
    #[serde(default)]
    pub federation: Federation,
}

/// A button that signs in at another identity provider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderButton {
    /// The connector id (`/sign-in/with/<id>`).
    pub id: String,
    /// The provider's name, for "Continue with …".
    pub name: String,
    /// The icon: a preset name (`google`, `github`, …) or `oidc` / `oauth2`.
    pub icon: String,
}

/// The other identity providers a sign-in or sign-up screen offers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Federation {
    /// Social providers, in the configured order.
    pub providers: Vec<ProviderButton>,
    /// Whether "Sign in with single sign-on" (the work-email screen) is offered.
    pub sso: bool,
    /// The provider whose identity waits to be linked to the account signed in next.
    pub linking: Option<String>,
}

/// The work-email screen of enterprise single sign-on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SsoState {
    pub client: Option<ClientInfo>,
    /// The address typed before an error.
    pub email: String,
    pub errors: FormErrors,
}

/// What to do with an identity from another provider that no account has yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkState {
    pub client: Option<ClientInfo>,
    /// The provider's name.
    pub provider: String,
    /// The provider's email address for the user, when it gave one.
    pub email: Option<String>,
    /// An account with this email exists: only linking (after signing in) is possible.
    pub collision: bool,
    /// Whether a new account may be created.
    pub can_create: bool,
    pub errors: FormErrors,
}

/// The registration screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterState {
    /// The app the user is signing up for.
    pub client: Option<ClientInfo>,
    /// Kinds the account can be created with; one input accepts any of them.
    pub kinds: Vec<IdentifierKind>,
    /// Further identifiers every account needs (one input each).
    pub secondary: Vec<IdentifierKind>,
    /// Whether the user chooses a password.
    pub password: bool,
    pub password_rules: PasswordRules,
    /// Username length limits.
    pub username_rules: (usize, usize),
    /// Values typed before an error (never the passwords), by field.
    pub values: Vec<(Field, String)>,
    /// The terms, when shown.
    pub terms: Option<TermsView>,
    /// What went wrong with the last submission.
    pub errors: FormErrors,
    /// Whether the "sign in" link is offered.
    pub sign_in_enabled: bool,
    /// Other identity providers.
    #[serde(default)]
    pub federation: Federation,
}

impl RegisterState {
    /// The value typed into `field` before.
    pub fn value(&self, field: Field) -> String {
        value_of(&self.values, field)
    }
}

/// The value of `field` among values typed into a form (empty when absent).
pub fn value_of(values: &[(Field, String)], field: Field) -> String {
    values
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Why a code was sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    #[default]
    SignIn,
    Register,
    ResetPassword,
    /// A second factor.
    Mfa,
    /// An address the account is missing, given before the session starts.
    Continue,
    /// The security verification before a sensitive account change.
    Verification,
    /// A new email address or phone number in the account center.
    NewAddress,
}

/// The screen where the user enters the code sent to them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VerifyCodeState {
    pub client: Option<ClientInfo>,
    pub purpose: CodePurpose,
    /// Where the code went, as the user typed it (canonical form).
    pub recipient: String,
    /// True for a phone number, false for an email address.
    pub by_sms: bool,
    pub digits: usize,
    pub errors: FormErrors,
    pub notice: Option<Notice>,
    /// Where "use another …" leads.
    pub back: String,
}

/// The first step of a password reset: where to send the code.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResetPasswordState {
    pub client: Option<ClientInfo>,
    pub kinds: Vec<IdentifierKind>,
    pub identifier: String,
    pub errors: FormErrors,
}

/// The last step of a password reset: the new password.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPasswordState {
    pub client: Option<ClientInfo>,
    /// The account, as the user named it.
    pub account: String,
    pub password_rules: PasswordRules,
    pub errors: FormErrors,
}

/// A page that only explains something, with one way on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    /// The account is suspended.
    Suspended,
    /// A verified identifier has no account (and registration is closed).
    NoAccount,
    /// Agreement to the terms is needed to continue (manual policy).
    TermsUpdate,
    /// The user deleted their account.
    AccountDeleted,
}

/// A notice page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeState {
    pub kind: NoticeKind,
    /// The identifier concerned, when there is one.
    pub subject: Option<String>,
    /// The terms to agree to (for `TermsUpdate`).
    pub terms: Option<TermsView>,
    pub errors: FormErrors,
}

/// The kind of a collected profile field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    Text,
    Number,
    Date,
    Checkbox,
    Select,
    Url,
    Regex,
    /// Street, city, region, postal code, country (the OIDC `address` claim).
    Address,
    /// Given and family name (the OIDC `given_name`, `family_name` and `name` claims).
    FullName,
}

/// The parts of an address field, in form order, with their OIDC member names.
pub const ADDRESS_PARTS: [(&str, Msg); 5] = [
    ("street_address", Msg::AddressStreet),
    ("locality", Msg::AddressLocality),
    ("region", Msg::AddressRegion),
    ("postal_code", Msg::AddressPostalCode),
    ("country", Msg::AddressCountry),
];

/// The parts of a full-name field.
pub const NAME_PARTS: [(&str, Msg); 2] = [
    ("given_name", Msg::GivenNameLabel),
    ("family_name", Msg::FamilyNameLabel),
];

/// A profile field as the screen shows it (labels already in the user's language).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileFieldView {
    /// The input name (`profile.<name>`; address and name parts add `.<part>`).
    pub name: String,
    pub kind: ProfileKind,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    /// `(value, label)` pairs of a select.
    pub options: Vec<(String, String)>,
    /// The pattern of a regex field.
    pub pattern: Option<String>,
    /// Length limits of text, value limits of numbers.
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl ProfileFieldView {
    /// The rule the browser checks while the user types.
    pub fn rule(&self) -> Rule {
        let (required, min, max) = (self.required, self.min, self.max);
        match self.kind {
            ProfileKind::Number => Rule::Number { required, min, max },
            ProfileKind::Date => Rule::Date { required },
            ProfileKind::Url => Rule::Url { required },
            ProfileKind::Regex => Rule::Pattern { required },
            _ => Rule::Text { required, min, max },
        }
    }
}

/// The "a few more details" screen: profile fields at sign-up, and for existing users
/// whatever is now required and missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContinueState {
    pub client: Option<ClientInfo>,
    /// Ask for a username (with its length limits) when the account lacks a required one.
    pub username: Option<(usize, usize)>,
    /// The email address and phone number the account lacks and must give (each verified by
    /// a code when the operator verifies identifiers).
    #[serde(default)]
    pub identifiers: Vec<IdentifierKind>,
    /// A profile-editing user flow: the fields hold the current values, and saving returns
    /// to the application.
    #[serde(default)]
    pub editing: bool,
    pub fields: Vec<ProfileFieldView>,
    /// Values typed before an error, by input name.
    pub values: Vec<(String, String)>,
    /// Errors by input name.
    pub errors: Vec<(String, UiError)>,
    pub form_error: Option<UiError>,
}

impl ContinueState {
    /// The value typed into input `name`.
    pub fn value(&self, name: &str) -> String {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The error of input `name`.
    pub fn error(&self, name: &str) -> Option<UiError> {
        self.errors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
    }
}

/// One message in the development outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// The development outbox.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxState {
    pub messages: Vec<OutboxMessage>,
}

/// Why the error page is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    UnknownClient,
    InvalidRedirectUri,
    InvalidRequest,
    MissingParameter,
    DuplicateParameter,
    InteractionExpired,
    /// `p` names a user flow the configuration does not have.
    UnknownUserFlow,
    NotFound,
    Internal,
}

impl ErrorKind {
    /// The explanation shown to the user.
    pub fn msg(self) -> Msg {
        match self {
            ErrorKind::UnknownClient => Msg::ErrorUnknownClient,
            ErrorKind::InvalidRedirectUri => Msg::ErrorInvalidRedirectUri,
            ErrorKind::InvalidRequest => Msg::ErrorInvalidRequest,
            ErrorKind::MissingParameter => Msg::ErrorMissingParameter,
            ErrorKind::DuplicateParameter => Msg::ErrorDuplicateParameter,
            ErrorKind::InteractionExpired => Msg::ErrorInteractionExpired,
            ErrorKind::UnknownUserFlow => Msg::ErrorUnknownUserFlow,
            ErrorKind::NotFound => Msg::ErrorNotFound,
            ErrorKind::Internal => Msg::ErrorInternal,
        }
    }

    /// The HTTP status of a page showing this error.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::Internal => 500,
            _ => 400,
        }
    }
}

/// The error page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorState {
    /// What went wrong.
    pub kind: ErrorKind,
    /// A technical detail for developers (a parameter name, an OAuth error code); shown as
    /// text, never as markup.
    pub detail: Option<String>,
}

/// The page that posts the authorization response to the client (`response_mode=form_post`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormPostState {
    /// The client's redirect URI.
    pub action: String,
    /// The response parameters.
    pub fields: Vec<(String, String)>,
}

/// The signed-in landing page of Sesame itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HomeState {
    /// The signed-in user's display identifier.
    pub signed_in_as: Option<String>,
    /// The account center is on: the page links to it.
    #[serde(default)]
    pub account: bool,
}

/// The sign-out confirmation and its result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignOutState {
    /// True once the user has signed out.
    pub done: bool,
    /// Where "stay signed in" and the finished page lead: a local path, or (once signed out)
    /// the application's checked `post_logout_redirect_uri`.
    pub return_to: Option<String>,
    /// The application asking to sign the user out (RP-initiated logout).
    #[serde(default)]
    pub client: Option<ClientInfo>,
    /// What the confirmation posts on for an application's logout request.
    #[serde(default)]
    pub logout: Option<LogoutRequest>,
    /// Applications' front-channel logout pages to load once signed out: (name, URL).
    #[serde(default)]
    pub frames: Vec<(String, String)>,
}

/// An application's logout request, carried by the confirmation form; the server checks it
/// again when the form comes back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogoutRequest {
    pub client_id: String,
    /// Only a URI registered for the application; a foreign one is dropped.
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

/// Where a sign-in link stands on its screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MagicStep {
    /// "Check your email": a link is on its way.
    #[default]
    Sent,
    /// The link was opened: one button signs in with it.
    Landing,
    /// The link was used, has expired, or is not Sesame's: ask for a new one.
    Spent,
}

/// The screens of sign-in links.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MagicLinkState {
    pub client: Option<ClientInfo>,
    pub step: MagicStep,
    /// The address the link was sent to, or that the link proves.
    pub email: String,
    /// The link's token (landing), posted back by the button.
    pub token: String,
    /// No account has the address yet: the link leads on to creating one.
    pub new_account: bool,
    /// The link is an invitation.
    pub invitation: bool,
    /// The browser is signed in as someone else: the button switches accounts.
    pub signed_in_as: Option<String>,
    pub errors: FormErrors,
}

/// One permission an application asks for on the consent screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsentItem {
    /// The scope as the application names it (`email`, `notes:read`).
    pub scope: String,
    /// What it lets the application do, in the user's language.
    pub description: String,
}

/// The APIs (resources) an application asks to use on the user's behalf, with their scopes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsentResource {
    pub name: String,
    pub items: Vec<ConsentItem>,
}

/// The consent screen: an application (usually a third party's) asks for access.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsentState {
    pub client: Option<ClientInfo>,
    /// Who is signed in (username, email or phone).
    pub user: String,
    /// What the application asks for that the user has not allowed yet.
    pub items: Vec<ConsentItem>,
    pub resources: Vec<ConsentResource>,
    /// The user's organizations to pick from for organization scopes: `(id, name, ticked)`.
    #[serde(default)]
    pub organizations: Vec<(String, String, bool)>,
    /// Whether the user allowed this application something before (it asks for more now).
    pub extending: bool,
    /// The application's terms of service and privacy policy.
    pub tos_uri: Option<String>,
    pub policy_uri: Option<String>,
    pub errors: FormErrors,
}

/// The demo relying party's page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DemoState {
    /// Pretty-printed ID token claims, when signed in.
    pub id_token_claims: Option<String>,
    /// Pretty-printed userinfo response, when signed in.
    pub userinfo: Option<String>,
    /// Who is signed in to the demo.
    pub subject_label: Option<String>,
    /// An OAuth error returned to the demo's callback.
    pub error: Option<String>,
}

/// Every screen Sesame renders, with its state. The server builds one per request; the
/// gallery builds them from fixtures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Screen {
    SignIn(SignInState),
    Register(RegisterState),
    VerifyCode(VerifyCodeState),
    ResetPassword(ResetPasswordState),
    NewPassword(NewPasswordState),
    Notice(NoticeState),
    Continue(ContinueState),
    Outbox(OutboxState),
    Error(ErrorState),
    FormPost(FormPostState),
    Home(HomeState),
    SignOut(SignOutState),
    Demo(DemoState),
    MfaVerify(MfaVerifyState),
    MfaChoice(MfaChoiceState),
    TotpSetup(TotpSetupState),
    WebauthnSetup(WebauthnSetupState),
    BackupCodes(BackupCodesState),
    Sso(SsoState),
    Link(LinkState),
    Consent(ConsentState),
    MagicLink(MagicLinkState),
    Account(AccountState),
    Invitation(InvitationState),
}

impl Screen {
    /// The page title.
    pub fn title(&self, locale: Locale) -> &'static str {
        locale.text(match self {
            Screen::SignIn(_) => Msg::SignInTitle,
            Screen::Register(_) => Msg::RegisterTitle,
            Screen::VerifyCode(s) if s.by_sms => Msg::VerifyPhoneTitle,
            Screen::VerifyCode(_) => Msg::VerifyEmailTitle,
            Screen::ResetPassword(_) => Msg::ResetPasswordTitle,
            Screen::NewPassword(_) => Msg::NewPasswordTitle,
            Screen::Notice(n) => match n.kind {
                NoticeKind::Suspended => Msg::SuspendedTitle,
                NoticeKind::NoAccount => Msg::NoAccountTitle,
                NoticeKind::TermsUpdate => Msg::TermsTitle,
                NoticeKind::AccountDeleted => Msg::AccountDeletedTitle,
            },
            Screen::Continue(s) if s.editing => Msg::ProfileEditTitle,
            Screen::Continue(_) => Msg::ContinueProfileTitle,
            Screen::Outbox(_) => Msg::OutboxTitle,
            Screen::Error(_) => Msg::ErrorPageTitle,
            Screen::FormPost(_) => Msg::ContinueTitle,
            Screen::Home(_) => Msg::HomeTitle,
            Screen::SignOut(s) if s.done => Msg::SignedOutTitle,
            Screen::SignOut(_) => Msg::SignOutTitle,
            Screen::Demo(_) => Msg::DemoTitle,
            Screen::MfaVerify(s) => match s.factor {
                MfaFactor::Webauthn => Msg::MfaWebauthnTitle,
                MfaFactor::BackupCode => Msg::MfaBackupCodeTitle,
                _ => Msg::MfaTotpTitle,
            },
            Screen::MfaChoice(s) if s.setup => Msg::MfaSetupTitle,
            Screen::MfaChoice(_) => Msg::MfaChoiceTitle,
            Screen::TotpSetup(_) => Msg::TotpSetupTitle,
            Screen::WebauthnSetup(s) if s.prompt => Msg::PasskeyPromptTitle,
            Screen::WebauthnSetup(_) => Msg::WebauthnSetupTitle,
            Screen::BackupCodes(_) => Msg::BackupCodesTitle,
            Screen::Sso(_) => Msg::SsoTitle,
            Screen::Link(_) => Msg::LinkTitle,
            Screen::Consent(_) => Msg::ConsentTitle,
            Screen::MagicLink(s) => match s.step {
                MagicStep::Sent => Msg::LinkSentTitle,
                MagicStep::Landing if s.invitation => Msg::InvitationTitle,
                MagicStep::Landing => Msg::MagicLandingTitle,
                MagicStep::Spent => Msg::LinkSpentTitle,
            },
            Screen::Account(a) => a.title(),
            Screen::Invitation(_) => Msg::OrgInvitationTitle,
        })
    }

    /// The HTTP status the page is served with.
    pub fn status(&self) -> u16 {
        match self {
            Screen::Error(e) => e.kind.status(),
            Screen::Notice(NoticeState {
                kind: NoticeKind::Suspended,
                ..
            }) => 403,
            _ => 200,
        }
    }
}

/// Everything a page render needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Per-request facts.
    pub env: PageEnv,
    /// The screen and its state.
    pub screen: Screen,
}

#[cfg(test)]
mod tests {
    use super::rules::*;
    use super::*;

    #[test]
    fn every_rule_survives_the_islands_wire_form() {
        let rules = [
            Rule::Required,
            Rule::Identifier,
            Rule::Username { min: 3, max: 32 },
            Rule::Email,
            Rule::Phone,
            Rule::EmailOrPhone,
            Rule::NewPassword(PasswordRules {
                min: 10,
                max: 64,
                classes: 3,
            }),
            Rule::Code { digits: 6 },
            Rule::Text {
                required: true,
                min: Some(-5),
                max: None,
            },
            Rule::Number {
                required: false,
                min: None,
                max: Some(i64::MAX),
            },
            Rule::Date { required: true },
            Rule::Url { required: false },
            Rule::Pattern { required: true },
            Rule::None,
        ];
        for rule in rules {
            let json = serde_json::to_string(&rule).expect("serialise");
            assert_eq!(
                serde_json::from_str::<Rule>(&json).expect(&json),
                rule,
                "{json}"
            );
        }
        assert!(
            serde_json::from_str::<Rule>("[99,0,0,0,0]").is_err(),
            "unknown kind"
        );
        assert!(
            serde_json::from_str::<Rule>("[2,0,-1,5,0]").is_err(),
            "negative count"
        );
        assert!(
            serde_json::from_str::<Rule>("[0,0,0]").is_err(),
            "short array"
        );
    }

    #[test]
    fn password_length_counts_code_points() {
        let r = PasswordRules::default();
        assert_eq!(
            password("short", r),
            Err(UiError::PasswordTooShort { min: 8 })
        );
        // 8 code points, 24 bytes.
        assert_eq!(password("パスワードです！", r), Ok(()));
        assert!(password(&"a".repeat(257), r).is_err());
        assert_eq!(password(&"a".repeat(256), r), Ok(()));
        let strict = PasswordRules { classes: 3, ..r };
        assert_eq!(
            password("alllowercase", strict),
            Err(UiError::PasswordClasses { min: 3 })
        );
        assert_eq!(password("Mixed-case1", strict), Ok(()));
    }

    #[test]
    fn usernames() {
        assert_eq!(username("alice_1", 3, 32), Ok(()));
        assert_eq!(username("Ａｌｉｃｅ", 3, 32), Ok(()));
        assert_eq!(username("1alice", 3, 32), Err(UiError::InvalidUsername));
        assert_eq!(
            username("al", 3, 32),
            Err(UiError::UsernameTooShort { min: 3 })
        );
        assert_eq!(
            username("alice smith", 3, 32),
            Err(UiError::InvalidUsername)
        );
    }

    #[test]
    fn emails_phones_codes() {
        assert_eq!(email("a@example.com"), Ok(()));
        for bad in [
            "a@",
            "@example.com",
            "a@example",
            "a b@example.com",
            "a@ex..com",
        ] {
            assert_eq!(email(bad), Err(UiError::InvalidEmail), "{bad}");
        }
        assert_eq!(phone("+1 (202) 555-0143"), Ok(()));
        assert_eq!(phone("call me"), Err(UiError::InvalidPhone));
        assert_eq!(code("123 456", 6), Ok(()));
        assert_eq!(code("12345", 6), Err(UiError::CodeInvalid));
        assert_eq!(Rule::EmailOrPhone.check("a@b.example"), Ok(()));
        assert_eq!(Rule::EmailOrPhone.check("x"), Err(UiError::InvalidPhone));
    }

    #[test]
    fn profile_rules() {
        assert_eq!(date("2024-02-29", true), Ok(()));
        assert_eq!(date("2023-02-29", true), Err(UiError::InvalidDate));
        assert_eq!(date("", false), Ok(()));
        assert_eq!(date("", true), Err(UiError::Required));
        assert_eq!(
            number("12", true, Some(13), None),
            Err(UiError::NumberTooSmall { min: 13 })
        );
        assert_eq!(number("x", true, None, None), Err(UiError::NotANumber));
        assert_eq!(url("https://example.com/me", true), Ok(()));
        assert_eq!(url("javascript:alert(1)", true), Err(UiError::InvalidUrl));
        assert_eq!(
            text("ab", true, Some(3), None),
            Err(UiError::TooShort { min: 3 })
        );
    }

    #[test]
    fn error_codes_are_stable_snake_case() {
        assert_eq!(UiError::Locked { minutes: 5 }.code(), "locked");
        assert_eq!(
            UiError::CodeAttemptsExceeded.code(),
            "code_attempts_exceeded"
        );
    }

    #[test]
    fn every_error_has_a_message_in_every_locale() {
        for l in Locale::ALL {
            assert!(!UiError::PasswordTooShort { min: 8 }
                .message(l)
                .contains("{n}"));
            assert!(!UiError::Locked { minutes: 60 }.message(l).contains("{n}"));
        }
    }
}

//! What the server hands each screen, and the errors the screens can show. Shared by the
//! server (which builds these values from the flow state) and the browser (islands, gallery).

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
}

impl PageEnv {
    /// A page environment for fixtures and tests.
    pub fn fixture(locale: Locale) -> Self {
        Self {
            locale,
            csrf: String::new(),
            path: "/sign-in".into(),
        }
    }
}

/// The application that started the sign-in, as shown to the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// Display name.
    pub name: String,
    /// Logo URL, if the client declared one.
    pub logo_uri: Option<String>,
}

/// A form field that can carry an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Identifier,
    Password,
    Username,
    Email,
    NewPassword,
    ConfirmPassword,
}

impl Field {
    /// The `name` attribute of the input; also the id of its element.
    pub fn name(self) -> &'static str {
        match self {
            Field::Identifier => "identifier",
            Field::Password => "password",
            Field::Username => "username",
            Field::Email => "email",
            Field::NewPassword => "new_password",
            Field::ConfirmPassword => "confirm_password",
        }
    }
}

/// An error the UI shows, as data: each variant maps to one translated message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum UiError {
    #[error("required")]
    Required,
    #[error("invalid email")]
    InvalidEmail,
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
    #[error("passwords differ")]
    PasswordMismatch,
    #[error("username or email required")]
    UsernameOrEmailRequired,
    #[error("username taken")]
    UsernameTaken,
    #[error("email taken")]
    EmailTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("form expired")]
    FormExpired,
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("busy")]
    Busy,
    #[error("internal error")]
    Internal,
}

impl UiError {
    /// The message in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            UiError::Required => locale.text(Msg::ErrRequired).into(),
            UiError::InvalidEmail => locale.text(Msg::ErrInvalidEmail).into(),
            UiError::InvalidUsername => locale.text(Msg::ErrInvalidUsername).into(),
            UiError::UsernameTooShort { min } => locale.text_n(Msg::ErrUsernameTooShort, min),
            UiError::UsernameTooLong { max } => locale.text_n(Msg::ErrUsernameTooLong, max),
            UiError::PasswordTooShort { min } => locale.text_n(Msg::ErrPasswordTooShort, min),
            UiError::PasswordTooLong { max } => locale.text_n(Msg::ErrPasswordTooLong, max),
            UiError::PasswordMismatch => locale.text(Msg::ErrPasswordMismatch).into(),
            UiError::UsernameOrEmailRequired => locale.text(Msg::ErrUsernameOrEmailRequired).into(),
            UiError::UsernameTaken => locale.text(Msg::ErrUsernameTaken).into(),
            UiError::EmailTaken => locale.text(Msg::ErrEmailTaken).into(),
            UiError::InvalidCredentials => locale.text(Msg::ErrInvalidCredentials).into(),
            UiError::FormExpired => locale.text(Msg::ErrFormExpired).into(),
            UiError::TooManyAttempts => locale.text(Msg::ErrTooManyAttempts).into(),
            UiError::Busy => locale.text(Msg::ErrBusy).into(),
            UiError::Internal => locale.text(Msg::ErrInternal).into(),
        }
    }
}

/// The outcome of a rejected form: errors by field, plus one for the whole form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormErrors {
    /// Errors attached to one field each.
    pub fields: Vec<(Field, UiError)>,
    /// An error about the form as a whole (wrong credentials, expired page…).
    pub form: Option<UiError>,
}

impl FormErrors {
    /// No errors at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
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
            fields: Vec::new(),
            form: Some(error),
        }
    }
}

/// Field rules that run in the browser (instant feedback) and on the server (authority).
pub mod rules {
    use super::UiError;

    /// Shortest password accepted.
    pub const PASSWORD_MIN: usize = 8;
    /// Longest password accepted (longer input is refused, never truncated).
    pub const PASSWORD_MAX: usize = 256;
    /// Shortest username.
    pub const USERNAME_MIN: usize = 3;
    /// Longest username.
    pub const USERNAME_MAX: usize = 32;
    /// Longest email address (RFC 5321 path limit).
    pub const EMAIL_MAX: usize = 254;
    /// Longest identifier accepted on the sign-in form.
    pub const IDENTIFIER_MAX: usize = 254;

    /// A required value must contain something other than white space.
    pub fn required(value: &str) -> Result<(), UiError> {
        if value.trim().is_empty() {
            Err(UiError::Required)
        } else {
            Ok(())
        }
    }

    /// Passwords are counted in Unicode code points (NIST SP 800-63B).
    pub fn password(value: &str) -> Result<(), UiError> {
        required(value)?;
        let n = value.chars().count();
        if n < PASSWORD_MIN {
            Err(UiError::PasswordTooShort { min: PASSWORD_MIN })
        } else if n > PASSWORD_MAX {
            Err(UiError::PasswordTooLong { max: PASSWORD_MAX })
        } else {
            Ok(())
        }
    }

    /// A username starts with a letter and holds letters, digits, `.`, `-`, `_`.
    pub fn username(value: &str) -> Result<(), UiError> {
        let v = value.trim();
        required(v)?;
        let n = v.chars().count();
        if n < USERNAME_MIN {
            return Err(UiError::UsernameTooShort { min: USERNAME_MIN });
        }
        if n > USERNAME_MAX {
            return Err(UiError::UsernameTooLong { max: USERNAME_MAX });
        }
        let mut chars = v.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if first_ok && rest_ok {
            Ok(())
        } else {
            Err(UiError::InvalidUsername)
        }
    }

    /// A pragmatic address check: one `@`, a non-empty local part, a dotted domain without
    /// spaces. Deliverability is proven by verification, not by syntax.
    pub fn email(value: &str) -> Result<(), UiError> {
        let v = value.trim();
        required(v)?;
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

    /// Both password entries must be equal.
    pub fn confirmation(password: &str, confirmation: &str) -> Result<(), UiError> {
        required(confirmation)?;
        if password == confirmation {
            Ok(())
        } else {
            Err(UiError::PasswordMismatch)
        }
    }

    /// The sign-in identifier: a username or an email address.
    pub fn identifier(value: &str) -> Result<(), UiError> {
        required(value)?;
        if value.chars().count() > IDENTIFIER_MAX {
            Err(UiError::InvalidCredentials)
        } else {
            Ok(())
        }
    }
}

/// Which rule an input obeys, for the islands that validate as the user types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    Required,
    Identifier,
    Username,
    OptionalUsername,
    Email,
    OptionalEmail,
    NewPassword,
    None,
}

impl Rule {
    /// Runs the rule on `value`.
    pub fn check(self, value: &str) -> Result<(), UiError> {
        let optional = |f: fn(&str) -> Result<(), UiError>| {
            if value.trim().is_empty() {
                Ok(())
            } else {
                f(value)
            }
        };
        match self {
            Rule::Required => rules::required(value),
            Rule::Identifier => rules::identifier(value),
            Rule::Username => rules::username(value),
            Rule::OptionalUsername => optional(rules::username),
            Rule::Email => rules::email(value),
            Rule::OptionalEmail => optional(rules::email),
            Rule::NewPassword => rules::password(value),
            Rule::None => Ok(()),
        }
    }
}

/// The sign-in screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInState {
    /// The app the user is signing in to (absent when signing in to Sesame itself).
    pub client: Option<ClientInfo>,
    /// The identifier to pre-fill (`login_hint`, or what the user typed before an error).
    pub identifier: String,
    /// What went wrong with the last submission.
    pub errors: FormErrors,
    /// Whether the "create an account" link is offered.
    pub registration_enabled: bool,
}

/// The registration screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterState {
    /// The app the user is signing up for.
    pub client: Option<ClientInfo>,
    /// Values typed before an error (never the passwords).
    pub username: String,
    /// Values typed before an error (never the passwords).
    pub email: String,
    /// What went wrong with the last submission.
    pub errors: FormErrors,
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
}

/// The sign-out confirmation and its result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignOutState {
    /// True once the user has signed out.
    pub done: bool,
    /// Where "stay signed in" and the finished page lead.
    pub return_to: Option<String>,
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
    Error(ErrorState),
    FormPost(FormPostState),
    Home(HomeState),
    SignOut(SignOutState),
    Demo(DemoState),
}

impl Screen {
    /// The page title.
    pub fn title(&self, locale: Locale) -> &'static str {
        locale.text(match self {
            Screen::SignIn(_) => Msg::SignInTitle,
            Screen::Register(_) => Msg::RegisterTitle,
            Screen::Error(_) => Msg::ErrorPageTitle,
            Screen::FormPost(_) => Msg::ContinueTitle,
            Screen::Home(_) => Msg::HomeTitle,
            Screen::SignOut(s) if s.done => Msg::SignedOutTitle,
            Screen::SignOut(_) => Msg::SignOutTitle,
            Screen::Demo(_) => Msg::DemoTitle,
        })
    }

    /// The HTTP status the page is served with.
    pub fn status(&self) -> u16 {
        match self {
            Screen::Error(e) => e.kind.status(),
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

/// A WebAuthn request as the passkey island will receive it (used from the MFA issue on).
pub type PasskeyRequestOptions = webauthn_rs_proto::PublicKeyCredentialRequestOptions;

#[cfg(test)]
mod tests {
    use super::rules::*;
    use super::*;

    #[test]
    fn password_length_counts_code_points() {
        assert_eq!(password("short"), Err(UiError::PasswordTooShort { min: 8 }));
        // 8 code points, 24 bytes.
        assert_eq!(password("パスワードです！"), Ok(()));
        assert!(password(&"a".repeat(257)).is_err());
        assert_eq!(password(&"a".repeat(256)), Ok(()));
    }

    #[test]
    fn usernames() {
        assert_eq!(username("alice_1"), Ok(()));
        assert_eq!(username("1alice"), Err(UiError::InvalidUsername));
        assert_eq!(username("al"), Err(UiError::UsernameTooShort { min: 3 }));
        assert_eq!(username("alice smith"), Err(UiError::InvalidUsername));
    }

    #[test]
    fn emails() {
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
    }

    #[test]
    fn optional_rules_accept_empty() {
        assert_eq!(Rule::OptionalEmail.check(""), Ok(()));
        assert_eq!(Rule::OptionalEmail.check("x"), Err(UiError::InvalidEmail));
        assert_eq!(Rule::Email.check(""), Err(UiError::Required));
    }

    #[test]
    fn every_error_has_a_message_in_every_locale() {
        for l in Locale::ALL {
            assert!(!UiError::PasswordTooShort { min: 8 }
                .message(l)
                .contains("{n}"));
        }
    }
}

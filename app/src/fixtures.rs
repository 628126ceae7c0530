//! Every screen in every state, from made-up data: the theme gallery shows them, and the
//! render tests check them.

use crate::api::*;
use crate::i18n::Locale;

fn demo_client() -> Option<ClientInfo> {
    Some(ClientInfo {
        name: "Acme Notes".into(),
        logo_uri: None,
    })
}

/// Named screens with their state, in the gallery's order.
pub fn screens() -> Vec<(&'static str, Screen)> {
    vec![
        (
            "sign-in",
            Screen::SignIn(SignInState {
                client: demo_client(),
                registration_enabled: true,
                ..Default::default()
            }),
        ),
        (
            "sign-in-error",
            Screen::SignIn(SignInState {
                client: demo_client(),
                identifier: "alice@example.com".into(),
                errors: FormErrors::form(UiError::InvalidCredentials),
                registration_enabled: true,
            }),
        ),
        (
            "sign-in-field-errors",
            Screen::SignIn(SignInState {
                client: None,
                identifier: String::new(),
                errors: FormErrors {
                    fields: vec![
                        (Field::Identifier, UiError::Required),
                        (Field::Password, UiError::Required),
                    ],
                    form: None,
                },
                registration_enabled: false,
            }),
        ),
        (
            "register",
            Screen::Register(RegisterState {
                client: demo_client(),
                ..Default::default()
            }),
        ),
        (
            "register-errors",
            Screen::Register(RegisterState {
                client: demo_client(),
                username: "alice".into(),
                email: "alice@example".into(),
                errors: FormErrors {
                    fields: vec![
                        (Field::Username, UiError::UsernameTaken),
                        (Field::Email, UiError::InvalidEmail),
                        (Field::NewPassword, UiError::PasswordTooShort { min: 8 }),
                        (Field::ConfirmPassword, UiError::PasswordMismatch),
                    ],
                    form: None,
                },
            }),
        ),
        (
            "error-unknown-client",
            Screen::Error(ErrorState {
                kind: ErrorKind::UnknownClient,
                detail: Some("client_id=unknown-app".into()),
            }),
        ),
        (
            "error-expired",
            Screen::Error(ErrorState {
                kind: ErrorKind::InteractionExpired,
                detail: None,
            }),
        ),
        (
            "form-post",
            Screen::FormPost(FormPostState {
                action: "https://app.example.com/callback".into(),
                fields: vec![
                    ("code".into(), "abc".into()),
                    ("state".into(), "xyz".into()),
                ],
            }),
        ),
        (
            "home-signed-in",
            Screen::Home(HomeState {
                signed_in_as: Some("alice".into()),
            }),
        ),
        ("home-signed-out", Screen::Home(HomeState::default())),
        ("sign-out", Screen::SignOut(SignOutState::default())),
        (
            "signed-out",
            Screen::SignOut(SignOutState {
                done: true,
                return_to: None,
            }),
        ),
        ("demo-signed-out", Screen::Demo(DemoState::default())),
        (
            "demo-signed-in",
            Screen::Demo(DemoState {
                id_token_claims: Some("{\n  \"sub\": \"3f1c…\",\n  \"aud\": \"demo\"\n}".into()),
                userinfo: Some("{\n  \"sub\": \"3f1c…\"\n}".into()),
                subject_label: Some("alice".into()),
                error: None,
            }),
        ),
    ]
}

/// A fixture as a page in `locale`.
pub fn page(screen: Screen, locale: Locale) -> Page {
    Page {
        env: PageEnv::fixture(locale),
        screen,
    }
}

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

fn sign_in() -> SignInState {
    SignInState {
        client: demo_client(),
        kinds: vec![IdentifierKind::Username, IdentifierKind::Email],
        password: true,
        code: true,
        forgot_password: true,
        registration_enabled: true,
        ..Default::default()
    }
}

fn providers() -> Federation {
    let p = |id: &str, name: &str| ProviderButton {
        id: id.into(),
        name: name.into(),
        icon: id.into(),
    };
    Federation {
        providers: vec![
            p("google", "Google"),
            p("microsoft", "Microsoft"),
            p("apple", "Apple"),
            p("github", "GitHub"),
            p("gitlab", "GitLab"),
            p("line", "LINE"),
            p("oidc", "Example ID"),
        ],
        sso: true,
        linking: None,
    }
}

fn link() -> LinkState {
    LinkState {
        client: demo_client(),
        provider: "GitHub".into(),
        email: Some("alice@example.com".into()),
        collision: false,
        can_create: true,
        errors: FormErrors::default(),
    }
}

fn terms(checkbox: bool) -> TermsView {
    TermsView {
        terms_url: Some("https://example.com/terms".into()),
        privacy_url: Some("https://example.com/privacy".into()),
        checkbox,
    }
}

fn register() -> RegisterState {
    RegisterState {
        client: demo_client(),
        kinds: vec![IdentifierKind::Email],
        secondary: vec![IdentifierKind::Username],
        password: true,
        password_rules: PasswordRules::default(),
        username_rules: (3, 32),
        terms: Some(terms(true)),
        sign_in_enabled: true,
        ..Default::default()
    }
}

fn verify_code() -> VerifyCodeState {
    VerifyCodeState {
        client: demo_client(),
        recipient: "alice@example.com".into(),
        digits: 6,
        back: "/sign-in".into(),
        ..Default::default()
    }
}

fn profile_field(name: &str, kind: ProfileKind, label: &str, required: bool) -> ProfileFieldView {
    ProfileFieldView {
        name: format!("profile.{name}"),
        kind,
        label: label.into(),
        hint: None,
        required,
        options: Vec::new(),
        pattern: None,
        min: None,
        max: None,
    }
}

fn continue_profile() -> ContinueState {
    ContinueState {
        client: demo_client(),
        username: Some((3, 32)),
        fields: vec![
            profile_field("name", ProfileKind::FullName, "Name", true),
            profile_field("birthdate", ProfileKind::Date, "Date of birth", false),
            profile_field("website", ProfileKind::Url, "Website", false),
            ProfileFieldView {
                options: vec![
                    ("dev".into(), "Developer".into()),
                    ("ops".into(), "Operator".into()),
                ],
                ..profile_field("role", ProfileKind::Select, "Role", true)
            },
            ProfileFieldView {
                pattern: Some("[0-9]{3}-[0-9]{4}".into()),
                hint: Some("Like 123-4567".into()),
                ..profile_field("member_no", ProfileKind::Regex, "Member number", false)
            },
            profile_field("address", ProfileKind::Address, "Address", false),
            profile_field(
                "newsletter",
                ProfileKind::Checkbox,
                "Send me the newsletter",
                true,
            ),
        ],
        ..Default::default()
    }
}

/// A made-up WebAuthn request (the gallery never runs a ceremony).
const WEBAUTHN_GET: &str = r#"{"publicKey":{"challenge":"AAAA","rpId":"example.com","allowCredentials":[],"userVerification":"required"}}"#;
/// A made-up WebAuthn creation request.
const WEBAUTHN_CREATE: &str = r#"{"publicKey":{"challenge":"AAAA"}}"#;

fn mfa_verify(factor: MfaFactor) -> MfaVerifyState {
    MfaVerifyState {
        client: demo_client(),
        factor,
        others: true,
        remember_days: Some(30),
        ..Default::default()
    }
}

fn mfa_methods() -> Vec<MfaMethod> {
    vec![
        MfaMethod {
            factor: MfaFactor::Totp,
            detail: None,
        },
        MfaMethod {
            factor: MfaFactor::Webauthn,
            detail: None,
        },
        MfaMethod {
            factor: MfaFactor::Email,
            detail: Some("a•••@example.com".into()),
        },
        MfaMethod {
            factor: MfaFactor::Sms,
            detail: Some("•••• 5678".into()),
        },
        MfaMethod {
            factor: MfaFactor::BackupCode,
            detail: None,
        },
    ]
}

fn setup_methods() -> Vec<MfaMethod> {
    mfa_methods().into_iter().take(2).collect()
}

/// A QR-code-like picture (the gallery has no secret to encode).
const FAKE_QR: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 7 7" shape-rendering="crispEdges"><rect width="7" height="7" fill="#fff"/><path d="M0 0h3v3H0zM4 0h3v3H4zM0 4h3v3H0zM4 4h1v1H4zM6 5h1v2H6zM5 6h1v1H5z" fill="#000"/></svg>"##;

fn totp_setup() -> TotpSetupState {
    TotpSetupState {
        client: demo_client(),
        qr_svg: FAKE_QR.into(),
        secret: "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP".into(),
        uri: "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme".into(),
        others: true,
        errors: FormErrors::default(),
    }
}

/// Named screens with their state, in the gallery's order.
pub fn screens() -> Vec<(&'static str, Screen)> {
    vec![
        ("sign-in", Screen::SignIn(sign_in())),
        (
            "sign-in-error",
            Screen::SignIn(SignInState {
                identifier: "alice@example.com".into(),
                errors: FormErrors::form(UiError::InvalidCredentials),
                ..sign_in()
            }),
        ),
        (
            "sign-in-field-errors",
            Screen::SignIn(SignInState {
                client: None,
                errors: FormErrors {
                    fields: vec![
                        (Field::Identifier, UiError::Required),
                        (Field::Password, UiError::Required),
                    ],
                    ..Default::default()
                },
                registration_enabled: false,
                ..sign_in()
            }),
        ),
        (
            "sign-in-locked",
            Screen::SignIn(SignInState {
                identifier: "alice@example.com".into(),
                errors: FormErrors::form(UiError::Locked { minutes: 42 }),
                ..sign_in()
            }),
        ),
        (
            "sign-in-password-changed",
            Screen::SignIn(SignInState {
                identifier: "alice@example.com".into(),
                notice: Some(Notice::PasswordChanged),
                ..sign_in()
            }),
        ),
        (
            "identifier-sign-in",
            Screen::SignIn(SignInState {
                step: SignInStep::Identifier,
                ..sign_in()
            }),
        ),
        (
            "sign-in-password-step",
            Screen::SignIn(SignInState {
                step: SignInStep::Password,
                identifier: "alice@example.com".into(),
                ..sign_in()
            }),
        ),
        ("register", Screen::Register(register())),
        (
            "register-errors",
            Screen::Register(RegisterState {
                values: vec![
                    (Field::Email, "alice@example".into()),
                    (Field::Username, "alice".into()),
                ],
                errors: FormErrors {
                    fields: vec![
                        (Field::Email, UiError::InvalidEmail),
                        (Field::Username, UiError::UsernameTaken),
                        (Field::NewPassword, UiError::PasswordCommon),
                        (Field::ConfirmPassword, UiError::PasswordMismatch),
                        (Field::Terms, UiError::TermsRequired),
                    ],
                    ..Default::default()
                },
                ..register()
            }),
        ),
        (
            "register-email-or-phone",
            Screen::Register(RegisterState {
                kinds: vec![IdentifierKind::Email, IdentifierKind::Phone],
                secondary: Vec::new(),
                password: false,
                terms: None,
                ..register()
            }),
        ),
        ("verify-code", Screen::VerifyCode(verify_code())),
        (
            "verify-code-error",
            Screen::VerifyCode(VerifyCodeState {
                errors: FormErrors::field(Field::Code, UiError::CodeInvalid),
                ..verify_code()
            }),
        ),
        (
            "verify-code-sms-resent",
            Screen::VerifyCode(VerifyCodeState {
                recipient: "+81312345678".into(),
                by_sms: true,
                notice: Some(Notice::CodeSent),
                purpose: CodePurpose::ResetPassword,
                ..verify_code()
            }),
        ),
        (
            "reset-password",
            Screen::ResetPassword(ResetPasswordState {
                client: demo_client(),
                kinds: vec![IdentifierKind::Email, IdentifierKind::Phone],
                identifier: String::new(),
                errors: FormErrors::default(),
            }),
        ),
        (
            "new-password",
            Screen::NewPassword(NewPasswordState {
                client: demo_client(),
                account: "alice@example.com".into(),
                password_rules: PasswordRules::default(),
                errors: FormErrors::field(Field::NewPassword, UiError::PasswordPersonal),
            }),
        ),
        (
            "suspended",
            Screen::Notice(NoticeState {
                kind: NoticeKind::Suspended,
                subject: None,
                terms: None,
                errors: FormErrors::default(),
            }),
        ),
        (
            "no-account",
            Screen::Notice(NoticeState {
                kind: NoticeKind::NoAccount,
                subject: Some("nobody@example.com".into()),
                terms: None,
                errors: FormErrors::default(),
            }),
        ),
        (
            "terms-update",
            Screen::Notice(NoticeState {
                kind: NoticeKind::TermsUpdate,
                subject: None,
                terms: Some(terms(true)),
                errors: FormErrors::default(),
            }),
        ),
        ("continue-profile", Screen::Continue(continue_profile())),
        (
            "continue-profile-errors",
            Screen::Continue(ContinueState {
                values: vec![
                    ("profile.birthdate".into(), "2023-02-30".into()),
                    ("profile.website".into(), "ftp://x".into()),
                ],
                errors: vec![
                    ("username".into(), UiError::UsernameTaken),
                    ("profile.birthdate".into(), UiError::InvalidDate),
                    ("profile.website".into(), UiError::InvalidUrl),
                    ("profile.name.given_name".into(), UiError::Required),
                    ("profile.newsletter".into(), UiError::CheckboxRequired),
                ],
                ..continue_profile()
            }),
        ),
        ("outbox-empty", Screen::Outbox(OutboxState::default())),
        (
            "outbox",
            Screen::Outbox(OutboxState {
                messages: vec![OutboxMessage {
                    channel: "email".into(),
                    recipient: "alice@example.com".into(),
                    subject: "Your Sesame code: 123456".into(),
                    body: "Your verification code is 123456.".into(),
                    created_at: 0,
                }],
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
                ..Default::default()
            }),
        ),
        (
            "sign-out-app",
            Screen::SignOut(SignOutState {
                client: demo_client(),
                logout: Some(LogoutRequest {
                    client_id: "notes".into(),
                    post_logout_redirect_uri: Some("https://notes.example/bye".into()),
                    state: Some("abc".into()),
                }),
                ..Default::default()
            }),
        ),
        (
            "signed-out-apps",
            Screen::SignOut(SignOutState {
                done: true,
                client: demo_client(),
                return_to: Some("https://notes.example/bye?state=abc".into()),
                frames: vec![("Acme Notes".into(), "about:blank".into())],
                ..Default::default()
            }),
        ),
        (
            "sign-in-passkey",
            Screen::SignIn(SignInState {
                passkey: Some(WEBAUTHN_GET.into()),
                ..sign_in()
            }),
        ),
        ("mfa-totp", Screen::MfaVerify(mfa_verify(MfaFactor::Totp))),
        (
            "mfa-totp-error",
            Screen::MfaVerify(MfaVerifyState {
                errors: FormErrors::field(Field::Code, UiError::CodeInvalidLeft { left: 4 }),
                ..mfa_verify(MfaFactor::Totp)
            }),
        ),
        (
            "mfa-totp-replayed",
            Screen::MfaVerify(MfaVerifyState {
                errors: FormErrors::field(Field::Code, UiError::CodeUsed),
                ..mfa_verify(MfaFactor::Totp)
            }),
        ),
        (
            "mfa-locked",
            Screen::MfaVerify(MfaVerifyState {
                errors: FormErrors::form(UiError::Locked { minutes: 15 }),
                ..mfa_verify(MfaFactor::Totp)
            }),
        ),
        (
            "mfa-webauthn",
            Screen::MfaVerify(MfaVerifyState {
                webauthn: Some(WEBAUTHN_GET.into()),
                ..mfa_verify(MfaFactor::Webauthn)
            }),
        ),
        (
            "mfa-backup-code",
            Screen::MfaVerify(MfaVerifyState {
                backup_left: Some(7),
                ..mfa_verify(MfaFactor::BackupCode)
            }),
        ),
        (
            "mfa-backup-code-error",
            Screen::MfaVerify(MfaVerifyState {
                backup_left: Some(7),
                errors: FormErrors::field(
                    Field::BackupCode,
                    UiError::BackupCodeInvalid { left: 3 },
                ),
                ..mfa_verify(MfaFactor::BackupCode)
            }),
        ),
        ("mfa-email", Screen::MfaVerify(mfa_verify(MfaFactor::Email))),
        (
            "mfa-sms-only",
            Screen::MfaVerify(MfaVerifyState {
                others: false,
                remember_days: None,
                ..mfa_verify(MfaFactor::Sms)
            }),
        ),
        (
            "verify-code-mfa",
            Screen::VerifyCode(VerifyCodeState {
                purpose: CodePurpose::Mfa,
                back: "/mfa/methods".into(),
                ..verify_code()
            }),
        ),
        (
            "mfa-methods",
            Screen::MfaChoice(MfaChoiceState {
                client: demo_client(),
                methods: mfa_methods(),
                ..Default::default()
            }),
        ),
        (
            "mfa-methods-webauthn-failed",
            Screen::MfaChoice(MfaChoiceState {
                client: demo_client(),
                methods: mfa_methods(),
                errors: FormErrors::form(UiError::WebauthnFailed),
                ..Default::default()
            }),
        ),
        (
            "mfa-setup-required",
            Screen::MfaChoice(MfaChoiceState {
                client: demo_client(),
                setup: true,
                methods: setup_methods(),
                skippable: false,
                errors: FormErrors::default(),
            }),
        ),
        (
            "mfa-setup-prompt",
            Screen::MfaChoice(MfaChoiceState {
                client: demo_client(),
                setup: true,
                methods: setup_methods(),
                skippable: true,
                errors: FormErrors::default(),
            }),
        ),
        ("totp-setup", Screen::TotpSetup(totp_setup())),
        (
            "totp-setup-error",
            Screen::TotpSetup(TotpSetupState {
                errors: FormErrors::field(Field::Code, UiError::CodeInvalidLeft { left: 9 }),
                ..totp_setup()
            }),
        ),
        (
            "webauthn-setup",
            Screen::WebauthnSetup(WebauthnSetupState {
                client: demo_client(),
                options: WEBAUTHN_CREATE.into(),
                prompt: false,
                others: true,
                errors: FormErrors::default(),
            }),
        ),
        (
            "webauthn-setup-refused",
            Screen::WebauthnSetup(WebauthnSetupState {
                client: demo_client(),
                options: WEBAUTHN_CREATE.into(),
                prompt: false,
                others: true,
                errors: FormErrors::form(UiError::WebauthnRefused),
            }),
        ),
        (
            "passkey-prompt",
            Screen::WebauthnSetup(WebauthnSetupState {
                client: demo_client(),
                options: WEBAUTHN_CREATE.into(),
                prompt: true,
                others: false,
                errors: FormErrors::default(),
            }),
        ),
        (
            "backup-codes",
            Screen::BackupCodes(BackupCodesState {
                client: demo_client(),
                codes: (0..10).map(|i| format!("k{i}m7-q4xz-8hd{i}")).collect(),
                download: "#backup-codes.txt".into(),
                errors: FormErrors::default(),
            }),
        ),
        (
            "sign-in-providers",
            Screen::SignIn(SignInState {
                federation: providers(),
                ..sign_in()
            }),
        ),
        (
            "sign-in-provider-cancelled",
            Screen::SignIn(SignInState {
                federation: providers(),
                errors: FormErrors::form(UiError::FederationCancelled {
                    provider: "Google".into(),
                }),
                ..sign_in()
            }),
        ),
        (
            "sign-in-provider-failed",
            Screen::SignIn(SignInState {
                federation: providers(),
                errors: FormErrors::form(UiError::FederationFailed {
                    provider: "GitHub".into(),
                }),
                ..sign_in()
            }),
        ),
        (
            "consent",
            Screen::Consent(ConsentState {
                client: Some(ClientInfo {
                    name: "Third Party Notes".into(),
                    logo_uri: Some("/logo.svg".into()),
                }),
                user: "ada@example.com".into(),
                items: [
                    ("openid", "Know that it is you (your account's identifier)"),
                    ("profile", "See your name and profile details"),
                    ("email", "See your email address"),
                ]
                .into_iter()
                .map(|(scope, description)| ConsentItem {
                    scope: scope.into(),
                    description: description.into(),
                })
                .collect(),
                resources: vec![ConsentResource {
                    name: "Notes API".into(),
                    items: vec![ConsentItem {
                        scope: "notes:read".into(),
                        description: "Read your notes".into(),
                    }],
                }],
                tos_uri: Some("https://third.example/terms".into()),
                policy_uri: Some("https://third.example/privacy".into()),
                ..Default::default()
            }),
        ),
        (
            "consent-more",
            Screen::Consent(ConsentState {
                client: Some(ClientInfo {
                    name: "Third Party Notes".into(),
                    logo_uri: None,
                }),
                user: "ada".into(),
                items: vec![ConsentItem {
                    scope: "phone".into(),
                    description: "See your phone number".into(),
                }],
                extending: true,
                ..Default::default()
            }),
        ),
        (
            "sign-in-with-link",
            Screen::SignIn(SignInState {
                link: true,
                ..sign_in()
            }),
        ),
        (
            "link-sent",
            Screen::MagicLink(MagicLinkState {
                client: demo_client(),
                step: MagicStep::Sent,
                email: "ada@example.com".into(),
                ..Default::default()
            }),
        ),
        (
            "link-landing",
            Screen::MagicLink(MagicLinkState {
                client: demo_client(),
                step: MagicStep::Landing,
                email: "ada@example.com".into(),
                token: "t".into(),
                ..Default::default()
            }),
        ),
        (
            "link-landing-switch",
            Screen::MagicLink(MagicLinkState {
                step: MagicStep::Landing,
                email: "ada@example.com".into(),
                token: "t".into(),
                signed_in_as: Some("grace".into()),
                ..Default::default()
            }),
        ),
        (
            "link-landing-new-account",
            Screen::MagicLink(MagicLinkState {
                step: MagicStep::Landing,
                email: "new@example.com".into(),
                token: "t".into(),
                new_account: true,
                ..Default::default()
            }),
        ),
        (
            "invitation",
            Screen::MagicLink(MagicLinkState {
                step: MagicStep::Landing,
                email: "guest@example.com".into(),
                token: "t".into(),
                new_account: true,
                invitation: true,
                ..Default::default()
            }),
        ),
        (
            "link-spent",
            Screen::MagicLink(MagicLinkState {
                step: MagicStep::Spent,
                errors: FormErrors::form(UiError::LinkSpent),
                ..Default::default()
            }),
        ),
        (
            "sign-in-sso-unsolicited",
            Screen::SignIn(SignInState {
                federation: providers(),
                errors: FormErrors::form(UiError::FederationUnsolicited {
                    provider: "Acme SAML".into(),
                }),
                ..sign_in()
            }),
        ),
        (
            "continue-missing-identifiers",
            Screen::Continue(ContinueState {
                client: demo_client(),
                username: Some((3, 32)),
                identifiers: vec![IdentifierKind::Email],
                ..Default::default()
            }),
        ),
        (
            "continue-identifier-taken",
            Screen::Continue(ContinueState {
                client: demo_client(),
                identifiers: vec![IdentifierKind::Email, IdentifierKind::Phone],
                values: vec![
                    ("email".into(), "ada@example.com".into()),
                    ("phone".into(), "+81 90 1234 5678".into()),
                ],
                errors: vec![("email".into(), UiError::EmailTaken)],
                ..Default::default()
            }),
        ),
        (
            "sign-in-to-link",
            Screen::SignIn(SignInState {
                federation: Federation {
                    linking: Some("GitHub".into()),
                    ..providers()
                },
                ..sign_in()
            }),
        ),
        (
            "register-providers",
            Screen::Register(RegisterState {
                federation: providers(),
                ..register()
            }),
        ),
        (
            "sso",
            Screen::Sso(SsoState {
                client: demo_client(),
                ..Default::default()
            }),
        ),
        (
            "sso-unknown-domain",
            Screen::Sso(SsoState {
                client: demo_client(),
                email: "jo@unknown.example".into(),
                errors: FormErrors::field(Field::Email, UiError::SsoNoConnector),
            }),
        ),
        ("link-new", Screen::Link(link())),
        (
            "link-existing-email",
            Screen::Link(LinkState {
                collision: true,
                ..link()
            }),
        ),
        (
            "link-registration-closed",
            Screen::Link(LinkState {
                email: None,
                can_create: false,
                ..link()
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

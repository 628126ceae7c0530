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
    let mut all = base_screens();
    all.extend(account_screens());
    all
}

fn base_screens() -> Vec<(&'static str, Screen)> {
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
                account: true,
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
        (
            "consent-organizations",
            Screen::Consent(ConsentState {
                client: Some(ClientInfo {
                    name: "Third Party Notes".into(),
                    logo_uri: None,
                }),
                user: "ada".into(),
                items: vec![ConsentItem {
                    scope: "organizations".into(),
                    description: "See the organizations you belong to".into(),
                }],
                organizations: vec![
                    ("acme".into(), "Acme".into(), true),
                    ("globex".into(), "Globex".into(), false),
                ],
                ..Default::default()
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

fn account(section: AccountSection, page: AccountPage) -> Screen {
    account_with(section, page, None, FormErrors::default())
}

fn account_with(
    section: AccountSection,
    page: AccountPage,
    notice: Option<AccountNotice>,
    errors: FormErrors,
) -> Screen {
    Screen::Account(AccountState {
        user: "ada".into(),
        sections: ALL_SECTIONS.to_vec(),
        section,
        page,
        notice,
        errors,
        values: Vec::new(),
    })
}

fn factor(id: &str, name: &str, removable: bool) -> FactorView {
    FactorView {
        id: id.into(),
        name: name.into(),
        created_at: 1_764_000_000,
        last_used_at: Some(1_764_500_000),
        removable,
    }
}

fn verify_page(methods: Vec<VerifyMethod>, chosen: VerifyMethod) -> VerifyPage {
    VerifyPage {
        second_factor: matches!(
            chosen,
            VerifyMethod::Totp | VerifyMethod::Webauthn | VerifyMethod::BackupCode
        ),
        methods,
        chosen: Some(chosen),
        digits: 6,
        minutes: 5,
        next: "/account/email".into(),
        ..Default::default()
    }
}

fn organization_page(role: &str) -> OrganizationPage {
    OrganizationPage {
        id: "acme".into(),
        name: "Acme".into(),
        description: "Rockets and anvils".into(),
        logo_url: String::new(),
        color: "#aa3300".into(),
        mfa_required: false,
        domains: "acme.example".into(),
        role: role.into(),
        members: vec![
            MemberView {
                user_id: "u1".into(),
                label: "ada".into(),
                email: Some("ada@acme.example".into()),
                role: ROLE_ADMIN.into(),
                is_me: true,
            },
            MemberView {
                user_id: "u2".into(),
                label: "grace".into(),
                email: Some("grace@acme.example".into()),
                role: ROLE_MEMBER.into(),
                is_me: false,
            },
        ],
        invitations: vec![InvitationView {
            id: "i1".into(),
            organization: "Acme".into(),
            email: "linus@example.com".into(),
            role: ROLE_MEMBER.into(),
            expires_at: 1_765_000_000,
        }],
        switcher: vec![
            ("acme".into(), "Acme".into()),
            ("globex".into(), "Globex".into()),
        ],
    }
}

/// The account center and organization screens, each state once.
pub fn account_screens() -> Vec<(&'static str, Screen)> {
    use AccountSection as S;
    let masked = "a•••@example.com".to_string();
    vec![
        (
            "account",
            account(
                S::Overview,
                AccountPage::Overview(AccountOverview {
                    name: Some("Ada Lovelace".into()),
                    picture: Some("/logo.svg".into()),
                    rows: vec![
                        (S::Profile, "Ada Lovelace".into()),
                        (S::Email, "ada@example.com (verified)".into()),
                        (S::Phone, "Not set".into()),
                        (S::Password, "Set".into()),
                        (S::Mfa, "On".into()),
                        (S::Identities, "1".into()),
                        (S::Sessions, "2".into()),
                        (S::Apps, "1".into()),
                        (S::Tokens, "0".into()),
                        (S::Organizations, "2".into()),
                    ],
                }),
            ),
        ),
        (
            "account-profile",
            account_with(
                S::Profile,
                AccountPage::Profile(AccountProfile {
                    name: Some(ProfileValue {
                        value: "Ada Lovelace".into(),
                        editable: true,
                    }),
                    picture: Some(ProfileValue {
                        value: String::new(),
                        editable: true,
                    }),
                    username: Some(ProfileValue {
                        value: "ada".into(),
                        editable: false,
                    }),
                    username_rules: (3, 32),
                    fields: vec![profile_field("birthdate", ProfileKind::Date, "Date of birth", false)],
                    field_values: vec![("profile.birthdate".into(), "1815-12-10".into())],
                    fields_editable: true,
                }),
                Some(AccountNotice::Saved),
                FormErrors::default(),
            ),
        ),
        (
            "account-email",
            account(
                S::Email,
                AccountPage::Contact(ContactPage {
                    current: Some("ada@example.com".into()),
                    verified: true,
                    digits: 6,
                    editable: true,
                    removable: true,
                    ..Default::default()
                }),
            ),
        ),
        (
            "account-email-code",
            account_with(
                S::Email,
                AccountPage::Contact(ContactPage {
                    current: Some("ada@example.com".into()),
                    verified: true,
                    pending: Some("ada@newmail.example".into()),
                    digits: 6,
                    editable: true,
                    removable: true,
                    ..Default::default()
                }),
                Some(AccountNotice::CodeSent),
                FormErrors::default(),
            ),
        ),
        (
            "account-phone-only-way",
            account(
                S::Phone,
                AccountPage::Contact(ContactPage {
                    phone: true,
                    current: Some("+81 90 1234 5678".into()),
                    verified: true,
                    digits: 6,
                    editable: true,
                    removable: false,
                    ..Default::default()
                }),
            ),
        ),
        (
            "account-password",
            account(
                S::Password,
                AccountPage::Password(PasswordPage {
                    has_password: true,
                    rules: PasswordRules::default(),
                    editable: true,
                }),
            ),
        ),
        (
            "account-verify-password",
            account_with(
                S::Email,
                AccountPage::Verify(verify_page(
                    vec![VerifyMethod::Password, VerifyMethod::EmailCode(masked.clone())],
                    VerifyMethod::Password,
                )),
                None,
                FormErrors::field(Field::Password, UiError::InvalidCredentials),
            ),
        ),
        (
            "account-verify-code",
            account(
                S::Email,
                AccountPage::Verify(VerifyPage {
                    code_sent: true,
                    ..verify_page(
                        vec![VerifyMethod::Password, VerifyMethod::EmailCode(masked.clone())],
                        VerifyMethod::EmailCode(masked.clone()),
                    )
                }),
            ),
        ),
        (
            "account-verify-second-factor",
            account(
                S::Mfa,
                AccountPage::Verify(verify_page(
                    vec![VerifyMethod::Totp, VerifyMethod::BackupCode],
                    VerifyMethod::Totp,
                )),
            ),
        ),
        (
            "account-identities",
            account(
                S::Identities,
                AccountPage::Identities(IdentitiesPage {
                    linked: vec![
                        IdentityView {
                            connector: "github".into(),
                            subject: "1".into(),
                            provider: "GitHub".into(),
                            email: Some("ada@users.github.example".into()),
                            enterprise: false,
                            linked_at: 1_764_000_000,
                            last_used_at: 1_764_000_000,
                            removable: true,
                        },
                        IdentityView {
                            connector: "acme".into(),
                            subject: "2".into(),
                            provider: "Acme SSO".into(),
                            email: Some("ada@acme.example".into()),
                            enterprise: true,
                            linked_at: 1_764_000_000,
                            last_used_at: 1_764_000_000,
                            removable: true,
                        },
                    ],
                    available: vec![("google".into(), "Google".into())],
                    editable: true,
                }),
            ),
        ),
        (
            "account-identities-empty",
            account(
                S::Identities,
                AccountPage::Identities(IdentitiesPage {
                    available: vec![("google".into(), "Google".into()), ("github".into(), "GitHub".into())],
                    editable: true,
                    ..Default::default()
                }),
            ),
        ),
        (
            "account-mfa",
            account(
                S::Mfa,
                AccountPage::Mfa(MfaPage {
                    totp_allowed: true,
                    webauthn_allowed: true,
                    backup_codes_allowed: true,
                    totp: Some(factor("t1", "Sesame", true)),
                    passkeys: vec![factor("p1", "Work laptop", true)],
                    backup_codes_left: 8,
                    mandatory: false,
                    editable: true,
                }),
            ),
        ),
        (
            "account-mfa-mandatory",
            account_with(
                S::Mfa,
                AccountPage::Mfa(MfaPage {
                    totp_allowed: true,
                    webauthn_allowed: true,
                    backup_codes_allowed: true,
                    totp: Some(factor("t1", "Sesame", false)),
                    passkeys: Vec::new(),
                    backup_codes_left: 0,
                    mandatory: true,
                    editable: true,
                }),
                None,
                FormErrors::form(UiError::FactorRequired),
            ),
        ),
        (
            "account-totp-replace",
            account(
                S::Mfa,
                AccountPage::TotpSetup(AccountTotpSetup {
                    qr_svg: "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 4' width='160' height='160'><rect width='4' height='4' fill='white'/><rect width='2' height='2' fill='black'/></svg>".into(),
                    secret: "JBSW Y3DP EHPK 3PXP".into(),
                    uri: "otpauth://totp/Sesame:ada?secret=JBSWY3DPEHPK3PXP".into(),
                    replacing: true,
                }),
            ),
        ),
        (
            "account-passkey-add",
            account(
                S::Mfa,
                AccountPage::PasskeyAdd(PasskeyAddPage {
                    options: "{}".into(),
                }),
            ),
        ),
        (
            "account-backup-codes",
            account_with(
                S::Mfa,
                AccountPage::BackupCodes(BackupCodesPage {
                    codes: (1..=10).map(|i| format!("{i:04}-7h3k-92qd")).collect(),
                }),
                Some(AccountNotice::BackupCodesNew),
                FormErrors::default(),
            ),
        ),
        (
            "account-sessions",
            account(
                S::Sessions,
                AccountPage::Sessions(SessionsPage {
                    sessions: vec![
                        SessionView {
                            sid: "s1".into(),
                            device: "Firefox on Linux".into(),
                            ip: Some("192.0.2.10".into()),
                            signed_in_at: 1_764_600_000,
                            current: true,
                        },
                        SessionView {
                            sid: "s2".into(),
                            device: "Safari on iOS".into(),
                            ip: Some("198.51.100.4".into()),
                            signed_in_at: 1_764_100_000,
                            current: false,
                        },
                    ],
                    editable: true,
                }),
            ),
        ),
        (
            "account-apps",
            account(
                S::Apps,
                AccountPage::Apps(AppsPage {
                    apps: vec![AppView {
                        client_id: "third".into(),
                        name: "Third Party Notes".into(),
                        logo_uri: Some("/logo.svg".into()),
                        items: vec![ConsentItem {
                            scope: "email".into(),
                            description: "See your email address".into(),
                        }],
                        granted_at: 1_764_000_000,
                    }],
                    editable: true,
                }),
            ),
        ),
        (
            "account-apps-empty",
            account(S::Apps, AccountPage::Apps(AppsPage { apps: Vec::new(), editable: true })),
        ),
        (
            "account-tokens-created",
            account_with(
                S::Tokens,
                AccountPage::Tokens(TokensPage {
                    tokens: vec![TokenView {
                        id: "k1".into(),
                        name: "CI".into(),
                        created_at: 1_764_000_000,
                        expires_at: Some(1_766_592_000),
                        last_used_at: None,
                    }],
                    created: Some("sesame_pat_q2vXv1x7bN0g2eYk3m9aH4cJtL8rW5sD6fP1uZ0yB3".into()),
                    lifetimes: vec![30, 90, 365],
                    editable: true,
                }),
                Some(AccountNotice::TokenCreated),
                FormErrors::default(),
            ),
        ),
        (
            "account-tokens-empty",
            account(
                S::Tokens,
                AccountPage::Tokens(TokensPage {
                    lifetimes: vec![30, 90, 365, 0],
                    editable: true,
                    ..Default::default()
                }),
            ),
        ),
        (
            "account-delete",
            account(
                S::Delete,
                AccountPage::Delete(DeletePage {
                    editable: true,
                    sole_admin_of: Vec::new(),
                }),
            ),
        ),
        (
            "account-delete-sole-admin",
            account(
                S::Delete,
                AccountPage::Delete(DeletePage {
                    editable: true,
                    sole_admin_of: vec!["Acme".into()],
                }),
            ),
        ),
        (
            "account-deleted",
            Screen::Notice(NoticeState {
                kind: NoticeKind::AccountDeleted,
                subject: None,
                terms: None,
                errors: FormErrors::default(),
            }),
        ),
        (
            "organizations",
            account(
                S::Organizations,
                AccountPage::Organizations(OrganizationsPage {
                    organizations: vec![
                        OrganizationSummary {
                            id: "acme".into(),
                            name: "Acme".into(),
                            role: ROLE_ADMIN.into(),
                        },
                        OrganizationSummary {
                            id: "globex".into(),
                            name: "Globex".into(),
                            role: ROLE_MEMBER.into(),
                        },
                    ],
                    invitations: vec![InvitationView {
                        id: "i2".into(),
                        organization: "Initech".into(),
                        email: "ada@example.com".into(),
                        role: ROLE_MEMBER.into(),
                        expires_at: 1_765_000_000,
                    }],
                    can_create: true,
                }),
            ),
        ),
        (
            "organizations-empty",
            account(
                S::Organizations,
                AccountPage::Organizations(OrganizationsPage {
                    can_create: true,
                    ..Default::default()
                }),
            ),
        ),
        (
            "organization-admin",
            account_with(
                S::Organizations,
                AccountPage::Organization(organization_page(ROLE_ADMIN)),
                Some(AccountNotice::InvitationSent),
                FormErrors::default(),
            ),
        ),
        (
            "organization-member",
            account_with(
                S::Organizations,
                AccountPage::Organization(OrganizationPage {
                    invitations: Vec::new(),
                    ..organization_page(ROLE_MEMBER)
                }),
                None,
                FormErrors::form(UiError::LastAdmin),
            ),
        ),
        (
            "org-invitation",
            Screen::Invitation(InvitationState {
                token: "t".into(),
                organization: "Acme".into(),
                email: "linus@example.com".into(),
                role: ROLE_MEMBER.into(),
                step: InvitationStep::SignIn,
                ..Default::default()
            }),
        ),
        (
            "org-invitation-accept",
            Screen::Invitation(InvitationState {
                token: "t".into(),
                organization: "Acme".into(),
                email: "linus@example.com".into(),
                role: ROLE_ADMIN.into(),
                step: InvitationStep::Accept,
                ..Default::default()
            }),
        ),
        (
            "org-invitation-other-user",
            Screen::Invitation(InvitationState {
                token: "t".into(),
                organization: "Acme".into(),
                email: "linus@example.com".into(),
                role: ROLE_MEMBER.into(),
                step: InvitationStep::OtherUser,
                signed_in_as: Some("grace".into()),
                ..Default::default()
            }),
        ),
        (
            "org-invitation-spent",
            Screen::Invitation(InvitationState {
                step: InvitationStep::Spent,
                ..Default::default()
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

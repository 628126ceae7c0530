//! Languages. Every user-facing string is a [`Msg`]; each [`Locale`] must translate every
//! message (the `match` in [`Locale::text`] is exhaustive, so a missing translation does not
//! compile).

use serde::{Deserialize, Serialize};

/// A language Sesame speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
}

impl Locale {
    /// Every supported locale, in the order the language picker lists them.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ja];

    /// The BCP 47 tag used in `<html lang>`, `ui_locales` and `Accept-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ja => "ja",
        }
    }

    /// The language's own name, for the language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ja => "日本語",
        }
    }

    /// Text direction of the script.
    pub fn dir(self) -> &'static str {
        "ltr"
    }

    /// Parses one language tag (`ja`, `ja-JP`, `EN-us`) by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// Chooses the locale: the first supported tag of `ui_locales` (space-separated, in
    /// preference order), else the best-weighted supported entry of `Accept-Language`, else
    /// `default`.
    pub fn negotiate(
        ui_locales: Option<&str>,
        accept_language: Option<&str>,
        default: Locale,
    ) -> Locale {
        if let Some(found) = ui_locales
            .into_iter()
            .flat_map(|s| s.split_whitespace())
            .find_map(Locale::from_tag)
        {
            return found;
        }
        let mut best: Option<(u16, Locale)> = None;
        for entry in accept_language.unwrap_or_default().split(',') {
            let mut parts = entry.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            // q-values have at most three decimals; compare them as thousandths.
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .map(|q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16)
                .unwrap_or(1000);
            if q > 0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or(default)
    }

    /// The translation of `msg`.
    pub fn text(self, msg: Msg) -> &'static str {
        match self {
            Locale::En => en(msg),
            Locale::Ja => ja(msg),
        }
    }

    /// The translation of `msg` with `{n}` replaced by `n`.
    pub fn text_n(self, msg: Msg, n: impl std::fmt::Display) -> String {
        self.text(msg).replace("{n}", &n.to_string())
    }
}

/// Every message of the user interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Msg {
    ProductName,
    LanguageLabel,
    LanguageApply,
    SkipToContent,
    // Sign-in
    SignInTitle,
    SignInTo,
    SignInSubmit,
    IdentifierLabel,
    IdentifierHint,
    PasswordLabel,
    ShowPassword,
    HidePassword,
    NoAccountYet,
    CreateAccountLink,
    // Register
    RegisterTitle,
    RegisterSubmit,
    UsernameLabel,
    UsernameHint,
    EmailLabel,
    NewPasswordLabel,
    NewPasswordHint,
    ConfirmPasswordLabel,
    HaveAccount,
    SignInLink,
    OptionalField,
    // Field and form errors
    ErrRequired,
    ErrInvalidEmail,
    ErrInvalidUsername,
    ErrUsernameTooShort,
    ErrUsernameTooLong,
    ErrPasswordTooShort,
    ErrPasswordTooLong,
    ErrPasswordMismatch,
    ErrUsernameOrEmailRequired,
    ErrUsernameTaken,
    ErrEmailTaken,
    ErrInvalidCredentials,
    ErrFormExpired,
    ErrTooManyAttempts,
    ErrBusy,
    ErrInternal,
    ErrorSummaryTitle,
    AboutService,
    SupportLink,
    ContinueProfileTitle,
    ContinueProfileLead,
    SaveAndContinue,
    AddressStreet,
    AddressLocality,
    AddressRegion,
    AddressPostalCode,
    AddressCountry,
    GivenNameLabel,
    FamilyNameLabel,
    FullNameLabel,
    MiddleNameLabel,
    NicknameLabel,
    WebsiteLabel,
    GenderLabel,
    BirthdateLabel,
    ZoneinfoLabel,
    LocaleLabel,
    AddressLabel,
    ChooseOption,
    ErrTooShort,
    ErrTooLong,
    ErrNotANumber,
    ErrNumberTooSmall,
    ErrNumberTooLarge,
    ErrInvalidDate,
    ErrInvalidUrl,
    ErrInvalidOption,
    ErrPatternMismatch,
    ErrCheckboxRequired,
    PhoneLabel,
    EmailOrPhoneLabel,
    UsernameOrPhoneLabel,
    AnyIdentifierLabel,
    ChangeIdentifier,
    ForgotPassword,
    SendCodeSubmit,
    EmailMeACode,
    TextMeACode,
    SendMeACode,
    VerifyEmailTitle,
    VerifyPhoneTitle,
    CodeLead,
    CodeLeadReset,
    CodeLabel,
    CodeHint,
    VerifySubmit,
    ResendCode,
    UseAnotherEmail,
    UseAnotherPhone,
    ResetPasswordTitle,
    ResetPasswordLead,
    BackToSignIn,
    NewPasswordTitle,
    NewPasswordLead,
    SavePasswordSubmit,
    SuspendedTitle,
    SuspendedBody,
    NoAccountTitle,
    NoAccountBody,
    TermsTitle,
    TermsBody,
    TermsAgree,
    TermsLink,
    PrivacyLink,
    And,
    TermsByContinuing,
    OutboxTitle,
    OutboxLead,
    OutboxEmpty,
    NoticePasswordChanged,
    NoticeCodeSent,
    ErrInvalidPhone,
    ErrEmailNotAccepted,
    ErrIdentifierNotAccepted,
    ErrPasswordCommon,
    ErrPasswordPersonal,
    ErrPasswordClasses,
    ErrPhoneTaken,
    ErrCodeInvalid,
    ErrCodeExpired,
    ErrCodeAttemptsExceeded,
    ErrResendWait,
    ErrSendLimit,
    ErrSendFailed,
    ErrLocked,
    ErrTermsRequired,
    // Error page
    ErrorPageTitle,
    ErrorUnknownClient,
    ErrorInvalidRedirectUri,
    ErrorInvalidRequest,
    ErrorMissingParameter,
    ErrorDuplicateParameter,
    ErrorInteractionExpired,
    ErrorNotFound,
    ErrorInternal,
    ErrorTechnicalDetail,
    ErrorWhatToDo,
    // Signed-in home and sign-out
    HomeTitle,
    HomeSignedInAs,
    HomeSignedOut,
    HomeDemoLink,
    SignOutTitle,
    SignOutQuestion,
    SignOutSubmit,
    SignOutCancel,
    SignedOutTitle,
    SignedOutBody,
    // Response delivery (form_post)
    ContinueTitle,
    ContinueBody,
    ContinueSubmit,
    // Demo relying party
    DemoTitle,
    DemoIntro,
    DemoSignIn,
    DemoSignInForce,
    DemoSignOut,
    DemoSignedInAs,
    DemoIdTokenClaims,
    DemoUserinfo,
    DemoNotSignedIn,
    DemoError,
}

fn en(msg: Msg) -> &'static str {
    use Msg::*;
    match msg {
        ProductName => "Sesame",
        LanguageLabel => "Language",
        LanguageApply => "Change",
        SkipToContent => "Skip to content",
        SignInTitle => "Sign in",
        SignInTo => "to continue to {n}",
        SignInSubmit => "Sign in",
        IdentifierLabel => "Username or email",
        IdentifierHint => "The username or email address of your account.",
        PasswordLabel => "Password",
        ShowPassword => "Show password",
        HidePassword => "Hide password",
        NoAccountYet => "No account yet?",
        CreateAccountLink => "Create an account",
        RegisterTitle => "Create your account",
        RegisterSubmit => "Create account",
        UsernameLabel => "Username",
        UsernameHint => "{n} to {m} letters, digits, dots, hyphens or underscores, starting with a letter.",
        EmailLabel => "Email",
        NewPasswordLabel => "Password",
        NewPasswordHint => "At least {n} characters. Avoid common passwords and your own name or address.",
        ConfirmPasswordLabel => "Confirm password",
        HaveAccount => "Already have an account?",
        SignInLink => "Sign in",
        OptionalField => "optional",
        ErrRequired => "Enter this field.",
        ErrInvalidEmail => "Enter an email address like name@example.com.",
        ErrInvalidUsername => {
            "Use only letters, digits, dots, hyphens and underscores, starting with a letter."
        }
        ErrUsernameTooShort => "Use at least {n} characters.",
        ErrUsernameTooLong => "Use at most {n} characters.",
        ErrPasswordTooShort => "Use at least {n} characters.",
        ErrPasswordTooLong => "Use at most {n} characters.",
        ErrPasswordMismatch => "The passwords do not match.",
        ErrUsernameOrEmailRequired => "Enter a username, an email address, or both.",
        ErrUsernameTaken => "This username is already in use.",
        ErrEmailTaken => "This email address is already in use.",
        ErrInvalidCredentials => "The username, email or password is incorrect.",
        ErrFormExpired => "This page expired. Please try again.",
        ErrTooManyAttempts => "Too many attempts. Please wait a moment and try again.",
        ErrBusy => "The service is busy. Please try again in a moment.",
        ErrInternal => "Something went wrong on our side. Please try again.",
        AboutService => "About this service",
        SupportLink => "Help and support",
        ContinueProfileTitle => "A few more details",
        ContinueProfileLead => "The app needs a little more about you before you continue.",
        SaveAndContinue => "Save and continue",
        AddressStreet => "Street address",
        AddressLocality => "City",
        AddressRegion => "State, province or prefecture",
        AddressPostalCode => "Postal code",
        AddressCountry => "Country",
        GivenNameLabel => "Given name",
        FamilyNameLabel => "Family name",
        FullNameLabel => "Name",
        MiddleNameLabel => "Middle name",
        NicknameLabel => "Nickname",
        WebsiteLabel => "Website",
        GenderLabel => "Gender",
        BirthdateLabel => "Date of birth",
        ZoneinfoLabel => "Time zone",
        LocaleLabel => "Preferred language",
        AddressLabel => "Address",
        ChooseOption => "Choose…",
        ErrTooShort => "Use at least {n} characters.",
        ErrTooLong => "Use at most {n} characters.",
        ErrNotANumber => "Enter a whole number.",
        ErrNumberTooSmall => "Enter {n} or more.",
        ErrNumberTooLarge => "Enter {n} or less.",
        ErrInvalidDate => "Enter a real date.",
        ErrInvalidUrl => "Enter an address starting with https:// or http://.",
        ErrInvalidOption => "Choose one of the options.",
        ErrPatternMismatch => "Enter the value in the format shown.",
        ErrCheckboxRequired => "Tick this box to continue.",
        PhoneLabel => "Phone number",
        EmailOrPhoneLabel => "Email or phone number",
        UsernameOrPhoneLabel => "Username or phone number",
        AnyIdentifierLabel => "Username, email or phone number",
        ChangeIdentifier => "Change",
        ForgotPassword => "Forgot your password?",
        SendCodeSubmit => "Send code",
        EmailMeACode => "Email me a sign-in code instead",
        TextMeACode => "Text me a sign-in code instead",
        SendMeACode => "Send me a sign-in code instead",
        VerifyEmailTitle => "Check your email",
        VerifyPhoneTitle => "Check your phone",
        CodeLead => "Enter the code we sent to",
        CodeLeadReset => "To reset your password, enter the code we sent to",
        CodeLabel => "Verification code",
        CodeHint => "{n} digits.",
        VerifySubmit => "Verify",
        ResendCode => "Send a new code",
        UseAnotherEmail => "Use a different email address",
        UseAnotherPhone => "Use a different phone number",
        ResetPasswordTitle => "Reset your password",
        ResetPasswordLead => "Enter the email address or phone number of your account. We will send you a code.",
        BackToSignIn => "Back to sign in",
        NewPasswordTitle => "Choose a new password",
        NewPasswordLead => "Choose a new password for",
        SavePasswordSubmit => "Save password",
        SuspendedTitle => "This account is suspended",
        SuspendedBody => "You cannot sign in with this account. If you think this is a mistake, contact the support of the service.",
        NoAccountTitle => "No account found",
        NoAccountBody => "There is no account for",
        TermsTitle => "Terms of use",
        TermsBody => "Please read and agree to the terms to continue.",
        TermsAgree => "I agree to the",
        TermsLink => "Terms of use",
        PrivacyLink => "Privacy policy",
        And => "and",
        TermsByContinuing => "By continuing you agree to the",
        OutboxTitle => "Development outbox",
        OutboxLead => "Messages Sesame would have sent. This page exists only in development configurations.",
        OutboxEmpty => "No messages yet.",
        NoticePasswordChanged => "Your password was changed. Sign in with your new password.",
        NoticeCodeSent => "We sent a new code to {n}.",
        ErrInvalidPhone => "Enter a phone number with its country code, like +1 202 555 0143.",
        ErrEmailNotAccepted => "Sign-in with an email address is not available here.",
        ErrIdentifierNotAccepted => "Enter an identifier of a kind this page accepts.",
        ErrPasswordCommon => "This password is too common and easy to guess. Choose another.",
        ErrPasswordPersonal => "Do not use your username, email address or phone number in your password.",
        ErrPasswordClasses => "Use at least {n} of: lower-case letters, upper-case letters, digits, symbols.",
        ErrPhoneTaken => "This phone number is already in use.",
        ErrCodeInvalid => "The code is not correct. Check it and try again.",
        ErrCodeExpired => "The code has expired. Send a new one.",
        ErrCodeAttemptsExceeded => "Too many wrong codes. Start again to get a new code.",
        ErrResendWait => "Wait {n} seconds before asking for a new code.",
        ErrSendLimit => "Too many messages were sent to this address. Try again in {n} minutes.",
        ErrSendFailed => "We could not send the message. Try again in a moment.",
        ErrLocked => "Too many failed attempts. Try again in {n} minutes.",
        ErrTermsRequired => "Agree to the terms to continue.",
        ErrorSummaryTitle => "There is a problem",
        ErrorPageTitle => "Something went wrong",
        ErrorUnknownClient => "The application that sent you here is not registered with Sesame.",
        ErrorInvalidRedirectUri => {
            "The application asked to send you back to an address it has not registered."
        }
        ErrorInvalidRequest => "The sign-in request from the application is not valid.",
        ErrorMissingParameter => "The sign-in request is missing a required parameter.",
        ErrorDuplicateParameter => "The sign-in request repeats a parameter.",
        ErrorInteractionExpired => {
            "This sign-in took too long or was already completed. Go back to the application and start again."
        }
        ErrorNotFound => "This page does not exist.",
        ErrorInternal => "Something went wrong on our side. Please try again later.",
        ErrorTechnicalDetail => "Technical detail",
        ErrorWhatToDo => "Go back to the application and try again. If it keeps happening, contact its support.",
        HomeTitle => "Your Sesame account",
        HomeSignedInAs => "You are signed in as {n}.",
        HomeSignedOut => "You are not signed in.",
        HomeDemoLink => "Open the demo application",
        SignOutTitle => "Sign out",
        SignOutQuestion => "Do you want to sign out of Sesame?",
        SignOutSubmit => "Sign out",
        SignOutCancel => "Stay signed in",
        SignedOutTitle => "Signed out",
        SignedOutBody => "You have signed out of Sesame.",
        ContinueTitle => "Continue",
        ContinueBody => "Returning you to the application.",
        ContinueSubmit => "Continue",
        DemoTitle => "Demo application",
        DemoIntro => {
            "This page is a relying party that is part of Sesame's default configuration. It signs you in with OpenID Connect and shows what it received."
        }
        DemoSignIn => "Sign in",
        DemoSignInForce => "Sign in again (prompt=login)",
        DemoSignOut => "Sign out",
        DemoSignedInAs => "Signed in as {n}",
        DemoIdTokenClaims => "ID token claims",
        DemoUserinfo => "Userinfo response",
        DemoNotSignedIn => "You are not signed in to the demo application.",
        DemoError => "Sign-in did not complete: {n}",
    }
}

fn ja(msg: Msg) -> &'static str {
    use Msg::*;
    match msg {
        ProductName => "Sesame",
        LanguageLabel => "言語",
        LanguageApply => "変更",
        SkipToContent => "本文へスキップ",
        SignInTitle => "サインイン",
        SignInTo => "{n} に進むには",
        SignInSubmit => "サインイン",
        IdentifierLabel => "ユーザー名またはメールアドレス",
        IdentifierHint => "アカウントのユーザー名またはメールアドレスです。",
        PasswordLabel => "パスワード",
        ShowPassword => "パスワードを表示",
        HidePassword => "パスワードを隠す",
        NoAccountYet => "アカウントをお持ちでないですか？",
        CreateAccountLink => "アカウントを作成",
        RegisterTitle => "アカウントを作成",
        RegisterSubmit => "アカウントを作成",
        UsernameLabel => "ユーザー名",
        UsernameHint => "{n}〜{m}文字の英字、数字、ドット、ハイフン、アンダースコア（先頭は英字）。",
        EmailLabel => "メールアドレス",
        NewPasswordLabel => "パスワード",
        NewPasswordHint => "{n}文字以上。よく使われるパスワードや、ご自分の名前・アドレスは避けてください。",
        ConfirmPasswordLabel => "パスワード（確認）",
        HaveAccount => "すでにアカウントをお持ちですか？",
        SignInLink => "サインイン",
        OptionalField => "任意",
        ErrRequired => "この項目を入力してください。",
        ErrInvalidEmail => "name@example.com のような形式でメールアドレスを入力してください。",
        ErrInvalidUsername => {
            "英字で始まり、英字、数字、ドット、ハイフン、アンダースコアのみを使用してください。"
        }
        ErrUsernameTooShort => "{n}文字以上で入力してください。",
        ErrUsernameTooLong => "{n}文字以内で入力してください。",
        ErrPasswordTooShort => "{n}文字以上で入力してください。",
        ErrPasswordTooLong => "{n}文字以内で入力してください。",
        ErrPasswordMismatch => "パスワードが一致しません。",
        ErrUsernameOrEmailRequired => {
            "ユーザー名またはメールアドレスの少なくとも一方を入力してください。"
        }
        ErrUsernameTaken => "このユーザー名はすでに使用されています。",
        ErrEmailTaken => "このメールアドレスはすでに使用されています。",
        ErrInvalidCredentials => "ユーザー名、メールアドレス、またはパスワードが正しくありません。",
        ErrFormExpired => "このページの有効期限が切れました。もう一度お試しください。",
        ErrTooManyAttempts => "試行回数が多すぎます。しばらくしてからもう一度お試しください。",
        ErrBusy => "サービスが混み合っています。しばらくしてからもう一度お試しください。",
        ErrInternal => "問題が発生しました。もう一度お試しください。",
        AboutService => "このサービスについて",
        SupportLink => "ヘルプとサポート",
        ContinueProfileTitle => "追加情報の入力",
        ContinueProfileLead => "続行する前に、いくつかの情報を入力してください。",
        SaveAndContinue => "保存して続行",
        AddressStreet => "番地・建物名",
        AddressLocality => "市区町村",
        AddressRegion => "都道府県・州",
        AddressPostalCode => "郵便番号",
        AddressCountry => "国",
        GivenNameLabel => "名",
        FamilyNameLabel => "姓",
        FullNameLabel => "氏名",
        MiddleNameLabel => "ミドルネーム",
        NicknameLabel => "ニックネーム",
        WebsiteLabel => "ウェブサイト",
        GenderLabel => "性別",
        BirthdateLabel => "生年月日",
        ZoneinfoLabel => "タイムゾーン",
        LocaleLabel => "希望する言語",
        AddressLabel => "住所",
        ChooseOption => "選択してください",
        ErrTooShort => "{n}文字以上で入力してください。",
        ErrTooLong => "{n}文字以内で入力してください。",
        ErrNotANumber => "整数を入力してください。",
        ErrNumberTooSmall => "{n}以上の値を入力してください。",
        ErrNumberTooLarge => "{n}以下の値を入力してください。",
        ErrInvalidDate => "正しい日付を入力してください。",
        ErrInvalidUrl => "https:// または http:// で始まるアドレスを入力してください。",
        ErrInvalidOption => "選択肢から選んでください。",
        ErrPatternMismatch => "表示された形式で入力してください。",
        ErrCheckboxRequired => "続行するにはこのボックスをオンにしてください。",
        PhoneLabel => "電話番号",
        EmailOrPhoneLabel => "メールアドレスまたは電話番号",
        UsernameOrPhoneLabel => "ユーザー名または電話番号",
        AnyIdentifierLabel => "ユーザー名、メールアドレスまたは電話番号",
        ChangeIdentifier => "変更",
        ForgotPassword => "パスワードをお忘れですか？",
        SendCodeSubmit => "コードを送信",
        EmailMeACode => "代わりにサインインコードをメールで受け取る",
        TextMeACode => "代わりにサインインコードを SMS で受け取る",
        SendMeACode => "代わりにサインインコードを受け取る",
        VerifyEmailTitle => "メールを確認してください",
        VerifyPhoneTitle => "スマートフォンを確認してください",
        CodeLead => "次の宛先に送信したコードを入力してください：",
        CodeLeadReset => "パスワードを再設定するには、次の宛先に送信したコードを入力してください：",
        CodeLabel => "確認コード",
        CodeHint => "{n} 桁の数字です。",
        VerifySubmit => "確認",
        ResendCode => "新しいコードを送信",
        UseAnotherEmail => "別のメールアドレスを使う",
        UseAnotherPhone => "別の電話番号を使う",
        ResetPasswordTitle => "パスワードの再設定",
        ResetPasswordLead => "アカウントのメールアドレスまたは電話番号を入力してください。コードをお送りします。",
        BackToSignIn => "サインインに戻る",
        NewPasswordTitle => "新しいパスワードを設定",
        NewPasswordLead => "次のアカウントの新しいパスワードを設定してください：",
        SavePasswordSubmit => "パスワードを保存",
        SuspendedTitle => "このアカウントは停止されています",
        SuspendedBody => "このアカウントではサインインできません。誤りと思われる場合は、サービスのサポートにお問い合わせください。",
        NoAccountTitle => "アカウントが見つかりません",
        NoAccountBody => "次の宛先のアカウントはありません：",
        TermsTitle => "利用規約",
        TermsBody => "続行するには、規約をお読みのうえ同意してください。",
        TermsAgree => "次に同意します：",
        TermsLink => "利用規約",
        PrivacyLink => "プライバシーポリシー",
        And => "および",
        TermsByContinuing => "続行すると、次に同意したことになります：",
        OutboxTitle => "開発用送信箱",
        OutboxLead => "Sesame が送信したはずのメッセージです。このページは開発用の設定でのみ表示されます。",
        OutboxEmpty => "まだメッセージはありません。",
        NoticePasswordChanged => "パスワードを変更しました。新しいパスワードでサインインしてください。",
        NoticeCodeSent => "{n} に新しいコードを送信しました。",
        ErrInvalidPhone => "+81 90 1234 5678 のように、国番号付きの電話番号を入力してください。",
        ErrEmailNotAccepted => "ここではメールアドレスでサインインできません。",
        ErrIdentifierNotAccepted => "このページで使える種類の識別子を入力してください。",
        ErrPasswordCommon => "このパスワードはよく使われていて推測されやすいため使えません。別のパスワードにしてください。",
        ErrPasswordPersonal => "パスワードにユーザー名、メールアドレス、電話番号を含めないでください。",
        ErrPasswordClasses => "小文字、大文字、数字、記号のうち {n} 種類以上を使ってください。",
        ErrPhoneTaken => "この電話番号はすでに使われています。",
        ErrCodeInvalid => "コードが正しくありません。確認してもう一度お試しください。",
        ErrCodeExpired => "コードの有効期限が切れました。新しいコードを送信してください。",
        ErrCodeAttemptsExceeded => "誤ったコードの入力が多すぎます。最初からやり直して新しいコードを受け取ってください。",
        ErrResendWait => "新しいコードを依頼するまで {n} 秒お待ちください。",
        ErrSendLimit => "この宛先へのメッセージ送信が多すぎます。{n} 分後にもう一度お試しください。",
        ErrSendFailed => "メッセージを送信できませんでした。しばらくしてからもう一度お試しください。",
        ErrLocked => "失敗した試行が多すぎます。{n} 分後にもう一度お試しください。",
        ErrTermsRequired => "続行するには規約に同意してください。",
        ErrorSummaryTitle => "入力内容に問題があります",
        ErrorPageTitle => "問題が発生しました",
        ErrorUnknownClient => "このアプリケーションは Sesame に登録されていません。",
        ErrorInvalidRedirectUri => {
            "アプリケーションが登録されていない戻り先アドレスを指定しました。"
        }
        ErrorInvalidRequest => "アプリケーションからのサインイン要求が正しくありません。",
        ErrorMissingParameter => "サインイン要求に必要なパラメーターがありません。",
        ErrorDuplicateParameter => "サインイン要求に同じパラメーターが重複しています。",
        ErrorInteractionExpired => {
            "このサインインは時間切れか、すでに完了しています。アプリケーションに戻って最初からやり直してください。"
        }
        ErrorNotFound => "このページは存在しません。",
        ErrorInternal => "問題が発生しました。しばらくしてからもう一度お試しください。",
        ErrorTechnicalDetail => "技術的な詳細",
        ErrorWhatToDo => {
            "アプリケーションに戻ってもう一度お試しください。繰り返し発生する場合は、アプリケーションのサポートにお問い合わせください。"
        }
        HomeTitle => "Sesame アカウント",
        HomeSignedInAs => "{n} としてサインインしています。",
        HomeSignedOut => "サインインしていません。",
        HomeDemoLink => "デモアプリケーションを開く",
        SignOutTitle => "サインアウト",
        SignOutQuestion => "Sesame からサインアウトしますか？",
        SignOutSubmit => "サインアウト",
        SignOutCancel => "サインインしたままにする",
        SignedOutTitle => "サインアウトしました",
        SignedOutBody => "Sesame からサインアウトしました。",
        ContinueTitle => "続行",
        ContinueBody => "アプリケーションに戻ります。",
        ContinueSubmit => "続行",
        DemoTitle => "デモアプリケーション",
        DemoIntro => {
            "このページは Sesame の既定の設定に含まれるリライングパーティーです。OpenID Connect でサインインし、受け取った内容を表示します。"
        }
        DemoSignIn => "サインイン",
        DemoSignInForce => "再度サインイン（prompt=login）",
        DemoSignOut => "サインアウト",
        DemoSignedInAs => "{n} としてサインイン中",
        DemoIdTokenClaims => "ID トークンのクレーム",
        DemoUserinfo => "UserInfo レスポンス",
        DemoNotSignedIn => "デモアプリケーションにはサインインしていません。",
        DemoError => "サインインが完了しませんでした: {n}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_wins_over_accept_language() {
        assert_eq!(
            Locale::negotiate(Some("fr ja-JP"), Some("en"), Locale::En),
            Locale::Ja
        );
    }

    #[test]
    fn accept_language_honours_weights() {
        assert_eq!(
            Locale::negotiate(None, Some("en;q=0.4, ja;q=0.9, fr"), Locale::En),
            Locale::Ja
        );
        assert_eq!(
            Locale::negotiate(None, Some("ja;q=0, de"), Locale::En),
            Locale::En
        );
    }

    #[test]
    fn unknown_everything_falls_back() {
        assert_eq!(
            Locale::negotiate(Some("xx"), Some("zz"), Locale::Ja),
            Locale::Ja
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            Locale::En.text_n(Msg::ErrPasswordTooShort, 8),
            "Use at least 8 characters."
        );
        assert!(Locale::Ja.text_n(Msg::SignInTo, "Demo").contains("Demo"));
    }
}

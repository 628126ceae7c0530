//! The second-factor screens: proving a factor, choosing another method, setting up an
//! authenticator app or a passkey, the backup codes, and the passkey offer after sign-in.
//! Every form posts to `/flow/mfa`; only the WebAuthn ceremony needs JavaScript.

use crate::api::{
    BackupCodesState, Field, MfaChoiceState, MfaFactor, MfaVerifyState, PageEnv, Rule,
    TotpSetupState, WebauthnSetupState, TOTP_DIGITS,
};
use crate::components::{shown, ErrorSummary, Layout, SubmitButton, TextField};
use crate::i18n::{Locale, Msg};
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where every second-factor form posts.
pub const MFA_ACTION: &str = "/flow/mfa";

/// The hidden `action` input naming what a form does.
#[component]
pub(crate) fn ActionField(action: &'static str) -> impl IntoView {
    view! { <input type="hidden" name="action" value=action/> }
}

#[component]
fn RememberDevice(days: Option<i64>, locale: Locale) -> impl IntoView {
    days.map(|d| {
        view! {
            <div class="field field-checkbox">
                <input type="checkbox" class="checkbox" id="remember" name="remember" value="1"/>
                <label for="remember">{locale.text_n(Msg::MfaRemember, d)}</label>
            </div>
        }
    })
}

#[component]
fn OtherMethods(show: bool, locale: Locale) -> impl IntoView {
    show.then(|| {
        view! {
            <p class="switch"><a href="/mfa/methods">{locale.text(Msg::MfaChooseAnother)}</a></p>
        }
    })
}

/// The input for a code from an authenticator app.
#[component]
pub(crate) fn AppCodeField(
    label: Msg,
    #[prop(optional_no_strip)] error: Option<crate::api::UiError>,
    autofocus: bool,
    locale: Locale,
) -> impl IntoView {
    view! {
        <TextField
            name=Field::Code.name().to_string()
            label=locale.text(label).to_string()
            autocomplete="one-time-code".to_string()
            inputmode="numeric".to_string()
            value=String::new()
            hint=Some(locale.text_n(Msg::CodeHint, TOTP_DIGITS))
            error=shown(error, locale)
            required=true
            optional_label=false
            autofocus=autofocus
            max_len=TOTP_DIGITS + 4
            rule=Rule::Code { digits: TOTP_DIGITS }
            locale=locale
        />
    }
}

/// Proving a second factor.
#[component]
pub fn MfaVerifyScreen(env: PageEnv, state: MfaVerifyState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors.clone();
    let title = match state.factor {
        MfaFactor::Webauthn => Msg::MfaWebauthnTitle,
        MfaFactor::BackupCode => Msg::MfaBackupCodeTitle,
        _ => Msg::MfaTotpTitle,
    };
    let body = match state.factor {
        MfaFactor::Totp => view! {
            <p class="lead">{l.text(Msg::MfaTotpLead)}</p>
            <form class="form" method="post" action=MFA_ACTION novalidate>
                <CsrfField token=env.csrf.clone()/>
                <ActionField action="verify_totp"/>
                <AppCodeField label=Msg::CodeLabel error=errors.of(Field::Code) autofocus=true locale=l/>
                <RememberDevice days=state.remember_days locale=l/>
                <SubmitButton label=l.text(Msg::MfaVerifySubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
        }
        .into_any(),
        MfaFactor::BackupCode => view! {
            <p class="lead">{l.text(Msg::MfaBackupLead)}</p>
            {state.backup_left.map(|n| view! { <p class="terms-note">{l.text_n(Msg::MfaBackupLeft, n)}</p> })}
            <form class="form" method="post" action=MFA_ACTION novalidate>
                <CsrfField token=env.csrf.clone()/>
                <ActionField action="verify_backup_code"/>
                <TextField
                    name=Field::BackupCode.name().to_string()
                    label=l.text(Msg::MfaBackupCode).to_string()
                    autocomplete="off".to_string()
                    value=String::new()
                    error=shown(errors.of(Field::BackupCode), l)
                    required=true
                    optional_label=false
                    autofocus=true
                    max_len=32
                    rule=Rule::Required
                    locale=l
                />
                <RememberDevice days=state.remember_days locale=l/>
                <SubmitButton label=l.text(Msg::MfaVerifySubmit).to_string() primary=true pending=env.pending locale=l/>
            </form>
        }
        .into_any(),
        MfaFactor::Webauthn => view! {
            <p class="lead">{l.text(Msg::MfaWebauthnLead)}</p>
            <form class="form" id="webauthn-form" method="post" action=MFA_ACTION>
                <CsrfField token=env.csrf.clone()/>
                <ActionField action="verify_webauthn"/>
                <input type="hidden" name="credential" value=""/>
                <RememberDevice days=state.remember_days locale=l/>
                <WebauthnButton
                    options=state.webauthn.clone().unwrap_or_default()
                    create=false
                    form_id="webauthn-form".to_string()
                    label=l.text(Msg::MfaUseWebauthn).to_string()
                    needs_js=l.text(Msg::WebauthnNeedsJs).to_string()
                />
            </form>
        }
        .into_any(),
        MfaFactor::Email | MfaFactor::Sms => view! {
            <p class="lead">{l.text(state.factor.description())}</p>
            <form class="form" method="post" action=MFA_ACTION novalidate>
                <CsrfField token=env.csrf.clone()/>
                <ActionField action="choose"/>
                <input type="hidden" name="factor" value=state.factor.name()/>
                <SubmitButton label=l.text(Msg::MfaSendCode).to_string() primary=true pending=env.pending locale=l/>
            </form>
        }
        .into_any(),
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(title).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            {body}
            <OtherMethods show=state.others locale=l/>
        </Layout>
    }
}

/// Choosing a method to prove, or a factor to set up.
#[component]
pub fn MfaChoiceScreen(env: PageEnv, state: MfaChoiceState) -> impl IntoView {
    let l = env.locale;
    let (title, lead) = match (state.setup, state.skippable) {
        (true, true) => (Msg::MfaSetupTitle, Msg::MfaSetupLead),
        (true, false) => (Msg::MfaSetupTitle, Msg::MfaSetupRequired),
        (false, _) => (Msg::MfaChoiceTitle, Msg::MfaLead),
    };
    let action = if state.setup { "setup" } else { "choose" };
    let items = state
        .methods
        .iter()
        .map(|m| {
            let id = format!("method-{}", m.factor.name());
            let label = match &m.detail {
                Some(d) => format!("{} ({d})", l.text(m.factor.label())),
                None => l.text(m.factor.label()).to_string(),
            };
            view! {
                <li class="method">
                    <button
                        type="submit"
                        class="button button-method"
                        name="factor"
                        value=m.factor.name()
                        id=id.clone()
                        aria-describedby=format!("{id}-description")
                    >
                        {label}
                    </button>
                    <p class="terms-note" id=format!("{id}-description")>{l.text(m.factor.description())}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(title).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">{l.text(lead)}</p>
            <form class="form" method="post" action=MFA_ACTION>
                <CsrfField token=env.csrf.clone()/>
                <input type="hidden" name="action" value=action/>
                <ul class="methods">{items}</ul>
            </form>
            {state.skippable.then(|| view! {
                <form class="form" method="post" action=MFA_ACTION>
                    <CsrfField token=env.csrf.clone()/>
                    <ActionField action="skip"/>
                    <SubmitButton label=l.text(Msg::MfaSkip).to_string() primary=false pending=false locale=l/>
                </form>
            })}
        </Layout>
    }
}

/// Setting up an authenticator app: QR code, the key as text, and a code to confirm.
#[component]
pub fn TotpSetupScreen(env: PageEnv, state: TotpSetupState) -> impl IntoView {
    let l = env.locale;
    let errors = state.errors.clone();
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::TotpSetupTitle).to_string()>
            <ErrorSummary errors=errors.clone() locale=l/>
            <TotpSetupSteps
                qr_svg=state.qr_svg.clone()
                secret=state.secret.clone()
                uri=state.uri.clone()
                form_action=MFA_ACTION
                csrf=env.csrf.clone()
                error=errors.of(Field::Code)
                pending=env.pending
                locale=l
            />
            {state.others.then(|| view! { <p class="switch"><a href="/mfa/setup">{l.text(Msg::MfaChooseAnother)}</a></p> })}
        </Layout>
    }
}

/// Registering a passkey or security key (a second factor, or the offer after sign-in).
#[component]
pub fn WebauthnSetupScreen(env: PageEnv, state: WebauthnSetupState) -> impl IntoView {
    let l = env.locale;
    let (title, lead, action) = if state.prompt {
        (
            Msg::PasskeyPromptTitle,
            Msg::PasskeyPromptLead,
            "create_passkey",
        )
    } else {
        (
            Msg::WebauthnSetupTitle,
            Msg::WebauthnSetupLead,
            "setup_webauthn",
        )
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(title).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">{l.text(lead)}</p>
            <form class="form" id="webauthn-form" method="post" action=MFA_ACTION>
                <CsrfField token=env.csrf.clone()/>
                <ActionField action=action/>
                <input type="hidden" name="credential" value=""/>
                <WebauthnButton
                    options=state.options.clone()
                    create=true
                    form_id="webauthn-form".to_string()
                    label=l.text(Msg::WebauthnCreate).to_string()
                    needs_js=l.text(Msg::WebauthnNeedsJs).to_string()
                />
            </form>
            {state.prompt.then(|| view! {
                <form class="form" method="post" action=MFA_ACTION>
                    <CsrfField token=env.csrf.clone()/>
                    <ActionField action="skip_passkey"/>
                    <SubmitButton label=l.text(Msg::PasskeySkip).to_string() primary=false pending=false locale=l/>
                </form>
            })}
            {state.others.then(|| view! { <p class="switch"><a href="/mfa/setup">{l.text(Msg::MfaChooseAnother)}</a></p> })}
        </Layout>
    }
}

/// Scanning the QR code (or typing the key), then confirming with a code from the app: the
/// form posts `action=setup_totp` to `form_action`.
#[component]
pub(crate) fn TotpSetupSteps(
    qr_svg: String,
    secret: String,
    uri: String,
    form_action: &'static str,
    csrf: String,
    #[prop(optional_no_strip)] error: Option<crate::api::UiError>,
    pending: bool,
    locale: Locale,
) -> impl IntoView {
    let l = locale;
    view! {
            <ol class="steps">
                <li>
                    <p>{l.text(Msg::TotpSetupScan)}</p>
                    // Drawn by the server from the secret it generated; no user input.
                    <div class="qr" role="img" aria-label=l.text(Msg::TotpSetupScan) inner_html=qr_svg></div>
                    <p class="terms-note">{l.text(Msg::TotpSetupManual)}</p>
                    <p class="secret-row">
                        <code class="secret" id="totp-secret" translate="no" dir="ltr">{secret}</code>
                        <CopyButton target="totp-secret".to_string() label=l.text(Msg::CopyButton).to_string() done=l.text(Msg::Copied).to_string()/>
                    </p>
                    <p class="terms-note"><a href=uri>{l.text(Msg::TotpSetupOpen)}</a></p>
                </li>
                <li>
                    <form class="form" method="post" action=form_action novalidate>
                        <CsrfField token=csrf/>
                        <ActionField action="setup_totp"/>
                        <AppCodeField label=Msg::TotpSetupConfirm error=error autofocus=false locale=l/>
                        <SubmitButton label=l.text(Msg::MfaVerifySubmit).to_string() primary=true pending=pending locale=l/>
                    </form>
                </li>
            </ol>
    }
}

/// The backup codes, shown once, to copy or download.
#[component]
pub fn BackupCodesScreen(env: PageEnv, state: BackupCodesState) -> impl IntoView {
    let l = env.locale;
    let codes = state
        .codes
        .iter()
        .map(|c| view! { <li><code translate="no">{c.clone()}</code></li> })
        .collect_view();
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(Msg::BackupCodesTitle).to_string()>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            <p class="lead">{l.text(Msg::BackupCodesLead)}</p>
            <ol class="backup-codes" id="backup-codes" dir="ltr">{codes}</ol>
            <p class="secret-row">
                <a class="button button-secondary" href=state.download.clone() download="backup-codes.txt">{l.text(Msg::BackupCodesDownload)}</a>
                <CopyButton target="backup-codes".to_string() label=l.text(Msg::CopyButton).to_string() done=l.text(Msg::Copied).to_string()/>
            </p>
            <form class="form" method="post" action=MFA_ACTION>
                <CsrfField token=env.csrf.clone()/>
                <ActionField action="backup_codes_saved"/>
                <SubmitButton label=l.text(Msg::BackupCodesSaved).to_string() primary=true pending=env.pending locale=l/>
            </form>
        </Layout>
    }
}

/// Copies the text of element `target` to the clipboard. Without JavaScript it is not shown;
/// the text itself can be selected and copied.
#[island]
pub fn CopyButton(target: String, label: String, done: String) -> impl IntoView {
    let (ready, set_ready) = signal(false);
    let (copied, set_copied) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let target = target.clone();
            leptos::task::spawn_local(async move {
                // "Copied" only once the browser says the text is on the clipboard.
                if crate::browser::copy_text_of(&target).await {
                    set_copied.set(true);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&target, set_copied);
    };
    view! {
        <button type="button" class="button button-secondary" hidden=move || !ready.get() on:click=on_click aria-live="polite">
            {move || if copied.get() { done.clone() } else { label.clone() }}
        </button>
    }
}

/// Runs a WebAuthn ceremony (create or get) with the server's options, puts the browser's
/// answer in the form's `credential` input and submits the form. A failed or cancelled
/// ceremony submits an empty answer: the server shows the other methods with a message.
/// Disabled until hydrated; until then (and for good without JavaScript) a line explains
/// that the step needs JavaScript.
#[island]
pub fn WebauthnButton(
    options: String,
    create: bool,
    form_id: String,
    label: String,
    needs_js: String,
) -> impl IntoView {
    let (ready, set_ready) = signal(false);
    let (busy, set_busy) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        set_busy.set(true);
        #[cfg(feature = "hydrate")]
        {
            let options = options.clone();
            let form_id = form_id.clone();
            leptos::task::spawn_local(async move {
                let answer = crate::browser::ceremony(&options, create, false)
                    .await
                    .unwrap_or_default();
                crate::browser::submit(&form_id, &answer);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&options, create, &form_id);
    };
    view! {
        <p class="alert alert-info" role="status" hidden=move || ready.get()>{needs_js}</p>
        <button
            type="button"
            class="button button-primary"
            disabled=move || !ready.get()
            aria-busy=move || busy.get().to_string()
            on:click=on_click
        >
            {label}
        </button>
    }
}

/// Passkey sign-in on the sign-in screen: offers the user's passkeys in the identifier
/// field's autofill (conditional mediation) as soon as the page is hydrated, and a button
/// for a passkey on another device. The answer is posted with the `passkey-form`.
#[island]
pub fn PasskeySignIn(options: String, label: String) -> impl IntoView {
    let (ready, set_ready) = signal(false);
    #[cfg(feature = "hydrate")]
    {
        let options = options.clone();
        Effect::new(move |_| {
            set_ready.set(true);
            let options = options.clone();
            leptos::task::spawn_local(async move {
                // Resolves only when the user picks a passkey from the autofill list.
                if let Some(answer) = crate::browser::ceremony(&options, false, true).await {
                    crate::browser::submit("passkey-form", &answer);
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    Effect::new(move |_| set_ready.set(true));
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let options = options.clone();
            leptos::task::spawn_local(async move {
                let answer = crate::browser::ceremony(&options, false, false)
                    .await
                    .unwrap_or_default();
                crate::browser::submit("passkey-form", &answer);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &options;
    };
    view! {
        <button type="button" class="button button-secondary" hidden=move || !ready.get() on:click=on_click>
            {label}
        </button>
    }
}

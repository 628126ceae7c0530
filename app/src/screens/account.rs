//! The account center: the overview, then one page per section (profile, email, phone,
//! password, two-step verification, identities, sessions, connected apps, tokens,
//! organizations, deletion) and the security verification before sensitive changes. Every
//! form posts to `/flow/account` (organizations: `/flow/organization`) and works without
//! JavaScript; only WebAuthn needs it.

use crate::api::{
    AccountOverview, AccountPage, AccountProfile, AccountSection, AccountState, AccountTotpSetup,
    AppsPage, ContactPage, DeletePage, Field, IdentitiesPage, MfaPage, PageEnv, PasskeyAddPage,
    PasswordPage, Rule, SessionsPage, TokensPage, VerifyMethod, VerifyPage, TOTP_DIGITS,
};
use crate::components::{
    shown, ErrorSummary, Layout, NewPasswordFields, NoticeBanner, PasswordField, SubmitButton,
    TextField,
};
use crate::i18n::{Locale, Msg};
use crate::screens::mfa::{ActionField, AppCodeField, CopyButton, TotpSetupSteps, WebauthnButton};
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where the account forms post.
pub const ACTION: &str = "/flow/account";

impl AccountState {
    /// The page's heading.
    pub fn title(&self) -> Msg {
        match &self.page {
            AccountPage::Verify(_) => Msg::VerifyTitle,
            AccountPage::TotpSetup(t) if t.replacing => Msg::AccountTotpReplaceTitle,
            AccountPage::TotpSetup(_) => Msg::TotpSetupTitle,
            AccountPage::PasskeyAdd(_) => Msg::AccountPasskeyAddTitle,
            AccountPage::BackupCodes(_) => Msg::BackupCodesTitle,
            AccountPage::Organization(_) => Msg::OrgTitle,
            _ => self.section.label(),
        }
    }
}

/// A small form that posts one action (with hidden values) as a single button.
fn action_button(
    csrf: &str,
    action: &'static str,
    hidden: Vec<(&'static str, String)>,
    label: String,
    primary: bool,
    l: Locale,
) -> impl IntoView {
    let hidden = hidden
        .into_iter()
        .map(|(n, v)| view! { <input type="hidden" name=n value=v/> })
        .collect_view();
    view! {
        <form class="form form-inline" method="post" action=ACTION>
            <CsrfField token=csrf.to_string()/>
            <ActionField action=action/>
            {hidden}
            <SubmitButton label=label primary=primary pending=false locale=l/>
        </form>
    }
}

/// The account center.
#[component]
pub fn AccountScreen(env: PageEnv, state: AccountState) -> impl IntoView {
    let l = env.locale;
    let title = l.text(state.title()).to_string();
    let back = (state.section != AccountSection::Overview).then(|| {
        let (href, label) = match &state.page {
            AccountPage::Organization(_) => (
                AccountSection::Organizations.path(),
                Msg::AccountOrganizations,
            ),
            _ => ("/account", Msg::AccountBack),
        };
        view! { <p class="back-link"><a href=href>{l.text(label)}</a></p> }
    });
    let notice = state.notice.map(crate::api::Notice::Account);
    let body = page_view(&env, &state);
    view! {
        <Layout env=env.clone() title=title>
            {back}
            <NoticeBanner notice=notice subject=None locale=l/>
            <ErrorSummary errors=state.errors.clone() locale=l/>
            {body}
            <p class="account-user">{l.text(Msg::ConsentSignedInAs).replace("{user}", &state.user)}</p>
        </Layout>
    }
}

fn page_view(env: &PageEnv, state: &AccountState) -> AnyView {
    let l = env.locale;
    let csrf = env.csrf.as_str();
    match &state.page {
        AccountPage::Overview(o) => overview(o, &state.sections, l).into_any(),
        AccountPage::Profile(p) => profile(p, state, csrf, env.pending, l).into_any(),
        AccountPage::Contact(c) => contact(c, state, csrf, env.pending, l).into_any(),
        AccountPage::Password(p) => password(p, state, csrf, env.pending, l).into_any(),
        AccountPage::Verify(v) => verify(v, state, csrf, env.pending, l).into_any(),
        AccountPage::Identities(i) => identities(i, csrf, l).into_any(),
        AccountPage::Mfa(m) => mfa(m, state, csrf, l).into_any(),
        AccountPage::TotpSetup(t) => totp_setup(t, state, csrf, env.pending, l).into_any(),
        AccountPage::PasskeyAdd(p) => passkey_add(p, csrf, l).into_any(),
        AccountPage::BackupCodes(b) => backup_codes(&b.codes, csrf, l).into_any(),
        AccountPage::Sessions(s) => sessions(s, csrf, l).into_any(),
        AccountPage::Apps(a) => apps(a, csrf, l).into_any(),
        AccountPage::Tokens(t) => tokens(t, state, csrf, env.pending, l).into_any(),
        AccountPage::Delete(d) => delete(d, state, csrf, l).into_any(),
        AccountPage::Organizations(o) => {
            crate::screens::organization::organizations(o, state, csrf, env.pending, l).into_any()
        }
        AccountPage::Organization(o) => {
            crate::screens::organization::organization(o, state, csrf, env.pending, l).into_any()
        }
    }
}

fn overview(o: &AccountOverview, sections: &[AccountSection], l: Locale) -> impl IntoView {
    let who = o
        .name
        .clone()
        .map(|n| view! { <p class="account-name">{n}</p> });
    let picture = o.picture.clone().map(|src| {
        view! { <img class="account-picture" src=src alt="" width="64" height="64"/> }
    });
    let rows = sections
        .iter()
        .filter(|s| **s != AccountSection::Overview)
        .map(|s| {
            let value = o
                .rows
                .iter()
                .find(|(r, _)| r == s)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            view! {
                <li class="account-row">
                    <a class="account-row-link" href=s.path()>{l.text(s.label())}</a>
                    <span class="account-row-value">{value}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="account-head">{picture}{who}</div>
        <ul class="account-rows">{rows}</ul>
        <p class="switch"><a href="/sign-out">{l.text(Msg::SignOutTitle)}</a></p>
    }
}

/// One text input of an account form.
pub(crate) struct Input<'a> {
    pub name: &'static str,
    pub label: Msg,
    /// The stored value (what was typed before an error wins).
    pub current: &'a str,
    pub autocomplete: &'static str,
    pub required: bool,
    pub max: usize,
    pub rule: Rule,
}

/// A text input filled from the page's memory or the stored value.
pub(crate) fn input(state: &AccountState, i: Input<'_>, l: Locale) -> impl IntoView {
    view! {
        <TextField
            name=i.name.to_string()
            label=l.text(i.label).to_string()
            autocomplete=i.autocomplete.to_string()
            value=state.value_or(i.name, i.current)
            error=shown(state.error(i.name), l)
            required=i.required
            optional_label=false
            autofocus=false
            max_len=i.max
            rule=i.rule
            locale=l
        />
    }
}

fn read_only(label: Msg, value: &str, l: Locale) -> impl IntoView {
    let value = if value.is_empty() {
        l.text(Msg::AccountNotSet).to_string()
    } else {
        value.to_string()
    };
    view! {
        <div class="field field-read-only">
            <p class="field-label">{l.text(label)}</p>
            <p class="field-value">{value}</p>
        </div>
    }
}

fn profile(
    p: &AccountProfile,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let any_editable = p.name.as_ref().is_some_and(|v| v.editable)
        || p.picture.as_ref().is_some_and(|v| v.editable)
        || p.username.as_ref().is_some_and(|v| v.editable)
        || (p.fields_editable && !p.fields.is_empty());
    let name = p.name.as_ref().map(|v| {
        if v.editable {
            input(
                state,
                Input {
                    name: "name",
                    label: Msg::FullNameLabel,
                    current: &v.value,
                    autocomplete: "name",
                    required: false,
                    max: 128,
                    rule: Rule::Text {
                        required: false,
                        min: None,
                        max: Some(128),
                    },
                },
                l,
            )
            .into_any()
        } else {
            read_only(Msg::FullNameLabel, &v.value, l).into_any()
        }
    });
    let picture = p.picture.as_ref().map(|v| {
        let preview = (!v.value.is_empty()).then(|| {
            view! { <img class="account-picture" src=v.value.clone() alt="" width="64" height="64"/> }
        });
        let input = if v.editable {
            input(
                state,
                Input {
                    name: "picture",
                    label: Msg::AccountPictureLabel,
                    current: &v.value,
                    autocomplete: "photo",
                    required: false,
                    max: 1024,
                    rule: Rule::Url { required: false },
                },
                l,
            )
            .into_any()
        } else {
            read_only(Msg::AccountPictureLabel, &v.value, l).into_any()
        };
        view! { {preview}{input} }
    });
    let (min, max) = p.username_rules;
    let username = p.username.as_ref().map(|v| {
        if v.editable {
            view! {
                <TextField
                    name="username".to_string()
                    label=l.text(Msg::UsernameLabel).to_string()
                    autocomplete="username".to_string()
                    value=state.value_or("username", &v.value)
                    hint=Some(l.text_n(Msg::UsernameHint, min).replace("{m}", &max.to_string()))
                    error=shown(state.error("username"), l)
                    required=false
                    optional_label=false
                    autofocus=false
                    max_len=max
                    rule=Rule::Text { required: false, min: None, max: Some(max as i64) }
                    locale=l
                />
            }
            .into_any()
        } else {
            read_only(Msg::UsernameLabel, &v.value, l).into_any()
        }
    });
    let fields = {
        // The profile fields render as on the sign-up screens, filled with the stored values.
        let view_state = crate::api::ContinueState {
            fields: p.fields.clone(),
            values: if state.values.is_empty() {
                p.field_values.clone()
            } else {
                state.values.clone()
            },
            errors: state.errors.named.clone(),
            ..Default::default()
        };
        p.fields
            .iter()
            .map(|f| {
                if p.fields_editable {
                    crate::screens::profile::field_view(f, &view_state, l, false)
                } else {
                    read_only_field(f, &view_state, l)
                }
            })
            .collect_view()
    };
    view! {
        <form class="form" method="post" action=ACTION novalidate>
            <CsrfField token=csrf.to_string()/>
            <ActionField action="save_profile"/>
            {name}
            {picture}
            {username}
            {fields}
            {any_editable.then(|| view! {
                <SubmitButton label=l.text(Msg::ProfileEditSave).to_string() primary=true pending=pending locale=l/>
            })}
        </form>
    }
}

fn read_only_field(
    f: &crate::api::ProfileFieldView,
    values: &crate::api::ContinueState,
    l: Locale,
) -> AnyView {
    let value = values.value(&f.name);
    let shown = if value.is_empty() {
        l.text(Msg::AccountNotSet).to_string()
    } else {
        value
    };
    view! {
        <div class="field field-read-only">
            <p class="field-label">{f.label.clone()}</p>
            <p class="field-value">{shown}</p>
        </div>
    }
    .into_any()
}

fn contact(
    c: &ContactPage,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let (label, input_type, autocomplete, rule, prefix) = if c.phone {
        (Msg::PhoneLabel, "tel", "tel", Rule::Phone, "phone")
    } else {
        (Msg::EmailLabel, "email", "email", Rule::Email, "email")
    };
    let current = match &c.current {
        Some(v) => {
            let status = if c.verified {
                Msg::AccountVerified
            } else {
                Msg::AccountUnverified
            };
            view! {
                <div class="field field-read-only">
                    <p class="field-label">{l.text(Msg::AccountCurrent)}</p>
                    <p class="field-value"><span dir="ltr">{v.clone()}</span> " · " {l.text(status)}</p>
                </div>
            }
            .into_any()
        }
        None => view! { <p class="lead">{l.text(Msg::AccountNotSet)}</p> }.into_any(),
    };
    let change = c.editable.then(|| match &c.pending {
        Some(to) => view! {
            <p class="lead">{l.text(Msg::AccountCodeSentTo).replace("{to}", to)}</p>
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <input type="hidden" name="action" value=format!("confirm_{prefix}")/>
                <TextField
                    name=Field::Code.name().to_string()
                    label=l.text(Msg::CodeLabel).to_string()
                    autocomplete="one-time-code".to_string()
                    inputmode="numeric".to_string()
                    value=String::new()
                    hint=Some(l.text_n(Msg::CodeHint, c.digits))
                    error=shown(state.error("code"), l)
                    required=true
                    optional_label=false
                    autofocus=true
                    max_len=c.digits + 4
                    rule=Rule::Code { digits: c.digits }
                    locale=l
                />
                <SubmitButton label=l.text(Msg::AccountConfirm).to_string() primary=true pending=pending locale=l/>
            </form>
            {action_button(csrf, "cancel_change", vec![], l.text(Msg::AccountCancel).to_string(), false, l)}
        }
        .into_any(),
        None => view! {
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <input type="hidden" name="action" value=format!("change_{prefix}")/>
                <TextField
                    name=prefix.to_string()
                    label=l.text(if c.current.is_some() { Msg::AccountNewValue } else { label }).to_string()
                    input_type=input_type.to_string()
                    autocomplete=autocomplete.to_string()
                    value=state.value_or(prefix, "")
                    hint=Some(l.text(Msg::ContinueVerifyHint).to_string())
                    error=shown(state.error(prefix), l)
                    required=true
                    optional_label=false
                    autofocus=false
                    inputmode=input_type.to_string()
                    max_len=crate::api::rules::IDENTIFIER_MAX
                    rule=rule
                    locale=l
                />
                <SubmitButton label=l.text(Msg::AccountSendCode).to_string() primary=true pending=pending locale=l/>
            </form>
        }
        .into_any(),
    });
    let remove = (c.editable && c.current.is_some() && c.pending.is_none()).then(|| {
        if c.removable {
            action_button(
                csrf,
                if c.phone {
                    "remove_phone"
                } else {
                    "remove_email"
                },
                vec![],
                l.text(Msg::AccountRemove).to_string(),
                false,
                l,
            )
            .into_any()
        } else {
            view! { <p class="field-hint">{l.text(Msg::AccountOnlyWay)}</p> }.into_any()
        }
    });
    view! { {current}{change}{remove} }
}

fn password(
    p: &PasswordPage,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let lead = if p.has_password {
        Msg::AccountPasswordLead
    } else {
        Msg::AccountPasswordNone
    };
    view! {
        <p class="lead">{l.text(lead)}</p>
        {p.editable.then(|| view! {
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="change_password"/>
                <NewPasswordFields rules=p.rules errors=state.errors.clone() locale=l/>
                <SubmitButton label=l.text(Msg::AccountPasswordSave).to_string() primary=true pending=pending locale=l/>
            </form>
        })}
    }
}

fn verify(
    v: &VerifyPage,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let lead = if v.second_factor {
        Msg::VerifyLeadSecondFactor
    } else {
        Msg::VerifyLead
    };
    let chosen = v.chosen.clone();
    let next = v.next.clone();
    let form = |action: &'static str, body: AnyView, submit: Msg| {
        view! {
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action=action/>
                <input type="hidden" name="next" value=next.clone()/>
                {body}
                <SubmitButton label=l.text(submit).to_string() primary=true pending=pending locale=l/>
            </form>
        }
    };
    let body = match &chosen {
        Some(VerifyMethod::Password) => form(
            "verify_password",
            view! {
                <PasswordField
                    name=Field::Password.name().to_string()
                    label=l.text(Msg::PasswordLabel).to_string()
                    autocomplete="current-password".to_string()
                    error=shown(state.errors.of(Field::Password), l)
                    autofocus=true
                    rule=Rule::Required
                    locale=l
                />
            }
            .into_any(),
            Msg::VerifySubmit,
        )
        .into_any(),
        Some(VerifyMethod::EmailCode(to) | VerifyMethod::SmsCode(to)) if v.code_sent => form(
            "verify_code",
            view! {
                <p class="lead">{l.text(Msg::AccountCodeSentTo).replace("{to}", to)}</p>
                <TextField
                    name=Field::Code.name().to_string()
                    label=l.text(Msg::CodeLabel).to_string()
                    autocomplete="one-time-code".to_string()
                    inputmode="numeric".to_string()
                    value=String::new()
                    hint=Some(l.text_n(Msg::CodeHint, v.digits))
                    error=shown(state.errors.of(Field::Code), l)
                    required=true
                    optional_label=false
                    autofocus=true
                    max_len=v.digits + 4
                    rule=Rule::Code { digits: v.digits }
                    locale=l
                />
            }
            .into_any(),
            Msg::VerifySubmit,
        )
        .into_any(),
        Some(m @ (VerifyMethod::EmailCode(to) | VerifyMethod::SmsCode(to))) => {
            let channel = m.name().to_string();
            form(
                "send_verification_code",
                view! {
                    <input type="hidden" name="channel" value=channel/>
                    <p class="lead">{l.text(Msg::VerifyCodeTo).replace("{to}", to)}</p>
                }
                .into_any(),
                Msg::AccountSendCode,
            )
            .into_any()
        }
        Some(VerifyMethod::Totp) => form(
            "verify_totp",
            view! { <AppCodeField label=Msg::CodeLabel error=state.errors.of(Field::Code) autofocus=true locale=l/> }
                .into_any(),
            Msg::VerifySubmit,
        )
        .into_any(),
        Some(VerifyMethod::BackupCode) => form(
            "verify_backup_code",
            view! {
                <TextField
                    name=Field::BackupCode.name().to_string()
                    label=l.text(Msg::MfaBackupCode).to_string()
                    autocomplete="off".to_string()
                    value=String::new()
                    error=shown(state.errors.of(Field::BackupCode), l)
                    required=true
                    optional_label=false
                    autofocus=true
                    max_len=32
                    rule=Rule::Required
                    locale=l
                />
            }
            .into_any(),
            Msg::VerifySubmit,
        )
        .into_any(),
        Some(VerifyMethod::Webauthn) => view! {
            <form class="form" id="webauthn-form" method="post" action=ACTION>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="verify_webauthn"/>
                <input type="hidden" name="next" value=next.clone()/>
                <input type="hidden" name="credential" value=""/>
                <WebauthnButton
                    options=v.webauthn.clone().unwrap_or_default()
                    create=false
                    form_id="webauthn-form".to_string()
                    label=l.text(Msg::MfaUseWebauthn).to_string()
                    needs_js=l.text(Msg::WebauthnNeedsJs).to_string()
                />
            </form>
        }
        .into_any(),
        None => view! { <p class="lead">{l.text(Msg::VerifyNoMethod)}</p> }.into_any(),
    };
    let others = v
        .methods
        .iter()
        .filter(|m| Some(*m) != chosen.as_ref())
        .map(|m| {
            let label = match m {
                VerifyMethod::Password => l.text(Msg::VerifyWithPassword).to_string(),
                VerifyMethod::EmailCode(to) | VerifyMethod::SmsCode(to) => {
                    l.text(Msg::VerifyWithCode).replace("{to}", to)
                }
                VerifyMethod::Totp => l.text(Msg::MfaTotp).to_string(),
                VerifyMethod::BackupCode => l.text(Msg::MfaBackupCode).to_string(),
                VerifyMethod::Webauthn => l.text(Msg::MfaWebauthn).to_string(),
            };
            view! {
                <li>
                    <a href=format!("/account/verify?method={}&next={}", m.name(), urlencode(&next))>{label}</a>
                </li>
            }
        })
        .collect_view();
    let has_others = v.methods.len() > usize::from(chosen.is_some());
    view! {
        <p class="lead">{l.text_n(lead, v.minutes)}</p>
        {body}
        {has_others.then(|| view! {
            <h2 class="section-title">{l.text(Msg::MfaChooseAnother)}</h2>
            <ul class="link-list">{others}</ul>
        })}
        <p class="switch">{l.text(Msg::VerifySignInAgain)} " "
            <a href=format!("/account/reauthenticate?next={}", urlencode(&v.next))>{l.text(Msg::VerifySignInAgainLink)}</a>
        </p>
    }
}

/// Percent-encodes a local path for a query value.
fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn identities(i: &IdentitiesPage, csrf: &str, l: Locale) -> impl IntoView {
    let linked = i
        .linked
        .iter()
        .map(|id| {
            let kind = if id.enterprise {
                Msg::AccountEnterprise
            } else {
                Msg::AccountSocial
            };
            let action = (i.editable && !id.enterprise).then(|| {
                if id.removable {
                    action_button(
                        csrf,
                        "unlink_identity",
                        vec![
                            ("connector", id.connector.clone()),
                            ("subject", id.subject.clone()),
                        ],
                        l.text(Msg::AccountUnlink).to_string(),
                        false,
                        l,
                    )
                    .into_any()
                } else {
                    view! { <p class="field-hint">{l.text(Msg::AccountOnlyWay)}</p> }.into_any()
                }
            });
            view! {
                <li class="item">
                    <p class="item-title">{id.provider.clone()} " · " {l.text(kind)}</p>
                    {id.email.clone().map(|e| view! { <p class="item-detail" dir="ltr">{e}</p> })}
                    <p class="item-detail">{l.text(Msg::AccountLinkedAt).replace("{at}", &l.datetime(id.linked_at))}</p>
                    {id.enterprise.then(|| view! { <p class="field-hint">{l.text(Msg::AccountEnterpriseNote)}</p> })}
                    {action}
                </li>
            }
        })
        .collect_view();
    let available = i
        .available
        .iter()
        .map(|(id, name)| {
            view! {
                <li>
                    {action_button(csrf, "link_identity", vec![("connector", id.clone())], l.text(Msg::AccountLinkWith).replace("{name}", name), false, l)}
                </li>
            }
        })
        .collect_view();
    view! {
        {if i.linked.is_empty() {
            view! { <p class="lead">{l.text(Msg::AccountNoIdentities)}</p> }.into_any()
        } else {
            view! { <ul class="items">{linked}</ul> }.into_any()
        }}
        {(i.editable && !i.available.is_empty()).then(|| view! {
            <h2 class="section-title">{l.text(Msg::AccountLinkTitle)}</h2>
            <ul class="link-list">{available}</ul>
        })}
    }
}

fn factor_times(created: i64, used: Option<i64>, l: Locale) -> String {
    let mut s = l
        .text(Msg::AccountAddedAt)
        .replace("{at}", &l.datetime(created));
    if let Some(u) = used {
        s.push_str(" · ");
        s.push_str(&l.text(Msg::AccountLastUsed).replace("{at}", &l.datetime(u)));
    }
    s
}

fn mfa(m: &MfaPage, state: &AccountState, csrf: &str, l: Locale) -> impl IntoView {
    let totp = m.totp_allowed.then(|| {
        let body = match &m.totp {
            Some(f) => view! {
                <p class="item-detail">{factor_times(f.created_at, f.last_used_at, l)}</p>
                {m.editable.then(|| view! {
                    <p class="button-row">
                        <a class="button button-secondary" href="/account/mfa/totp">{l.text(Msg::AccountReplace)}</a>
                    </p>
                    {if f.removable {
                        action_button(csrf, "remove_factor", vec![("id", f.id.clone())], l.text(Msg::AccountRemove).to_string(), false, l).into_any()
                    } else {
                        view! { <p class="field-hint">{l.text(Msg::AccountFactorNeeded)}</p> }.into_any()
                    }}
                })}
            }
            .into_any(),
            None => view! {
                <p class="item-detail">{l.text(Msg::AccountNotSet)}</p>
                {m.editable.then(|| view! {
                    <p class="button-row"><a class="button button-secondary" href="/account/mfa/totp">{l.text(Msg::AccountSetUp)}</a></p>
                })}
            }
            .into_any(),
        };
        view! {
            <section class="item" aria-labelledby="mfa-totp">
                <h2 class="section-title" id="mfa-totp">{l.text(Msg::MfaTotp)}</h2>
                {body}
            </section>
        }
    });
    let passkeys = m.webauthn_allowed.then(|| {
        let list = m
            .passkeys
            .iter()
            .map(|p| {
                let rename_id = format!("rename-{}", p.id);
                view! {
                    <li class="item">
                        <p class="item-title">{p.name.clone()}</p>
                        <p class="item-detail">{factor_times(p.created_at, p.last_used_at, l)}</p>
                        {m.editable.then(|| view! {
                            <form class="form form-inline" method="post" action=ACTION novalidate>
                                <CsrfField token=csrf.to_string()/>
                                <ActionField action="rename_factor"/>
                                <input type="hidden" name="id" value=p.id.clone()/>
                                <TextField
                                    name=rename_id.clone()
                                    label=l.text(Msg::AccountPasskeyName).to_string()
                                    autocomplete="off".to_string()
                                    value=state.value_or(&rename_id, &p.name)
                                    error=shown(state.error(&rename_id), l)
                                    required=true
                                    optional_label=false
                                    autofocus=false
                                    max_len=64
                                    rule=Rule::Text { required: true, min: Some(1), max: Some(64) }
                                    locale=l
                                />
                                <SubmitButton label=l.text(Msg::AccountRename).to_string() primary=false pending=false locale=l/>
                            </form>
                            {if p.removable {
                                action_button(csrf, "remove_factor", vec![("id", p.id.clone())], l.text(Msg::AccountRemove).to_string(), false, l).into_any()
                            } else {
                                view! { <p class="field-hint">{l.text(Msg::AccountFactorNeeded)}</p> }.into_any()
                            }}
                        })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="item" aria-labelledby="mfa-passkeys">
                <h2 class="section-title" id="mfa-passkeys">{l.text(Msg::AccountPasskeys)}</h2>
                {if m.passkeys.is_empty() {
                    view! { <p class="item-detail">{l.text(Msg::AccountNoPasskeys)}</p> }.into_any()
                } else {
                    view! { <ul class="items">{list}</ul> }.into_any()
                }}
                {m.editable.then(|| view! {
                    <p class="button-row"><a class="button button-secondary" href="/account/mfa/passkey">{l.text(Msg::AccountPasskeyAdd)}</a></p>
                })}
            </section>
        }
    });
    let backup = m.backup_codes_allowed.then(|| {
        view! {
            <section class="item" aria-labelledby="mfa-backup">
                <h2 class="section-title" id="mfa-backup">{l.text(Msg::BackupCodesTitle)}</h2>
                <p class="item-detail">{l.text_n(Msg::AccountBackupLeft, m.backup_codes_left)}</p>
                {m.editable.then(|| action_button(csrf, "regenerate_backup_codes", vec![], l.text(Msg::AccountBackupNew).to_string(), false, l))}
            </section>
        }
    });
    view! {
        <p class="lead">{l.text(if m.mandatory { Msg::AccountMfaMandatory } else { Msg::AccountMfaLead })}</p>
        {totp}
        {passkeys}
        {backup}
    }
}

fn totp_setup(
    t: &AccountTotpSetup,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    view! {
        {t.replacing.then(|| view! { <p class="lead">{l.text(Msg::AccountTotpReplaceLead)}</p> })}
        <TotpSetupSteps
            qr_svg=t.qr_svg.clone()
            secret=t.secret.clone()
            uri=t.uri.clone()
            form_action=ACTION
            csrf=csrf.to_string()
            error=state.errors.of(Field::Code)
            pending=pending
            locale=l
        />
        <p class="field-hint">{l.text_n(Msg::CodeHint, TOTP_DIGITS)}</p>
    }
}

fn passkey_add(p: &PasskeyAddPage, csrf: &str, l: Locale) -> impl IntoView {
    view! {
        <p class="lead">{l.text(Msg::WebauthnSetupLead)}</p>
        <form class="form" id="webauthn-form" method="post" action=ACTION>
            <CsrfField token=csrf.to_string()/>
            <ActionField action="add_passkey"/>
            <input type="hidden" name="credential" value=""/>
            <WebauthnButton
                options=p.options.clone()
                create=true
                form_id="webauthn-form".to_string()
                label=l.text(Msg::WebauthnCreate).to_string()
                needs_js=l.text(Msg::WebauthnNeedsJs).to_string()
            />
        </form>
    }
}

fn backup_codes(codes: &[String], csrf: &str, l: Locale) -> impl IntoView {
    let list = codes
        .iter()
        .map(|c| view! { <li><code translate="no">{c.clone()}</code></li> })
        .collect_view();
    view! {
        <p class="lead">{l.text(Msg::BackupCodesLead)}</p>
        <ol class="backup-codes" id="backup-codes" dir="ltr">{list}</ol>
        <p class="secret-row">
            <a class="button button-secondary" href="/account/mfa/backup-codes.txt" download="backup-codes.txt">{l.text(Msg::BackupCodesDownload)}</a>
            <CopyButton target="backup-codes".to_string() label=l.text(Msg::CopyButton).to_string() done=l.text(Msg::Copied).to_string()/>
        </p>
        {action_button(csrf, "backup_codes_saved", vec![], l.text(Msg::BackupCodesSaved).to_string(), true, l)}
    }
}

fn sessions(s: &SessionsPage, csrf: &str, l: Locale) -> impl IntoView {
    let others = s.sessions.iter().filter(|x| !x.current).count();
    let list = s
        .sessions
        .iter()
        .map(|x| {
            view! {
                <li class="item">
                    <p class="item-title">{x.device.clone()} {x.current.then(|| view! { " · " <strong>{l.text(Msg::AccountThisDevice)}</strong> })}</p>
                    <p class="item-detail">
                        {l.text(Msg::AccountSignedInAt).replace("{at}", &l.datetime(x.signed_in_at))}
                        {x.ip.clone().map(|ip| view! { " · " <span dir="ltr">{ip}</span> })}
                    </p>
                    {(s.editable && !x.current).then(|| action_button(csrf, "sign_out_session", vec![("sid", x.sid.clone())], l.text(Msg::AccountSignOutThis).to_string(), false, l))}
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="items">{list}</ul>
        {(s.editable && others > 0).then(|| action_button(csrf, "sign_out_others", vec![], l.text(Msg::AccountSignOutOthers).to_string(), true, l))}
    }
}

fn apps(a: &AppsPage, csrf: &str, l: Locale) -> impl IntoView {
    let list = a
        .apps
        .iter()
        .map(|app| {
            let items = app
                .items
                .iter()
                .map(|i| view! { <li>{i.description.clone()}</li> })
                .collect_view();
            view! {
                <li class="item">
                    <p class="item-title">
                        {app.logo_uri.clone().map(|src| view! { <img class="item-logo" src=src alt="" width="24" height="24"/> })}
                        {app.name.clone()}
                    </p>
                    <p class="item-detail">{l.text(Msg::AccountAllowedAt).replace("{at}", &l.datetime(app.granted_at))}</p>
                    <ul class="consent-list">{items}</ul>
                    {a.editable.then(|| action_button(csrf, "revoke_app", vec![("client", app.client_id.clone())], l.text(Msg::AccountRevokeApp).to_string(), false, l))}
                </li>
            }
        })
        .collect_view();
    if a.apps.is_empty() {
        view! { <p class="lead">{l.text(Msg::AccountNoApps)}</p> }.into_any()
    } else {
        view! {
            <p class="lead">{l.text(Msg::AccountAppsLead)}</p>
            <ul class="items">{list}</ul>
        }
        .into_any()
    }
}

fn tokens(
    t: &TokensPage,
    state: &AccountState,
    csrf: &str,
    pending: bool,
    l: Locale,
) -> impl IntoView {
    let created = t.created.clone().map(|value| {
        view! {
            <div class="alert alert-success" role="status">
                <p>{l.text(Msg::AccountTokenShownOnce)}</p>
                <p class="secret-row">
                    <code class="secret" id="new-token" translate="no" dir="ltr">{value}</code>
                    <CopyButton target="new-token".to_string() label=l.text(Msg::CopyButton).to_string() done=l.text(Msg::Copied).to_string()/>
                </p>
            </div>
        }
    });
    let list = t
        .tokens
        .iter()
        .map(|x| {
            let expires = match x.expires_at {
                Some(e) => l.text(Msg::AccountExpiresAt).replace("{at}", &l.datetime(e)),
                None => l.text(Msg::AccountNeverExpires).to_string(),
            };
            view! {
                <li class="item">
                    <p class="item-title">{x.name.clone()}</p>
                    <p class="item-detail">{factor_times(x.created_at, x.last_used_at, l)} " · " {expires}</p>
                    {t.editable.then(|| action_button(csrf, "revoke_token", vec![("id", x.id.clone())], l.text(Msg::AccountRevoke).to_string(), false, l))}
                </li>
            }
        })
        .collect_view();
    let chosen = state.value_or(
        "days",
        &t.lifetimes.first().copied().unwrap_or(0).to_string(),
    );
    let options = t
        .lifetimes
        .iter()
        .map(|d| {
            let label = if *d == 0 {
                l.text(Msg::AccountNeverExpires).to_string()
            } else {
                l.text_n(Msg::AccountDays, d)
            };
            view! { <option value=d.to_string() selected=chosen == d.to_string()>{label}</option> }
        })
        .collect_view();
    view! {
        <p class="lead">{l.text(Msg::AccountTokensLead)}</p>
        {created}
        {if t.tokens.is_empty() {
            view! { <p class="item-detail">{l.text(Msg::AccountNoTokens)}</p> }.into_any()
        } else {
            view! { <ul class="items">{list}</ul> }.into_any()
        }}
        {t.editable.then(|| view! {
            <h2 class="section-title">{l.text(Msg::AccountTokenNew)}</h2>
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="create_token"/>
                <TextField
                    name="name".to_string()
                    label=l.text(Msg::AccountTokenName).to_string()
                    autocomplete="off".to_string()
                    value=state.value_or("name", "")
                    error=shown(state.error("name"), l)
                    required=true
                    optional_label=false
                    autofocus=false
                    max_len=64
                    rule=Rule::Text { required: true, min: Some(1), max: Some(64) }
                    locale=l
                />
                <div class="field">
                    <label class="field-label" for="days">{l.text(Msg::AccountTokenLifetime)}</label>
                    <select class="input" id="days" name="days">{options}</select>
                </div>
                <SubmitButton label=l.text(Msg::AccountTokenCreate).to_string() primary=true pending=pending locale=l/>
            </form>
        })}
    }
}

fn delete(d: &DeletePage, state: &AccountState, csrf: &str, l: Locale) -> impl IntoView {
    let blocked = (!d.sole_admin_of.is_empty()).then(|| {
        view! {
            <div class="alert alert-error" role="alert">
                <p>{l.text(Msg::AccountDeleteSoleAdmin).replace("{names}", &d.sole_admin_of.join(", "))}</p>
            </div>
        }
    });
    let error = state.errors.of(Field::Terms);
    let invalid = error.is_some();
    view! {
        <p class="lead">{l.text(Msg::AccountDeleteLead)}</p>
        <ul class="consent-list">
            <li>{l.text(Msg::AccountDeleteWhat1)}</li>
            <li>{l.text(Msg::AccountDeleteWhat2)}</li>
            <li>{l.text(Msg::AccountDeleteWhat3)}</li>
        </ul>
        {blocked}
        {(d.editable && d.sole_admin_of.is_empty()).then(|| view! {
            <form class="form" method="post" action=ACTION novalidate>
                <CsrfField token=csrf.to_string()/>
                <ActionField action="delete_account"/>
                <div class="field field-checkbox" class:field-invalid=invalid>
                    <input type="checkbox" class="checkbox" id="confirm" name="confirm" value="yes"
                        aria-invalid=if invalid { "true" } else { "false" } aria-describedby="confirm-error"/>
                    <label for="confirm">{l.text(Msg::AccountDeleteConfirm)}</label>
                    <p class="field-error" id="confirm-error">{error.map(|e| e.message(l))}</p>
                </div>
                <button type="submit" class="button button-danger">{l.text(Msg::AccountDeleteButton)}</button>
            </form>
        })}
    }
}

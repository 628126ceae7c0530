//! "A few more details": the profile fields the operator collects (at sign-up, and from
//! existing users who lack a field that is now required), and a missing username. The form
//! has one input per field part, so it posts to a plain handler (`/flow/continue`) that
//! reads every name, rather than to a server function with fixed arguments.

use crate::api::{
    ContinueState, IdentifierKind, PageEnv, ProfileFieldView, ProfileKind, Rule, ADDRESS_PARTS,
    NAME_PARTS,
};
use crate::components::{shown, Layout, SubmitButton, TextField};
use crate::i18n::{Locale, Msg};
use crate::screens::CsrfField;
use leptos::prelude::*;

/// Where the form posts.
pub const ACTION: &str = "/flow/continue";
/// Where the profile-editing user flow's form posts.
pub const EDIT_ACTION: &str = "/flow/profile-edit";

/// The screen.
#[component]
pub fn ProfileScreen(env: PageEnv, state: ContinueState) -> impl IntoView {
    let l = env.locale;
    let first_error = state.errors.first().map(|(n, _)| n.clone());
    let focus = move |name: &str| match &first_error {
        Some(f) => f == name,
        None => false,
    };
    let username = state.username.map(|(min, max)| {
        view! {
            <TextField
                name="username".to_string()
                label=l.text(Msg::UsernameLabel).to_string()
                autocomplete="username".to_string()
                value=state.value("username")
                hint=Some(l.text_n(Msg::UsernameHint, min).replace("{m}", &max.to_string()))
                error=shown(state.error("username"), l)
                required=true
                optional_label=false
                autofocus=focus("username") || state.errors.is_empty()
                max_len=max
                rule=Rule::Username { min, max }
                locale=l
            />
        }
    });
    // The addresses the account lacks: each is confirmed with a code before it is kept.
    let asks_username = state.username.is_some();
    let identifiers = state
        .identifiers
        .iter()
        .filter_map(|k| {
            let (name, label, input_type, rule) = match k {
                IdentifierKind::Email => ("email", Msg::EmailLabel, "email", Rule::Email),
                IdentifierKind::Phone => ("phone", Msg::PhoneLabel, "tel", Rule::Phone),
                IdentifierKind::Username => return None,
            };
            let first = !asks_username && state.identifiers.first() == Some(k);
            Some(view! {
                <TextField
                    name=name.to_string()
                    label=l.text(label).to_string()
                    input_type=input_type.to_string()
                    autocomplete=if name == "phone" { "tel".to_string() } else { "email".to_string() }
                    value=state.value(name)
                    hint=Some(l.text(Msg::ContinueVerifyHint).to_string())
                    error=shown(state.error(name), l)
                    required=true
                    optional_label=false
                    autofocus=focus(name) || (first && state.errors.is_empty())
                    inputmode=input_type.to_string()
                    max_len=crate::api::rules::IDENTIFIER_MAX
                    rule=rule
                    locale=l
                />
            })
        })
        .collect_view();
    let fields = state
        .fields
        .iter()
        .map(|f| field_view(f, &state, l, focus(&f.name)))
        .collect_view();
    let (title, lead, action, submit) = if state.editing {
        (
            Msg::ProfileEditTitle,
            Msg::ProfileEditLead,
            EDIT_ACTION,
            Msg::ProfileEditSave,
        )
    } else {
        (
            Msg::ContinueProfileTitle,
            Msg::ContinueProfileLead,
            ACTION,
            Msg::SaveAndContinue,
        )
    };
    view! {
        <Layout env=env.clone() client=state.client.clone() title=l.text(title).to_string()>
            {state.form_error.clone().map(|e| view! {
                <div class="alert alert-error" role="alert" id="form-error" tabindex="-1"><p>{e.message(l)}</p></div>
            })}
            <p class="lead">{l.text(lead)}</p>
            <form class="form" method="post" action=action novalidate>
                <CsrfField token=env.csrf.clone()/>
                {username}
                {identifiers}
                {fields}
                <SubmitButton label=l.text(submit).to_string() primary=true pending=env.pending locale=l/>
            </form>
        </Layout>
    }
}

/// One text-like input of a field (or of a part of it).
fn text_input(
    f: &ProfileFieldView,
    name: String,
    label: String,
    state: &ContinueState,
    locale: Locale,
    autofocus: bool,
    autocomplete: &str,
) -> impl IntoView {
    let input_type = match f.kind {
        ProfileKind::Number => "number",
        ProfileKind::Date => "date",
        ProfileKind::Url => "url",
        _ => "text",
    };
    let rule = match f.kind {
        ProfileKind::Address | ProfileKind::FullName => Rule::Text {
            required: f.required,
            min: None,
            max: Some(256),
        },
        _ => f.rule(),
    };
    view! {
        <TextField
            name=name.clone()
            label=label
            input_type=input_type.to_string()
            autocomplete=autocomplete.to_string()
            value=state.value(&name)
            hint=f.hint.clone()
            error=shown(state.error(&name), locale)
            required=f.required
            optional_label=!f.required
            autofocus=autofocus
            inputmode=if f.kind == ProfileKind::Number { "numeric".to_string() } else { String::new() }
            pattern=f.pattern.clone()
            max_len=256
            rule=rule
            locale=locale
        />
    }
}

pub(crate) fn field_view(
    f: &ProfileFieldView,
    state: &ContinueState,
    l: Locale,
    autofocus: bool,
) -> AnyView {
    match f.kind {
        ProfileKind::Checkbox => {
            let error = state.error(&f.name);
            let invalid = error.is_some();
            let error_id = format!("{}-error", f.name);
            view! {
                <div class="field field-checkbox" class:field-invalid=invalid>
                    <input
                        type="checkbox"
                        id=f.name.clone()
                        name=f.name.clone()
                        value="on"
                        class="checkbox"
                        checked=state.value(&f.name) == "on"
                        required=f.required
                        aria-invalid=if invalid { "true" } else { "false" }
                        aria-describedby=invalid.then(|| error_id.clone())
                    />
                    <label for=f.name.clone()>{f.label.clone()}</label>
                    <p class="field-error" id=error_id>{error.map(|e| e.message(l))}</p>
                </div>
            }
            .into_any()
        }
        ProfileKind::Select => {
            let error = state.error(&f.name);
            let invalid = error.is_some();
            let chosen = state.value(&f.name);
            let error_id = format!("{}-error", f.name);
            view! {
                <div class="field" class:field-invalid=invalid>
                    <label class="field-label" for=f.name.clone()>
                        {f.label.clone()}
                        {(!f.required).then(|| view! { <span class="field-optional">" (" {l.text(Msg::OptionalField)} ")"</span> })}
                    </label>
                    <select
                        class="input"
                        id=f.name.clone()
                        name=f.name.clone()
                        required=f.required
                        aria-invalid=if invalid { "true" } else { "false" }
                        aria-describedby=invalid.then(|| error_id.clone())
                        autofocus=autofocus
                    >
                        <option value="">{l.text(Msg::ChooseOption)}</option>
                        {f.options.iter().map(|(v, label)| view! {
                            <option value=v.clone() selected=*v == chosen>{label.clone()}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" id=error_id>{error.map(|e| e.message(l))}</p>
                </div>
            }
            .into_any()
        }
        ProfileKind::Address | ProfileKind::FullName => {
            let parts: Vec<(&str, Msg)> = if f.kind == ProfileKind::Address {
                ADDRESS_PARTS.to_vec()
            } else {
                NAME_PARTS.to_vec()
            };
            let inputs = parts
                .into_iter()
                .enumerate()
                .map(|(i, (part, msg))| {
                    let name = format!("{}.{part}", f.name);
                    let focus = autofocus && i == 0
                        || state.errors.first().is_some_and(|(n, _)| *n == name);
                    let autocomplete = autocomplete_of(part);
                    // The region of an address is optional even in a required address.
                    let mut part_field = f.clone();
                    part_field.required = f.required && part != "region";
                    text_input(
                        &part_field,
                        name,
                        l.text(msg).to_string(),
                        state,
                        l,
                        focus,
                        autocomplete,
                    )
                })
                .collect_view();
            view! {
                <fieldset class="fieldset">
                    <legend class="field-label">{f.label.clone()}</legend>
                    {inputs}
                </fieldset>
            }
            .into_any()
        }
        _ => text_input(
            f,
            f.name.clone(),
            f.label.clone(),
            state,
            l,
            autofocus,
            "off",
        )
        .into_any(),
    }
}

/// The `autocomplete` token of an address or name part.
fn autocomplete_of(part: &str) -> &'static str {
    match part {
        "street_address" => "street-address",
        "locality" => "address-level2",
        "region" => "address-level1",
        "postal_code" => "postal-code",
        "country" => "country-name",
        "given_name" => "given-name",
        "family_name" => "family-name",
        _ => "off",
    }
}

use crate::api::{Rule, UiError};
use crate::i18n::{Locale, Msg};
use leptos::prelude::*;

/// The ids that tie a field's hint and error to its input (`aria-describedby`).
fn described_by(name: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if has_hint {
        ids.push(format!("{name}-hint"));
    }
    if has_error {
        ids.push(format!("{name}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

// The forms carry `novalidate`: errors are ours (translated, beside the field), not the
// browser's bubbles.

/// What a field island is given of the server's error: its text in the page's language. Not
/// the error itself, because deserialising `UiError` (every variant of every screen) in each
/// island's props cost the browser bundle about 40 KB.
pub fn shown(error: Option<UiError>, locale: Locale) -> Option<String> {
    error.map(|e| e.message(locale))
}

/// Validation state shared by the two field islands: the server's error first, then the
/// browser's own check once the user leaves the field.
fn field_error(
    initial: Option<String>,
    rule: Rule,
    locale: Locale,
) -> (
    ReadSignal<Option<String>>,
    impl Fn(web_sys::FocusEvent) + Copy,
    impl Fn(web_sys::Event) + Copy,
) {
    let (error, set_error) = signal(initial);
    // Only a field the user has typed in is checked when left: merely passing through a
    // field (or clicking a link below it) must not raise errors and shift the layout.
    let (dirty, set_dirty) = signal(false);
    let on_blur = move |ev: web_sys::FocusEvent| {
        if dirty.get_untracked() && !leaving_for_action(&ev) {
            set_error.set(shown(check(rule, &ev).err(), locale));
        }
    };
    // While an error shows, re-check on every keystroke so it clears as soon as it is fixed.
    let on_input = move |ev: web_sys::Event| {
        set_dirty.set(true);
        if error.get_untracked().is_some() {
            set_error.set(shown(check(rule, &ev).err(), locale));
        }
    };
    (error, on_blur, on_input)
}

/// The rule on the input's value; a `pattern` is checked by the browser's own engine.
fn check(rule: Rule, ev: &web_sys::Event) -> Result<(), UiError> {
    rule.check(&event_target_value(ev))?;
    if let Rule::Pattern { .. } = rule {
        let input: web_sys::HtmlInputElement = event_target(ev);
        if input.validity().pattern_mismatch() {
            return Err(UiError::PatternMismatch);
        }
    }
    Ok(())
}

/// Whether focus moves to a button or link: an error appearing then would shift the layout
/// under the pointer and swallow the click (the server checks on submit anyway).
fn leaving_for_action(ev: &web_sys::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.related_target().is_some_and(|t| {
        t.dyn_ref::<web_sys::HtmlButtonElement>().is_some()
            || t.dyn_ref::<web_sys::HtmlAnchorElement>().is_some()
    })
}

/// A labelled text input with hint, error and instant validation.
#[island]
pub fn TextField(
    name: String,
    label: String,
    #[prop(optional)] input_type: Option<String>,
    autocomplete: String,
    value: String,
    #[prop(optional_no_strip)] hint: Option<String>,
    #[prop(optional_no_strip)] error: Option<String>,
    required: bool,
    optional_label: bool,
    autofocus: bool,
    #[prop(optional)] inputmode: Option<String>,
    #[prop(optional_no_strip)] pattern: Option<String>,
    max_len: usize,
    rule: Rule,
    locale: Locale,
) -> impl IntoView {
    let (error, on_blur, on_input) = field_error(error, rule, locale);
    let has_hint = hint.is_some();
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let id = name.clone();
    let describedby = {
        let name = name.clone();
        move || described_by(&name, has_hint, error.get().is_some())
    };
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label class="field-label" for=id.clone()>
                {label}
                {optional_label.then(|| view! { <span class="field-optional">" (" {locale.text(Msg::OptionalField)} ")"</span> })}
            </label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <input
                class="input"
                id=id
                name=name
                type=input_type.unwrap_or_else(|| "text".into())
                autocomplete=autocomplete
                inputmode=inputmode
                pattern=pattern
                value=value
                required=required
                autofocus=autofocus
                maxlength=max_len
                spellcheck="false"
                autocapitalize="none"
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=describedby
                on:blur=on_blur
                on:input=on_input
            />
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A password input with a show/hide toggle. The toggle appears only once the island is
/// hydrated, because without JavaScript it could not work.
#[island]
pub fn PasswordField(
    name: String,
    label: String,
    autocomplete: String,
    #[prop(optional_no_strip)] hint: Option<String>,
    #[prop(optional_no_strip)] error: Option<String>,
    autofocus: bool,
    rule: Rule,
    locale: Locale,
) -> impl IntoView {
    let (error, on_blur, on_input) = field_error(error, rule, locale);
    let (visible, set_visible) = signal(false);
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let has_hint = hint.is_some();
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let id = name.clone();
    let toggle_controls = name.clone();
    let describedby = {
        let name = name.clone();
        move || described_by(&name, has_hint, error.get().is_some())
    };
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label class="field-label" for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <div class="password-wrap">
                <input
                    class="input"
                    id=id
                    name=name
                    type=move || if visible.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    required=true
                    autofocus=autofocus
                    maxlength=crate::api::rules::PASSWORD_MAX
                    spellcheck="false"
                    autocapitalize="none"
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                    aria-describedby=describedby
                    on:blur=on_blur
                    on:input=on_input
                />
                <button
                    type="button"
                    class="password-toggle"
                    hidden=move || !hydrated.get()
                    aria-controls=toggle_controls
                    aria-pressed=move || if visible.get() { "true" } else { "false" }
                    on:click=move |_| set_visible.update(|v| *v = !*v)
                >
                    {move || locale.text(if visible.get() { Msg::HidePassword } else { Msg::ShowPassword })}
                </button>
            </div>
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// The identifier input of the sign-in and reset screens: label, type and autocomplete follow
/// the identifier kinds the screen accepts.
#[component]
pub fn IdentifierField(
    kinds: Vec<crate::api::IdentifierKind>,
    value: String,
    #[prop(optional_no_strip)] error: Option<UiError>,
    autofocus: bool,
    rule: Rule,
    locale: Locale,
    /// Offer passkeys in the field's autofill (conditional mediation).
    #[prop(optional)]
    passkeys: bool,
) -> impl IntoView {
    use crate::api::{Field, IdentifierKind};
    let autocomplete = if passkeys {
        format!("{} webauthn", IdentifierKind::autocomplete(&kinds))
    } else {
        IdentifierKind::autocomplete(&kinds).to_string()
    };
    view! {
        <TextField
            name=Field::Identifier.name().to_string()
            label=locale.text(IdentifierKind::label(&kinds)).to_string()
            input_type=IdentifierKind::input_type(&kinds).to_string()
            autocomplete=autocomplete
            value=value
            error=shown(error, locale)
            required=true
            optional_label=false
            autofocus=autofocus
            max_len=crate::api::rules::IDENTIFIER_MAX
            rule=rule
            locale=locale
        />
    }
}

/// A form's submit button. Once hydrated it shows the pending state while the submission is
/// on its way (`aria-busy`, a "working" line) and ignores further presses, so a double click
/// cannot post twice. Without JavaScript it is a plain submit button.
#[island]
pub fn SubmitButton(
    label: String,
    #[prop(optional_no_strip)] name: Option<String>,
    #[prop(optional_no_strip)] value: Option<String>,
    primary: bool,
    /// Shown already pending (the gallery's pending state).
    pending: bool,
    locale: Locale,
) -> impl IntoView {
    let (busy, set_busy) = signal(pending);
    // Busy is set during the click, before the form posts: `aria-busy` does not take the
    // button out of the submission, as `disabled` would.
    let on_click = move |ev: web_sys::MouseEvent| {
        if busy.get_untracked() {
            ev.prevent_default();
        } else {
            set_busy.set(true);
        }
    };
    let class = if primary {
        "button button-primary"
    } else {
        "button button-secondary"
    };
    view! {
        <button
            type="submit"
            class=class
            name=name
            value=value
            aria-busy=move || if busy.get() { "true" } else { "false" }
            on:click=on_click
        >
            {label}
            <span class="button-busy" hidden=move || !busy.get()>" · " {locale.text(Msg::Working)}</span>
        </button>
    }
}

/// A new password and its confirmation, with the policy's hint.
#[component]
pub fn NewPasswordFields(
    rules: crate::api::PasswordRules,
    errors: crate::api::FormErrors,
    /// Which of the two gets focus, if any.
    #[prop(optional_no_strip)]
    focus: Option<crate::api::Field>,
    locale: Locale,
) -> impl IntoView {
    use crate::api::Field;
    view! {
        <PasswordField
            name=Field::NewPassword.name().to_string()
            label=locale.text(Msg::NewPasswordLabel).to_string()
            autocomplete="new-password".to_string()
            hint=Some(locale.text_n(Msg::NewPasswordHint, rules.min))
            error=shown(errors.of(Field::NewPassword), locale)
            autofocus=focus == Some(Field::NewPassword)
            rule=Rule::NewPassword(rules)
            locale=locale
        />
        <PasswordField
            name=Field::ConfirmPassword.name().to_string()
            label=locale.text(Msg::ConfirmPasswordLabel).to_string()
            autocomplete="new-password".to_string()
            error=shown(errors.of(Field::ConfirmPassword), locale)
            autofocus=focus == Some(Field::ConfirmPassword)
            rule=Rule::Required
            locale=locale
        />
    }
}

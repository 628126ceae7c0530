//! Browser-only helpers of the second-factor screens.
//!
//! The WebAuthn half runs `navigator.credentials.create` or `.get` with the options the
//! server made (webauthn-rs's JSON: binary values as base64url) and hands the browser's
//! answer back as JSON in the same format, in a form post. The server checks everything;
//! nothing here decides. The JSON is converted with the browser's own `JSON` and base64
//! functions rather than by deserialising webauthn-rs-proto's types in WebAssembly: the same
//! result for about 40 KB less of bundle (see docs/performance.md).

use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(obj: &JsValue, key: &str, value: &JsValue) -> Option<()> {
    Reflect::set(obj, &JsValue::from_str(key), value).ok()?;
    Some(())
}

/// base64url (as webauthn-rs writes binary values) to bytes, with the browser's `atob`.
fn from_b64url(window: &web_sys::Window, text: &str) -> Option<Uint8Array> {
    let mut std: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while std.len() % 4 != 0 {
        std.push('=');
    }
    let binary = window.atob(&std).ok()?;
    let bytes: Vec<u8> = binary.chars().map(|c| c as u32 as u8).collect();
    Some(Uint8Array::from(bytes.as_slice()))
}

/// Bytes (an `ArrayBuffer` or a view of one) to base64url without padding, with `btoa`.
fn to_b64url(window: &web_sys::Window, buffer: &JsValue) -> Option<String> {
    if buffer.is_null() || buffer.is_undefined() {
        return None;
    }
    let bytes = Uint8Array::new(buffer).to_vec();
    let binary: String = bytes.iter().map(|b| char::from(*b)).collect();
    let std = window.btoa(&binary).ok()?;
    Some(
        std.trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect(),
    )
}

/// Replaces the base64url string at `obj[key]` with its bytes.
fn decode_in_place(window: &web_sys::Window, obj: &JsValue, key: &str) -> Option<()> {
    let text = get(obj, key).as_string()?;
    set(obj, key, &from_b64url(window, &text)?.into())
}

/// The options for the browser: binary values as bytes; without the conditional mediation
/// unless `conditional`.
fn browser_options(window: &web_sys::Window, options: &str, conditional: bool) -> Option<JsValue> {
    let all = JSON::parse(options).ok()?;
    let pk = get(&all, "publicKey");
    decode_in_place(window, &pk, "challenge")?;
    let user = get(&pk, "user");
    if user.is_object() {
        decode_in_place(window, &user, "id")?;
    }
    for list in ["excludeCredentials", "allowCredentials"] {
        if let Some(items) = get(&pk, list).dyn_ref::<Array>() {
            for item in items.iter() {
                decode_in_place(window, &item, "id")?;
            }
        }
    }
    let wants_conditional = get(&all, "mediation").as_string().as_deref() == Some("conditional");
    if conditional != wants_conditional {
        if conditional {
            return None;
        }
        let object: &Object = all.unchecked_ref();
        Reflect::delete_property(object, &JsValue::from_str("mediation")).ok()?;
    }
    Some(all)
}

/// The browser's answer as webauthn-rs reads it: binary values as base64url.
fn answer_json(window: &web_sys::Window, credential: &JsValue, create: bool) -> Option<String> {
    let response = get(credential, "response");
    let out = Object::new();
    set(&out, "id", &get(credential, "id"))?;
    set(
        &out,
        "rawId",
        &to_b64url(window, &get(credential, "rawId"))?.into(),
    )?;
    set(&out, "type", &JsValue::from_str("public-key"))?;
    let r = Object::new();
    let fields: &[&str] = if create {
        &["clientDataJSON", "attestationObject"]
    } else {
        &[
            "clientDataJSON",
            "authenticatorData",
            "signature",
            "userHandle",
        ]
    };
    for key in fields {
        match to_b64url(window, &get(&response, key)) {
            Some(v) => set(&r, key, &v.into())?,
            // Only the user handle may be absent.
            None if *key == "userHandle" => {}
            None => return None,
        }
    }
    set(&out, "response", &r)?;
    set(&out, "extensions", &Object::new())?;
    JSON::stringify(&out).ok()?.as_string()
}

/// Runs a ceremony; `None` when it failed or was cancelled. `conditional` asks for the
/// autofill form of `get` (the server's options carry that mediation).
pub async fn ceremony(options: &str, create: bool, conditional: bool) -> Option<String> {
    let window = web_sys::window()?;
    let creds = window.navigator().credentials();
    let opts = browser_options(&window, options, conditional && !create)?;
    let promise = if create {
        creds.create_with_options(opts.unchecked_ref()).ok()?
    } else {
        creds.get_with_options(opts.unchecked_ref()).ok()?
    };
    let credential = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    if credential.is_null() {
        return None;
    }
    answer_json(&window, &credential, create)
}

/// Puts `answer` in the `credential` input of form `form_id` and submits it.
pub fn submit(form_id: &str, answer: &str) {
    let Some(form) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(form_id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    if let Some(input) = form
        .query_selector("input[name=credential]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value(answer);
    }
    let _ = form.submit();
}

/// Copies the text of element `id` to the clipboard; whether the browser accepted it.
pub async fn copy_text_of(id: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Some(text) = window
        .document()
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.text_content())
    else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

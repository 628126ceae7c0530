//! Browser-only helpers of the second-factor screens. The WebAuthn half runs `navigator.credentials.create` or `.get` with the
//! options the server made (webauthn-rs-proto types, converted to the browser's by the
//! crate's `wasm` feature) and hands the answer back as JSON in a form post. The server
//! checks everything; nothing here decides.

use wasm_bindgen::JsCast;
use webauthn_rs_proto::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

/// Runs a ceremony; `None` when it failed or was cancelled. `conditional` asks for the
/// autofill form of `get` (the options carry the mediation).
pub async fn ceremony(options: &str, create: bool, conditional: bool) -> Option<String> {
    let creds = web_sys::window()?.navigator().credentials();
    let promise = if create {
        let o: CreationChallengeResponse = serde_json::from_str(options).ok()?;
        let o: web_sys::CredentialCreationOptions = o.into();
        creds.create_with_options(&o).ok()?
    } else {
        let mut o: RequestChallengeResponse = serde_json::from_str(options).ok()?;
        if !conditional {
            o.mediation = None;
        } else if o.mediation.is_none() {
            return None;
        }
        let o: web_sys::CredentialRequestOptions = o.into();
        creds.get_with_options(&o).ok()?
    };
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let credential: web_sys::PublicKeyCredential = value.dyn_into().ok()?;
    if create {
        serde_json::to_string(&RegisterPublicKeyCredential::from(credential)).ok()
    } else {
        serde_json::to_string(&PublicKeyCredential::from(credential)).ok()
    }
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

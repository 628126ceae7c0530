//! WebAuthn client data and attestation, as a passkey registration answer reaches Sesame:
//! the answer is read as webauthn-rs-proto's `RegisterPublicKeyCredential` (what
//! `server::flow::mfa::register_passkey` does) and finished by the relying party that
//! `server::mfa::webauthn` builds, against a registration started here. The first byte picks
//! the shape: the whole answer as JSON, or the client data JSON (with `CHALLENGE` standing for
//! the started registration's challenge) and the attestation object, split at the first
//! `\n--\n`, in an answer built here. It must refuse, never panic; an answer whose client data
//! names another challenge, type or origin is never accepted.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PasskeyRegistration, RegisterPublicKeyCredential,
};

struct Started {
    challenge: String,
    registration: PasskeyRegistration,
}

fn started() -> &'static Started {
    static STARTED: OnceLock<Started> = OnceLock::new();
    STARTED.get_or_init(|| {
        let rp = sesame_fuzz::fixture()
            .state
            .webauthn
            .clone()
            .expect("passkeys on localhost");
        let (ccr, registration): (CreationChallengeResponse, PasskeyRegistration) = rp
            .start_passkey_registration(webauthn_rs::prelude::Uuid::nil(), "fuzz", "Fuzz", None)
            .expect("a registration");
        let challenge = serde_json::to_value(&ccr)
            .ok()
            .and_then(|v| v["publicKey"]["challenge"].as_str().map(String::from))
            .expect("the challenge");
        Started {
            challenge,
            registration,
        }
    })
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fuzz_target!(|data: &[u8]| {
    let f = sesame_fuzz::fixture();
    let rp = f.state.webauthn.as_ref().expect("passkeys on localhost");
    let s = started();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let json = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let text = String::from_utf8_lossy(rest).replace("CHALLENGE", &s.challenge);
        let (client_data, attestation) = text.split_once("\n--\n").unwrap_or((&text, ""));
        serde_json::json!({
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "extensions": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "attestationObject": b64(attestation.as_bytes()),
                "transports": ["internal"],
            },
        })
        .to_string()
    };
    let Ok(answer) = serde_json::from_str::<RegisterPublicKeyCredential>(&json) else {
        return;
    };
    if rp
        .finish_passkey_registration(&answer, &s.registration)
        .is_ok()
    {
        let client_data: serde_json::Value =
            serde_json::from_slice(answer.response.client_data_json.as_ref()).expect("client data");
        assert_eq!(client_data["type"], "webauthn.create", "{client_data}");
        assert_eq!(
            client_data["challenge"],
            s.challenge.as_str(),
            "{client_data}"
        );
        assert_eq!(
            client_data["origin"], "http://localhost:3000",
            "{client_data}"
        );
    }
});

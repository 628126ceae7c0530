//! JWT/JWS parsing and verification of Sesame's own tokens (`server::keys::Keys::verify`, as
//! `id_token_hint` is read). Inputs are tried as they are and spliced into tokens Sesame
//! signed at start (another header, payload or signature; `alg` swapped for `none`, `HS256`
//! and others). Beyond not panicking: a token verifies only when its signed part (header and
//! payload) is exactly one Sesame signed.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fuzz_target!(|data: &[u8]| {
    let f = sesame_fuzz::fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let s = String::from_utf8_lossy(rest);
    let known = &f.signed_tokens[usize::from(mode >> 4) % f.signed_tokens.len()];
    let parts: Vec<&str> = known.split('.').collect();
    let (header, payload, signature) = (parts[0], parts[1], parts[2]);
    let kid = josekit::jwt::decode_header(known)
        .ok()
        .and_then(|h| h.claim("kid").and_then(|k| k.as_str()).map(String::from))
        .unwrap_or_default();
    let candidate = match mode % 8 {
        0 => s.to_string(),
        1 => format!("{header}.{s}"),
        2 => format!("{s}.{signature}"),
        3 => format!("{header}.{payload}.{s}"),
        4 => format!("{header}.{}.{signature}", b64(rest)),
        5 => format!("{}.{payload}.{signature}", b64(rest)),
        6 => {
            // Another algorithm named for the same key, the signature as given.
            let h = serde_json::json!({ "alg": s, "kid": kid, "typ": "JWT" });
            format!("{}.{payload}.{signature}", b64(h.to_string().as_bytes()))
        }
        _ => {
            // `none`, or an HMAC keyed with whatever the input says, for Sesame's key id.
            let h = serde_json::json!({ "alg": if rest.is_empty() { "none" } else { "HS256" }, "kid": kid });
            format!("{}.{payload}.{}", b64(h.to_string().as_bytes()), b64(rest))
        }
    };
    if f.state.keys.verify(&candidate).is_ok() {
        let signed = candidate.rsplit_once('.').map(|(s, _)| s).unwrap_or("");
        assert!(
            f.signed_tokens
                .iter()
                .any(|t| t.rsplit_once('.').map(|(s, _)| s) == Some(signed)),
            "verified a token Sesame did not sign: {candidate:?}"
        );
    }
});

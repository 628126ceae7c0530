//! SAML response parsing and checking (`server::federation::saml::verify`: base64, XML,
//! xmlsec signature, issuer, audience, recipient, time window, status). The first byte picks
//! how the rest is used: as a posted `SAMLResponse` as is, as XML (base64-encoded here), or as
//! XML signed here with the identity provider's key when it has a signature template, so that
//! the checks after the signature are reached (`NOW` in it stands for the current time).
//! Beyond not panicking: nothing that was not signed with the provider's key is accepted, and
//! an accepted response is for Sesame's entity id and assertion consumer service and from the
//! configured provider.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use server::federation::saml::{acs_url, sp_entity_id, verify};

fuzz_target!(|data: &[u8]| {
    let f = sesame_fuzz::fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let c = f
        .state
        .connectors
        .get(sesame_fuzz::SAML_CONNECTOR)
        .expect("the SAML connector");
    let text = String::from_utf8_lossy(rest).into_owned();
    let (posted, signed_here) = match mode % 3 {
        0 => (text, false),
        1 => (
            base64::engine::general_purpose::STANDARD.encode(&text),
            false,
        ),
        // `NOW` stands for the current time (a response is valid for minutes only).
        _ => match sesame_fuzz::idp_sign(&text.replace(
            "NOW",
            &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )) {
            Some(xml) => (base64::engine::general_purpose::STANDARD.encode(&xml), true),
            None => return,
        },
    };
    let answer = f.runtime.block_on(verify(
        &f.state.http,
        &f.state.connectors.saml_metadata,
        &f.state.issuer,
        c,
        &posted,
    ));
    // SESAME_FUZZ_SHOW=1 prints each verdict (to see which seeds get past the signature).
    if std::env::var_os("SESAME_FUZZ_SHOW").is_some() {
        eprintln!("saml_response: signed here: {signed_here}; {answer:?}");
    }
    if answer.is_ok() {
        assert!(signed_here, "accepted a response the provider did not sign");
        let xml = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(&posted)
                .expect("base64"),
        )
        .expect("UTF-8");
        let sp = sp_entity_id(&f.state.issuer, c);
        assert!(
            xml.contains(&format!(">{sp}<")),
            "accepted without our audience: {xml}"
        );
        let acs = acs_url(&f.state.issuer, c);
        assert!(
            xml.contains(&format!("\"{acs}\"")),
            "accepted without our ACS: {xml}"
        );
        assert!(
            xml.contains(&format!(">{}<", sesame_fuzz::IDP_ENTITY)),
            "accepted from another issuer: {xml}"
        );
    }
});

//! The authorization request parser (`server::oidc::authorize::parse`), fed what `/authorize`
//! reads from a query string or form body. Beyond not panicking: a request it accepts names a
//! registered client and one of its redirect URIs, carries PKCE when the client is public and
//! a code is asked for, and an error it sends back to the app goes only to a registered
//! redirect URI (never an open redirect).
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::oidc::authorize::{parse, Rejection};
use server::oidc::redirect_uri::matches;

fuzz_target!(|data: &[u8]| {
    let f = sesame_fuzz::fixture();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    let named = pairs
        .iter()
        .find(|(k, _)| k == "client_id")
        .and_then(|(_, v)| f.state.client(v));
    match parse(&f.state, pairs.clone()) {
        Ok(req) => {
            let client = f
                .state
                .client(&req.client_id)
                .expect("accepted for a known client");
            assert!(
                matches(&client.redirect_uris, &req.redirect_uri),
                "accepted an unregistered redirect URI {:?}",
                req.redirect_uri
            );
            if client.secret.is_none() && req.response_type.code() {
                assert!(
                    req.code_challenge.is_some(),
                    "a public client's code without PKCE"
                );
            }
            assert!(req.state.as_ref().is_none_or(|s| s.len() <= 2048));
            assert!(req.nonce.as_ref().is_none_or(|n| n.len() <= 512));
        }
        Err(Rejection::Redirect { target, .. }) => {
            let client = named.expect("an error redirected for an unknown client");
            assert!(
                matches(&client.redirect_uris, &target.redirect_uri),
                "an error redirected to an unregistered URI {:?}",
                target.redirect_uri
            );
        }
        Err(Rejection::Page(..)) => {}
    }
});

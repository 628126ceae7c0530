//! SAML single sign-on through the router, against an identity provider made here from
//! samael's message types and signed with xmlsec, so that it can misbehave on purpose:
//! unsigned responses, responses changed after signing, signed by another key, wrapped
//! around a forged assertion, for another audience or recipient, from another issuer,
//! expired, answering another request, replayed. Also SP-initiated and IdP-initiated sign-in
//! and the local second factor after SSO (peer vulnerability #11). The happy paths against an
//! independent IdP (npm samlify) are in end2end/tests/federation.spec.ts.

use crate::common::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use chrono::{Duration, Utc};
use samael::attribute::{Attribute, AttributeValue};
use samael::crypto::{CertificateDer, Crypto, CryptoProvider};
use samael::idp::{CertificateParams, IdentityProvider, KeyType, Rsa};
use samael::schema::{
    Assertion, AttributeStatement, AudienceRestriction, AuthnContext, AuthnContextClassRef,
    AuthnStatement, Conditions, Issuer, Response, Status, StatusCode as SamlStatus, Subject,
    SubjectConfirmation, SubjectConfirmationData, SubjectNameID,
};
use samael::signature::{DigestAlgorithm, Signature};
use samael::traits::ToXml;
use server::config::MfaPolicy;
use std::io::Read;

const IDP: &str = "https://idp.corp.example/saml";
const SSO: &str = "https://idp.corp.example/sso";
const ACS: &str = "http://localhost:3000/saml/corp/acs";
const SP: &str = "http://localhost:3000/saml/corp";
const MFA_CLASS: &str = "http://schemas.microsoft.com/claims/multipleauthn";

struct Idp {
    key: IdentityProvider,
    cert: CertificateDer,
}

impl Idp {
    fn new() -> Idp {
        let key = IdentityProvider::generate_new(KeyType::Rsa(Rsa::Rsa2048)).expect("key");
        let cert = key
            .create_certificate(&CertificateParams {
                common_name: "idp.corp.example",
                issuer_name: "idp.corp.example",
                days_until_expiration: 2,
            })
            .expect("certificate");
        Idp { key, cert }
    }

    fn pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(self.cert.der_data());
        format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
    }

    fn sign(&self, xml: &str) -> String {
        let der = self.key.export_private_key_der().expect("der");
        Crypto::sign_xml(xml, &der).expect("sign")
    }
}

/// What the test IdP says, and how it gets it wrong.
#[derive(Clone)]
struct Say {
    subject: String,
    email: Option<String>,
    in_response_to: Option<String>,
    audience: String,
    recipient: String,
    issuer: String,
    /// Seconds from now the confirmation runs out (negative: expired).
    lifetime: i64,
    class_ref: String,
    status: String,
    /// Digest with SHA-1, which Sesame refuses (samael's template default).
    sha1: bool,
}

fn say(subject: &str, email: &str, in_response_to: Option<&str>) -> Say {
    Say {
        subject: subject.into(),
        email: Some(email.into()),
        in_response_to: in_response_to.map(String::from),
        audience: SP.into(),
        recipient: ACS.into(),
        issuer: IDP.into(),
        lifetime: 300,
        class_ref: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into(),
        status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
        sha1: false,
    }
}

fn assertion(s: &Say) -> Assertion {
    let now = Utc::now();
    let until = now + Duration::seconds(s.lifetime);
    let issuer = Issuer {
        value: Some(s.issuer.clone()),
        ..Default::default()
    };
    let mut attributes = vec![Attribute {
        friendly_name: None,
        name: Some("displayName".into()),
        name_format: None,
        values: vec![AttributeValue {
            attribute_type: Some("xs:string".into()),
            value: Some("Jo Corp".into()),
        }],
    }];
    if let Some(e) = &s.email {
        attributes.push(Attribute {
            friendly_name: None,
            name: Some("email".into()),
            name_format: None,
            values: vec![AttributeValue {
                attribute_type: Some("xs:string".into()),
                value: Some(e.clone()),
            }],
        });
    }
    Assertion {
        id: format!("_a{}", uuid::Uuid::new_v4()),
        issue_instant: now,
        version: "2.0".into(),
        issuer,
        signature: None,
        subject: Some(Subject {
            name_id: Some(SubjectNameID {
                format: Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into()),
                value: s.subject.clone(),
            }),
            subject_confirmations: Some(vec![SubjectConfirmation {
                method: Some("urn:oasis:names:tc:SAML:2.0:cm:bearer".into()),
                name_id: None,
                subject_confirmation_data: Some(SubjectConfirmationData {
                    not_before: None,
                    not_on_or_after: Some(until),
                    recipient: Some(s.recipient.clone()),
                    in_response_to: s.in_response_to.clone(),
                    address: None,
                    content: None,
                }),
            }]),
        }),
        conditions: Some(Conditions {
            not_before: Some(now - Duration::seconds(5)),
            not_on_or_after: Some(until),
            audience_restrictions: Some(vec![AudienceRestriction {
                audience: vec![s.audience.clone()],
            }]),
            one_time_use: None,
            proxy_restriction: None,
        }),
        authn_statements: Some(vec![AuthnStatement {
            authn_instant: Some(now),
            session_index: None,
            session_not_on_or_after: None,
            subject_locality: None,
            authn_context: Some(AuthnContext {
                value: Some(AuthnContextClassRef {
                    value: Some(s.class_ref.clone()),
                }),
            }),
        }]),
        attribute_statements: Some(vec![AttributeStatement { attributes }]),
    }
}

/// What the IdP signs.
#[derive(Clone, Copy, PartialEq)]
enum Signed {
    Nothing,
    /// The whole response (enveloped signature).
    Response,
    /// The assertion only, in an unsigned response.
    Assertion,
}

fn template(id: &str, idp: &Idp, s: &Say) -> Signature {
    let mut sig = Signature::template(id, &idp.cert);
    if !s.sha1 {
        for r in &mut sig.signed_info.reference {
            r.digest_method.algorithm = DigestAlgorithm::Sha256;
        }
    }
    sig
}

/// The response XML, with a signature template where `signed` says.
fn response_xml(idp: &Idp, s: &Say, signed: Signed) -> String {
    let id = format!("_r{}", uuid::Uuid::new_v4());
    let success = s.status.ends_with(":Success");
    let mut a = assertion(s);
    if signed == Signed::Assertion {
        a.signature = Some(template(&a.id, idp, s));
    }
    let r = Response {
        id: id.clone(),
        in_response_to: s.in_response_to.clone(),
        version: "2.0".into(),
        issue_instant: Utc::now(),
        destination: Some(s.recipient.clone()),
        consent: None,
        issuer: Some(Issuer {
            value: Some(s.issuer.clone()),
            ..Default::default()
        }),
        signature: (signed == Signed::Response).then(|| template(&id, idp, s)),
        status: Some(Status {
            status_code: SamlStatus {
                value: Some(s.status.clone()),
            },
            status_message: None,
            status_detail: None,
        }),
        encrypted_assertion: None,
        assertion: success.then_some(a),
    };
    r.to_string().expect("xml")
}

fn b64(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml.as_bytes())
}

/// A response signed by `idp`, base64.
fn signed(idp: &Idp, s: &Say) -> String {
    b64(&idp.sign(&response_xml(idp, s, Signed::Response)))
}

async fn sesame(
    idp: &Idp,
    extra: &str,
    edit: impl FnOnce(&mut server::config::Config),
) -> TestServer {
    let text = format!(
        "id = \"corp\"\npreset = \"saml\"\nkind = \"enterprise\"\nname = \"Corp\"\nidp_entity_id = \"{IDP}\"\nidp_sso_url = \"{SSO}\"\nidp_certificate = \"\"\"{}\"\"\"\nemail_domains = [\"corp.example\"]\n{extra}",
        idp.pem()
    );
    let connector = toml::from_str(&text).expect("connector");
    TestServer::start_with(move |c| {
        c.connectors = vec![connector];
        // Accounts are made with the email address the provider vouches for.
        c.experience.sign_up_identifiers = vec![server::config::IdentifierKind::Email];
        edit(c);
    })
    .await
}

/// The IdP's browser post to the assertion consumer service: cross-site, so without
/// Sesame's cookies.
async fn post_acs(s: &mut TestServer, saml_response: &str, relay_state: &str) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLResponse", saml_response)
        .append_pair("RelayState", relay_state)
        .finish();
    let req = Request::post("/saml/corp/acs")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://idp.corp.example")
        .body(Body::from(body))
        .expect("request");
    s.send(req).await
}

/// Starts single sign-on for `email`; returns the AuthnRequest's ID and the RelayState.
async fn start(s: &mut TestServer, email: &str) -> (String, String) {
    let csrf = s.get("/sso").await.csrf();
    let go = s
        .post_form(
            "/flow/federation",
            &[("csrf", &csrf), ("action", "sso"), ("email", email)],
        )
        .await;
    let to = go.location().expect("redirect to the IdP");
    assert!(to.starts_with(&format!("{SSO}?SAMLRequest=")), "{to}");
    let request = query_param(&to, "SAMLRequest").expect("SAMLRequest");
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(request)
        .expect("base64");
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .expect("deflate");
    assert!(
        xml.contains(&format!("AssertionConsumerServiceURL=\"{ACS}\"")),
        "{xml}"
    );
    assert!(xml.contains(SP), "our entity id as issuer: {xml}");
    let id = xml
        .split("ID=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("ID")
        .to_string();
    (id, query_param(&to, "RelayState").expect("RelayState"))
}

/// Posts `saml_response`, then follows the browser back into its flow.
async fn answer(s: &mut TestServer, saml_response: &str, relay: &str) -> Answer {
    let posted = post_acs(s, saml_response, relay).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let back = posted.location().expect("back to Sesame");
    assert!(back.starts_with("/saml/corp/acs?"), "{back}");
    s.get(&back).await
}

/// A refused answer brings the user to sign-in with the message, and nothing is created.
async fn refused(s: &mut TestServer, a: &Answer) {
    assert_eq!(a.location().as_deref(), Some("/sign-in"), "{}", a.body);
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("Corp could not sign you in"),
        "{}",
        page.body
    );
    assert_eq!(s.state.db.count("identities").await.expect("count"), 0);
}

#[tokio::test]
async fn sp_initiated_single_sign_on_creates_the_account_then_signs_it_in() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
    let user = s
        .state
        .db
        .user_by_email("jo@corp.example")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(
        user.email_verified, 1,
        "the enterprise provider speaks for its domain"
    );
    assert!(user
        .profile
        .as_deref()
        .unwrap_or_default()
        .contains("Jo Corp"));
    assert_eq!(
        s.state.db.identity_user("corp", "u-1").await.expect("db"),
        Some(user.id.clone())
    );

    // Signing in again finds the same account by (connector, subject).
    s.jar.clear();
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
    assert_eq!(s.state.db.count("users").await.expect("count"), 1);

    // The metadata an administrator registers Sesame with at the IdP.
    let md = s.get("/saml/corp/metadata").await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(
        md.body.contains(&format!("entityID=\"{SP}\"")),
        "{}",
        md.body
    );
    assert!(
        md.body.contains(&format!("Location=\"{ACS}\"")),
        "{}",
        md.body
    );
    assert!(
        md.body.contains("WantAssertionsSigned=\"true\""),
        "{}",
        md.body
    );
}

#[tokio::test]
async fn unsigned_forged_foreign_and_wrapped_responses_are_refused() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;
    let other = Idp::new();

    // Not signed at all.
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let unsigned = b64(&response_xml(
        &idp,
        &say("u-1", "jo@corp.example", Some(&id)),
        Signed::Nothing,
    ));
    let a = answer(&mut s, &unsigned, &relay).await;
    refused(&mut s, &a).await;

    // Changed after signing: the email in the signed assertion.
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let xml = idp.sign(&response_xml(
        &idp,
        &say("u-1", "jo@corp.example", Some(&id)),
        Signed::Response,
    ));
    let forged = xml.replace("jo@corp.example", "ceo@corp.example");
    assert_ne!(xml, forged);
    let a = answer(&mut s, &b64(&forged), &relay).await;
    refused(&mut s, &a).await;

    // Signed, but by a key that is not the provider's.
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&other, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    refused(&mut s, &a).await;

    // Signature wrapping, response signed: a forged assertion slipped inside breaks it.
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let evil = assertion(&say("u-evil", "ceo@corp.example", Some(&id)))
        .to_string()
        .expect("xml");
    let xml = idp.sign(&response_xml(
        &idp,
        &say("u-1", "jo@corp.example", Some(&id)),
        Signed::Response,
    ));
    let at = xml.find("<saml2:Assertion").expect("assertion");
    let wrapped = format!("{}{}{}", &xml[..at], evil, &xml[at..]);
    let a = answer(&mut s, &b64(&wrapped), &relay).await;
    refused(&mut s, &a).await;
    assert!(s
        .state
        .db
        .user_by_email("ceo@corp.example")
        .await
        .expect("db")
        .is_none());
}

/// Signature wrapping with only the assertion signed: a forged assertion beside it in the
/// unsigned response is never read; the signed one is.
#[tokio::test]
async fn only_signed_content_is_read() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let evil = assertion(&say("u-evil", "ceo@corp.example", Some(&id)))
        .to_string()
        .expect("xml");
    let xml = idp.sign(&response_xml(
        &idp,
        &say("u-1", "jo@corp.example", Some(&id)),
        Signed::Assertion,
    ));
    let at = xml.find("<saml2:Assertion").expect("assertion");
    let wrapped = format!("{}{}{}", &xml[..at], evil, &xml[at..]);
    let a = answer(&mut s, &b64(&wrapped), &relay).await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
    assert!(s
        .state
        .db
        .identity_user("corp", "u-1")
        .await
        .expect("db")
        .is_some());
    assert!(s
        .state
        .db
        .identity_user("corp", "u-evil")
        .await
        .expect("db")
        .is_none());
    assert!(s
        .state
        .db
        .user_by_email("ceo@corp.example")
        .await
        .expect("db")
        .is_none());
}

#[tokio::test]
async fn audience_recipient_issuer_time_window_and_algorithms_are_checked() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;
    type Change = fn(&mut Say);
    let cases: [(&str, Change); 5] = [
        ("another audience", |x| {
            x.audience = "https://other-sp.example".into()
        }),
        ("another recipient", |x| {
            x.recipient = "https://other-sp.example/acs".into()
        }),
        ("another issuer", |x| {
            x.issuer = "https://evil.example/saml".into()
        }),
        ("expired", |x| x.lifetime = -600),
        ("a SHA-1 digest", |x| x.sha1 = true),
    ];
    for (what, change) in cases {
        let (id, relay) = start(&mut s, "jo@corp.example").await;
        let mut x = say("u-1", "jo@corp.example", Some(&id));
        change(&mut x);
        let a = answer(&mut s, &signed(&idp, &x), &relay).await;
        assert_eq!(
            a.location().as_deref(),
            Some("/sign-in"),
            "{what}: {}",
            a.body
        );
        refused(&mut s, &a).await;
    }
}

#[tokio::test]
async fn answers_are_bound_to_their_request_and_accepted_once() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;

    // An answer to a request this flow never sent.
    let (_id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-1", "jo@corp.example", Some("_not-ours"))),
        &relay,
    )
    .await;
    refused(&mut s, &a).await;

    // The right request, the wrong RelayState.
    let (id, _relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-1", "jo@corp.example", Some(&id))),
        "tampered",
    )
    .await;
    refused(&mut s, &a).await;

    // Replayed: the same assertion again, even in a new flow with a request of its own.
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let once = signed(&idp, &say("u-1", "jo@corp.example", Some(&id)));
    let a = answer(&mut s, &once, &relay).await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
    s.jar.clear();
    let (_id, relay) = start(&mut s, "jo@corp.example").await;
    let posted = post_acs(&mut s, &once, &relay).await;
    assert_eq!(
        posted.location().as_deref(),
        Some("/saml/corp/acs?error=failed")
    );

    // A handle is used once too.
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let posted = post_acs(
        &mut s,
        &signed(&idp, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    let back = posted.location().expect("back");
    let a = s.get(&back).await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
    let again = s.get(&back).await;
    assert_eq!(
        again.location().as_deref(),
        Some("/sign-in"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn a_cancelled_sign_in_at_the_provider_is_reported_as_such() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let mut x = say("u-1", "jo@corp.example", Some(&id));
    x.status = "urn:oasis:names:tc:SAML:2.0:status:Responder".into();
    let xml = response_xml(&idp, &x, Signed::Nothing).replace(
        "urn:oasis:names:tc:SAML:2.0:status:Responder\"/>",
        "urn:oasis:names:tc:SAML:2.0:status:Responder\"><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:AuthnFailed\"/></saml2p:StatusCode>",
    );
    assert!(xml.contains("AuthnFailed"), "{xml}");
    let posted = post_acs(&mut s, &b64(&xml), &relay).await;
    assert_eq!(
        posted.location().as_deref(),
        Some("/saml/corp/acs?error=cancelled")
    );
    let a = s.get("/saml/corp/acs?error=cancelled").await;
    assert_eq!(a.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("Sign-in at Corp was cancelled"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn idp_initiated_sign_in_goes_through_the_applications_own_request() {
    let idp = Idp::new();
    let mut s = sesame(
        &idp,
        &format!("idp_initiated_client = \"{CONFIDENTIAL_CLIENT}\""),
        |c| {
            let app = c
                .clients
                .iter_mut()
                .find(|x| x.id == CONFIDENTIAL_CLIENT)
                .expect("client");
            app.initiate_login_uri = Some("https://app.example.com/login".into());
        },
    )
    .await;
    // Unsolicited: no request, no InResponseTo; the browser has no Sesame cookie yet.
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-9", "kim@corp.example", None)),
        "",
    )
    .await;
    let to = a.location().expect("to the application");
    assert_eq!(
        to,
        "https://app.example.com/login?iss=http%3A%2F%2Flocalhost%3A3000"
    );
    assert!(
        s.state
            .db
            .user_by_email("kim@corp.example")
            .await
            .expect("db")
            .is_none(),
        "nothing happens before the application asks"
    );

    // The application starts its own authorization request; it continues the held sign-in.
    let authorize = format!(
        "/authorize?client_id={CONFIDENTIAL_CLIENT}&redirect_uri={}&response_type=code&scope=openid%20email&state=app-state&nonce=app-nonce",
        urlencode(CONFIDENTIAL_REDIRECT)
    );
    let a = s.get(&authorize).await;
    assert_eq!(
        a.location().as_deref(),
        Some("/federation/continue"),
        "{}",
        a.body
    );
    let a = s.get("/federation/continue").await;
    assert_eq!(
        a.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        a.body
    );
    let done = s.get("/authorize/resume").await;
    let back = done.location().expect("to the app");
    assert!(back.starts_with(CONFIDENTIAL_REDIRECT), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("app-state"));
    assert!(query_param(&back, "code").is_some(), "{back}");
    assert!(s
        .state
        .db
        .user_by_email("kim@corp.example")
        .await
        .expect("db")
        .is_some());

    // Held once: the next request of the application is an ordinary one (the session now
    // signs it in).
    let a = s.get(&authorize).await;
    assert!(
        a.location()
            .expect("answer")
            .starts_with(CONFIDENTIAL_REDIRECT),
        "{:?}",
        a.location()
    );
}

#[tokio::test]
async fn an_unsolicited_response_without_an_application_is_refused() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |_| {}).await;
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-9", "kim@corp.example", None)),
        "",
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/sign-in"), "{}", a.body);
    let page = s.get("/sign-in").await;
    assert!(
        page.body
            .contains("Corp sent a sign-in that did not start here"),
        "{}",
        page.body
    );
    assert_eq!(s.state.db.count("users").await.expect("count"), 0);
}

/// Peer vulnerability #11: a local second factor the policy requires is still asked after
/// SAML single sign-on, unless the connector trusts the provider's and it reports one.
#[tokio::test]
async fn a_local_second_factor_is_still_required_after_saml() {
    let idp = Idp::new();
    let mut s = sesame(&idp, "", |c| c.mfa.policy = MfaPolicy::Mandatory).await;
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let mut x = say("u-1", "jo@corp.example", Some(&id));
    x.class_ref = MFA_CLASS.into();
    let a = answer(&mut s, &signed(&idp, &x), &relay).await;
    assert_eq!(a.location().as_deref(), Some("/mfa/setup"), "{}", a.body);

    let mut s = sesame(
        &idp,
        &format!("trust_upstream_mfa = true\nmfa_acr_values = [\"{MFA_CLASS}\"]"),
        |c| c.mfa.policy = MfaPolicy::Mandatory,
    )
    .await;
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&idp, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    assert_eq!(
        a.location().as_deref(),
        Some("/mfa/setup"),
        "a password at the IdP is not a second factor: {}",
        a.body
    );
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let mut x = say("u-1", "jo@corp.example", Some(&id));
    x.class_ref = MFA_CLASS.into();
    let a = answer(&mut s, &signed(&idp, &x), &relay).await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
}

#[tokio::test]
async fn saml_connectors_are_checked_at_load() {
    let bad = [
        ("id = \"x\"\npreset = \"saml\"", "connectors[0].idp_metadata_url"),
        (
            "id = \"x\"\npreset = \"saml\"\nidp_entity_id = \"e\"\nidp_sso_url = \"https://i/sso\"\nidp_certificate = \"not a cert\"",
            "connectors[0].idp_certificate",
        ),
        (
            "id = \"x\"\npreset = \"saml\"\nidp_metadata_url = \"https://i/md\"\nidp_entity_id = \"e\"",
            "connectors[0].idp_metadata_url",
        ),
        (
            "id = \"x\"\npreset = \"saml\"\nidp_metadata_url = \"https://i/md\"\nidp_initiated_client = \"nobody\"",
            "connectors[0].idp_initiated_client",
        ),
    ];
    for (text, key) in bad {
        let toml_text = format!("[[connectors]]\n{text}\n");
        let e =
            server::config::Config::from_table(toml_text.parse().expect("toml")).expect_err(text);
        assert!(e.to_string().contains(key), "{text}: {e}");
    }
}

/// IdP metadata served on loopback, which the test can change (a key rotation).
async fn metadata_server(xml: String) -> (String, std::sync::Arc<std::sync::Mutex<String>>) {
    let shared = std::sync::Arc::new(std::sync::Mutex::new(xml));
    let served = shared.clone();
    let app = axum::Router::new().route(
        "/metadata",
        axum::routing::get(move || {
            let served = served.clone();
            async move { served.lock().expect("lock").clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/metadata", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, shared)
}

fn metadata_of(idp: &Idp) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(idp.cert.der_data());
    format!(
        r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP}"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SSO}"/></IDPSSODescriptor></EntityDescriptor>"#
    )
}

/// Answers are read up to `outbound.max_response_bytes`: the provider's metadata padded past
/// 64 KiB (a comment after the document) fails the fetch under a 64 KiB limit, and the user
/// stays on the form; under the default limit the same metadata is read and the sign-in
/// goes on to the provider.
#[tokio::test]
async fn metadata_larger_than_the_answer_limit_is_refused() {
    let idp = Idp::new();
    let padded = format!("{}<!-- {} -->", metadata_of(&idp), "x".repeat(200 * 1024));
    let (url, _) = metadata_server(padded).await;
    assert_provider_unreachable(&url, |c| c.outbound.max_response_bytes = 64 * 1024).await;
    let connector: server::federation::ConnectorConfig = toml::from_str(&format!(
        "id = \"corp\"\npreset = \"saml\"\nkind = \"enterprise\"\nname = \"Corp\"\nidp_metadata_url = \"{url}\"\nemail_domains = [\"corp.example\"]"
    ))
    .expect("connector");
    let mut s = TestServer::start_with(move |c| c.connectors = vec![connector]).await;
    start(&mut s, "jo@corp.example").await;
}

#[tokio::test]
async fn metadata_is_fetched_and_a_rotated_key_is_learned() {
    let old = Idp::new();
    let (url, served) = metadata_server(metadata_of(&old)).await;
    let connector: server::federation::ConnectorConfig = toml::from_str(&format!(
        "id = \"corp\"\npreset = \"saml\"\nkind = \"enterprise\"\nname = \"Corp\"\nidp_metadata_url = \"{url}\"\nemail_domains = [\"corp.example\"]"
    ))
    .expect("connector");
    let mut s = TestServer::start_with(move |c| {
        c.connectors = vec![connector];
        c.experience.sign_up_identifiers = vec![server::config::IdentifierKind::Email];
    })
    .await;
    // Before anything is fetched, the sign-on URL's likely origin is a form target.
    let page = s.get("/sso").await;
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(csp.contains(url.trim_end_matches("/metadata")), "{csp}");
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&old, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);

    // The provider rotates its key: the next answer is signed with the new one.
    let new = Idp::new();
    *served.lock().expect("lock") = metadata_of(&new);
    s.jar.clear();
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&new, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/"), "{}", a.body);
    // The old key is no longer trusted.
    s.jar.clear();
    let (id, relay) = start(&mut s, "jo@corp.example").await;
    let a = answer(
        &mut s,
        &signed(&old, &say("u-1", "jo@corp.example", Some(&id))),
        &relay,
    )
    .await;
    assert_eq!(a.location().as_deref(), Some("/sign-in"), "{}", a.body);
}

/// An identity provider whose metadata cannot be fetched: the user stays on the work-email
/// screen with the message, and nothing is created.
#[tokio::test]
async fn an_unreachable_identity_provider_keeps_the_user_on_the_form() {
    assert_provider_unreachable("http://127.0.0.1:9/metadata", |_| {}).await;
}

/// Starts a Sesame with one SAML provider, Corp (for `corp.example`), whose metadata is at
/// `metadata_url`, with `edit` applied, and checks that a work-email sign-in cannot reach
/// it: back to the form with Corp's message, the address kept, no account created.
async fn assert_provider_unreachable(
    metadata_url: &str,
    edit: impl FnOnce(&mut server::config::Config),
) {
    let connector: server::federation::ConnectorConfig = toml::from_str(&format!(
        "id = \"corp\"\npreset = \"saml\"\nkind = \"enterprise\"\nname = \"Corp\"\nidp_metadata_url = \"{metadata_url}\"\nemail_domains = [\"corp.example\"]"
    ))
    .expect("connector");
    let mut s = TestServer::start_with(move |c| {
        c.connectors = vec![connector];
        edit(c);
    })
    .await;
    let csrf = s.get("/sso").await.csrf();
    let a = s
        .post_form(
            "/flow/federation",
            &[
                ("csrf", &csrf),
                ("action", "sso"),
                ("email", "jo@corp.example"),
            ],
        )
        .await;
    assert_eq!(
        a.location().as_deref(),
        Some("/sso"),
        "{metadata_url}: {}",
        a.body
    );
    let page = s.get("/sso").await;
    assert!(
        page.body.contains("Corp could not sign you in"),
        "{metadata_url}: {}",
        page.body
    );
    assert!(
        page.body.contains("value=\"jo@corp.example\""),
        "{metadata_url}: {}",
        page.body
    );
    assert_eq!(s.state.db.count("users").await.expect("count"), 0);
}

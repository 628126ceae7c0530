//! Azure AD B2C user flows through the router: the policy by path and by `p`, discovery and
//! keys at B2C's addresses, each flow type (sign-up-and-sign-in, sign-up, sign-in, password
//! reset, profile editing), the `AADB2C90118` forgot-password contract and its round trip
//! into the reset flow, `AADB2C90091` on cancel, `id_token` and `code id_token` responses,
//! the flow named in `tfp`, and per-flow claims, MFA, providers, look and languages.

use crate::common::*;
use server::config::{Config, MfaPolicy};

const TENANT: &str = "contoso.onmicrosoft.com";

fn flows(c: &mut Config) {
    let text = r#"
[b2c]
tenants = ["contoso.onmicrosoft.com"]

[[profile.fields]]
name = "nickname"
type = "text"

[[connectors]]
id = "gh"
preset = "github"
client_id = "x"

[[user_flows]]
name = "B2C_1_susi"
type = "sign_up_sign_in"

[[user_flows]]
name = "B2C_1_signup"
type = "sign_up"

[[user_flows]]
name = "B2C_1_signin"
type = "sign_in"
identity_providers = ["local"]
claims = ["email"]

[[user_flows]]
name = "B2C_1_social"
type = "sign_in"
identity_providers = ["gh"]

[[user_flows]]
name = "B2C_1_reset"
type = "password_reset"

[[user_flows]]
name = "B2C_1_edit"
type = "profile_edit"
attributes = ["nickname"]

[[user_flows]]
name = "B2C_1_mfa"
type = "sign_in"
mfa = "mandatory"

[[user_flows]]
name = "B2C_1_ja"
type = "sign_up_sign_in"
languages = ["ja"]
branding = { name = "Contoso Japan" }
"#;
    let extra: Config = Config::from_table(text.parse().expect("toml")).expect("config");
    c.b2c = extra.b2c;
    c.profile = extra.profile;
    c.connectors = extra.connectors;
    c.user_flows = extra.user_flows;
    c.mfa.policy = MfaPolicy::UserControlled;
}

async fn sesame() -> TestServer {
    TestServer::start_with(flows).await
}

fn authorize_path(policy: &str, extra: &str) -> String {
    format!(
        "/{TENANT}/{policy}/oauth2/v2.0/authorize?client_id={PUBLIC_CLIENT}&redirect_uri={}&response_type=code&scope=openid%20profile%20email%20offline_access&state=st-b&nonce=n-b&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        urlencode(PUBLIC_REDIRECT)
    )
}

/// Redeems a code at the flow's token endpoint.
async fn redeem(s: &mut TestServer, policy: &str, code: &str) -> serde_json::Value {
    s.post_backchannel(
        &format!("/{TENANT}/{policy}/oauth2/v2.0/token"),
        None,
        &public_code_fields(code),
    )
    .await
    .json()
}

/// The error the app receives: (`error`, `error_description`).
fn app_error(a: &Answer) -> (String, String) {
    let to = a.location().expect("redirect");
    assert!(to.starts_with(PUBLIC_REDIRECT), "{to}");
    (
        query_param(&to, "error").unwrap_or_default(),
        query_param(&to, "error_description").unwrap_or_default(),
    )
}

#[tokio::test]
async fn discovery_and_keys_answer_at_b2c_addresses() {
    let mut s = sesame().await;
    let md = s
        .get(&format!(
            "/{TENANT}/B2C_1_susi/v2.0/.well-known/openid-configuration"
        ))
        .await
        .json();
    assert_eq!(md["issuer"], "http://localhost:3000");
    assert_eq!(
        md["authorization_endpoint"],
        format!("http://localhost:3000/{TENANT}/B2C_1_susi/oauth2/v2.0/authorize")
    );
    assert_eq!(
        md["jwks_uri"],
        format!("http://localhost:3000/{TENANT}/B2C_1_susi/discovery/v2.0/keys")
    );
    assert!(md["response_types_supported"]
        .as_array()
        .expect("types")
        .contains(&serde_json::json!("code id_token")));
    // Names are compared without case; the documents name the flow as configured.
    let q = s
        .get("/.well-known/openid-configuration?p=b2c_1_SUSI")
        .await
        .json();
    assert_eq!(
        q["authorization_endpoint"],
        "http://localhost:3000/authorize?p=B2C_1_susi"
    );
    let keys = s
        .get(&format!("/{TENANT}/B2C_1_susi/discovery/v2.0/keys"))
        .await
        .json();
    assert_eq!(keys, s.get("/jwks").await.json());
    let unknown = s
        .get(&format!(
            "/{TENANT}/B2C_1_nope/v2.0/.well-known/openid-configuration"
        ))
        .await;
    assert_eq!(unknown.status, axum::http::StatusCode::NOT_FOUND);
    let tenant = s
        .get("/other.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration")
        .await;
    assert_eq!(tenant.status, axum::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_flow_gets_a_page_naming_it() {
    let mut s = sesame().await;
    let a = s.get(&authorize_path("B2C_1_missing", "")).await;
    assert_eq!(a.status, axum::http::StatusCode::BAD_REQUEST);
    assert!(a.body.contains("B2C_1_missing"), "{}", a.body);
    assert!(a.body.contains("does not exist here"), "{}", a.body);
    assert!(a.location().is_none(), "nothing goes back to the app");
}

#[tokio::test]
async fn sign_up_and_sign_in_names_the_flow_in_its_tokens() {
    let mut s = sesame().await;
    let start = s.get(&authorize_path("B2C_1_susi", "")).await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(page.body.contains("Create an account"), "{}", page.body);
    assert!(
        page.body.contains("value=\"cancel\""),
        "B2C's Cancel: {}",
        page.body
    );
    let posted = s.register("sue", "correct horse battery").await;
    assert_eq!(
        posted.location().as_deref(),
        Some("/continue"),
        "the flow's attributes"
    );
    let done = s
        .submit(
            "/continue",
            "/flow/continue",
            &[("profile.nickname", "Suzy")],
        )
        .await;
    assert_eq!(done.location().as_deref(), Some("/authorize/resume"));
    let code = code_from(&s.get("/authorize/resume").await);
    let tokens = redeem(&mut s, "B2C_1_susi", &code).await;
    let claims = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(claims["tfp"], "B2C_1_susi");
    assert_eq!(claims["nickname"], "Suzy");
    // Refreshes stay in the flow.
    let refreshed = s
        .refresh_public(tokens["refresh_token"].as_str().expect("refresh"))
        .await
        .json();
    let again = jwt_claims(refreshed["id_token"].as_str().expect("id token"));
    assert_eq!(again["tfp"], "B2C_1_susi");
}

#[tokio::test]
async fn forgot_password_ends_the_flow_then_the_reset_flow_signs_in() {
    let mut s = sesame().await;
    s.create_user(
        Some("rita"),
        Some("rita@example.com"),
        None,
        "old password here",
    )
    .await;
    s.get(&authorize_path("B2C_1_susi", "")).await;
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("form=\"user-flow-form\""),
        "{}",
        page.body
    );
    let forgot = s
        .submit("/sign-in", "/flow/b2c", &[("action", "forgot")])
        .await;
    assert_eq!(forgot.location().as_deref(), Some("/authorize/resume"));
    let (error, description) = app_error(&s.get("/authorize/resume").await);
    assert_eq!(error, "access_denied");
    assert!(description.starts_with("AADB2C90118"), "{description}");

    // The app starts its password-reset flow; at its end the user is signed in.
    let start = s.get(&authorize_path("B2C_1_reset", "")).await;
    assert_eq!(start.location().as_deref(), Some("/reset-password"));
    let sent = ask_for_reset(&mut s, "rita@example.com").await;
    assert_eq!(sent.location().as_deref(), Some("/verify"));
    let code = s.outbox_code("rita@example.com").await;
    let proven = enter_code(&mut s, &code).await;
    assert_eq!(proven.location().as_deref(), Some("/reset-password/new"));
    let set = set_new_password(&mut s, "/reset-password/new", "brand new password").await;
    assert_eq!(
        set.location().as_deref(),
        Some("/authorize/resume"),
        "{}",
        set.body
    );
    let code = code_from(&s.get("/authorize/resume").await);
    let tokens = redeem(&mut s, "B2C_1_reset", &code).await;
    let claims = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(claims["tfp"], "B2C_1_reset");
    assert_eq!(
        claims["amr"],
        serde_json::json!(["otp"]),
        "the reset's code, one factor"
    );
}

#[tokio::test]
async fn cancel_answers_aadb2c90091() {
    let mut s = sesame().await;
    s.get(&authorize_path("B2C_1_signup", "")).await;
    let page = s.get("/register").await;
    assert!(page.body.contains("value=\"cancel\""), "{}", page.body);
    let cancel = s
        .submit("/register", "/flow/b2c", &[("action", "cancel")])
        .await;
    assert_eq!(cancel.location().as_deref(), Some("/authorize/resume"));
    let (error, description) = app_error(&s.get("/authorize/resume").await);
    assert_eq!(error, "access_denied");
    assert!(description.starts_with("AADB2C90091"), "{description}");
}

#[tokio::test]
async fn sign_up_and_sign_in_flows_start_where_they_should() {
    let mut s = sesame().await;
    let up = s.get(&authorize_path("B2C_1_signup", "")).await;
    assert_eq!(up.location().as_deref(), Some("/register"));
    let only_in = s.get(&authorize_path("B2C_1_signin", "")).await;
    assert_eq!(only_in.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(
        !page.body.contains("Create an account"),
        "sign-in only: {}",
        page.body
    );
    assert!(
        !page.body.contains("Continue with GitHub"),
        "local only: {}",
        page.body
    );
    let social = s.get(&authorize_path("B2C_1_social", "")).await;
    assert_eq!(social.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(page.body.contains("Continue with GitHub"), "{}", page.body);
    assert!(
        page.body.contains("novalidate hidden"),
        "no local form: {}",
        page.body
    );
}

#[tokio::test]
async fn a_flow_releases_only_its_claims() {
    let mut s = sesame().await;
    s.create_user(
        Some("cleo"),
        Some("cleo@example.com"),
        None,
        "correct horse battery",
    )
    .await;
    s.get(&authorize_path("B2C_1_signin", "")).await;
    let signed = s.sign_in("cleo", "correct horse battery").await;
    assert_eq!(signed.location().as_deref(), Some("/authorize/resume"));
    let code = code_from(&s.get("/authorize/resume").await);
    let claims = jwt_claims(
        redeem(&mut s, "B2C_1_signin", &code).await["id_token"]
            .as_str()
            .expect("id token"),
    );
    assert_eq!(claims["email"], "cleo@example.com");
    assert!(claims.get("preferred_username").is_none(), "{claims}");
    assert_eq!(claims["tfp"], "B2C_1_signin");
}

#[tokio::test]
async fn id_token_and_hybrid_responses_for_b2c_apps() {
    let mut s = sesame().await;
    s.create_user(Some("hal"), None, None, "correct horse battery")
        .await;
    s.sign_in("hal", "correct horse battery").await;
    // Implicit without a nonce: refused, at the app.
    let base = format!(
        "/{TENANT}/B2C_1_susi/oauth2/v2.0/authorize?client_id={PUBLIC_CLIENT}&redirect_uri={}&scope=openid&state=st-i",
        urlencode(PUBLIC_REDIRECT)
    );
    let no_nonce = s.get(&format!("{base}&response_type=id_token")).await;
    let to = no_nonce.location().expect("redirect");
    assert!(to.contains("#error=invalid_request"), "fragment: {to}");
    // Outside a user flow only the code flow exists.
    let plain = s.authorize_public("&response_type=id_token").await;
    assert!(
        plain.location().is_none() || plain.location().is_some_and(|l| !l.contains("id_token="))
    );

    let implicit = s
        .get(&format!(
            "{base}&response_type=id_token&nonce=n-i&response_mode=form_post"
        ))
        .await;
    assert!(
        implicit.body.contains("name=\"id_token\""),
        "{}",
        implicit.body
    );
    let id_token = implicit
        .body
        .split("name=\"id_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("id token");
    let claims = jwt_claims(id_token);
    assert_eq!(claims["nonce"], "n-i");
    assert_eq!(claims["tfp"], "B2C_1_susi");
    assert!(claims.get("at_hash").is_none());

    let hybrid = s
        .get(&format!(
            "{base}&response_type=code%20id_token&nonce=n-h&code_challenge={CHALLENGE}&code_challenge_method=S256"
        ))
        .await;
    let to = hybrid.location().expect("redirect");
    let fragment = to.split_once('#').expect("fragment").1;
    let get = |k: &str| {
        url::form_urlencoded::parse(fragment.as_bytes())
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    let code = get("code").expect("code");
    let claims = jwt_claims(&get("id_token").expect("id token"));
    assert_eq!(claims["c_hash"], server::keys::half_hash(&code));
    assert_eq!(get("state").as_deref(), Some("st-i"));
}

#[tokio::test]
async fn profile_editing_shows_the_values_and_returns_a_fresh_id_token() {
    let mut s = sesame().await;
    let id = s
        .create_user(
            Some("pat"),
            Some("pat@example.com"),
            None,
            "correct horse battery",
        )
        .await;
    s.state
        .db
        .set_profile(&id, r#"{"nickname":"Patty"}"#, 0)
        .await
        .unwrap();
    // Signed in already: straight to the form.
    s.sign_in("pat", "correct horse battery").await;
    let start = s.get(&authorize_path("B2C_1_edit", "")).await;
    assert_eq!(start.location().as_deref(), Some("/profile-edit"));
    let page = s.get("/profile-edit").await;
    assert!(page.body.contains("Edit your profile"), "{}", page.body);
    assert!(page.body.contains("value=\"Patty\""), "{}", page.body);
    // The app cannot skip the form by opening resume.
    let skip = s.get("/authorize/resume").await;
    assert_eq!(skip.location().as_deref(), Some("/profile-edit"));
    let saved = s
        .submit(
            "/profile-edit",
            "/flow/profile-edit",
            &[("profile.nickname", "Pat")],
        )
        .await;
    assert_eq!(saved.location().as_deref(), Some("/authorize/resume"));
    let code = code_from(&s.get("/authorize/resume").await);
    let claims = jwt_claims(
        redeem(&mut s, "B2C_1_edit", &code).await["id_token"]
            .as_str()
            .expect("id token"),
    );
    assert_eq!(claims["nickname"], "Pat");
    assert_eq!(claims["tfp"], "B2C_1_edit");
}

#[tokio::test]
async fn a_flow_may_require_a_second_factor() {
    let mut s = sesame().await;
    s.create_user(Some("moe"), None, None, "correct horse battery")
        .await;
    let start = s.get(&authorize_path("B2C_1_mfa", "")).await;
    assert_eq!(
        start.location().as_deref(),
        Some("/sign-in"),
        "{}",
        start.body
    );
    let signed = s.sign_in("moe", "correct horse battery").await;
    assert_eq!(
        signed.location().as_deref(),
        Some("/mfa/setup"),
        "{}",
        signed.body
    );
    // The same user in a flow without that setting signs straight in.
    s.jar.clear();
    s.get(&authorize_path("B2C_1_signin", "")).await;
    let signed = s.sign_in("moe", "correct horse battery").await;
    assert_eq!(signed.location().as_deref(), Some("/authorize/resume"));
}

#[tokio::test]
async fn a_flow_has_its_own_look_and_languages() {
    let mut s = sesame().await;
    s.get(&authorize_path("B2C_1_ja", "&ui_locales=en")).await;
    let page = s.get("/sign-in").await;
    assert!(page.body.contains("lang=\"ja\""), "{}", page.body);
    assert!(page.body.contains("Contoso Japan"), "{}", page.body);
    assert!(
        !page.body.contains("<option value=\"en\""),
        "the picker offers the flow's languages: {}",
        page.body
    );
}

//! Organizations through the router: creating one, inviting by email (signing up on the
//! way, or accepting as an existing user), roles and the admin an organization always keeps,
//! leaving, just-in-time membership by email domain, and `organization_id` on an
//! authorization request (membership, the organization's second factor, look and claims).

use crate::common::*;
use axum::http::StatusCode;
use server::config::IdentifierKind;

const PASSWORD: &str = "correct horse battery";

async fn sesame() -> TestServer {
    TestServer::start_with(|c| {
        c.experience.sign_up_identifiers = vec![IdentifierKind::Email];
        c.experience.sign_in = vec![server::config::SignInIdentifier {
            identifier: IdentifierKind::Email,
            methods: vec![server::config::SignInMethod::Password],
        }];
    })
    .await
}

async fn org_post(s: &mut TestServer, page: &str, fields: &[(&str, &str)]) -> Answer {
    s.submit(page, "/flow/organization", fields).await
}

/// Creates an organization as the signed-in user; answers its id.
async fn create_org(s: &mut TestServer, name: &str) -> String {
    let made = org_post(
        s,
        "/account/organizations",
        &[
            ("action", "create_organization"),
            ("name", name),
            ("description", ""),
        ],
    )
    .await;
    let to = made.location().expect("redirect");
    to.strip_prefix("/account/organizations/")
        .expect("the new organization's page")
        .to_string()
}

/// The link in the newest mail to `to`.
async fn link_to(s: &TestServer, to: &str) -> String {
    let messages = s.state.db.outbox(100).await.expect("outbox");
    let m = messages.iter().find(|m| m.recipient == to).expect("a mail");
    let at = m.body.find("/invitation?token=").expect("a link");
    let end = m.body[at..]
        .find(char::is_whitespace)
        .map_or(m.body.len(), |e| at + e);
    m.body[at..end].to_string()
}

#[tokio::test]
async fn an_invited_address_signs_up_on_the_way_and_joins() {
    let mut s = sesame().await;
    s.create_user(None, Some("ann@example.com"), None, PASSWORD)
        .await;
    s.get("/account").await;
    s.sign_in("ann@example.com", PASSWORD).await;
    let org = create_org(&mut s, "Acme").await;
    let page = s.get(&format!("/account/organizations/{org}")).await;
    assert!(page.body.contains("Organization created"), "{}", page.body);
    assert!(page.body.contains("Your role: Admin"), "{}", page.body);
    let sent = org_post(
        &mut s,
        &format!("/account/organizations/{org}"),
        &[
            ("action", "invite"),
            ("organization", &org),
            ("email", "Bea@Example.com"),
            ("role", "member"),
        ],
    )
    .await;
    assert_eq!(
        sent.location(),
        Some(format!("/account/organizations/{org}"))
    );
    let link = link_to(&s, "bea@example.com").await;

    // Another browser: nobody signed in.
    s.jar.clear();
    let landing = s.get(&link).await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(
        landing.body.contains("join Acme as Member"),
        "{}",
        landing.body
    );
    let csrf = landing.csrf();
    let token = query_param(&format!("http://x{link}"), "token").expect("token");
    let go = s
        .post_form(
            "/flow/organization",
            &[
                ("csrf", &csrf),
                ("action", "invitation_sign_in"),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(go.location().as_deref(), Some("/register"));
    let form = s.get("/register").await;
    assert!(
        form.body.contains("bea@example.com"),
        "the address is filled in"
    );
    let csrf = form.csrf();
    let registered = s
        .post_form(
            "/flow/register",
            &[
                ("csrf", &csrf),
                ("email", "bea@example.com"),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    // The link proved the mailbox: no code, straight back to the invitation.
    assert_eq!(
        registered.location(),
        Some(link.clone()),
        "{}",
        registered.body
    );
    let accept_page = s.get(&link).await;
    assert!(accept_page.body.contains("Accept"), "{}", accept_page.body);
    let accepted = s
        .post_form(
            "/flow/organization",
            &[
                ("csrf", &accept_page.csrf()),
                ("action", "accept_invitation"),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(
        accepted.location(),
        Some(format!("/account/organizations/{org}"))
    );
    let bea = s
        .state
        .db
        .user_by_email("bea@example.com")
        .await
        .unwrap()
        .expect("bea");
    assert_eq!(bea.email_verified, 1);
    assert_eq!(
        s.state
            .db
            .member_role(&org, &bea.id)
            .await
            .unwrap()
            .as_deref(),
        Some("member")
    );
    // The link works once.
    let again = s.get(&link).await;
    assert!(
        again.body.contains("used, revoked or has expired"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn roles_change_and_an_organization_keeps_an_admin() {
    let mut s = sesame().await;
    let ann = s
        .create_user(None, Some("ann@example.com"), None, PASSWORD)
        .await;
    let bob = s
        .create_user(None, Some("bob@example.com"), None, PASSWORD)
        .await;
    s.get("/account").await;
    s.sign_in("ann@example.com", PASSWORD).await;
    let org = create_org(&mut s, "Acme").await;
    let page_path = format!("/account/organizations/{org}");
    s.state
        .db
        .add_member(&org, &bob, "member", 0)
        .await
        .unwrap();

    // The only admin can neither leave nor step down.
    let left = org_post(
        &mut s,
        &page_path,
        &[("action", "leave"), ("organization", &org)],
    )
    .await;
    assert_eq!(left.location().as_deref(), Some("/account/organizations"));
    let page = s.get("/account/organizations").await;
    assert!(
        page.body.contains("An organization needs an admin"),
        "{}",
        page.body
    );
    let demoted = org_post(
        &mut s,
        &page_path,
        &[
            ("action", "set_role"),
            ("organization", &org),
            ("user", &ann),
            ("role", "member"),
        ],
    )
    .await;
    assert_eq!(demoted.location(), Some(page_path.clone()));
    assert_eq!(
        s.state.db.member_role(&org, &ann).await.unwrap().as_deref(),
        Some("admin")
    );

    // Bob becomes admin; then Ann may leave.
    org_post(
        &mut s,
        &page_path,
        &[
            ("action", "set_role"),
            ("organization", &org),
            ("user", &bob),
            ("role", "admin"),
        ],
    )
    .await;
    assert_eq!(
        s.state.db.member_role(&org, &bob).await.unwrap().as_deref(),
        Some("admin")
    );
    // A pending invitation is revoked, and its link no longer works.
    org_post(
        &mut s,
        &page_path,
        &[
            ("action", "invite"),
            ("organization", &org),
            ("email", "cy@example.com"),
            ("role", "admin"),
        ],
    )
    .await;
    let link = link_to(&s, "cy@example.com").await;
    let inv = s.state.db.open_invitations(&org, 0).await.unwrap();
    assert_eq!(inv.len(), 1);
    org_post(
        &mut s,
        &page_path,
        &[
            ("action", "revoke_invitation"),
            ("organization", &org),
            ("invitation", &inv[0].id),
        ],
    )
    .await;
    assert!(s
        .get(&link)
        .await
        .body
        .contains("used, revoked or has expired"));
    let left = org_post(
        &mut s,
        &page_path,
        &[("action", "leave"), ("organization", &org)],
    )
    .await;
    assert_eq!(left.location().as_deref(), Some("/account/organizations"));
    assert_eq!(s.state.db.member_role(&org, &ann).await.unwrap(), None);

    // A member cannot manage it.
    let page = s.get(&page_path).await;
    assert_eq!(
        page.location().as_deref(),
        Some("/account/organizations"),
        "not a member any more"
    );
}

#[tokio::test]
async fn members_see_members_and_only_admins_manage() {
    let mut s = sesame().await;
    let ann = s
        .create_user(None, Some("ann@example.com"), None, PASSWORD)
        .await;
    s.create_user(None, Some("bob@example.com"), None, PASSWORD)
        .await;
    let org = server::db::OrganizationRow {
        id: "acme".into(),
        name: "Acme".into(),
        description: String::new(),
        branding: None,
        mfa_required: 0,
        jit_domains: String::new(),
        created_at: 0,
    };
    s.state.db.insert_organization(&org, &ann, 0).await.unwrap();
    // Bob has an invitation to his verified address: he accepts it from the list.
    s.get("/account").await;
    s.sign_in("bob@example.com", PASSWORD).await;
    s.jar.remove("sesame_session");
    s.get("/account").await;
    s.sign_in("ann@example.com", PASSWORD).await;
    org_post(
        &mut s,
        "/account/organizations/acme",
        &[
            ("action", "invite"),
            ("organization", "acme"),
            ("email", "bob@example.com"),
            ("role", "member"),
        ],
    )
    .await;
    s.jar.remove("sesame_session");
    s.get("/account").await;
    s.sign_in("bob@example.com", PASSWORD).await;
    let list = s.get("/account/organizations").await;
    assert!(list.body.contains("Invited as Member"), "{}", list.body);
    let inv = s.state.db.open_invitations("acme", 0).await.unwrap();
    org_post(
        &mut s,
        "/account/organizations",
        &[("action", "accept_invitation"), ("invitation", &inv[0].id)],
    )
    .await;
    let page = s.get("/account/organizations/acme").await;
    assert!(page.body.contains("ann@example.com"), "{}", page.body);
    assert!(
        !page.body.contains("name=\"role\""),
        "no management for members"
    );
    let tried = org_post(
        &mut s,
        "/account/organizations/acme",
        &[
            ("action", "remove_member"),
            ("organization", "acme"),
            ("user", &ann),
        ],
    )
    .await;
    assert_eq!(
        tried.location().as_deref(),
        Some("/account/organizations/acme")
    );
    let page = s.get("/account/organizations/acme").await;
    assert!(page.body.contains("Only the organization"), "{}", page.body);
    assert!(s
        .state
        .db
        .member_role("acme", &ann)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn organization_requests_need_members_and_carry_the_organization() {
    let mut s = sesame().await;
    let ann = s
        .create_user(None, Some("ann@corp.example"), None, PASSWORD)
        .await;
    let org = server::db::OrganizationRow {
        id: "corp".into(),
        name: "Corp".into(),
        description: String::new(),
        branding: Some(r##"{"name":"Corp Sign-in","primary_color":"#aa0000"}"##.into()),
        mfa_required: 0,
        jit_domains: "corp.example".into(),
        created_at: 0,
    };
    let founder = s
        .create_user(None, Some("boss@else.example"), None, PASSWORD)
        .await;
    s.state
        .db
        .insert_organization(&org, &founder, 0)
        .await
        .unwrap();
    let unknown = s.authorize_public("&organization_id=nope").await;
    assert!(unknown
        .location()
        .expect("back")
        .contains("error=invalid_request"));
    let start = s.authorize_public("&organization_id=corp").await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    let page = s.get("/sign-in").await;
    assert!(
        page.body.contains("Corp Sign-in"),
        "the organization's look"
    );
    // Ann's verified address is at the organization's domain: she joins as she signs in.
    let signed = s.sign_in("ann@corp.example", PASSWORD).await;
    assert_eq!(signed.location().as_deref(), Some("/authorize/resume"));
    let done = s.get("/authorize/resume").await;
    let code = code_from(&done);
    let tokens = s.exchange_public(&code).await.json();
    let claims = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(claims["organization_id"], "corp");
    assert_eq!(
        s.state
            .db
            .member_role("corp", &ann)
            .await
            .unwrap()
            .as_deref(),
        Some("member")
    );

    // Someone outside the organization gets access_denied.
    s.jar.clear();
    s.create_user(None, Some("eve@other.example"), None, PASSWORD)
        .await;
    s.authorize_public("&organization_id=corp").await;
    s.sign_in("eve@other.example", PASSWORD).await;
    let refused = s.get("/authorize/resume").await;
    let to = refused.location().expect("back");
    assert!(to.contains("error=access_denied"), "{to}");
}

#[tokio::test]
async fn an_organization_can_require_a_second_factor() {
    let mut s = sesame().await;
    let ann = s
        .create_user(None, Some("ann@example.com"), None, PASSWORD)
        .await;
    let org = server::db::OrganizationRow {
        id: "vault".into(),
        name: "Vault".into(),
        description: String::new(),
        branding: None,
        mfa_required: 1,
        jit_domains: String::new(),
        created_at: 0,
    };
    s.state.db.insert_organization(&org, &ann, 0).await.unwrap();
    // Without the organization: no second factor asked.
    s.authorize_public("").await;
    let plain = s.sign_in("ann@example.com", PASSWORD).await;
    assert_eq!(plain.location().as_deref(), Some("/authorize/resume"));
    s.jar.clear();
    s.authorize_public("&organization_id=vault").await;
    let asked = s.sign_in("ann@example.com", PASSWORD).await;
    assert_eq!(asked.location().as_deref(), Some("/mfa/setup"));
}

#[tokio::test]
async fn organization_scopes_list_memberships_in_tokens() {
    let mut s = sesame().await;
    let ann = s
        .create_user(None, Some("ann@example.com"), None, PASSWORD)
        .await;
    for id in ["one", "two"] {
        let org = server::db::OrganizationRow {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            branding: None,
            mfa_required: 0,
            jit_domains: String::new(),
            created_at: 0,
        };
        s.state.db.insert_organization(&org, &ann, 0).await.unwrap();
    }
    let start = s
        .get(&format!(
            "/authorize?client_id={PUBLIC_CLIENT}&redirect_uri={}&response_type=code&scope=openid%20organizations%20organization_roles&state=s&nonce=n&code_challenge={CHALLENGE}&code_challenge_method=S256",
            urlencode(PUBLIC_REDIRECT)
        ))
        .await;
    assert_eq!(start.location().as_deref(), Some("/sign-in"));
    s.sign_in("ann@example.com", PASSWORD).await;
    let code = code_from(&s.get("/authorize/resume").await);
    let tokens = s.exchange_public(&code).await.json();
    let claims = jwt_claims(tokens["id_token"].as_str().expect("id token"));
    assert_eq!(claims["organizations"], serde_json::json!(["one", "two"]));
    assert_eq!(
        claims["organization_roles"],
        serde_json::json!(["one:admin", "two:admin"])
    );
    let info = s
        .userinfo(tokens["access_token"].as_str().expect("access"))
        .await
        .json();
    assert_eq!(info["organizations"], serde_json::json!(["one", "two"]));
}

//! Branding: the operator's colours, logo, content and CSS reach the pages, per application
//! over the default, under a strict Content-Security-Policy.

use crate::common::*;

#[tokio::test]
async fn branding_reaches_the_page_per_application_under_a_strict_csp() {
    let mut s = TestServer::start_with(|c| {
        c.branding.name = Some("Acme".into());
        c.branding.primary_color = Some("#0a7c59".into());
        c.branding.custom_css = Some(".card { border-radius: 0; }".into());
        c.branding.content = Some("<b>Welcome</b> to Acme".into());
        c.branding.support_url = Some("https://help.acme.example".into());
        c.branding.layout = Some(app::api::PageLayout::Split);
        let public = c
            .clients
            .iter_mut()
            .find(|cl| cl.id == PUBLIC_CLIENT)
            .expect("client");
        public.branding = Some(server::config::BrandingConfig {
            name: Some("Acme Notes".into()),
            primary_color: Some("#fde68a".into()),
            color_scheme: Some(app::api::ColorScheme::Dark),
            ..Default::default()
        });
    })
    .await;
    // Sesame's own sign-in page: the default branding.
    let page = s.get("/sign-in").await;
    let csp = page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = csp
        .split("style-src 'self' 'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a style nonce in the CSP")
        .to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let style_at = page
        .body
        .find(&format!("<style nonce=\"{nonce}\">"))
        .expect("the custom CSS carries the nonce");
    let sheet_at = page.body.find("/pkg/sesame.css").expect("base stylesheet");
    assert!(
        sheet_at < style_at,
        "custom CSS comes after the base stylesheet"
    );
    assert!(page
        .body
        .contains("--sesame-color-primary: light-dark(#0a7c59, #0a7c59)"));
    assert!(page.body.contains(".card { border-radius: 0; }"));
    assert!(page.body.contains(">Acme<"));
    assert!(page.body.contains("data-layout=\"split\""));
    assert!(
        page.body.contains("&lt;b&gt;Welcome&lt;/b&gt; to Acme"),
        "content is text"
    );
    assert!(page.body.contains("https://help.acme.example"));
    // The public client's sign-in: its own name, colour and scheme over the default.
    s.authorize_public("").await;
    let page = s.get("/sign-in").await;
    assert!(page.body.contains(">Acme Notes<"));
    assert!(page.body.contains("light-dark(#fde68a, #fde68a)"));
    assert!(
        page.body
            .contains("--sesame-color-on-primary: light-dark(#11132a, #11132a)"),
        "dark text on a light primary"
    );
    assert!(page.body.contains("data-theme=\"dark\""));
    assert!(
        page.body.contains(".card { border-radius: 0; }"),
        "default CSS still applies"
    );
}

//! The operator's branding: checked at start-up (colours, logo paths, custom CSS that
//! cannot escape its `<style>` element nor load anything), resolved per page
//! (organisation > application > default) into what the screens render.

use crate::config::{BrandingConfig, Config};
use app::api::Branding;
use std::collections::HashMap;

/// Largest custom CSS accepted, in bytes.
pub const CSS_MAX: usize = 32 * 1024;

/// Why a branding value was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BrandingError {
    #[error("`{0}` is not a colour (use #rgb or #rrggbb)")]
    Colour(String),
    #[error("`{0}` is neither an https:// URL nor a file of the site ({1})")]
    Asset(String, String),
    #[error("custom CSS is larger than {CSS_MAX} bytes")]
    CssTooLarge,
    #[error("custom CSS may not contain {0}")]
    CssRefused(&'static str),
}

/// Reads `#rgb` or `#rrggbb` into its three channels.
pub fn parse_colour(value: &str) -> Result<[u8; 3], BrandingError> {
    let bad = || BrandingError::Colour(value.to_string());
    let hex = value.strip_prefix('#').ok_or_else(bad)?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).map_err(|_| bad());
    match hex.len() {
        3 => {
            let d: Vec<String> = hex.chars().map(|c| format!("{c}{c}")).collect();
            Ok([channel(&d[0])?, channel(&d[1])?, channel(&d[2])?])
        }
        6 => Ok([
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        ]),
        _ => Err(bad()),
    }
}

/// WCAG relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// Text colour on a button of `colour`: white or near-black, whichever contrasts more.
pub fn on_colour(colour: [u8; 3]) -> &'static str {
    let l = luminance(colour);
    let with_white = 1.05 / (l + 0.05);
    let with_black = (l + 0.05) / (luminance([0x11, 0x13, 0x2a]) + 0.05);
    if with_white >= with_black {
        "#ffffff"
    } else {
        "#11132a"
    }
}

/// Decodes CSS escapes (`\\69` or `\\i` for `i`) and drops comments, so that a refused word
/// cannot hide behind them.
fn decoded(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '\\' => {
                let mut hex = String::new();
                while hex.len() < 6 && chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    hex.extend(chars.next());
                }
                if hex.is_empty() {
                    out.extend(chars.next());
                } else {
                    if chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                    out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Checks operator CSS: bounded, and unable to close its element, import sheets or name
/// script URLs.
pub fn check_css(css: &str) -> Result<(), BrandingError> {
    if css.len() > CSS_MAX {
        return Err(BrandingError::CssTooLarge);
    }
    // No `<` at all: nothing can close the element or open another.
    if css.contains('<') {
        return Err(BrandingError::CssRefused(
            "`<` (it could close the style element)",
        ));
    }
    let text: String = decoded(css)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for (needle, what) in [
        ("<", "`<` (it could close the style element)"),
        ("@import", "@import"),
        ("javascript:", "javascript: URLs"),
        ("vbscript:", "vbscript: URLs"),
        ("expression(", "expression()"),
        ("-moz-binding", "-moz-binding"),
        ("behavior:", "behavior:"),
    ] {
        if text.contains(needle) {
            return Err(BrandingError::CssRefused(what));
        }
    }
    Ok(())
}

/// A logo or favicon: an `https://` URL, or a path of a file served from the site.
pub fn check_asset(value: &str, site_root: &std::path::Path) -> Result<(), BrandingError> {
    if let Some(path) = value.strip_prefix('/') {
        if path.starts_with('/') || path.split('/').any(|p| p == "..") {
            return Err(BrandingError::Asset(value.into(), "not a site path".into()));
        }
        let file = site_root.join(path);
        return if file.is_file() {
            Ok(())
        } else {
            Err(BrandingError::Asset(
                value.into(),
                format!("{} does not exist", file.display()),
            ))
        };
    }
    match url::Url::parse(value) {
        Ok(u) if u.scheme() == "https" => Ok(()),
        _ => Err(BrandingError::Asset(
            value.into(),
            "use https:// or a /path".into(),
        )),
    }
}

/// One branding layered over another: each value set in `over` wins.
pub fn layered(base: &BrandingConfig, over: &BrandingConfig) -> BrandingConfig {
    macro_rules! pick {
        ($($f:ident),*) => { BrandingConfig { $($f: over.$f.clone().or_else(|| base.$f.clone()),)* } };
    }
    pick!(
        name,
        logo_url,
        logo_dark_url,
        favicon_url,
        primary_color,
        primary_color_dark,
        color_scheme,
        layout,
        custom_css,
        support_url,
        content,
        links
    )
}

/// What the screens render for a configuration.
pub fn resolve(b: &BrandingConfig) -> Branding {
    let mut css = String::new();
    if let Some(light) = b
        .primary_color
        .as_deref()
        .and_then(|c| parse_colour(c).ok())
    {
        let dark = b
            .primary_color_dark
            .as_deref()
            .and_then(|c| parse_colour(c).ok())
            .unwrap_or(light);
        let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        css.push_str(&format!(
            ":root {{\n  --sesame-color-primary: light-dark({l}, {d});\n  \
             --sesame-color-primary-hover: light-dark(color-mix(in srgb, {l} 85%, black), color-mix(in srgb, {d} 85%, white));\n  \
             --sesame-color-on-primary: light-dark({ol}, {od});\n}}\n",
            l = hex(light),
            d = hex(dark),
            ol = on_colour(light),
            od = on_colour(dark),
        ));
    }
    if let Some(custom) = &b.custom_css {
        css.push_str(custom);
    }
    Branding {
        name: b.name.clone(),
        logo_url: b.logo_url.clone(),
        logo_dark_url: b.logo_dark_url.clone(),
        favicon_url: b.favicon_url.clone(),
        color_scheme: b.color_scheme.unwrap_or_default(),
        layout: b.layout.unwrap_or_default(),
        css,
        support_url: b.support_url.clone(),
        content: b.content.clone(),
        links: b
            .links
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|l| (l.label, l.url))
            .collect(),
    }
}

/// The branding of every application, resolved once at start-up.
pub struct Brands {
    default: Branding,
    by_client: HashMap<String, Branding>,
    /// User flows' page layouts, by lower-case flow name.
    by_flow: HashMap<String, Branding>,
}

impl Brands {
    /// Resolves the configuration's brandings.
    pub fn new(config: &Config) -> Brands {
        let by_client = config
            .clients
            .iter()
            .filter_map(|c| {
                let over = c.branding.as_ref()?;
                Some((c.id.clone(), resolve(&layered(&config.branding, over))))
            })
            .collect();
        let by_flow = config
            .user_flows
            .iter()
            .filter_map(|f| {
                let over = f.branding.as_ref()?;
                Some((
                    f.name.to_ascii_lowercase(),
                    resolve(&layered(&config.branding, over)),
                ))
            })
            .collect();
        Brands {
            default: resolve(&config.branding),
            by_client,
            by_flow,
        }
    }

    /// The branding of a page for `client_id`.
    pub fn for_client(&self, client_id: Option<&str>) -> Branding {
        self.for_page(client_id, None)
    }

    /// The branding of a page: its user flow's page layout (Azure AD B2C), else its
    /// application's, else the default.
    pub fn for_page(&self, client_id: Option<&str>, user_flow: Option<&str>) -> Branding {
        user_flow
            .and_then(|f| self.by_flow.get(&f.to_ascii_lowercase()))
            .or_else(|| client_id.and_then(|id| self.by_client.get(id)))
            .unwrap_or(&self.default)
            .clone()
    }
}

/// The resolution order in full: organisation over application over default. Pages of a
/// sign-in for an organisation (`organization_id`) resolve through this; the others use
/// [`Brands::for_page`], which is this without the organisation layer.
pub fn for_organization(
    config: &Config,
    client_id: Option<&str>,
    organization: &BrandingConfig,
) -> Branding {
    let app = client_id
        .and_then(|id| config.clients.iter().find(|c| c.id == id))
        .and_then(|c| c.branding.as_ref())
        .map(|b| layered(&config.branding, b))
        .unwrap_or_else(|| config.branding.clone());
    resolve(&layered(&app, organization))
}

impl Brands {
    /// The default branding (no application, no organisation).
    pub fn default_branding(&self) -> &Branding {
        &self.default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_that_could_escape_or_load_is_refused() {
        for (css, why) in [
            ("a{}</style><script>alert(1)</script>", "close"),
            ("a{}</STYLE >", "close, upper case"),
            ("@import url(https://evil.example/x.css);", "import"),
            ("@\\69mport 'x.css';", "import behind an escape"),
            ("@im/**/port 'x.css';", "import behind a comment"),
            ("a{background:url(javascript:alert(1))}", "javascript url"),
            (
                "a{background:url( 'JavaScript:alert(1)' )}",
                "javascript url, spaced",
            ),
            (
                "a{background:url(j\\61vascript:alert(1))}",
                "javascript url behind an escape",
            ),
            ("a{width:expression(alert(1))}", "expression"),
            ("a{-moz-binding:url(x.xml#y)}", "binding"),
        ] {
            assert!(check_css(css).is_err(), "{why}: {css}");
        }
        assert_eq!(
            check_css(&"a".repeat(CSS_MAX + 1)),
            Err(BrandingError::CssTooLarge)
        );
        let fine = r#".card { border-radius: 0; } .brand-name::after { content: "\201C"; }"#;
        assert_eq!(check_css(fine), Ok(()));
    }

    #[test]
    fn colours_and_their_text() {
        assert_eq!(parse_colour("#fff"), Ok([255, 255, 255]));
        assert_eq!(parse_colour("#0a7c59"), Ok([10, 124, 89]));
        assert!(parse_colour("red").is_err());
        assert!(parse_colour("#12345").is_err());
        assert_eq!(on_colour([0x43, 0x38, 0xca]), "#ffffff");
        assert_eq!(on_colour([0xfd, 0xe6, 0x8a]), "#11132a");
    }

    #[test]
    fn organisation_over_application_over_default() {
        let mut config = Config::default();
        config.branding.name = Some("Default".into());
        config.branding.support_url = Some("https://help.example".into());
        config.clients.push(crate::config::ClientConfig {
            id: "app".into(),
            secret: None,
            name: None,
            logo_uri: None,
            redirect_uris: vec!["https://a.example/cb".into()],
            post_logout_redirect_uris: Vec::new(),
            first_party: true,
            allowed_scopes: Vec::new(),
            id_token_signed_response_alg: "RS256".into(),
            branding: Some(BrandingConfig {
                name: Some("App".into()),
                primary_color: Some("#112233".into()),
                ..Default::default()
            }),
            initiate_login_uri: None,
            tos_uri: None,
            policy_uri: None,
            backchannel_logout_uri: None,
            frontchannel_logout_uri: None,
            allowed_resources: None,
        });
        let brands = Brands::new(&config);
        assert_eq!(brands.for_client(Some("app")).name.as_deref(), Some("App"));
        assert_eq!(
            brands.for_client(Some("other")).name.as_deref(),
            Some("Default")
        );
        assert_eq!(brands.default_branding().name.as_deref(), Some("Default"));
        let org = BrandingConfig {
            name: Some("Org".into()),
            ..Default::default()
        };
        let b = for_organization(&config, Some("app"), &org);
        assert_eq!(b.name.as_deref(), Some("Org"), "the organisation wins");
        assert!(b.css.contains("#112233"), "the application's colour stays");
        assert_eq!(
            b.support_url.as_deref(),
            Some("https://help.example"),
            "the default fills in"
        );
    }

    #[test]
    fn assets_must_exist_or_be_https() {
        let dir = std::env::temp_dir();
        assert!(check_asset("https://cdn.example/logo.svg", &dir).is_ok());
        assert!(check_asset("http://cdn.example/logo.svg", &dir).is_err());
        assert!(check_asset("/no-such-logo-anywhere.svg", &dir).is_err());
        assert!(check_asset("/../etc/passwd", &dir).is_err());
    }
}

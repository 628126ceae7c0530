//! Second factors: what a session proved (`amr`) and the level it reached (`acr`), codes from
//! authenticator apps (TOTP), backup codes and WebAuthn settings. The flow steps that use
//! them are in `flow::mfa`.

use crate::config::MfaFactorKind;
use crate::crypto::ct_eq;
use rand::Rng;
use totp_rs::{Algorithm, TOTP};

/// One thing a user proved in a sign-in, as recorded in the session's `amr` column. Each is
/// a distinct factor type: two of the same never count as two factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    Password,
    /// A code sent by email (to sign in, or as a second factor).
    Email,
    /// A code sent by SMS.
    Sms,
    Totp,
    /// A passkey or security key.
    Webauthn,
    /// A backup code.
    Backup,
    /// A sign-in at another identity provider.
    Federated,
    /// A second factor at another identity provider, trusted by its connector.
    FederatedMfa,
}

impl Proof {
    /// The name stored in the session.
    pub fn token(self) -> &'static str {
        match self {
            Proof::Password => "pwd",
            Proof::Email => "email",
            Proof::Sms => "sms",
            Proof::Totp => "totp",
            Proof::Webauthn => "webauthn",
            Proof::Backup => "backup",
            Proof::Federated => "fed",
            Proof::FederatedMfa => "fedmfa",
        }
    }

    fn parse(token: &str) -> Option<Proof> {
        Some(match token {
            "pwd" => Proof::Password,
            // Sessions of earlier versions recorded an emailed or texted code as `otp`.
            "email" | "otp" => Proof::Email,
            "sms" => Proof::Sms,
            "totp" => Proof::Totp,
            "webauthn" => Proof::Webauthn,
            "backup" => Proof::Backup,
            "fed" => Proof::Federated,
            "fedmfa" => Proof::FederatedMfa,
            _ => return None,
        })
    }

    /// The second-factor kind this proof is, if any.
    pub fn factor(self) -> Option<MfaFactorKind> {
        match self {
            Proof::Password | Proof::Federated | Proof::FederatedMfa => None,
            Proof::Email => Some(MfaFactorKind::Email),
            Proof::Sms => Some(MfaFactorKind::Sms),
            Proof::Totp => Some(MfaFactorKind::Totp),
            Proof::Webauthn => Some(MfaFactorKind::Webauthn),
            Proof::Backup => Some(MfaFactorKind::BackupCode),
        }
    }

    /// The proof a second factor of `kind` gives.
    pub fn of(kind: MfaFactorKind) -> Proof {
        match kind {
            MfaFactorKind::Totp => Proof::Totp,
            MfaFactorKind::Webauthn => Proof::Webauthn,
            MfaFactorKind::BackupCode => Proof::Backup,
            MfaFactorKind::Email => Proof::Email,
            MfaFactorKind::Sms => Proof::Sms,
        }
    }
}

/// The proofs recorded in an `amr` column (space-separated), without duplicates.
pub fn proofs(amr: &str) -> Vec<Proof> {
    let mut out: Vec<Proof> = Vec::new();
    for p in amr.split(' ').filter_map(Proof::parse) {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// `amr` with `proof` added.
pub fn with_proof(amr: &str, proof: Proof) -> String {
    let mut all = proofs(amr);
    if !all.contains(&proof) {
        all.push(proof);
    }
    all.iter().map(|p| p.token()).collect::<Vec<_>>().join(" ")
}

/// The `amr` claim (RFC 8176 values) of a session: `mfa` when two distinct factor types
/// were proven.
pub fn amr_claim(amr: &str) -> Vec<String> {
    let all = proofs(amr);
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: &str| {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    };
    for p in &all {
        match p {
            Proof::Password => push("pwd"),
            Proof::Email | Proof::Totp | Proof::Backup => push("otp"),
            Proof::Sms => push("sms"),
            Proof::Webauthn => push("hwk"),
            // Not an RFC 8176 value, but the one providers use for federated sign-in.
            Proof::Federated => push("fed"),
            Proof::FederatedMfa => {
                push("fed");
                push("mfa");
            }
        }
    }
    if all.len() >= 2 {
        push("mfa");
    }
    out
}

/// Authentication levels, weakest first; `acr_values` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// One factor.
    Single,
    /// Two distinct factor types.
    Multi,
    /// A passkey or security key took part: phishing-resistant (and always multi-factor,
    /// since passkeys sign in only with user verification).
    PhishingResistant,
}

impl Level {
    /// The `acr` value.
    pub fn acr(self) -> &'static str {
        match self {
            Level::Single => "urn:sesame:acr:1fa",
            Level::Multi => "urn:sesame:acr:mfa",
            Level::PhishingResistant => "phr",
        }
    }

    /// The level an `acr_values` entry asks for; unknown values ask for nothing.
    pub fn parse(value: &str) -> Option<Level> {
        [Level::Single, Level::Multi, Level::PhishingResistant]
            .into_iter()
            .find(|l| l.acr() == value)
    }

    /// Every supported value, for discovery.
    pub fn supported() -> [&'static str; 3] {
        [
            Level::Single.acr(),
            Level::Multi.acr(),
            Level::PhishingResistant.acr(),
        ]
    }
}

/// The level a session with this `amr` reached.
pub fn level(amr: &str) -> Level {
    let all = proofs(amr);
    if all.contains(&Proof::Webauthn) {
        Level::PhishingResistant
    } else if all.len() >= 2 {
        Level::Multi
    } else {
        Level::Single
    }
}

/// The level a request's `acr_values` requires: the weakest it names (any listed value
/// satisfies the client), or none.
pub fn required_by(acr_values: &[String]) -> Option<Level> {
    acr_values.iter().filter_map(|v| Level::parse(v)).min()
}

// ---- authenticator apps (TOTP, RFC 6238) ----

/// Seconds per TOTP step.
pub const TOTP_STEP: u64 = 30;
/// Digits per TOTP code (the screens' constant).
pub const TOTP_DIGITS: usize = app::api::TOTP_DIGITS;

/// A new TOTP secret: 160 random bits, base32 as authenticator apps expect.
pub fn new_totp_secret() -> String {
    let bytes: [u8; 20] = rand::thread_rng().gen();
    totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string()
}

fn totp(secret: &str, issuer: &str, account: &str) -> Option<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .ok()?;
    // Authenticator apps split the label at `:`.
    let clean = |s: &str| s.replace(':', " ");
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        TOTP_DIGITS,
        1,
        TOTP_STEP,
        bytes,
        Some(clean(issuer)),
        clean(account),
    ))
}

/// The `otpauth://` URI an authenticator app scans.
pub fn totp_uri(secret: &str, issuer: &str, account: &str) -> Option<String> {
    Some(totp(secret, issuer, account)?.get_url())
}

/// A QR code of `text` as an inline SVG element, drawn on the server so it shows without
/// JavaScript.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Inline in HTML: no XML declaration.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_string())
}

/// The time step whose code `code` is, within one step of clock drift either way of `now`.
pub fn totp_step(secret: &str, code: &str, now: i64) -> Option<i64> {
    let t = totp(secret, "", "")?;
    let current = now.max(0) as u64 / TOTP_STEP;
    let mut found = None;
    // Every candidate is compared, so the time taken does not tell which one matched.
    for step in [current.saturating_sub(1), current, current + 1] {
        if ct_eq(&t.generate(step * TOTP_STEP), code) {
            found = Some(step as i64);
        }
    }
    found
}

/// A secret grouped in fours, for typing into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- backup codes ----

/// Backup codes per set.
pub const BACKUP_CODES: usize = 10;
/// Characters of a backup code: Crockford's base32 without look-alikes, lower case.
const BACKUP_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters per backup code: 12 × 5 = 60 bits.
const BACKUP_LEN: usize = 12;

/// A new set of backup codes, formatted `xxxx-xxxx-xxxx`.
pub fn new_backup_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    let mut codes: Vec<String> = Vec::new();
    while codes.len() < BACKUP_CODES {
        let raw: String = (0..BACKUP_LEN)
            .map(|_| char::from(BACKUP_ALPHABET[rng.gen_range(0..32)]))
            .collect();
        let code = format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]);
        // The first group finds the code's row, so it is unique within a set.
        if !codes.iter().any(|c| c[0..4] == code[0..4]) {
            codes.push(code);
        }
    }
    codes
}

/// A typed backup code as `(lookup group, normalised code)`: case, spaces and dashes do not
/// matter, and the look-alikes `o`, `i` and `l` read as `0` and `1`.
pub fn parse_backup_code(typed: &str) -> Option<(String, String)> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect();
    if code.len() != BACKUP_LEN || !code.bytes().all(|b| BACKUP_ALPHABET.contains(&b)) {
        return None;
    }
    Some((code[0..4].to_string(), code))
}

// ---- WebAuthn ----

/// The WebAuthn relying party of this server: its host is the RP id, its origin the only
/// accepted origin.
pub fn webauthn(
    public_url: &str,
    name: &str,
    timeout_secs: u32,
) -> Result<webauthn_rs::Webauthn, String> {
    let url = url::Url::parse(public_url).map_err(|e| e.to_string())?;
    let host = url
        .host_str()
        .ok_or("the public URL has no host")?
        .to_string();
    webauthn_rs::WebauthnBuilder::new(&host, &url)
        .map_err(|e| e.to_string())?
        .rp_name(name)
        .timeout(std::time::Duration::from_secs(timeout_secs.into()))
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amr_counts_distinct_factor_types() {
        assert_eq!(amr_claim("pwd"), vec!["pwd"]);
        assert_eq!(amr_claim("pwd totp"), vec!["pwd", "otp", "mfa"]);
        // An emailed code twice is one factor, not two.
        assert_eq!(with_proof("email", Proof::Email), "email");
        assert_eq!(level("email email"), Level::Single);
        assert_eq!(level("pwd email"), Level::Multi);
        assert_eq!(level("pwd webauthn"), Level::PhishingResistant);
        assert_eq!(amr_claim("otp"), vec!["otp"]);
    }

    #[test]
    fn acr_values_ask_for_the_weakest_level_they_name() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            required_by(&v(&["phr", "urn:sesame:acr:mfa"])),
            Some(Level::Multi)
        );
        assert_eq!(required_by(&v(&["phr"])), Some(Level::PhishingResistant));
        assert_eq!(required_by(&v(&["gold"])), None);
    }

    #[test]
    fn totp_accepts_one_step_of_drift_and_no_more() {
        let secret = new_totp_secret();
        let t = totp(&secret, "Sesame", "alice").expect("valid secret");
        let now = 1_800_000_000i64;
        let step = now / 30;
        for (offset, ok) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = t.generate(((step + offset) * 30) as u64);
            let got = totp_step(&secret, &code, now);
            assert_eq!(got.is_some(), ok, "offset {offset}");
            if ok {
                assert_eq!(got, Some(step + offset));
            }
        }
        assert!(totp_uri(&secret, "Sesame: Corp", "alice@example.com")
            .is_some_and(|u| u.starts_with("otpauth://totp/")));
    }

    #[test]
    fn backup_codes_have_sixty_bits_and_forgiving_input() {
        let codes = new_backup_codes();
        assert_eq!(codes.len(), 10);
        let (lookup, norm) = parse_backup_code(&codes[0].to_uppercase()).expect("parses");
        assert_eq!(norm.len(), 12);
        assert_eq!(lookup, &codes[0][0..4]);
        assert_eq!(
            parse_backup_code(&norm.replace('0', "O")).map(|c| c.1),
            Some(norm)
        );
        assert!(parse_backup_code("short").is_none());
        assert!(parse_backup_code("uuuu-uuuu-uuuu").is_none());
    }

    #[test]
    fn qr_code_is_an_inline_svg() {
        let svg = qr_svg("otpauth://totp/x?secret=ABC").expect("renders");
        assert!(svg.starts_with("<svg"));
    }
}

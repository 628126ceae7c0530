//! Identifiers: what a user types to name their account, and the one canonical form it is
//! stored and looked up in. Look-alike spellings (case, full-width forms, compatibility
//! characters, Unicode case folding such as `ß`/`ss`) map to one account, so nobody can
//! register a second account that reads the same as someone else's.

use crate::config::{IdentifierKind, UsernamePolicyConfig};
use app::api::UiError;
use unicode_normalization::UnicodeNormalization;

/// An identifier in canonical form.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Identifier {
    pub kind: IdentifierKind,
    /// The canonical value: case-folded NFKC for usernames and emails (with the domain in
    /// ASCII), E.164 for phone numbers.
    pub value: String,
    /// Where messages go: the email address as typed (NFKC, case kept: folding can turn one
    /// mailbox into another, `straße` into `strasse`); empty means `value`.
    #[serde(default)]
    pub address: String,
}

/// Two identifiers are the same when their canonical values are.
impl PartialEq for Identifier {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.value == other.value
    }
}

impl Eq for Identifier {}

impl Identifier {
    /// An identifier from its canonical value.
    pub fn new(kind: IdentifierKind, value: String) -> Identifier {
        Identifier {
            kind,
            value,
            address: String::new(),
        }
    }

    /// The address messages are sent to.
    pub fn delivery(&self) -> &str {
        if self.address.is_empty() {
            &self.value
        } else {
            &self.address
        }
    }

    /// The key the lockout counts failures under.
    pub fn lockout_key(&self) -> String {
        format!("id:{}", self.value)
    }

    /// Whether a code can be sent to it.
    pub fn reachable(&self) -> bool {
        self.kind != IdentifierKind::Username
    }
}

/// NFKC, then full case folding, then NFKC again (the closure Unicode recommends for
/// caseless matching of identifiers, UAX #31 / UTS #39 `NFKC_Casefold` in practice).
pub fn fold(value: &str) -> String {
    let nfkc: String = value.trim().nfkc().collect();
    caseless::default_case_fold_str(&nfkc).nfkc().collect()
}

/// Canonical username, or why it is not acceptable under `policy`.
pub fn username(value: &str, policy: &UsernamePolicyConfig) -> Result<String, UiError> {
    let v = fold(value);
    if v.is_empty() {
        return Err(UiError::Required);
    }
    let n = v.chars().count();
    if n < policy.min_length {
        return Err(UiError::UsernameTooShort {
            min: policy.min_length,
        });
    }
    if n > policy.max_length {
        return Err(UiError::UsernameTooLong {
            max: policy.max_length,
        });
    }
    app::api::rules::username_chars(&v)?;
    Ok(v)
}

/// Canonical email address: folded local part, domain in ASCII (IDNA), or `InvalidEmail`.
pub fn email(value: &str) -> Result<String, UiError> {
    let v = fold(value);
    app::api::rules::email(&v)?;
    let (local, domain) = v.rsplit_once('@').ok_or(UiError::InvalidEmail)?;
    let domain = url::Host::parse(domain)
        .ok()
        .and_then(|h| match h {
            url::Host::Domain(d) => Some(d),
            _ => None,
        })
        .ok_or(UiError::InvalidEmail)?;
    Ok(format!("{local}@{domain}"))
}

/// A phone number in E.164 (`+81312345678`), read in `region` when it has no `+` prefix.
pub fn phone(value: &str, region: &str) -> Result<String, UiError> {
    let v: String = value.trim().nfkc().collect();
    if v.is_empty() {
        return Err(UiError::Required);
    }
    if v.chars().count() > 32 {
        return Err(UiError::InvalidPhone);
    }
    let region = region.parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(region, &v).map_err(|_| UiError::InvalidPhone)?;
    if !phonenumber::is_valid(&number) {
        return Err(UiError::InvalidPhone);
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Reads what the user typed into the identifier field: an email when it has `@`, a phone
/// number when it is made of digits and phone punctuation, else a username. Only the kinds
/// in `accepted` are tried; the error names what is wrong with the closest kind.
pub fn parse(
    value: &str,
    accepted: &[IdentifierKind],
    usernames: &UsernamePolicyConfig,
    region: &str,
) -> Result<Identifier, UiError> {
    let folded = fold(value);
    if folded.is_empty() {
        return Err(UiError::Required);
    }
    let looks_like_phone = folded.starts_with('+')
        || (folded.chars().any(|c| c.is_ascii_digit())
            && folded
                .chars()
                .all(|c| c.is_ascii_digit() || " -().+".contains(c)));
    let kind = if folded.contains('@') {
        IdentifierKind::Email
    } else if looks_like_phone && accepted.contains(&IdentifierKind::Phone) {
        IdentifierKind::Phone
    } else {
        IdentifierKind::Username
    };
    if !accepted.contains(&kind) {
        return Err(match kind {
            IdentifierKind::Email => UiError::EmailNotAccepted,
            _ if accepted == [IdentifierKind::Email] => UiError::InvalidEmail,
            _ if accepted == [IdentifierKind::Phone] => UiError::InvalidPhone,
            _ => UiError::IdentifierNotAccepted,
        });
    }
    let canonical = match kind {
        IdentifierKind::Email => email(value)?,
        IdentifierKind::Phone => phone(value, region)?,
        IdentifierKind::Username => username(value, usernames)?,
    };
    let address = match kind {
        IdentifierKind::Email => {
            let typed: String = value.trim().nfkc().collect();
            // The domain as stored (ASCII, lower case); the local part as typed.
            match (typed.rsplit_once('@'), canonical.rsplit_once('@')) {
                (Some((local, _)), Some((_, domain))) => format!("{local}@{domain}"),
                _ => canonical.clone(),
            }
        }
        _ => String::new(),
    };
    Ok(Identifier {
        kind,
        value: canonical,
        address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> UsernamePolicyConfig {
        UsernamePolicyConfig::default()
    }

    #[test]
    fn look_alike_emails_collapse_to_one() {
        let canonical = email("alice@example.com").unwrap();
        for variant in [
            "Alice@Example.com",
            "ALICE@EXAMPLE.COM",
            " alice@example.com ",
            "ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        ] {
            assert_eq!(email(variant).unwrap(), canonical, "{variant}");
        }
        // Case folding, not just lower-casing: ß and SS meet.
        assert_eq!(
            email("STRASSE@example.com").unwrap(),
            email("straße@example.com").unwrap()
        );
        // Internationalised domains are stored in their ASCII form.
        assert_eq!(
            email("user@bücher.example").unwrap(),
            "user@xn--bcher-kva.example"
        );
    }

    #[test]
    fn look_alike_usernames_collapse_to_one() {
        let canonical = username("alice", &policy()).unwrap();
        for variant in ["Alice", "ALICE", "ａｌｉｃｅ", "Ａｌｉｃｅ"] {
            assert_eq!(username(variant, &policy()).unwrap(), canonical);
        }
        // Turkish dotted capital I folds to i + combining dot, which is not a username
        // character: refused rather than silently becoming `i`.
        assert!(username("İnci", &policy()).is_err());
        assert_eq!(
            username("al", &policy()),
            Err(UiError::UsernameTooShort { min: 3 })
        );
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(phone("+1 (202) 555-0143", "US").unwrap(), "+12025550143");
        assert_eq!(phone("(202) 555-0143", "US").unwrap(), "+12025550143");
        assert_eq!(phone("03-1234-5678", "JP").unwrap(), "+81312345678");
        assert_eq!(
            phone("＋８１ ３ １２３４ ５６７８", "US").unwrap(),
            "+81312345678"
        );
        assert_eq!(phone("12", "US"), Err(UiError::InvalidPhone));
    }

    #[test]
    fn parse_routes_by_shape() {
        let all = [
            IdentifierKind::Username,
            IdentifierKind::Email,
            IdentifierKind::Phone,
        ];
        let p = |v: &str| parse(v, &all, &policy(), "US");
        assert_eq!(p("Bob@X.example").unwrap().kind, IdentifierKind::Email);
        // Looked up folded, mailed as typed: folding may name another mailbox.
        let strasse = p("Straße@Example.com").unwrap();
        assert_eq!(strasse.value, "strasse@example.com");
        assert_eq!(strasse.delivery(), "Straße@example.com");
        assert_eq!(p("+44 20 7946 0958").unwrap().value, "+442079460958");
        assert_eq!(p("bob_1").unwrap().kind, IdentifierKind::Username);
        let email_only = parse("bob", &[IdentifierKind::Email], &policy(), "US");
        assert_eq!(email_only, Err(UiError::InvalidEmail));
        let no_email = parse("a@b.example", &[IdentifierKind::Username], &policy(), "US");
        assert_eq!(no_email, Err(UiError::EmailNotAccepted));
    }
}

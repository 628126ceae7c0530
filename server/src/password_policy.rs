//! The password policy: length, character classes, a common-password list shipped with
//! Sesame, and nothing of the user's own identifiers.

use crate::config::PasswordPolicyConfig;
use app::api::{rules, PasswordRules, UiError};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The 30,000 most common passwords of the zxcvbn frequency list (MIT licence, see
/// `data/common-passwords.LICENSE`), lower case, one per line.
const COMMON: &str = include_str!("../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// Number of entries in the shipped common-password list.
pub fn common_count() -> usize {
    common().len()
}

/// The rules the browser checks too.
pub fn browser_rules(policy: &PasswordPolicyConfig) -> PasswordRules {
    PasswordRules {
        min: policy.min_length,
        max: policy.max_length,
        classes: usize::from(policy.min_character_classes),
    }
}

/// Checks a new password. `personal` holds the user's identifiers (username, email, phone).
pub fn check(
    policy: &PasswordPolicyConfig,
    password: &str,
    personal: &[&str],
) -> Result<(), UiError> {
    rules::password(password, browser_rules(policy))?;
    let lower = password.to_lowercase();
    if policy.reject_common && common().contains(lower.as_str()) {
        return Err(UiError::PasswordCommon);
    }
    if policy.reject_personal {
        for value in personal {
            for part in personal_parts(value) {
                if part.chars().count() >= 3 && lower.contains(&part) {
                    return Err(UiError::PasswordPersonal);
                }
            }
        }
    }
    Ok(())
}

/// The parts of an identifier a password must not contain: a username, the name part of
/// an email address, the national digits of a phone number.
fn personal_parts(value: &str) -> Vec<String> {
    let value = value.to_lowercase();
    if let Some((local, _)) = value.split_once('@') {
        vec![local.to_string()]
    } else if value.starts_with('+') {
        // The last 7 digits: the part people reuse, whatever the country code.
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        vec![digits[digits.len().saturating_sub(7)..].to_string()]
    } else {
        vec![value]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_large_enough() {
        assert!(common_count() >= 10_000, "{}", common_count());
    }

    #[test]
    fn rules_say_which_one_failed() {
        let p = PasswordPolicyConfig::default();
        assert_eq!(
            check(&p, "short", &[]),
            Err(UiError::PasswordTooShort { min: 8 })
        );
        assert_eq!(check(&p, "password1", &[]), Err(UiError::PasswordCommon));
        assert_eq!(check(&p, "PassWord1", &[]), Err(UiError::PasswordCommon));
        assert_eq!(
            check(&p, "xx-alice-2026", &["alice@example.com"]),
            Err(UiError::PasswordPersonal)
        );
        assert_eq!(
            check(&p, "call 5550143 now", &["+12025550143"]),
            Err(UiError::PasswordPersonal)
        );
        assert_eq!(check(&p, "correct horse battery", &["alice"]), Ok(()));
        let strict = PasswordPolicyConfig {
            min_character_classes: 3,
            ..p
        };
        assert_eq!(
            check(&strict, "correct horse battery", &[]),
            Err(UiError::PasswordClasses { min: 3 })
        );
    }
}

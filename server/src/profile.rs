//! Collected profile fields: how they are shown (labels in the user's language), checked
//! (with the same rules the browser runs, plus the server's own regular expressions) and
//! stored (a JSON object of claims on the user).

use crate::config::{ProfileFieldConfig, Translated};
use app::api::{rules, ProfileFieldView, ProfileKind, UiError, ADDRESS_PARTS, NAME_PARTS};
use app::i18n::{Locale, Msg};
use serde_json::{json, Map, Value};

/// The input name of a field.
pub fn input_name(f: &ProfileFieldConfig) -> String {
    format!("profile.{}", f.name)
}

fn translated(t: &Translated, locale: Locale) -> Option<String> {
    t.get(locale.tag()).or_else(|| t.get("en")).cloned()
}

/// The built-in label of a standard OIDC claim.
fn standard_label(name: &str) -> Option<Msg> {
    Some(match name {
        "name" => Msg::FullNameLabel,
        "given_name" => Msg::GivenNameLabel,
        "family_name" => Msg::FamilyNameLabel,
        "middle_name" => Msg::MiddleNameLabel,
        "nickname" => Msg::NicknameLabel,
        "website" | "profile" => Msg::WebsiteLabel,
        "gender" => Msg::GenderLabel,
        "birthdate" => Msg::BirthdateLabel,
        "zoneinfo" => Msg::ZoneinfoLabel,
        "locale" => Msg::LocaleLabel,
        "address" => Msg::AddressLabel,
        _ => return None,
    })
}

/// A field as the screen shows it.
pub fn view(f: &ProfileFieldConfig, locale: Locale) -> ProfileFieldView {
    let label = translated(&f.label, locale)
        .or_else(|| standard_label(&f.name).map(|m| locale.text(m).to_string()))
        .unwrap_or_else(|| f.name.clone());
    ProfileFieldView {
        name: input_name(f),
        kind: f.kind,
        label,
        hint: translated(&f.hint, locale),
        required: f.required,
        options: f
            .options
            .iter()
            .map(|o| {
                (
                    o.value.clone(),
                    translated(&o.label, locale).unwrap_or_else(|| o.value.clone()),
                )
            })
            .collect(),
        pattern: f.pattern.clone(),
        min: f.min,
        max: f.max,
    }
}

/// Whether the stored `profile` lacks a value of the required field `f`.
pub fn is_missing(f: &ProfileFieldConfig, profile: &Map<String, Value>) -> bool {
    if !f.required {
        return false;
    }
    let filled = |key: &str| match profile.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Bool(b)) => *b,
        Some(_) => true,
    };
    match f.kind {
        ProfileKind::FullName => NAME_PARTS.iter().any(|(p, _)| !filled(p)),
        _ => !filled(&f.name),
    }
}

/// Checks the submitted values of `fields` (`input` holds every name/value pair posted)
/// and builds the claims to store, or the errors by input name.
pub fn validate(
    fields: &[&ProfileFieldConfig],
    input: &[(String, String)],
) -> Result<Map<String, Value>, Vec<(String, UiError)>> {
    let get = |name: &str| {
        input
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut out = Map::new();
    let mut errors = Vec::new();
    for f in fields {
        let name = input_name(f);
        let value = get(&name);
        let required = f.required;
        let result: Result<Option<Value>, UiError> = match f.kind {
            ProfileKind::Text => {
                rules::text(&value, required, f.min, f.max).map(|_| Some(json!(value)))
            }
            ProfileKind::Number => rules::number(&value, required, f.min, f.max)
                .map(|_| value.parse::<i64>().ok().map(|n| json!(n))),
            ProfileKind::Date => rules::date(&value, required).map(|_| Some(json!(value))),
            ProfileKind::Url => rules::url(&value, required).map(|_| Some(json!(value))),
            ProfileKind::Checkbox => {
                let on = value == "on";
                if required && !on {
                    Err(UiError::CheckboxRequired)
                } else {
                    Ok(Some(json!(on)))
                }
            }
            ProfileKind::Select => {
                if value.is_empty() {
                    if required {
                        Err(UiError::Required)
                    } else {
                        Ok(None)
                    }
                } else if f.options.iter().any(|o| o.value == value) {
                    Ok(Some(json!(value)))
                } else {
                    Err(UiError::InvalidOption)
                }
            }
            ProfileKind::Regex => rules::text(&value, required, None, Some(256)).and_then(|_| {
                if value.is_empty() {
                    return Ok(None);
                }
                let pattern = f.pattern.as_deref().unwrap_or("");
                match regex::Regex::new(&format!("^(?:{pattern})$")) {
                    Ok(re) if re.is_match(&value) => Ok(Some(json!(value))),
                    _ => Err(UiError::PatternMismatch),
                }
            }),
            ProfileKind::Address => {
                let mut address = Map::new();
                for (part, _) in ADDRESS_PARTS {
                    let key = format!("{name}.{part}");
                    let v = get(&key);
                    match rules::text(&v, required && part != "region", None, Some(256)) {
                        Ok(()) if !v.is_empty() => {
                            address.insert(part.into(), json!(v));
                        }
                        Ok(()) => {}
                        Err(e) => errors.push((key, e)),
                    }
                }
                Ok((!address.is_empty()).then(|| Value::Object(address)))
            }
            ProfileKind::FullName => {
                let mut parts = Vec::new();
                for (part, _) in NAME_PARTS {
                    let key = format!("{name}.{part}");
                    let v = get(&key);
                    match rules::text(&v, required, None, Some(128)) {
                        Ok(()) => {
                            if !v.is_empty() {
                                out.insert(part.into(), json!(v));
                                parts.push(v);
                            }
                        }
                        Err(e) => errors.push((key, e)),
                    }
                }
                Ok((!parts.is_empty()).then(|| json!(parts.join(" "))))
            }
        };
        match result {
            Ok(Some(v)) => {
                out.insert(f.name.clone(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push((name, e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The inputs of `fields` filled with what `profile` holds (the profile-editing screen).
pub fn current_values(
    fields: &[&ProfileFieldConfig],
    profile: &Map<String, Value>,
) -> Vec<(String, String)> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    for f in fields {
        let name = input_name(f);
        match f.kind {
            ProfileKind::Checkbox => {
                if profile.get(&f.name) == Some(&Value::Bool(true)) {
                    out.push((name, "on".into()));
                }
            }
            ProfileKind::Address => {
                for (part, _) in ADDRESS_PARTS {
                    if let Some(v) = profile
                        .get(&f.name)
                        .and_then(|a| a.get(part))
                        .and_then(text)
                    {
                        out.push((format!("{name}.{part}"), v));
                    }
                }
            }
            ProfileKind::FullName => {
                for (part, _) in NAME_PARTS {
                    if let Some(v) = profile.get(part).and_then(text) {
                        out.push((format!("{name}.{part}"), v));
                    }
                }
            }
            _ => {
                if let Some(v) = profile.get(&f.name).and_then(text) {
                    out.push((name, v));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_fill_the_inputs_they_came_from() {
        let fields = [
            field("nickname", ProfileKind::Text, false),
            field("name", ProfileKind::FullName, false),
            field("address", ProfileKind::Address, false),
            field("newsletter", ProfileKind::Checkbox, false),
            field("age", ProfileKind::Number, false),
        ];
        let refs: Vec<&ProfileFieldConfig> = fields.iter().collect();
        let input = pairs(&[
            ("profile.nickname", "Ada"),
            ("profile.name.given_name", "Ada"),
            ("profile.name.family_name", "Lovelace"),
            ("profile.address.locality", "London"),
            ("profile.newsletter", "on"),
            ("profile.age", "36"),
        ]);
        let stored = validate(&refs, &input).expect("valid");
        let mut back = current_values(&refs, &stored);
        back.sort();
        let mut want = input.clone();
        want.sort();
        assert_eq!(back, want);
    }

    fn field(name: &str, kind: ProfileKind, required: bool) -> ProfileFieldConfig {
        ProfileFieldConfig {
            name: name.into(),
            kind,
            required,
            label: Default::default(),
            hint: Default::default(),
            options: Vec::new(),
            pattern: None,
            min: None,
            max: None,
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn every_kind_is_checked_and_stored_as_a_claim() {
        let mut zip = field("member_no", ProfileKind::Regex, true);
        zip.pattern = Some("[0-9]{3}-[0-9]{4}".into());
        let mut age = field("age", ProfileKind::Number, false);
        age.min = Some(13);
        let fields = [
            field("name", ProfileKind::FullName, true),
            field("birthdate", ProfileKind::Date, true),
            zip,
            age,
            field("newsletter", ProfileKind::Checkbox, false),
            field("address", ProfileKind::Address, false),
        ];
        let refs: Vec<&ProfileFieldConfig> = fields.iter().collect();
        let ok = validate(
            &refs,
            &pairs(&[
                ("profile.name.given_name", "Ada"),
                ("profile.name.family_name", "Lovelace"),
                ("profile.birthdate", "1815-12-10"),
                ("profile.member_no", "123-4567"),
                ("profile.age", "36"),
                ("profile.address.locality", "London"),
            ]),
        )
        .unwrap();
        assert_eq!(ok["name"], "Ada Lovelace");
        assert_eq!(ok["given_name"], "Ada");
        assert_eq!(ok["age"], 36);
        assert_eq!(ok["newsletter"], false);
        assert_eq!(ok["address"]["locality"], "London");
        let errors = validate(
            &refs,
            &pairs(&[
                ("profile.birthdate", "1815-13-10"),
                ("profile.member_no", "1234567"),
                ("profile.age", "12"),
            ]),
        )
        .unwrap_err();
        let of = |n: &str| errors.iter().find(|(k, _)| k == n).map(|(_, e)| e.clone());
        assert_eq!(of("profile.name.given_name"), Some(UiError::Required));
        assert_eq!(of("profile.birthdate"), Some(UiError::InvalidDate));
        assert_eq!(of("profile.member_no"), Some(UiError::PatternMismatch));
        assert_eq!(of("profile.age"), Some(UiError::NumberTooSmall { min: 13 }));
    }

    #[test]
    fn labels_default_for_standard_claims() {
        let f = field("birthdate", ProfileKind::Date, true);
        assert_eq!(view(&f, Locale::Ja).label, "生年月日");
        let mut custom = field("team", ProfileKind::Text, false);
        custom.label.insert("en".into(), "Team".into());
        assert_eq!(view(&custom, Locale::Ja).label, "Team");
    }
}

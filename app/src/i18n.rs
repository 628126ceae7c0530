//! Languages. Every user-facing string is a [`Msg`], whose text in each language comes from
//! the translation files `locales/<lang>.ftl` (Fluent syntax, single-line messages). build.rs
//! generates the tables from them and stops the build when a language misses a key, has an
//! unknown one, or uses other placeables than English.

use serde::{Deserialize, Serialize};

/// A language Sesame speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
    /// Arabic (right to left).
    Ar,
}

impl Locale {
    /// Every supported locale, in the order the language picker lists them.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Ja, Locale::Ar];

    /// The BCP 47 tag used in `<html lang>`, `ui_locales` and `Accept-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ja => "ja",
            Locale::Ar => "ar",
        }
    }

    /// The language's own name, for the language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ja => "日本語",
            Locale::Ar => "العربية",
        }
    }

    /// Text direction of the script.
    pub fn dir(self) -> &'static str {
        match self {
            Locale::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// Parses one language tag (`ja`, `ja-JP`, `EN-us`) by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// Chooses the locale: the first supported tag of `ui_locales` (space-separated, in
    /// preference order), else the best-weighted supported entry of `Accept-Language`, else
    /// `default`.
    pub fn negotiate(
        ui_locales: Option<&str>,
        accept_language: Option<&str>,
        default: Locale,
    ) -> Locale {
        if let Some(found) = ui_locales
            .into_iter()
            .flat_map(|s| s.split_whitespace())
            .find_map(Locale::from_tag)
        {
            return found;
        }
        let mut best: Option<(u16, Locale)> = None;
        for entry in accept_language.unwrap_or_default().split(',') {
            let mut parts = entry.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            // q-values have at most three decimals; compare them as thousandths.
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .map(|q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16)
                .unwrap_or(1000);
            if q > 0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or(default)
    }

    /// The translation of `msg`.
    pub fn text(self, msg: Msg) -> &'static str {
        match self {
            Locale::En => table_en(msg),
            Locale::Ja => table_ja(msg),
            Locale::Ar => table_ar(msg),
        }
    }

    /// A moment (seconds since the Unix epoch) as this language writes dates and times, in UTC.
    pub fn datetime(self, unix: i64) -> String {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (h, min) = (secs / 3600, secs % 3600 / 60);
        match self {
            Locale::En => {
                const MONTHS: [&str; 12] = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                format!("{d} {} {y}, {h:02}:{min:02} UTC", MONTHS[(m - 1) as usize])
            }
            Locale::Ja => format!("{y}年{m}月{d}日 {h:02}:{min:02} UTC"),
            Locale::Ar => {
                const MONTHS: [&str; 12] = [
                    "يناير",
                    "فبراير",
                    "مارس",
                    "أبريل",
                    "مايو",
                    "يونيو",
                    "يوليو",
                    "أغسطس",
                    "سبتمبر",
                    "أكتوبر",
                    "نوفمبر",
                    "ديسمبر",
                ];
                let n = |v: i64, w: usize| self.digits(&format!("{v:0w$}"));
                format!(
                    "{} {} {}، {}:{} UTC",
                    n(d, 1),
                    MONTHS[(m - 1) as usize],
                    n(y, 1),
                    n(h, 2),
                    n(min, 2)
                )
            }
        }
    }

    /// The translation of `msg` with `{n}` replaced by `n` (a number in this language's
    /// digits).
    pub fn text_n(self, msg: Msg, n: impl std::fmt::Display) -> String {
        self.text(msg).replace("{n}", &self.digits(&n.to_string()))
    }

    /// A number as this language writes it: Arabic uses Arabic-Indic digits. Anything that
    /// is not a plain number (a code, an address) is left alone.
    pub fn digits(self, text: &str) -> String {
        let plain = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
        match self {
            Locale::Ar if plain => text
                .chars()
                .map(|c| char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c))
                .collect(),
            _ => text.to_string(),
        }
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

// The `Msg` enum and one table per language, generated by build.rs from locales/*.ftl.
include!(concat!(env!("OUT_DIR"), "/messages.rs"));
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_wins_over_accept_language() {
        assert_eq!(
            Locale::negotiate(Some("fr ja-JP"), Some("en"), Locale::En),
            Locale::Ja
        );
    }

    #[test]
    fn accept_language_honours_weights() {
        assert_eq!(
            Locale::negotiate(None, Some("en;q=0.4, ja;q=0.9, fr"), Locale::En),
            Locale::Ja
        );
        assert_eq!(
            Locale::negotiate(None, Some("ja;q=0, de"), Locale::En),
            Locale::En
        );
    }

    #[test]
    fn unknown_everything_falls_back() {
        assert_eq!(
            Locale::negotiate(Some("xx"), Some("zz"), Locale::Ja),
            Locale::Ja
        );
    }

    #[test]
    fn dates_follow_the_language() {
        // 2026-11-22 03:12 UTC
        let t = 1_795_317_120;
        assert_eq!(Locale::En.datetime(t), "22 Nov 2026, 03:12 UTC");
        assert_eq!(Locale::Ja.datetime(t), "2026年11月22日 03:12 UTC");
        assert_eq!(Locale::Ar.datetime(t), "٢٢ نوفمبر ٢٠٢٦، ٠٣:١٢ UTC");
        assert_eq!(
            Locale::Ar.text_n(Msg::ErrLocked, 60).matches('٦').count(),
            1
        );
        assert_eq!(Locale::Ar.digits("+819012345678"), "+819012345678");
        assert_eq!(Locale::En.datetime(951_782_400), "29 Feb 2000, 00:00 UTC");
    }

    #[test]
    fn arabic_is_right_to_left_and_complete() {
        assert_eq!(Locale::from_tag("ar-EG"), Some(Locale::Ar));
        assert_eq!(Locale::Ar.dir(), "rtl");
        assert!(Locale::Ar.text(Msg::SignInTitle).contains("تسجيل الدخول"));
    }

    #[test]
    fn every_language_file_has_the_keys_of_english() {
        // build.rs refuses to build otherwise; this says so where tests are read.
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| !l.starts_with('#') && l.contains(" = "))
                .map(|l| l.split(" = ").next().unwrap_or("").to_string())
                .collect()
        };
        let en = keys(include_str!("../locales/en.ftl"));
        assert!(en.len() > 100);
        assert_eq!(keys(include_str!("../locales/ja.ftl")), en);
        assert_eq!(keys(include_str!("../locales/ar.ftl")), en);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            Locale::En.text_n(Msg::ErrPasswordTooShort, 8),
            "Use at least 8 characters."
        );
        assert!(Locale::Ja.text_n(Msg::SignInTo, "Demo").contains("Demo"));
    }
}

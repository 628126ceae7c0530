//! Generates the message tables of `src/i18n.rs` from the translation files in `locales/`
//! (Fluent syntax, single-line messages). English is the reference: every other language must
//! have exactly its keys, with the same placeables, or the build fails naming what is wrong.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// The languages shipped, as (file stem, `Locale` variant).
const LOCALES: [(&str, &str); 3] = [("en", "En"), ("ja", "Ja"), ("ar", "Ar")];

fn parse(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(" = ") else {
            panic!("{}:{}: expected `key = value`", path.display(), i + 1);
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            panic!("{}:{}: bad key `{key}`", path.display(), i + 1);
        }
        if value.trim().is_empty() {
            panic!("{}:{}: `{key}` has no text", path.display(), i + 1);
        }
        out.push((key.to_string(), value.to_string()));
    }
    out
}

/// The placeables of a value (`{ $n }`), which every language must use alike.
fn placeables(value: &str) -> BTreeSet<String> {
    value
        .match_indices("{ $")
        .filter_map(|(i, _)| {
            value[i + 3..]
                .split_once(" }")
                .map(|(name, _)| name.to_string())
        })
        .collect()
}

fn variant(key: &str) -> String {
    key.split('-')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The messages island code shows besides the errors (`err-*`). The browser bundle carries
/// only these and the errors: every other text is rendered on the server. An island that
/// shows another message must add it here, or it would read as empty once hydrated.
const ISLAND_MESSAGES: [&str; 4] = [
    "optional-field",
    "hide-password",
    "show-password",
    "working",
];

fn main() {
    println!("cargo:rerun-if-changed=locales");
    // The browser bundle of the islands (not the gallery, which renders every screen).
    let islands_only = std::env::var_os("CARGO_FEATURE_HYDRATE").is_some()
        && std::env::var_os("CARGO_FEATURE_CSR").is_none()
        && std::env::var_os("CARGO_FEATURE_SSR").is_none();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let tables: Vec<(&str, Vec<(String, String)>)> = LOCALES
        .iter()
        .map(|(stem, variant)| (*variant, parse(&dir.join(format!("{stem}.ftl")))))
        .collect();
    let reference = &tables[0].1;
    let keys: Vec<&String> = reference.iter().map(|(k, _)| k).collect();
    for ((stem, _), (_, table)) in LOCALES.iter().zip(&tables) {
        let theirs: Vec<&String> = table.iter().map(|(k, _)| k).collect();
        let missing: Vec<_> = keys.iter().filter(|k| !theirs.contains(k)).collect();
        let extra: Vec<_> = theirs.iter().filter(|k| !keys.contains(k)).collect();
        if !missing.is_empty() || !extra.is_empty() || theirs.len() != keys.len() {
            panic!("locales/{stem}.ftl: missing {missing:?}, unknown or repeated {extra:?}");
        }
        for ((key, en), (_, value)) in reference.iter().zip(table) {
            if placeables(en) != placeables(value) {
                panic!("locales/{stem}.ftl: `{key}` must use the placeables of en.ftl");
            }
        }
    }
    let mut out = String::new();
    out.push_str("/// Every message of the user interface (generated from `locales/en.ftl`).\n");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]\n");
    out.push_str("pub enum Msg {\n");
    for (key, value) in reference {
        let doc = value.replace('\\', "\\\\");
        let _ = writeln!(out, "    /// {doc}\n    {},", variant(key));
    }
    out.push_str("}\n\n");
    for (locale, table) in &tables {
        let _ = writeln!(
            out,
            "/// The {locale} table.\nfn table_{}(msg: Msg) -> &'static str {{\n    match msg {{",
            locale.to_lowercase()
        );
        for (key, value) in table {
            if islands_only && !key.starts_with("err-") && !ISLAND_MESSAGES.contains(&key.as_str())
            {
                continue;
            }
            let text = value.replace("{ $", "{").replace(" }", "}");
            let _ = writeln!(out, "        Msg::{} => {:?},", variant(key), text);
        }
        if islands_only {
            out.push_str("        _ => \"\",\n");
        }
        out.push_str("    }\n}\n\n");
    }
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("messages.rs"), out).expect("write messages.rs");
}

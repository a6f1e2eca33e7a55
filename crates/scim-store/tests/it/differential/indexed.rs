//! Lookups of strings inside multi-valued attributes, which SQLite answers through the
//! `resource_values` table its triggers keep beside `data_ci` (see `src/sql/implied.rs`): every
//! string the data set holds in an array, and values that PATCH, PUT and DELETE took away
//! (`dataset::build`), looked up the ways an identity provider writes them. The table only adds
//! a condition in front of the exact one, so a stale or missing row would show here as a
//! resource SQLite fails to find.

use serde_json::Value;

use super::dataset::DEVICE_EXTENSION;
use super::generate::{quote, swap_ascii_case};
use super::{TYPES, Tally, check_all, world};

/// `(attribute, sub-attribute, value)` for every string in an array at the top level of `body`
/// or of its extension objects.
fn multi_valued_strings(
    body: &serde_json::Map<String, Value>,
) -> Vec<(String, Option<String>, String)> {
    let mut found = Vec::new();
    let mut arrays: Vec<(String, &Vec<Value>)> = Vec::new();
    for (key, value) in body {
        match value {
            Value::Array(items) => arrays.push((key.clone(), items)),
            Value::Object(members) if key.starts_with("urn:") => {
                for (name, value) in members {
                    if let Value::Array(items) = value {
                        arrays.push((format!("{key}:{name}"), items));
                    }
                }
            }
            _ => {}
        }
    }
    for (attribute, items) in arrays {
        for item in items {
            match item {
                Value::String(text) => found.push((attribute.clone(), None, text.clone())),
                Value::Object(members) => {
                    for (sub, value) in members {
                        if let Value::String(text) = value {
                            found.push((attribute.clone(), Some(sub.clone()), text.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The ways to look `value` up: dotted and as a value path, as written and with its ASCII case
/// swapped, alone and beside the element's other conditions and the row's.
fn lookups(attribute: &str, sub: Option<&str>, value: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for spelled in [value.to_owned(), swap_ascii_case(value)] {
        let literal = quote(&spelled);
        match sub {
            None => {
                texts.push(format!("{attribute} eq {literal}"));
                texts.push(format!("{attribute} eq {literal} and meta.version pr"));
            }
            Some(sub) => {
                texts.push(format!("{attribute}.{sub} eq {literal}"));
                texts.push(format!("{attribute}[{sub} eq {literal}]"));
                texts.push(format!(
                    "{attribute}[type eq \"work\" and {sub} eq {literal}]"
                ));
                texts.push(format!(
                    "{attribute}[{sub} eq {literal} and not (primary eq true)]"
                ));
                texts.push(format!("{attribute}[{sub} eq {literal} or {sub} eq \"x\"]"));
                texts.push(format!("not ({attribute}.{sub} eq {literal})"));
            }
        }
    }
    texts
}

/// Values the data set held before `dataset::build` changed or deleted their resources.
fn gone() -> Vec<String> {
    let mut texts = Vec::new();
    for i in 0..64 {
        let work = quote(&format!("+49 30 {i:04}"));
        let other = quote(&format!("TEL:+1-555-{i:04}"));
        texts.push(format!("phoneNumbers.value eq {work}"));
        texts.push(format!(
            "phoneNumbers[type eq \"work\" and value eq {work}]"
        ));
        texts.push(format!("phoneNumbers[value eq {other}]"));
    }
    for value in ["+49 30 9999", "+49 30 7777"] {
        texts.push(format!(
            "phoneNumbers[type eq \"work\" and value eq {}]",
            quote(value)
        ));
    }
    texts.push(r#"emails[type eq "work" and value eq "added@example.com"]"#.to_owned());
    for value in ["Lobby", "Renamed", "Straße", "STRASSE"] {
        texts.push(format!("{DEVICE_EXTENSION}:aliases eq {}", quote(value)));
    }
    for (attribute, value) in [
        ("tags", "Gamma"),
        ("slots.value", "S9"),
        ("slots.label", "moved"),
    ] {
        texts.push(format!("{attribute} eq {}", quote(value)));
    }
    texts
}

#[test]
fn lookups_of_multi_valued_strings_agree() {
    let world = world();
    let mut tally = Tally::default();
    for resource_type in TYPES {
        let mut texts = gone();
        for resource in &world.resources[resource_type] {
            for (attribute, sub, value) in multi_valued_strings(resource.as_json()) {
                texts.extend(lookups(&attribute, sub.as_deref(), &value));
            }
        }
        texts.sort();
        texts.dedup();
        tally.absorb(check_all(world, resource_type, &texts));
    }
    tally.assert_no_failures();
    assert!(
        tally.selective >= 200,
        "only {} lookups select some but not all resources ({} ran)",
        tally.selective,
        tally.agreed
    );
}

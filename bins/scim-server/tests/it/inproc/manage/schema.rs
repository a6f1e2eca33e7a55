//! A small JSON Schema check: the keywords `openapi.json` uses (`$ref` into the document,
//! `type` with `null`, `properties`, `required`, `additionalProperties`, `items`, `enum`,
//! bounds, and `pattern` as a literal prefix `^...`), so that the answers of the admin API can
//! be held to the schemas its OpenAPI document gives, without a JSON Schema library.

use serde_json::Value;

/// The ways `value` breaks `schema`, each with the JSON pointer of the value at fault.
pub(crate) fn violations(document: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(document, schema, value, "", &mut found);
    found
}

fn resolve<'d>(document: &'d Value, schema: &'d Value) -> &'d Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            let target = document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} names nothing in the document"));
            resolve(document, target)
        }
        None => schema,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(allowed: &Value, value: &Value) -> bool {
    let actual = type_name(value);
    let matches = |t: &str| t == actual || (t == "number" && actual == "integer");
    match allowed {
        Value::String(t) => matches(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(matches),
        _ => true,
    }
}

fn check(document: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let schema = resolve(document, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(document, part, value, at, found);
        }
    }
    if let Some(allowed) = schema.get("type")
        && !has_type(allowed, value)
    {
        found.push(format!("{at}: {value} is not of type {allowed}"));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {options:?}"));
    }
    match value {
        Value::Object(members) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !members.contains_key(name) {
                    found.push(format!("{at}: the required member {name} is missing"));
                }
            }
            for (name, member) in members {
                let path = format!("{at}/{name}");
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => check(document, property, member, &path, found),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            found.push(format!("{path}: a member the schema does not allow"));
                        }
                        Some(extra @ Value::Object(_)) => {
                            check(document, extra, member, &path, found);
                        }
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(document, item_schema, item, &format!("{at}/{i}"), found);
                }
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && items.len() as u64 > max
            {
                found.push(format!("{at}: more than {max} items"));
            }
        }
        Value::String(text) => {
            let length = text.chars().count() as u64;
            if schema
                .get("minLength")
                .and_then(Value::as_u64)
                .is_some_and(|min| length < min)
                || schema
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|max| length > max)
            {
                found.push(format!("{at}: {text:?} has the wrong length"));
            }
            if let Some(prefix) = schema
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(|p| p.strip_prefix('^'))
                .filter(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                && !text.starts_with(prefix)
            {
                found.push(format!("{at}: {text:?} does not start with {prefix:?}"));
            }
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if schema
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|min| n < min)
                || schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|max| n > max)
            {
                found.push(format!("{at}: {n} is out of bounds"));
            }
        }
        _ => {}
    }
}

#[test]
fn the_check_finds_what_breaks_a_schema() {
    let document = serde_json::json!({"components": {"schemas": {"P": {
        "type": "object",
        "properties": {"a": {"type": ["string", "null"], "maxLength": 3}, "b": {"type": "integer", "minimum": 1}},
        "required": ["b"],
        "additionalProperties": false
    }}}});
    let schema = serde_json::json!({"$ref": "#/components/schemas/P"});
    let ok = serde_json::json!({"a": null, "b": 2});
    assert!(violations(&document, &schema, &ok).is_empty());
    let bad = serde_json::json!({"a": "long", "c": 1});
    assert_eq!(violations(&document, &schema, &bad).len(), 3);
}

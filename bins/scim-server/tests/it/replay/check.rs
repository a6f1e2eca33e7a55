//! What every response must satisfy, whatever the scenario expects, and JSON matching helpers.

use serde_json::Value;

use crate::harness::Response;
use crate::harness::SCIM_JSON;

const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The rules of docs/identity-providers.md's "Every client" section that a single response shows: the media
/// type, the error document, `Location` on 201, list counters as integers matching the page,
/// and no password in any response.
pub(crate) fn universal(response: &Response) -> Result<(), String> {
    if response.body.is_empty() {
        return if matches!(response.status, 204 | 304) {
            Ok(())
        } else {
            Err(format!("status {} with an empty body", response.status))
        };
    }
    match response.header("content-type") {
        Some(media) if media.starts_with(SCIM_JSON) => {}
        other => return Err(format!("Content-Type {other:?}, expected {SCIM_JSON}")),
    }
    let body: Value =
        serde_json::from_str(&response.body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if has_key(&body, "password") {
        return Err("a response carries a password".into());
    }
    let schemas = body.get("schemas").and_then(Value::as_array);
    let has_schema = |urn: &str| schemas.is_some_and(|s| s.iter().any(|u| u == urn));
    if response.status >= 400 {
        if !has_schema(ERROR_URN) {
            return Err("an error without the Error schema".into());
        }
        let status = response.status.to_string();
        if body.get("status").and_then(Value::as_str) != Some(status.as_str()) {
            return Err(format!(
                "error status is {:?}, expected the string {status:?}",
                body.get("status")
            ));
        }
    }
    if response.status == 201 {
        let location = body.pointer("/meta/location").and_then(Value::as_str);
        if location.is_none() || response.header("location") != location {
            return Err(format!(
                "Location {:?} differs from meta.location {location:?}",
                response.header("location")
            ));
        }
    }
    if has_schema(LIST_URN) {
        let count = |name: &str| body.get(name).and_then(Value::as_u64);
        let resources = body
            .get("Resources")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if count("totalResults").is_none() || count("itemsPerPage").is_none() {
            return Err("totalResults and itemsPerPage must be integers".into());
        }
        if count("itemsPerPage") != Some(resources as u64) {
            return Err(format!(
                "itemsPerPage differs from the {resources} Resources"
            ));
        }
        if body.get("startIndex").is_some() && count("startIndex").is_none() {
            return Err("startIndex must be an integer".into());
        }
    }
    Ok(())
}

fn has_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(object) => object
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case(key) || has_key(v, key)),
        Value::Array(items) => items.iter().any(|v| has_key(v, key)),
        _ => false,
    }
}

/// Whether `actual` contains `wanted`: objects key by key (recursively), anything else equal.
pub(crate) fn contains(actual: &Value, wanted: &Value) -> bool {
    match (actual, wanted) {
        (Value::Object(actual), Value::Object(wanted)) => wanted
            .iter()
            .all(|(k, w)| actual.get(k).is_some_and(|a| contains(a, w))),
        _ => actual == wanted,
    }
}

/// The values a pointer selects, `*` standing for every element of an array.
pub(crate) fn select<'v>(body: &'v Value, pattern: &str) -> Vec<&'v Value> {
    let mut current = vec![body];
    for segment in pattern.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        current = current
            .into_iter()
            .flat_map(|value| match (value, segment.as_str()) {
                (Value::Array(items), "*") => items.iter().collect(),
                (Value::Array(items), index) => index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .into_iter()
                    .collect(),
                (Value::Object(object), key) => object.get(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    current
}

//! `sortBy` on every sortable path, both directions: both stores must return the order the
//! store documents (RFC 7644 §3.4.2.3), computed here from the resources themselves.
//!
//! The documented order: a multi-valued attribute sorts by its primary element's value, else
//! its first element's; case-insensitive strings by their folded form in code point order;
//! resources without a value last when ascending and first when descending; ties in creation
//! order (reversed when descending).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use scim_core::fold_case;
use scim_core::resource::Resource;
use scim_core::schema::AttributeType;
use scim_store::{Query, ReadOptions};
use serde_json::{Map, Value};

use super::generate::{PathSpec, catalogue};
use super::{TYPES, world};

/// A sort key, comparable across resources of one type.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Text(String),
    Number(Value),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// Compares two JSON numbers exactly (an `i64`, a `u64` or an `f64` each).
fn compare_numbers(a: &Value, b: &Value) -> Ordering {
    fn exact(n: &Value) -> (f64, i128, bool) {
        if let Some(i) = n.as_i64() {
            (i as f64, i128::from(i), true)
        } else if let Some(u) = n.as_u64() {
            (u as f64, i128::from(u), true)
        } else {
            (n.as_f64().unwrap(), 0, false)
        }
    }
    let (fa, ia, a_int) = exact(a);
    let (fb, ib, b_int) = exact(b);
    match (a_int, b_int) {
        (true, true) => ia.cmp(&ib),
        (false, false) => fa.partial_cmp(&fb).unwrap(),
        // An integer against a float: compare the float's integer part exactly first.
        (true, false) => compare_int_float(ia, fb),
        (false, true) => compare_int_float(ib, fa).reverse(),
    }
}

fn compare_int_float(i: i128, f: f64) -> Ordering {
    let floor = f.floor();
    if floor >= 1.7e38 {
        return Ordering::Less;
    }
    if floor <= -1.7e38 {
        return Ordering::Greater;
    }
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Ordering::Less,
        other => other,
    }
}

impl Key {
    fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Self::Number(a), Self::Number(b)) => compare_numbers(a, b),
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            (Self::Time(a), Self::Time(b)) => a.cmp(b),
            _ => panic!("keys of different kinds: {self:?} and {other:?}"),
        }
    }
}

/// The element a multi-valued attribute sorts by: its value at `sub` of the primary element,
/// else of the first.
fn sort_value<'v>(body: &'v Map<String, Value>, spec: &PathSpec, multi: bool) -> Option<&'v Value> {
    let container = match &spec.extension {
        Some(urn) => body.get(urn)?.as_object()?,
        None => body,
    };
    let value = container.get(&spec.attribute)?;
    let first = |v: &'v Value| -> Option<&'v Value> {
        match v {
            // A multi-valued sub-attribute sorts by its first value.
            Value::Array(items) => items.first(),
            other => Some(other),
        }
    };
    match (&spec.sub, multi) {
        (None, false) => Some(value),
        (Some(sub), false) => first(value.get(sub)?),
        (None, true) => value.as_array()?.first(),
        (Some(sub), true) => {
            let items = value.as_array()?;
            let primary = items
                .iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .and_then(|e| e.get(sub));
            primary.or_else(|| items.first()?.get(sub)).and_then(first)
        }
    }
}

fn key(resource: &Resource, spec: &PathSpec, multi: bool, case_exact: bool) -> Option<Key> {
    let body = resource.as_json();
    if spec.extension.is_none() && spec.attribute == "meta" {
        let meta = &body["meta"];
        return Some(match spec.sub.as_deref() {
            Some("created" | "lastModified") => Key::Time(
                DateTime::parse_from_rfc3339(meta[spec.sub.as_deref()?].as_str()?)
                    .ok()?
                    .with_timezone(&Utc),
            ),
            // The version sorts as the number it is; the location as the id.
            Some("version") => {
                let text = meta["version"].as_str()?;
                Key::Number(Value::from(
                    text.trim_start_matches("W/\"")
                        .trim_end_matches('"')
                        .parse::<i64>()
                        .ok()?,
                ))
            }
            Some("location") => Key::Text(resource.id()?.to_owned()),
            _ => Key::Text(meta[spec.sub.as_deref()?].as_str()?.to_owned()),
        });
    }
    let membership = matches!(
        (resource.resource_type(), spec.attribute.as_str()),
        ("Group", "members") | ("User", "groups")
    );
    if membership && spec.sub.as_deref() == Some("$ref") {
        // The store renders no `$ref` (the server adds it): like `meta.location`, it sorts as
        // the id it ends in.
        let first = body.get(&spec.attribute)?.as_array()?.first()?;
        return Some(Key::Text(first["value"].as_str()?.to_owned()));
    }
    let value = sort_value(body, spec, multi)?;
    Some(match (spec.kind, value) {
        (AttributeType::DateTime, Value::String(s)) => {
            Key::Time(DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc))
        }
        (_, Value::String(s)) if case_exact || spec.kind == AttributeType::Binary => {
            Key::Text(s.clone())
        }
        (_, Value::String(s)) => Key::Text(fold_case(s).into_owned()),
        (_, Value::Bool(b)) => Key::Bool(*b),
        (_, n @ Value::Number(_)) => Key::Number(n.clone()),
        _ => return None,
    })
}

#[test]
fn sort_orders_agree_with_the_documented_order() {
    let world = world();
    let mut failures = Vec::new();
    let mut sorted = 0;
    for resource_type in TYPES {
        let registry = &world.registry;
        let rt = registry.resource_type(resource_type).unwrap();
        let resources = &world.resources[resource_type];
        for spec in catalogue(registry, resource_type) {
            if spec.kind == AttributeType::Complex {
                continue;
            }
            let name = match (&spec.extension, &spec.sub) {
                (Some(urn), Some(sub)) => format!("{urn}:{}.{sub}", spec.attribute),
                (Some(urn), None) => format!("{urn}:{}", spec.attribute),
                (None, Some(sub)) => format!("{}.{sub}", spec.attribute),
                (None, None) => spec.attribute.clone(),
            };
            let found = registry
                .find_attribute(rt, spec.extension.as_deref(), &spec.attribute)
                .unwrap();
            let top = found.attribute();
            let leaf = match &spec.sub {
                Some(sub) => top.sub_attribute(sub).unwrap(),
                None => top,
            };
            let multi = top.is_multi_valued();
            let case_exact = leaf.is_case_exact();
            for descending in [false, true] {
                // Creation order, then a stable sort by key: ties keep creation order.
                let mut expected: Vec<(usize, Option<Key>)> = resources
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i, key(r, &spec, multi, case_exact)))
                    .collect();
                expected.sort_by(|(i, a), (j, b)| {
                    let ordering = match (a, b) {
                        (Some(a), Some(b)) => a.compare(b),
                        (Some(_), None) => Ordering::Less,
                        (None, Some(_)) => Ordering::Greater,
                        (None, None) => Ordering::Equal,
                    }
                    .then(i.cmp(j));
                    if descending {
                        ordering.reverse()
                    } else {
                        ordering
                    }
                });
                let expected: Vec<&str> = expected
                    .iter()
                    .map(|(i, _)| resources[*i].id().unwrap())
                    .collect();
                for backend in &world.backends {
                    let query = Query {
                        sort_by: Some(
                            scim_core::filter::parse_sort_by(&name)
                                .unwrap()
                                .into_owned(),
                        ),
                        descending,
                        count: Some(1000),
                        ..Query::default()
                    };
                    match backend.store.query(
                        &backend.tenant,
                        resource_type,
                        &query,
                        ReadOptions::DOCUMENT_ONLY,
                    ) {
                        Ok(page) => {
                            let got: Vec<&str> = page
                                .resources
                                .iter()
                                .map(|r| r.resource.id().unwrap())
                                .collect();
                            if got != expected {
                                failures.push(format!(
                                    "[{resource_type}] sortBy={name} descending={descending} on {}:\n  expected {expected:?}\n  got      {got:?}",
                                    backend.name
                                ));
                            }
                        }
                        Err(e) => failures.push(format!(
                            "[{resource_type}] sortBy={name} descending={descending} on {}: {e:?}",
                            backend.name
                        )),
                    }
                }
                sorted += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sorted} sorts disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

//! The elements of multi-valued attributes and the sub-attributes of complex values: which
//! elements are the same, merging, and the single `primary`.

use serde_json::{Map, Value};

use super::PatchErrorKind;
use crate::schema::{Attribute, Mutability};
use crate::validate::same_value;
use crate::validate::value::{Label, order_sub_attributes};

/// Whether two elements are the same element: equal `value`s (and equal `type`s when both have
/// one) if the attribute has a `value` sub-attribute and both elements set it, else equal as a
/// whole.
pub(crate) fn same_element(attribute: &Attribute, a: &Value, b: &Value) -> bool {
    let sub = |name| attribute.sub_attribute(name).filter(|s| s.name() == name);
    let (Some(value_sub), Some(x), Some(y)) = (sub("value"), a.get("value"), b.get("value")) else {
        return match (a, b) {
            (Value::String(_), Value::String(_)) => same_value(attribute, a, b),
            _ => a == b,
        };
    };
    if !same_value(value_sub, x, y) {
        return false;
    }
    match (sub("type"), a.get("type"), b.get("type")) {
        (Some(type_sub), Some(s), Some(t)) => same_value(type_sub, s, t),
        _ => true,
    }
}

/// Adds `new` elements; one that is the same as an existing element updates it instead (its
/// immutable sub-attributes stay). An element written with `primary: true` becomes the only
/// primary.
pub(crate) fn add_elements(attribute: &Attribute, elements: &mut Vec<Value>, new: Vec<Value>) {
    let mut touched = Vec::with_capacity(new.len());
    for element in new {
        match elements
            .iter()
            .position(|e| same_element(attribute, e, &element))
        {
            Some(i) => {
                if let (Some(Value::Object(existing)), Value::Object(update)) =
                    (elements.get_mut(i), element)
                {
                    for (key, value) in update {
                        let immutable = attribute
                            .sub_attribute(&key)
                            .is_some_and(|s| s.mutability_kind() == Mutability::Immutable);
                        if !(immutable && existing.contains_key(&key)) {
                            existing.insert(key, value);
                        }
                    }
                    *existing = order_sub_attributes(attribute, std::mem::take(existing));
                }
                touched.push(i);
            }
            None => {
                elements.push(element);
                touched.push(elements.len() - 1);
            }
        }
    }
    make_primary_unique(elements, &touched);
}

/// Removes the elements that are the same as one of `given`.
pub(crate) fn remove_elements(attribute: &Attribute, elements: &mut Vec<Value>, given: &[Value]) {
    elements.retain(|e| !given.iter().any(|g| same_element(attribute, e, g)));
}

/// If one of the `touched` elements has `primary: true`, every other element gets `false`
/// (RFC 7644 §3.5.2).
pub(crate) fn make_primary_unique(elements: &mut [Value], touched: &[usize]) {
    let is_primary = |v: &Value| v.get("primary").and_then(Value::as_bool) == Some(true);
    let Some(&winner) = touched
        .iter()
        .find(|&&i| elements.get(i).is_some_and(is_primary))
    else {
        return;
    };
    for (i, element) in elements.iter_mut().enumerate() {
        if i != winner
            && is_primary(element)
            && let Some(primary) = element.get_mut("primary")
        {
            *primary = Value::Bool(false);
        }
    }
}

/// Merges the sub-attributes of `update` into the complex value `object`: given ones replace,
/// others stay (RFC 7644 §3.5.2.3). An immutable sub-attribute that has a value cannot change,
/// and when `value` changes, the read-only sub-attributes describing the old one (the manager's
/// `displayName`) go.
pub(crate) fn merge_into(
    attribute: &Attribute,
    label: Label<'_>,
    object: &mut Map<String, Value>,
    update: Map<String, Value>,
) -> Result<(), PatchErrorKind> {
    for (key, value) in &update {
        let Some(sub) = attribute.sub_attribute(key) else {
            continue;
        };
        if sub.mutability_kind() == Mutability::Immutable
            && object
                .get(key)
                .is_some_and(|old| !same_value(sub, old, value))
        {
            return Err(PatchErrorKind::Immutable(label.sub(sub.name()).to_string()));
        }
    }
    if let (Some(old), Some(new)) = (object.get("value"), update.get("value"))
        && old != new
    {
        for sub in attribute.sub_attributes() {
            if sub.mutability_kind() == Mutability::ReadOnly {
                object.shift_remove(sub.name());
            }
        }
    }
    object.extend(update);
    *object = order_sub_attributes(attribute, std::mem::take(object));
    Ok(())
}

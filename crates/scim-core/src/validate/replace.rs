//! What a `PUT` keeps of the resource it replaces: read-only attributes always, immutable ones
//! unless changed (which is refused).

use serde_json::{Map, Value};

use super::Validator;
use super::error::{ValidationError, ValidationErrorKind as Kind};
use crate::schema::{Attribute, AttributeType, Mutability};

impl Validator<'_> {
    pub(super) fn merge_existing(
        &self,
        new: &mut Map<String, Value>,
        old: &Map<String, Value>,
    ) -> Result<(), ValidationError> {
        for slot in self.slots() {
            let attribute = slot.attribute;
            let previous = slot.get(old);
            match attribute.mutability_kind() {
                Mutability::ReadOnly => {
                    slot.remove(new);
                    if let Some(previous) = previous {
                        slot.set(new, previous.clone());
                    }
                }
                Mutability::Immutable => {
                    if let Some(previous) = previous {
                        if slot
                            .get(new)
                            .is_some_and(|v| !same_value(attribute, v, previous))
                        {
                            return Err(slot.label().error(Kind::Immutable));
                        }
                        slot.set(new, previous.clone());
                    }
                }
                Mutability::ReadWrite | Mutability::WriteOnly => {
                    // Immutable sub-attributes of a single-valued complex attribute. Elements of
                    // a multi-valued attribute cannot be matched up across a replace, so theirs
                    // are set anew with each element.
                    if attribute.kind() != AttributeType::Complex || attribute.is_multi_valued() {
                        continue;
                    }
                    let Some(Value::Object(previous)) = previous else {
                        continue;
                    };
                    for sub in attribute.sub_attributes() {
                        let Some(was) = previous.get(sub.name()) else {
                            continue;
                        };
                        let Some(holder) = slot.holder_mut(new) else {
                            continue;
                        };
                        match sub.mutability_kind() {
                            // Only inside a value the request gives: the attribute itself
                            // is read-write, and leaving it out clears it as a whole.
                            Mutability::Immutable => {
                                let Some(Value::Object(object)) = holder.get_mut(attribute.name())
                                else {
                                    continue;
                                };
                                if object
                                    .get(sub.name())
                                    .is_some_and(|v| !same_value(sub, v, was))
                                {
                                    return Err(slot
                                        .label()
                                        .sub(sub.name())
                                        .error(Kind::Immutable));
                                }
                                object.insert(sub.name().to_owned(), was.clone());
                            }
                            // Read-only sub-attributes describe what `value` refers to (the
                            // manager's `displayName`): kept while `value` stays the same.
                            Mutability::ReadOnly => {
                                let Some(Value::Object(object)) = holder.get_mut(attribute.name())
                                else {
                                    continue;
                                };
                                if object.get("value") == previous.get("value") {
                                    object.insert(sub.name().to_owned(), was.clone());
                                }
                            }
                            Mutability::ReadWrite | Mutability::WriteOnly => {}
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Equality as the attribute compares: strings ignore case ([`crate::fold_case`]) unless
/// `caseExact`.
pub(crate) fn same_value(attribute: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b))
            if !attribute.is_case_exact()
                && matches!(
                    attribute.kind(),
                    AttributeType::String | AttributeType::Reference
                ) =>
        {
            a == b || crate::fold_case(a) == crate::fold_case(b)
        }
        _ => a == b,
    }
}

//! Operations on the elements a value filter selects: `emails[type eq "work"]`,
//! `addresses[type eq "work"].streetAddress`, `members[value eq "2819c223"]`.

use serde_json::{Map, Value};

use super::apply::unchanged;
use super::elements::{make_primary_unique, merge_into};
use super::{OpKind, PatchErrorKind, PatchRun};
use crate::filter::{CompValue, CompareOp, Filter, ResolvedValuePath};
use crate::schema::{Attribute, Mutability};
use crate::validate::body::Slot;
use crate::validate::value::order_sub_attributes;

impl<'r> PatchRun<'r, '_> {
    pub(crate) fn filtered(
        &mut self,
        kind: OpKind,
        slot: Slot<'r>,
        selector: &ResolvedValuePath,
        filter: &Filter<'_>,
        sub: Option<&'r Attribute>,
        value: Option<&Value>,
    ) -> Result<(), PatchErrorKind> {
        let attribute = slot.attribute;
        let label = slot.label();
        match attribute.mutability_kind() {
            Mutability::ReadOnly => return Err(PatchErrorKind::ReadOnly(label.to_string())),
            Mutability::Immutable if slot.get(&self.body).is_some() => {
                return Err(PatchErrorKind::Immutable(label.to_string()));
            }
            _ => {}
        }
        let mut elements = self.take_elements(slot);
        let matches: Vec<usize> = elements
            .iter()
            .enumerate()
            .filter(|(_, e)| selector.matches_element(e))
            .map(|(i, _)| i)
            .collect();
        if matches.is_empty() {
            return match kind {
                // Idempotent: see the module documentation.
                OpKind::Remove => self.store_elements(slot, elements),
                OpKind::Replace => Err(PatchErrorKind::NoTarget(label.to_string())),
                OpKind::Add => {
                    let Some(mut element) = element_from_filter(filter) else {
                        return Err(PatchErrorKind::NoTarget(label.to_string()));
                    };
                    match (sub, value) {
                        (Some(sub), Some(value)) => {
                            element.insert(sub.name().to_owned(), value.clone());
                        }
                        (None, Some(Value::Object(object))) => {
                            element.extend(object.iter().map(|(k, v)| (k.clone(), v.clone())));
                        }
                        (None, Some(other)) => {
                            // Not an object: let the normaliser say what is wrong with it.
                            self.normalizer.element(attribute, label, other)?;
                        }
                        (_, None) => return self.store_elements(slot, elements),
                    }
                    let element =
                        self.normalizer
                            .element(attribute, label, &Value::Object(element))?;
                    if let Some(element) = element {
                        elements.push(element);
                        let last = elements.len() - 1;
                        make_primary_unique(&mut elements, &[last]);
                    }
                    self.store_elements(slot, elements)
                }
            };
        }
        match sub {
            None => {
                let new = match (kind, value) {
                    (OpKind::Remove, _) | (_, None) => None,
                    (_, Some(value)) => self.normalizer.element(attribute, label, value)?,
                };
                match (kind, new) {
                    (OpKind::Add, Some(Value::Object(update))) => {
                        for &i in &matches {
                            if let Some(Value::Object(element)) = elements.get_mut(i) {
                                merge_into(attribute, label, element, update.clone())?;
                            }
                        }
                    }
                    (OpKind::Add | OpKind::Replace, Some(new)) => {
                        for &i in &matches {
                            if let Some(element) = elements.get_mut(i) {
                                *element = new.clone();
                            }
                        }
                    }
                    (_, _) => {
                        let mut selected = vec![false; elements.len()];
                        for &i in &matches {
                            if let Some(s) = selected.get_mut(i) {
                                *s = true;
                            }
                        }
                        let mut flags = selected.into_iter();
                        elements.retain(|_| !flags.next().unwrap_or(false));
                        return self.store_elements(slot, elements);
                    }
                }
            }
            Some(sub) => {
                let sub_label = label.sub(sub.name());
                let new = match (kind, value) {
                    (OpKind::Remove, _) | (_, None) => None,
                    (_, Some(value)) => self.normalizer.attribute(sub, sub_label, value)?,
                };
                for &i in &matches {
                    let Some(Value::Object(element)) = elements.get_mut(i) else {
                        continue;
                    };
                    let current = element.get(sub.name());
                    match sub.mutability_kind() {
                        Mutability::ReadWrite | Mutability::WriteOnly => {}
                        Mutability::ReadOnly => {
                            if !unchanged(kind, sub, current, new.as_ref()) {
                                return Err(PatchErrorKind::ReadOnly(sub_label.to_string()));
                            }
                        }
                        Mutability::Immutable => {
                            if current.is_some() && !unchanged(kind, sub, current, new.as_ref()) {
                                return Err(PatchErrorKind::Immutable(sub_label.to_string()));
                            }
                        }
                    }
                    match &new {
                        Some(new) => {
                            element.insert(sub.name().to_owned(), new.clone());
                            let ordered = order_sub_attributes(attribute, std::mem::take(element));
                            *element = ordered;
                        }
                        None => {
                            if current.is_some() && sub.is_required() {
                                return Err(PatchErrorKind::Required(sub_label.to_string()));
                            }
                            element.shift_remove(sub.name());
                        }
                    }
                }
                elements.retain(|e| e.as_object().is_none_or(|o| !o.is_empty()));
            }
        }
        make_primary_unique(&mut elements, &matches);
        self.store_elements(slot, elements)
    }
}

/// The element a filter describes, when it is `eq` comparisons joined by `and`
/// (`type eq "work"`, `type eq "work" and primary eq true`): what `add` creates when nothing
/// matches.
pub(crate) fn element_from_filter(filter: &Filter<'_>) -> Option<Map<String, Value>> {
    let mut element = Map::new();
    let mut pending = vec![filter];
    // The parser bounds the number of nodes, and this walks each once with its own stack.
    while let Some(filter) = pending.pop() {
        match filter {
            Filter::Compare(compare) if compare.op == CompareOp::Eq => {
                let name = compare
                    .path
                    .sub_attr
                    .as_deref()
                    .unwrap_or(&compare.path.name);
                let value = match &compare.value {
                    CompValue::String(s) => Value::String(s.to_string()),
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::Null => return None,
                };
                let clash = element
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case(name) && element.get(k) != Some(&value));
                if clash {
                    return None;
                }
                element.insert(name.to_owned(), value);
            }
            Filter::And(junction) => pending.extend(junction.operands.iter()),
            _ => return None,
        }
    }
    Some(element)
}

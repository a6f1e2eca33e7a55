//! Operations on attributes the store keeps apart from the resource (`members`), returned as
//! [`ElementChange`]s instead of being applied.

use serde_json::Value;

use super::{DetachedChange, ElementChange, OpKind, PatchErrorKind, PatchRun};
use crate::filter::{CompValue, CompareOp, Filter, ResolvedValuePath};
use crate::schema::{Attribute, Mutability};
use crate::validate::body::Slot;
use crate::validate::{ValidationError, ValidationErrorKind};

impl<'r> PatchRun<'r, '_> {
    pub(crate) fn detached_attr(
        &mut self,
        kind: OpKind,
        slot: Slot<'r>,
        sub: Option<&'r Attribute>,
        value: Option<&Value>,
    ) -> Result<(), PatchErrorKind> {
        let attribute = slot.attribute;
        let label = slot.label();
        if sub.is_some() || !attribute.is_multi_valued() {
            return Err(PatchErrorKind::DetachedUnsupported(label.to_string()));
        }
        if attribute.mutability_kind() == Mutability::ReadOnly {
            return Err(PatchErrorKind::ReadOnly(label.to_string()));
        }
        let elements = match value {
            Some(value) => match self.normalizer.attribute(attribute, label, value)? {
                Some(Value::Array(elements)) => elements,
                _ => Vec::new(),
            },
            None => Vec::new(),
        };
        let change = match kind {
            OpKind::Add if elements.is_empty() => return Ok(()),
            OpKind::Add => ElementChange::Add(elements),
            OpKind::Replace if elements.is_empty() => ElementChange::Clear,
            OpKind::Replace => ElementChange::Replace(elements),
            OpKind::Remove if value.is_none() => ElementChange::Clear,
            OpKind::Remove => {
                let mut ids = Vec::with_capacity(elements.len());
                for element in &elements {
                    let id = match element {
                        Value::String(id) => id,
                        other => match other.get("value") {
                            Some(Value::String(id)) => id,
                            _ => {
                                return Err(PatchErrorKind::Value(ValidationError::new(
                                    ValidationErrorKind::Missing,
                                    label.sub("value").to_string(),
                                )));
                            }
                        },
                    };
                    ids.push(id.clone());
                }
                if ids.is_empty() {
                    return Ok(());
                }
                ElementChange::Remove(ids)
            }
        };
        self.push_detached(slot, change);
        Ok(())
    }

    pub(crate) fn detached_filtered(
        &mut self,
        kind: OpKind,
        slot: Slot<'r>,
        selector: ResolvedValuePath,
        filter: &Filter<'_>,
        sub: Option<&'r Attribute>,
    ) -> Result<(), PatchErrorKind> {
        if kind != OpKind::Remove || sub.is_some() {
            return Err(PatchErrorKind::DetachedUnsupported(
                slot.label().to_string(),
            ));
        }
        let change = match ids_in_filter(filter) {
            Some(ids) => ElementChange::Remove(ids),
            None => ElementChange::RemoveMatching(selector),
        };
        self.push_detached(slot, change);
        Ok(())
    }

    fn push_detached(&mut self, slot: Slot<'r>, change: ElementChange) {
        self.detached.push(DetachedChange {
            attribute: slot.label().to_string(),
            change,
        });
    }
}

/// The ids of `value eq "a"` or `value eq "a" or value eq "b"`: the usual way to remove members
/// by filter, turned into a removal by id a store can run without evaluating a filter.
fn ids_in_filter(filter: &Filter<'_>) -> Option<Vec<String>> {
    let compares: Vec<&Filter<'_>> = match filter {
        Filter::Or(junction) => junction.operands.iter().collect(),
        single => vec![single],
    };
    compares
        .into_iter()
        .map(|f| match f {
            Filter::Compare(c)
                if c.op == CompareOp::Eq
                    && c.path
                        .sub_attr
                        .as_deref()
                        .unwrap_or(&c.path.name)
                        .eq_ignore_ascii_case("value") =>
            {
                match &c.value {
                    CompValue::String(id) => Some(id.to_string()),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

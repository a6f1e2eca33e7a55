//! Operations on a whole attribute, on a sub-attribute of a single-valued complex attribute, and
//! on a whole schema.

use serde_json::{Map, Value};

use super::elements::{add_elements, merge_into, remove_elements};
use super::target::PatchTarget;
use super::{OpKind, Operation, PatchErrorKind, PatchRun};
use crate::schema::{Attribute, Mutability, Schema};
use crate::validate::body::{Slot, is_assigned};
use crate::validate::value::Label;

impl<'r> PatchRun<'r, '_> {
    /// Applies one operation to the working copy.
    pub(crate) fn apply(&mut self, operation: Operation<'_>) -> Result<(), PatchErrorKind> {
        let path = operation.path.map(str::trim).filter(|p| !p.is_empty());
        let value = operation.value.filter(|v| !v.is_null());
        let kind = operation.op;
        match (kind, path) {
            (OpKind::Remove, None) => Err(PatchErrorKind::MissingPath),
            (OpKind::Remove, Some(path)) => {
                let target = self
                    .target(path)?
                    .ok_or_else(|| PatchErrorKind::UnknownAttribute(path.to_owned()))?;
                self.apply_target(kind, target, value)
            }
            (OpKind::Add | OpKind::Replace, path) => {
                let value = value.ok_or(PatchErrorKind::MissingValue(kind.as_str()))?;
                match path {
                    Some(path) => {
                        let target = self
                            .target(path)?
                            .ok_or_else(|| PatchErrorKind::UnknownAttribute(path.to_owned()))?;
                        self.apply_target(kind, target, Some(value))
                    }
                    None => match value {
                        Value::Object(object) => self.apply_object(kind, object),
                        _ => Err(PatchErrorKind::ValueNotAnObject),
                    },
                }
            }
        }
    }

    /// A path-less `add` or `replace`: each key is a path (`nickName`, `name.givenName`,
    /// `urn:...:User:employeeNumber`, `urn:...:User`). Keys naming nothing are ignored, as in a
    /// `POST` body.
    fn apply_object(
        &mut self,
        kind: OpKind,
        object: &Map<String, Value>,
    ) -> Result<(), PatchErrorKind> {
        for (key, value) in object {
            let target = match self.target(key) {
                Ok(Some(target)) => target,
                Ok(None) | Err(PatchErrorKind::Parse(_)) => continue,
                Err(other) => return Err(other),
            };
            self.apply_target(kind, target, Some(value))?;
        }
        Ok(())
    }

    pub(crate) fn apply_target(
        &mut self,
        kind: OpKind,
        target: PatchTarget<'r>,
        value: Option<&Value>,
    ) -> Result<(), PatchErrorKind> {
        match target {
            PatchTarget::Schema { schema, extension } => {
                self.apply_schema(kind, schema, extension, value)
            }
            PatchTarget::Attr { slot, sub } => {
                if slot.is_schemas() {
                    // `schemas` is recomputed from the attributes present.
                    return Ok(());
                }
                if self.is_detached(slot) {
                    return self.detached_attr(kind, slot, sub, value);
                }
                match sub {
                    None => self.whole(kind, slot, value),
                    Some(sub) if slot.attribute.is_multi_valued() => Err(
                        PatchErrorKind::NeedsFilter(slot.label().sub(sub.name()).to_string()),
                    ),
                    Some(sub) => self.sub_of_single(kind, slot, sub, value),
                }
            }
            PatchTarget::Filtered {
                slot,
                selector,
                filter,
                sub,
            } => {
                if self.is_detached(slot) {
                    return self.detached_filtered(kind, slot, *selector, &filter, sub);
                }
                self.filtered(kind, slot, &selector, &filter, sub, value)
            }
        }
    }

    pub(crate) fn is_detached(&self, slot: Slot<'_>) -> bool {
        self.options.is_detached(&slot.label().to_string())
    }

    /// A whole schema: its attributes one by one.
    fn apply_schema(
        &mut self,
        kind: OpKind,
        schema: &'r Schema,
        extension: Option<&'r str>,
        value: Option<&Value>,
    ) -> Result<(), PatchErrorKind> {
        if kind == OpKind::Remove {
            for attribute in schema.attributes() {
                let slot = Slot {
                    extension,
                    attribute,
                };
                if slot.get(&self.body).is_some() {
                    self.apply_target(kind, PatchTarget::Attr { slot, sub: None }, None)?;
                }
            }
            return Ok(());
        }
        let Some(Value::Object(object)) = value else {
            return Err(PatchErrorKind::ValueNotAnObject);
        };
        for (name, value) in object {
            if let Some(attribute) = schema.attribute(name) {
                let slot = Slot {
                    extension,
                    attribute,
                };
                self.apply_target(kind, PatchTarget::Attr { slot, sub: None }, Some(value))?;
            }
        }
        Ok(())
    }

    /// A whole attribute.
    fn whole(
        &mut self,
        kind: OpKind,
        slot: Slot<'r>,
        value: Option<&Value>,
    ) -> Result<(), PatchErrorKind> {
        let attribute = slot.attribute;
        let label = slot.label();
        let new = match value {
            Some(value) => self.normalizer.attribute(attribute, label, value)?,
            None => None,
        };
        let current = slot.get(&self.body);
        match attribute.mutability_kind() {
            Mutability::ReadWrite => {}
            Mutability::ReadOnly => {
                // The normaliser drops read-only sub-attributes, so an assigned input that
                // normalised to nothing (`groups: [{"value": "g"}]`) is still a write.
                let writes_nothing = new.is_none() && value.is_some_and(is_assigned);
                return (!writes_nothing && unchanged(kind, attribute, current, new.as_ref()))
                    .then_some(())
                    .ok_or_else(|| PatchErrorKind::ReadOnly(label.to_string()));
            }
            Mutability::WriteOnly => {
                self.write_only(kind, label, new);
                return Ok(());
            }
            Mutability::Immutable => {
                if current.is_some() && !unchanged(kind, attribute, current, new.as_ref()) {
                    return Err(PatchErrorKind::Immutable(label.to_string()));
                }
            }
        }
        match (kind, new) {
            // `remove` with a value on a multi-valued attribute: those elements only.
            (OpKind::Remove, Some(Value::Array(given))) if attribute.is_multi_valued() => {
                let mut elements = self.take_elements(slot);
                remove_elements(attribute, &mut elements, &given);
                self.store_elements(slot, elements)
            }
            (OpKind::Add, Some(Value::Array(new))) if attribute.is_multi_valued() => {
                let mut elements = self.take_elements(slot);
                add_elements(attribute, &mut elements, new);
                self.store_elements(slot, elements)
            }
            // Adding nothing to a multi-valued attribute, or removing an empty list of
            // elements from it, changes nothing.
            (OpKind::Add, None) if attribute.is_multi_valued() => Ok(()),
            (OpKind::Remove, None) if attribute.is_multi_valued() && value.is_some() => Ok(()),
            (OpKind::Add | OpKind::Replace, Some(Value::Object(new)))
                if !attribute.is_multi_valued() =>
            {
                let mut object = match current {
                    Some(Value::Object(object)) => object.clone(),
                    _ => Map::new(),
                };
                merge_into(attribute, label, &mut object, new)?;
                slot.set(&mut self.body, Value::Object(object));
                Ok(())
            }
            (OpKind::Add | OpKind::Replace, Some(new)) => {
                slot.set(&mut self.body, new);
                Ok(())
            }
            (_, None) | (OpKind::Remove, Some(_)) => self.remove_whole(slot),
        }
    }

    fn remove_whole(&mut self, slot: Slot<'r>) -> Result<(), PatchErrorKind> {
        if slot.get(&self.body).is_none() {
            return Ok(());
        }
        if slot.attribute.is_required() {
            return Err(PatchErrorKind::Required(slot.label().to_string()));
        }
        slot.remove(&mut self.body);
        Ok(())
    }

    /// Takes the elements of a multi-valued attribute out of the working copy, to be written
    /// back with [`PatchRun::store_elements`]. Moving rather than cloning keeps a membership
    /// change on a large group linear; an error in between only spoils the working copy, which
    /// is then dropped.
    pub(crate) fn take_elements(&mut self, slot: Slot<'r>) -> Vec<Value> {
        match slot.remove(&mut self.body) {
            Some(Value::Array(elements)) => elements,
            Some(other) => vec![other],
            None => Vec::new(),
        }
    }

    /// Writes the elements of a multi-valued attribute back; none left means unassigned.
    pub(crate) fn store_elements(
        &mut self,
        slot: Slot<'r>,
        elements: Vec<Value>,
    ) -> Result<(), PatchErrorKind> {
        if elements.is_empty() {
            // The elements were taken out, so `remove_whole` would not see them.
            if slot.attribute.is_required() {
                return Err(PatchErrorKind::Required(slot.label().to_string()));
            }
            slot.remove(&mut self.body);
            return Ok(());
        }
        slot.set(&mut self.body, Value::Array(elements));
        Ok(())
    }

    fn write_only(&mut self, kind: OpKind, label: Label<'_>, new: Option<Value>) {
        match (kind, new) {
            (OpKind::Add | OpKind::Replace, Some(value)) => {
                self.normalizer.write_only.set(label.to_string(), value);
            }
            _ => self.normalizer.write_only.remove(label.to_string()),
        }
    }

    /// One sub-attribute of a single-valued complex attribute (`name.givenName`,
    /// `urn:...:User:manager.value`).
    fn sub_of_single(
        &mut self,
        kind: OpKind,
        slot: Slot<'r>,
        sub: &'r Attribute,
        value: Option<&Value>,
    ) -> Result<(), PatchErrorKind> {
        let label = slot.label().sub(sub.name());
        let mut new = match value {
            Some(value) => self.normalizer.attribute(sub, label, value)?,
            None => None,
        };
        // As for a whole complex value: an empty `value` identifies nothing (Entra's manager).
        if sub.name() == "value" && new.as_ref().and_then(Value::as_str) == Some("") {
            new = None;
        }
        let object = match slot.get(&self.body) {
            Some(Value::Object(object)) => Some(object),
            _ => None,
        };
        let current = object.and_then(|o| o.get(sub.name()));
        let mutability = match slot.attribute.mutability_kind() {
            Mutability::ReadOnly => Mutability::ReadOnly,
            _ => sub.mutability_kind(),
        };
        match mutability {
            Mutability::ReadWrite => {}
            Mutability::ReadOnly => {
                return unchanged(kind, sub, current, new.as_ref())
                    .then_some(())
                    .ok_or_else(|| PatchErrorKind::ReadOnly(label.to_string()));
            }
            Mutability::WriteOnly => {
                self.write_only(kind, label, new);
                return Ok(());
            }
            Mutability::Immutable => {
                if current.is_some() && !unchanged(kind, sub, current, new.as_ref()) {
                    return Err(PatchErrorKind::Immutable(label.to_string()));
                }
            }
        }
        let mut object = object.cloned().unwrap_or_default();
        match (kind, new) {
            (OpKind::Add | OpKind::Replace, Some(new)) => {
                let mut update = Map::new();
                update.insert(sub.name().to_owned(), new);
                merge_into(slot.attribute, slot.label(), &mut object, update)?;
            }
            _ => {
                if current.is_none() {
                    return Ok(());
                }
                if sub.is_required() {
                    return Err(PatchErrorKind::Required(label.to_string()));
                }
                object.shift_remove(sub.name());
            }
        }
        if object.is_empty() {
            return self.remove_whole(slot);
        }
        slot.set(&mut self.body, Value::Object(object));
        Ok(())
    }
}

/// Whether the operation leaves the value as it is: writing the same value again.
pub(crate) fn unchanged(
    kind: OpKind,
    attribute: &Attribute,
    current: Option<&Value>,
    new: Option<&Value>,
) -> bool {
    match (kind, current, new) {
        (OpKind::Remove, current, _) => current.is_none(),
        (_, None, None) => true,
        (_, Some(current), Some(new)) => crate::validate::same_value(attribute, current, new),
        _ => false,
    }
}

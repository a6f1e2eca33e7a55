//! The top level of a resource: which schema each key belongs to, the required attributes, and
//! the canonical layout (`schemas` first, then the schema's order, extensions under their URN).

use serde_json::{Map, Value};

use super::error::{JsonType, ValidationError, ValidationErrorKind as Kind};
use super::value::{Label, Normalizer};
use super::{UnknownAttributes, Validator, WriteOnlyValues};
use crate::schema::{Attribute, AttributeType, Mutability, Schema};

/// Where a top-level attribute lives: at the top (`extension: None`) or under an extension URN.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'r> {
    pub(crate) extension: Option<&'r str>,
    pub(crate) attribute: &'r Attribute,
}

impl<'r> Slot<'r> {
    pub(crate) fn label(self) -> Label<'r> {
        Label::top(self.extension, self.attribute.name())
    }

    pub(crate) fn get(self, body: &Map<String, Value>) -> Option<&Value> {
        match self.extension {
            None => body.get(self.attribute.name()),
            Some(urn) => body.get(urn)?.get(self.attribute.name()),
        }
    }

    /// The map holding the attribute, created on demand for an extension.
    pub(crate) fn holder_mut(
        self,
        body: &mut Map<String, Value>,
    ) -> Option<&mut Map<String, Value>> {
        match self.extension {
            None => Some(body),
            Some(urn) => body
                .entry(urn)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut(),
        }
    }

    pub(crate) fn set(self, body: &mut Map<String, Value>, value: Value) {
        if let Some(holder) = self.holder_mut(body) {
            holder.insert(self.attribute.name().to_owned(), value);
        }
    }

    pub(crate) fn remove(self, body: &mut Map<String, Value>) -> Option<Value> {
        match self.extension {
            None => body.shift_remove(self.attribute.name()),
            Some(urn) => {
                let holder = body.get_mut(urn)?.as_object_mut()?;
                let removed = holder.shift_remove(self.attribute.name());
                if holder.is_empty() {
                    body.shift_remove(urn);
                }
                removed
            }
        }
    }

    pub(crate) fn is_schemas(self) -> bool {
        self.extension.is_none() && self.attribute.name() == "schemas"
    }
}

/// What a top-level key of a document names.
pub(crate) enum Key<'r> {
    /// An attribute, possibly URN-qualified.
    Attribute(Slot<'r>),
    /// A schema URN whose value holds that schema's attributes: an extension (or, leniently, the
    /// core schema).
    Schema {
        schema: &'r Schema,
        extension: Option<&'r str>,
    },
    /// Nothing the resource type defines.
    Unknown,
}

impl<'r> Validator<'r> {
    /// Every top-level attribute: the common ones, the core schema's, then each extension's.
    pub(crate) fn slots(&self) -> impl Iterator<Item = Slot<'r>> + '_ {
        let top = self
            .registry
            .common_attributes()
            .iter()
            .chain(self.core.attributes())
            .map(|attribute| Slot {
                extension: None,
                attribute,
            });
        let extensions = self.extensions.iter().flat_map(|&(urn, _, schema)| {
            schema.attributes().iter().map(move |attribute| Slot {
                extension: Some(urn),
                attribute,
            })
        });
        top.chain(extensions)
    }

    /// The schema with URN `urn` (ignoring case) if the resource type uses it, with the
    /// extension's canonical URN (`None` for the core schema).
    pub(crate) fn schema_for(&self, urn: &str) -> Option<(&'r Schema, Option<&'r str>)> {
        if self.resource_type.schema().eq_ignore_ascii_case(urn) {
            return Some((self.core, None));
        }
        self.extensions
            .iter()
            .find(|(u, _, _)| u.eq_ignore_ascii_case(urn))
            .map(|&(u, _, schema)| (schema, Some(u)))
    }

    /// The attribute `name` of the schema `urn` (or of the common attributes and core schema).
    pub(crate) fn slot(&self, urn: Option<&str>, name: &str) -> Option<Slot<'r>> {
        let found = self
            .registry
            .find_attribute(self.resource_type, urn, name)?;
        Some(Slot {
            extension: found.extension(),
            attribute: found.attribute(),
        })
    }

    /// What a top-level key names: `userName`, `urn:...:User:employeeNumber`, `urn:...:User`.
    pub(crate) fn classify(&self, key: &str) -> Key<'r> {
        if let Some((schema, extension)) = self.schema_for(key) {
            return Key::Schema { schema, extension };
        }
        let found = match key.rsplit_once(':') {
            Some((urn, name)) if self.schema_for(urn).is_some() => self.slot(Some(urn), name),
            Some(_) => None,
            None => self.slot(None, key),
        };
        found.map_or(Key::Unknown, Key::Attribute)
    }

    pub(crate) fn normalizer(&self) -> Normalizer {
        Normalizer::new(self.unknown)
    }

    pub(crate) fn unknown(&self, path: &str) -> Result<(), ValidationError> {
        match self.unknown {
            UnknownAttributes::Ignore => Ok(()),
            UnknownAttributes::Reject => Err(ValidationError::new(Kind::Unknown, path)),
        }
    }

    /// Brings every attribute of a client document into canonical form, without yet checking
    /// required attributes or ordering keys.
    pub(crate) fn normalize_body(
        &self,
        body: &Value,
    ) -> Result<(Map<String, Value>, WriteOnlyValues), ValidationError> {
        let Value::Object(object) = body else {
            return Err(ValidationError::new(
                Kind::NotAnObject(JsonType::of(body)),
                "",
            ));
        };
        let mut normalizer = self.normalizer();
        let mut out = Map::new();
        let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
        for (key, value) in object {
            match self.classify(key) {
                Key::Attribute(slot) => {
                    self.put(&mut normalizer, &mut out, &mut seen, slot, value)?;
                }
                Key::Schema { schema, extension } => match value {
                    Value::Null => {}
                    Value::Object(inner) => {
                        for (name, value) in inner {
                            match schema.attribute(name) {
                                Some(attribute) => {
                                    let slot = Slot {
                                        extension,
                                        attribute,
                                    };
                                    self.put(&mut normalizer, &mut out, &mut seen, slot, value)?;
                                }
                                None => self.unknown(&Label::top(extension, name).to_string())?,
                            }
                        }
                    }
                    other => {
                        return Err(ValidationError::new(
                            Kind::NotAnObject(JsonType::of(other)),
                            schema.id(),
                        ));
                    }
                },
                Key::Unknown => self.unknown(key)?,
            }
        }
        Ok((out, normalizer.write_only))
    }

    fn put<'s>(
        &self,
        normalizer: &mut Normalizer,
        out: &mut Map<String, Value>,
        seen: &mut Vec<(Option<&'s str>, &'s str)>,
        slot: Slot<'s>,
        value: &Value,
    ) -> Result<(), ValidationError> {
        let label = slot.label();
        let id = (slot.extension, slot.attribute.name());
        if seen.contains(&id) {
            return Err(label.error(Kind::Duplicate));
        }
        seen.push(id);
        if slot.is_schemas() {
            // Recomputed in `finish`; only its shape is checked.
            return check_schemas_shape(value);
        }
        match slot.attribute.mutability_kind() {
            Mutability::ReadOnly => Ok(()),
            Mutability::WriteOnly => {
                if let Some(value) = normalizer.attribute(slot.attribute, label, value)? {
                    normalizer.write_only.set(label.to_string(), value);
                }
                Ok(())
            }
            Mutability::ReadWrite | Mutability::Immutable => {
                if let Some(value) = normalizer.attribute(slot.attribute, label, value)? {
                    slot.set(out, value);
                }
                Ok(())
            }
        }
    }

    /// Checks the required attributes of the core schema, the required extensions, and the
    /// required attributes of the extensions present. Read-only and write-only attributes are
    /// the service provider's or never visible, so they are not checked here.
    pub(crate) fn check_required(&self, body: &Map<String, Value>) -> Result<(), ValidationError> {
        for &(urn, required, _) in &self.extensions {
            if required && !body.get(urn).is_some_and(is_assigned) {
                return Err(ValidationError::new(Kind::MissingExtension, urn));
            }
        }
        for slot in self.slots() {
            if slot.extension.is_some_and(|urn| body.get(urn).is_none()) || slot.is_schemas() {
                continue;
            }
            check_required_attribute(slot.attribute, slot.label(), slot.get(body))?;
        }
        Ok(())
    }

    /// The canonical layout: `schemas` (the core schema and the extensions present), then
    /// attributes in schema order, extensions in the resource type's order; unassigned values
    /// are dropped.
    pub(crate) fn finish(&self, mut body: Map<String, Value>) -> Map<String, Value> {
        body.shift_remove("schemas");
        let mut out = Map::with_capacity(body.len() + 1);
        let mut schemas = vec![Value::String(self.resource_type.schema().to_owned())];
        for &(urn, _, _) in &self.extensions {
            if body.get(urn).is_some_and(is_assigned) {
                schemas.push(Value::String(urn.to_owned()));
            }
        }
        out.insert("schemas".to_owned(), Value::Array(schemas));
        let top = self
            .registry
            .common_attributes()
            .iter()
            .chain(self.core.attributes());
        move_in_order(&mut body, &mut out, top);
        for &(urn, _, schema) in &self.extensions {
            if let Some(Value::Object(mut inner)) = body.shift_remove(urn) {
                let mut ordered = Map::with_capacity(inner.len());
                move_in_order(&mut inner, &mut ordered, schema.attributes().iter());
                ordered.extend(inner);
                if !ordered.is_empty() {
                    out.insert(urn.to_owned(), Value::Object(ordered));
                }
            }
        }
        out.extend(body.into_iter().filter(|(_, v)| is_assigned(v)));
        out
    }
}

/// Moves the attributes present in `from` to `to`, in the order given. Values are already
/// canonical inside (the normaliser and the PATCH engine keep sub-attributes in schema order), so
/// only the top level is arranged here.
fn move_in_order<'a>(
    from: &mut Map<String, Value>,
    to: &mut Map<String, Value>,
    attributes: impl Iterator<Item = &'a Attribute>,
) {
    for attribute in attributes {
        if let Some(value) = from.shift_remove(attribute.name()).filter(is_assigned) {
            to.insert(attribute.name().to_owned(), value);
        }
    }
}

/// RFC 7643 §2.5: `null`, an empty array and (by extension) an empty object are unassigned.
pub(crate) fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn is_missing(value: Option<&Value>) -> bool {
    match value {
        None => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(v) => !is_assigned(v),
    }
}

fn is_checked(attribute: &Attribute) -> bool {
    attribute.is_required()
        && !matches!(
            attribute.mutability_kind(),
            Mutability::ReadOnly | Mutability::WriteOnly
        )
}

fn check_required_attribute(
    attribute: &Attribute,
    label: Label<'_>,
    value: Option<&Value>,
) -> Result<(), ValidationError> {
    if is_checked(attribute) && is_missing(value) {
        return Err(label.error(Kind::Missing));
    }
    let Some(value) = value else { return Ok(()) };
    let subs = attribute.sub_attributes().iter().filter(|s| is_checked(s));
    let elements = match value {
        Value::Array(elements) => elements.as_slice(),
        single => std::slice::from_ref(single),
    };
    for sub in subs {
        for element in elements {
            if is_missing(element.get(sub.name())) {
                return Err(label.sub(sub.name()).error(Kind::Missing));
            }
        }
    }
    Ok(())
}

/// `schemas` must be a string or an array of strings; its content is not trusted.
fn check_schemas_shape(value: &Value) -> Result<(), ValidationError> {
    let ok = match value {
        Value::Null | Value::String(_) => true,
        Value::Array(items) => items.iter().all(Value::is_string),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let found = match value {
        Value::Array(items) => items
            .iter()
            .find(|i| !i.is_string())
            .map_or(JsonType::Array, JsonType::of),
        other => JsonType::of(other),
    };
    Err(ValidationError::new(
        Kind::WrongType {
            expected: AttributeType::String,
            found,
        },
        "schemas",
    ))
}

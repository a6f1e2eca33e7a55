//! Resources: the generic, schema-checked form every part of the library works on.

use serde::Serialize;
use serde_json::{Map, Value};

/// A resource in canonical JSON form, as it was checked against its resource type's schemas.
///
/// Canonical means: attribute names are spelled as the schema spells them, values have the
/// schema's types (booleans are booleans even if an identity provider sent `"True"`), unassigned
/// attributes (`null`, empty arrays) are absent, extension attributes sit under their schema URN
/// and `schemas` lists exactly the core schema and the extensions present.
///
/// A `Resource` can only be obtained from the validation functions of this crate (or from the
/// typed resources, which go through them), so code that receives one can rely on that shape.
/// Server-maintained attributes (`id`, `meta`) are set with the methods below.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Resource {
    #[serde(skip)]
    resource_type: String,
    body: Map<String, Value>,
}

impl Resource {
    /// Wraps a body that has already been brought into canonical form.
    pub(crate) fn from_canonical(
        resource_type: impl Into<String>,
        body: Map<String, Value>,
    ) -> Self {
        Self {
            resource_type: resource_type.into(),
            body,
        }
    }

    /// The resource type's name (`User`, `Group`...).
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The service provider's id, once one has been assigned.
    pub fn id(&self) -> Option<&str> {
        self.body.get("id").and_then(Value::as_str)
    }

    /// The client's `externalId`, if any.
    pub fn external_id(&self) -> Option<&str> {
        self.body.get("externalId").and_then(Value::as_str)
    }

    /// The canonical JSON body.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.body
    }

    /// Consumes the resource, returning its canonical JSON body.
    pub fn into_json(self) -> Map<String, Value> {
        self.body
    }

    /// Assigns the service provider's id.
    pub fn set_id(&mut self, id: impl Into<String>) {
        self.body.insert("id".to_owned(), Value::String(id.into()));
    }

    /// Mutable access to the body for the modules that keep it canonical (PATCH, validation).
    #[expect(dead_code, reason = "the PATCH engine, being written, is the user")]
    pub(crate) fn body_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.body
    }
}

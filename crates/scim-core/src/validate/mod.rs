//! Validation: client JSON in, canonical [`Resource`] out.
//!
//! [`Validator::create`] (for `POST`) and [`Validator::replace`] (for `PUT`) check a client's
//! document against the resource type's schemas and bring it into the canonical form described
//! on [`Resource`]. The PATCH engine runs every value it writes through the same code, so a value
//! is accepted or refused the same way whichever request carries it.
//!
//! # What is accepted, and how it is normalised
//!
//! | input | result |
//! | --- | --- |
//! | attribute names in any case (`USERNAME`, `Name.GivenName`) | the schema's spelling |
//! | `null`, `[]`, an object with nothing assigned | unassigned: dropped (RFC 7643 §2.5) |
//! | read-only attributes (`id`, `meta`, `groups`, `manager.displayName`) | ignored (RFC 7644 §3.3, §3.5.1) |
//! | `writeOnly` attributes (`password`) | checked, kept out of the resource, returned in [`Validated::write_only`] |
//! | booleans as strings, `"True"`, `"false"` (any case) | booleans |
//! | an integer written `5.0` | `5` |
//! | a scalar for a complex attribute with a `value` sub-attribute (Entra's bare manager id) | `{"value": scalar}` |
//! | `{"value": ""}` for a single-valued complex attribute (Entra clearing the manager) | unassigned |
//! | one value for a multi-valued attribute | a one-element array |
//! | `primary: true` on several elements | kept on the first only, `false` on the others |
//! | extension attributes under their URN, or URN-qualified at the top level (`urn:...:User:employeeNumber`) | under their URN |
//! | unknown URNs in `schemas` (Entra's ADSCIM Group URN, OneLogin's `urn:scim:schemas:core:2.0`) | ignored: `schemas` is recomputed as the core schema plus the extensions present |
//! | attributes no schema of the resource type defines | ignored, or refused with [`UnknownAttributes::Reject`] |
//!
//! # Decisions
//!
//! - **Unknown attributes are ignored by default.** RFC 7643 and RFC 7644 give no rule for
//!   attributes a resource type does not define; RFC 7644 §3.3 and §3.5.1 ignore read-only ones,
//!   and identity providers send extras freely (schema URNs of their own, attributes of other
//!   applications' mappings). Refusing them would break provisioning for no benefit, so they are
//!   dropped; strict embedders can opt into `invalidValue` errors. A PATCH `path` naming an unknown
//!   attribute is still `invalidPath`, as RFC 7644 §3.5.2 requires.
//! - **Several `primary: true`.** RFC 7643 §2.4 allows at most one. Rather than refuse a whole
//!   provisioning request for it, the first claim in document order wins and the others become
//!   `false`, which is what RFC 7644 §3.5.2 has a server do when a PATCH sets a new primary.
//! - **A single value for a multi-valued attribute** is taken as a one-element array: the intent
//!   is unambiguous and some clients send it.
//! - **Required means assigned and not blank**: a required string that is empty or only
//!   whitespace (`"userName": ""`) counts as missing.
//! - **Replace (`PUT`)** keeps every read-only attribute of the existing resource (`id`, `meta`,
//!   `groups`) and every immutable attribute the request leaves out; an immutable attribute sent
//!   with a different value is a `mutability` error, the same value passes. Read-write attributes
//!   left out are cleared (RFC 7644 §3.5.1 allows either); a `writeOnly` attribute left out is
//!   not reported, so an embedder keeps the password it has.

pub(crate) mod body;
mod error;
mod replace;
#[cfg(test)]
mod tests;
pub(crate) mod value;
mod write_only;

pub use error::{JsonType, ValidationError, ValidationErrorKind};
pub use write_only::{WriteOnlyValue, WriteOnlyValues};

pub(crate) use replace::same_value;

use crate::resource::Resource;
use crate::schema::{ResourceType, Schema, SchemaRegistry};

/// What to do with attributes the resource type's schemas do not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UnknownAttributes {
    /// Drop them silently (the default: see the module documentation).
    #[default]
    Ignore,
    /// Refuse the request with `invalidValue`.
    Reject,
}

/// A client document brought into canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// The canonical resource. After [`Validator::create`] it has no `id` and no `meta`: the
    /// embedder assigns them.
    pub resource: Resource,
    /// The `writeOnly` values the document carried (such as `password`), never part of
    /// `resource`.
    pub write_only: WriteOnlyValues,
}

/// Checks client documents against one resource type of a [`SchemaRegistry`].
///
/// ```
/// use scim_core::schema::SchemaRegistry;
/// use scim_core::validate::Validator;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// let validator = Validator::new(&registry, users)?;
///
/// // What Okta sends on create, trimmed: `groups` is read-only and ignored.
/// let created = validator.create(&json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "USERNAME": "isabella@example.com",
///     "active": "True",
///     "emails": {"value": "isabella@example.com", "type": "work", "primary": true},
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
///     "groups": []
/// }))?;
/// let json = created.resource.as_json();
/// assert_eq!(json["userName"], "isabella@example.com");
/// assert_eq!(json["active"], true);
/// assert_eq!(json["emails"][0]["type"], "work");
/// assert_eq!(
///     json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
///     "701984"
/// );
/// assert_eq!(json["schemas"].as_array().unwrap().len(), 2);
///
/// let missing = validator.create(&json!({"displayName": "No Name"})).unwrap_err();
/// assert_eq!(missing.path(), "userName");
/// # Ok::<(), scim_core::validate::ValidationError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Validator<'r> {
    registry: &'r SchemaRegistry,
    resource_type: &'r ResourceType,
    core: &'r Schema,
    /// Each extension's canonical URN, whether it is required, and its schema.
    extensions: Vec<(&'r str, bool, &'r Schema)>,
    unknown: UnknownAttributes,
}

impl<'r> Validator<'r> {
    /// A validator for `resource_type`, whose schemas must be registered in `registry`.
    ///
    /// Fails with [`ValidationErrorKind::UnknownResourceType`] (an HTTP 500: the embedder's
    /// configuration is wrong) when they are not.
    pub fn new(
        registry: &'r SchemaRegistry,
        resource_type: &'r ResourceType,
    ) -> Result<Self, ValidationError> {
        let unknown = || {
            ValidationError::new(
                ValidationErrorKind::UnknownResourceType,
                resource_type.name(),
            )
        };
        let core = registry.core_schema(resource_type).ok_or_else(unknown)?;
        let extensions = resource_type
            .schema_extensions()
            .iter()
            .map(|e| {
                registry
                    .schema(&e.schema)
                    .map(|s| (e.schema.as_str(), e.required, s))
                    .ok_or_else(unknown)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            registry,
            resource_type,
            core,
            extensions,
            unknown: UnknownAttributes::Ignore,
        })
    }

    /// Sets what happens to attributes no schema of the resource type defines.
    #[must_use]
    pub fn unknown_attributes(mut self, policy: UnknownAttributes) -> Self {
        self.unknown = policy;
        self
    }

    /// The resource type this validator checks against.
    pub fn resource_type(&self) -> &'r ResourceType {
        self.resource_type
    }

    /// The registry the resource type's schemas come from.
    pub fn registry(&self) -> &'r SchemaRegistry {
        self.registry
    }

    /// Validates the body of a `POST`: a new resource.
    pub fn create(&self, body: &serde_json::Value) -> Result<Validated, ValidationError> {
        let (canonical, write_only) = self.normalize_body(body)?;
        self.check_required(&canonical)?;
        Ok(Validated {
            resource: Resource::from_canonical(self.resource_type.name(), self.finish(canonical)),
            write_only,
        })
    }

    /// Validates the body of a `PUT` that replaces `existing`; see the module documentation for
    /// what is kept from `existing`.
    pub fn replace(
        &self,
        body: &serde_json::Value,
        existing: &Resource,
    ) -> Result<Validated, ValidationError> {
        if !existing
            .resource_type()
            .eq_ignore_ascii_case(self.resource_type.name())
        {
            return Err(ValidationError::new(
                ValidationErrorKind::ResourceTypeMismatch,
                "",
            ));
        }
        let (mut canonical, write_only) = self.normalize_body(body)?;
        self.merge_existing(&mut canonical, existing.as_json())?;
        self.check_required(&canonical)?;
        Ok(Validated {
            resource: Resource::from_canonical(self.resource_type.name(), self.finish(canonical)),
            write_only,
        })
    }
}

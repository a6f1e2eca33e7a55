//! The RFC 7643 schema model: attribute characteristics as data, the built-in User,
//! EnterpriseUser and Group schemas, resource types and the registry that ties them together.
//!
//! Everything that interprets a resource (validation, filter resolution, PATCH, projection, the
//! SQL translation in `scim-store`) reads these definitions rather than hard-coding attribute
//! knowledge, so a custom schema registered at run time gets the same treatment as `User`.

mod attribute;
pub mod builtin;
mod config;
mod discovery;
mod registry;
pub mod urn;

pub(crate) use attribute::is_valid_attribute_name;
pub use attribute::{
    Attribute, AttributeDefinitionError, AttributeType, Mutability, Returned, Uniqueness,
};
pub use config::{
    AsyncRequest, AuthenticationScheme, AuthenticationSchemeKind, BulkSupport, FilterSupport,
    Pagination, PaginationMethod, SecurityEvents, ServiceProviderConfig,
    ServiceProviderConfigDocument,
};
pub use discovery::{ResourceTypeDocument, SchemaDocument};
pub use registry::{
    AttributeRef, RegistryError, ResourceKind, ResourceType, SchemaExtension, SchemaRegistry,
};

use serde::{Deserialize, Serialize};

/// A schema (RFC 7643 §7): a URN, a name and its top-level attributes.
///
/// ```
/// use scim_core::schema::{Attribute, AttributeType, Schema};
///
/// let badge = Schema::new(
///     "urn:example:params:scim:schemas:extension:badge:2.0:User",
///     "Badge",
///     vec![Attribute::new("badgeNumber", AttributeType::Integer)],
/// )?;
/// assert_eq!(badge.attribute("BADGENUMBER").map(|a| a.name()), Some("badgeNumber"));
/// # Ok::<(), scim_core::schema::AttributeDefinitionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawSchema")]
pub struct Schema {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    attributes: Vec<Attribute>,
}

impl Schema {
    /// A schema with the given URN, name and attributes, each of which is checked.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        attributes: Vec<Attribute>,
    ) -> Result<Self, AttributeDefinitionError> {
        attribute::check_unique_names(&attributes)?;
        for a in &attributes {
            a.check()?;
        }
        Ok(Self {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            attributes,
        })
    }

    pub(crate) fn new_unchecked(id: &str, name: &str, attributes: Vec<Attribute>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            attributes,
        }
    }

    /// Sets the human-readable description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The schema URN, such as `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The human-readable name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description, empty when none was given.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The top-level attributes.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The top-level attribute called `name`, ignoring case.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

#[derive(Deserialize)]
struct RawSchema {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

impl TryFrom<RawSchema> for Schema {
    type Error = AttributeDefinitionError;

    fn try_from(raw: RawSchema) -> Result<Self, Self::Error> {
        Ok(Schema::new(raw.id, raw.name, raw.attributes)?.with_description(raw.description))
    }
}

//! The registry of schemas and resource types a service provider supports.

use serde::{Deserialize, Serialize};

use super::{Attribute, Schema, builtin, urn};

/// An extension a resource type may carry (RFC 7643 §6, `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtension {
    /// The extension schema's URN.
    pub schema: String,
    /// Whether every resource of the type must carry the extension.
    pub required: bool,
}

/// Which of the resource types RFC 7643 defines a resource is: the behaviour that belongs to
/// one of them (a User's `userName` and `groups`, a Group's `displayName` and `members`) is
/// chosen by matching on this, never by comparing names.
///
/// Resource types are named by text (`meta.resourceType`, the member `type` of a group) because
/// a registry may hold types of its own; those are [`ResourceKind::Other`].
///
/// ```
/// use scim_core::schema::ResourceKind;
///
/// assert_eq!(ResourceKind::of("Group"), ResourceKind::Group);
/// assert_eq!(ResourceKind::of("Device"), ResourceKind::Other);
/// assert_eq!(ResourceKind::User.name(), Some("User"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// RFC 7643 §4.1: `userName` is unique, `groups` is read from memberships.
    User,
    /// RFC 7643 §4.2: `members` are memberships of their own.
    Group,
    /// A resource type a registry added: only the common attributes are special.
    Other,
}

impl ResourceKind {
    /// The kind of the resource type named `name` (names are case-sensitive, as in
    /// `meta.resourceType`).
    pub fn of(name: &str) -> Self {
        match name {
            "User" => Self::User,
            "Group" => Self::Group,
            _ => Self::Other,
        }
    }

    /// The name of an RFC 7643 type; `None` for [`ResourceKind::Other`].
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::User => Some("User"),
            Self::Group => Some("Group"),
            Self::Other => None,
        }
    }
}

/// A resource type (RFC 7643 §6): a name, an endpoint, a core schema and its extensions.
///
/// ```
/// use scim_core::schema::{ResourceType, urn};
///
/// let users = ResourceType::new("User", "/Users", urn::USER)
///     .with_extension(urn::ENTERPRISE_USER, false);
/// assert_eq!(users.endpoint(), "/Users");
/// assert!(users.has_schema("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    id: String,
    name: String,
    endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    schema: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    schema_extensions: Vec<SchemaExtension>,
}

impl ResourceType {
    /// A resource type whose id and name are both `name`.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            id: name.clone(),
            name,
            endpoint: endpoint.into(),
            description: String::new(),
            schema: schema.into(),
            schema_extensions: Vec::new(),
        }
    }

    /// Adds an extension schema.
    #[must_use]
    pub fn with_extension(mut self, schema: impl Into<String>, required: bool) -> Self {
        self.schema_extensions.push(SchemaExtension {
            schema: schema.into(),
            required,
        });
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The resource type's id (also its name, for the built-in types).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name, such as `User`; it is what `meta.resourceType` holds.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which of RFC 7643's resource types this is, for the behaviour that depends on it.
    pub fn kind(&self) -> ResourceKind {
        ResourceKind::of(&self.name)
    }

    /// The endpoint relative to the base URL, such as `/Users`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The description, empty when none was given.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The URN of the core schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The extensions the type accepts.
    pub fn schema_extensions(&self) -> &[SchemaExtension] {
        &self.schema_extensions
    }

    /// Whether `urn` is the core schema or one of the extensions, ignoring case.
    pub fn has_schema(&self, urn: &str) -> bool {
        self.schema.eq_ignore_ascii_case(urn) || self.extension(urn).is_some()
    }

    /// The extension declaration for `urn`, ignoring case.
    pub fn extension(&self, urn: &str) -> Option<&SchemaExtension> {
        self.schema_extensions
            .iter()
            .find(|e| e.schema.eq_ignore_ascii_case(urn))
    }
}

/// Why a schema or resource type could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A schema with the same URN is registered already.
    #[error("schema {0} is registered already")]
    DuplicateSchema(String),
    /// A resource type with the same name or endpoint is registered already.
    #[error("resource type {0} is registered already (name or endpoint)")]
    DuplicateResourceType(String),
    /// The resource type names a schema the registry does not hold.
    #[error("resource type {resource_type} refers to unknown schema {schema}")]
    UnknownSchema {
        /// The resource type being registered.
        resource_type: String,
        /// The missing schema URN.
        schema: String,
    },
    /// A schema given as JSON is malformed: not JSON, not the RFC 7643 §7 form, an invalid
    /// attribute definition, or an id that is not an absolute URI.
    #[error("invalid schema: {reason}")]
    InvalidSchema {
        /// What is wrong, with the JSON position when there is one.
        reason: String,
    },
}

impl From<RegistryError> for crate::ScimError {
    fn from(err: RegistryError) -> Self {
        let scim_type = match err {
            RegistryError::DuplicateSchema(_) | RegistryError::DuplicateResourceType(_) => {
                crate::ScimType::Uniqueness
            }
            RegistryError::UnknownSchema { .. } => crate::ScimType::InvalidValue,
            RegistryError::InvalidSchema { .. } => crate::ScimType::InvalidSyntax,
        };
        crate::ScimError::new(scim_type, err.to_string())
    }
}

/// A top-level attribute found in the registry, with where it lives in a resource.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttributeRef<'r> {
    schema: &'r str,
    extension: bool,
    attribute: &'r Attribute,
}

impl<'r> AttributeRef<'r> {
    /// The URN of the schema that defines the attribute; for the common attributes (`id`,
    /// `externalId`, `meta`, `schemas`) it is the resource type's core schema.
    pub fn schema(&self) -> &'r str {
        self.schema
    }

    /// The extension URN under which the attribute is nested in a resource's JSON, or `None`
    /// when the attribute sits at the top level (core and common attributes).
    pub fn extension(&self) -> Option<&'r str> {
        self.extension.then_some(self.schema)
    }

    /// The attribute's definition.
    pub fn attribute(&self) -> &'r Attribute {
        self.attribute
    }
}

/// The schemas and resource types a service provider supports.
///
/// [`SchemaRegistry::standard`] holds User (with the optional enterprise extension) and Group.
/// Custom schemas and resource types are added with [`SchemaRegistry::add_schema`] and
/// [`SchemaRegistry::add_resource_type`]; every lookup ignores case, as RFC 7644 §3.10 asks of
/// attribute names and schema URNs.
///
/// ```
/// use scim_core::schema::SchemaRegistry;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("user").unwrap();
/// let found = registry
///     .find_attribute(users, Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), "EMPLOYEENUMBER")
///     .unwrap();
/// assert_eq!(found.attribute().name(), "employeeNumber");
/// assert!(found.extension().is_some());
/// assert_eq!(registry.find_attribute(users, None, "meta").unwrap().extension(), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRegistry {
    common: Vec<Attribute>,
    schemas: Vec<Schema>,
    resource_types: Vec<ResourceType>,
}

impl SchemaRegistry {
    /// A registry with only the common attributes and no schemas or resource types.
    pub fn empty() -> Self {
        Self {
            common: builtin::common_attributes(),
            schemas: Vec::new(),
            resource_types: Vec::new(),
        }
    }

    /// The RFC 7643 registry: the User, EnterpriseUser and Group schemas, the `User` resource
    /// type at `/Users` (with the enterprise extension, optional) and `Group` at `/Groups`.
    pub fn standard() -> Self {
        Self {
            common: builtin::common_attributes(),
            schemas: vec![
                builtin::user(),
                builtin::enterprise_user(),
                builtin::group(),
            ],
            resource_types: vec![
                ResourceType::new("User", "/Users", urn::USER)
                    .with_description("User Account")
                    .with_extension(urn::ENTERPRISE_USER, false),
                ResourceType::new("Group", "/Groups", urn::GROUP).with_description("Group"),
            ],
        }
    }

    /// Registers a schema; its URN must be new.
    pub fn add_schema(&mut self, schema: Schema) -> Result<(), RegistryError> {
        if self.schema(schema.id()).is_some() {
            return Err(RegistryError::DuplicateSchema(schema.id().to_owned()));
        }
        self.schemas.push(schema);
        Ok(())
    }

    /// Registers a resource type; its schemas must be registered and its name and endpoint new.
    pub fn add_resource_type(&mut self, resource_type: ResourceType) -> Result<(), RegistryError> {
        let taken = self.resource_types.iter().any(|t| {
            t.name.eq_ignore_ascii_case(&resource_type.name)
                || t.endpoint.eq_ignore_ascii_case(&resource_type.endpoint)
        });
        if taken {
            return Err(RegistryError::DuplicateResourceType(resource_type.name));
        }
        let schemas = std::iter::once(resource_type.schema.as_str()).chain(
            resource_type
                .schema_extensions
                .iter()
                .map(|e| e.schema.as_str()),
        );
        for schema in schemas {
            if self.schema(schema).is_none() {
                return Err(RegistryError::UnknownSchema {
                    resource_type: resource_type.name.clone(),
                    schema: schema.to_owned(),
                });
            }
        }
        self.resource_types.push(resource_type);
        Ok(())
    }

    /// Every registered schema, in registration order.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// Every registered resource type, in registration order.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The common attributes (`schemas`, `id`, `externalId`, `meta`).
    pub fn common_attributes(&self) -> &[Attribute] {
        &self.common
    }

    /// The schema with URN `id`, ignoring case.
    pub fn schema(&self, id: &str) -> Option<&Schema> {
        self.schemas
            .iter()
            .find(|s| s.id().eq_ignore_ascii_case(id))
    }

    /// The resource type called `name`, ignoring case.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The resource type served at `endpoint` (such as `/Users`), ignoring case.
    pub fn resource_type_by_endpoint(&self, endpoint: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|t| t.endpoint.eq_ignore_ascii_case(endpoint))
    }

    /// The core schema of `resource_type` (`None` only if the type was never registered here).
    pub fn core_schema(&self, resource_type: &ResourceType) -> Option<&Schema> {
        self.schema(&resource_type.schema)
    }

    /// Finds a top-level attribute of `resource_type`.
    ///
    /// Without `uri`, the name is looked up among the common attributes and then in the core
    /// schema; extension attributes must be qualified with their schema URN (RFC 7644 §3.10).
    /// With `uri`, it must be the core schema (which also reaches the common attributes) or one
    /// of the type's extensions.
    pub fn find_attribute<'r>(
        &'r self,
        resource_type: &'r ResourceType,
        uri: Option<&str>,
        name: &str,
    ) -> Option<AttributeRef<'r>> {
        let core = resource_type.schema.as_str();
        match uri {
            Some(uri) if !core.eq_ignore_ascii_case(uri) => {
                let extension = resource_type.extension(uri)?;
                let attribute = self.schema(&extension.schema)?.attribute(name)?;
                Some(AttributeRef {
                    schema: &extension.schema,
                    extension: true,
                    attribute,
                })
            }
            _ => {
                let common = self
                    .common
                    .iter()
                    .find(|a| a.name().eq_ignore_ascii_case(name));
                let attribute = match common {
                    Some(attribute) => attribute,
                    None => self.schema(core)?.attribute(name)?,
                };
                Some(AttributeRef {
                    schema: core,
                    extension: false,
                    attribute,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AttributeType, Schema};

    #[test]
    fn standard_registry_resolves_core_common_and_extension_attributes() {
        let registry = SchemaRegistry::standard();
        let users = registry.resource_type_by_endpoint("/users").unwrap();
        let user_name = registry.find_attribute(users, None, "USERNAME").unwrap();
        assert_eq!(user_name.attribute().name(), "userName");
        assert_eq!(user_name.schema(), urn::USER);
        let qualified = registry
            .find_attribute(users, Some(urn::USER), "userName")
            .unwrap();
        assert_eq!(qualified, user_name);
        let id = registry
            .find_attribute(users, Some(urn::USER), "id")
            .unwrap();
        assert_eq!(id.attribute().name(), "id");
        let manager = registry.find_attribute(users, Some(urn::ENTERPRISE_USER), "manager");
        assert_eq!(manager.unwrap().extension(), Some(urn::ENTERPRISE_USER));
    }

    #[test]
    fn extension_attributes_need_their_urn() {
        let registry = SchemaRegistry::standard();
        let users = registry.resource_type("User").unwrap();
        assert!(
            registry
                .find_attribute(users, None, "employeeNumber")
                .is_none()
        );
        let groups = registry.resource_type("Group").unwrap();
        assert!(
            registry
                .find_attribute(groups, Some(urn::ENTERPRISE_USER), "department")
                .is_none()
        );
        assert!(registry.find_attribute(groups, None, "userName").is_none());
    }

    #[test]
    fn custom_types_are_checked_on_registration() {
        let mut registry = SchemaRegistry::standard();
        let device = Schema::new(
            "urn:example:Device",
            "Device",
            vec![crate::schema::Attribute::new(
                "serial",
                AttributeType::String,
            )],
        )
        .unwrap();
        assert_eq!(
            registry.add_resource_type(ResourceType::new(
                "Device",
                "/Devices",
                "urn:example:Device"
            )),
            Err(RegistryError::UnknownSchema {
                resource_type: "Device".into(),
                schema: "urn:example:Device".into()
            })
        );
        registry.add_schema(device.clone()).unwrap();
        assert_eq!(
            registry.add_schema(device),
            Err(RegistryError::DuplicateSchema("urn:example:Device".into()))
        );
        registry
            .add_resource_type(ResourceType::new(
                "Device",
                "/Devices",
                "urn:example:Device",
            ))
            .unwrap();
        assert!(matches!(
            registry.add_resource_type(ResourceType::new(
                "Other",
                "/devices",
                "urn:example:Device"
            )),
            Err(RegistryError::DuplicateResourceType(_))
        ));
        let devices = registry.resource_type("device").unwrap();
        assert!(registry.find_attribute(devices, None, "serial").is_some());
    }
}

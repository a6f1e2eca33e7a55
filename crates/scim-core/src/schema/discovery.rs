//! The discovery documents of RFC 7644 §4: `/Schemas` and `/ResourceTypes` (the
//! `ServiceProviderConfig` is in `config.rs`), and registering a schema given as JSON.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{RegistryError, ResourceType, Schema, SchemaRegistry, urn};
use crate::resource::{BaseUrl, Meta, Reference};

/// A schema as `/Schemas` serves it: the RFC 7643 §7 representation plus `schemas` and `meta`.
///
/// ```
/// use scim_core::resource::BaseUrl;
/// use scim_core::schema::{SchemaRegistry, urn};
///
/// let registry = SchemaRegistry::standard();
/// let base: BaseUrl = "https://example.com/v2".parse()?;
/// let group = registry.schema_document(urn::GROUP, &base).unwrap();
/// let json = serde_json::to_value(&group)?;
/// assert_eq!(json["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:Schema");
/// assert_eq!(json["id"], urn::GROUP);
/// assert_eq!(json["attributes"][0]["name"], "displayName");
/// assert_eq!(json["meta"]["resourceType"], "Schema");
/// assert_eq!(json["meta"]["location"], "https://example.com/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDocument<'r> {
    schema: &'r Schema,
    location: Reference,
}

impl<'r> SchemaDocument<'r> {
    /// The document of `schema`, located under `base`.
    pub fn new(schema: &'r Schema, base: &BaseUrl) -> Self {
        Self {
            schema,
            location: base.location("Schemas", schema.id()),
        }
    }

    /// The schema.
    pub fn schema(&self) -> &'r Schema {
        self.schema
    }

    /// The document's URL (its `meta.location`).
    pub fn location(&self) -> &Reference {
        &self.location
    }
}

impl Serialize for SchemaDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let schema = self.schema;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[urn::SCHEMA])?;
        map.serialize_entry("id", schema.id())?;
        map.serialize_entry("name", schema.name())?;
        if !schema.description().is_empty() {
            map.serialize_entry("description", schema.description())?;
        }
        map.serialize_entry("attributes", schema.attributes())?;
        map.serialize_entry(
            "meta",
            &Meta::new("Schema").with_location(self.location.clone()),
        )?;
        map.end()
    }
}

/// A resource type as `/ResourceTypes` serves it: RFC 7643 §6 plus `schemas` and `meta`.
///
/// ```
/// use scim_core::resource::BaseUrl;
/// use scim_core::schema::SchemaRegistry;
///
/// let registry = SchemaRegistry::standard();
/// let base: BaseUrl = "https://example.com/v2".parse()?;
/// let users = registry.resource_type_document("User", &base).unwrap();
/// let json = serde_json::to_value(&users)?;
/// assert_eq!(json["endpoint"], "/Users");
/// assert_eq!(json["schemaExtensions"][0]["required"], false);
/// assert_eq!(json["meta"]["location"], "https://example.com/v2/ResourceTypes/User");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceTypeDocument<'r> {
    resource_type: &'r ResourceType,
    location: Reference,
}

impl<'r> ResourceTypeDocument<'r> {
    /// The document of `resource_type`, located under `base`.
    pub fn new(resource_type: &'r ResourceType, base: &BaseUrl) -> Self {
        Self {
            resource_type,
            location: base.location("ResourceTypes", resource_type.id()),
        }
    }

    /// The resource type.
    pub fn resource_type(&self) -> &'r ResourceType {
        self.resource_type
    }

    /// The document's URL (its `meta.location`).
    pub fn location(&self) -> &Reference {
        &self.location
    }
}

impl Serialize for ResourceTypeDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let resource_type = self.resource_type;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[urn::RESOURCE_TYPE])?;
        map.serialize_entry("id", resource_type.id())?;
        map.serialize_entry("name", resource_type.name())?;
        map.serialize_entry("endpoint", resource_type.endpoint())?;
        if !resource_type.description().is_empty() {
            map.serialize_entry("description", resource_type.description())?;
        }
        map.serialize_entry("schema", resource_type.schema())?;
        if !resource_type.schema_extensions().is_empty() {
            map.serialize_entry("schemaExtensions", resource_type.schema_extensions())?;
        }
        map.serialize_entry(
            "meta",
            &Meta::new("ResourceType").with_location(self.location.clone()),
        )?;
        map.end()
    }
}

impl SchemaRegistry {
    /// Every schema, as `/Schemas` lists them.
    pub fn schema_documents<'r>(&'r self, base: &BaseUrl) -> Vec<SchemaDocument<'r>> {
        self.schemas()
            .iter()
            .map(|s| SchemaDocument::new(s, base))
            .collect()
    }

    /// The schema with URN `id` (ignoring case), as `/Schemas/{id}` serves it.
    pub fn schema_document<'r>(&'r self, id: &str, base: &BaseUrl) -> Option<SchemaDocument<'r>> {
        self.schema(id).map(|s| SchemaDocument::new(s, base))
    }

    /// Every resource type, as `/ResourceTypes` lists them.
    pub fn resource_type_documents<'r>(&'r self, base: &BaseUrl) -> Vec<ResourceTypeDocument<'r>> {
        self.resource_types()
            .iter()
            .map(|t| ResourceTypeDocument::new(t, base))
            .collect()
    }

    /// The resource type whose id is `id` (ignoring case), as `/ResourceTypes/{id}` serves it.
    pub fn resource_type_document<'r>(
        &'r self,
        id: &str,
        base: &BaseUrl,
    ) -> Option<ResourceTypeDocument<'r>> {
        self.resource_types()
            .iter()
            .find(|t| t.id().eq_ignore_ascii_case(id))
            .map(|t| ResourceTypeDocument::new(t, base))
    }

    /// Registers a schema given in its RFC 7643 §7 JSON form (as another service provider's
    /// `/Schemas` serves it: `schemas` and `meta` members are ignored).
    ///
    /// Every attribute definition is checked (names, complex attributes with sub-attributes and
    /// not nested, no duplicates ignoring case), the `id` must be an absolute URI, and it must
    /// not be registered already. The schema only becomes usable once a resource type names it
    /// ([`SchemaRegistry::add_resource_type`]).
    ///
    /// ```
    /// use scim_core::schema::{RegistryError, SchemaRegistry};
    ///
    /// let mut registry = SchemaRegistry::standard();
    /// let badge = registry.add_schema_json(r#"{
    ///     "id": "urn:example:params:scim:schemas:extension:badge:2.0:User",
    ///     "name": "Badge",
    ///     "attributes": [{"name": "badgeNumber", "type": "integer"}]
    /// }"#)?;
    /// assert_eq!(badge.attribute("badgeNumber").unwrap().kind().as_str(), "integer");
    ///
    /// let nested = registry.add_schema_json(r#"{"id": "urn:x", "attributes": [
    ///     {"name": "a", "type": "complex", "subAttributes": [
    ///         {"name": "b", "type": "complex", "subAttributes": [{"name": "c"}]}]}]}"#);
    /// assert!(matches!(nested, Err(RegistryError::InvalidSchema { .. })));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn add_schema_json(&mut self, json: &str) -> Result<&Schema, RegistryError> {
        let schema: Schema =
            serde_json::from_str(json).map_err(|e| RegistryError::InvalidSchema {
                reason: e.to_string(),
            })?;
        let id_is_uri = Reference::new(schema.id()).is_ok_and(|r| r.is_absolute());
        if !id_is_uri {
            return Err(RegistryError::InvalidSchema {
                reason: format!("the schema id {:?} is not an absolute URI", schema.id()),
            });
        }
        let id = schema.id().to_owned();
        self.add_schema(schema)?;
        self.schema(&id).ok_or(RegistryError::InvalidSchema {
            reason: "the schema was not registered".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn base() -> BaseUrl {
        BaseUrl::new("https://example.com/v2").unwrap()
    }

    #[test]
    fn documents_cover_every_registered_schema_and_type() {
        let registry = SchemaRegistry::standard();
        let base = base();
        let schemas: Vec<_> = registry
            .schema_documents(&base)
            .iter()
            .map(|d| d.schema().id().to_owned())
            .collect();
        assert_eq!(schemas, [urn::USER, urn::ENTERPRISE_USER, urn::GROUP]);
        let types = registry.resource_type_documents(&base);
        assert_eq!(types.len(), 2);
        assert_eq!(
            types[1].location().as_str(),
            "https://example.com/v2/ResourceTypes/Group"
        );
        assert!(registry.resource_type_document("group", &base).is_some());
        assert!(registry.resource_type_document("Device", &base).is_none());
        assert!(registry.schema_document("urn:nope", &base).is_none());
    }

    #[test]
    fn group_resource_type_has_no_extensions_member() {
        let registry = SchemaRegistry::standard();
        let json = serde_json::to_value(registry.resource_type_document("Group", &base())).unwrap();
        assert_eq!(
            json,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": "Group",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
                "meta": {
                    "resourceType": "ResourceType",
                    "location": "https://example.com/v2/ResourceTypes/Group"
                }
            })
        );
    }

    #[test]
    fn schema_json_is_checked_before_registration() {
        let mut registry = SchemaRegistry::standard();
        let cases = [
            "not json",
            r#"{"name": "no id"}"#,
            r#"{"id": "relative", "attributes": []}"#,
            r#"{"id": "urn:x", "attributes": [{"name": "1bad"}]}"#,
            r#"{"id": "urn:x", "attributes": [{"name": "a"}, {"name": "A"}]}"#,
            r#"{"id": "urn:x", "attributes": [{"name": "a", "type": "complex"}]}"#,
            r#"{"id": "urn:x", "attributes": [{"name": "a", "type": "float"}]}"#,
        ];
        for json in cases {
            assert!(
                matches!(
                    registry.add_schema_json(json),
                    Err(RegistryError::InvalidSchema { .. })
                ),
                "{json}"
            );
        }
        assert_eq!(
            registry.add_schema_json(&format!(r#"{{"id": "{}"}}"#, urn::USER.to_uppercase())),
            Err(RegistryError::DuplicateSchema(urn::USER.to_uppercase()))
        );
        assert_eq!(registry.schemas().len(), 3);
    }

    #[test]
    fn a_served_schema_registers_elsewhere_unchanged() {
        let served = SchemaRegistry::standard();
        let json = serde_json::to_string(&served.schema_document(urn::USER, &base())).unwrap();
        let mut other = SchemaRegistry::empty();
        let copy = other.add_schema_json(&json).unwrap();
        assert_eq!(Some(copy), served.schema(urn::USER));
    }
}

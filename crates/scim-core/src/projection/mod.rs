//! Attribute projection: the `attributes` and `excludedAttributes` parameters of RFC 7644
//! §3.4.2.5 and §3.9, applied with each attribute's `returned` characteristic (RFC 7643 §7).
//!
//! A [`Projection`] is built once per request from the two parameters and applied to every
//! resource returned ([`Projection::apply`]). Storage asks [`Projection::includes`] to skip
//! loading attributes that will not be returned, such as the members of a group read with
//! `excludedAttributes=members`.
//!
//! # What is returned
//!
//! For each attribute, and for each sub-attribute of a complex attribute:
//!
//! | `returned` | no `attributes` | with `attributes` |
//! | --- | --- | --- |
//! | `always` (`id`, `schemas`) | returned | returned |
//! | `never` (`password`) | not returned | not returned |
//! | `default` | returned unless excluded | returned if named, unless excluded |
//! | `request` | not returned | returned if named, unless excluded |
//!
//! - *Named* means the parameter lists the attribute itself (which names all its
//!   sub-attributes), one of its sub-attributes (which names that one only), or the URN of the
//!   schema that defines it (which names every attribute of that schema).
//! - *Excluded* means `excludedAttributes` lists the attribute, that sub-attribute, or the
//!   schema's URN. `always` attributes cannot be excluded.
//! - A complex value keeps only the sub-attributes returned; an element left empty is dropped,
//!   and so is an attribute left without elements, and an extension object left without
//!   attributes. `schemas` is not changed: the resource still conforms to the extension.
//! - `meta` is a `default` attribute like any other: `attributes=userName` leaves it out.
//! - Both parameters may be given: `attributes` selects, then `excludedAttributes` removes.
//!
//! # Decisions
//!
//! - **Unknown names are ignored.** RFC 7644 does not say what to do with an attribute name the
//!   resource type does not define. Identity providers ask for attributes of their own mappings,
//!   and a read that fails over an unknown name breaks provisioning, while ignoring it returns
//!   exactly what the client could have received. Names of sub-attributes that do not exist,
//!   sub-attributes of simple attributes and URNs of schemas the resource type does not use are
//!   ignored the same way.
//! - **Malformed syntax is an error** ([`ProjectionError`], `400 invalidValue`): a name that is
//!   not an `ATTRNAME`, more than one `.`, an empty name after a URN. Empty items (`userName,`)
//!   and spaces around items are tolerated; an empty parameter is the same as no parameter.
//! - **Projection happens after filtering.** A filter is evaluated on the whole resource, so
//!   `attributes=userName` never changes which resources match `emails co "x"`; storage must load
//!   what the filter needs ([`ResolvedFilter::references`](crate::filter::ResolvedFilter::references))
//!   whatever [`Projection::includes`] says.

mod select;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::resource::Resource;
use crate::schema::{Attribute, AttributeType, ResourceType, Returned, SchemaRegistry};
use crate::{ScimError, ScimType};
use select::{Selector, parse_list};

/// Which attributes of a resource type a response returns; see the [module documentation](self).
///
/// ```
/// use scim_core::projection::Projection;
/// use scim_core::schema::SchemaRegistry;
/// use scim_core::validate::Validator;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::standard();
/// let groups = registry.resource_type("Group").unwrap();
/// // How Microsoft Entra ID looks a group up.
/// let projection = Projection::new(&registry, groups, None, Some("members"))?;
/// assert!(!projection.includes(None, "members"));
/// assert!(projection.includes(None, "displayName"));
///
/// let users = registry.resource_type("User").unwrap();
/// let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// let projection = Projection::new(
///     &registry,
///     users,
///     Some(&format!("userName,name.givenName,{enterprise}:manager")),
///     None,
/// )?;
/// assert!(projection.includes(None, "name"));
/// assert!(projection.includes(Some(enterprise), "manager"));
/// assert!(!projection.includes(Some(enterprise), "department"));
/// assert!(!projection.includes(None, "emails"));
/// assert!(projection.includes(None, "id"));
///
/// let mut user = Validator::new(&registry, users)?
///     .create(&json!({
///         "userName": "bjensen",
///         "name": {"givenName": "Barbara", "familyName": "Jensen"},
///         "emails": [{"value": "bjensen@example.com"}]
///     }))?
///     .resource;
/// user.set_id("2819c223");
/// assert_eq!(
///     serde_json::Value::Object(projection.apply(&user)),
///     json!({
///         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///         "userName": "bjensen",
///         "name": {"givenName": "Barbara"},
///         "id": "2819c223"
///     })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Projection<'r> {
    registry: &'r SchemaRegistry,
    resource_type: &'r ResourceType,
    requested: Option<Vec<Selector<'r>>>,
    excluded: Vec<Selector<'r>>,
}

impl<'r> Projection<'r> {
    /// The projection for the given `attributes` and `excludedAttributes` parameter values
    /// (comma-separated attribute paths), either of which may be absent.
    pub fn new(
        registry: &'r SchemaRegistry,
        resource_type: &'r ResourceType,
        attributes: Option<&str>,
        excluded_attributes: Option<&str>,
    ) -> Result<Self, ProjectionError> {
        let requested = attributes
            .map(|list| parse_list(registry, resource_type, list, Parameter::Attributes))
            .transpose()?
            // An empty `attributes=` is the same as none.
            .filter(|(_, written)| *written > 0)
            .map(|(selectors, _)| selectors);
        let excluded = match excluded_attributes {
            Some(list) => {
                parse_list(registry, resource_type, list, Parameter::ExcludedAttributes)?.0
            }
            None => Vec::new(),
        };
        Ok(Self {
            registry,
            resource_type,
            requested,
            excluded,
        })
    }

    /// The default projection: every attribute returned by default, as when neither parameter
    /// is given.
    pub fn defaults(registry: &'r SchemaRegistry, resource_type: &'r ResourceType) -> Self {
        Self {
            registry,
            resource_type,
            requested: None,
            excluded: Vec::new(),
        }
    }

    /// Whether any part of the top-level attribute `attribute` (of the extension `extension`,
    /// or of the core schema and common attributes when `None`) can appear in the output.
    /// Names and URNs are matched ignoring case; an attribute the resource type does not define
    /// is reported as not included.
    pub fn includes(&self, extension: Option<&str>, attribute: &str) -> bool {
        self.defined(extension, attribute, |schema, attribute| {
            if attribute.kind() == AttributeType::Complex {
                attribute
                    .sub_attributes()
                    .iter()
                    .any(|sub| self.returns(schema, attribute, Some(sub)))
            } else {
                self.returns(schema, attribute, None)
            }
        })
    }

    /// Whether every value of the top-level attribute `attribute` is returned as it is: the
    /// attribute and, for a complex attribute, each of its sub-attributes. A caller that writes
    /// such an attribute out itself (a large group's `members`) can then leave it out of the
    /// resource it projects and add it to the output unchanged. An attribute the resource type
    /// does not define is reported as not returned whole.
    ///
    /// ```
    /// use scim_core::projection::Projection;
    /// use scim_core::schema::SchemaRegistry;
    ///
    /// let registry = SchemaRegistry::standard();
    /// let groups = registry.resource_type("Group").unwrap();
    /// let whole = |attributes, excluded| {
    ///     Projection::new(&registry, groups, attributes, excluded)
    ///         .map(|p| p.returns_whole(None, "members"))
    /// };
    /// assert!(whole(None, None)?);
    /// assert!(whole(Some("displayName,members"), None)?);
    /// assert!(!whole(Some("members.value"), None)?);
    /// assert!(!whole(None, Some("members.display"))?);
    /// assert!(!whole(None, Some("members"))?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn returns_whole(&self, extension: Option<&str>, attribute: &str) -> bool {
        self.defined(extension, attribute, |schema, attribute| {
            self.returns(schema, attribute, None)
                && attribute
                    .sub_attributes()
                    .iter()
                    .all(|sub| self.returns(schema, attribute, Some(sub)))
        })
    }

    /// `check` of the top-level attribute's schema and definition; `false` when the resource
    /// type does not define it.
    fn defined(
        &self,
        extension: Option<&str>,
        attribute: &str,
        check: impl FnOnce(&str, &Attribute) -> bool,
    ) -> bool {
        self.registry
            .find_attribute(self.resource_type, extension, attribute)
            .is_some_and(|found| check(found.schema(), found.attribute()))
    }

    /// The JSON to return for `resource`: its canonical body with only the attributes this
    /// projection returns.
    pub fn apply(&self, resource: &Resource) -> Map<String, Value> {
        self.apply_owned(resource.clone())
    }

    /// [`Projection::apply`] for a resource that is not needed afterwards: the values returned
    /// are moved out of it rather than copied, which is what a server answering a request
    /// wants.
    ///
    /// ```
    /// use scim_core::projection::Projection;
    /// use scim_core::schema::SchemaRegistry;
    /// use scim_core::validate::Validator;
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::standard();
    /// let users = registry.resource_type("User").unwrap();
    /// let user = Validator::new(&registry, users)?
    ///     .create(&json!({"userName": "bjensen", "displayName": "Babs"}))?
    ///     .resource;
    /// let projection = Projection::new(&registry, users, None, Some("displayName"))?;
    /// let expected = projection.apply(&user);
    /// let body = projection.apply_owned(user);
    /// assert_eq!(body, expected);
    /// assert!(body.contains_key("userName") && !body.contains_key("displayName"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply_owned(&self, resource: Resource) -> Map<String, Value> {
        let mut output = Map::new();
        for (key, value) in resource.into_json() {
            let extension = self
                .resource_type
                .extension(&key)
                .map(|e| e.schema.as_str());
            let kept = match (extension, value) {
                (Some(urn), Value::Object(members)) => {
                    let kept = self.project_container(urn, members);
                    (!kept.is_empty()).then_some(Value::Object(kept))
                }
                (_, value) => self.project_attribute(None, &key, value),
            };
            if let Some(kept) = kept {
                output.insert(key, kept);
            }
        }
        output
    }

    fn project_container(
        &self,
        extension: &str,
        members: Map<String, Value>,
    ) -> Map<String, Value> {
        members
            .into_iter()
            .filter_map(|(key, value)| {
                let kept = self.project_attribute(Some(extension), &key, value)?;
                Some((key, kept))
            })
            .collect()
    }

    /// The part of one top-level attribute's value that is returned, if any.
    fn project_attribute(&self, extension: Option<&str>, key: &str, value: Value) -> Option<Value> {
        let Some(found) = self
            .registry
            .find_attribute(self.resource_type, extension, key)
        else {
            // A canonical resource holds only defined attributes; anything else is treated as a
            // `default` attribute of its own.
            return self.requested.is_none().then_some(value);
        };
        let schema = found.schema();
        let attribute = found.attribute();
        if attribute.kind() != AttributeType::Complex {
            return self.returns(schema, attribute, None).then_some(value);
        }
        match value {
            Value::Array(elements) => {
                let kept: Vec<Value> = elements
                    .into_iter()
                    .filter_map(|element| self.project_element(schema, attribute, element))
                    .collect();
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
            element => self.project_element(schema, attribute, element),
        }
    }

    fn project_element(
        &self,
        schema: &str,
        attribute: &Attribute,
        element: Value,
    ) -> Option<Value> {
        let Value::Object(mut members) = element else {
            return self.returns(schema, attribute, None).then_some(element);
        };
        members.retain(|key, _| match attribute.sub_attribute(key) {
            Some(sub) => self.returns(schema, attribute, Some(sub)),
            None => self.returns(schema, attribute, None),
        });
        (!members.is_empty()).then_some(Value::Object(members))
    }

    /// Whether the attribute (or its sub-attribute `sub`) of `schema` is returned.
    fn returns(&self, schema: &str, attribute: &Attribute, sub: Option<&Attribute>) -> bool {
        let levels = || {
            std::iter::once(attribute)
                .chain(sub)
                .map(Attribute::returned_kind)
        };
        if levels().any(|r| r == Returned::Never) {
            return false;
        }
        if levels().any(|r| r == Returned::Always) {
            return true;
        }
        let on_request = levels().any(|r| r == Returned::Request);
        let selects = |selector: &Selector<'_>| selector.selects(schema, attribute, sub);
        let chosen = match &self.requested {
            Some(requested) => requested.iter().any(selects),
            None => !on_request,
        };
        chosen && !self.excluded.iter().any(selects)
    }
}

/// Which query parameter a [`ProjectionError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parameter {
    /// `attributes`.
    Attributes,
    /// `excludedAttributes`.
    ExcludedAttributes,
}

impl Parameter {
    /// The parameter's name as it appears in a query string or a SearchRequest.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attributes => "attributes",
            Self::ExcludedAttributes => "excludedAttributes",
        }
    }
}

/// An `attributes` or `excludedAttributes` value that is not a comma-separated list of
/// attribute paths.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} contains {path:?}, which is not an attribute path ([urn:]name[.subAttribute])", parameter.as_str())]
pub struct ProjectionError {
    parameter: Parameter,
    path: String,
}

impl ProjectionError {
    /// The parameter at fault.
    pub fn parameter(&self) -> Parameter {
        self.parameter
    }

    /// The malformed item, as written (trimmed).
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl From<ProjectionError> for ScimError {
    /// `400 invalidValue`.
    fn from(err: ProjectionError) -> Self {
        ScimError::new(ScimType::InvalidValue, err.to_string())
    }
}

//! `sortBy` (RFC 7644 §3.4.2.3): an attribute path, parsed once and resolved against each
//! resource type it sorts.

use super::{
    AttrPath, Filter, PatchPath, Present, ResolvedFilter, ResolvedPath, Span, parse_path, resolve,
};
use crate::schema::{AttributeType, ResourceType, SchemaRegistry};
use crate::{ScimError, ScimType};

/// Parses a `sortBy` value: an attribute path without a value filter, such as `name.familyName`
/// or `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`.
///
/// ```
/// use scim_core::filter::parse_sort_by;
///
/// assert_eq!(parse_sort_by("name.familyName")?.sub_attr.as_deref(), Some("familyName"));
/// assert!(parse_sort_by(r#"emails[type eq "work"]"#).is_err());
/// # Ok::<(), scim_core::ScimError>(())
/// ```
pub fn parse_sort_by(text: &str) -> Result<AttrPath<'_>, ScimError> {
    match parse_path(text.trim()) {
        Ok(PatchPath::Attr(path)) => Ok(path),
        _ => Err(ScimError::new(
            ScimType::InvalidValue,
            format!("sortBy {text:?} is not an attribute path"),
        )),
    }
}

/// Resolves a `sortBy` path against a resource type: it must name an attribute a filter could
/// test, and not a complex one (whose order would be undefined).
///
/// ```
/// use scim_core::filter::{parse_sort_by, resolve_sort_by};
/// use scim_core::schema::SchemaRegistry;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// assert!(resolve_sort_by(&parse_sort_by("userName")?, &registry, users).is_ok());
/// assert!(resolve_sort_by(&parse_sort_by("name")?, &registry, users).is_err());
/// assert!(resolve_sort_by(&parse_sort_by("password")?, &registry, users).is_err());
/// # Ok::<(), scim_core::ScimError>(())
/// ```
pub fn resolve_sort_by(
    path: &AttrPath<'_>,
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
) -> Result<ResolvedPath, ScimError> {
    let invalid = |detail: String| ScimError::new(ScimType::InvalidValue, detail);
    // Presence is the one test every filterable attribute has, so resolving `path pr` checks
    // exactly what a sort needs of the attribute.
    let present = Filter::Present(Present {
        path: path.clone(),
        span: Span::default(),
    });
    match resolve(&present, registry, resource_type) {
        Ok(ResolvedFilter::Present(resolved)) if resolved.kind() != AttributeType::Complex => {
            Ok(resolved)
        }
        Ok(_) => Err(invalid(format!(
            "sortBy \"{path}\" is a complex attribute: name one of its sub-attributes"
        ))),
        Err(_) => Err(invalid(format!(
            "sortBy \"{path}\" names no attribute of {}",
            resource_type.name()
        ))),
    }
}

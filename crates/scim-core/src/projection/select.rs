//! Reading `attributes` / `excludedAttributes` values into selectors.

use super::{Parameter, ProjectionError};
use crate::schema::{Attribute, ResourceType, SchemaRegistry, is_valid_attribute_name};

/// One item of an `attributes` or `excludedAttributes` list, resolved against the schemas.
#[derive(Debug, Clone, Copy)]
pub(super) enum Selector<'r> {
    /// A schema URN on its own: every attribute of that schema.
    Schema(&'r str),
    /// An attribute, or one sub-attribute of it.
    Attribute {
        schema: &'r str,
        attribute: &'r Attribute,
        sub: Option<&'r Attribute>,
    },
}

impl Selector<'_> {
    /// Whether the selector names `attribute` of `schema` (with `sub`, that sub-attribute of
    /// it). Attributes are compared by identity: both sides come from the same registry.
    pub(super) fn selects(
        &self,
        schema: &str,
        attribute: &Attribute,
        sub: Option<&Attribute>,
    ) -> bool {
        match *self {
            Self::Schema(urn) => urn.eq_ignore_ascii_case(schema),
            Self::Attribute {
                schema: selected_schema,
                attribute: selected,
                sub: selected_sub,
            } => {
                selected_schema.eq_ignore_ascii_case(schema)
                    && std::ptr::eq(selected, attribute)
                    && match (selected_sub, sub) {
                        (None, _) => true,
                        (Some(a), Some(b)) => std::ptr::eq(a, b),
                        (Some(_), None) => false,
                    }
            }
        }
    }
}

/// Reads a comma-separated list; returns the selectors of the items that name something, and
/// how many non-empty items were written.
pub(super) fn parse_list<'r>(
    registry: &'r SchemaRegistry,
    resource_type: &'r ResourceType,
    list: &str,
    parameter: Parameter,
) -> Result<(Vec<Selector<'r>>, usize), ProjectionError> {
    let mut selectors = Vec::new();
    let mut written = 0;
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        written += 1;
        if let Some(selector) =
            parse_item(registry, resource_type, item).map_err(|()| ProjectionError {
                parameter,
                path: item.to_owned(),
            })?
        {
            selectors.push(selector);
        }
    }
    Ok((selectors, written))
}

/// `Err` for malformed syntax, `Ok(None)` for a well-formed name the resource type lacks.
fn parse_item<'r>(
    registry: &'r SchemaRegistry,
    resource_type: &'r ResourceType,
    item: &str,
) -> Result<Option<Selector<'r>>, ()> {
    if resource_type.schema().eq_ignore_ascii_case(item) {
        return Ok(Some(Selector::Schema(resource_type.schema())));
    }
    if let Some(extension) = resource_type.extension(item) {
        return Ok(Some(Selector::Schema(&extension.schema)));
    }
    let (uri, local) = match item.rsplit_once(':') {
        Some((uri, local)) if !uri.is_empty() => (Some(uri), local),
        Some(_) => return Err(()),
        None => (None, item),
    };
    let (name, sub) = match local.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (local, None),
    };
    if !is_valid_attribute_name(name) || sub.is_some_and(|s| !is_valid_attribute_name(s)) {
        return Err(());
    }
    let Some(found) = registry.find_attribute(resource_type, uri, name) else {
        return Ok(None);
    };
    let attribute = found.attribute();
    let sub = match sub {
        Some(sub) => match attribute.sub_attribute(sub) {
            Some(sub) => Some(sub),
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some(Selector::Attribute {
        schema: found.schema(),
        attribute,
        sub,
    }))
}

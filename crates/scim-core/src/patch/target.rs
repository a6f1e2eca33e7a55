//! What a PATCH path (or a key of a path-less value) designates, resolved against the schemas.

use crate::filter::{Filter, PatchPath, ResolvedValuePath, parse_path, resolve_value_path};
use crate::schema::{Attribute, AttributeType, Schema};
use crate::validate::body::Slot;

use super::{PatchErrorKind, PatchRun};

/// A resolved PATCH target.
pub(crate) enum PatchTarget<'r> {
    /// A whole schema (a path that is just an extension URN): its attributes.
    Schema {
        schema: &'r Schema,
        extension: Option<&'r str>,
    },
    /// An attribute, or one sub-attribute of a single-valued complex attribute.
    Attr {
        slot: Slot<'r>,
        sub: Option<&'r Attribute>,
    },
    /// The elements of a multi-valued complex attribute that a filter selects, or one
    /// sub-attribute of each.
    Filtered {
        slot: Slot<'r>,
        selector: Box<ResolvedValuePath>,
        /// The filter as written, to build an element from when `add` matches nothing.
        filter: Box<Filter<'static>>,
        sub: Option<&'r Attribute>,
    },
}

impl<'r> PatchRun<'r, '_> {
    /// Resolves `path`. `Ok(None)` means it names nothing the resource type defines.
    pub(crate) fn target(&self, path: &str) -> Result<Option<PatchTarget<'r>>, PatchErrorKind> {
        let validator = &self.validator;
        let registry = validator.registry();
        let resource_type = validator.resource_type();
        match parse_path(path).map_err(PatchErrorKind::Parse)? {
            PatchPath::Attr(attr) => {
                if let (Some(uri), None) = (&attr.uri, &attr.sub_attr) {
                    let urn = format!("{uri}:{}", attr.name);
                    if let Some((schema, extension)) = validator.schema_for(&urn) {
                        return Ok(Some(PatchTarget::Schema { schema, extension }));
                    }
                }
                let Some(slot) = validator.slot(attr.uri.as_deref(), &attr.name) else {
                    return Ok(None);
                };
                let sub = match attr.sub_attr.as_deref() {
                    None => None,
                    Some(name) => match slot.attribute.sub_attribute(name) {
                        Some(sub) => Some(sub),
                        None => return Ok(None),
                    },
                };
                Ok(Some(PatchTarget::Attr { slot, sub }))
            }
            PatchPath::Filtered {
                attr,
                filter,
                sub_attr,
                ..
            } => {
                let Some(slot) = validator.slot(attr.uri.as_deref(), &attr.name) else {
                    return Ok(None);
                };
                let attribute = slot.attribute;
                if !attribute.is_multi_valued() || attribute.kind() != AttributeType::Complex {
                    return Err(PatchErrorKind::NeedsFilter(slot.label().to_string()));
                }
                let selector = resolve_value_path(&attr, &filter, registry, resource_type)
                    .map_err(PatchErrorKind::Resolve)?;
                let sub = match sub_attr.as_deref() {
                    None => None,
                    Some(name) => match attribute.sub_attribute(name) {
                        Some(sub) => Some(sub),
                        None => return Ok(None),
                    },
                };
                Ok(Some(PatchTarget::Filtered {
                    slot,
                    selector: Box::new(selector),
                    filter: Box::new(filter.into_owned()),
                    sub,
                }))
            }
        }
    }
}

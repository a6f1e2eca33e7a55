//! A resource's response body with its memberships written straight into the serialised text.
//!
//! A group of 100,000 members as JSON maps (one per member, with its `$ref`) takes about ten
//! times the text it serialises to. When the projection returns `members` (or a user's
//! `groups`) whole, the store hands them over apart ([`Memberships::Apart`]) and [`Rendered`]
//! writes each element as today's map would serialise: `value`, `$ref`, `display` when there
//! is one, `type`, in the place the attribute has in the resource (just before `meta`). Any
//! other projection takes the general path: the memberships are put back into the resource
//! and projected like every other attribute.
//!
//! [`Memberships::Apart`]: scim_store::Memberships::Apart

use scim_core::projection::Projection;
use scim_core::schema::ResourceKind;
use scim_store::{Link, Linked, Links, StoredResource};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::resources::render;

/// What the projection leaves of a resource besides its memberships: a guess at its length.
pub(crate) const DOCUMENT_HINT: usize = 512;

/// The JSON of a stored resource under a projection, with `meta.location` and `$ref`s: the
/// same text [`render`] produces for the resource with its memberships inline.
#[derive(Debug)]
pub(crate) struct Rendered {
    body: Map<String, Value>,
    links: Option<(Links, String)>,
}

impl Rendered {
    /// Renders `stored`, whose memberships may have been read apart (`links`).
    pub(crate) fn new(stored: StoredResource, projection: &Projection<'_>, location: &str) -> Self {
        let whole = stored
            .links
            .as_ref()
            .is_some_and(|links| projection.returns_whole(None, links.attribute.name()));
        let (resource, links) = if whole {
            (stored.resource, stored.links)
        } else {
            (stored.into_inline().resource, None)
        };
        Self {
            body: render(resource, projection, location),
            links: links.map(|links| (links, root(location).to_owned())),
        }
    }

    /// About how long the serialised text is, to size the buffer it is written to.
    pub(crate) fn size_hint(&self) -> usize {
        let links = self.links.as_ref().map_or(0, |(links, root)| {
            links
                .items
                .iter()
                .map(|link| {
                    // `{"value":"","$ref":"//","display":"","type":""},` is 48 bytes.
                    48 + 2 * link.value.len()
                        + root.len()
                        + "Groups".len()
                        + link.display.as_ref().map_or(0, String::len)
                        + link.kind.len()
                })
                .sum()
        });
        DOCUMENT_HINT + links
    }
}

/// The root of a `meta.location` (`<root>/<Endpoint>/<id>`): where `$ref`s point under.
pub(crate) fn root(location: &str) -> &str {
    location.rsplitn(3, '/').nth(2).unwrap_or_default()
}

impl Serialize for Rendered {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some((links, root)) = &self.links else {
            return self.body.serialize(serializer);
        };
        let elements = Elements {
            attribute: links.attribute,
            items: &links.items,
            root,
        };
        let mut pending = Some(&elements);
        let mut map = serializer.serialize_map(Some(self.body.len() + 1))?;
        for (key, value) in &self.body {
            if key == "meta"
                && let Some(elements) = pending.take()
            {
                map.serialize_entry(elements.attribute.name(), elements)?;
            }
            map.serialize_entry(key, value)?;
        }
        if let Some(elements) = pending {
            map.serialize_entry(elements.attribute.name(), elements)?;
        }
        map.end()
    }
}

/// The elements of `members` or `groups`, each with its `$ref`.
struct Elements<'a> {
    attribute: Linked,
    items: &'a [Link],
    root: &'a str,
}

impl Serialize for Elements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.items.len()))?;
        for link in self.items {
            seq.serialize_element(&Element {
                link,
                endpoint: endpoint(self.attribute, &link.kind),
                root: self.root,
            })?;
        }
        seq.end()
    }
}

/// Where the far side of a link is found: a user's groups are groups; a group's members say
/// what they are (and get no `$ref` if they say something else).
pub(crate) fn endpoint(attribute: Linked, kind: &str) -> Option<&'static str> {
    match (attribute, ResourceKind::of(kind)) {
        (Linked::Members, ResourceKind::User) => Some("Users"),
        (Linked::Members, ResourceKind::Group) | (Linked::Groups, _) => Some("Groups"),
        (Linked::Members, ResourceKind::Other) => None,
    }
}

struct Element<'a> {
    link: &'a Link,
    endpoint: Option<&'static str>,
    root: &'a str,
}

impl Serialize for Element<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let link = self.link;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("value", &link.value)?;
        if let Some(endpoint) = self.endpoint {
            map.serialize_entry(
                "$ref",
                &Collected(format_args!("{}/{endpoint}/{}", self.root, link.value)),
            )?;
        }
        if let Some(display) = &link.display {
            map.serialize_entry("display", display)?;
        }
        map.serialize_entry("type", &link.kind)?;
        map.end()
    }
}

/// A string written from its `Display`, without building it first.
struct Collected<'a>(std::fmt::Arguments<'a>);

impl Serialize for Collected<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[cfg(test)]
mod tests;

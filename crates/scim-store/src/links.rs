//! Memberships returned apart from a resource's JSON: a Group's `members` or a User's
//! `groups` as three strings each, for callers that write them out themselves.

use serde_json::{Map, Value};

/// Which multi-valued attribute a resource's [`Links`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Linked {
    /// A Group's `members`.
    Members,
    /// A User's `groups`.
    Groups,
}

impl Linked {
    /// The attribute's name: `members` or `groups`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Groups => "groups",
        }
    }
}

/// One membership: the resource on the far side, as one element of `members` or `groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The far side's id (the element's `value`).
    pub value: String,
    /// The element's `type`: `User` or `Group` for a member, `direct` for a user's group.
    pub kind: String,
    /// The element's `display`, if it has one.
    pub display: Option<String>,
}

impl Link {
    /// The element as it appears in the resource's JSON: `value`, then `display` when there
    /// is one, then `type`.
    ///
    /// ```
    /// use scim_store::Link;
    /// use serde_json::json;
    ///
    /// let link = Link { value: "2819c223".into(), kind: "User".into(), display: None };
    /// assert_eq!(link.into_json(), json!({"value": "2819c223", "type": "User"}));
    /// ```
    pub fn into_json(self) -> Value {
        let mut element = Map::with_capacity(3);
        element.insert("value".to_owned(), Value::String(self.value));
        if let Some(display) = self.display {
            element.insert("display".to_owned(), Value::String(display));
        }
        element.insert("type".to_owned(), Value::String(self.kind));
        Value::Object(element)
    }
}

/// A resource's memberships, loaded apart from its JSON because the read asked for
/// [`Memberships::Apart`](crate::Memberships::Apart).
///
/// A JSON object per element costs about ten times the element's text; a group of 100,000
/// members held as `Links` costs about as much as its members' ids and names.
/// [`StoredResource::into_inline`](crate::StoredResource::into_inline) puts them back where
/// [`Memberships::Inline`](crate::Memberships::Inline) would have put them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The attribute they are.
    pub attribute: Linked,
    /// The elements, in the order the resource's JSON would list them; never empty.
    pub items: Vec<Link>,
}

impl Links {
    /// The attribute's value as the resource's JSON holds it: an array of elements.
    pub fn into_json(self) -> Value {
        Value::Array(self.items.into_iter().map(Link::into_json).collect())
    }
}

//! The tenant policies a write must respect, and what they add to it.

use std::collections::HashSet;

use scim_core::schema::{ResourceKind, ResourceType};
use scim_core::{ScimError, ScimType};
use serde_json::{Map, Value};

use crate::model::Actor;
use crate::{StoreError, Tenant};

/// A member a client names: its id, and the display name it gave, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewMember {
    /// The member's id (the element's `value`).
    pub(crate) id: String,
    /// The element's `display`, kept as given (RFC 7643 §2.4: set when the element is added).
    pub(crate) display: Option<String>,
}

impl NewMember {
    /// The members named by `members` elements, each id once (the first element wins), or an
    /// `invalidValue` error for an element without a string `value`.
    pub(crate) fn from_elements<'v>(
        elements: impl IntoIterator<Item = &'v Value>,
    ) -> Result<Vec<Self>, ScimError> {
        let mut members: Vec<Self> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for element in elements {
            let id = element
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ScimError::new(
                        ScimType::InvalidValue,
                        "every member needs a \"value\": the member's id",
                    )
                })?;
            if !seen.insert(id) {
                continue;
            }
            let display = element
                .get("display")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(str::to_owned);
            members.push(Self {
                id: id.to_owned(),
                display,
            });
        }
        Ok(members)
    }

    /// The ids of `members`.
    pub(crate) fn ids(members: &[Self]) -> Vec<&str> {
        members.iter().map(|m| m.id.as_str()).collect()
    }
}

/// A change to a group's memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MemberChange {
    /// Add these members (present ones stay, with the display they had).
    Add(Vec<NewMember>),
    /// Remove these member ids (absent ones are ignored: identity providers retry).
    Remove(Vec<String>),
    /// Remove every member.
    RemoveAll,
    /// Make the members exactly these.
    ReplaceAll(Vec<NewMember>),
}

/// What the policies add to a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Effects {
    /// The user was deactivated and the tenant removes deactivated users from every group.
    pub(crate) leave_all_groups: bool,
}

/// Checks an update of a resource from `before` to `after` (both canonical documents without
/// `id`, `meta` and detached attributes) against the tenant's policies.
pub(crate) fn check(
    tenant: &Tenant,
    actor: Actor<'_>,
    resource_type: &ResourceType,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    protected: bool,
) -> Result<Effects, StoreError> {
    let locks = if actor.administrative {
        &[][..]
    } else {
        &tenant.settings.locked_attributes[..]
    };
    for locked in locks {
        if !locked
            .resource_type
            .eq_ignore_ascii_case(resource_type.name())
        {
            continue;
        }
        if value_at(before, &locked.path) != value_at(after, &locked.path) {
            return Err(ScimError::new(
                ScimType::Mutability,
                format!(
                    "{} is managed by the application for this organisation and cannot be changed through SCIM",
                    locked.path
                ),
            )
            .into());
        }
    }
    let mut effects = Effects::default();
    if resource_type.kind() == ResourceKind::User && is_deactivation(before, after) {
        if protected {
            return Err(StoreError::Protected {
                id: id_of(before),
                action: "deactivate",
            });
        }
        effects.leave_all_groups = tenant.settings.deactivation_removes_memberships;
    }
    Ok(effects)
}

fn id_of(body: &Map<String, Value>) -> String {
    body.get("id")
        .and_then(Value::as_str)
        .unwrap_or("the organisation owner")
        .to_owned()
}

/// `active` goes from true (or unset, which RFC 7643 leaves to the provider; it is treated as
/// active) to false.
fn is_deactivation(before: &Map<String, Value>, after: &Map<String, Value>) -> bool {
    let active =
        |body: &Map<String, Value>| body.get("active").and_then(Value::as_bool) != Some(false);
    active(before) && !active(after)
}

/// The value at a locked attribute's path: `attr`, `attr.sub` or `urn:...:attr[.sub]`, keys
/// compared ignoring case.
fn value_at<'v>(body: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let (container, rest) = match path.rfind(':') {
        Some(colon) => {
            let (urn, rest) = (&path[..colon], &path[colon + 1..]);
            match get_ignoring_case(body, urn) {
                Some(Value::Object(extension)) => (extension, rest),
                _ => return None,
            }
        }
        None => (body, path),
    };
    let mut parts = rest.splitn(2, '.');
    let top = get_ignoring_case(container, parts.next()?)?;
    match parts.next() {
        None => Some(top),
        Some(sub) => match top {
            Value::Object(object) => get_ignoring_case(object, sub),
            _ => None,
        },
    }
}

fn get_ignoring_case<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The top-level attributes whose values differ between two documents, in a stable order.
pub(crate) fn changed_attributes(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Vec<String> {
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(value))
        .map(|(key, _)| key.clone())
        .collect();
    changed.extend(
        before
            .keys()
            .filter(|key| !after.contains_key(*key))
            .cloned(),
    );
    changed.retain(|key| key != "id" && key != "meta");
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn locked_paths_reach_sub_attributes_and_extensions() {
        let body = object(json!({
            "name": {"givenName": "Babs"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
        }));
        assert_eq!(value_at(&body, "name.GIVENNAME"), Some(&json!("Babs")));
        assert_eq!(
            value_at(
                &body,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            ),
            Some(&json!("Sales"))
        );
        assert_eq!(value_at(&body, "emails"), None);
    }

    #[test]
    fn deactivation_is_a_move_to_false() {
        let on = object(json!({"active": true}));
        let off = object(json!({"active": false}));
        let unset = object(json!({}));
        assert!(is_deactivation(&on, &off));
        assert!(is_deactivation(&unset, &off));
        assert!(!is_deactivation(&off, &off));
        assert!(!is_deactivation(&off, &on));
    }

    #[test]
    fn changed_attributes_lists_added_changed_and_removed_keys() {
        let before = object(json!({"userName": "a", "title": "x", "nickName": "n"}));
        let after = object(json!({"userName": "a", "title": "y", "locale": "en"}));
        assert_eq!(
            changed_attributes(&before, &after),
            ["title", "locale", "nickName"]
        );
    }
}

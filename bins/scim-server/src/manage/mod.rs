//! The management operations: one implementation behind both the admin API (`/admin/v1`,
//! `http::manage`) and the command line (`commands`), so that the two cannot behave
//! differently.
//!
//! Each operation is a plain function over a [`Store`](scim_store::Store) (and the parts of the
//! configuration it needs) with typed input, a typed, serialisable output (the admin API's JSON
//! body; the command line prints the same JSON or a table of it), and one error type,
//! [`ManageError`], that names the input at fault. Who acts is a parameter
//! ([`EventActor::Admin`] for the admin API,
//! [`EventActor::Cli`] for the command line), so the change log
//! says where each change came from.
//!
//! Member names of every output are `snake_case`; the names of SCIM attributes inside them
//! (`userName`, `displayName`, `externalId` in events and the access report) keep their SCIM
//! spelling, since they are data, not API.

pub mod console;
pub mod events;
pub mod groups;
pub mod people;
pub mod subscriptions;
pub mod tenants;
pub mod tokens;

use scim_store::{Actor, EventActor, StoreError, TenantId};
use serde::Serialize;

/// Why a management operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// An input is not of the expected form (not a number, an unknown member): 400.
    #[error("{field}: {reason}")]
    Malformed {
        /// The input at fault: a body member (`url`, `events[2]`), a query parameter (`limit`) or
        /// a path parameter.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An input is well formed but cannot be accepted (a URL scheme not allowed, an unknown
    /// event type, a user that does not exist): 422.
    #[error("{field}: {reason}")]
    Invalid {
        /// The input at fault.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The tenant does not exist: 404.
    #[error("there is no tenant {0}")]
    TenantNotFound(String),
    /// The tenant has no token or subscription with this id: 404.
    #[error("there is no {kind} {id} in this tenant")]
    NotFound {
        /// `token` or `subscription`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A tenant with this id exists already: 409.
    #[error("tenant {0} exists already")]
    TenantExists(String),
    /// The store failed, or refused a write for a reason of its own.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A SCIM key could not be issued.
    #[error(transparent)]
    Issue(#[from] crate::auth::IssueError),
    /// A subscription's signing secret could not be made (no randomness): 503.
    #[error(transparent)]
    Secret(#[from] crate::delivery::SecretError),
    /// The operation does not apply to this subscription as it is (a test push to a poll
    /// subscription): 409.
    #[error("{0}")]
    Conflict(String),
    /// A test event could not be signed (the event-signing key is unavailable): 503.
    #[error(transparent)]
    Encode(#[from] crate::delivery::EncodeError),
}

impl ManageError {
    /// An input of the wrong form.
    pub fn malformed(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Malformed {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An input that cannot be accepted.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The input this error is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Malformed { field, .. } | Self::Invalid { field, .. } => Some(field),
            Self::TenantNotFound(_) => Some("tenant"),
            Self::NotFound { .. } | Self::TenantExists(_) => Some("id"),
            Self::Store(_)
            | Self::Issue(_)
            | Self::Secret(_)
            | Self::Conflict(_)
            | Self::Encode(_) => None,
        }
    }
}

/// A tenant id from text: a malformed one names no tenant, so it is not found rather than bad
/// input (as in a URL path). Where a new tenant is named, use [`new_tenant_id`].
pub fn tenant_id(text: &str) -> Result<TenantId, ManageError> {
    TenantId::new(text).map_err(|_| ManageError::TenantNotFound(text.to_owned()))
}

/// The id of a tenant to create, from the input `field`.
pub fn new_tenant_id(field: &str, text: &str) -> Result<TenantId, ManageError> {
    TenantId::new(text).map_err(|e| ManageError::invalid(field, e.to_string()))
}

/// The tenant, or [`ManageError::TenantNotFound`].
pub fn require_tenant(
    store: &dyn scim_store::Store,
    tenant: &TenantId,
) -> Result<scim_store::Tenant, ManageError> {
    store
        .tenant(tenant)?
        .ok_or_else(|| ManageError::TenantNotFound(tenant.to_string()))
}

/// The store's actor for a change `by` makes to `tenant`'s resources, outside any SCIM key's
/// policies (pre-creating groups).
pub(crate) fn administrator<'a>(tenant: &'a TenantId, by: &'a EventActor) -> Actor<'a> {
    match by {
        EventActor::Token(id) => Actor::administrator(tenant).with_token(id),
        EventActor::Admin => Actor::administrator(tenant).through_admin_api(),
        EventActor::Cli => Actor::administrator(tenant),
    }
}

/// How many items a page of a list holds unless asked otherwise.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most items a page of a list holds.
pub const MAX_LIMIT: u32 = 1000;

/// Which page of a list: the items after `after` (an id, in the list's order), at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// The last id of the previous page; `None` for the first page.
    pub after: Option<String>,
    /// How many items at most (1 to [`MAX_LIMIT`]).
    pub limit: u32,
}

impl PageRequest {
    /// Everything, in one page (for the command line).
    pub fn all() -> Self {
        Self {
            after: None,
            limit: u32::MAX,
        }
    }

    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(DEFAULT_LIMIT)
    }
}

/// A page of a list, in id order, and the id to continue after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    /// The items.
    pub items: Vec<T>,
    /// The `after` of the next page, or `None` when this page is the last.
    pub next_after: Option<String>,
}

/// Cuts the page `page` asks for out of `items`, ordered by `id` (byte order, as the store
/// orders text): the ones whose id comes after `page.after`, at most `page.limit` of them.
/// Keyset rather than offset pagination, so that an item created or deleted meanwhile never
/// shifts another to the next page or the previous one.
pub(crate) fn paginate<T>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> &str,
    page: &PageRequest,
) -> Paged<T> {
    items.sort_by(|a, b| id(a).as_bytes().cmp(id(b).as_bytes()));
    if let Some(after) = &page.after {
        items.retain(|item| id(item).as_bytes() > after.as_bytes());
    }
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let more = items.len() > limit;
    items.truncate(limit);
    let next_after = more
        .then(|| items.last().map(|item| id(item).to_owned()))
        .flatten();
    Paged { items, next_after }
}

/// The most projects (or roles) one request names: each pair becomes a group, so a request's
/// work stays bounded (20 x 20 = 400 groups).
pub const MAX_NAMES: usize = 20;

/// Checks a list of project or role names given as the input `field`.
pub(crate) fn check_names(field: &str, names: &[String]) -> Result<(), ManageError> {
    if names.len() > MAX_NAMES {
        return Err(ManageError::invalid(
            field,
            format!("at most {MAX_NAMES} names at once"),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        check_name(&format!("{field}[{i}]"), name)?;
    }
    Ok(())
}

/// Checks a name given to a project, a role or a group prefix: it becomes part of group names.
pub(crate) fn check_name(field: &str, name: &str) -> Result<(), ManageError> {
    if name.trim().is_empty() {
        return Err(ManageError::invalid(field, "must not be blank"));
    }
    if name.chars().count() > 100 {
        return Err(ManageError::invalid(
            field,
            "must be at most 100 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ManageError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A duration written as `90d`, `12h`, `30m` or `3600s`, from the input `field`, at most
/// `max` (`too_long` says why when it is more).
pub(crate) fn duration_up_to(
    field: &str,
    text: &str,
    max: chrono::Duration,
    too_long: &str,
) -> Result<chrono::Duration, ManageError> {
    let duration = crate::auth::parse_duration(text).map_err(|e| ManageError::invalid(field, e))?;
    if duration > max {
        return Err(ManageError::invalid(field, too_long));
    }
    Ok(duration)
}

/// Checks a free-text note (a description).
pub(crate) fn check_note(field: &str, note: &str) -> Result<(), ManageError> {
    if note.chars().count() > 500 {
        return Err(ManageError::invalid(
            field,
            "must be at most 500 characters",
        ));
    }
    if note.contains('\0') {
        return Err(ManageError::invalid(field, "must not contain U+0000"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_continue_after_the_last_id_even_when_items_come_and_go() {
        fn ids(paged: &Paged<&'static str>) -> Vec<&'static str> {
            paged.items.clone()
        }
        let all = vec!["c", "a", "e", "b", "d"];
        let first = paginate(all.clone(), |s| s, &PageRequest::first(2));
        assert_eq!(ids(&first), ["a", "b"]);
        assert_eq!(first.next_after.as_deref(), Some("b"));
        // "b" is deleted and "bb" created before the next page is asked for.
        let changed = vec!["c", "a", "e", "bb", "d"];
        let second = paginate(
            changed,
            |s| s,
            &PageRequest {
                after: first.next_after.clone(),
                limit: 2,
            },
        );
        assert_eq!(ids(&second), ["bb", "c"]);
        let last = paginate(
            all,
            |s| s,
            &PageRequest {
                after: Some("c".into()),
                limit: 2,
            },
        );
        assert_eq!(ids(&last), ["d", "e"]);
        assert_eq!(last.next_after, None, "no page after the last");
    }
}

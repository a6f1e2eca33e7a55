//! The event feed: a tenant's change log after a sequence number, one page at a time.
//!
//! Waiting for new events (the admin API's `wait`, the command line's `--follow`) belongs to
//! the callers: the admin API waits on the commit signals without holding a thread, the command
//! line polls the database. Both read pages with [`page`].

use scim_core::filter::{AttrPath, CompValue, Filter};
use scim_store::{ActorFilter, Event, EventActor, EventQuery, EventType, Store, TenantId};
use serde::Serialize;
use serde_json::Value;

use super::{DEFAULT_LIMIT, MAX_LIMIT, ManageError};

/// The longest a request may wait for events, in seconds. Longer waits are refused rather than
/// shortened, so that a client never mistakes a shortened wait for a quiet feed.
pub const MAX_WAIT_SECONDS: u64 = 30;

/// Which events to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedRequest {
    /// Events after this sequence number (0: from the start of what the log keeps).
    pub after: i64,
    /// At most this many (1 to [`MAX_LIMIT`]).
    pub limit: u32,
    /// Whether created and updated events carry the resource as stored (`data`).
    pub full: bool,
}

impl Default for FeedRequest {
    fn default() -> Self {
        Self {
            after: 0,
            limit: DEFAULT_LIMIT,
            full: false,
        }
    }
}

impl FeedRequest {
    /// Checks the request's values, naming the one at fault.
    pub fn check(&self) -> Result<(), ManageError> {
        if self.after < 0 {
            return Err(ManageError::malformed("after", "must be 0 or more"));
        }
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(ManageError::malformed(
                "limit",
                format!("must be 1 to {MAX_LIMIT}"),
            ));
        }
        Ok(())
    }
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedPage {
    /// The events, in sequence order, in their wire form (docs/events.md).
    pub events: Vec<Value>,
    /// Where to continue: the last event's `seq`, or the request's `after` when there was none.
    pub next_after: i64,
}

/// The events of `tenant` that `request` asks for. The tenant is not looked up (a tenant
/// without events and one that does not exist read alike): check it once with
/// [`super::require_tenant`] before reading, not on every poll.
pub fn page(
    store: &dyn Store,
    tenant: &TenantId,
    request: &FeedRequest,
) -> Result<FeedPage, ManageError> {
    request.check()?;
    let events = store.events(tenant, request.after, request.limit)?;
    let next_after = events.last().map_or(request.after, |e| e.seq);
    Ok(FeedPage {
        events: events.iter().map(|e| e.to_json(request.full)).collect(),
        next_after,
    })
}

/// The most events one page of the activity holds.
pub const MAX_ACTIVITY_PAGE: u32 = 200;

/// A page of a tenant's activity: its change log newest first, filtered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivityRequest {
    /// Only these types; empty: every type.
    pub types: Vec<EventType>,
    /// Only events about this person (a userName, or any resource's id), their groups' member
    /// and access events included.
    pub person: Option<String>,
    /// Only changes made by this key (its id), or by `admin` or `cli`.
    pub key: Option<String>,
    /// Only events before this sequence number (the next page).
    pub before: Option<i64>,
    /// Only events after this sequence number (what is new).
    pub after: Option<i64>,
    /// At most this many (1 to [`MAX_ACTIVITY_PAGE`]).
    pub limit: u32,
}

/// A page of activity, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityPage {
    /// The events.
    pub events: Vec<Event>,
    /// The `before` of the next (older) page, when there may be one. A page filtered by type
    /// or key alone looks through [`ACTIVITY_SCAN_WINDOW`] events, and may hold fewer than its
    /// limit and still continue.
    pub next_before: Option<i64>,
}

impl Serialize for ActivityPage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        let events: Vec<Value> = self.events.iter().map(|e| e.to_json(false)).collect();
        map.serialize_entry("events", &events)?;
        map.serialize_entry("next_before", &self.next_before)?;
        map.end()
    }
}

/// The longest text a filter of the activity takes.
const MAX_FILTER_TEXT: usize = 256;

/// Event types from their names, for the input `field`.
pub fn activity_types(field: &str, names: &[String]) -> Result<Vec<EventType>, ManageError> {
    names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|name| {
            EventType::parse(name).ok_or_else(|| {
                ManageError::invalid(
                    field,
                    format!(
                        "unknown event type {name:?}; the types are {}",
                        EventType::ALL.map(EventType::as_str).join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// A page of the tenant's activity. A person is named by userName (looked up, ignoring case)
/// or by id (which also finds the events of a deleted user, a group or a key).
pub fn activity(
    store: &dyn Store,
    tenant: &TenantId,
    request: &ActivityRequest,
) -> Result<ActivityPage, ManageError> {
    activity_within(store, tenant, request, ACTIVITY_SCAN_WINDOW)
}

/// [`activity`], looking through `scan_window` events per page when filtering by type or actor.
fn activity_within(
    store: &dyn Store,
    tenant: &TenantId,
    request: &ActivityRequest,
    scan_window: i64,
) -> Result<ActivityPage, ManageError> {
    if !(1..=MAX_ACTIVITY_PAGE).contains(&request.limit) {
        return Err(ManageError::malformed(
            "limit",
            format!("must be 1 to {MAX_ACTIVITY_PAGE}"),
        ));
    }
    for (field, value) in [("person", &request.person), ("key", &request.key)] {
        if value
            .as_ref()
            .is_some_and(|v| v.len() > MAX_FILTER_TEXT || v.contains('\0'))
        {
            return Err(ManageError::malformed(
                field,
                format!("must be at most {MAX_FILTER_TEXT} bytes, without U+0000"),
            ));
        }
    }
    super::require_tenant(store, tenant)?;
    let subject = match request.person.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(person) => Some(person_id(store, tenant, person)?),
    };
    let actor = match request.key.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(key) => Some(ActorFilter::Is(EventActor::parse(key))),
    };
    // A person's events are found by index; types and actors are not indexed (every write
    // would pay for it), so those filters alone look through a window of the log per page.
    let scanned = subject.is_none() && (!request.types.is_empty() || actor.is_some());
    let window_start = if scanned {
        window_start(store, tenant, request, scan_window)?
    } else {
        None
    };
    let events = store.recent_events(
        tenant,
        &EventQuery {
            types: request.types.clone(),
            resource_id: None,
            subject,
            actor,
            before: request.before,
            after: window_start.map(|start| start - 1).max(request.after),
            limit: request.limit,
        },
    )?;
    let full = events.len() == request.limit as usize;
    let next_before = if full {
        events.last().map(|e| e.seq)
    } else {
        // The window ended the search before the log did: older events may match.
        window_start.filter(|start| *start > request.after.unwrap_or(0) + 1)
    };
    Ok(ActivityPage {
        events,
        next_before,
    })
}

/// How many events one page of the activity looks through when filtering by type or actor.
pub const ACTIVITY_SCAN_WINDOW: i64 = 50_000;

/// The first `seq` of the window a filtered page looks through: the `scan_window` events before
/// `request.before` (or the newest), or `None` when the log holds no more than that.
fn window_start(
    store: &dyn Store,
    tenant: &TenantId,
    request: &ActivityRequest,
    scan_window: i64,
) -> Result<Option<i64>, ManageError> {
    let end = match request.before {
        Some(before) => before,
        None => match crate::events::newest_event(store, tenant)? {
            Some(newest) => newest.seq.saturating_add(1),
            None => return Ok(None),
        },
    };
    let start = end.saturating_sub(scan_window);
    // Below the oldest event the log keeps (older ones are pruned) there is nothing to look for.
    let oldest = store
        .events(tenant, 0, 1)?
        .first()
        .map_or(i64::MAX, |e| e.seq);
    Ok((start > oldest).then_some(start))
}

/// The id of the user called `person`, or `person` itself taken as an id.
fn person_id(store: &dyn Store, tenant: &TenantId, person: &str) -> Result<String, ManageError> {
    let query = scim_store::Query {
        filter: Some(Filter::equals(
            AttrPath::name("userName"),
            CompValue::String(person.to_owned().into()),
        )),
        count: Some(1),
        ..scim_store::Query::default()
    };
    let found = store.query(
        tenant,
        "User",
        &query,
        scim_store::ReadOptions::DOCUMENT_ONLY,
    )?;
    Ok(found
        .resources
        .first()
        .and_then(|u| u.resource.id())
        .unwrap_or(person)
        .to_owned())
}

#[cfg(test)]
mod tests {
    use scim_store::Actor;
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_by_type_look_through_a_window_per_page_and_continue_below_it() {
        let (store, tenant) = crate::test_store::store_with_acme();
        // Events 1-3: the users created; 4: one deleted; 5-12: others created.
        let mut ids = Vec::new();
        for n in 0..3 {
            let user = json!({"userName": format!("early{n}@example.com")});
            ids.push(
                store
                    .create(Actor::tenant(&tenant), "User", &user)
                    .unwrap()
                    .id,
            );
        }
        store
            .delete(Actor::tenant(&tenant), "User", &ids[0], None)
            .unwrap();
        for n in 0..8 {
            let user = json!({"userName": format!("late{n}@example.com")});
            store.create(Actor::tenant(&tenant), "User", &user).unwrap();
        }
        let deleted = |before: Option<i64>| {
            activity_within(
                &*store,
                &tenant,
                &ActivityRequest {
                    types: vec![EventType::UserDeleted],
                    before,
                    limit: 10,
                    ..ActivityRequest::default()
                },
                5,
            )
            .unwrap()
        };
        let newest = deleted(None);
        assert!(newest.events.is_empty(), "events 8-12 hold no deletion");
        assert_eq!(newest.next_before, Some(8));
        let older = deleted(newest.next_before);
        assert_eq!(
            older.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![4]
        );
        assert_eq!(older.next_before, Some(3), "events 1-2 are left to look at");
        let oldest = deleted(older.next_before);
        assert!(oldest.events.is_empty());
        assert_eq!(
            oldest.next_before, None,
            "the window reached the first event"
        );

        // Unfiltered pages and a person's events are read by index, without a window.
        let everything = activity_within(
            &*store,
            &tenant,
            &ActivityRequest {
                limit: 20,
                ..ActivityRequest::default()
            },
            5,
        )
        .unwrap();
        assert_eq!(everything.events.len(), 12);
        assert_eq!(everything.next_before, None);
    }
}

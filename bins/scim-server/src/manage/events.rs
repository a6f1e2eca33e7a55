//! The event feed: a tenant's change log after a sequence number, one page at a time.
//!
//! Waiting for new events (the admin API's `wait`, the command line's `--follow`) belongs to
//! the callers: the admin API waits on the commit signals without holding a thread, the command
//! line polls the database. Both read pages with [`page`].

use scim_store::{Store, TenantId};
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

//! Time and identifiers are parameters, so that tests are deterministic.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's real-time clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock for tests that advances by one millisecond every time it is read.
///
/// ```
/// use scim_store::{Clock, SteppingClock};
/// let clock = SteppingClock::starting_at(1_700_000_000_000);
/// assert!(clock.now() < clock.now());
/// ```
#[derive(Debug)]
pub struct SteppingClock {
    next_millis: AtomicI64,
}

impl SteppingClock {
    /// A clock whose first reading is `millis` after the Unix epoch.
    pub fn starting_at(millis: i64) -> Self {
        Self {
            next_millis: AtomicI64::new(millis),
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let millis = self.next_millis.fetch_add(1, Ordering::Relaxed);
        DateTime::from_timestamp_millis(millis).unwrap_or_default()
    }
}

/// A source of new resource ids.
pub trait IdGenerator: Send + Sync {
    /// A new id, unique within the store.
    fn new_id(&self) -> String;
}

/// UUID version 7 ids: unique, and ordered by creation time, which keeps index inserts local.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }
}

/// Microseconds since the Unix epoch: how the store keeps instants.
pub(crate) fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The inverse of [`to_micros`].
pub(crate) fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

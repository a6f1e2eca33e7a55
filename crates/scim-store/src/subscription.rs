//! Subscriptions to a tenant's events: where they go, in which form, and how far they got.
//!
//! A push subscription is delivered by the server's delivery workers: at least once, in `seq`
//! order, from a cursor kept here, by whichever instance holds the subscription's lease. A poll
//! subscription (RFC 8936) is read by its receiver, which acknowledges what it processed.

use chrono::{DateTime, Utc};

use crate::{EventType, TenantId};

/// How events are encoded for a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFormat {
    /// The event's JSON, signed by the Standard Webhooks scheme.
    Json,
    /// An RFC 9967 Security Event Token (a JWT signed with the server's event key).
    Set,
}

impl EventFormat {
    /// The format's name: `json` or `set`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Set => "set",
        }
    }

    /// The format named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "json" => Some(Self::Json),
            "set" => Some(Self::Set),
            _ => None,
        }
    }
}

/// How events reach the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryMethod {
    /// The server sends each event to the subscription's URL (RFC 8935 for SETs).
    Push,
    /// The receiver fetches events and acknowledges them (RFC 8936).
    Poll,
}

impl DeliveryMethod {
    /// The method's name: `push` or `poll`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::Poll => "poll",
        }
    }

    /// The method named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "push" => Some(Self::Push),
            "poll" => Some(Self::Poll),
            _ => None,
        }
    }
}

/// A subscription as it is about to be created.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSubscription {
    /// Its id.
    pub id: String,
    /// The tenant whose events it receives.
    pub tenant: TenantId,
    /// Where push deliveries go (for a poll subscription, the receiver's own address, kept
    /// for reference and as the default audience).
    pub url: String,
    /// The encoding.
    pub format: EventFormat,
    /// Push or poll.
    pub delivery: DeliveryMethod,
    /// The event types it receives; empty: all.
    pub event_types: Vec<EventType>,
    /// Whether created and updated events carry the resource as stored.
    pub full: bool,
    /// The signing secret of Standard Webhooks (`whsec_...`), and the bearer credential a
    /// poll receiver presents.
    pub secret: String,
    /// The `aud` of its SETs; the URL when absent.
    pub audience: Option<String>,
    /// A note for operators.
    pub description: String,
    /// Whether deliveries run.
    pub enabled: bool,
    /// The last sequence number it is considered to have received: events after it are
    /// delivered. `None`: from the tenant's next event on.
    pub after: Option<i64>,
}

impl std::fmt::Debug for NewSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSubscription")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("url", &self.url)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// How a subscription's deliveries are going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionState {
    /// Delivering, or waiting for events.
    Healthy,
    /// The last attempts failed; retrying with backoff.
    Retrying,
    /// Failing for days: still retried, at long intervals, and its events are kept.
    Failing,
    /// The receiver answered 410 Gone: deliveries stopped until it is enabled again.
    Gone,
}

impl SubscriptionState {
    /// The state's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Retrying => "retrying",
            Self::Failing => "failing",
            Self::Gone => "gone",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "healthy" => Some(Self::Healthy),
            "retrying" => Some(Self::Retrying),
            "failing" => Some(Self::Failing),
            "gone" => Some(Self::Gone),
            _ => None,
        }
    }
}

/// A stored subscription.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id.
    pub id: String,
    /// The tenant.
    pub tenant: TenantId,
    /// The receiver's URL.
    pub url: String,
    /// The encoding.
    pub format: EventFormat,
    /// Push or poll.
    pub delivery: DeliveryMethod,
    /// The event types it receives; empty: all.
    pub event_types: Vec<EventType>,
    /// Whether created and updated events carry the resource as stored.
    pub full: bool,
    /// The signing secret (and a poll receiver's credential). Never logged.
    pub secret: String,
    /// The `aud` of its SETs; the URL when absent.
    pub audience: Option<String>,
    /// A note for operators.
    pub description: String,
    /// Whether deliveries run.
    pub enabled: bool,
    /// How deliveries are going.
    pub state: SubscriptionState,
    /// The last sequence number delivered (acknowledged).
    pub cursor: i64,
    /// Consecutive failed attempts.
    pub attempts: u32,
    /// When the current run of failures began.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// What the last failure was.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed by an operator.
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// Whether it receives events of `event_type`.
    pub fn wants(&self, event_type: EventType) -> bool {
        self.event_types.is_empty() || self.event_types.contains(&event_type)
    }

    /// The `aud` of its SETs.
    pub fn audience(&self) -> &str {
        self.audience.as_deref().unwrap_or(&self.url)
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches logs.
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("url", &self.url)
            .field("format", &self.format)
            .field("delivery", &self.delivery)
            .field("enabled", &self.enabled)
            .field("state", &self.state)
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

/// An operator's change to a subscription: each `Some` replaces that setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionChange {
    /// A new URL.
    pub url: Option<String>,
    /// New event types (empty: all).
    pub event_types: Option<Vec<EventType>>,
    /// Whether created and updated events carry the resource.
    pub full: Option<bool>,
    /// Turns deliveries on or off. Turning them on clears a failure or a 410.
    pub enabled: Option<bool>,
    /// A new audience (`Some(None)` removes it).
    pub audience: Option<Option<String>>,
    /// A new note.
    pub description: Option<String>,
}

/// One attempt to deliver to a subscription, for its delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The attempt's id.
    pub id: String,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The event it carried (none for a test event).
    pub event_id: Option<String>,
    /// The event's sequence number.
    pub seq: Option<i64>,
    /// The HTTP status answered, if one was.
    pub status: Option<u16>,
    /// How long it took, in microseconds.
    pub latency_micros: i64,
    /// Whether it counts as delivered.
    pub delivered: bool,
    /// What went wrong (a transport error, an unexpected status).
    pub error: Option<String>,
    /// The first bytes of the response body.
    pub response_excerpt: Option<String>,
}

/// The most attempts a subscription's delivery log keeps; older ones are dropped.
pub const DELIVERY_LOG_LENGTH: i64 = 200;

/// How a delivery run ended, for [`AdminStore::finish_delivery`](crate::AdminStore::finish_delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryEnd {
    /// Everything up to the cursor was delivered; the lease is kept until `lease_until` (to
    /// go on at once) or released (`None`).
    Delivered {
        /// Keep the lease this long.
        lease_until: Option<DateTime<Utc>>,
    },
    /// An attempt failed: try again at `retry_at`. `failing_after` is how long failures may
    /// last before the subscription counts as failing.
    Failed {
        /// When to try again.
        retry_at: DateTime<Utc>,
        /// What went wrong.
        error: String,
        /// How long a run of failures lasts before the state is `failing`.
        failing_after: chrono::Duration,
    },
    /// The receiver answered 410 Gone: deliveries stop until an operator enables them again.
    Gone {
        /// What the receiver said.
        error: String,
    },
}

//! What the web console keeps: its sessions and one-time sign-in links, and the reads its pages
//! need that the SCIM queries do not answer (the change log newest first, a group's members a
//! page at a time).

use chrono::{DateTime, Utc};

use crate::{EventActor, EventType, TenantId};

/// Whom a console session acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleScope {
    /// An operator, signed in with the admin token: every tenant.
    Operator,
    /// An organisation's admin, signed in with a one-time link: this tenant only.
    Tenant(TenantId),
}

impl ConsoleScope {
    /// The tenant a session of this scope is limited to, if any.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Self::Operator => None,
            Self::Tenant(tenant) => Some(tenant),
        }
    }
}

/// A session about to be recorded. Only the hash of its id is stored: the id itself lives in the
/// browser's cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsoleSession {
    /// The SHA-256 of the session id, as lowercase hex.
    pub id_hash: String,
    /// Whom it acts for.
    pub scope: ConsoleScope,
    /// When it starts.
    pub created_at: DateTime<Utc>,
    /// When it ends, however active it is.
    pub expires_at: DateTime<Utc>,
}

/// A recorded console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The SHA-256 of the session id.
    pub id_hash: String,
    /// Whom it acts for.
    pub scope: ConsoleScope,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
    /// When it was last used (recorded at most about once a minute by the server).
    pub last_seen_at: DateTime<Utc>,
}

/// A one-time sign-in link about to be recorded: only the hash of its token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsoleLink {
    /// The SHA-256 of the link's token, as lowercase hex.
    pub token_hash: String,
    /// The tenant whose pages the session it opens may see.
    pub tenant: TenantId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working if unused.
    pub expires_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: EventActor,
}

/// Redeeming a link: the session it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRedemption {
    /// The SHA-256 of the link's token.
    pub token_hash: String,
    /// The SHA-256 of the new session's id.
    pub session_id_hash: String,
    /// Now: the link must not have expired, and is marked used at this time.
    pub at: DateTime<Utc>,
    /// When the new session ends.
    pub session_expires_at: DateTime<Utc>,
}

/// Which actors' events a [`EventQuery`] selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorFilter {
    /// This actor's.
    Is(EventActor),
    /// Any SCIM key's (an identity provider's), not `admin`'s nor `cli`'s.
    AnyKey,
}

/// The most events one [`EventQuery`] returns.
pub const MAX_EVENT_PAGE: u32 = 1000;

/// A selection of a tenant's change log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventQuery {
    /// Only events of these types; empty: every type.
    pub types: Vec<EventType>,
    /// Only events about the resource with this id (a user, a group, a key).
    pub resource_id: Option<String>,
    /// Only events about the resource with this id or listing it among the members or users
    /// they tell of: a person's history, with the groups they joined and the roles they got.
    pub subject: Option<String>,
    /// Only events of these actors.
    pub actor: Option<ActorFilter>,
    /// Only events before this sequence number (the next page of a newest-first list).
    pub before: Option<i64>,
    /// Only events after this sequence number (what is new since a page was shown).
    pub after: Option<i64>,
    /// At most this many (up to [`MAX_EVENT_PAGE`]).
    pub limit: u32,
}

/// A member of a group, as a page of members lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    /// The member's id.
    pub id: String,
    /// `User` or `Group`.
    pub member_type: String,
    /// A user's `userName` or a group's `displayName`.
    pub name: Option<String>,
    /// A user's `displayName`.
    pub display_name: Option<String>,
    /// Whether a user is active (`None` for a group).
    pub active: Option<bool>,
}

/// A page of a group's members, in member id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPage {
    /// The members.
    pub members: Vec<GroupMember>,
    /// How many members the group has in all.
    pub total: u64,
    /// The id to continue after, when there are more.
    pub next_after: Option<String>,
}

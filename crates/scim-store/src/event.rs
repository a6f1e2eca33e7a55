//! The change log: one event per successful write, appended in the write's own transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::TenantId;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// The resource was created.
    Create,
    /// The resource was replaced (PUT).
    Replace,
    /// The resource was patched.
    Patch,
    /// The resource was deleted.
    Delete,
}

impl Operation {
    /// The operation's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Replace => "replace",
            Self::Patch => "patch",
            Self::Delete => "delete",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "create" => Some(Self::Create),
            "replace" => Some(Self::Replace),
            "patch" => Some(Self::Patch),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// One entry of a tenant's change log.
///
/// Sequence numbers start at 1 and increase by one per write within a tenant, in commit order,
/// so a reader that remembers the last `seq` it saw never misses an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The position in the tenant's log.
    pub seq: i64,
    /// The tenant.
    pub tenant: TenantId,
    /// The resource type written.
    pub resource_type: String,
    /// The resource written.
    pub resource_id: String,
    /// What was done.
    pub operation: Operation,
    /// The resource's version after the write (the last version, for a delete).
    pub version: i64,
    /// The id of the token that acted, when the write came through an authenticated request.
    pub token_id: Option<String>,
    /// When the write happened.
    pub at: DateTime<Utc>,
    /// The top-level attributes the write changed (all present ones, for a create).
    pub changed: Vec<String>,
}

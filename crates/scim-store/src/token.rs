//! Records of issued SCIM keys (bearer tokens), for authentication and revocation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::TenantId;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read resources.
    Read,
    /// Create, change and delete resources.
    Write,
}

impl Scope {
    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    /// Parses a scope name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

/// A token as it is about to be recorded. The token itself is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// The token's id (the JWT `jti`).
    pub id: String,
    /// The tenant it acts for.
    pub tenant: TenantId,
    /// A hash of the token, for audit and for recognising it again.
    pub token_hash: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// A note for operators.
    pub description: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being valid, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A recorded token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's id (the JWT `jti`).
    pub id: String,
    /// The tenant it acts for.
    pub tenant: TenantId,
    /// The hash of the token.
    pub token_hash: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// A note for operators.
    pub description: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being valid, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a server last verified it (recorded at most once per verification-cache period per
    /// server process, so it may lag real use by that long).
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenRecord {
    /// Whether the token may be used at `now`: not revoked and not expired.
    pub fn is_usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

pub(crate) fn scopes_to_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn scopes_from_text(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

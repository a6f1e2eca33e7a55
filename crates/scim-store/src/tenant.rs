//! Tenants (organisations) and their provisioning policies.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A tenant's identifier: 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
///
/// ```
/// use scim_store::TenantId;
/// assert!(TenantId::new("acme-corp").is_ok());
/// assert!(TenantId::new("").is_err());
/// assert!(TenantId::new("a b").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

/// The error for a malformed tenant id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tenant ids are 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'; got {0:?}")]
pub struct InvalidTenantId(pub String);

impl TenantId {
    /// Checks and wraps a tenant id.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidTenantId> {
        let id = id.into();
        let valid = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(Self(id))
        } else {
            Err(InvalidTenantId(id))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = InvalidTenantId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attribute a tenant has made read-only through SCIM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockedAttribute {
    /// The resource type (`User`, `Group`).
    pub resource_type: String,
    /// The attribute path, as in a PATCH path (`emails`, `name.familyName`, `displayName`).
    pub path: String,
}

/// A tenant's provisioning policies, enforced by the store inside the write transaction.
///
/// The defaults are plain RFC 7644 behaviour plus unique group names (Microsoft Entra ID
/// relies on them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TenantSettings {
    /// Group `displayName` is unique within the tenant, ignoring case.
    pub unique_group_names: bool,
    /// Setting a user's `active` to false removes it from every group.
    pub deactivation_removes_memberships: bool,
    /// Clients may create groups.
    pub allow_group_create: bool,
    /// Clients may delete groups.
    pub allow_group_delete: bool,
    /// Attributes that may be set when a resource is created but never changed afterwards
    /// through SCIM; sending the unchanged value is accepted. Renaming groups is switched off by
    /// locking Group `displayName`.
    pub locked_attributes: Vec<LockedAttribute>,
    /// Data of the embedding application (the server keeps its projects and roles here).
    pub application: serde_json::Value,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            unique_group_names: true,
            deactivation_removes_memberships: false,
            allow_group_create: true,
            allow_group_delete: true,
            locked_attributes: Vec::new(),
            application: serde_json::Value::Null,
        }
    }
}

impl TenantSettings {
    /// Whether `path` of `resource_type` is locked (both compared ignoring case).
    pub fn is_locked(&self, resource_type: &str, path: &str) -> bool {
        self.locked_attributes.iter().any(|l| {
            l.resource_type.eq_ignore_ascii_case(resource_type) && l.path.eq_ignore_ascii_case(path)
        })
    }
}

/// A tenant as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    /// The tenant's id.
    pub id: TenantId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its policies.
    pub settings: TenantSettings,
}

//! The store's error type.

use scim_core::{ScimError, ScimType};

/// Why a store operation failed.
///
/// Every variant maps to a SCIM error through `From<StoreError> for ScimError`; database
/// failures become 500 (or 503 when no connection is available) and carry no SQL or data in
/// their wire detail.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request itself is invalid (validation, filter, PATCH): the core error says why.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// No resource of this type with this id exists in the tenant.
    #[error("{resource_type} {id} not found")]
    NotFound {
        /// The resource type asked for.
        resource_type: String,
        /// The id asked for.
        id: String,
    },
    /// A unique attribute's value is taken within the tenant.
    #[error("{attribute} {value:?} is already taken")]
    Uniqueness {
        /// The attribute (`userName`, `displayName`...).
        attribute: String,
        /// The value as the client sent it.
        value: String,
    },
    /// The caller's expected version (If-Match) is not the current one.
    #[error("version mismatch: expected {expected}, current {current}")]
    VersionMismatch {
        /// The version the caller expected.
        expected: i64,
        /// The resource's current version.
        current: i64,
    },
    /// The operation would delete, deactivate or remove from a group a protected resource.
    #[error("{id} is protected: {action} is not allowed")]
    Protected {
        /// The protected resource.
        id: String,
        /// What was refused ("delete", "deactivate", "remove from group").
        action: &'static str,
    },
    /// The tenant's policy forbids the operation (creating or deleting groups, say).
    #[error("forbidden by tenant policy: {0}")]
    Forbidden(String),
    /// The tenant does not exist.
    #[error("tenant {0} does not exist")]
    TenantNotFound(String),
    /// A tenant with this id exists already.
    #[error("tenant {0} exists already")]
    TenantExists(String),
    /// No database connection became available in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database asked for the transaction to be retried (a serialization failure or a
    /// deadlock) and retrying did not help.
    #[error("transient database conflict: {0}")]
    Transient(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(String),
    /// A stored row could not be read back (corrupt JSON, impossible value).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &err {
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                StoreError::Transient(err.to_string())
            }
            Error::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                StoreError::Transient(err.to_string())
            }
            _ => StoreError::Database(err.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}

impl From<StoreError> for ScimError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Scim(e) => e,
            StoreError::NotFound { resource_type, id } => {
                ScimError::not_found(format!("{resource_type} {id} not found"))
            }
            e @ StoreError::Uniqueness { .. } => {
                ScimError::new(ScimType::Uniqueness, e.to_string())
            }
            StoreError::VersionMismatch { expected, current } => ScimError::precondition_failed(
                format!("the resource is at version {current}, not {expected}: read it again"),
            ),
            e @ StoreError::Protected { .. } => ScimError::new(ScimType::Mutability, e.to_string()),
            e @ StoreError::Forbidden(_) => ScimError::with_status(403, e.to_string()),
            StoreError::TenantNotFound(_) => ScimError::not_found("unknown tenant"),
            e @ StoreError::TenantExists(_) => ScimError::new(ScimType::Uniqueness, e.to_string()),
            StoreError::Unavailable(_) | StoreError::Transient(_) => {
                ScimError::with_status(503, "the database is unavailable; retry later")
            }
            StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::Migration(_) => {
                ScimError::with_status(500, "internal storage error")
            }
        }
    }
}

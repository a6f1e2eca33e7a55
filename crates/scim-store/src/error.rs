//! The store's error type.

use crate::Version;
use scim_core::{ScimError, ScimType};

/// Why a store operation failed.
///
/// Every variant maps to a SCIM error through `From<StoreError> for ScimError`; database
/// failures become 500, or 503 when the database cannot be reached or cannot take the write
/// right now ([`StoreError::Unavailable`]), and carry no SQL or data in their wire detail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
        expected: Version,
        /// The resource's current version.
        current: Version,
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
    /// The database cannot serve the call now, and a retry later may succeed: no connection
    /// became available in time, the connection was lost (PostgreSQL closed it, was shut down,
    /// or refuses new ones), or SQLite could not take its lock within the busy timeout or
    /// cannot write its file (read-only, full, failing).
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
    /// The store was opened with settings that cannot work (a schema name it cannot use).
    #[error("{0}")]
    Configuration(String),
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
            // diesel reports PostgreSQL's connection exceptions (SQLSTATE class 08), and any
            // statement on a connection libpq found closed (a terminated session: 57P01 to
            // 57P03), as a closed connection; a transaction it could not roll back for the
            // same reason leaves the transaction manager broken.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::BrokenTransactionManager => StoreError::Unavailable(err.to_string()),
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if is_sqlite_unavailable(info.message()) =>
            {
                StoreError::Unavailable(err.to_string())
            }
            _ => StoreError::Database(err.to_string()),
        }
    }
}

/// Whether a SQLite error says the database cannot serve the statement now, rather than that
/// the statement or the data is wrong: `SQLITE_BUSY` (the busy timeout ran out), `SQLITE_LOCKED`,
/// `SQLITE_READONLY`, `SQLITE_FULL`, `SQLITE_IOERR` and `SQLITE_CANTOPEN`.
///
/// diesel hands on SQLite's result code only through the message (`sqlite3_errmsg`), which for
/// these codes is SQLite's fixed text for the code (`sqlite3ErrStr`), sometimes followed by a
/// name (`database table is locked: resources`).
fn is_sqlite_unavailable(message: &str) -> bool {
    const MESSAGES: [&str; 7] = [
        "database is locked",
        "database table is locked",
        "database schema is locked",
        "attempt to write a readonly database",
        "database or disk is full",
        "disk I/O error",
        "unable to open database file",
    ];
    MESSAGES.iter().any(|m| message.starts_with(m))
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
            StoreError::Database(_)
            | StoreError::Corrupt(_)
            | StoreError::Migration(_)
            | StoreError::Configuration(_) => ScimError::with_status(500, "internal storage error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn database_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_lost_connection_is_unavailable() {
        for err in [
            database_error(
                DatabaseErrorKind::ClosedConnection,
                "terminating connection due to administrator command",
            ),
            Error::BrokenTransactionManager,
        ] {
            assert!(matches!(StoreError::from(err), StoreError::Unavailable(_)));
        }
    }

    #[test]
    fn sqlite_that_cannot_take_the_lock_or_write_is_unavailable() {
        for message in [
            "database is locked",
            "database table is locked: resources",
            "attempt to write a readonly database",
            "database or disk is full",
            "disk I/O error",
        ] {
            let err = StoreError::from(database_error(DatabaseErrorKind::Unknown, message));
            assert!(matches!(err, StoreError::Unavailable(_)), "{message}");
            assert_eq!(ScimError::from(err).status(), 503, "{message}");
        }
    }

    #[test]
    fn other_database_errors_stay_internal() {
        for message in [
            "database disk image is malformed",
            "no such table: resources",
            "syntax error at or near \"x\"",
        ] {
            let err = StoreError::from(database_error(DatabaseErrorKind::Unknown, message));
            assert!(matches!(err, StoreError::Database(_)), "{message}");
            assert_eq!(ScimError::from(err).status(), 500, "{message}");
        }
    }

    /// The messages matched are the ones SQLite produces: a database over its page limit
    /// fails as a full disk does.
    #[cfg(feature = "sqlite")]
    #[test]
    fn a_full_sqlite_database_is_unavailable() {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, SqliteConnection};
        let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory database");
        conn.batch_execute("CREATE TABLE t (v TEXT); PRAGMA max_page_count = 2;")
            .expect("a small database");
        let full = conn
            .batch_execute("INSERT INTO t VALUES (printf('%.100000c', 'x'))")
            .expect_err("the insert does not fit");
        assert!(matches!(StoreError::from(full), StoreError::Unavailable(_)));
    }
}

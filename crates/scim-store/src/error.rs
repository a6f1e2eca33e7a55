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
    Unavailable(#[source] DatabaseFailure),
    /// The database asked for the transaction to be retried (a serialization failure or a
    /// deadlock) and retrying did not help.
    #[error("transient database conflict: {0}")]
    Transient(#[source] DatabaseFailure),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] DatabaseFailure),
    /// A stored row could not be read back (corrupt JSON, impossible value).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(#[source] DatabaseFailure),
    /// The store was opened with settings that cannot work (a schema name it cannot use).
    #[error("{0}")]
    Configuration(String),
}

/// What a database failure says, and the error that caused it.
///
/// Held by the variants of [`StoreError`] that report the database's own failures
/// ([`Unavailable`](StoreError::Unavailable), [`Transient`](StoreError::Transient),
/// [`Database`](StoreError::Database), [`Migration`](StoreError::Migration)). It is opaque so
/// that the database library (its version, its error types) stays out of this crate's API: the
/// cause is reachable as a `dyn Error` through [`source`](std::error::Error::source), for a
/// log or a report, and to be downcast by whoever knows its type.
///
/// Its text reads on its own: built from a cause, it is the cause's text, so that a log line
/// showing only the [`StoreError`] still says what the database said. It is never sent to a
/// client (see `From<StoreError> for ScimError`): it may quote SQL or stored data.
#[derive(Debug)]
pub struct DatabaseFailure {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DatabaseFailure {
    /// A failure with no underlying error, which `message` describes: a wait that ran out, an
    /// impossible answer from the database, or, for a [`Store`](crate::Store) implemented
    /// elsewhere, whatever stands for the database there.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// A failure caused by `source`, described as `context: <source's text>`.
    pub fn with_source(
        context: impl std::fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: format!("{context}: {source}"),
            source: Some(Box::new(source)),
        }
    }

    /// A failure whose text is its cause's.
    fn caused_by(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source = source.into();
        Self {
            message: source.to_string(),
            source: Some(source),
        }
    }
}

impl std::fmt::Display for DatabaseFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DatabaseFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

// diesel's errors are converted by name, never by `From`: a public `From` impl would make
// diesel's version part of this crate's API.
impl StoreError {
    /// Classifies a failed statement or transaction: what a retry of the transaction or of the
    /// call can get past is [`Transient`](Self::Transient) or
    /// [`Unavailable`](Self::Unavailable), anything else [`Database`](Self::Database).
    pub(crate) fn from_diesel(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        let variant = match &err {
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::Transient,
            Error::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                Self::Transient
            }
            // diesel reports PostgreSQL's connection exceptions (SQLSTATE class 08), and any
            // statement on a connection libpq found closed (a terminated session: 57P01 to
            // 57P03), as a closed connection; a transaction it could not roll back for the
            // same reason leaves the transaction manager broken.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::BrokenTransactionManager => Self::Unavailable,
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if is_sqlite_unavailable(info.message()) =>
            {
                Self::Unavailable
            }
            _ => Self::Database,
        };
        variant(DatabaseFailure::caused_by(err))
    }

    /// No connection could be had from the pool in time (or the pool could not be built).
    pub(crate) fn from_pool(err: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(DatabaseFailure::caused_by(err))
    }

    /// A connection could not be opened.
    pub(crate) fn from_connection(err: diesel::ConnectionError) -> Self {
        Self::Unavailable(DatabaseFailure::caused_by(err))
    }

    /// The embedded migrations could not be applied.
    pub(crate) fn from_migration(err: Box<dyn std::error::Error + Send + Sync>) -> Self {
        Self::Migration(DatabaseFailure::caused_by(err))
    }

    /// A [`Database`](Self::Database) failure with no underlying error.
    pub(crate) fn database(message: impl Into<String>) -> Self {
        Self::Database(DatabaseFailure::new(message))
    }

    /// An [`Unavailable`](Self::Unavailable) failure with no underlying error.
    pub(crate) fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(DatabaseFailure::new(message))
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
            assert!(matches!(
                StoreError::from_diesel(err),
                StoreError::Unavailable(_)
            ));
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
            let err = StoreError::from_diesel(database_error(DatabaseErrorKind::Unknown, message));
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
            let err = StoreError::from_diesel(database_error(DatabaseErrorKind::Unknown, message));
            assert!(matches!(err, StoreError::Database(_)), "{message}");
            assert_eq!(ScimError::from(err).status(), 500, "{message}");
        }
    }

    /// The chain of causes of a database failure, outermost first.
    fn chain(err: &StoreError) -> Vec<&(dyn std::error::Error + 'static)> {
        std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |e| {
            e.source()
        })
        .collect()
    }

    #[test]
    fn a_database_failure_keeps_its_cause_and_says_what_it_said() {
        let err = StoreError::from_diesel(database_error(
            DatabaseErrorKind::Unknown,
            "no such table: resources",
        ));
        assert_eq!(err.to_string(), "database error: no such table: resources");
        let causes = chain(&err);
        assert_eq!(causes.len(), 3, "{causes:?}");
        assert!(causes[1].is::<DatabaseFailure>());
        let Some(Error::DatabaseError(DatabaseErrorKind::Unknown, info)) =
            causes[2].downcast_ref::<Error>()
        else {
            panic!("the cause is diesel's error: {causes:?}");
        };
        assert_eq!(info.message(), "no such table: resources");
        // The database's words stay in the log, never in the client's answer.
        let scim = ScimError::from(err);
        assert_eq!(scim.status(), 500);
        assert!(!scim.detail().contains("resources"), "{}", scim.detail());
    }

    #[test]
    fn failures_built_elsewhere_say_what_happened() {
        let bare = StoreError::Unavailable(DatabaseFailure::new("switched off"));
        assert_eq!(bare.to_string(), "database unavailable: switched off");
        assert_eq!(chain(&bare).len(), 2);

        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "not yours");
        let caused = StoreError::Unavailable(DatabaseFailure::with_source("cannot create /x", io));
        assert_eq!(
            caused.to_string(),
            "database unavailable: cannot create /x: not yours"
        );
        let causes = chain(&caused);
        assert_eq!(
            causes[2]
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind),
            Some(std::io::ErrorKind::PermissionDenied)
        );
        assert_eq!(ScimError::from(caused).status(), 503);
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
        assert!(matches!(
            StoreError::from_diesel(full),
            StoreError::Unavailable(_)
        ));
    }
}

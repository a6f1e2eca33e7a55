//! The production backend: PostgreSQL, shared by any number of server instances.
//!
//! Writes run at READ COMMITTED and begin by locking the tenant's row (`SELECT ... FOR UPDATE`):
//! one tenant's writes are serialised across every instance (so versions,
//! uniqueness checks and the change log stay exact) while different tenants never wait for each
//! other. Reads run in REPEATABLE READ, READ ONLY transactions, so a page and its
//! `totalResults` come from one snapshot.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Backend, OPEN_WAIT, SqlConn, TxError, impl_sql_conn};
use crate::StoreError;
use crate::sql::Dialect;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises concurrent migrations from several instances starting at once.
const MIGRATION_LOCK_KEY: i64 = 0x5C1A_0001;

/// How often a write is retried after a serialization failure or deadlock.
const WRITE_ATTEMPTS: u32 = 5;

/// The longest r2d2 waits between two attempts to open a connection the database refused.
///
/// r2d2 doubles the pause after each failed attempt up to half its `connection_timeout`, which
/// is therefore set to twice this (calls wait with a timeout of their own). With the 30 s it
/// was, the attempts after a failure came 0.4, 1.2, 2.8, 6.0 and 12.4 s later: a database
/// back after a 6 s outage was reconnected to 6 s after its return.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// libpq's `connect_timeout` (in seconds) unless the URL sets one. Without it, an attempt to
/// connect to a host that does not answer lasts until the operating system gives up (minutes),
/// and holds one of the few threads r2d2 connects on meanwhile, so that the pool could not
/// reconnect for that long once the host is back.
const CONNECT_TIMEOUT_SECONDS: u32 = 3;

impl_sql_conn!(PgConnection, diesel::pg::Pg, Dialect::Postgres);

/// A pooled connection that remembers being lost, so that the pool drops it.
pub(crate) struct PooledPg {
    conn: PgConnection,
    lost: bool,
}

/// Opens [`PooledPg`] connections; one that is lost is broken.
///
/// Connections are not tested when the pool hands them out (r2d2's `test_on_check_out`, a
/// `SELECT 1` round trip per store call, as much as the call itself for a point read). A
/// connection the server closed shows up as a failed statement instead: it is then marked lost
/// (see [`PostgresBackend::attempt`]).
struct Manager {
    connections: ConnectionManager<PgConnection>,
    /// Whether the latest attempt to connect failed (see [`PostgresBackend::checkout`]).
    refused: Arc<AtomicBool>,
}

impl ManageConnection for Manager {
    type Connection = PooledPg;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PooledPg, Self::Error> {
        let connected = self.connections.connect();
        self.refused.store(connected.is_err(), Ordering::Relaxed);
        Ok(PooledPg {
            conn: connected?,
            lost: false,
        })
    }

    fn is_valid(&self, pooled: &mut PooledPg) -> Result<(), Self::Error> {
        self.connections.is_valid(&mut pooled.conn)
    }

    fn has_broken(&self, pooled: &mut PooledPg) -> bool {
        pooled.lost || self.connections.has_broken(&mut pooled.conn)
    }
}

/// `url` with libpq's `connect_timeout` unless its query string sets one.
fn with_connect_timeout(url: &str) -> Cow<'_, str> {
    let query = url.split_once('?').map(|(_, query)| query);
    let set = query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some("connect_timeout"))
    });
    if set {
        return Cow::Borrowed(url);
    }
    let separator = if query.is_some() { '&' } else { '?' };
    Cow::Owned(format!(
        "{url}{separator}connect_timeout={CONNECT_TIMEOUT_SECONDS}"
    ))
}

/// `url` with every connection's `search_path` set to `schema`, which is created first.
fn in_schema(url: &str, schema: &str) -> Result<String, StoreError> {
    let valid = (1..=63).contains(&schema.len())
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(StoreError::Configuration(format!(
            "schema {schema:?}: use 1 to 63 of a-z, 0-9 and _, not starting with a digit"
        )));
    }
    let query = url.split_once('?').map(|(_, query)| query);
    if query.is_some_and(|q| q.split('&').any(|pair| pair.starts_with("options="))) {
        return Err(StoreError::Configuration(
            "the database URL sets libpq's options; a schema cannot be set beside them".to_owned(),
        ));
    }
    let mut conn = <PgConnection as diesel::Connection>::establish(url)
        .map_err(StoreError::from_connection)?;
    // The name was checked above: it needs no quoting beyond the double quotes.
    conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
        .map_err(StoreError::from_diesel)?;
    let separator = if query.is_some() { '&' } else { '?' };
    Ok(format!("{url}{separator}options=-csearch_path%3D{schema}"))
}

/// A pool of PostgreSQL connections.
pub(crate) struct PostgresBackend {
    pool: Pool<Manager>,
    /// Whether the latest attempt to connect failed.
    refused: Arc<AtomicBool>,
    /// The longest a call waits for a connection.
    wait: Duration,
}

impl PostgresBackend {
    /// Connects to `url` and applies pending migrations. A call waits at most `wait` for a
    /// connection.
    pub(crate) fn open(
        url: &str,
        max_connections: u32,
        wait: Duration,
        schema: Option<&str>,
    ) -> Result<Self, StoreError> {
        let url = with_connect_timeout(url);
        let url = match schema {
            Some(schema) => in_schema(&url, schema)?,
            None => url.into_owned(),
        };
        let refused = Arc::new(AtomicBool::new(false));
        let manager = Manager {
            connections: ConnectionManager::new(url),
            refused: refused.clone(),
        };
        let pool = Pool::builder()
            .max_size(max_connections.max(1))
            .connection_timeout(RECONNECT_PAUSE * 2)
            .test_on_check_out(false)
            .build_unchecked(manager);
        let backend = Self {
            pool,
            refused,
            wait,
        };
        backend.fill()?;
        backend.migrate()?;
        Ok(backend)
    }

    /// Opens every connection of the pool, waiting as long as a starting server should wait
    /// for its database ([`OPEN_WAIT`]); r2d2's `build` waits only its `connection_timeout`,
    /// which is set for reconnecting.
    ///
    /// The store is used once they are all open, never while r2d2's threads are still opening
    /// some in the background: a process that exited meanwhile could crash inside libpq
    /// (`tenant list`, which returned before its pool was full, crashed in 7 of 100 runs).
    fn fill(&self) -> Result<(), StoreError> {
        let deadline = Instant::now() + OPEN_WAIT;
        let all = (0..self.pool.max_size())
            .map(|_| {
                self.pool
                    .get_timeout(deadline.saturating_duration_since(Instant::now()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from_pool)?;
        drop(all);
        Ok(())
    }

    /// A connection, waiting at most `wait` for one to be free or opened, and no longer once
    /// the database refuses connections: the pool keeps trying to connect meanwhile, so
    /// waiting would only make every call of an outage take the whole wait, one after the
    /// other, before failing all the same.
    ///
    /// The wait is cut into slices, and the refusal checked between them: r2d2 wakes a waiting
    /// call when a connection opens, not when an attempt fails.
    fn checkout(&self) -> Result<PooledConnection<Manager>, StoreError> {
        const SLICE: Duration = Duration::from_millis(50);
        let deadline = Instant::now() + self.wait;
        loop {
            let left = if self.refused.load(Ordering::Relaxed) {
                Duration::ZERO
            } else {
                deadline.saturating_duration_since(Instant::now())
            };
            match self.pool.get_timeout(left.min(SLICE)) {
                Err(e) if left <= SLICE => return Err(StoreError::from_pool(e)),
                Err(_) => {}
                Ok(pooled) => return Ok(pooled),
            }
        }
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut pooled = self
            .pool
            .get_timeout(OPEN_WAIT)
            .map_err(StoreError::from_pool)?;
        let conn = &mut pooled.conn;
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .map_err(StoreError::from_diesel)?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(StoreError::from_migration);
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
            .map_err(StoreError::from_diesel)?;
        result
    }

    /// Runs `f` on a pooled connection. A database failure on a connection that no longer
    /// answers marks it lost, and asks for another attempt (`Err(None)`); the probe costs a
    /// round trip, but only when a statement has failed.
    fn attempt<R>(
        &self,
        f: &mut impl FnMut(&mut PgConnection) -> Result<R, StoreError>,
    ) -> Result<R, Option<StoreError>> {
        use diesel::r2d2::R2D2Connection;
        let mut pooled = self.checkout().map_err(Some)?;
        match f(&mut pooled.conn) {
            Err(StoreError::Database(_) | StoreError::Unavailable(_))
                if pooled.conn.ping().is_err() =>
            {
                pooled.lost = true;
                Err(None)
            }
            result => result.map_err(Some),
        }
    }

    /// Runs the read `f`, again on another connection when the first is lost: after a restart
    /// of the server every pooled connection is, hence one attempt per connection and one on a
    /// new one. Writes are never run twice this way, since whether a lost write committed
    /// cannot be known.
    fn with_connection<R>(
        &self,
        mut f: impl FnMut(&mut PgConnection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        for _ in 0..self.pool.max_size() {
            match self.attempt(&mut f) {
                Err(None) => continue,
                result => return result.map_err(|e| e.unwrap_or_else(lost)),
            }
        }
        self.attempt(&mut f).map_err(|e| e.unwrap_or_else(lost))
    }
}

fn lost() -> StoreError {
    StoreError::unavailable("the connection to the database was lost")
}

impl Backend for PostgresBackend {
    fn read<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.with_connection(|conn| {
            conn.build_transaction()
                .read_only()
                .repeatable_read()
                .run(|c| f(c).map_err(TxError))
                .map_err(TxError::into_inner)
        })
    }

    fn write<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut transaction = |conn: &mut PgConnection| {
            let mut attempt = 1;
            loop {
                let result = conn
                    .build_transaction()
                    .read_write()
                    .run(|c| f(c).map_err(TxError))
                    .map_err(TxError::into_inner);
                match result {
                    Err(StoreError::Transient(_)) if attempt < WRITE_ATTEMPTS => attempt += 1,
                    result => return result,
                }
            }
        };
        self.attempt(&mut transaction)
            .map_err(|e| e.unwrap_or_else(lost))
    }

    fn run<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.with_connection(|conn| f(conn))
    }
}

#[cfg(test)]
mod tests {
    use super::with_connect_timeout;

    #[test]
    fn a_connect_timeout_is_added_unless_the_url_sets_one() {
        assert_eq!(
            with_connect_timeout("postgres://scim@db/scim"),
            "postgres://scim@db/scim?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://scim@db/scim?sslmode=disable"),
            "postgres://scim@db/scim?sslmode=disable&connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://scim@db/scim?connect_timeout=10&sslmode=disable"),
            "postgres://scim@db/scim?connect_timeout=10&sslmode=disable"
        );
    }
}

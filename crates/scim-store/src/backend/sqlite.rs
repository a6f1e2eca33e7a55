//! The embedded backend: SQLite, compiled in, in a file or in memory.
//!
//! Writes take the database's write lock at `BEGIN IMMEDIATE`, so concurrent writers queue on
//! the busy timeout instead of failing on a lock upgrade; reads run in deferred transactions and,
//! thanks to WAL mode, never wait for writers.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use parking_lot::Mutex;

use super::{Backend, OPEN_WAIT, SqlConn, TxError, impl_sql_conn};
use crate::StoreError;
use crate::sql::Dialect;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

impl_sql_conn!(SqliteConnection, diesel::sqlite::Sqlite, Dialect::Sqlite);

/// Where a SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    File(String),
    Memory,
}

impl Location {
    /// Accepts `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:` and `:memory:`.
    pub(crate) fn from_url(url: &str) -> Self {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path == ":memory:" {
            Self::Memory
        } else {
            Self::File(path.to_owned())
        }
    }
}

/// The settings of a pooled connection: [`CONNECTION_PRAGMAS`] with the busy timeout of a call.
#[derive(Debug)]
struct Pragmas {
    busy_timeout: Duration,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // The busy timeout comes first: the pool opens its connections at once, and switching a
        // new database to WAL takes a lock the other connections must wait for, not fail on.
        // Each connection has a page cache of its own: 8 MiB each keeps a pool of 8 within 64 MiB
        // (64 MiB each made a busy server hold over 500 MiB), while the operating system's page
        // cache keeps the rest of the file close. `mmap_size` would share those pages instead
        // and reads would be about a tenth faster, but every page touched would then count in
        // the server's resident memory.
        conn.batch_execute(&busy_timeout(self.busy_timeout))
            .and_then(|()| conn.batch_execute(CONNECTION_PRAGMAS))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// How long a statement waits for a lock another connection holds (another process's write,
/// mostly: this process's writers queue on [`SqliteBackend::writer`]) before failing with
/// `SQLITE_BUSY`.
fn busy_timeout(wait: Duration) -> String {
    format!("PRAGMA busy_timeout = {};", wait.as_millis())
}

/// The settings of every connection after its busy timeout: the pool's, and the one
/// [`prepare_file`] opens first.
const CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;
     PRAGMA foreign_keys = ON;
     PRAGMA cache_size = -8192;
     PRAGMA temp_store = MEMORY;";

/// A pool of SQLite connections.
pub(crate) struct SqliteBackend {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    /// The longest a call waits for a connection, and a write for the database's lock.
    wait: Duration,
    /// Taken by every write of this process before `BEGIN IMMEDIATE`.
    ///
    /// SQLite admits one writer at a time, and a writer that finds the lock taken sleeps in the
    /// busy handler for growing intervals (up to 100 ms) instead of being woken when the lock is
    /// released: with dozens of concurrent writers, most of the time went to sleeping (POST p99
    /// over 300 ms at 32 connections). Queueing on a mutex first hands the database from writer
    /// to writer at once; the busy timeout still covers writers of other processes.
    ///
    /// parking_lot's, for a wait with a deadline (std's mutex has none): a writer behind one
    /// that waits out the busy timeout on another process's lock must not wait as long again.
    writer: Mutex<()>,
}

impl SqliteBackend {
    /// Opens (creating if needed) the database at `location` and applies pending migrations. A
    /// call waits at most `wait` for a connection, and a write as long for the database's lock.
    pub(crate) fn open(
        location: &Location,
        max_connections: u32,
        wait: Duration,
    ) -> Result<Self, StoreError> {
        let (url, size) = match location {
            Location::File(path) => {
                prepare_file(path)?;
                (path.clone(), max_connections.max(1))
            }
            // Every connection to ":memory:" is its own database: one connection is the database.
            Location::Memory => (":memory:".to_owned(), 1),
        };
        let pool = Pool::builder()
            .max_size(size)
            .connection_timeout(OPEN_WAIT)
            // A SQLite connection is a handle on a local file: it cannot be lost, so testing it
            // on every checkout (a statement per store call) buys nothing.
            .test_on_check_out(false)
            .connection_customizer(Box::new(Pragmas { busy_timeout: wait }))
            .build(ConnectionManager::new(url))
            .map_err(StoreError::from_pool)?;
        let backend = Self {
            pool,
            wait,
            writer: Mutex::new(()),
        };
        if *location == Location::Memory {
            // The pool's one connection is the database; a file was migrated by `prepare_file`.
            let mut pooled = backend.pool.get().map_err(StoreError::from_pool)?;
            migrate(&mut pooled)?;
        }
        Ok(backend)
    }
}

fn migrate(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    conn.run_pending_migrations(MIGRATIONS)
        .map(|_| ())
        .map_err(StoreError::from_migration)
}

/// Switches a database file to WAL and migrates it on a connection of its own, before the
/// pool opens any.
///
/// WAL is a property of the file, and switching a new file to it needs the file to itself:
/// when the pool's connections all opened a new file at once, some failed with "database is
/// locked" despite the busy timeout (SQLite does not always call the busy handler while the
/// journal mode changes) and the pool logged errors and retried. Done first, alone, the
/// pool's connections find WAL already set, which needs no lock.
fn prepare_file(path: &str) -> Result<(), StoreError> {
    let mut conn = SqliteConnection::establish(path).map_err(StoreError::from_connection)?;
    conn.batch_execute(&busy_timeout(OPEN_WAIT))
        .and_then(|()| conn.batch_execute(CONNECTION_PRAGMAS))
        .map_err(StoreError::from_diesel)?;
    migrate(&mut conn)
}

impl Backend for SqliteBackend {
    fn read<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut pooled = self
            .pool
            .get_timeout(self.wait)
            .map_err(StoreError::from_pool)?;
        let conn: &mut SqliteConnection = &mut pooled;
        conn.transaction(|c| f(c).map_err(TxError))
            .map_err(TxError::into_inner)
    }

    fn write<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        // Taken before a connection, so that queued writers leave the pool to readers. The
        // queue, the connection and the database's lock share one deadline.
        let deadline = Instant::now() + self.wait;
        let _turn = self.writer.try_lock_until(deadline).ok_or_else(|| {
            StoreError::unavailable("the other writes of this process took the whole wait")
        })?;
        let left = || deadline.saturating_duration_since(Instant::now());
        let mut pooled = self
            .pool
            .get_timeout(left())
            .map_err(StoreError::from_pool)?;
        let conn: &mut SqliteConnection = &mut pooled;
        // What is left bounds the wait for another process's lock. It stays set for the
        // connection's reads, which in WAL mode wait for no other connection.
        conn.batch_execute(&busy_timeout(left()))
            .map_err(StoreError::from_diesel)?;
        conn.immediate_transaction(|c| f(c).map_err(TxError))
            .map_err(TxError::into_inner)
    }

    fn run<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut pooled = self
            .pool
            .get_timeout(self.wait)
            .map_err(StoreError::from_pool)?;
        let conn: &mut SqliteConnection = &mut pooled;
        f(conn)
    }

    /// Reads in WAL mode never wait for writers, and the database is this process's own file:
    /// once a connection is free, a read waits for nothing but the CPU and the page cache.
    fn run_at_once<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Option<Result<R, StoreError>> {
        let mut pooled = self.pool.try_get()?;
        let conn: &mut SqliteConnection = &mut pooled;
        Some(f(conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_files_or_memory() {
        assert_eq!(
            Location::from_url("sqlite://data/scim.db"),
            Location::File("data/scim.db".into())
        );
        assert_eq!(
            Location::from_url("sqlite:scim.db"),
            Location::File("scim.db".into())
        );
        assert_eq!(Location::from_url("sqlite::memory:"), Location::Memory);
        assert_eq!(Location::from_url(":memory:"), Location::Memory);
    }

    /// `.cargo/config.toml` sets `LIBSQLITE3_FLAGS`; a build that lost them would still pass
    /// every other test, only slower under concurrent reads.
    #[test]
    fn the_bundled_sqlite_has_a_page_cache_per_connection_and_no_memory_statistics() {
        use diesel::RunQueryDsl;
        use diesel::dsl::sql;
        use diesel::sql_types::Integer;
        let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory database");
        let used = |conn: &mut SqliteConnection, option: &str| -> i32 {
            diesel::select(sql::<Integer>(&format!(
                "sqlite_compileoption_used('{option}')"
            )))
            .get_result(conn)
            .expect("sqlite_compileoption_used answers")
        };
        assert_eq!(used(&mut conn, "ENABLE_MEMORY_MANAGEMENT"), 0);
        assert_eq!(used(&mut conn, "DEFAULT_MEMSTATUS=0"), 1);
    }

    /// Migration `event_keys` moves every event into its tenant's range of `log_key`, in order,
    /// and gives every tenant, present and future, an event space of its own.
    #[test]
    fn events_keep_their_tenant_and_order_when_keyed_by_rowid() {
        use diesel::RunQueryDsl;
        use diesel::connection::SimpleConnection;
        use diesel::migration::MigrationSource;
        use diesel::sql_types::{BigInt, Text};
        let mut conn = SqliteConnection::establish(":memory:").expect("an in-memory database");
        let migrations: Vec<_> = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&MIGRATIONS)
            .expect("the embedded migrations");
        diesel::migration::MigrationConnection::setup(&mut conn).expect("the migrations table");
        for migration in &migrations {
            if migration
                .name()
                .to_string()
                .starts_with("2026-12-07-500001")
            {
                break;
            }
            conn.run_migration(migration.as_ref())
                .expect("an earlier migration");
        }
        conn.batch_execute(
            "INSERT INTO tenants (id, created_at) VALUES ('beta', 0), ('alpha', 0);
             INSERT INTO events (tenant_id, seq, id, type, at, actor, resource_type, resource_id,
                                 changed, previous)
             VALUES ('beta', 2, 'e4', 'user.updated', 0, 'cli', 'User', 'u1', '[]', 1),
                    ('alpha', 1, 'e1', 'user.created', 0, 'cli', 'User', 'u2', '[]', NULL),
                    ('beta', 1, 'e3', 'user.created', 0, 'cli', 'User', 'u1', '[]', NULL),
                    ('alpha', 2, 'e2', 'user.created', 0, 'cli', 'User', 'u3', '[]', NULL);",
        )
        .expect("events at the earlier schema");
        migrate(&mut conn).expect("the later migrations");
        conn.batch_execute("INSERT INTO tenants (id, created_at) VALUES ('gamma', 0)")
            .expect("a new tenant");

        #[derive(diesel::QueryableByName, Debug, PartialEq)]
        struct Keyed {
            #[diesel(sql_type = BigInt)]
            space: i64,
            #[diesel(sql_type = Text)]
            tenant_id: String,
            #[diesel(sql_type = BigInt)]
            seq: i64,
            #[diesel(sql_type = Text)]
            id: String,
        }
        let keyed: Vec<Keyed> = diesel::sql_query(
            "SELECT log_key >> 40 AS space, tenant_id, seq, id FROM events ORDER BY log_key",
        )
        .load(&mut conn)
        .expect("the keyed events");
        let row = |space: i64, tenant: &str, seq: i64, id: &str| Keyed {
            space,
            tenant_id: tenant.to_owned(),
            seq,
            id: id.to_owned(),
        };
        assert_eq!(
            keyed,
            [
                row(1, "alpha", 1, "e1"),
                row(1, "alpha", 2, "e2"),
                row(2, "beta", 1, "e3"),
                row(2, "beta", 2, "e4"),
            ]
        );
        #[derive(diesel::QueryableByName)]
        struct Space {
            #[diesel(sql_type = BigInt)]
            event_space: i64,
        }
        let spaces: Vec<i64> = diesel::sql_query("SELECT event_space FROM tenants ORDER BY id")
            .load::<Space>(&mut conn)
            .expect("the tenants' spaces")
            .into_iter()
            .map(|s| s.event_space)
            .collect();
        assert_eq!(spaces, [1, 2, 3]);
    }
}

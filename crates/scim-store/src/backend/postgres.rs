//! The production backend: PostgreSQL, shared by any number of server instances.
//!
//! Writes run at READ COMMITTED and begin by incrementing the tenant's change-log counter, which
//! takes that row's lock: one tenant's writes are serialised across every instance (so versions,
//! uniqueness checks and the change log stay exact) while different tenants never wait for each
//! other. Reads run in REPEATABLE READ, READ ONLY transactions, so a page and its
//! `totalResults` come from one snapshot.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Backend, SqlConn, impl_sql_conn};
use crate::StoreError;
use crate::sql::Dialect;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises concurrent migrations from several instances starting at once.
const MIGRATION_LOCK_KEY: i64 = 0x5C1A_0001;

/// How often a write is retried after a serialization failure or deadlock.
const WRITE_ATTEMPTS: u32 = 5;

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
struct Manager(ConnectionManager<PgConnection>);

impl ManageConnection for Manager {
    type Connection = PooledPg;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PooledPg, Self::Error> {
        Ok(PooledPg {
            conn: self.0.connect()?,
            lost: false,
        })
    }

    fn is_valid(&self, pooled: &mut PooledPg) -> Result<(), Self::Error> {
        self.0.is_valid(&mut pooled.conn)
    }

    fn has_broken(&self, pooled: &mut PooledPg) -> bool {
        pooled.lost || self.0.has_broken(&mut pooled.conn)
    }
}

/// A pool of PostgreSQL connections.
pub(crate) struct PostgresBackend {
    pool: Pool<Manager>,
}

impl PostgresBackend {
    /// Connects to `url` and applies pending migrations.
    pub(crate) fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = Pool::builder()
            .max_size(max_connections.max(1))
            .connection_timeout(Duration::from_secs(30))
            .test_on_check_out(false)
            .build(Manager(ConnectionManager::new(url)))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let backend = Self { pool };
        backend.migrate()?;
        Ok(backend)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut pooled = self.pool.get()?;
        let conn = &mut pooled.conn;
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| StoreError::Migration(e.to_string()));
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
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
        let mut pooled = self.pool.get().map_err(|e| Some(e.into()))?;
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
    StoreError::Unavailable("the connection to the database was lost".into())
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
                .run(|c| f(c))
        })
    }

    fn write<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut transaction = |conn: &mut PgConnection| {
            let mut attempt = 1;
            loop {
                match conn.build_transaction().read_write().run(|c| f(c)) {
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

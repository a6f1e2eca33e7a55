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
use diesel::r2d2::{ConnectionManager, Pool};
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

/// A pool of PostgreSQL connections.
pub(crate) struct PostgresBackend {
    pool: Pool<ConnectionManager<PgConnection>>,
}

impl PostgresBackend {
    /// Connects to `url` and applies pending migrations.
    pub(crate) fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let pool = Pool::builder()
            .max_size(max_connections.max(1))
            .connection_timeout(Duration::from_secs(30))
            .build(ConnectionManager::new(url))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let backend = Self { pool };
        backend.migrate()?;
        Ok(backend)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut pooled = self.pool.get()?;
        let conn: &mut PgConnection = &mut pooled;
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|_| ())
            .map_err(|e| StoreError::Migration(e.to_string()));
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
        result
    }
}

impl Backend for PostgresBackend {
    fn read<R>(
        &self,
        f: impl FnOnce(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut pooled = self.pool.get()?;
        let conn: &mut PgConnection = &mut pooled;
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(|c| f(c))
    }

    fn write<R>(
        &self,
        mut f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut pooled = self.pool.get()?;
        let conn: &mut PgConnection = &mut pooled;
        let mut attempt = 1;
        loop {
            match conn.build_transaction().read_write().run(|c| f(c)) {
                Err(StoreError::Transient(_)) if attempt < WRITE_ATTEMPTS => attempt += 1,
                result => return result,
            }
        }
    }

    fn run<R>(
        &self,
        f: impl FnOnce(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut pooled = self.pool.get()?;
        let conn: &mut PgConnection = &mut pooled;
        f(conn)
    }
}

//! The store's logic, written once over [`Backend`] and [`SqlConn`](crate::backend::SqlConn).

mod admin;
mod batch;
mod events;
mod keys;
mod patch;
mod policy;
mod query;
mod render;
mod resources;
mod search;
mod subscriptions;
mod tables;

use std::sync::Arc;

use scim_core::schema::SchemaRegistry;

pub use query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

use crate::backend::Backend;
use crate::{Clock, IdGenerator};

/// The store over one database backend; the public store types wrap it.
pub(crate) struct Engine<B> {
    backend: B,
    registry: Arc<SchemaRegistry>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl<B: Backend> Engine<B> {
    pub(crate) fn new(
        backend: B,
        registry: Arc<SchemaRegistry>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            backend,
            registry,
            clock,
            ids,
        }
    }

    pub(crate) fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    pub(crate) fn ping_impl(&self) -> Result<(), crate::StoreError> {
        self.backend.run(|conn| {
            let mut sql = crate::sql::Sql::new(conn.dialect());
            sql.push("SELECT CAST(1 AS BIGINT) AS n");
            conn.integers(&sql).map(|_| ())
        })
    }
}

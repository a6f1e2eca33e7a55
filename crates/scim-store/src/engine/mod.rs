//! The store's logic, written once over [`Backend`] and [`SqlConn`](crate::backend::SqlConn).

mod admin;
mod batch;
mod console;
mod events;
mod history;
mod keys;
mod log_range;
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

use crate::backend::Backend;
use crate::{Clock, IdGenerator, TenantId};

use crate::CommitListener;

/// The store over one database backend; the public store types wrap it.
pub(crate) struct Engine<B> {
    backend: B,
    registry: Arc<SchemaRegistry>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    commits: Option<CommitListener>,
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
            commits: None,
        }
    }

    pub(crate) fn with_commit_listener(mut self, listener: Option<CommitListener>) -> Self {
        self.commits = listener;
        self
    }

    /// [`Backend::write`] for a write that may append `tenant`'s events: once it has
    /// committed, the commit listener hears of it (a consumer waiting for events wakes at once,
    /// without polling).
    pub(crate) fn logged_write<R>(
        &self,
        tenant: &TenantId,
        f: impl FnMut(&mut dyn crate::backend::SqlConn) -> Result<R, crate::StoreError>,
    ) -> Result<R, crate::StoreError> {
        let result = self.backend.write(f);
        if result.is_ok()
            && let Some(listener) = &self.commits
        {
            listener(tenant);
        }
        result
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

//! Which events are about one resource: a person's or a group's history.
//!
//! PostgreSQL finds them by the index `events_by_resource`. SQLite does without an index entry
//! per event, which would land on a different page for each resource and cost every write about
//! it a page more in its commit: each event names the previous one about the same resource
//! (`events.previous`) and the newest is kept on the resource's row (`resources.last_event`),
//! which the write rewrites anyway, or, for what has no row (a deleted resource, a token, the
//! tenant), in `event_heads`. A history is then a walk down that chain by the primary key.

use std::collections::HashMap;

use crate::backend::SqlConn;
use crate::sql::{Bind, Dialect, Sql};
use crate::{StoreError, TenantId};

/// Pushes a subquery that yields, as `seq`, the numbers of the events about `id`.
pub(crate) fn push_events_about(sql: &mut Sql, tenant: &TenantId, id: &str) {
    match sql.dialect() {
        Dialect::Postgres => {
            sql.push("SELECT seq FROM events WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND resource_id = ")
                .text_value(id);
        }
        Dialect::Sqlite => {
            sql.push(
                "WITH RECURSIVE chain(seq) AS (SELECT last_event FROM resources WHERE tenant_id = ",
            )
            .text_value(tenant.as_str())
            .push(" AND id = ")
            .text_value(id)
            .push(" AND last_event IS NOT NULL UNION ALL SELECT last_event FROM event_heads WHERE tenant_id = ")
            .text_value(tenant.as_str())
            .push(" AND resource_id = ")
            .text_value(id)
            .push(" UNION ALL SELECT e.previous FROM chain c, events e WHERE e.tenant_id = ")
            .text_value(tenant.as_str())
            .push(" AND e.seq = c.seq AND e.previous IS NOT NULL) SELECT seq FROM chain");
        }
    }
}

/// Pushes, for an event row being inserted, its `previous` column's value: `known` when an
/// earlier event of the same write is about the same resource, else the resource's newest
/// event before this write (none for a resource this write created). SQLite only.
pub(crate) fn push_previous(sql: &mut Sql, tenant: &TenantId, id: &str, known: Option<i64>) {
    sql.push("COALESCE(")
        .bind(Bind::OptionalBigInt(known))
        .push(", (SELECT last_event FROM resources WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND id = ")
        .text_value(id)
        .push("), (SELECT last_event FROM event_heads WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND resource_id = ")
        .text_value(id)
        .push("))");
}

/// The newest event of each resource that a write's events are about, as they are numbered.
#[derive(Debug, Default)]
pub(crate) struct Heads {
    newest: HashMap<String, i64>,
}

impl Heads {
    /// Records event `seq` about `id`; returns the previous event about it in this write.
    pub(crate) fn advance(&mut self, id: &str, seq: i64) -> Option<i64> {
        match self.newest.get_mut(id) {
            Some(newest) => Some(std::mem::replace(newest, seq)),
            None => {
                self.newest.insert(id.to_owned(), seq);
                None
            }
        }
    }

    /// Stores the new heads: on each resource's row, or in `event_heads` for what has none.
    pub(crate) fn store(self, conn: &mut dyn SqlConn, tenant: &TenantId) -> Result<(), StoreError> {
        for (id, seq) in self.newest {
            let mut sql = Sql::cached(conn.dialect());
            sql.push("UPDATE resources SET last_event = ")
                .int_value(seq)
                .push(" WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND id = ")
                .text_value(id.as_str());
            if conn.execute(&sql)? == 0 {
                let mut sql = Sql::cached(conn.dialect());
                sql.push("INSERT INTO event_heads (tenant_id, resource_id, last_event) VALUES (")
                    .text_value(tenant.as_str())
                    .push(", ")
                    .text_value(id)
                    .push(", ")
                    .int_value(seq)
                    .push(
                        ") ON CONFLICT (tenant_id, resource_id) DO UPDATE SET last_event = \
                         excluded.last_event",
                    );
                conn.execute(&sql)?;
            }
        }
        Ok(())
    }
}

/// Keeps the newest event about a resource that is about to be deleted, so that its history,
/// and the chain its deletion event continues, outlive its row. SQLite only; a no-op elsewhere.
pub(crate) fn keep_head_of_deleted(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
) -> Result<(), StoreError> {
    if conn.dialect() != Dialect::Sqlite {
        return Ok(());
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push(
        "INSERT INTO event_heads (tenant_id, resource_id, last_event) SELECT tenant_id, id, \
         last_event FROM resources WHERE tenant_id = ",
    )
    .text_value(tenant.as_str())
    .push(" AND id = ")
    .text_value(id)
    .push(
        " AND last_event IS NOT NULL ON CONFLICT (tenant_id, resource_id) DO UPDATE SET \
         last_event = excluded.last_event",
    );
    conn.execute(&sql)?;
    Ok(())
}

/// Forgets the heads that point at pruned events (up to `seq`), whose chains are gone. SQLite
/// only; a no-op elsewhere.
pub(crate) fn forget_pruned(
    conn: &mut dyn SqlConn,
    tenant: &str,
    seq: i64,
) -> Result<(), StoreError> {
    if conn.dialect() != Dialect::Sqlite {
        return Ok(());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM event_heads WHERE tenant_id = ")
        .text_value(tenant)
        .push(" AND last_event <= ")
        .int_value(seq);
    conn.execute(&sql)?;
    Ok(())
}

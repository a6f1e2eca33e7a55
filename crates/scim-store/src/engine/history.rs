//! Which events are about one resource: a person's or a group's history.
//!
//! No index entry per event finds them: on a large tenant it would land on a different page for
//! each resource and cost every write about it a page more in its commit. Instead each event
//! names the previous one about the same resource (`events.previous`), and the newest is kept on
//! the resource's row (`resources.last_event`), which the write rewrites anyway, or, for what
//! has no row (a deleted resource, a token, the tenant), in `event_heads`. A history is a walk
//! down that chain by the primary key, starting from the row's head and else from
//! `event_heads`.

use std::collections::HashMap;

use crate::backend::SqlConn;
use crate::sql::Sql;
use crate::{StoreError, TenantId};

/// Pushes a subquery that yields, as `seq`, the numbers of the events about `id`.
pub(crate) fn push_events_about(sql: &mut Sql, tenant: &TenantId, id: &str) {
    sql.push("WITH RECURSIVE chain(seq) AS (SELECT ");
    push_head(sql, tenant, id);
    sql.push(" UNION ALL SELECT e.previous FROM chain c JOIN events e ON e.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND e.seq = c.seq WHERE e.previous IS NOT NULL) SELECT seq FROM chain WHERE seq IS NOT NULL");
}

/// The newest event about `id` before the current statement: on its row, else in
/// `event_heads`; NULL when there is none.
fn push_head(sql: &mut Sql, tenant: &TenantId, id: &str) {
    sql.push("COALESCE((SELECT last_event FROM resources WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND id = ")
        .text_value(id)
        .push("), (SELECT last_event FROM event_heads WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND resource_id = ")
        .text_value(id)
        .push("))");
}

/// An event's number as an insert knows it: known (SQLite), or the `k`-th after the tenant's
/// last, which the statement reads as `last` (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seq {
    Known(i64),
    AfterLast(i64),
}

impl Seq {
    /// Pushes the number as an SQL expression.
    pub(crate) fn push(self, sql: &mut Sql) {
        match self {
            Self::Known(seq) => {
                sql.int_value(seq);
            }
            Self::AfterLast(k) => {
                sql.push("(SELECT n FROM last) + ").int_value(k);
            }
        }
    }
}

/// Pushes an event row's `previous`: `earlier`, an earlier event of the same write about the
/// same resource, or else the resource's newest event before this write (none for a resource
/// this write created).
pub(crate) fn push_previous(sql: &mut Sql, tenant: &TenantId, id: &str, earlier: Option<Seq>) {
    match earlier {
        Some(seq) => seq.push(sql),
        None => push_head(sql, tenant, id),
    }
}

/// The newest event of each resource that a write's events are about, as they are numbered.
#[derive(Debug, Default)]
pub(crate) struct Heads {
    newest: HashMap<String, Seq>,
}

impl Heads {
    /// Records event `seq` about `id`; returns the previous event about it in this write.
    pub(crate) fn advance(&mut self, id: &str, seq: Seq) -> Option<Seq> {
        match self.newest.get_mut(id) {
            Some(newest) => Some(std::mem::replace(newest, seq)),
            None => {
                self.newest.insert(id.to_owned(), seq);
                None
            }
        }
    }

    /// Turns the numbers counted from a statement's `last` into numbers, once the statement
    /// said what `last` was.
    pub(crate) fn settle(&mut self, last: i64) {
        for seq in self.newest.values_mut() {
            if let Seq::AfterLast(k) = *seq {
                *seq = Seq::Known(last + k);
            }
        }
    }

    /// Stores the new heads: on each resource's row, or in `event_heads` for what has none.
    pub(crate) fn store(self, conn: &mut dyn SqlConn, tenant: &TenantId) -> Result<(), StoreError> {
        for (id, seq) in self.newest {
            let Seq::Known(seq) = seq else {
                return Err(StoreError::Corrupt(
                    "an event's number was not known after its insert".to_owned(),
                ));
            };
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
/// and the chain its deletion event continues, outlive its row.
pub(crate) fn keep_head_of_deleted(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
) -> Result<(), StoreError> {
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

/// Forgets the heads that point at pruned events (up to `seq`), whose chains are gone.
pub(crate) fn forget_pruned(
    conn: &mut dyn SqlConn,
    tenant: &str,
    seq: i64,
) -> Result<(), StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM event_heads WHERE tenant_id = ")
        .text_value(tenant)
        .push(" AND last_event <= ")
        .int_value(seq);
    conn.execute(&sql)?;
    Ok(())
}

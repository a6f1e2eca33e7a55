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

use super::log_range;
use crate::backend::SqlConn;
use crate::sql::{Dialect, Sql};
use crate::{StoreError, TenantId};

/// Pushes a subquery that yields the events about `id`, each as its identity
/// ([`log_range::push_identity`]; compare with [`log_range::order_column`]).
pub(crate) fn push_events_about(sql: &mut Sql, tenant: &TenantId, id: &str) {
    sql.push("WITH RECURSIVE chain(seq) AS (SELECT ");
    push_head(sql, tenant, id);
    sql.push(" UNION ALL SELECT e.previous FROM chain c JOIN events e ON ");
    if sql.dialect() == Dialect::Postgres {
        sql.push("e.tenant_id = ")
            .text_value(tenant.as_str())
            .push(" AND ");
    }
    sql.push(&log_range::order_column(sql.dialect(), "e."))
        .push(" = ");
    log_range::push_identity(sql, tenant, "c.seq");
    sql.push(" WHERE e.previous IS NOT NULL) SELECT ");
    log_range::push_identity(sql, tenant, "seq");
    sql.push(" FROM chain WHERE seq IS NOT NULL");
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

/// What an event row's `previous` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Previous {
    /// This event: an earlier one of the same write, or the resource's head as the write read it.
    Is(Seq),
    /// None: the resource has no earlier event.
    Nothing,
    /// The resource's newest event before this write, which the statement looks up.
    LookedUp,
}

impl Previous {
    /// Pushes the value of an event row's `previous` about `id`.
    pub(crate) fn push(self, sql: &mut Sql, tenant: &TenantId, id: &str) {
        match self {
            Self::Is(seq) => seq.push(sql),
            Self::Nothing => {
                sql.push("NULL");
            }
            Self::LookedUp => push_head(sql, tenant, id),
        }
    }
}

/// The newest event of each resource that a write's events are about, as they are numbered.
#[derive(Debug, Default)]
pub(crate) struct Heads {
    newest: HashMap<String, Seq>,
    /// The `previous` of the first event about a resource, where the write knows it without a
    /// lookup (it read the resource's row, or created it).
    first: HashMap<String, Previous>,
}

impl Heads {
    /// Heads for a write that knows the `previous` of its first event about `id`.
    pub(crate) fn knowing(id: &str, previous: Previous) -> Self {
        let mut heads = Self::default();
        heads.first.insert(id.to_owned(), previous);
        heads
    }

    /// Records event `seq` about `id`; returns its `previous`.
    pub(crate) fn advance(&mut self, id: &str, seq: Seq) -> Previous {
        if let Some(newest) = self.newest.get_mut(id) {
            return Previous::Is(std::mem::replace(newest, seq));
        }
        self.newest.insert(id.to_owned(), seq);
        self.first.get(id).copied().unwrap_or(Previous::LookedUp)
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

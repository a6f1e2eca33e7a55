//! Where a tenant's events are in `events`, and the conditions that find them there.
//!
//! PostgreSQL keys `events` by `(tenant_id, seq)`. On SQLite such a key is a B-tree of its own
//! beside the table: one more page that every write's commit puts in the WAL and a checkpoint
//! copies back, about 3% of the server CPU of a user PATCH (docs/benchmarks.md, "What events cost a
//! write"). There the table's own rowid, `log_key`, is the key instead: the tenant's event space
//! (`tenants.event_space`, given by a trigger when the tenant is created) in the high bits and
//! `seq` in the low [`SEQ_BITS`], so that a tenant's log is one range of the table's B-tree, in
//! order, and an event costs a commit the table's last page only.

use crate::TenantId;
use crate::sql::{Dialect, Sql};

/// The bits of an SQLite event key that hold `seq`: a tenant's log holds about 10^12 events.
pub(crate) const SEQ_BITS: u32 = 40;

// The migration `2026-12-07-500001_event_keys` and `events::push_last_seq` write it as 40.
const _: () = assert!(SEQ_BITS == 40);

/// The highest number an event can have.
pub(crate) const MAX_SEQ: i64 = (1 << SEQ_BITS) - 1;

/// A tenant, as a value or as a column of the query around.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LogOwner<'a> {
    Is(&'a str),
    Column(&'a str),
}

impl LogOwner<'_> {
    fn push(self, sql: &mut Sql) {
        match self {
            Self::Is(tenant) => {
                sql.text_value(tenant);
            }
            Self::Column(column) => {
                sql.push(column);
            }
        }
    }
}

/// The column that orders a tenant's log (`prefix`: the table's alias and a dot, or nothing).
pub(crate) fn order_column(dialect: Dialect, prefix: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("{prefix}log_key"),
        Dialect::Postgres => format!("{prefix}seq"),
    }
}

/// The SQLite key of event `seq` of a tenant whose event space is `space`.
pub(crate) fn key_of(space: i64, seq: i64) -> i64 {
    (space << SEQ_BITS) | (seq & MAX_SEQ)
}

/// Pushes (SQLite) the key of the tenant's event number 0: an expression.
fn push_base(sql: &mut Sql, tenant: LogOwner<'_>) {
    sql.push("(SELECT event_space << ")
        .push(&SEQ_BITS.to_string())
        .push(" FROM tenants WHERE id = ");
    tenant.push(sql);
    sql.push(")");
}

/// Pushes the condition that an `events` row (`prefix`: its alias and a dot, or nothing) is one
/// of `tenant`'s, numbered after `after` and at most `up_to`.
pub(crate) fn push_numbered(
    sql: &mut Sql,
    prefix: &str,
    tenant: LogOwner<'_>,
    after: NumberAfter<'_>,
    up_to: i64,
) {
    match sql.dialect() {
        Dialect::Postgres => {
            sql.push(prefix).push("tenant_id = ");
            tenant.push(sql);
            sql.push(" AND ").push(prefix).push("seq > ");
            after.push(sql);
            if up_to < MAX_SEQ {
                sql.push(" AND ")
                    .push(prefix)
                    .push("seq <= ")
                    .int_value(up_to);
            }
        }
        Dialect::Sqlite => {
            sql.push(prefix).push("log_key > ");
            push_base(sql, tenant);
            sql.push(" + ");
            after.push(sql);
            sql.push(" AND ").push(prefix).push("log_key <= ");
            push_base(sql, tenant);
            sql.push(" + ").int_value(up_to.clamp(0, MAX_SEQ));
        }
    }
}

/// The lower bound of [`push_numbered`]: a number, or a column of the query around.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NumberAfter<'a> {
    Is(i64),
    Column(&'a str),
}

impl NumberAfter<'_> {
    fn push(self, sql: &mut Sql) {
        match self {
            Self::Is(seq) => {
                sql.int_value(seq.max(0));
            }
            Self::Column(column) => {
                sql.push(column);
            }
        }
    }
}

/// Pushes the expression that identifies, among `tenant`'s events, the one numbered `seq` (an
/// expression): `seq` itself on PostgreSQL, its key on SQLite; compare it with
/// [`order_column`].
pub(crate) fn push_identity(sql: &mut Sql, tenant: &TenantId, seq: &str) {
    match sql.dialect() {
        Dialect::Postgres => {
            sql.push(seq);
        }
        Dialect::Sqlite => {
            push_base(sql, LogOwner::Is(tenant.as_str()));
            sql.push(" + ").push(seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_keeps_the_space_above_the_number() {
        assert_eq!(key_of(1, 1), (1 << 40) + 1);
        assert_eq!(key_of(3, MAX_SEQ) >> SEQ_BITS, 3);
        assert_eq!(key_of(3, MAX_SEQ) & MAX_SEQ, MAX_SEQ);
        assert!(key_of(2, MAX_SEQ) < key_of(3, 1));
    }

    #[test]
    fn sqlite_finds_a_tenants_range_by_its_key() {
        let tenant = TenantId::new("acme").unwrap();
        let mut sql = Sql::new(Dialect::Sqlite);
        push_numbered(
            &mut sql,
            "e.",
            LogOwner::Is(tenant.as_str()),
            NumberAfter::Is(5),
            MAX_SEQ,
        );
        assert!(
            sql.text()
                .starts_with("e.log_key > (SELECT event_space << 40")
        );
        assert!(!sql.text().contains("seq"));
        let mut sql = Sql::new(Dialect::Postgres);
        push_numbered(
            &mut sql,
            "",
            LogOwner::Is(tenant.as_str()),
            NumberAfter::Is(5),
            9,
        );
        assert!(sql.text().starts_with("tenant_id = "));
        assert!(sql.text().contains("seq <= "));
    }
}

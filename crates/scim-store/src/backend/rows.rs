//! The row shapes the store loads, by column name.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

#[derive(Debug, QueryableByName)]
pub(crate) struct ResourceRow {
    #[diesel(sql_type = Text)]
    pub(crate) resource_type: String,
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) seq: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) version: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) updated_at: i64,
    #[diesel(sql_type = Bool)]
    pub(crate) protected: bool,
    #[diesel(sql_type = Text)]
    pub(crate) data: String,
    /// The memberships a read asked for, as a JSON array of `[value, type, display]`.
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) links: Option<String>,
    /// The newest event about it when it was read (`engine::history`); none for a row about to
    /// be written.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) last_event: Option<i64>,
}

/// A row of a query: the number of matches, and a resource of the page (all `NULL` when the
/// page is empty: the one row then only carries the number).
#[derive(Debug, QueryableByName)]
pub(crate) struct PageRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) total: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) resource_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) id: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) seq: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) version: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) created_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) updated_at: Option<i64>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub(crate) protected: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) data: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) links: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) last_event: Option<i64>,
}

impl PageRow {
    /// The resource of the row, if the page has one here.
    pub(crate) fn into_resource(self) -> Option<ResourceRow> {
        Some(ResourceRow {
            resource_type: self.resource_type?,
            id: self.id?,
            seq: self.seq?,
            version: self.version?,
            created_at: self.created_at?,
            updated_at: self.updated_at?,
            protected: self.protected?,
            data: self.data?,
            links: self.links,
            last_event: self.last_event,
        })
    }
}

/// A resource that can be a member: its id and its type.
#[derive(Debug, QueryableByName)]
pub(crate) struct MemberRow {
    #[diesel(sql_type = Text)]
    pub(crate) member_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) member_type: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct EventRow {
    #[diesel(sql_type = Text)]
    pub(crate) tenant_id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) seq: i64,
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text, column_name = "type")]
    pub(crate) event_type: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) at: i64,
    #[diesel(sql_type = Text)]
    pub(crate) actor: String,
    #[diesel(sql_type = Text)]
    pub(crate) resource_type: String,
    #[diesel(sql_type = Text)]
    pub(crate) resource_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) external_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) version: Option<i64>,
    #[diesel(sql_type = Text)]
    pub(crate) changed: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) detail: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) snapshot: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) txn: Option<String>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct TokenRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) tenant_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) token_hash: String,
    #[diesel(sql_type = Text)]
    pub(crate) scopes: String,
    #[diesel(sql_type = Text)]
    pub(crate) description: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) issued_at: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) expires_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) revoked_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) last_used_at: Option<i64>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct TenantRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = Text)]
    pub(crate) settings: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct IntegerRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct StringRow {
    #[diesel(sql_type = Text)]
    pub(crate) s: String,
}

/// One row of SQLite's `EXPLAIN QUERY PLAN`.
#[derive(Debug, QueryableByName)]
pub(crate) struct SqlitePlanRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub(crate) id: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub(crate) parent: i32,
    #[diesel(sql_type = Text)]
    pub(crate) detail: String,
}

/// One line of PostgreSQL's `EXPLAIN`.
#[derive(Debug, QueryableByName)]
pub(crate) struct PostgresPlanRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    pub(crate) line: String,
}

/// SQLite's plan rows as indented lines, the way its shell draws them.
pub(crate) fn sqlite_plan_lines(rows: &[SqlitePlanRow]) -> Vec<String> {
    let mut depths: Vec<(i32, usize)> = Vec::with_capacity(rows.len());
    rows.iter()
        .map(|row| {
            let depth = depths
                .iter()
                .find(|(id, _)| *id == row.parent)
                .map_or(0, |(_, d)| d + 1);
            depths.push((row.id, depth));
            format!("{}{}", "  ".repeat(depth), row.detail)
        })
        .collect()
}

#[derive(Debug, QueryableByName)]
pub(crate) struct ServerKeyRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) purpose: String,
    #[diesel(sql_type = Text)]
    pub(crate) algorithm: String,
    #[diesel(sql_type = Text)]
    pub(crate) material: String,
    #[diesel(sql_type = Text)]
    pub(crate) origin: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) retired_at: Option<i64>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct SubscriptionRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) tenant_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) url: String,
    #[diesel(sql_type = Text)]
    pub(crate) format: String,
    #[diesel(sql_type = Text)]
    pub(crate) delivery: String,
    #[diesel(sql_type = Text)]
    pub(crate) event_types: String,
    #[diesel(sql_type = Bool)]
    pub(crate) full_form: bool,
    #[diesel(sql_type = Text)]
    pub(crate) secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) audience: Option<String>,
    #[diesel(sql_type = Text)]
    pub(crate) description: String,
    #[diesel(sql_type = Bool)]
    pub(crate) enabled: bool,
    #[diesel(sql_type = Text)]
    pub(crate) state: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) cursor_seq: i64,
    #[diesel(sql_type = Text)]
    pub(crate) acked_beyond: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub(crate) attempts: i32,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) failing_since: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(crate) next_attempt_at: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) last_error: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) updated_at: i64,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct DeliveryRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) at: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) event_id: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) seq: Option<i64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
    pub(crate) status: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub(crate) latency_us: i64,
    #[diesel(sql_type = Bool)]
    pub(crate) delivered: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) error: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) response_excerpt: Option<String>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct ConsoleSessionRow {
    #[diesel(sql_type = Text)]
    pub(crate) id_hash: String,
    #[diesel(sql_type = Text)]
    pub(crate) kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) tenant_id: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) expires_at: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) last_seen_at: i64,
}

/// A member of a group with its resource's stored document (`NULL` if the row is gone).
#[derive(Debug, QueryableByName)]
pub(crate) struct MemberDataRow {
    #[diesel(sql_type = Text)]
    pub(crate) member_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) member_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) data: Option<String>,
}

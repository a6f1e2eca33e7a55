//! Queries: filter, sort, index and cursor pagination, all in SQL.

use scim_core::filter::{ResolvedFilter, ResolvedOp, ResolvedPath, resolve, resolve_sort_by};
use scim_core::schema::ResourceType;
use scim_core::{ScimError, ScimType};

use super::Engine;
use super::render::render;
use super::tables;
use crate::backend::{Backend, PageRow, ResourceRow, SqlConn};
use crate::model::{Page, Query, ReadOptions, StatementPlan};
use crate::sql::{Dialect, ResourceKind, Rows, Sql, is_simple, pins_key, push_filter};
use crate::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::{StoreError, TenantId};

/// A cursor names the last row of the previous page by its insertion sequence number.
fn encode_cursor(seq: i64) -> String {
    format!("s{seq}")
}

fn decode_cursor(cursor: &str) -> Result<Option<i64>, ScimError> {
    if cursor.is_empty() {
        return Ok(None);
    }
    cursor
        .strip_prefix('s')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| {
            ScimError::new(
                ScimType::InvalidCursor,
                "the cursor is not one this server issued",
            )
        })
}

/// Page limits written into the statement's text rather than bound (the page sizes clients
/// use, and one more for cursor pages).
///
/// PostgreSQL plans a cached statement once for any values (a generic plan) when that plan
/// looks no worse than planning each execution; with a bound `LIMIT` it must assume a tenth of
/// the rows, finds the generic plan expensive, and plans every execution again, which costs
/// more than a lookup's execution. A literal limit from this small set keeps the statement
/// texts few (they stay cacheable) and the generic plan right.
const COMMON_LIMITS: [i64; 11] = [0, 1, 2, 10, 11, 50, 51, 100, 101, 1000, 1001];

/// A query checked against the schema, ready to become SQL.
struct Planned<'r> {
    resource_type: &'r ResourceType,
    target: ResourceKind,
    filter: Option<ResolvedFilter>,
    sort: Option<ResolvedPath>,
    descending: bool,
    /// `Some(None)` is the first page of cursor pagination.
    cursor: Option<Option<i64>>,
    count: u64,
    start_index: u64,
}

impl Planned<'_> {
    /// The query as one statement: `total` (the number of matches) on every row, and the
    /// page's resources with the memberships `options` asks for, in order. An empty page is one
    /// row with `total` and `NULL`s.
    ///
    /// One statement is one round trip and one snapshot: the page and its `totalResults`
    /// agree without a transaction around them.
    fn statement(
        &self,
        dialect: Dialect,
        tenant: &TenantId,
        options: ReadOptions,
    ) -> Result<Sql, StoreError> {
        if self.is_unique_lookup() {
            return self.unique_statement(dialect, tenant, options);
        }
        let mut sql = Sql::new(dialect);
        sql.cache_if(self.filter.as_ref().is_none_or(is_simple));
        let skip = self.block_skip();
        if let Some(offset) = skip {
            // The last block whose earlier blocks hold at most `offset` rows holds the page's
            // first row: the scan starts there, and skips only that block's earlier rows.
            sql.push("WITH start AS (SELECT b.block * ")
                .push(&tables::BLOCK.to_string())
                .push(" AS first_seq, ")
                .int_value(offset)
                .push(" - b.before AS skip FROM (SELECT block, CAST(SUM(n) OVER (ORDER BY block) - n AS BIGINT) AS before FROM resource_counts WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND resource_type = ")
                .text_value(self.resource_type.name())
                .push(") b WHERE b.before <= ")
                .int_value(offset)
                .push(" ORDER BY b.block DESC LIMIT 1) ");
        }
        sql.push("SELECT c.n AS total, ");
        tables::resource_columns(&mut sql, "p", options);
        sql.push(" FROM (");
        self.push_count(&mut sql, tenant)?;
        sql.push(") c LEFT JOIN (");
        self.push_page(&mut sql, tenant, skip.is_some())?;
        sql.push(") pg ON TRUE LEFT JOIN resources p ON p.seq = pg.page_seq ORDER BY pg.page_ord");
        Ok(sql)
    }

    /// The statement when at most one row can match (see [`Self::is_unique_lookup`]): that
    /// row, if any, whatever the window, with `1` as its `total` ([`Self::page`] reads no row
    /// as a total of 0, and cuts the window). Over at most one row, the general statement's
    /// count, materialised page, joins and sort are work for nothing.
    fn unique_statement(
        &self,
        dialect: Dialect,
        tenant: &TenantId,
        options: ReadOptions,
    ) -> Result<Sql, StoreError> {
        let mut sql = Sql::cached(dialect);
        sql.push("SELECT CAST(1 AS BIGINT) AS total, ");
        tables::resource_columns(&mut sql, "r", options);
        sql.push(" FROM resources r");
        scope(
            &mut sql,
            tenant,
            self.resource_type,
            self.target,
            self.filter.as_ref(),
        )?;
        sql.push(" LIMIT 1");
        Ok(sql)
    }

    /// Runs the query's one statement.
    fn rows(
        &self,
        conn: &mut dyn SqlConn,
        tenant: &TenantId,
        options: ReadOptions,
    ) -> Result<Vec<PageRow>, StoreError> {
        let sql = self.statement(conn.dialect(), tenant, options)?;
        conn.page(&sql)
    }

    /// The page the statement's rows make.
    fn page(&self, rows: Vec<PageRow>, options: ReadOptions) -> Result<Page, StoreError> {
        let total = rows
            .first()
            .map_or(0, |row| u64::try_from(row.total).unwrap_or(0));
        let mut rows: Vec<ResourceRow> = rows
            .into_iter()
            .filter_map(PageRow::into_resource)
            .collect();
        if self.is_unique_lookup() {
            rows.retain(|row| self.starts_page(row));
        }
        let more = rows.len() as u64 > self.count;
        rows.truncate(usize::try_from(self.count).unwrap_or(usize::MAX));
        let next_cursor = match (self.cursor, more, rows.last()) {
            (Some(_), true, Some(last)) => Some(encode_cursor(last.seq)),
            _ => None,
        };
        Ok(Page {
            resources: render(rows, options)?,
            total_results: total,
            start_index: if self.cursor.is_some() {
                1
            } else {
                self.start_index
            },
            next_cursor,
        })
    }

    /// Whether an index finds the answer directly: one equality on `id`, `externalId` or a
    /// User's case-insensitive `userName` (the columns the store indexes), in insertion order.
    /// Such a query reads a handful of rows whatever the size of the tenant.
    fn is_point_lookup(&self) -> bool {
        self.point_attribute().is_some()
    }

    /// Whether at most one row can match: a point lookup on `id` (unique in a tenant) or on a
    /// User's `userName`, whose case-folded form every User row also keeps in `unique_name`,
    /// unique per tenant and type. Not `externalId`, which clients may repeat.
    fn is_unique_lookup(&self) -> bool {
        matches!(self.point_attribute(), Some("id" | "userName"))
    }

    /// The attribute of a point lookup (see [`Self::is_point_lookup`]).
    fn point_attribute(&self) -> Option<&str> {
        let Some(ResolvedFilter::Compare(compare)) = &self.filter else {
            return None;
        };
        let path = compare.path();
        let indexed = match path.attribute() {
            "id" | "externalId" => true,
            "userName" => self.target == ResourceKind::User && !path.is_case_exact(),
            _ => false,
        };
        let point = self.sort.is_none()
            && compare.op() == ResolvedOp::Eq
            && path.extension().is_none()
            && path.sub_attribute().is_none()
            && indexed;
        point.then(|| path.attribute())
    }

    /// Whether the page's window, before its size cuts it, holds `row`, the only match: any
    /// page after the first starts past it.
    fn starts_page(&self, row: &ResourceRow) -> bool {
        match self.cursor {
            Some(Some(after)) => row.seq > after,
            Some(None) => true,
            None => self.start_index == 1,
        }
    }

    /// The offset of an index page that can start at its block: unfiltered, in insertion
    /// order, past the first row.
    fn block_skip(&self) -> Option<i64> {
        let plain = self.filter.is_none() && self.sort.is_none() && self.cursor.is_none();
        let offset = i64::try_from(self.start_index - 1).unwrap_or(i64::MAX);
        (plain && offset > 0).then_some(offset)
    }

    /// How many rows match: without a filter, the counts the writes keep (exact, and free of a
    /// scan over every row of the tenant); with one, `COUNT(*)`.
    fn push_count(&self, sql: &mut Sql, tenant: &TenantId) -> Result<(), StoreError> {
        if self.filter.is_none() {
            sql.push("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM resource_counts WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND resource_type = ")
                .text_value(self.resource_type.name());
            return Ok(());
        }
        sql.push("SELECT COUNT(*) AS n FROM resources r");
        scope(
            sql,
            tenant,
            self.resource_type,
            self.target,
            self.filter.as_ref(),
        )
    }

    /// The `seq`s of the page's rows (`page_seq`) and their order (`page_ord`); one more than
    /// the page for cursors, which tells whether a next page exists.
    fn push_page(
        &self,
        sql: &mut Sql,
        tenant: &TenantId,
        from_block: bool,
    ) -> Result<(), StoreError> {
        match &self.sort {
            Some(path) => {
                sql.push("SELECT r.seq AS page_seq, ROW_NUMBER() OVER (ORDER BY ");
                order_keys(sql, self.target, path, self.descending);
                sql.push(") AS page_ord FROM resources r");
            }
            None => {
                sql.push("SELECT r.seq AS page_seq, r.seq AS page_ord FROM resources r");
            }
        }
        scope(
            sql,
            tenant,
            self.resource_type,
            self.target,
            self.filter.as_ref(),
        )?;
        if let Some(Some(after)) = self.cursor {
            sql.push(" AND r.seq > ").int_value(after);
        }
        if from_block {
            sql.push(" AND r.seq >= (SELECT first_seq FROM start)");
        }
        sql.push(" ORDER BY ");
        match &self.sort {
            Some(path) => order_keys(sql, self.target, path, self.descending),
            None => {
                sql.push("r.seq");
            }
        }
        let limit = if self.cursor.is_some() {
            self.count + 1
        } else {
            self.count
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        sql.push(" LIMIT ");
        if COMMON_LIMITS.contains(&limit) {
            sql.push(&limit.to_string());
        } else {
            sql.limit_value(limit);
        }
        if from_block {
            sql.push(" OFFSET COALESCE((SELECT skip FROM start), 0)");
        } else if self.cursor.is_none() && self.start_index > 1 {
            sql.push(" OFFSET ")
                .limit_value(i64::try_from(self.start_index - 1).unwrap_or(i64::MAX));
        }
        Ok(())
    }
}

impl<B: Backend> Engine<B> {
    fn plan_query<'r>(
        &'r self,
        resource_type: &str,
        query: &Query,
    ) -> Result<Planned<'r>, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        let filter = query
            .filter
            .as_ref()
            .map(|filter| resolve(filter, &self.registry, resource_type))
            .transpose()
            .map_err(ScimError::from)?;
        let sort = query
            .sort_by
            .as_ref()
            .map(|path| resolve_sort_by(path, &self.registry, resource_type))
            .transpose()?;
        let cursor = match &query.cursor {
            Some(cursor) => {
                if sort.is_some() {
                    return Err(ScimError::new(
                        ScimType::InvalidValue,
                        "cursor pagination returns resources in creation order and cannot be combined with sortBy",
                    )
                    .into());
                }
                Some(decode_cursor(cursor)?)
            }
            None => None,
        };
        Ok(Planned {
            resource_type,
            target: ResourceKind::of(resource_type.name()),
            filter,
            sort,
            descending: query.descending,
            cursor,
            count: query.count.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE),
            start_index: query.start_index.unwrap_or(1).max(1),
        })
    }

    pub(crate) fn query_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Result<Page, StoreError> {
        let planned = self.plan_query(resource_type, query)?;
        // One statement: consistent on its own, so no transaction (and no BEGIN and COMMIT
        // round trips) around it.
        let rows = self
            .backend
            .run(|conn| planned.rows(conn, tenant, options))?;
        planned.page(rows, options)
    }

    /// [`Self::query_impl`] on the calling thread, for point lookups that can start at once.
    pub(crate) fn query_at_once_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Option<Result<Page, StoreError>> {
        let planned = match self.plan_query(resource_type, query) {
            Ok(planned) => planned,
            Err(e) => return Some(Err(e)),
        };
        if !planned.is_point_lookup() || (options.members && planned.target == ResourceKind::Group)
        {
            return None;
        }
        let rows = self
            .backend
            .run_at_once(|conn| planned.rows(conn, tenant, options))?;
        Some(rows.and_then(|rows| planned.page(rows, options)))
    }

    /// The statement [`Self::query_impl`] runs for `query`, with the database's plan.
    pub(crate) fn explain_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        analyze: bool,
    ) -> Result<StatementPlan, StoreError> {
        let planned = self.plan_query(resource_type, query)?;
        self.backend.read(|conn| {
            let sql = planned.statement(conn.dialect(), tenant, ReadOptions::FULL)?;
            Ok(StatementPlan {
                sql: sql.text().to_owned(),
                plan: conn.plan(&sql, analyze)?,
            })
        })
    }
}

/// ` WHERE` tenant, type and filter.
///
/// On PostgreSQL, a statement whose filter pins no key also says `r.seq > 0`, which every row
/// meets: `resources_in_order` is partial on it, so only such listings can read through it. A
/// lookup by a key then has exactly one index that matches its equalities, and no planner,
/// whatever its statistics, can cost a scan of the tenant's rows through `resources_in_order`
/// as cheap as the lookup (docs/decisions/0005-point-lookups-without-statistics.md).
fn scope(
    sql: &mut Sql,
    tenant: &TenantId,
    resource_type: &ResourceType,
    target: ResourceKind,
    filter: Option<&ResolvedFilter>,
) -> Result<(), StoreError> {
    sql.push(" WHERE r.tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND r.resource_type = ")
        .text_value(resource_type.name());
    if sql.dialect() == Dialect::Postgres && !filter.is_some_and(|f| pins_key(f, target)) {
        sql.push(" AND r.seq > 0");
    }
    if let Some(filter) = filter {
        sql.push(" AND ");
        let rows = Rows {
            tenant: tenant.as_str(),
            resource_type: resource_type.name(),
            target,
        };
        push_filter(sql, rows, filter)?;
    }
    Ok(())
}

/// The sort keys: the sort key's absence (missing values last when ascending, first when
/// descending), the key, then insertion order.
fn order_keys(sql: &mut Sql, target: ResourceKind, path: &ResolvedPath, descending: bool) {
    let direction = if descending { " DESC" } else { " ASC" };
    sql.push("(");
    crate::sql::push_sort_key(sql, target, path);
    sql.push(") IS NULL");
    sql.push(direction);
    sql.push(", ");
    crate::sql::push_sort_key(sql, target, path);
    sql.push(direction).push(", r.seq").push(direction);
}

#[cfg(test)]
mod tests {
    //! Snapshots of the whole statement a query runs, in both dialects: the general one and
    //! the one for lookups that at most one row can match.

    use insta::{assert_snapshot, with_settings};
    use scim_core::filter::{parse_filter, resolve};
    use scim_core::schema::SchemaRegistry;

    use super::Planned;
    use crate::TenantId;
    use crate::model::ReadOptions;
    use crate::sql::{Dialect, ResourceKind};

    /// The statement for `filter` on the first index page, text and binds, in both dialects.
    fn statement_sql(resource_type: &str, filter: &str, options: ReadOptions) -> String {
        let registry = SchemaRegistry::standard();
        let resource_type = registry.resource_type(resource_type).unwrap();
        let parsed = parse_filter(filter).unwrap();
        let planned = Planned {
            resource_type,
            target: ResourceKind::of(resource_type.name()),
            filter: Some(resolve(&parsed, &registry, resource_type).unwrap()),
            sort: None,
            descending: false,
            cursor: None,
            count: super::DEFAULT_PAGE_SIZE,
            start_index: 1,
        };
        let tenant = TenantId::new("acme").unwrap();
        let mut out = format!("-- {}: {filter} ({options:?})\n", resource_type.name());
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let sql = planned.statement(dialect, &tenant, options).unwrap();
            assert!(!sql.text().contains('§'), "{}", sql.text());
            out.push_str(&format!(
                "-- {dialect:?}\n{}\n-- binds: {:?}\n",
                sql.text(),
                sql.binds()
            ));
        }
        out
    }

    /// Beside the filters' snapshots, so that every statement text is reviewed in one place.
    fn statement_snapshot(name: &str, sql: String) {
        with_settings!({ snapshot_path => "../sql/snapshots" }, {
            assert_snapshot!(name, sql);
        });
    }

    #[test]
    fn statement_user_name_lookup() {
        statement_snapshot(
            "statement_user_name_lookup",
            statement_sql("User", r#"userName eq "§Ada""#, ReadOptions::FULL),
        );
    }

    #[test]
    fn statement_id_lookup_without_memberships() {
        statement_snapshot(
            "statement_id_lookup_without_memberships",
            statement_sql("Group", r#"id eq "§1""#, ReadOptions::DOCUMENT_ONLY),
        );
    }

    /// A filter that pins no key reads through `resources_in_order` on PostgreSQL, which only
    /// a statement saying `r.seq > 0` can use.
    #[test]
    fn statement_listing() {
        statement_snapshot(
            "statement_listing",
            statement_sql("User", r#"title eq "§Boss""#, ReadOptions::DOCUMENT_ONLY),
        );
    }

    #[test]
    fn statement_external_id_lookup() {
        statement_snapshot(
            "statement_external_id_lookup",
            statement_sql("User", r#"externalId eq "§x""#, ReadOptions::FULL),
        );
    }
}

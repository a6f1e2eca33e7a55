//! Queries: filter, sort, index and cursor pagination, all in SQL.

use scim_core::filter::{
    Filter, PatchPath, Present, ResolvedFilter, ResolvedPath, Span, parse_filter, parse_path,
    resolve,
};
use scim_core::schema::{AttributeType, ResourceType};
use scim_core::{ScimError, ScimType};

use super::Engine;
use super::render::render;
use super::tables;
use crate::backend::{Backend, SqlConn};
use crate::model::{Page, Query, ReadOptions};
use crate::sql::{Sql, Target, push_filter};
use crate::{StoreError, TenantId};

/// The page size when a query names none.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// The largest page a query may ask for; larger `count`s are lowered to it (RFC 7644 §3.4.2.4).
pub const MAX_PAGE_SIZE: u64 = 1000;

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

/// The resolved attribute a `sortBy` names.
fn resolve_sort_path(
    engine_registry: &scim_core::schema::SchemaRegistry,
    resource_type: &ResourceType,
    sort_by: &str,
) -> Result<ResolvedPath, ScimError> {
    let invalid = |detail: String| ScimError::new(ScimType::InvalidValue, detail);
    let path = match parse_path(sort_by) {
        Ok(PatchPath::Attr(path)) => path,
        _ => {
            return Err(invalid(format!(
                "sortBy {sort_by:?} is not an attribute path"
            )));
        }
    };
    let filter = Filter::Present(Present {
        path,
        span: Span::default(),
    });
    match resolve(&filter, engine_registry, resource_type) {
        Ok(ResolvedFilter::Present(resolved)) if resolved.kind() != AttributeType::Complex => {
            Ok(resolved)
        }
        Ok(_) => Err(invalid(format!(
            "sortBy {sort_by:?} is a complex attribute: name one of its sub-attributes"
        ))),
        _ => Err(invalid(format!(
            "sortBy {sort_by:?} names no attribute of {}",
            resource_type.name()
        ))),
    }
}

impl<B: Backend> Engine<B> {
    pub(crate) fn query_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Result<Page, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        let filter = match &query.filter {
            Some(text) if !text.trim().is_empty() => {
                let parsed = parse_filter(text).map_err(ScimError::from)?;
                Some(resolve(&parsed, &self.registry, resource_type).map_err(ScimError::from)?)
            }
            _ => None,
        };
        let sort = match &query.sort_by {
            Some(sort_by) if !sort_by.trim().is_empty() => Some(resolve_sort_path(
                &self.registry,
                resource_type,
                sort_by.trim(),
            )?),
            _ => None,
        };
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
        let count = query.count.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE);
        let start_index = query.start_index.unwrap_or(1).max(1);
        let target = Target::of(resource_type.name());
        self.backend.read(|conn| {
            let total = count_matching(conn, tenant, resource_type, target, filter.as_ref())?;
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT r.seq AS n FROM resources r");
            scope(&mut sql, tenant, resource_type, target, filter.as_ref())?;
            if let Some(Some(after)) = cursor {
                sql.push(" AND r.seq > ").int_value(after);
            }
            match &sort {
                Some(path) => order_by(&mut sql, target, path, query.descending),
                None => {
                    sql.push(" ORDER BY r.seq");
                }
            }
            // One more than asked tells whether a next page exists.
            let limit = if cursor.is_some() { count + 1 } else { count };
            sql.push(" LIMIT ")
                .int_value(i64::try_from(limit).unwrap_or(i64::MAX));
            if cursor.is_none() {
                sql.push(" OFFSET ")
                    .int_value(i64::try_from(start_index - 1).unwrap_or(i64::MAX));
            }
            let mut seqs = conn.integers(&sql)?;
            let more = seqs.len() as u64 > count;
            seqs.truncate(usize::try_from(count).unwrap_or(usize::MAX));
            let next_cursor = match (cursor, more, seqs.last()) {
                (Some(_), true, Some(last)) => Some(encode_cursor(*last)),
                _ => None,
            };
            let rows = tables::load_resources_by_seq(conn, &seqs)?;
            let resources = render(conn, tenant, rows, options)?;
            Ok(Page {
                resources,
                total_results: total,
                start_index: if cursor.is_some() { 1 } else { start_index },
                next_cursor,
            })
        })
    }
}

/// ` WHERE` tenant, type and filter.
fn scope(
    sql: &mut Sql,
    tenant: &TenantId,
    resource_type: &ResourceType,
    target: Target,
    filter: Option<&ResolvedFilter>,
) -> Result<(), StoreError> {
    sql.push(" WHERE r.tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND r.resource_type = ")
        .text_value(resource_type.name());
    if let Some(filter) = filter {
        sql.push(" AND ");
        push_filter(sql, target, filter)?;
    }
    Ok(())
}

fn count_matching(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    resource_type: &ResourceType,
    target: Target,
    filter: Option<&ResolvedFilter>,
) -> Result<u64, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT COUNT(*) AS n FROM resources r");
    scope(&mut sql, tenant, resource_type, target, filter)?;
    let n = conn.integers(&sql)?.into_iter().next().unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// ` ORDER BY` the sort key (missing values last when ascending, first when descending), then
/// insertion order.
fn order_by(sql: &mut Sql, target: Target, path: &ResolvedPath, descending: bool) {
    let direction = if descending { " DESC" } else { " ASC" };
    sql.push(" ORDER BY (");
    crate::sql::push_sort_key(sql, target, path);
    sql.push(") IS NULL");
    sql.push(direction);
    sql.push(", ");
    crate::sql::push_sort_key(sql, target, path);
    sql.push(direction).push(", r.seq").push(direction);
}

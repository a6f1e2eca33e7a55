//! `POST /.search` at the root (RFC 7644 §3.4.3), and `GET /` with query parameters: one
//! search over every resource type.
//!
//! - **Which types take part.** The filter is parsed once (a syntax error is `400
//!   invalidFilter`) and resolved against each resource type. A type the filter does not
//!   resolve for (it names `userName`, which Groups lack) contributes nothing; a filter that
//!   resolves for no type is `400 invalidFilter`. Without a filter, every type takes part.
//! - **Order.** Results are merged by resource type, in the registry's order (Users, then
//!   Groups), and within a type in the store's order (creation order, or `sortBy` applied
//!   within each type; a type without the `sortBy` attribute keeps creation order, as if all
//!   its values were null, and a `sortBy` no type has is `400 invalidValue`). The order is stable, so index pagination over the merged sequence
//!   works: `totalResults` is the sum of every type's matches, and `startIndex`/`count` cut
//!   the merged sequence, which may take the end of one type and the start of the next.
//! - **Projection.** `attributes` and `excludedAttributes` apply to each type by its own schema;
//!   a name a type lacks is ignored for that type, as everywhere.
//! - **Cursors.** Cursor pagination (RFC 9865) is not offered here: `cursor` is refused with
//!   `400 invalidValue`, and index pagination is used instead.
//!
//! The totals and the pages are read in separate statements, so a write in between can shift
//! a page by the resources it adds or removes, exactly as it can between two pages of any
//! index-paginated list.

use scim_core::filter::{Filter, resolve, resolve_sort_by};
use scim_core::message::{ListResponse, SearchRequest};
use scim_core::projection::Projection;
use scim_core::schema::{ResourceType, SchemaRegistry};
use scim_core::{ScimError, ScimType};
use scim_store::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Query, ReadOptions, StoredResource};
use serde_json::{Map, Value};

use crate::body::check_content_type;
use crate::caller::Caller;
use crate::resources::{location, projection, query_parameters, read_options, render};
use crate::response::Response;
use crate::runner::{Blocking, StoreOp};
use crate::service::Context;
use crate::store_error::scim_error;

/// `POST /.search`.
pub(crate) async fn root_search(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
) -> Result<Response, ScimError> {
    check_content_type(cx.request)?;
    let search = SearchRequest::from_slice(cx.request.body)?;
    search_all(cx, caller, search).await
}

/// `GET /` with query parameters: the same search (RFC 7644 §3.4.2.1 allows a query at the
/// server root).
pub(crate) async fn root_list(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
) -> Result<Response, ScimError> {
    let search = query_parameters(cx.request)?;
    search_all(cx, caller, search).await
}

async fn search_all(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    search: SearchRequest,
) -> Result<Response, ScimError> {
    if search.cursor.is_some() {
        return Err(ScimError::new(
            ScimType::InvalidValue,
            "cursor pagination is not offered for a search of every resource type; use startIndex and count",
        ));
    }
    let registry = cx.registry();
    let parsed = Query::from_search(&search)?;
    let types = participating_types(registry, parsed.filter.as_ref())?;
    let projections = types
        .iter()
        .map(|t| projection(registry, t, &search.attributes, &search.excluded_attributes))
        .collect::<Result<Vec<_>, _>>()?;
    let start_index = search.start_index.unwrap_or(1).max(1);
    let count = search.count.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE);
    let base_query = Query {
        start_index: None,
        count: None,
        ..parsed
    };
    let sortable = |t: &ResourceType| {
        base_query
            .sort_by
            .as_ref()
            .is_some_and(|path| resolve_sort_by(path, registry, t).is_ok())
    };
    // A type lacking the sort attribute keeps the store's order, as if every value were null;
    // when no type has it, the store reports the bad sortBy.
    let any_sortable = types.iter().any(|t| sortable(t));
    let plans: Vec<TypeQuery> = types
        .iter()
        .zip(&projections)
        .map(|(t, projection)| {
            let mut query = base_query.clone();
            if any_sortable && !sortable(t) {
                query.sort_by = None;
            }
            TypeQuery {
                name: t.name().to_owned(),
                query,
                options: read_options(projection),
            }
        })
        .collect();
    let (store, tenant) = (cx.store(), caller.tenant.clone());
    let (total, pages) = cx
        .runner
        .blocking(StoreOp::SearchAll, move || {
            let mut totals = Vec::with_capacity(plans.len());
            for plan in &plans {
                // With its sortBy, so that one no type has fails even when nothing matches.
                let only_count = Query {
                    count: Some(0),
                    ..plan.query.clone()
                };
                let page = store
                    .query(&tenant, &plan.name, &only_count, ReadOptions::DOCUMENT_ONLY)
                    .map_err(scim_error)?;
                totals.push(page.total_results);
            }
            let mut pages = Vec::new();
            for slice in slices(&totals, start_index, count) {
                let Some(plan) = plans.get(slice.index) else {
                    continue;
                };
                let page_query = Query {
                    start_index: Some(slice.start_index),
                    count: Some(slice.count),
                    ..plan.query.clone()
                };
                let page = store
                    .query(&tenant, &plan.name, &page_query, plan.options)
                    .map_err(scim_error)?;
                pages.push((slice.index, page.resources));
            }
            Ok((totals.iter().fold(0u64, |a, b| a.saturating_add(*b)), pages))
        })
        .await?;
    let resources = merge(&types, &projections, cx.base_url(), &pages);
    let list = ListResponse::new(resources, total).with_start_index(start_index);
    Ok(Response::json(200, &list, 4096))
}

/// One resource type's part of the search.
struct TypeQuery {
    name: String,
    query: Query,
    options: ReadOptions,
}

/// The resource types the filter resolves for, in registry order.
fn participating_types<'s>(
    registry: &'s SchemaRegistry,
    filter: Option<&Filter<'_>>,
) -> Result<Vec<&'s ResourceType>, ScimError> {
    let all = registry.resource_types();
    let Some(parsed) = filter else {
        return Ok(all.iter().collect());
    };
    let mut types = Vec::new();
    let mut first_error = None;
    for resource_type in all {
        match resolve(parsed, registry, resource_type) {
            Ok(_) => types.push(resource_type),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if types.is_empty() {
        let detail = match first_error {
            Some(e) => format!("the filter applies to no resource type: {e}"),
            None => "there are no resource types to search".to_owned(),
        };
        return Err(ScimError::new(ScimType::InvalidFilter, detail));
    }
    Ok(types)
}

/// The pages rendered in merged order, each resource under its own type's projection.
fn merge(
    types: &[&ResourceType],
    projections: &[Projection<'_>],
    base: &str,
    pages: &[(usize, Vec<StoredResource>)],
) -> Vec<Map<String, Value>> {
    let mut resources = Vec::new();
    for (index, page) in pages {
        let (Some(resource_type), Some(projection)) = (types.get(*index), projections.get(*index))
        else {
            continue;
        };
        for stored in page {
            let location = location(base, resource_type, &stored.id);
            resources.push(render(stored.resource.clone(), projection, &location));
        }
    }
    resources
}

/// One resource type's share of a page of the merged sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slice {
    /// The resource type's position among the participating types.
    index: usize,
    /// The 1-based index, within that type's results, of the first resource to read.
    start_index: u64,
    /// How many to read.
    count: u64,
}

/// Which part of each type's results a page of the merged sequence holds: the merged sequence
/// is every type's results one after the other, in the order of `totals`.
fn slices(totals: &[u64], start_index: u64, count: u64) -> Vec<Slice> {
    let first = start_index.max(1) - 1;
    let end = first.saturating_add(count);
    let mut offset = 0u64;
    let mut slices = Vec::new();
    for (index, total) in totals.iter().enumerate() {
        let type_end = offset.saturating_add(*total);
        let from = first.max(offset);
        let to = end.min(type_end);
        if from < to {
            slices.push(Slice {
                index,
                start_index: from - offset + 1,
                count: to - from,
            });
        }
        offset = type_end;
    }
    slices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(index: usize, start_index: u64, count: u64) -> Slice {
        Slice {
            index,
            start_index,
            count,
        }
    }

    #[test]
    fn a_page_can_span_two_types() {
        assert_eq!(slices(&[3, 4], 1, 5), [slice(0, 1, 3), slice(1, 1, 2)]);
        assert_eq!(slices(&[3, 4], 3, 3), [slice(0, 3, 1), slice(1, 1, 2)]);
        assert_eq!(slices(&[3, 4], 4, 100), [slice(1, 1, 4)]);
        assert_eq!(slices(&[3, 4], 6, 1), [slice(1, 3, 1)]);
    }

    #[test]
    fn empty_types_and_pages_past_the_end_take_nothing() {
        assert_eq!(
            slices(&[0, 2, 0, 1], 1, 10),
            [slice(1, 1, 2), slice(3, 1, 1)]
        );
        assert!(slices(&[3, 4], 8, 10).is_empty());
        assert!(slices(&[3, 4], 1, 0).is_empty());
        assert!(slices(&[], 1, 10).is_empty());
        // startIndex 0 reads as 1; huge values do not overflow.
        assert_eq!(slices(&[2], 0, u64::MAX), [slice(0, 1, 2)]);
        assert!(slices(&[u64::MAX, 5], u64::MAX, u64::MAX).len() <= 2);
    }
}

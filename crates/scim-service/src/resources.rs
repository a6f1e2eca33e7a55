//! `/Users`, `/Groups` and every other registered resource type: create, read, list, search,
//! replace, patch and delete.

use scim_core::ScimError;
use scim_core::message::{ETagCondition, ListResponse, PatchRequest, SearchRequest};
use scim_core::projection::Projection;
use scim_core::resource::Resource;
use scim_core::schema::{ResourceType, SchemaRegistry};
use scim_store::{Linked, Query, ReadOptions, StoredResource};
use serde_json::{Map, Value};

use crate::body::{check_content_type, header_text, json_body};
use crate::caller::Caller;
use crate::rendered::{DOCUMENT_HINT, Rendered, endpoint, root};
use crate::request::Request;
use crate::response::Response;
use crate::runner::{Blocking, StoreOp};
use crate::service::Context;
use crate::store_error::scim_error;
use crate::write;

/// The resource type served at `/{endpoint}`.
pub(crate) fn resource_type<'r>(
    registry: &'r SchemaRegistry,
    endpoint: &str,
) -> Result<&'r ResourceType, ScimError> {
    registry
        .resource_type_by_endpoint(&format!("/{endpoint}"))
        .ok_or_else(|| ScimError::not_found(format!("there is no /{endpoint} endpoint")))
}

/// `meta.location` of a resource: `<base>/<Endpoint>/<id>`.
pub(crate) fn location(base: &str, resource_type: &ResourceType, id: &str) -> String {
    format!("{base}{}/{id}", resource_type.endpoint())
}

/// The projection the `attributes` / `excludedAttributes` parameters ask for.
pub(crate) fn projection<'r>(
    registry: &'r SchemaRegistry,
    resource_type: &'r ResourceType,
    attributes: &[String],
    excluded: &[String],
) -> Result<Projection<'r>, ScimError> {
    let join = |list: &[String]| (!list.is_empty()).then(|| list.join(","));
    Ok(Projection::new(
        registry,
        resource_type,
        join(attributes).as_deref(),
        join(excluded).as_deref(),
    )?)
}

/// What the store should load for a projection.
pub(crate) fn read_options(projection: &Projection<'_>) -> ReadOptions {
    ReadOptions {
        members: projection.includes(None, "members"),
        groups: projection.includes(None, "groups"),
        ..ReadOptions::FULL
    }
}

/// The JSON of a resource under a projection, with `meta.location` and the `$ref` of each
/// member (of a group) and group (of a user). Takes the resource by value: what is returned is
/// moved out of it, not copied.
pub(crate) fn render(
    resource: Resource,
    projection: &Projection<'_>,
    location: &str,
) -> Map<String, Value> {
    let mut body = projection.apply_owned(with_references(resource, root(location)));
    if let Some(Value::Object(meta)) = body.get_mut("meta") {
        meta.insert("location".to_owned(), Value::String(location.to_owned()));
    }
    body
}

/// `resource` with a `$ref` in each element of `members` and `groups`. The store keeps ids;
/// only the HTTP layer knows the URLs they are found at. Added before the projection, so that
/// `attributes` decides whether they are returned.
fn with_references(resource: Resource, root: &str) -> Resource {
    let linked = |key: &str| {
        resource
            .as_json()
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|items| !items.is_empty())
    };
    if !linked("members") && !linked("groups") {
        return resource;
    }
    let resource_type = resource.resource_type().to_owned();
    let mut body = resource.into_json();
    for attribute in [Linked::Members, Linked::Groups] {
        let Some(Value::Array(items)) = body.get_mut(attribute.name()) else {
            continue;
        };
        for item in items.iter_mut() {
            let Value::Object(element) = item else {
                continue;
            };
            let Some(id) = element.get("value").and_then(Value::as_str) else {
                continue;
            };
            let kind = element
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(endpoint) = endpoint(attribute, kind) else {
                continue;
            };
            let reference = Value::String(format!("{root}/{endpoint}/{id}"));
            let after_value = element
                .keys()
                .position(|name| name == "value")
                .map_or(element.len(), |at| at + 1);
            element.shift_insert(after_value, "$ref".to_owned(), reference);
        }
    }
    Resource::from_trusted_json(resource_type, body)
}

/// A response carrying one resource under `projection`, with its ETag, and for a create
/// (status 201) its Location.
fn resource_response(
    base: &str,
    resource_type: &ResourceType,
    stored: StoredResource,
    projection: &Projection<'_>,
    status: u16,
) -> Response {
    let location = location(base, resource_type, &stored.id);
    let version = stored.version;
    let body = Rendered::new(stored, projection, &location);
    let response = Response::json(status, &body, body.size_hint())
        .with_header("ETag", version.etag().to_string());
    if status == 201 {
        response.with_header("Location", location)
    } else {
        response
    }
}

/// The query parameters, read as a `SearchRequest` (names ignore case; others are ignored).
/// `+` is a space, as OneLogin encodes it; a trailing `&` adds nothing.
pub(crate) fn query_parameters(request: &Request<'_>) -> Result<SearchRequest, ScimError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(request.query.as_bytes())
        .into_owned()
        .collect();
    Ok(SearchRequest::from_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?)
}

/// The `attributes` and `excludedAttributes` query parameters.
fn projection_params(request: &Request<'_>) -> Result<(Vec<String>, Vec<String>), ScimError> {
    let search = query_parameters(request)?;
    Ok((search.attributes, search.excluded_attributes))
}

/// The condition of an `If-Match` (or `If-None-Match`) header, if there is one.
fn condition(value: Option<&[u8]>, name: &str) -> Result<Option<ETagCondition>, ScimError> {
    header_text(value, name)?
        .map(|text| ETagCondition::parse(text).map_err(ScimError::from))
        .transpose()
}

pub(crate) async fn create(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
) -> Result<Response, ScimError> {
    caller.require_write()?;
    let resource_type = resource_type(cx.registry(), endpoint)?;
    let document = json_body(cx.request)?;
    let (attributes, excluded) = projection_params(cx.request)?;
    // Built before the write, so that a malformed parameter fails the request before it acts.
    let projection = projection(cx.registry(), resource_type, &attributes, &excluded)?;
    let stored = write::create(cx, caller, resource_type, document).await?;
    Ok(resource_response(
        cx.base_url(),
        resource_type,
        stored,
        &projection,
        201,
    ))
}

pub(crate) async fn get(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
    id: &str,
) -> Result<Response, ScimError> {
    let resource_type = resource_type(cx.registry(), endpoint)?;
    let (attributes, excluded) = projection_params(cx.request)?;
    let projection = projection(cx.registry(), resource_type, &attributes, &excluded)?;
    let none_match = condition(cx.request.headers.if_none_match, "If-None-Match")?;
    // Members read apart are written straight into the body (`Rendered`).
    let options = read_options(&projection).links_apart();
    let store = cx.store();
    let stored = match cx.runner.at_once(StoreOp::Get, || {
        store.get_at_once(&caller.tenant, resource_type.name(), id, options)
    }) {
        Some(stored) => stored.map_err(scim_error)?,
        None => {
            let (tenant, name, id) = (
                caller.tenant.clone(),
                resource_type.name().to_owned(),
                id.to_owned(),
            );
            cx.runner
                .blocking(StoreOp::Get, move || {
                    store.get(&tenant, &name, &id, options).map_err(scim_error)
                })
                .await?
        }
    };
    if none_match.is_some_and(|c| c.matches(Some(&stored.version.etag()))) {
        return Ok(Response::empty(304).with_header("ETag", stored.version.etag().to_string()));
    }
    Ok(resource_response(
        cx.base_url(),
        resource_type,
        stored,
        &projection,
        200,
    ))
}

pub(crate) async fn replace(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
    id: &str,
) -> Result<Response, ScimError> {
    caller.require_write()?;
    let resource_type = resource_type(cx.registry(), endpoint)?;
    let document = json_body(cx.request)?;
    let (attributes, excluded) = projection_params(cx.request)?;
    let projection = projection(cx.registry(), resource_type, &attributes, &excluded)?;
    let condition = condition(cx.request.headers.if_match, "If-Match")?;
    let stored = write::replace(
        cx,
        caller,
        resource_type,
        id.to_owned(),
        document,
        condition,
    )
    .await?;
    Ok(resource_response(
        cx.base_url(),
        resource_type,
        stored,
        &projection,
        200,
    ))
}

/// What a Bulk PATCH reads back: a group's members only when `attributes` asks for them (by
/// name, by a sub-attribute or by the Group schema's URN), because returning every member of a
/// large group after each membership change would make that change as slow as the group is
/// large.
pub(crate) fn patch_read_options(
    projection: &Projection<'_>,
    attributes: &[String],
) -> ReadOptions {
    let mut options = read_options(projection);
    options.members &= !attributes.is_empty();
    options
}

/// Whether the request asks for no body (RFC 7240 `Prefer: return=minimal`).
fn prefers_minimal(request: &Request<'_>) -> bool {
    request
        .headers
        .prefer
        .iter()
        .filter_map(|value| std::str::from_utf8(value).ok())
        .flat_map(|value| value.split(','))
        .any(|preference| {
            let token = preference.split(';').next().unwrap_or_default();
            token.split_once('=').is_some_and(|(name, value)| {
                name.trim().eq_ignore_ascii_case("return")
                    && value
                        .trim()
                        .trim_matches('"')
                        .eq_ignore_ascii_case("minimal")
            })
        })
}

/// PATCH answers 200 with the resource (projected as asked), or 204 No Content with the new
/// ETag when the request prefers `return=minimal` or the group has more members than
/// `patch_response_max_members`: reading them all back would make a one-member change as slow
/// as the group is large (decision 0003).
pub(crate) async fn patch(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
    id: &str,
) -> Result<Response, ScimError> {
    caller.require_write()?;
    let resource_type = resource_type(cx.registry(), endpoint)?;
    check_content_type(cx.request)?;
    let request = PatchRequest::from_slice(cx.request.body)?;
    let (attributes, excluded) = projection_params(cx.request)?;
    let condition = condition(cx.request.headers.if_match, "If-Match")?;
    let projection = projection(cx.registry(), resource_type, &attributes, &excluded)?;
    let minimal = prefers_minimal(cx.request);
    let options = if minimal {
        ReadOptions::DOCUMENT_ONLY
    } else {
        read_options(&projection).members_up_to(cx.settings().patch_response_max_members)
    };
    let stored = write::patch(
        cx,
        caller,
        resource_type,
        id.to_owned(),
        request,
        condition,
        options,
    )
    .await?;
    if minimal || stored.members_left_out {
        let mut response =
            Response::empty(204).with_header("ETag", stored.version.etag().to_string());
        if minimal {
            response = response.with_header("Preference-Applied", "return=minimal");
        }
        return Ok(response);
    }
    Ok(resource_response(
        cx.base_url(),
        resource_type,
        stored,
        &projection,
        200,
    ))
}

pub(crate) async fn delete(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
    id: &str,
) -> Result<Response, ScimError> {
    caller.require_write()?;
    let resource_type = resource_type(cx.registry(), endpoint)?;
    let condition = condition(cx.request.headers.if_match, "If-Match")?;
    write::delete(cx, caller, resource_type, id.to_owned(), condition).await?;
    Ok(Response::empty(204))
}

pub(crate) async fn list(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
) -> Result<Response, ScimError> {
    let resource_type = resource_type(cx.registry(), endpoint)?;
    let search = query_parameters(cx.request)?;
    search_response(cx, caller, resource_type, search).await
}

pub(crate) async fn search(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    endpoint: &str,
) -> Result<Response, ScimError> {
    let resource_type = resource_type(cx.registry(), endpoint)?;
    check_content_type(cx.request)?;
    let search = SearchRequest::from_slice(cx.request.body)?;
    search_response(cx, caller, resource_type, search).await
}

/// Runs a search over one resource type and answers with a ListResponse.
async fn search_response(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    resource_type: &ResourceType,
    search: SearchRequest,
) -> Result<Response, ScimError> {
    let projection = projection(
        cx.registry(),
        resource_type,
        &search.attributes,
        &search.excluded_attributes,
    )?;
    let options = read_options(&projection).links_apart();
    let query = Query::from_search(&search)?;
    let store = cx.store();
    let page = match cx.runner.at_once(StoreOp::Query, || {
        store.query_at_once(&caller.tenant, resource_type.name(), &query, options)
    }) {
        Some(page) => page.map_err(scim_error)?,
        None => {
            let (tenant, name) = (caller.tenant.clone(), resource_type.name().to_owned());
            cx.runner
                .blocking(StoreOp::Query, move || {
                    store
                        .query(&tenant, &name, &query, options)
                        .map_err(scim_error)
                })
                .await?
        }
    };
    let base = cx.base_url();
    let resources: Vec<Rendered> = page
        .resources
        .into_iter()
        .map(|stored| {
            let location = location(base, resource_type, &stored.id);
            Rendered::new(stored, &projection, &location)
        })
        .collect();
    let size_hint = DOCUMENT_HINT + resources.iter().map(Rendered::size_hint).sum::<usize>();
    let mut list = ListResponse::new(resources, page.total_results);
    if search.cursor.is_none() {
        list = list.with_start_index(page.start_index);
    }
    if let Some(cursor) = page.next_cursor {
        list = list.with_next_cursor(cursor);
    }
    Ok(Response::json(200, &list, size_hint))
}

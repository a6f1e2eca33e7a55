//! `/Users`, `/Groups` and every other registered resource type: create, read, list, search,
//! replace, patch and delete. Handlers parse, call the store off the executor, and answer.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use scim_core::ScimError;
use scim_core::message::{ETagCondition, ListResponse, PatchRequest, SearchRequest, SortOrder};
use scim_core::projection::Projection;
use scim_core::resource::Resource;
use scim_core::schema::ResourceType;
use scim_store::{Linked, Query, ReadOptions};
use serde_json::{Map, Value};

use super::body::{check_content_type, json_body};
use super::error::{ApiError, SCIM_JSON};
use super::rendered::{DOCUMENT_HINT, Rendered, endpoint, json_response, root};
use super::store_call::{StoreOp, at_once, blocking};
use super::write::{self, etag};
use crate::auth::Principal;
use crate::state::AppState;

/// The resource type served at `/{endpoint}`.
pub(crate) fn resource_type<'s>(
    state: &'s AppState,
    endpoint: &str,
) -> Result<&'s ResourceType, ApiError> {
    state
        .store
        .registry()
        .resource_type_by_endpoint(&format!("/{endpoint}"))
        .ok_or_else(|| ApiError::not_found(format!("there is no /{endpoint} endpoint")))
}

/// The URL the server is reached at, without a trailing slash.
pub(crate) fn base_url(req: &HttpRequest, state: &AppState) -> String {
    match &state.config.base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// `meta.location` of a resource.
pub(crate) fn location(base: &str, resource_type: &ResourceType, id: &str) -> String {
    format!("{base}/scim/v2{}/{id}", resource_type.endpoint())
}

/// The projection the `attributes` / `excludedAttributes` parameters ask for.
pub(crate) fn projection<'r>(
    state: &'r AppState,
    resource_type: &'r ResourceType,
    attributes: &[String],
    excluded: &[String],
) -> Result<Projection<'r>, ApiError> {
    let join = |list: &[String]| (!list.is_empty()).then(|| list.join(","));
    Ok(Projection::new(
        state.store.registry(),
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

/// A response carrying one resource, its ETag and (for a create) its Location.
fn resource_response(
    status: StatusCode,
    version: i64,
    body: &Rendered,
    location: Option<&str>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type(SCIM_JSON)
        .insert_header((header::ETAG, etag(version).to_string()));
    if let Some(location) = location {
        response.insert_header((header::LOCATION, location.to_owned()));
    }
    json_response(response, body, body.size_hint())
}

/// The query parameters, read as a `SearchRequest` (names ignore case; others are ignored).
pub(crate) fn query_parameters(req: &HttpRequest) -> Result<SearchRequest, ApiError> {
    // `+` is a space, as OneLogin encodes it; a trailing `&` adds nothing.
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| ScimError::with_status(400, format!("the query string cannot be read: {e}")))?
        .into_inner();
    Ok(SearchRequest::from_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?)
}

/// The `attributes` and `excludedAttributes` query parameters.
fn projection_params(req: &HttpRequest) -> Result<(Vec<String>, Vec<String>), ApiError> {
    let search = query_parameters(req)?;
    Ok((search.attributes, search.excluded_attributes))
}

/// The condition of an `If-Match` header, if there is one.
fn if_match(req: &HttpRequest) -> Result<Option<ETagCondition>, ApiError> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(None),
        Some(value) => {
            let text = value
                .to_str()
                .map_err(|_| ScimError::with_status(400, "If-Match is not valid text"))?;
            Ok(Some(ETagCondition::parse(text)?))
        }
    }
}

pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    endpoint: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    let resource_type = resource_type(&state, &endpoint)?;
    let document = json_body(&req, &body)?;
    let (attributes, excluded) = projection_params(&req)?;
    // Built before the write, so that a malformed parameter fails the request before it acts.
    let projection = projection(&state, resource_type, &attributes, &excluded)?;
    let stored = write::create(&state, &principal, resource_type, document).await?;
    let id = stored.resource.id().unwrap_or_default();
    let location = location(&base_url(&req, &state), resource_type, id);
    let version = stored.version;
    let body = Rendered::new(stored, &projection, &location);
    Ok(resource_response(
        StatusCode::CREATED,
        version,
        &body,
        Some(&location),
    ))
}

pub(crate) async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (endpoint, id) = path.into_inner();
    let resource_type = resource_type(&state, &endpoint)?;
    let (attributes, excluded) = projection_params(&req)?;
    let projection = projection(&state, resource_type, &attributes, &excluded)?;
    let none_match = match req.headers().get(header::IF_NONE_MATCH) {
        None => None,
        Some(value) => {
            let text = value
                .to_str()
                .map_err(|_| ScimError::with_status(400, "If-None-Match is not valid text"))?;
            Some(ETagCondition::parse(text)?)
        }
    };
    // Members read apart are written straight into the body (`Rendered`).
    let options = read_options(&projection).links_apart();
    let stored = match at_once(&state, StoreOp::Get, |store| {
        store.get_at_once(&principal.tenant, resource_type.name(), &id, options)
    }) {
        Some(stored) => stored?,
        None => {
            let name = resource_type.name().to_owned();
            let lookup_id = id.clone();
            blocking(&state, StoreOp::Get, move |store| {
                Ok(store.get(&principal.tenant, &name, &lookup_id, options)?)
            })
            .await?
        }
    };
    if none_match.is_some_and(|c| c.matches(Some(&etag(stored.version)))) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag(stored.version).to_string()))
            .finish());
    }
    let location = location(&base_url(&req, &state), resource_type, &id);
    let version = stored.version;
    let body = Rendered::new(stored, &projection, &location);
    Ok(resource_response(StatusCode::OK, version, &body, None))
}

pub(crate) async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    let (endpoint, id) = path.into_inner();
    let resource_type = resource_type(&state, &endpoint)?;
    let document = json_body(&req, &body)?;
    let (attributes, excluded) = projection_params(&req)?;
    let projection = projection(&state, resource_type, &attributes, &excluded)?;
    let condition = if_match(&req)?;
    let stored = write::replace(
        &state,
        &principal,
        resource_type,
        id.clone(),
        document,
        condition,
    )
    .await?;
    let location = location(&base_url(&req, &state), resource_type, &id);
    let version = stored.version;
    let body = Rendered::new(stored, &projection, &location);
    Ok(resource_response(StatusCode::OK, version, &body, None))
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
fn prefers_minimal(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("prefer")
        .filter_map(|value| value.to_str().ok())
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    let (endpoint, id) = path.into_inner();
    let resource_type = resource_type(&state, &endpoint)?;
    check_content_type(&req)?;
    let request = PatchRequest::from_slice(&body)?;
    let (attributes, excluded) = projection_params(&req)?;
    let condition = if_match(&req)?;
    let projection = projection(&state, resource_type, &attributes, &excluded)?;
    let minimal = prefers_minimal(&req);
    let options = if minimal {
        ReadOptions::DOCUMENT_ONLY
    } else {
        read_options(&projection).members_up_to(state.config.patch_response_max_members)
    };
    let stored = write::patch(
        &state,
        &principal,
        resource_type,
        id.clone(),
        request,
        condition,
        options,
    )
    .await?;
    if minimal || stored.members_left_out {
        let mut response = HttpResponse::NoContent();
        response.insert_header((header::ETAG, etag(stored.version).to_string()));
        if minimal {
            response.insert_header(("Preference-Applied", "return=minimal"));
        }
        return Ok(response.finish());
    }
    let location = location(&base_url(&req, &state), resource_type, &id);
    let version = stored.version;
    let body = Rendered::new(stored, &projection, &location);
    Ok(resource_response(StatusCode::OK, version, &body, None))
}

pub(crate) async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    let (endpoint, id) = path.into_inner();
    let resource_type = resource_type(&state, &endpoint)?;
    let condition = if_match(&req)?;
    write::delete(&state, &principal, resource_type, id, condition).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    endpoint: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resource_type = resource_type(&state, &endpoint)?;
    let search = query_parameters(&req)?;
    search_response(&req, &state, principal, resource_type, search).await
}

pub(crate) async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    endpoint: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let resource_type = resource_type(&state, &endpoint)?;
    check_content_type(&req)?;
    let search = SearchRequest::from_slice(&body)?;
    search_response(&req, &state, principal, resource_type, search).await
}

/// The store query a search asks for.
pub(crate) fn store_query(search: &SearchRequest) -> Query {
    Query {
        filter: search.filter.clone(),
        sort_by: search.sort_by.clone(),
        descending: search.sort_order == Some(SortOrder::Descending),
        start_index: search.start_index,
        count: search.count,
        cursor: search.cursor.clone(),
    }
}

/// Runs a search over one resource type and answers with a ListResponse.
async fn search_response(
    req: &HttpRequest,
    state: &AppState,
    principal: Principal,
    resource_type: &ResourceType,
    search: SearchRequest,
) -> Result<HttpResponse, ApiError> {
    let projection = projection(
        state,
        resource_type,
        &search.attributes,
        &search.excluded_attributes,
    )?;
    let options = read_options(&projection).links_apart();
    let query = store_query(&search);
    let page = match at_once(state, StoreOp::Query, |store| {
        store.query_at_once(&principal.tenant, resource_type.name(), &query, options)
    }) {
        Some(page) => page?,
        None => {
            let name = resource_type.name().to_owned();
            blocking(state, StoreOp::Query, move |store| {
                Ok(store.query(&principal.tenant, &name, &query, options)?)
            })
            .await?
        }
    };
    let base = base_url(req, state);
    let resources: Vec<Rendered> = page
        .resources
        .into_iter()
        .map(|stored| {
            let location = location(
                &base,
                resource_type,
                stored.resource.id().unwrap_or_default(),
            );
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
    let mut response = HttpResponse::Ok();
    response.content_type(SCIM_JSON);
    Ok(json_response(response, &list, size_hint))
}

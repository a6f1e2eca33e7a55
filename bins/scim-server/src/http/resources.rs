//! `/Users`, `/Groups` and every other registered resource type: create, read, list, search,
//! replace, patch and delete. Handlers parse, call the store off the executor, and answer.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use scim_core::message::{
    ETag, ETagCondition, ListResponse, PatchRequest, SearchRequest, SortOrder, Version,
};
use scim_core::projection::Projection;
use scim_core::schema::ResourceType;
use scim_core::{ScimError, ScimType};
use scim_store::{Actor, Query, ReadOptions, StoredResource};
use serde_json::{Map, Value};

use super::body::json_body;
use super::error::{ApiError, SCIM_JSON};
use crate::auth::Principal;
use crate::state::AppState;

/// Runs blocking store work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|_| ScimError::with_status(500, "the request was cancelled"))?
}

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
    }
}

/// The JSON of a stored resource under a projection, with `meta.location`.
pub(crate) fn render(
    stored: &StoredResource,
    projection: &Projection<'_>,
    location: &str,
) -> Map<String, Value> {
    let mut body = projection.apply(&stored.resource);
    if let Some(Value::Object(meta)) = body.get_mut("meta") {
        meta.insert("location".to_owned(), Value::String(location.to_owned()));
    }
    body
}

fn etag(version: i64) -> ETag {
    Version::new(u64::try_from(version).unwrap_or_default()).etag()
}

/// A response carrying one resource, its ETag and (for a create) its Location.
fn resource_response(
    status: StatusCode,
    stored: &StoredResource,
    body: &Map<String, Value>,
    location: Option<&str>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type(SCIM_JSON)
        .insert_header((header::ETAG, etag(stored.version).to_string()));
    if let Some(location) = location {
        response.insert_header((header::LOCATION, location.to_owned()));
    }
    response.json(body)
}

/// The `attributes` and `excludedAttributes` query parameters.
fn projection_params(req: &HttpRequest) -> Result<(Vec<String>, Vec<String>), ApiError> {
    let search = SearchRequest::from_query(
        query_pairs(req)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    Ok((search.attributes, search.excluded_attributes))
}

/// The decoded query string (`+` is a space, as OneLogin encodes it).
fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default()
}

/// The version an `If-Match` header insists on, or `None` when there is no header or `*`.
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

/// Translates `If-Match` into the store's expected version: one tag that is a version, or `*`.
/// A list of several versions is checked against the current version before the write.
fn expected_version(
    condition: &Option<ETagCondition>,
    current: Option<i64>,
) -> Result<Option<i64>, ApiError> {
    match condition {
        None | Some(ETagCondition::Any) => Ok(None),
        Some(condition @ ETagCondition::Tags(tags)) => {
            if let [only] = tags.as_slice() {
                return match Version::try_from(only) {
                    Ok(v) => Ok(Some(i64::try_from(v.get()).unwrap_or(i64::MAX))),
                    Err(_) => Err(ScimError::precondition_failed(
                        "If-Match names no version of this resource",
                    )
                    .into()),
                };
            }
            match current {
                Some(version) if condition.matches(Some(&etag(version))) => Ok(Some(version)),
                _ => Err(ScimError::precondition_failed(
                    "If-Match names no current version of this resource",
                )
                .into()),
            }
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
    let resource_type = resource_type(&state, &endpoint)?.clone();
    let document = json_body(&req, &body)?;
    let (attributes, excluded) = projection_params(&req)?;
    let store = state.store.clone();
    let name = resource_type.name().to_owned();
    let stored = blocking(move || {
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        Ok(store.create(actor, &name, &document)?)
    })
    .await?;
    let projection = projection(&state, &resource_type, &attributes, &excluded)?;
    let id = stored.resource.id().unwrap_or_default();
    let location = location(&base_url(&req, &state), &resource_type, id);
    let body = render(&stored, &projection, &location);
    Ok(resource_response(
        StatusCode::CREATED,
        &stored,
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
    let resource_type = resource_type(&state, &endpoint)?.clone();
    let (attributes, excluded) = projection_params(&req)?;
    let projection = projection(&state, &resource_type, &attributes, &excluded)?;
    let options = read_options(&projection);
    let store = state.store.clone();
    let name = resource_type.name().to_owned();
    let lookup_id = id.clone();
    let stored =
        blocking(move || Ok(store.get(&principal.tenant, &name, &lookup_id, options)?)).await?;
    if let Some(value) = req.headers().get(header::IF_NONE_MATCH) {
        let text = value
            .to_str()
            .map_err(|_| ScimError::with_status(400, "If-None-Match is not valid text"))?;
        if ETagCondition::parse(text)?.matches(Some(&etag(stored.version))) {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, etag(stored.version).to_string()))
                .finish());
        }
    }
    let location = location(&base_url(&req, &state), &resource_type, &id);
    let body = render(&stored, &projection, &location);
    Ok(resource_response(StatusCode::OK, &stored, &body, None))
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
    let resource_type = resource_type(&state, &endpoint)?.clone();
    let document = json_body(&req, &body)?;
    let (attributes, excluded) = projection_params(&req)?;
    let condition = if_match(&req)?;
    let store = state.store.clone();
    let name = resource_type.name().to_owned();
    let target = id.clone();
    let stored = blocking(move || {
        let current = current_version(&*store, &principal, &name, &target, &condition)?;
        let expected = expected_version(&condition, current)?;
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        Ok(store.replace(actor, &name, &target, &document, expected)?)
    })
    .await?;
    let projection = projection(&state, &resource_type, &attributes, &excluded)?;
    let location = location(&base_url(&req, &state), &resource_type, &id);
    let body = render(&stored, &projection, &location);
    Ok(resource_response(StatusCode::OK, &stored, &body, None))
}

/// The current version, read only when an `If-Match` list needs it.
fn current_version(
    store: &dyn scim_store::Store,
    principal: &Principal,
    resource_type: &str,
    id: &str,
    condition: &Option<ETagCondition>,
) -> Result<Option<i64>, ApiError> {
    match condition {
        Some(ETagCondition::Tags(tags)) if tags.len() > 1 => Ok(Some(
            store
                .get(
                    &principal.tenant,
                    resource_type,
                    id,
                    ReadOptions::DOCUMENT_ONLY,
                )?
                .version,
        )),
        _ => Ok(None),
    }
}

pub(crate) async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    let (endpoint, id) = path.into_inner();
    let resource_type = resource_type(&state, &endpoint)?.clone();
    super::body::check_content_type(&req)?;
    let request = PatchRequest::from_slice(&body)?;
    let (attributes, excluded) = projection_params(&req)?;
    let condition = if_match(&req)?;
    let projection = projection(&state, &resource_type, &attributes, &excluded)?;
    // A group's members come back from a PATCH only when asked for by name: returning every
    // member of a large group after each membership change would make that change as slow as
    // the group is large.
    let mut options = read_options(&projection);
    options.members &= attributes.iter().any(|a| a.eq_ignore_ascii_case("members"));
    let store = state.store.clone();
    let name = resource_type.name().to_owned();
    let target = id.clone();
    let stored = blocking(move || {
        let current = current_version(&*store, &principal, &name, &target, &condition)?;
        let expected = expected_version(&condition, current)?;
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        let operations: Vec<_> = request.engine_operations().collect();
        Ok(store.patch(actor, &name, &target, &operations, expected, options)?)
    })
    .await?;
    let location = location(&base_url(&req, &state), &resource_type, &id);
    let body = render(&stored, &projection, &location);
    Ok(resource_response(StatusCode::OK, &stored, &body, None))
}

pub(crate) async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    let (endpoint, id) = path.into_inner();
    let resource_type = resource_type(&state, &endpoint)?.clone();
    let condition = if_match(&req)?;
    let store = state.store.clone();
    let name = resource_type.name().to_owned();
    blocking(move || {
        let current = current_version(&*store, &principal, &name, &id, &condition)?;
        let expected = expected_version(&condition, current)?;
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        Ok(store.delete(actor, &name, &id, expected)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    endpoint: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resource_type = resource_type(&state, &endpoint)?.clone();
    let pairs = query_pairs(&req);
    let search = SearchRequest::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    search_response(&req, &state, principal, &resource_type, search).await
}

pub(crate) async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    endpoint: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let resource_type = resource_type(&state, &endpoint)?.clone();
    super::body::check_content_type(&req)?;
    let search = SearchRequest::from_slice(&body)?;
    search_response(&req, &state, principal, &resource_type, search).await
}

/// Runs a search and answers with a ListResponse.
pub(crate) async fn search_response(
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
    let options = read_options(&projection);
    let query = Query {
        filter: search.filter.clone(),
        sort_by: search.sort_by.clone(),
        descending: search.sort_order == Some(SortOrder::Descending),
        start_index: search.start_index,
        count: search.count,
        cursor: search.cursor.clone(),
    };
    let store = state.store.clone();
    let name = resource_type.name().to_owned();
    let page =
        blocking(move || Ok(store.query(&principal.tenant, &name, &query, options)?)).await?;
    let base = base_url(req, state);
    let resources: Vec<Map<String, Value>> = page
        .resources
        .iter()
        .map(|stored| {
            let id = stored.resource.id().unwrap_or_default();
            render(stored, &projection, &location(&base, resource_type, id))
        })
        .collect();
    let mut list = ListResponse::new(resources, page.total_results);
    if search.cursor.is_none() {
        list = list.with_start_index(page.start_index);
    }
    if let Some(cursor) = page.next_cursor {
        list = list.with_next_cursor(cursor);
    }
    Ok(HttpResponse::Ok().content_type(SCIM_JSON).json(list))
}

/// `/.search` at the root: RFC 7644 §3.4.3 searches every resource type; this server asks the
/// client to name one, since results of different types cannot share one ordering.
pub(crate) async fn root_search() -> Result<HttpResponse, ApiError> {
    Err(ScimError::new(
        ScimType::InvalidValue,
        "search a resource type's endpoint instead, such as POST /Users/.search",
    )
    .into())
}

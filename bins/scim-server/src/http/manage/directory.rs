//! What the console shows, for any client of the admin API too: a tenant's summary, its people
//! and groups a page at a time, a group's members, the project x role matrix, its activity
//! newest first, and one-time sign-in links to its console pages.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use scim_store::EventActor;

use super::input::{Body, QueryParams};
use super::{Problem, call};
use crate::http::admin::Admin;
use crate::manage::console::{self, DEFAULT_LINK_VALIDITY};
use crate::manage::events::{self, ActivityRequest, MAX_ACTIVITY_PAGE};
use crate::manage::people::{self, PeopleRequest, Search};
use crate::manage::{self, ManageError, groups, tenants};
use crate::state::AppState;

/// The page size of people, groups and activity unless asked otherwise.
const DEFAULT_PAGE: i64 = 50;

/// `GET /admin/v1/tenants/{tenant}/summary`.
pub(crate) async fn summary(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let summary = call(&state, move |store| tenants::summary(store, &tenant)).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// `GET /admin/v1/tenants/{tenant}/users?q=|filter=&cursor=&limit=`.
pub(crate) async fn users(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let query = QueryParams::of(&req)?;
    let request = PeopleRequest {
        search: search(query.text("q")?, query.text("filter")?)?,
        cursor: query.text("cursor")?,
        limit: limit(&query, people::MAX_PAGE)?,
    };
    let page = call(&state, move |store| {
        people::search(store, &tenant, &request)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// What `q` (plain text) and `filter` (SCIM) ask for; both at once is a mistake.
pub(crate) fn search(q: Option<String>, filter: Option<String>) -> Result<Search, ManageError> {
    match (q.filter(|q| !q.trim().is_empty()), filter) {
        (Some(_), Some(_)) => Err(ManageError::malformed(
            "filter",
            "give q (plain text) or filter (SCIM), not both",
        )),
        (Some(q), None) => Ok(Search::Text(q.trim().to_owned())),
        (None, Some(filter)) if !filter.trim().is_empty() => Ok(Search::Filter(filter)),
        (None, _) => Ok(Search::All),
    }
}

fn limit(query: &QueryParams, max: u32) -> Result<u32, ManageError> {
    let limit = query.integer("limit", 1, i64::from(max), DEFAULT_PAGE)?;
    Ok(u32::try_from(limit).unwrap_or(1))
}

/// `GET /admin/v1/tenants/{tenant}/users/{id}`.
pub(crate) async fn user(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let tenant = manage::tenant_id(&tenant)?;
    let person = call(&state, move |store| people::show(store, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(person))
}

/// `GET /admin/v1/tenants/{tenant}/groups?q=&cursor=&limit=`.
pub(crate) async fn groups(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let query = QueryParams::of(&req)?;
    let text = query.text("q")?.unwrap_or_default();
    let cursor = query.text("cursor")?;
    let limit = limit(&query, groups::MAX_PAGE)?;
    let page = call(&state, move |store| {
        groups::list(store, &tenant, text.trim(), cursor, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /admin/v1/tenants/{tenant}/groups/{id}`.
pub(crate) async fn group(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let tenant = manage::tenant_id(&tenant)?;
    let group = call(&state, move |store| groups::show(store, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(group))
}

/// `GET /admin/v1/tenants/{tenant}/groups/{id}/members?after=&limit=`.
pub(crate) async fn members(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let tenant = manage::tenant_id(&tenant)?;
    let query = QueryParams::of(&req)?;
    let after = query.text("after")?;
    let limit = limit(&query, groups::MAX_PAGE)?;
    let page = call(&state, move |store| {
        groups::members(store, &tenant, &id, after.as_deref(), limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /admin/v1/tenants/{tenant}/matrix`.
pub(crate) async fn matrix(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let matrix = call(&state, move |store| groups::matrix(store, &tenant)).await?;
    Ok(HttpResponse::Ok().json(matrix))
}

/// The activity request a query string asks for (shared with the console).
pub(crate) fn activity_request(query: &QueryParams) -> Result<ActivityRequest, ManageError> {
    let before = query.optional_integer("before", 1, i64::MAX)?;
    let after = query.optional_integer("after", 0, i64::MAX)?;
    Ok(ActivityRequest {
        types: events::activity_types("type", &query.all("type"))?,
        person: query.text("person")?,
        key: query.text("key")?,
        before,
        after,
        limit: limit(query, MAX_ACTIVITY_PAGE)?,
    })
}

/// `GET /admin/v1/tenants/{tenant}/activity?type=&person=&key=&before=&after=&limit=`.
pub(crate) async fn activity(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let request = activity_request(&QueryParams::of(&req)?)?;
    let page = call(&state, move |store| {
        events::activity(store, &tenant, &request)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `POST /admin/v1/tenants/{tenant}/console-links` `{"expires_in": "1h"}`: 201 with the link,
/// shown this once.
pub(crate) async fn console_link(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let mut body = Body::parse(&body)?;
    let expires_in = body.string("expires_in")?;
    body.finish()?;
    let valid_for = console::link_validity(
        "expires_in",
        expires_in.as_deref().unwrap_or(DEFAULT_LINK_VALIDITY),
    )?;
    let base = crate::http::base_url(&req, &state);
    let link = call(&state, move |store| {
        console::create_link(store, &tenant, valid_for, &base, &EventActor::Admin)
    })
    .await?;
    Ok(HttpResponse::Created().json(link))
}

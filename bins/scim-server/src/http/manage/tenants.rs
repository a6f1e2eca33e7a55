//! `/admin/v1/tenants[/{tenant}[/owner]]`.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use scim_store::EventActor;
use serde::Serialize;

use super::input::{Body, QueryParams};
use super::{Problem, call};
use crate::http::admin::Admin;
use crate::manage::tenants::{self, NewTenant, PolicyChange, TenantView};
use crate::manage::{self, ManageError};
use crate::state::AppState;

/// `POST /admin/v1/tenants`: 201 with the tenant and the groups created for it.
pub(crate) async fn create(
    _admin: Admin,
    state: web::Data<AppState>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let new = read_new_tenant(&body)?;
    let created = call(&state, move |store| {
        tenants::create(store, &new, &EventActor::Admin)
    })
    .await?;
    Ok(super::created(
        &format!("/tenants/{}", created.tenant.id),
        &created,
    ))
}

fn read_new_tenant(bytes: &[u8]) -> Result<NewTenant, ManageError> {
    let mut body = Body::parse(bytes)?;
    let id = body.required_string("id")?;
    let new = NewTenant {
        id: manage::new_tenant_id("id", &id)?,
        group_prefix: body.string("group_prefix")?,
        projects: body.strings("projects")?.unwrap_or_default(),
        roles: body.strings("roles")?.unwrap_or_default(),
        email_changes: body.bool("email_changes")?.unwrap_or(true),
        plain: body.bool("plain")?.unwrap_or(false),
    };
    body.finish()?;
    Ok(new)
}

#[derive(Serialize)]
struct TenantList {
    tenants: Vec<TenantView>,
    next_after: Option<String>,
}

/// `GET /admin/v1/tenants?after=&limit=`: tenants in id order.
pub(crate) async fn list(
    _admin: Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let page = QueryParams::of(&req)?.page()?;
    let listed = call(&state, move |store| tenants::list(store, &page)).await?;
    Ok(HttpResponse::Ok().json(TenantList {
        tenants: listed.items,
        next_after: listed.next_after,
    }))
}

/// `GET /admin/v1/tenants/{tenant}`.
pub(crate) async fn show(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let view = call(&state, move |store| tenants::show(store, &tenant)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `PATCH /admin/v1/tenants/{tenant}`: `{"policies": {...}, "add_projects": [...],
/// "add_roles": [...]}`; policies not named stay as they are.
pub(crate) async fn update(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let change = read_policy_change(&body)?;
    let updated = call(&state, move |store| {
        tenants::update_policies(store, &tenant, &change, &EventActor::Admin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(updated))
}

fn read_policy_change(bytes: &[u8]) -> Result<PolicyChange, ManageError> {
    let mut body = Body::parse(bytes)?;
    let mut change = PolicyChange {
        add_projects: body.strings("add_projects")?.unwrap_or_default(),
        add_roles: body.strings("add_roles")?.unwrap_or_default(),
        ..PolicyChange::default()
    };
    if let Some(mut policies) = body.object("policies")? {
        let mut switch = |name: &str| policies.bool(name).map_err(|e| nested("policies", e));
        change.group_create = switch("group_create")?;
        change.group_rename = switch("group_rename")?;
        change.group_delete = switch("group_delete")?;
        change.email_changes = switch("email_changes")?;
        change.deactivation_removes_memberships = switch("deactivation_removes_memberships")?;
        change.unique_group_names = switch("unique_group_names")?;
        policies.finish_in("policies.")?;
    }
    body.finish()?;
    Ok(change)
}

/// An error about a member of a nested object, named `object.member`.
fn nested(object: &str, error: ManageError) -> ManageError {
    match error {
        ManageError::Malformed { field, reason } => ManageError::Malformed {
            field: format!("{object}.{field}"),
            reason,
        },
        e => e,
    }
}

/// `PUT /admin/v1/tenants/{tenant}/owner`: `{"user_name": ...}` makes that user the protected
/// owner.
pub(crate) async fn set_owner(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let mut body = Body::parse(&body)?;
    let user_name = body.required_string("user_name")?;
    body.finish()?;
    let owner = call(&state, move |store| {
        tenants::set_owner(store, &tenant, &user_name, &EventActor::Admin)
    })
    .await?;
    Ok(HttpResponse::Ok().json(owner))
}

/// `DELETE /admin/v1/tenants/{tenant}`: 204. The tenant's keys stop working here at once; on
/// other instances they find no tenant any more.
pub(crate) async fn delete(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let deleted = call(&state, move |store| tenants::delete(store, &tenant)).await?;
    state.auth.note_revoked(deleted.token_ids);
    Ok(HttpResponse::NoContent().finish())
}

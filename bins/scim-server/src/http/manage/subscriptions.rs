//! `/admin/v1/tenants/{tenant}/subscriptions[/{id}[/rotate-secret|/deliveries|/redeliver|/test]]`.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use scim_store::SubscriptionChange;
use serde::Serialize;

use super::input::{Body, QueryParams};
use super::{Problem, call};
use crate::http::admin::Admin;
use crate::manage::subscriptions::{
    self, DeliveryView, MAX_DELIVERIES, NewSubscriptionRequest, SubscriptionView,
};
use crate::manage::{self, ManageError};
use crate::state::AppState;

/// `POST /admin/v1/tenants/{tenant}/subscriptions`: 201 with the subscription and its secret,
/// shown here and when rotated, never in a list or a show.
pub(crate) async fn create(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let request = read_new(&body)?;
    let webhooks = state.config.webhooks.clone();
    let created = call(&state, move |store| {
        subscriptions::create(store, &webhooks, &tenant, &request)
    })
    .await?;
    let path = format!(
        "/tenants/{}/subscriptions/{}",
        created.subscription.tenant, created.subscription.id
    );
    Ok(super::created(&path, &created))
}

fn read_new(bytes: &[u8]) -> Result<NewSubscriptionRequest, ManageError> {
    let mut body = Body::parse(bytes)?;
    let url = body.required_string("url")?;
    let format = body.string("format")?;
    let delivery = body.string("delivery")?;
    let events = body.strings("events")?.unwrap_or_default();
    let request = NewSubscriptionRequest {
        url,
        format: subscriptions::format("format", format.as_deref().unwrap_or("json"))?,
        delivery: subscriptions::delivery("delivery", delivery.as_deref().unwrap_or("push"))?,
        events: subscriptions::event_types("events", &events)?,
        full: body.bool("full")?.unwrap_or(false),
        audience: body.string("audience")?,
        description: body.string("description")?.unwrap_or_default(),
        enabled: body.bool("enabled")?.unwrap_or(true),
        after: body.integer("after")?,
    };
    body.finish()?;
    Ok(request)
}

#[derive(Serialize)]
struct SubscriptionList {
    subscriptions: Vec<SubscriptionView>,
    next_after: Option<String>,
}

/// `GET /admin/v1/tenants/{tenant}/subscriptions?after=&limit=`, in creation order.
pub(crate) async fn list(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let page = QueryParams::of(&req)?.page()?;
    let listed = call(&state, move |store| {
        subscriptions::list(store, &tenant, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SubscriptionList {
        subscriptions: listed.items,
        next_after: listed.next_after,
    }))
}

/// A subscription's tenant and id from the path.
fn target(path: web::Path<(String, String)>) -> Result<(scim_store::TenantId, String), Problem> {
    let (tenant, id) = path.into_inner();
    Ok((manage::tenant_id(&tenant)?, id))
}

/// `GET /admin/v1/tenants/{tenant}/subscriptions/{id}`.
pub(crate) async fn show(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    let view = call(&state, move |store| {
        subscriptions::show(store, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `PATCH /admin/v1/tenants/{tenant}/subscriptions/{id}`: the members sent replace those
/// settings (`audience: null` removes it; `events: []` means every type).
pub(crate) async fn update(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    let change = read_change(&body)?;
    let webhooks = state.config.webhooks.clone();
    let view = call(&state, move |store| {
        subscriptions::update(store, &webhooks, &tenant, &id, &change)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn read_change(bytes: &[u8]) -> Result<SubscriptionChange, ManageError> {
    let mut body = Body::parse(bytes)?;
    let events = body.strings("events")?;
    let change = SubscriptionChange {
        url: body.string("url")?,
        event_types: events
            .map(|names| subscriptions::event_types("events", &names))
            .transpose()?,
        full: body.bool("full")?,
        enabled: body.bool("enabled")?,
        audience: body.nullable_string("audience")?,
        description: body.string("description")?,
    };
    body.finish()?;
    Ok(change)
}

/// `DELETE /admin/v1/tenants/{tenant}/subscriptions/{id}`: 204.
pub(crate) async fn delete(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    call(&state, move |store| {
        subscriptions::delete(store, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /admin/v1/tenants/{tenant}/subscriptions/{id}/rotate-secret`: the subscription with
/// its new secret.
pub(crate) async fn rotate_secret(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    let rotated = call(&state, move |store| {
        subscriptions::rotate_secret(store, &tenant, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rotated))
}

#[derive(Serialize)]
struct DeliveryList {
    deliveries: Vec<DeliveryView>,
}

/// `GET /admin/v1/tenants/{tenant}/subscriptions/{id}/deliveries?limit=`: the last attempts,
/// newest first.
pub(crate) async fn deliveries(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    let limit = QueryParams::of(&req)?.integer("limit", 1, MAX_DELIVERIES, 50)?;
    let deliveries = call(&state, move |store| {
        subscriptions::deliveries(store, &tenant, &id, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(DeliveryList { deliveries }))
}

/// `POST /admin/v1/tenants/{tenant}/subscriptions/{id}/redeliver`: `{"after": seq}`; delivery
/// resumes after that sequence number.
pub(crate) async fn redeliver(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    let mut body = Body::parse(&body)?;
    let after = body
        .integer("after")?
        .ok_or_else(|| ManageError::malformed("after", "is required"))?;
    body.finish()?;
    let view = call(&state, move |store| {
        subscriptions::redeliver(store, &tenant, &id, after)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /admin/v1/tenants/{tenant}/subscriptions/{id}/test`: a test message to a push
/// subscription's receiver; the attempt as the delivery log records it.
pub(crate) async fn test(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = target(path)?;
    let app = state.get_ref().clone();
    // The receiver may take up to webhooks.request_timeout_seconds to answer: on a blocking
    // thread, without holding one of the permits that share out the database connections.
    let attempt =
        web::block(move || subscriptions::send_test(&*app.store, &app.delivery, &tenant, &id))
            .await
            .map_err(|_| {
                Problem::new(
                    actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "the test delivery was cancelled",
                )
            })??;
    Ok(HttpResponse::Ok().json(attempt))
}

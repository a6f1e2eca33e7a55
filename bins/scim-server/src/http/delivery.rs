//! The HTTP side of event delivery: the event-signing keys (`GET /.well-known/jwks.json`),
//! RFC 8936 polling (`POST /events/v1/tenants/{tenant}/subscriptions/{id}/poll`) and test
//! deliveries (`POST /admin/v1/tenants/{tenant}/subscriptions/{id}/test`). The work itself is
//! in [`crate::delivery`].

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use scim_core::ScimError;
use scim_store::{DeliveryMethod, EventFormat, Subscription, TenantId};
use serde_json::json;

use super::admin::{bearer, same_secret};
use super::error::ApiError;
use super::store_call::{StoreOp, blocking};
use crate::delivery::poll::{self, DEFAULT_MAX_EVENTS, PollRequest, PollResponse};
use crate::state::AppState;

/// How long a poll without `returnImmediately` waits for a SET before answering with none
/// (under the 30 seconds after which proxies commonly drop an idle request).
const LONG_POLL: Duration = Duration::from_secs(25);

/// While a poll waits, how often it looks at the database for events committed by other
/// processes (this process's commits wake it at once).
const LONG_POLL_CHECK: Duration = Duration::from_secs(1);

/// `GET /.well-known/jwks.json`: the public keys SETs are signed with (RFC 7517 JWK Set), the
/// current one first. Unauthenticated: receivers fetch it to verify SETs.
pub(crate) async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let delivery = state.delivery.clone();
    let jwks = blocking(&state, StoreOp::EventKeys, move |_| {
        delivery.keys().jwks().map_err(|e| {
            tracing::error!(error = %e, "cannot load the event-signing keys");
            ScimError::with_status(503, "the event-signing keys are unavailable").into()
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "max-age=300"))
        .json(&*jwks))
}

/// An RFC 8935 §2.3 error document, which RFC 8936 uses for poll errors too.
fn set_error(status: StatusCode, err: &str, description: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"events\""));
    }
    response.json(json!({"err": err, "description": description}))
}

/// `POST /events/v1/tenants/{tenant}/subscriptions/{id}/poll`: RFC 8936 polling for a poll
/// subscription of SETs, authenticated with `Authorization: Bearer <subscription secret>`.
pub(crate) async fn poll(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (tenant, id) = path.into_inner();
    let presented = bearer(&req).map(str::to_owned);
    let unauthorized = || {
        set_error(
            StatusCode::UNAUTHORIZED,
            "authentication_failed",
            "present the subscription's secret as Authorization: Bearer <secret>",
        )
    };
    let (Some(presented), Ok(tenant)) = (presented, TenantId::new(tenant.as_str())) else {
        return Ok(unauthorized());
    };
    let subscription = blocking(&state, StoreOp::SetPoll, move |store| {
        Ok(store.subscription(&tenant, &id)?)
    })
    .await?;
    // An unknown subscription and a wrong secret look the same: nothing tells which ids exist.
    let Some(subscription) = subscription.filter(|s| same_secret(&presented, &s.secret)) else {
        return Ok(unauthorized());
    };
    if subscription.delivery != DeliveryMethod::Poll || subscription.format != EventFormat::Set {
        return Ok(set_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "this subscription is not delivered by polling for SETs",
        ));
    }
    if !subscription.enabled {
        return Ok(set_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            "this subscription is disabled",
        ));
    }
    let request: PollRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PollRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(e) => {
                return Ok(set_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("not an RFC 8936 poll request: {e}"),
                ));
            }
        }
    };
    let response = long_poll(&state, subscription, request).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Applies the acknowledgements, then answers with the pending SETs, waiting for some (up to
/// [`LONG_POLL`]) unless the request asks for an immediate answer or for none.
async fn long_poll(
    state: &web::Data<AppState>,
    subscription: Subscription,
    request: PollRequest,
) -> Result<PollResponse, ApiError> {
    let deadline = Instant::now() + LONG_POLL;
    let max_events = request.max_events.unwrap_or(DEFAULT_MAX_EVENTS);
    let wait = !request.return_immediately && max_events > 0;
    let mut acknowledgements = Some(request);
    let subscription = std::sync::Arc::new(subscription);
    loop {
        // Watch before reading, so that a commit during the read still ends the wait.
        let mut commits = state.signals.watch(&subscription.tenant);
        let outbound = state.delivery.clone();
        let request = acknowledgements.take();
        let sub = subscription.clone();
        let response = blocking(state, StoreOp::SetPoll, move |store| {
            let cursor = match &request {
                Some(request) => poll::acknowledge(store, &sub, request)?,
                None => store
                    .subscription(&sub.tenant, &sub.id)?
                    .map_or(sub.cursor, |s| s.cursor),
            };
            poll::pending(&outbound, store, &sub, cursor, max_events).map_err(|e| match e {
                poll::PollError::Store(e) => e.into(),
                poll::PollError::Encode(e) => {
                    tracing::error!(error = %e, "cannot sign SETs for a poll");
                    ScimError::with_status(503, "SETs cannot be signed right now").into()
                }
            })
        })
        .await?;
        let now = Instant::now();
        if !wait || !response.sets.is_empty() || response.more_available || now >= deadline {
            return Ok(response);
        }
        let pause = LONG_POLL_CHECK.min(deadline - now);
        let _ = actix_web::rt::time::timeout(pause, commits.changed()).await;
    }
}

//! Per-request observation: a request id, one structured log line, and metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

use super::scim::RouteLabel;
use crate::auth::Principal;
use crate::state::AppState;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs and measures a request. Headers and bodies are never logged: they carry tokens and
/// passwords.
pub(super) async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().to_string();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        %method,
        route = tracing::field::Empty
    );
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status();
    let elapsed = started.elapsed();
    // Asked once routing is done, the router names the route it took; asked before, it would
    // match the path against every route again (2% of a GET's CPU).
    // Under /scim/v2 the service routes, and its adapter names the route it took.
    let label = response
        .request()
        .extensions()
        .get::<RouteLabel>()
        .map(|label| label.0.clone());
    let route = label
        .or_else(|| response.request().match_pattern())
        .unwrap_or_else(|| "unmatched".to_owned());
    span.record("route", tracing::field::display(&route));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    if let Some(metrics) = metrics {
        metrics
            .requests
            .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
            .inc();
        metrics
            .latency
            .with_label_values(&[route.as_str(), method.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    let tenant = response
        .request()
        .extensions()
        .get::<Principal>()
        .map(|p| p.tenant.to_string());
    let _entered = span.enter();
    tracing::info!(
        status = status.as_u16(),
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        tenant = tenant.as_deref().unwrap_or("-"),
        "handled"
    );
    Ok(response)
}

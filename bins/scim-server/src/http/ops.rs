//! Operational endpoints, outside `/scim/v2` and without authentication: liveness, readiness
//! and Prometheus metrics. None of them reveals anything about a tenant: the metrics are
//! labelled by route pattern, method, status and store operation only.

use actix_web::http::StatusCode;
use actix_web::rt::time::timeout;
use actix_web::{HttpResponse, web};
use scim_core::ScimError;

use super::error::ApiError;
use super::store_call::{StoreOp, unqueued};
use crate::state::AppState;

const TEXT: &str = "text/plain; charset=utf-8";

/// `GET /healthz`: the process is up and serving. Touches neither the database nor anything
/// else that could fail, so that an orchestrator restarts only a process that is truly stuck.
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type(TEXT).body("ok\n")
}

/// `GET /readyz`: the database answers ([`scim_store::Store::ping`]) within
/// `readiness_timeout_ms`; 503 when it does not, so that a load balancer sends requests
/// elsewhere.
///
/// The ping takes no turn among the store calls (a pool busy with requests is no reason to
/// leave a health check unanswered), and the answer does not wait for it longer than the
/// timeout, whatever the database does.
pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match timeout(state.config.readiness_timeout(), ping(&state)).await {
        Ok(Ok(())) => HttpResponse::Ok().content_type(TEXT).body("ready\n"),
        Ok(Err(_)) | Err(_) => HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
            .content_type(TEXT)
            .body("not ready: the database does not answer\n"),
    }
}

/// Pings the database, one probe at a time: a ping that hangs keeps its thread and its
/// connection until the operating system gives up on the database, and the probes after it
/// wait for it (and time out) instead of piling up more.
async fn ping(state: &AppState) -> Result<(), ApiError> {
    let probe = state
        .readiness_probe
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ScimError::with_status(503, "the server is shutting down"))?;
    unqueued(state, StoreOp::Ping, move |store| {
        let _probe = probe;
        Ok(store.ping()?)
    })
    .await
}

/// `GET /metrics`: the Prometheus text exposition format.
/// A failure is a 500, never an empty page: a scraper would take that for a server without
/// traffic.
pub(crate) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    match state.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the metrics");
            HttpResponse::InternalServerError()
                .content_type(TEXT)
                .body(format!("cannot render the metrics: {e}\n"))
        }
    }
}

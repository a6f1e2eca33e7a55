//! Operational endpoints, outside `/scim/v2` and without authentication: liveness, readiness
//! and Prometheus metrics. None of them reveals anything about a tenant: the metrics are
//! labelled by route pattern, method, status and store operation only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::store_call::{StoreOp, blocking};
use crate::state::AppState;

const TEXT: &str = "text/plain; charset=utf-8";

/// `GET /healthz`: the process is up and serving. Touches neither the database nor anything
/// else that could fail, so that an orchestrator restarts only a process that is truly stuck.
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type(TEXT).body("ok\n")
}

/// `GET /readyz`: the database answers ([`scim_store::Store::ping`]); 503 when it does not, so
/// that a load balancer sends requests elsewhere.
pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match blocking(&state, StoreOp::Ping, |store| Ok(store.ping()?)).await {
        Ok(()) => HttpResponse::Ok().content_type(TEXT).body("ready\n"),
        Err(_) => HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
            .content_type(TEXT)
            .body("not ready: the database does not answer\n"),
    }
}

/// `GET /metrics`: the Prometheus text exposition format.
pub(crate) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

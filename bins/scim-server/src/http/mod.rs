//! The HTTP surface: routes, middleware and error documents. Everything under `/scim/v2` is
//! answered by [`scim_service`] through its actix-web adapter (`scim.rs`).
//!
//! | path | what | credential |
//! | --- | --- | --- |
//! | `/scim/v2/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]` | discovery | none needed; a presented one must be valid |
//! | `/scim/v2/{Users,Groups}[/{id}]`, `/{endpoint}/.search` | resources | SCIM key (writes: `write` scope) |
//! | `/scim/v2/.search`, `GET /scim/v2?filter=...` | search of every resource type | SCIM key |
//! | `/scim/v2/Bulk` | bulk operations | SCIM key with `write` scope |
//! | `/scim/v2/Me` | 501 (decision 0003: a SCIM key acts for an organisation, not a user) | SCIM key |
//! | `/admin/v1/...` | the management API ([`manage`]): tenants, keys, subscriptions, events, access | admin token (`/admin/v1/openapi.json`: none) |
//! | `POST /events/v1/tenants/{tenant}/subscriptions/{id}/poll` | RFC 8936 polling for SETs | the subscription's secret |
//! | `/.well-known/jwks.json` | the keys SETs are signed with | none |
//! | `/console/...` | the web console ([`crate::console`]): HTML pages | a console session (sign-in with the admin token, or a one-time link) |
//! | `/healthz`, `/readyz`, `/metrics` | operations | none |
//!
//! Every error, including the ones actix produces itself (an oversized body, an unknown path, a
//! method a path does not serve), is an RFC 7644 §3.12 document served as
//! `application/scim+json`, except under `/admin/v1`, where it is an RFC 9457 problem document
//! ([`manage::problem`]); a 405 also names the allowed methods in `Allow`. The exceptions are
//! what actix-http's parser refuses before any of this runs (a request target over 65,534
//! bytes or with a raw `"` in its query: 400; a request head over 128 KiB: 431): those answers
//! have no body, and no hook of actix-web reaches them. Request targets are kept below that
//! limit ([`MAX_REQUEST_TARGET`]), so that the server answers every length it can.

pub(crate) mod admin;
mod delivery;
pub mod error;
pub mod manage;
mod observe;
mod ops;
mod principal;
mod scim;
pub(crate) mod store_call;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, ResponseError, Route, web};
use scim_core::ScimError;
use scim_core::filter::ParseOptions;
use scim_core::message::ErrorResponse;

use self::error::{ApiError, SCIM_JSON};
use crate::state::AppState;

/// Mounts every route on `cfg`, with `state` as shared data.
///
/// ```no_run
/// # fn state() -> scim_server::AppState { unimplemented!() }
/// use actix_web::{App, HttpServer};
///
/// # async fn run() -> std::io::Result<()> {
/// let state = state();
/// HttpServer::new(move || App::new().configure(|cfg| scim_server::http::configure(cfg, state.clone())))
///     .bind("127.0.0.1:8080")?
///     .run()
///     .await
/// # }
/// ```
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    let body_limit = state.config.max_body_bytes;
    let console = state.config.console.enabled;
    cfg.app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(body_limit))
        .service(get_only("/healthz", web::get().to(ops::healthz)))
        .service(get_only("/readyz", web::get().to(ops::readyz)))
        .service(get_only("/metrics", web::get().to(ops::metrics)))
        .service(get_only(
            "/.well-known/jwks.json",
            web::get().to(delivery::jwks),
        ))
        .service(
            // No SCIM error bodies here: RFC 8936 answers errors with RFC 8935 documents.
            web::scope("/events/v1")
                .wrap(from_fn(observe::observe))
                .service(
                    web::resource("/tenants/{tenant}/subscriptions/{id}/poll")
                        .route(web::post().to(delivery::poll))
                        .default_service(not_allowed("POST")),
                )
                .default_service(web::to(not_found)),
        )
        .configure(move |cfg| {
            // The console (`console.enabled`, on by default); off, /console is a 404 like any
            // unknown path.
            if console {
                cfg.service(
                    web::scope("/console")
                        .wrap(from_fn(crate::console::security_headers))
                        .configure(crate::console::configure),
                );
            }
        })
        .service(
            web::scope("/admin/v1")
                .wrap(from_fn(refuse_long_targets))
                .wrap(from_fn(observe::observe))
                .wrap(ErrorHandlers::new().default_handler(manage::problem::problem_body))
                .configure(manage::configure),
        )
        .service(
            web::scope(scim::MOUNT)
                .wrap(from_fn(refuse_long_targets))
                .wrap(from_fn(observe::observe))
                .wrap(ErrorHandlers::new().default_handler(scim_error_body))
                // The service routes every path and method under the mount itself.
                .default_service(web::to(scim::scim)),
        )
        .default_service(web::to(not_found));
}

/// The longest request target (path and query) served: the longest filter the parser accepts
/// ([`ParseOptions::DEFAULT_MAX_LEN`], 8 KiB) with every byte percent-encoded (three bytes
/// each), and as much again for the path and the other parameters. A filter over the parser's
/// limit in a target within this one is a 400 `invalidFilter`.
pub const MAX_REQUEST_TARGET: usize = 4 * ParseOptions::DEFAULT_MAX_LEN;

// Above 65,534 bytes actix-http's parser (the `http` crate's URI) refuses a target with a bare
// 400 before the server sees it: the server's 414 must come first.
const _: () = assert!(MAX_REQUEST_TARGET < u16::MAX as usize - 1);

/// 414 for a request target over [`MAX_REQUEST_TARGET`], before anything of it is parsed.
async fn refuse_long_targets(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let length = req
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if length <= MAX_REQUEST_TARGET {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let error = ApiError::Scim(ScimError::with_status(
        414,
        format!(
            "the request target is {length} bytes, more than this server accepts ({MAX_REQUEST_TARGET})"
        ),
    ));
    Ok(req
        .into_response(error.error_response())
        .map_into_right_body())
}

/// A resource that serves `route` for GET and 405 for every other method.
fn get_only(path: &str, route: Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(not_allowed("GET"))
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "{} does not exist",
        req.path()
    )))
}

/// 405 with `Allow: <allow>`.
fn method_not_allowed(req: &HttpRequest, allow: &'static str) -> HttpResponse {
    let error = ApiError::Scim(ScimError::with_status(
        405,
        format!(
            "{} is not supported on {}; use {allow}",
            req.method(),
            req.path()
        ),
    ));
    let mut response = error.error_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

fn not_allowed(allow: &'static str) -> Route {
    web::to(move |req: HttpRequest| async move { method_not_allowed(&req, allow) })
}

/// The URL the server is reached at, without a trailing slash: `base_url` when configured,
/// else the request's scheme and `Host`.
pub(crate) fn base_url(req: &HttpRequest, state: &AppState) -> String {
    match &state.config.base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// Gives responses that actix produced itself (an oversized body, a malformed path) the SCIM
/// error document every client expects.
fn scim_error_body<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_scim = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(SCIM_JSON.as_bytes()));
    if is_scim || res.status().is_success() || res.status().is_redirection() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        413 => "the request body is larger than this server accepts".to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned(),
    };
    let document = ErrorResponse::new(status.as_u16()).with_detail(detail);
    let (req, _) = res.into_parts();
    let response: HttpResponse<BoxBody> = error::error_response_builder(status).json(document);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_body(|_, b| EitherBody::right(b)),
    ))
}

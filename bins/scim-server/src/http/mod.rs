//! The HTTP surface: routes, middleware and error documents.

mod body;
pub mod error;
mod observe;
mod principal;
mod resources;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use scim_core::ScimError;
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
    let bulk_limit = state.config.bulk.max_payload_bytes;
    cfg.app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(body_limit))
        .service(
            web::scope("/scim/v2")
                .wrap(from_fn(observe::observe))
                .wrap(ErrorHandlers::new().default_handler(scim_error_body))
                .service(
                    web::resource("/Bulk")
                        .app_data(web::PayloadConfig::new(bulk_limit))
                        .route(web::post().to(not_yet))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(web::resource("/Me").to(me))
                .service(
                    web::resource("/.search")
                        .route(web::post().to(resources::root_search))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/{endpoint}")
                        .route(web::get().to(resources::list))
                        .route(web::post().to(resources::create))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/{endpoint}/.search")
                        .route(web::post().to(resources::search))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::resource("/{endpoint}/{id}")
                        .route(web::get().to(resources::get))
                        .route(web::put().to(resources::replace))
                        .route(web::patch().to(resources::patch))
                        .route(web::delete().to(resources::delete))
                        .default_service(web::to(method_not_allowed)),
                )
                .default_service(web::to(not_found)),
        );
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "{} does not exist",
        req.path()
    )))
}

async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::Scim(ScimError::with_status(
        405,
        format!("{} is not supported on {}", req.method(), req.path()),
    )))
}

async fn not_yet() -> Result<HttpResponse, ApiError> {
    Err(ApiError::Scim(ScimError::with_status(
        501,
        "not implemented yet",
    )))
}

/// `/Me` (RFC 7644 §3.11) needs an authenticated user; SCIM keys here authenticate an
/// identity provider acting for a whole organisation, never a user, so there is no "me".
async fn me(_principal: crate::auth::Principal) -> Result<HttpResponse, ApiError> {
    Err(ApiError::Scim(ScimError::with_status(
        501,
        "/Me is not supported: SCIM keys authenticate an identity provider, not a user",
    )))
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
    let response: HttpResponse<BoxBody> = HttpResponse::build(status)
        .content_type(SCIM_JSON)
        .json(document);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_body(|_, b| EitherBody::right(b)),
    ))
}

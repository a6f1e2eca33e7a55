//! `GET /admin/v1/openapi.json`: the OpenAPI 3.1 document of the admin API.
//!
//! It needs no credential, as discovery does not in SCIM: it describes the API and reveals
//! nothing about any tenant. Like every admin route it exists only while the admin API is on
//! (`admin.token` configured).

use actix_web::{HttpRequest, HttpResponse, web};

use super::Problem;
use crate::state::AppState;

/// The document, written by hand (`openapi.json` beside this file) and held true by the
/// in-process tests: every operation of [`super::OPERATIONS`] is in it and nothing else, and
/// what each operation answers validates against the schemas it gives.
pub(super) const DOCUMENT: &str = include_str!("openapi.json");

/// Serves [`DOCUMENT`].
pub(crate) async fn document(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    if !crate::http::admin::enabled(&state) {
        return Err(Problem::no_such_path(req.path()));
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT))
}

//! The management API under `/admin/v1`: tenants, SCIM keys, subscriptions, the event feed and
//! the access report, behind the admin credential, over the operations of [`crate::manage`].
//!
//! JSON in and out, member names in `snake_case`; lists are pages in id order (`?after=<last
//! id>&limit=N`, answered with `next_after`); a create answers 201 with `Location`; every error
//! is an RFC 9457 problem document naming the input at fault ([`problem`]). The routes are one
//! table, [`OPERATIONS`], which the OpenAPI document (`/admin/v1/openapi.json`) is tested
//! against.

pub(crate) mod directory;
mod events;
pub(crate) mod input;
mod openapi;
pub mod problem;
mod subscriptions;
mod tenants;
mod tokens;

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, ResponseError, Route, web};
use scim_store::Store;

pub use self::problem::Problem;
use super::store_call::{StoreOp, blocking};
use crate::manage::ManageError;
use crate::state::AppState;

/// One operation of the admin API: a method on a path (relative to `/admin/v1`, with actix's
/// `{name}` parameters, as the OpenAPI document writes them).
pub struct Operation {
    /// The method.
    pub method: Method,
    /// The path pattern.
    pub path: &'static str,
    route: fn() -> Route,
}

/// Every operation of the admin API, in the order they are matched.
pub const OPERATIONS: &[Operation] = &[
    op(Method::GET, "/openapi.json", || {
        web::get().to(openapi::document)
    }),
    op(Method::GET, "/tenants", || web::get().to(tenants::list)),
    op(Method::POST, "/tenants", || web::post().to(tenants::create)),
    op(Method::GET, "/tenants/{tenant}", || {
        web::get().to(tenants::show)
    }),
    op(Method::PATCH, "/tenants/{tenant}", || {
        web::patch().to(tenants::update)
    }),
    op(Method::DELETE, "/tenants/{tenant}", || {
        web::delete().to(tenants::delete)
    }),
    op(Method::PUT, "/tenants/{tenant}/owner", || {
        web::put().to(tenants::set_owner)
    }),
    op(Method::GET, "/tenants/{tenant}/access", || {
        web::get().to(super::admin::tenant_access)
    }),
    op(Method::GET, "/tenants/{tenant}/events", || {
        web::get().to(events::feed)
    }),
    op(Method::GET, "/tenants/{tenant}/activity", || {
        web::get().to(directory::activity)
    }),
    op(Method::GET, "/tenants/{tenant}/summary", || {
        web::get().to(directory::summary)
    }),
    op(Method::GET, "/tenants/{tenant}/users", || {
        web::get().to(directory::users)
    }),
    op(Method::GET, "/tenants/{tenant}/users/{id}", || {
        web::get().to(directory::user)
    }),
    op(Method::GET, "/tenants/{tenant}/groups", || {
        web::get().to(directory::groups)
    }),
    op(Method::GET, "/tenants/{tenant}/groups/{id}", || {
        web::get().to(directory::group)
    }),
    op(Method::GET, "/tenants/{tenant}/groups/{id}/members", || {
        web::get().to(directory::members)
    }),
    op(Method::GET, "/tenants/{tenant}/matrix", || {
        web::get().to(directory::matrix)
    }),
    op(Method::POST, "/tenants/{tenant}/console-links", || {
        web::post().to(directory::console_link)
    }),
    op(Method::GET, "/tenants/{tenant}/tokens", || {
        web::get().to(tokens::list)
    }),
    op(Method::POST, "/tenants/{tenant}/tokens", || {
        web::post().to(tokens::issue)
    }),
    op(Method::GET, "/tenants/{tenant}/tokens/{id}", || {
        web::get().to(tokens::show)
    }),
    op(Method::DELETE, "/tenants/{tenant}/tokens/{id}", || {
        web::delete().to(tokens::revoke)
    }),
    op(Method::GET, "/tenants/{tenant}/subscriptions", || {
        web::get().to(subscriptions::list)
    }),
    op(Method::POST, "/tenants/{tenant}/subscriptions", || {
        web::post().to(subscriptions::create)
    }),
    op(Method::GET, "/tenants/{tenant}/subscriptions/{id}", || {
        web::get().to(subscriptions::show)
    }),
    op(
        Method::PATCH,
        "/tenants/{tenant}/subscriptions/{id}",
        || web::patch().to(subscriptions::update),
    ),
    op(
        Method::DELETE,
        "/tenants/{tenant}/subscriptions/{id}",
        || web::delete().to(subscriptions::delete),
    ),
    op(
        Method::POST,
        "/tenants/{tenant}/subscriptions/{id}/rotate-secret",
        || web::post().to(subscriptions::rotate_secret),
    ),
    op(
        Method::GET,
        "/tenants/{tenant}/subscriptions/{id}/deliveries",
        || web::get().to(subscriptions::deliveries),
    ),
    op(
        Method::POST,
        "/tenants/{tenant}/subscriptions/{id}/redeliver",
        || web::post().to(subscriptions::redeliver),
    ),
    op(
        Method::POST,
        "/tenants/{tenant}/subscriptions/{id}/test",
        || web::post().to(subscriptions::test),
    ),
];

/// The OpenAPI 3.1 document served at `/admin/v1/openapi.json`.
pub fn openapi_document() -> &'static str {
    openapi::DOCUMENT
}

const fn op(method: Method, path: &'static str, route: fn() -> Route) -> Operation {
    Operation {
        method,
        path,
        route,
    }
}

/// Mounts [`OPERATIONS`] inside the `/admin/v1` scope: one resource per path, whose other
/// methods answer 405 with `Allow`, and 404 for every path not listed.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&'static str> = Vec::new();
    for operation in OPERATIONS {
        if !paths.contains(&operation.path) {
            paths.push(operation.path);
        }
    }
    for path in paths {
        let operations: Vec<&Operation> = OPERATIONS.iter().filter(|o| o.path == path).collect();
        let allow = operations
            .iter()
            .map(|o| o.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path);
        for operation in operations {
            resource = resource.route((operation.route)());
        }
        cfg.service(resource.default_service(web::to(move |req: HttpRequest| {
            let allow = allow.clone();
            async move { method_not_allowed(&req, &allow) }
        })));
    }
    cfg.default_service(web::to(|req: HttpRequest| async move {
        Problem::no_such_path(req.path()).error_response()
    }));
}

fn method_not_allowed(req: &HttpRequest, allow: &str) -> actix_web::HttpResponse {
    let mut problem = Problem::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not supported on {}; use {allow}",
            req.method(),
            req.path()
        ),
    );
    if let Ok(value) = HeaderValue::from_str(allow) {
        problem = problem.with_header(header::ALLOW, value);
    }
    problem.error_response()
}

/// 201 Created with `Location: /admin/v1<path>` and `body`.
fn created(path: &str, body: &impl serde::Serialize) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/admin/v1{path}")))
        .json(body)
}

/// Runs a management operation on the blocking pool.
async fn call<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, ManageError> + Send + 'static,
) -> Result<T, Problem> {
    call_op(state, StoreOp::Manage, f).await
}

/// [`call`], timed as `op`.
async fn call_op<T: Send + 'static>(
    state: &AppState,
    op: StoreOp,
    f: impl FnOnce(&dyn Store) -> Result<T, ManageError> + Send + 'static,
) -> Result<T, Problem> {
    blocking(state, op, move |store| Ok(f(store)))
        .await
        .map_err(Problem::from)?
        .map_err(Problem::from)
}

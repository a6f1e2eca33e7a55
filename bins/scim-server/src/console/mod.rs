//! The web console at `/console`: server-rendered pages (maud) and a little embedded CSS and
//! JavaScript, served by the binary itself. Operators sign in with the admin token; an
//! organisation's admin signs in with a one-time link and sees that tenant only.
//!
//! The console is a client of the management operations ([`crate::manage`]), the same ones the
//! admin API and the command line run: no handler here touches the store but through them.
//! Every state-changing form carries its session's CSRF token (`csrf.rs`); every answer carries
//! a strict Content-Security-Policy (no inline script or style, nothing from elsewhere).
//!
//! | path | what |
//! | --- | --- |
//! | `/console/sign-in`, `/console/link/{token}`, `/console/sign-out` | sessions (`session.rs`) |
//! | `/console/tenants` | operators: every tenant at a glance, create one (`tenants.rs`) |
//! | `/console/t/{tenant}` | connect the identity provider: base URL, SCIM keys, Okta and Entra steps (`connect.rs`) |
//! | `/console/t/{tenant}/people[/{id}]` | people: search, cursor pages, one person with history (`people.rs`) |
//! | `/console/t/{tenant}/groups[/{id}]` | groups and their members, a page at a time (`groups.rs`) |
//! | `/console/t/{tenant}/matrix` | projects x roles (`groups.rs`) |
//! | `/console/t/{tenant}/policies` | provisioning switches and the owner (`policies.rs`) |
//! | `/console/t/{tenant}/activity[/stream,/rows]` | the change log, live (`activity.rs`) |
//! | `/console/t/{tenant}/webhooks[/{id}]` | subscriptions and deliveries (`webhooks.rs`) |

mod activity;
mod assets;
mod connect;
mod csrf;
mod error;
mod groups;
mod layout;
mod people;
mod policies;
mod session;
mod tenants;
mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, Route, web};
use scim_store::Store;

pub(crate) use self::error::ConsoleError;
use crate::http::store_call::{StoreOp, blocking};
use crate::manage::ManageError;
use crate::state::AppState;

/// One route of the console: a method on a path below `/console`.
pub struct ConsoleRoute {
    /// The method.
    pub method: Method,
    /// The path pattern, with actix's `{name}` parameters.
    pub path: &'static str,
    route: fn() -> Route,
}

const fn route(method: Method, path: &'static str, route: fn() -> Route) -> ConsoleRoute {
    ConsoleRoute {
        method,
        path,
        route,
    }
}

/// Every route of the console. Each `POST` but the two sign-ins (which take a credential
/// instead) checks the session's CSRF token before anything else: a test posts to each without
/// it and expects 403.
pub const ROUTES: &[ConsoleRoute] = &[
    route(Method::GET, "", || web::get().to(session::home)),
    route(Method::GET, "/sign-in", || {
        web::get().to(session::sign_in_page)
    }),
    route(Method::POST, "/sign-in", || {
        web::post().to(session::sign_in)
    }),
    route(Method::GET, "/link/{token}", || {
        web::get().to(session::link_page)
    }),
    route(Method::POST, "/link/{token}", || {
        web::post().to(session::redeem_link)
    }),
    route(Method::POST, "/sign-out", || {
        web::post().to(session::sign_out)
    }),
    route(Method::GET, "/assets/{version}/{name}", || {
        web::get().to(assets::serve)
    }),
    route(Method::GET, "/tenants", || web::get().to(tenants::list)),
    route(Method::POST, "/tenants", || web::post().to(tenants::create)),
    route(Method::GET, "/t/{tenant}", || web::get().to(connect::page)),
    route(Method::POST, "/t/{tenant}/keys", || {
        web::post().to(connect::issue)
    }),
    route(Method::POST, "/t/{tenant}/keys/{id}/revoke", || {
        web::post().to(connect::revoke)
    }),
    route(Method::GET, "/t/{tenant}/people", || {
        web::get().to(people::list)
    }),
    route(Method::GET, "/t/{tenant}/people/{id}", || {
        web::get().to(people::show)
    }),
    route(Method::GET, "/t/{tenant}/groups", || {
        web::get().to(groups::list)
    }),
    route(Method::GET, "/t/{tenant}/groups/{id}", || {
        web::get().to(groups::show)
    }),
    route(Method::GET, "/t/{tenant}/matrix", || {
        web::get().to(groups::matrix)
    }),
    route(Method::GET, "/t/{tenant}/policies", || {
        web::get().to(policies::page)
    }),
    route(Method::POST, "/t/{tenant}/policies", || {
        web::post().to(policies::update)
    }),
    route(Method::POST, "/t/{tenant}/owner", || {
        web::post().to(policies::set_owner)
    }),
    route(Method::GET, "/t/{tenant}/activity", || {
        web::get().to(activity::page)
    }),
    route(Method::GET, "/t/{tenant}/activity/stream", || {
        web::get().to(activity::stream)
    }),
    route(Method::GET, "/t/{tenant}/activity/rows", || {
        web::get().to(activity::rows)
    }),
    route(Method::GET, "/t/{tenant}/webhooks", || {
        web::get().to(webhooks::list)
    }),
    route(Method::POST, "/t/{tenant}/webhooks", || {
        web::post().to(webhooks::create)
    }),
    route(Method::GET, "/t/{tenant}/webhooks/{id}", || {
        web::get().to(webhooks::show)
    }),
    route(Method::POST, "/t/{tenant}/webhooks/{id}/test", || {
        web::post().to(webhooks::send_test)
    }),
    route(Method::POST, "/t/{tenant}/webhooks/{id}/redeliver", || {
        web::post().to(webhooks::redeliver)
    }),
    route(Method::POST, "/t/{tenant}/webhooks/{id}/enabled", || {
        web::post().to(webhooks::set_enabled)
    }),
];

/// Mounts [`ROUTES`] (one resource per path), with the console's security headers on every
/// answer.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&'static str> = Vec::new();
    for r in ROUTES {
        if !paths.contains(&r.path) {
            paths.push(r.path);
        }
    }
    for path in paths {
        let mut resource = web::resource(path);
        for r in ROUTES.iter().filter(|r| r.path == path) {
            resource = resource.route((r.route)());
        }
        cfg.service(resource.default_service(web::to(|| async {
            HttpResponse::MethodNotAllowed().finish()
        })));
    }
    cfg.default_service(web::to(|| async {
        Err::<HttpResponse, _>(ConsoleError::NotFound)
    }));
}

/// What every console answer carries: a Content-Security-Policy that allows only the console's
/// own files (no inline script, style or handler, no other origin, no framing), no referrer (a
/// link's token never leaves in one), no MIME sniffing, and, but for the versioned assets, no
/// caching of pages that show a tenant's data.
pub(crate) async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_asset = req.path().starts_with("/console/assets/");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// Runs management operations on the blocking pool, as the admin API does.
pub(crate) async fn store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, ManageError> + Send + 'static,
) -> Result<T, ConsoleError> {
    blocking(state, StoreOp::Console, move |store| Ok(f(store)))
        .await?
        .map_err(ConsoleError::from)
}

/// A submitted form (`application/x-www-form-urlencoded`), field by field.
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// The form in `body`; a body that is not a form is an empty one (its token is missing,
    /// so a state-changing handler refuses it).
    pub(crate) fn parse(body: &[u8]) -> Self {
        let text = std::str::from_utf8(body).unwrap_or_default();
        Self(
            web::Query::<Vec<(String, String)>>::from_query(text)
                .map(web::Query::into_inner)
                .unwrap_or_default(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a checkbox named `name` is checked.
    pub(crate) fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value of `name`, without empty ones.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

/// 303 See Other to `location`: the answer to a form that worked.
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// The base URL identity providers and links use: `base_url`, or where the request came to.
pub(crate) fn public_base(req: &actix_web::HttpRequest, state: &AppState) -> String {
    crate::http::base_url(req, state)
}

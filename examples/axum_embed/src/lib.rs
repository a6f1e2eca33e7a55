//! An axum application that already has routes and authentication of its own, and mounts SCIM
//! 2.0 at `/scim/v2` with [`scim_service`] over a SQLite [`scim_store`]. The adapter is the
//! `scim` handler below: a few dozen lines that convert axum's request and response.
//!
//! ```sh
//! cargo run -p axum-embed   # then: curl -H 'Authorization: Bearer acme-okta-key' localhost:3000/scim/v2/Users
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use scim_core::ScimError;
use scim_service::{Blocking, Caller, Headers, Method, ScimService, StoreOp};

/// What the application shares between requests.
#[derive(Clone)]
pub struct App {
    /// SCIM over the application's store.
    pub scim: Arc<ScimService>,
    /// The application's own credentials: bearer token to the caller it stands for. A real
    /// application would check its API keys, sessions or JWTs here.
    pub keys: Arc<HashMap<String, Caller>>,
    /// The URL the application is reached at, for `meta.location`.
    pub public_url: String,
}

/// The application: its own routes, and SCIM under `/scim/v2`.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(|| async { "the product's own home page" }))
        .route("/scim/v2", any(scim))
        .route("/scim/v2/{*rest}", any(scim))
        .with_state(app)
}

/// Store calls on tokio's blocking pool: diesel is synchronous.
struct TokioBlocking;

impl Blocking for TokioBlocking {
    async fn blocking<T: Send + 'static>(
        &self,
        _op: StoreOp,
        f: impl FnOnce() -> Result<T, ScimError> + Send + 'static,
    ) -> Result<T, ScimError> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|_| ScimError::with_status(500, "the store call was cancelled"))?
    }
}

/// The adapter: authenticate with the application's own keys, convert, let the service answer.
async fn scim(State(app): State<App>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path()
        .strip_prefix("/scim/v2")
        .unwrap_or_default()
        .to_owned();
    let method = Method::parse(parts.method.as_str());
    let route = app.scim.route(method, &path);
    let token = bearer(&parts.headers);
    let caller = token.and_then(|token| app.keys.get(token)).cloned();
    if route.needs_caller() && caller.is_none() {
        // RFC 6750 §3: a presented but unknown token is an `invalid_token`.
        let challenge = match token {
            None => r#"Bearer realm="scim""#,
            Some(_) => r#"Bearer realm="scim", error="invalid_token""#,
        };
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, challenge)],
            "a valid bearer token is required",
        )
            .into_response();
    }
    let Ok(body) = axum::body::to_bytes(body, route.body_limit(app.scim.settings())).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        )
            .into_response();
    };
    let value = |name: HeaderName| parts.headers.get(name).map(|v| v.as_bytes());
    let prefer: Vec<&[u8]> = parts
        .headers
        .get_all("prefer")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let base_url = format!("{}/scim/v2", app.public_url);
    let request = scim_service::Request {
        method,
        path: &path,
        query: parts.uri.query().unwrap_or_default(),
        headers: Headers {
            content_type: value(header::CONTENT_TYPE),
            if_match: value(header::IF_MATCH),
            if_none_match: value(header::IF_NONE_MATCH),
            prefer: &prefer,
        },
        body: &body,
        base_url: &base_url,
    };
    let answer = app
        .scim
        .handle_route(&TokioBlocking, &route, caller.as_ref(), &request)
        .await;
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    // An empty token is no token at all.
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

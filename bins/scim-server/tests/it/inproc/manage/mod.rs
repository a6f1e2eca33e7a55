//! The management API (`/admin/v1`): every route and error path, tenant isolation, the long
//! poll, and the OpenAPI document held true. Every admin answer these tests receive goes
//! through [`TestApp::admin`], which checks it against the schema the document gives for its
//! operation and status.

mod directory;
mod document;
mod feed;
mod schema;
mod subscriptions;
mod tenants;
mod tokens;

use std::sync::OnceLock;

use actix_web::http::Method;
use actix_web::http::header;
use scim_server::http::manage::{OPERATIONS, openapi_document};
use serde_json::Value;

use super::support::{ADMIN_TOKEN, Reply, TestApp, request};

/// The media type of problem documents.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// The OpenAPI document, parsed once.
pub(crate) fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::from_str(openapi_document()).expect("openapi.json is JSON"))
}

/// The operation path (`/tenants/{tenant}`) that actix would match `path` (below `/admin/v1`,
/// without its query) to, as the route table orders them.
pub(crate) fn template_of(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    OPERATIONS.iter().map(|o| o.path).find(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| p.starts_with('{') || p == s)
    })
}

/// Checks an answer of `method` on `path` against the document: its status is one the
/// operation lists (or its `default`), its media type the one listed, its body valid.
#[track_caller]
pub(crate) fn assert_conforms(method: &Method, path: &str, reply: &Reply) {
    let path = path.strip_prefix("/admin/v1").unwrap_or(path);
    let path = path.split('?').next().unwrap_or(path);
    let status = reply.status.as_u16();
    let document = document();
    let operation = template_of(path)
        .and_then(|t| document["paths"][t].get(method.as_str().to_ascii_lowercase()));
    let Some(operation) = operation else {
        // No such operation: a 404 or 405 problem.
        assert!(matches!(status, 404 | 405), "{method} {path}: {status}");
        assert_problem(reply);
        return;
    };
    let responses = &operation["responses"];
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .unwrap_or_else(|| panic!("{method} {path}: {status} is not documented"));
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        assert!(
            reply.body.is_empty(),
            "{method} {path}: {status} has no body"
        );
        return;
    };
    let content_type = reply.header("content-type").unwrap_or_default();
    let (media, schema) = content
        .iter()
        .find(|(media, _)| content_type.starts_with(media.as_str()))
        .unwrap_or_else(|| {
            panic!("{method} {path}: {status} as {content_type:?} is not documented")
        });
    let body = reply.json();
    let violations = schema::violations(document, &schema["schema"], &body);
    assert!(
        violations.is_empty(),
        "{method} {path}: {status} {media} breaks its schema: {violations:#?}\n{body:#}"
    );
}

/// Asserts a problem document: the media type and the RFC 9457 members.
#[track_caller]
pub(crate) fn assert_problem(reply: &Reply) -> Value {
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with(PROBLEM_JSON),
        "{} as {content_type:?}: {}",
        reply.status,
        reply.text()
    );
    let body = reply.json();
    assert_eq!(body["type"], "about:blank", "{body}");
    assert_eq!(body["status"], reply.status.as_u16(), "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

impl Reply {
    /// Asserts a problem with this status naming `field` (or no field).
    #[track_caller]
    pub(crate) fn assert_problem(&self, status: u16, field: Option<&str>) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        let body = assert_problem(self);
        assert_eq!(body.get("field").and_then(Value::as_str), field, "{body}");
        body
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

impl TestApp {
    /// An admin API request with the admin token (and a JSON body), its answer checked against
    /// the OpenAPI document.
    pub(crate) async fn admin(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.admin_as(ADMIN_TOKEN, method, path, body).await
    }

    /// [`TestApp::admin`] with another credential (none when `token` is empty).
    pub(crate) async fn admin_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let mut req = request(method.clone(), path, token);
        if let Some(body) = body {
            req = req
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(body.to_string());
        }
        let reply = self.send(req).await;
        assert_conforms(&method, path, &reply);
        reply
    }
}

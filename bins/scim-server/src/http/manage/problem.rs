//! The admin API's errors: RFC 9457 problem details (`application/problem+json`) with the
//! extension member `field`, naming the input at fault.
//!
//! `type` is always `about:blank` (RFC 9457 §4.2.1): the status says what kind of failure it
//! is, `title` is the status's phrase, `detail` says what happened, and `field` (when the
//! failure is about one input) names a body member (`url`, `events[2]`), a query parameter
//! (`wait`), a path parameter (`tenant`, `id`), or `body` for a body that is not a JSON object.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::http::error::ApiError;
use crate::manage::ManageError;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A failed admin API request.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    detail: String,
    field: Option<String>,
    /// Headers the answer carries (`WWW-Authenticate`, `Retry-After`, `Allow`).
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl Problem {
    /// A problem with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            field: None,
            headers: Vec::new(),
        }
    }

    /// The same problem, about the input `field`.
    #[must_use]
    pub fn about(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same problem, with a header.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 404 for a path that names nothing.
    pub fn no_such_path(path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{path} does not exist"))
    }

    /// The body as sent.
    fn document(&self) -> Document<'_> {
        Document {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.detail,
            field: self.field.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(self.document())
    }
}

impl From<ApiError> for Problem {
    /// The same status, detail and headers (the credential challenge, `Retry-After`) as the
    /// SCIM error document the rest of the server would answer.
    fn from(err: ApiError) -> Self {
        let response = err.error_response();
        let detail = match &err {
            ApiError::Scim(e) => e.detail().to_owned(),
            e => e.to_string(),
        };
        let mut problem = Self::new(response.status(), detail);
        for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER, header::ALLOW] {
            if let Some(value) = response.headers().get(&name) {
                problem = problem.with_header(name, value.clone());
            }
        }
        problem
    }
}

impl From<ManageError> for Problem {
    fn from(err: ManageError) -> Self {
        let field = err.field().map(str::to_owned);
        let problem = match err {
            ManageError::Malformed { .. } => Self::new(StatusCode::BAD_REQUEST, err.to_string()),
            ManageError::Invalid { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, err.to_string())
            }
            ManageError::TenantNotFound(_) | ManageError::NotFound { .. } => {
                Self::new(StatusCode::NOT_FOUND, err.to_string())
            }
            ManageError::TenantExists(_) => Self::new(StatusCode::CONFLICT, err.to_string()),
            ManageError::Unsupported(_) => Self::new(StatusCode::NOT_IMPLEMENTED, err.to_string()),
            ManageError::Store(e) => return ApiError::from(e).into(),
            ManageError::Issue(crate::auth::IssueError::Store(e)) => {
                return ApiError::from(e).into();
            }
            ManageError::Issue(e) => {
                tracing::error!(error = %e, "cannot issue a SCIM key");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
        };
        match field {
            Some(field) => problem.about(field),
            None => problem,
        }
    }
}

/// Gives the answers that actix produced itself under `/admin/v1` (an oversized body, a body
/// that cannot be read) the problem document every other admin answer has.
pub(crate) fn problem_body<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem || res.status().is_success() || res.status().is_redirection() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than this server accepts",
        _ => status.canonical_reason().unwrap_or("request failed"),
    };
    let mut problem = Problem::new(status, detail);
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        problem = problem.about("body");
    }
    for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER, header::ALLOW] {
        if let Some(value) = res.response().headers().get(&name) {
            problem = problem.with_header(name, value.clone());
        }
    }
    let (req, _) = res.into_parts();
    let response: HttpResponse<BoxBody> = problem.error_response();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_body(|_, b| EitherBody::right(b)),
    ))
}

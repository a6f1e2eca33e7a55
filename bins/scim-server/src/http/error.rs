//! Every failure becomes an RFC 7644 §3.12 error document.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use scim_core::ScimError;
use scim_core::message::ErrorResponse;
use scim_store::StoreError;

use crate::auth::AuthError;

/// The media type of every SCIM response.
pub const SCIM_JSON: &str = "application/scim+json";

/// The `Retry-After` of a 503, in seconds. A database restart or failover is over in seconds,
/// and the server reconnects within one of the database's return; identity providers back
/// off further on their own.
const RETRY_AFTER_SECONDS: &str = "2";

/// The HTTP status of a code scim-core or the service chose. They choose real ones only: a
/// code that is none (outside 100 to 999) is a bug, answered 500 and logged, not hidden.
pub(super) fn http_status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or_else(|_| {
        tracing::error!(status = code, "not an HTTP status code: answered 500");
        StatusCode::INTERNAL_SERVER_ERROR
    })
}

/// Starts an error response of `status`: a SCIM document, and for a 503 the `Retry-After`
/// that tells the client to come back rather than give up.
pub(super) fn error_response_builder(status: StatusCode) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response.content_type(SCIM_JSON);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECONDS),
        ));
    }
    response
}

/// An error answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A SCIM protocol error.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// Authentication failed: 401 with `WWW-Authenticate`.
    #[error(transparent)]
    Unauthorized(AuthError),
    /// The admin API's credential is missing (`presented: false`) or wrong: 401 with
    /// `WWW-Authenticate` for the `admin` realm.
    #[error("the admin API needs the admin token (Authorization: Bearer <admin token>)")]
    AdminUnauthorized {
        /// Whether a bearer token was presented at all.
        presented: bool,
    },
    /// A rate limit is exceeded: 429 with `Retry-After`.
    #[error("{what}: retry in {retry_after_seconds} s")]
    TooManyRequests {
        /// What is limited, in words.
        what: &'static str,
        /// When to try again.
        retry_after_seconds: u64,
    },
}

impl From<AuthError> for ApiError {
    /// A key that cannot be checked because the database is down is a 503, not a 401: the
    /// client should retry, not conclude that its key is wrong (an identity provider may
    /// disable provisioning over a 401).
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Unavailable => ApiError::Scim(ScimError::with_status(
                503,
                "the SCIM key cannot be checked right now; retry later",
            )),
            err => ApiError::Unauthorized(err),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match &err {
            StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::Migration(_) => {
                tracing::error!(error = %err, "store failure");
            }
            StoreError::Unavailable(_) | StoreError::Transient(_) => {
                tracing::warn!(error = %err, "store unavailable");
            }
            _ => {}
        }
        ApiError::Scim(err.into())
    }
}

/// The core's errors already know their SCIM form.
macro_rules! from_core_error {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for ApiError {
            fn from(err: $error) -> Self {
                ApiError::Scim(err.into())
            }
        })*
    };
}

from_core_error!(
    scim_core::message::MessageError,
    scim_core::message::ETagError,
    scim_core::projection::ProjectionError,
);

impl ApiError {
    /// A 404 for something that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::Scim(ScimError::not_found(detail))
    }

    /// The SCIM error this answer carries (a Bulk operation reports it in its result).
    pub fn into_scim(self) -> ScimError {
        match self {
            ApiError::Scim(e) => e,
            e @ (ApiError::Unauthorized(_) | ApiError::AdminUnauthorized { .. }) => {
                ScimError::with_status(401, e.to_string())
            }
            e @ ApiError::TooManyRequests { .. } => ScimError::with_status(429, e.to_string()),
        }
    }

    fn document(&self) -> ErrorResponse {
        match self {
            ApiError::Scim(e) => ErrorResponse::from(e),
            e @ (ApiError::Unauthorized(_) | ApiError::AdminUnauthorized { .. }) => {
                ErrorResponse::new(401).with_detail(e.to_string())
            }
            e @ ApiError::TooManyRequests { .. } => {
                ErrorResponse::new(429).with_detail(e.to_string())
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        http_status(self.document().status())
    }

    fn error_response(&self) -> HttpResponse {
        let document = self.document();
        let mut response = error_response_builder(self.status_code());
        if let ApiError::TooManyRequests {
            retry_after_seconds,
            ..
        } = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        let challenge = match self {
            ApiError::Scim(_) | ApiError::TooManyRequests { .. } => None,
            ApiError::Unauthorized(AuthError::Missing) => Some(r#"Bearer realm="scim""#),
            ApiError::Unauthorized(_) => Some(r#"Bearer realm="scim", error="invalid_token""#),
            ApiError::AdminUnauthorized { presented: false } => Some(r#"Bearer realm="admin""#),
            ApiError::AdminUnauthorized { presented: true } => {
                Some(r#"Bearer realm="admin", error="invalid_token""#)
            }
        };
        if let Some(challenge) = challenge {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        response.json(document)
    }
}

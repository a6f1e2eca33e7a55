//! Every failure becomes an RFC 7644 §3.12 error document.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use scim_core::ScimError;
use scim_core::message::ErrorResponse;
use scim_store::StoreError;

use crate::auth::AuthError;

/// The media type of every SCIM response.
pub const SCIM_JSON: &str = "application/scim+json";

/// An error answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A SCIM protocol error.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// Authentication failed: 401 with `WWW-Authenticate`.
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
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

    fn document(&self) -> ErrorResponse {
        match self {
            ApiError::Scim(e) => ErrorResponse::from(e),
            ApiError::Unauthorized(e) => ErrorResponse::new(401).with_detail(e.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.document().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let document = self.document();
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(SCIM_JSON);
        if let ApiError::Unauthorized(e) = self {
            let challenge = match e {
                AuthError::Missing => r#"Bearer realm="scim""#,
                _ => r#"Bearer realm="scim", error="invalid_token""#,
            };
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            ));
        }
        response.json(document)
    }
}

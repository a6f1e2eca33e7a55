//! Why a console request failed, answered as a page a person can act on.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use maud::html;

use super::layout;
use crate::http::error::ApiError;
use crate::manage::ManageError;

/// A console request that did not succeed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConsoleError {
    /// No session, or it ended: sign in again.
    #[error("signed out")]
    SignedOut,
    /// A form without its session's CSRF token.
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    /// Nothing here for this session (also another tenant's page).
    #[error("not found")]
    NotFound,
    /// Too many failed sign-ins from this address.
    #[error("too many failed sign-ins; retry in {0} s")]
    Throttled(u64),
    /// A management operation failed.
    #[error(transparent)]
    Manage(#[from] ManageError),
    /// The store call failed (the database is unavailable, say).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignedOut => StatusCode::SEE_OTHER,
            Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Manage(e) => match e {
                ManageError::TenantNotFound(_) | ManageError::NotFound { .. } => {
                    StatusCode::NOT_FOUND
                }
                ManageError::Malformed { .. } => StatusCode::BAD_REQUEST,
                ManageError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                ManageError::TenantExists(_) | ManageError::Conflict(_) => StatusCode::CONFLICT,
                ManageError::Secret(_) | ManageError::Encode(_) => StatusCode::SERVICE_UNAVAILABLE,
                ManageError::Store(scim_store::StoreError::Unavailable(_)) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                ManageError::Store(_) | ManageError::Issue(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::SignedOut = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/console/sign-in"))
                .finish();
        }
        let (title, advice): (&str, String) = match self {
            Self::Csrf => (
                "This form cannot be accepted",
                "It did not carry this session's security token: it may come from another site, or from a page opened before you signed in again. Go back, reload the page and submit it again.".into(),
            ),
            Self::NotFound | Self::Manage(ManageError::TenantNotFound(_) | ManageError::NotFound { .. }) => (
                "Not found",
                "There is nothing here for your session. Check the address, or go back to your organisation's pages.".into(),
            ),
            Self::Throttled(seconds) => (
                "Too many failed sign-ins",
                format!("Sign-ins from your address failed too often. Wait {seconds} seconds, then try again."),
            ),
            Self::Api(_) | Self::Manage(_) if status == StatusCode::SERVICE_UNAVAILABLE => (
                "The database is not answering",
                format!("{self}. Try again in a few seconds."),
            ),
            Self::Manage(e) => ("That did not work", e.to_string()),
            Self::Api(e) => ("That did not work", e.to_string()),
            Self::SignedOut => ("Signed out", String::new()),
        };
        let body = html! {
            h1 { (title) }
            p { (advice) }
            p { a href="/console" { "Back to the console" } }
        };
        let mut response = layout::bare(status, title, body);
        if let Self::Throttled(seconds) = self
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

//! The authenticated caller, as a request extractor.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;
use scim_core::ScimError;
use scim_store::Scope;

use super::error::ApiError;
use crate::auth::Principal;
use crate::state::AppState;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ScimError::with_status(500, "the server is misconfigured"))?;
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = state.auth.authenticate(header, Utc::now())?;
    // The request log line names the tenant and token id, never the token.
    req.extensions_mut().insert(principal.clone());
    Ok(principal)
}

impl Principal {
    /// Fails with 403 unless the token may write.
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.may(Scope::Write) {
            Ok(())
        } else {
            Err(ScimError::with_status(403, "this SCIM key is read-only").into())
        }
    }
}

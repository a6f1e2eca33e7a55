//! The authenticated caller, as a request extractor.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;
use scim_core::ScimError;
use scim_store::Scope;

use super::error::ApiError;
use super::store_call::{StoreOp, blocking};
use crate::auth::{Principal, bearer_token};
use crate::state::AppState;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

/// Authenticates the request's bearer token.
///
/// A key verified recently is found in the verifier's cache on the executor; anything else
/// (a signature check and a read of the token's record) runs on the blocking pool, so that a
/// slow database never stalls the executor.
pub(crate) async fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ScimError::with_status(500, "the server is misconfigured"))?
        .clone();
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let now = Utc::now();
    let principal = match state.auth.cached_principal(authorization.as_deref(), now) {
        Some(principal) => principal,
        None => {
            // Without a token there is nothing to look up.
            bearer_token(authorization.as_deref())?;
            let auth = state.auth.clone();
            blocking(&state, StoreOp::Authenticate, move |_| {
                Ok(auth.authenticate(authorization.as_deref(), now)?)
            })
            .await?
        }
    };
    // The request log line names the tenant and token id, never the token.
    req.extensions_mut().insert(principal.clone());
    if let Err(throttled) = state
        .limits
        .tenant
        .take(principal.tenant.as_str(), Instant::now())
    {
        state.metrics.throttled.with_label_values(&["tenant"]).inc();
        return Err(ApiError::TooManyRequests {
            what: "too many requests for this tenant (rate_limit.tenant_requests_per_second)",
            retry_after_seconds: throttled.retry_after_seconds,
        });
    }
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

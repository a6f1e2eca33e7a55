//! The administrative API (`/admin/v1`): what the product needs from the server beyond SCIM.
//!
//! It takes its own credential, `admin.token` (`SCIM_ADMIN_TOKEN`), sent as
//! `Authorization: Bearer <admin token>`, and never a SCIM key: a SCIM key acts for one tenant,
//! the admin token for the whole server. Without a configured (non-empty) admin token every
//! admin route answers 404, as if the API did not exist. Errors are RFC 9457 problem documents
//! (`manage::problem`), like every other answer under `/admin/v1`.

use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::manage::Problem;
use super::store_call::{StoreOp, blocking};
use crate::organisation::{self, UserAccess};
use crate::state::AppState;

/// Proof that a request carries the admin token.
pub(crate) struct Admin;

impl FromRequest for Admin {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check(req).map_err(Problem::from))
    }
}

/// Whether the admin API is on: an admin token is configured.
pub(crate) fn enabled(state: &AppState) -> bool {
    state
        .config
        .admin
        .token
        .as_deref()
        .is_some_and(|token| !token.is_empty())
}

fn check(req: &HttpRequest) -> Result<Admin, ApiError> {
    let state = req.app_data::<web::Data<AppState>>();
    let configured = state
        .and_then(|state| state.config.admin.token.clone())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::not_found(format!("{} does not exist", req.path())))?;
    let Some(state) = state else {
        return Err(ApiError::not_found(format!(
            "{} does not exist",
            req.path()
        )));
    };
    let now = Instant::now();
    // An address that failed too often is refused before its credential is even compared.
    let client = req
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_default();
    state
        .limits
        .admin_failures
        .check(&client, now)
        .map_err(|t| throttled(state, "admin_auth", "too many failed admin authentications from this address (rate_limit.admin_auth_failures_per_minute)", t))?;
    let checked = credential(req, &configured);
    if checked.is_err() {
        let _ = state.limits.admin_failures.take(&client, now);
        return checked;
    }
    state.limits.admin.take("admin", now).map_err(|t| {
        throttled(
            state,
            "admin",
            "too many admin API requests (rate_limit.admin_requests_per_second)",
            t,
        )
    })?;
    checked
}

fn throttled(
    state: &AppState,
    limit: &str,
    what: &'static str,
    throttled: crate::limits::Throttled,
) -> ApiError {
    state.metrics.throttled.with_label_values(&[limit]).inc();
    ApiError::TooManyRequests {
        what,
        retry_after_seconds: throttled.retry_after_seconds,
    }
}

/// The admin token presented, compared with the configured one.
fn credential(req: &HttpRequest, configured: &str) -> Result<Admin, ApiError> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::AdminUnauthorized { presented: false })?;
    if same_secret(presented, configured) {
        Ok(Admin)
    } else {
        Err(ApiError::AdminUnauthorized { presented: true })
    }
}

/// Compares two secrets in time that depends on neither: their SHA-256 digests, which have a
/// fixed length, are compared byte by byte without stopping at the first difference.
pub(crate) fn same_secret(presented: &str, configured: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(configured.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |diff, (x, y)| diff | (x ^ y))
        == 0
}

/// The body of `GET /admin/v1/tenants/{tenant}/access`.
#[derive(Serialize)]
struct AccessReport {
    tenant: String,
    users: Vec<UserAccess>,
}

/// `GET /admin/v1/tenants/{tenant}/access`: every user of the tenant with the projects and
/// roles its group memberships give it ([`organisation::effective_access`]), as JSON.
pub(crate) async fn tenant_access(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = crate::manage::tenant_id(&tenant)?;
    let id = tenant.to_string();
    let users = blocking(&state, StoreOp::EffectiveAccess, move |store| {
        Ok(organisation::effective_access(store, &tenant))
    })
    .await?
    .map_err(|e| match e {
        scim_store::StoreError::TenantNotFound(id) => {
            Problem::from(crate::manage::ManageError::TenantNotFound(id))
        }
        e => Problem::from(ApiError::from(e)),
    })?;
    Ok(HttpResponse::Ok().json(AccessReport { tenant: id, users }))
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_by_content() {
        assert!(same_secret("s3cret-admin-token", "s3cret-admin-token"));
        assert!(!same_secret("s3cret-admin-token", "s3cret-admin-tokeN"));
        assert!(!same_secret("", "s3cret-admin-token"));
        assert!(!same_secret("s3cret", "s3cret-admin-token"));
    }
}

//! `POST /Bulk` (RFC 7644 §3.7): many operations in one request.
//!
//! - Operations run in order, each through the same store calls as the single-resource
//!   handlers ([`super::write`]), each in its own transaction: a Bulk request is not atomic.
//! - `bulkId` references are resolved as [`super::bulk_ids`] describes.
//! - `failOnErrors: n` stops after the n-th failed operation; the response lists the
//!   operations run until then. Without it every operation runs.
//! - An operation answered 503 (the database is unavailable) stops the request too: the
//!   operations after it would meet the same outage, each after its own wait. When it is the
//!   first operation, nothing was done and the whole request is answered 503, so that the
//!   client sends it again as it is.
//! - An operation's `version` is its `If-Match`.
//! - The limits are those `/ServiceProviderConfig` advertises: a body over `maxPayloadSize` or
//!   more than `maxOperations` operations is refused as a whole with 413 (RFC 7644 §3.7.4),
//!   before any operation runs; the error's detail names the limit.
//! - Each result carries the method, the bulkId, the status (as a string), the location and
//!   version of the resource, and a response body: the resource for a successful POST, PUT or
//!   PATCH (a PATCH leaves a group's members out, as the PATCH endpoint does by default), an
//!   `Error` message for a failure.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use scim_core::message::{
    BulkMethod, BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse, ETagCondition,
    ErrorResponse, PatchRequest,
};
use scim_core::resource::Reference;
use scim_core::schema::ResourceType;
use scim_core::{ScimError, ScimType};
use scim_store::StoredResource;
use serde_json::Value;

use super::body::check_content_type;
use super::bulk_ids::BulkIds;
use super::error::{ApiError, SCIM_JSON};
use super::resources::{base_url, location, patch_read_options, projection, render, resource_type};
use super::write::{self, etag};
use crate::auth::Principal;
use crate::state::AppState;

pub(crate) async fn bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    principal.require_write()?;
    check_content_type(&req)?;
    let body = read_limited(&req, payload, state.config.bulk.max_payload_bytes).await?;
    let request = BulkRequest::from_slice(&body)?;
    let max_operations = state.config.bulk.max_operations;
    if request.operations.len() > max_operations {
        return Err(ScimError::with_status(
            413,
            format!(
                "the request has {} operations, more than maxOperations ({max_operations})",
                request.operations.len()
            ),
        )
        .into());
    }
    let mut ids = BulkIds::new(&request.operations).map_err(ScimError::from)?;
    let base = base_url(&req, &state);
    let mut results = Vec::with_capacity(request.operations.len());
    let mut errors = 0;
    for operation in request.operations {
        if request.fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
        let result = run(&state, &principal, &base, &mut ids, operation).await;
        if result.status >= 400 {
            errors += 1;
        }
        let unavailable = result.status == 503;
        if unavailable && results.is_empty() {
            return Err(ScimError::with_status(
                503,
                "the database is unavailable; no operation was run: retry later",
            )
            .into());
        }
        results.push(result);
        if unavailable {
            break;
        }
    }
    let response = BulkResponse {
        operations: results,
    };
    Ok(HttpResponse::Ok().content_type(SCIM_JSON).json(response))
}

/// Reads at most `limit` bytes of body; more is a 413 naming `maxPayloadSize`.
async fn read_limited(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let too_large = || {
        ApiError::from(ScimError::with_status(
            413,
            format!("the request body is larger than maxPayloadSize ({limit} bytes)"),
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            Err(ScimError::with_status(400, format!("the request body cannot be read: {e}")).into())
        }
        Err(_) => Err(too_large()),
    }
}

/// What a successful operation produced.
struct Outcome {
    status: u16,
    location: String,
    stored: Option<(StoredResource, Value)>,
}

/// Runs one operation and reports its result; a failure becomes an error result, never an
/// error of the whole request.
async fn run(
    state: &AppState,
    principal: &Principal,
    base: &str,
    ids: &mut BulkIds,
    operation: BulkOperation,
) -> BulkOperationResponse {
    let method = operation.method;
    let bulk_id = operation.bulk_id.clone();
    let mut response = match execute(state, principal, base, ids, operation).await {
        Ok(outcome) => {
            let mut response = BulkOperationResponse::new(method, outcome.status);
            response.location = Reference::new(outcome.location).ok();
            if let Some((stored, body)) = outcome.stored {
                if let (Some(bulk_id), Some(id)) = (&bulk_id, stored.resource.id()) {
                    ids.created(bulk_id, id);
                }
                response.version = Some(etag(stored.version));
                response.response = Some(body);
            }
            response
        }
        Err((error, location)) => {
            if let Some(bulk_id) = &bulk_id {
                ids.failed(bulk_id);
            }
            let error = error.into_scim();
            let mut response = BulkOperationResponse::new(method, error.status());
            response.location = location.and_then(|l| Reference::new(l).ok());
            response.response = serde_json::to_value(ErrorResponse::from(&error)).ok();
            response
        }
    };
    response.bulk_id = bulk_id;
    response
}

/// The error of a failed operation, and the location of its target when it has one.
type Failure = (ApiError, Option<String>);

/// Where an operation's `path` points.
struct Target<'s> {
    resource_type: &'s ResourceType,
    id: Option<String>,
}

fn target<'s>(
    state: &'s AppState,
    ids: &BulkIds,
    method: BulkMethod,
    path: &str,
) -> Result<Target<'s>, ApiError> {
    let relative = path.trim().trim_start_matches('/');
    let (endpoint, id) = match relative.split_once('/') {
        Some((endpoint, id)) => (endpoint, Some(id)),
        None => (relative, None),
    };
    let resource_type = resource_type(state, endpoint)?;
    let id = match (method, id) {
        (BulkMethod::Post, None) => None,
        (BulkMethod::Post, Some(_)) => {
            return Err(invalid_path(
                path,
                "a POST names a resource type, such as /Users",
            ));
        }
        (_, Some(id)) if !id.is_empty() && !id.contains('/') => {
            Some(ids.resolve_id(id).map_err(ScimError::from)?)
        }
        (_, _) => {
            return Err(invalid_path(
                path,
                "a PUT, PATCH or DELETE names one resource, such as /Users/<id>",
            ));
        }
    };
    Ok(Target { resource_type, id })
}

fn invalid_path(path: &str, why: &str) -> ApiError {
    ScimError::new(ScimType::InvalidValue, format!("path {path:?}: {why}")).into()
}

async fn execute(
    state: &AppState,
    principal: &Principal,
    base: &str,
    ids: &BulkIds,
    operation: BulkOperation,
) -> Result<Outcome, Failure> {
    let method = operation.method;
    let Target { resource_type, id } =
        target(state, ids, method, &operation.path).map_err(|e| (e, None))?;
    let here = id.as_deref().map(|id| location(base, resource_type, id));
    let fail = |e: ApiError| (e, here.clone());
    let mut data = operation.data;
    if let Some(data) = &mut data {
        ids.resolve_value(data)
            .map_err(|e| fail(ScimError::from(e).into()))?;
    }
    let condition = operation
        .version
        .map(|version| ETagCondition::Tags(vec![version]));
    let projection = projection(state, resource_type, &[], &[]).map_err(fail)?;
    let stored = match (method, id.clone()) {
        (BulkMethod::Post, _) => {
            write::create(state, principal, resource_type, data.unwrap_or(Value::Null)).await
        }
        (BulkMethod::Put, Some(id)) => {
            let document = data.unwrap_or(Value::Null);
            write::replace(state, principal, resource_type, id, document, condition).await
        }
        (BulkMethod::Patch, Some(id)) => {
            let request = PatchRequest::from_value(data.unwrap_or(Value::Null))
                .map_err(|e| fail(e.into()))?;
            let options = patch_read_options(&projection, &[]);
            write::patch(
                state,
                principal,
                resource_type,
                id,
                request,
                condition,
                options,
            )
            .await
        }
        (BulkMethod::Delete, Some(id)) => {
            write::delete(state, principal, resource_type, id.clone(), condition)
                .await
                .map_err(fail)?;
            return Ok(Outcome {
                status: 204,
                location: location(base, resource_type, &id),
                stored: None,
            });
        }
        // `target` gives every method but POST an id.
        (_, None) => Err(invalid_path(&operation.path, "no resource named")),
    }
    .map_err(fail)?;
    let id = stored.resource.id().unwrap_or_default().to_owned();
    let location = location(base, resource_type, &id);
    let body = Value::Object(render(stored.resource.clone(), &projection, &location));
    Ok(Outcome {
        status: if method == BulkMethod::Post { 201 } else { 200 },
        location,
        stored: Some((stored, body)),
    })
}

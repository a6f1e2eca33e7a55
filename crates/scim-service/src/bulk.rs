//! `POST /Bulk` (RFC 7644 §3.7): many operations in one request.
//!
//! - Operations run in order, each through the same store calls as the single-resource
//!   handlers (`write.rs`), each in its own transaction: a Bulk request is not atomic.
//! - `bulkId` references are resolved as `bulk_ids.rs` describes.
//! - `failOnErrors: n` stops after the n-th failed operation; the response lists the
//!   operations run until then. Without it every operation runs.
//! - An operation answered 503 (the database is unavailable) stops the request too: the
//!   operations after it would meet the same outage, each after its own wait. When it is the
//!   first operation, nothing was done and the whole request is answered 503, so that the
//!   client sends it again as it is.
//! - An operation's `version` is its `If-Match`.
//! - The limits are those `/ServiceProviderConfig` advertises: a body over `maxPayloadSize` (which
//!   the adapter does not read past; [`Route::body_limit`](crate::Route::body_limit)) or more
//!   than `maxOperations` operations is refused as a whole with 413 (RFC 7644 §3.7.4), before
//!   any operation runs; the error's detail names the limit.
//! - Each result carries the method, the bulkId, the status (as a string), the location and
//!   version of the resource, and a response body: the resource for a successful POST, PUT or
//!   PATCH (a PATCH leaves a group's members out, as the PATCH endpoint does by default), an
//!   `Error` message for a failure.

use scim_core::message::{
    BulkMethod, BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse, ETagCondition,
    ErrorResponse, PatchRequest,
};
use scim_core::resource::Reference;
use scim_core::schema::{ResourceType, SchemaRegistry};
use scim_core::{ScimError, ScimType};
use scim_store::StoredResource;
use serde_json::Value;

use crate::body::check_content_type;
use crate::bulk_ids::BulkIds;
use crate::caller::Caller;
use crate::resources::{location, patch_read_options, projection, render, resource_type};
use crate::response::Response;
use crate::runner::Blocking;
use crate::service::Context;
use crate::write;

pub(crate) async fn bulk(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
) -> Result<Response, ScimError> {
    caller.require_write()?;
    check_content_type(cx.request)?;
    let limit = cx.settings().bulk.max_payload_bytes;
    if cx.request.body.len() > limit {
        return Err(ScimError::with_status(
            413,
            format!("the request body is larger than maxPayloadSize ({limit} bytes)"),
        ));
    }
    let request = BulkRequest::from_slice(cx.request.body)?;
    let max_operations = cx.settings().bulk.max_operations;
    if request.operations.len() > max_operations {
        return Err(ScimError::with_status(
            413,
            format!(
                "the request has {} operations, more than maxOperations ({max_operations})",
                request.operations.len()
            ),
        ));
    }
    let mut ids = BulkIds::new(&request.operations).map_err(ScimError::from)?;
    let mut results = Vec::with_capacity(request.operations.len());
    let mut errors = 0;
    for operation in request.operations {
        if request.fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
        let result = run(cx, caller, &mut ids, operation).await;
        if result.status >= 400 {
            errors += 1;
        }
        let unavailable = result.status == 503;
        if unavailable && results.is_empty() {
            return Err(ScimError::with_status(
                503,
                "the database is unavailable; no operation was run: retry later",
            ));
        }
        results.push(result);
        if unavailable {
            break;
        }
    }
    let response = BulkResponse {
        operations: results,
    };
    Ok(Response::json(200, &response, 1024))
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
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    ids: &mut BulkIds,
    operation: BulkOperation,
) -> BulkOperationResponse {
    let method = operation.method;
    let bulk_id = operation.bulk_id.clone();
    let mut response = match execute(cx, caller, ids, operation).await {
        Ok(outcome) => {
            let mut response = BulkOperationResponse::new(method, outcome.status);
            response.location = Reference::new(outcome.location).ok();
            if let Some((stored, body)) = outcome.stored {
                if let Some(bulk_id) = &bulk_id {
                    ids.created(bulk_id, &stored.id);
                }
                response.version = Some(stored.version.etag());
                response.response = Some(body);
            }
            response
        }
        Err((error, location)) => {
            if let Some(bulk_id) = &bulk_id {
                ids.failed(bulk_id);
            }
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
type Failure = (ScimError, Option<String>);

/// Where an operation's `path` points.
struct BulkTarget<'s> {
    resource_type: &'s ResourceType,
    id: Option<String>,
}

fn target<'s>(
    registry: &'s SchemaRegistry,
    ids: &BulkIds,
    method: BulkMethod,
    path: &str,
) -> Result<BulkTarget<'s>, ScimError> {
    let relative = path.trim().trim_start_matches('/');
    let (endpoint, id) = match relative.split_once('/') {
        Some((endpoint, id)) => (endpoint, Some(id)),
        None => (relative, None),
    };
    let resource_type = resource_type(registry, endpoint)?;
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
    Ok(BulkTarget { resource_type, id })
}

fn invalid_path(path: &str, why: &str) -> ScimError {
    ScimError::new(ScimType::InvalidValue, format!("path {path:?}: {why}"))
}

async fn execute(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    ids: &BulkIds,
    operation: BulkOperation,
) -> Result<Outcome, Failure> {
    let method = operation.method;
    let base = cx.base_url();
    let BulkTarget { resource_type, id } =
        target(cx.registry(), ids, method, &operation.path).map_err(|e| (e, None))?;
    let here = id.as_deref().map(|id| location(base, resource_type, id));
    let fail = |e: ScimError| (e, here.clone());
    let mut data = operation.data;
    if let Some(data) = &mut data {
        ids.resolve_value(data)
            .map_err(|e| fail(ScimError::from(e)))?;
    }
    let condition = operation
        .version
        .map(|version| ETagCondition::Tags(vec![version]));
    let projection = projection(cx.registry(), resource_type, &[], &[]).map_err(fail)?;
    let stored = match (method, id.clone()) {
        (BulkMethod::Post, _) => {
            write::create(cx, caller, resource_type, data.unwrap_or(Value::Null)).await
        }
        (BulkMethod::Put, Some(id)) => {
            let document = data.unwrap_or(Value::Null);
            write::replace(cx, caller, resource_type, id, document, condition).await
        }
        (BulkMethod::Patch, Some(id)) => {
            let request = PatchRequest::from_value(data.unwrap_or(Value::Null))
                .map_err(|e| fail(ScimError::from(e)))?;
            let options = patch_read_options(&projection, &[]);
            write::patch(cx, caller, resource_type, id, request, condition, options).await
        }
        (BulkMethod::Delete, Some(id)) => {
            write::delete(cx, caller, resource_type, id.clone(), condition)
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
    let location = location(base, resource_type, &stored.id);
    let body = Value::Object(render(stored.resource.clone(), &projection, &location));
    Ok(Outcome {
        status: if method == BulkMethod::Post { 201 } else { 200 },
        location,
        stored: Some((stored, body)),
    })
}

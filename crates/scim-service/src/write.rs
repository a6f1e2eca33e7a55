//! The writes every endpoint shares. The single-resource handlers and each Bulk operation go
//! through these functions, so both apply the same preconditions and make the same store calls.

use scim_core::ScimError;
use scim_core::message::{ETagCondition, PatchRequest, Version};
use scim_core::schema::ResourceType;
use scim_store::{ReadOptions, ResourceStore, StoredResource};
use serde_json::Value;

use crate::caller::Caller;
use crate::runner::{Blocking, StoreOp};
use crate::service::Context;
use crate::store_error::scim_error;

/// Creates a resource of `resource_type` from a client document.
pub(crate) async fn create(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    resource_type: &ResourceType,
    document: Value,
) -> Result<StoredResource, ScimError> {
    let (store, caller) = (cx.store(), caller.clone());
    let name = resource_type.name().to_owned();
    cx.runner
        .blocking(StoreOp::Create, move || {
            store
                .create(caller.actor(), &name, &document)
                .map_err(scim_error)
        })
        .await
}

/// Replaces resource `id` with a client document, if `condition` (If-Match) holds.
pub(crate) async fn replace(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    resource_type: &ResourceType,
    id: String,
    document: Value,
    condition: Option<ETagCondition>,
) -> Result<StoredResource, ScimError> {
    let (store, caller) = (cx.store(), caller.clone());
    let name = resource_type.name().to_owned();
    cx.runner
        .blocking(StoreOp::Replace, move || {
            let expected = expected_version(&*store, &caller, &name, &id, &condition)?;
            store
                .replace(caller.actor(), &name, &id, &document, expected)
                .map_err(scim_error)
        })
        .await
}

/// Applies a PATCH request to resource `id`, if `condition` (If-Match) holds; `options` says
/// what the returned resource carries.
pub(crate) async fn patch(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    resource_type: &ResourceType,
    id: String,
    request: PatchRequest,
    condition: Option<ETagCondition>,
    options: ReadOptions,
) -> Result<StoredResource, ScimError> {
    let (store, caller) = (cx.store(), caller.clone());
    let name = resource_type.name().to_owned();
    cx.runner
        .blocking(StoreOp::Patch, move || {
            let expected = expected_version(&*store, &caller, &name, &id, &condition)?;
            let operations: Vec<_> = request.as_operations().collect();
            store
                .patch(caller.actor(), &name, &id, &operations, expected, options)
                .map_err(scim_error)
        })
        .await
}

/// Deletes resource `id`, if `condition` (If-Match) holds.
pub(crate) async fn delete(
    cx: &Context<'_, impl Blocking>,
    caller: &Caller,
    resource_type: &ResourceType,
    id: String,
    condition: Option<ETagCondition>,
) -> Result<(), ScimError> {
    let (store, caller) = (cx.store(), caller.clone());
    let name = resource_type.name().to_owned();
    cx.runner
        .blocking(StoreOp::Delete, move || {
            let expected = expected_version(&*store, &caller, &name, &id, &condition)?;
            store
                .delete(caller.actor(), &name, &id, expected)
                .map_err(scim_error)
        })
        .await
}

/// Translates an `If-Match` condition into the version the store must find.
///
/// No condition and `*` expect nothing (a missing resource still answers 404). One tag must be
/// a version of this server's (`W/"3"`), or no version can match: 412. A list of several tags is
/// checked against the current version, which is then the one expected, so a write racing with
/// this one still fails instead of overwriting it.
fn expected_version(
    store: &dyn ResourceStore,
    caller: &Caller,
    resource_type: &str,
    id: &str,
    condition: &Option<ETagCondition>,
) -> Result<Option<Version>, ScimError> {
    match condition {
        None | Some(ETagCondition::Any) => Ok(None),
        Some(ETagCondition::Tags(tags)) if tags.len() == 1 => {
            let version = tags
                .first()
                .and_then(|tag| Version::try_from(tag).ok())
                .ok_or_else(|| {
                    ScimError::precondition_failed("If-Match names no version of this resource")
                })?;
            Ok(Some(version))
        }
        Some(condition) => {
            let current = store
                .get(
                    &caller.tenant,
                    resource_type,
                    id,
                    ReadOptions::DOCUMENT_ONLY,
                )
                .map_err(scim_error)?
                .version;
            if condition.matches(Some(&current.etag())) {
                Ok(Some(current))
            } else {
                Err(ScimError::precondition_failed(
                    "If-Match names no current version of this resource",
                ))
            }
        }
    }
}

//! The writes every endpoint shares. The single-resource handlers and each Bulk operation go
//! through these functions, so both apply the same preconditions and make the same store calls.

use scim_core::ScimError;
use scim_core::message::{ETag, ETagCondition, PatchRequest, Version};
use scim_core::schema::ResourceType;
use scim_store::{Actor, ReadOptions, Store, StoredResource};
use serde_json::Value;

use super::error::ApiError;
use super::store_call::{StoreOp, blocking};
use crate::auth::Principal;
use crate::state::AppState;

/// The ETag of a stored version: `W/"<version>"`.
pub(crate) fn etag(version: i64) -> ETag {
    Version::new(u64::try_from(version).unwrap_or_default()).etag()
}

/// Creates a resource of `resource_type` from a client document.
pub(crate) async fn create(
    state: &AppState,
    principal: &Principal,
    resource_type: &ResourceType,
    document: Value,
) -> Result<StoredResource, ApiError> {
    let principal = principal.clone();
    let name = resource_type.name().to_owned();
    blocking(state, StoreOp::Create, move |store| {
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        Ok(store.create(actor, &name, &document)?)
    })
    .await
}

/// Replaces resource `id` with a client document, if `condition` (If-Match) holds.
pub(crate) async fn replace(
    state: &AppState,
    principal: &Principal,
    resource_type: &ResourceType,
    id: String,
    document: Value,
    condition: Option<ETagCondition>,
) -> Result<StoredResource, ApiError> {
    let principal = principal.clone();
    let name = resource_type.name().to_owned();
    blocking(state, StoreOp::Replace, move |store| {
        let expected = expected_version(store, &principal, &name, &id, &condition)?;
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        Ok(store.replace(actor, &name, &id, &document, expected)?)
    })
    .await
}

/// Applies a PATCH request to resource `id`, if `condition` (If-Match) holds; `options` says
/// what the returned resource carries.
pub(crate) async fn patch(
    state: &AppState,
    principal: &Principal,
    resource_type: &ResourceType,
    id: String,
    request: PatchRequest,
    condition: Option<ETagCondition>,
    options: ReadOptions,
) -> Result<StoredResource, ApiError> {
    let principal = principal.clone();
    let name = resource_type.name().to_owned();
    blocking(state, StoreOp::Patch, move |store| {
        let expected = expected_version(store, &principal, &name, &id, &condition)?;
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        let operations: Vec<_> = request.engine_operations().collect();
        Ok(store.patch(actor, &name, &id, &operations, expected, options)?)
    })
    .await
}

/// Deletes resource `id`, if `condition` (If-Match) holds.
pub(crate) async fn delete(
    state: &AppState,
    principal: &Principal,
    resource_type: &ResourceType,
    id: String,
    condition: Option<ETagCondition>,
) -> Result<(), ApiError> {
    let principal = principal.clone();
    let name = resource_type.name().to_owned();
    blocking(state, StoreOp::Delete, move |store| {
        let expected = expected_version(store, &principal, &name, &id, &condition)?;
        let actor = Actor::tenant(&principal.tenant).with_token(&principal.token_id);
        Ok(store.delete(actor, &name, &id, expected)?)
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
    store: &dyn Store,
    principal: &Principal,
    resource_type: &str,
    id: &str,
    condition: &Option<ETagCondition>,
) -> Result<Option<i64>, ApiError> {
    match condition {
        None | Some(ETagCondition::Any) => Ok(None),
        Some(ETagCondition::Tags(tags)) if tags.len() == 1 => {
            let version = tags
                .first()
                .and_then(|tag| Version::try_from(tag).ok())
                .ok_or_else(|| {
                    ScimError::precondition_failed("If-Match names no version of this resource")
                })?;
            Ok(Some(i64::try_from(version.get()).unwrap_or(i64::MAX)))
        }
        Some(condition) => {
            let current = store
                .get(
                    &principal.tenant,
                    resource_type,
                    id,
                    ReadOptions::DOCUMENT_ONLY,
                )?
                .version;
            if condition.matches(Some(&etag(current))) {
                Ok(Some(current))
            } else {
                Err(ScimError::precondition_failed(
                    "If-Match names no current version of this resource",
                )
                .into())
            }
        }
    }
}

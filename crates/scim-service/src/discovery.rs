//! The discovery endpoints of RFC 7644 §4: `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, generated from the store's schema registry and the settings.
//!
//! Discovery needs no credential: the documents are the same for every tenant (one registry
//! serves them all), they say nothing about any tenant's data, and RFC 7643 §5 asks that the
//! authentication schemes be readable "without prior authentication" so that a client can learn
//! how to authenticate. (An adapter may still check a credential that *is* presented: the
//! server does, so that a "test connection" cannot pass with a mistyped key.)

use scim_core::ScimError;
use scim_core::message::ListResponse;
use scim_core::resource::BaseUrl;

use crate::resources::query_parameters;
use crate::response::Response;
use crate::service::Context;

/// The base URL discovery documents are located under.
fn scim_base<R>(cx: &Context<'_, R>) -> Result<BaseUrl, ScimError> {
    BaseUrl::new(cx.base_url()).map_err(|e| {
        ScimError::with_status(
            400,
            format!("the request's Host does not form a valid base URL: {e}"),
        )
    })
}

/// RFC 7644 §4: a filter on a discovery endpoint is refused with 403, so that a client cannot
/// take the unfiltered answer for a filtered one.
fn refuse_filter<R>(cx: &Context<'_, R>) -> Result<(), ScimError> {
    if query_parameters(cx.request)?.filter.is_some() {
        return Err(ScimError::with_status(
            403,
            "discovery endpoints cannot be filtered; read the whole list",
        ));
    }
    Ok(())
}

fn document(body: &impl serde::Serialize) -> Response {
    Response::json(200, body, 4096)
}

pub(crate) fn service_provider_config<R>(cx: &Context<'_, R>) -> Result<Response, ScimError> {
    let base = scim_base(cx)?;
    Ok(document(
        &cx.settings().service_provider_config().document(&base),
    ))
}

pub(crate) fn resource_types<R>(cx: &Context<'_, R>) -> Result<Response, ScimError> {
    refuse_filter(cx)?;
    let base = scim_base(cx)?;
    let documents = cx.registry().resource_type_documents(&base);
    let total = documents.len() as u64;
    Ok(document(
        &ListResponse::new(documents, total).with_start_index(1),
    ))
}

pub(crate) fn resource_type<R>(cx: &Context<'_, R>, id: &str) -> Result<Response, ScimError> {
    let base = scim_base(cx)?;
    let found = cx
        .registry()
        .resource_type_document(id, &base)
        .ok_or_else(|| ScimError::not_found(format!("there is no resource type {id}")))?;
    Ok(document(&found))
}

pub(crate) fn schemas<R>(cx: &Context<'_, R>) -> Result<Response, ScimError> {
    refuse_filter(cx)?;
    let base = scim_base(cx)?;
    let documents = cx.registry().schema_documents(&base);
    let total = documents.len() as u64;
    Ok(document(
        &ListResponse::new(documents, total).with_start_index(1),
    ))
}

pub(crate) fn schema<R>(cx: &Context<'_, R>, id: &str) -> Result<Response, ScimError> {
    let base = scim_base(cx)?;
    let found = cx
        .registry()
        .schema_document(id, &base)
        .ok_or_else(|| ScimError::not_found(format!("there is no schema {id}")))?;
    Ok(document(&found))
}

//! The discovery endpoints of RFC 7644 §4: `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, generated from the store's schema registry and the configuration.
//!
//! # Authentication
//!
//! Discovery needs no credential. The documents are the same for every tenant (one registry
//! serves them all), they say nothing about any tenant's data, and RFC 7643 §5 asks that the
//! authentication schemes be readable "without prior authentication" so that a client can
//! learn how to authenticate. A credential that *is* presented must be valid, though: a wrong
//! token answers 401 here as everywhere, so that an identity provider's "test connection"
//! against a discovery endpoint cannot pass with a mistyped key.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use scim_core::ScimError;
use scim_core::message::ListResponse;
use scim_core::resource::BaseUrl;
use scim_core::schema::{
    AsyncRequest, AuthenticationScheme, BulkSupport, FilterSupport, Pagination, PaginationMethod,
    SecurityEvents, ServiceProviderConfig,
};
use scim_store::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

use super::error::{ApiError, SCIM_JSON};
use super::principal::authenticate;
use super::resources::{base_url, query_parameters};
use crate::config::Config;
use crate::state::AppState;

/// What this server supports, as `/ServiceProviderConfig` advertises it.
///
/// Every value is what the handlers really do: the bulk limits are the ones the Bulk endpoint
/// enforces, `maxResults` is the store's largest page, both pagination methods of RFC 9865
/// are offered, index pagination by default, and `securityEvents` (RFC 9967 §4) lists the
/// SET event URIs subscriptions receive (requests are never completed asynchronously).
pub fn service_provider_config(config: &Config) -> ServiceProviderConfig {
    let page = |n: u64| Some(u32::try_from(n).unwrap_or(u32::MAX));
    let mut spc = ServiceProviderConfig::new(vec![AuthenticationScheme::oauth_bearer_token()]);
    spc.patch = true;
    spc.bulk = BulkSupport::Supported {
        max_operations: u32::try_from(config.bulk.max_operations).unwrap_or(u32::MAX),
        max_payload_size: u64::try_from(config.bulk.max_payload_bytes).unwrap_or(u64::MAX),
    };
    spc.filter = FilterSupport::Supported {
        max_results: u32::try_from(MAX_PAGE_SIZE).unwrap_or(u32::MAX),
    };
    spc.change_password = false;
    spc.sort = true;
    spc.etag = true;
    spc.pagination = Some(Pagination {
        default_pagination_method: Some(PaginationMethod::Index),
        default_page_size: page(DEFAULT_PAGE_SIZE),
        max_page_size: page(MAX_PAGE_SIZE),
        ..Pagination::new(true, true)
    });
    spc.security_events = Some(SecurityEvents {
        async_request: AsyncRequest::None,
        event_uris: crate::delivery::EVENT_URIS
            .iter()
            .map(|uri| (*uri).to_owned())
            .collect(),
    });
    spc
}

/// The base URL discovery documents are located under: `<server>/scim/v2`.
fn scim_base(req: &HttpRequest, state: &AppState) -> Result<BaseUrl, ApiError> {
    BaseUrl::new(&format!("{}/scim/v2", base_url(req, state))).map_err(|e| {
        ScimError::with_status(
            400,
            format!("the request's Host does not form a valid base URL: {e}"),
        )
        .into()
    })
}

/// Checks the credential, if one is presented (see the module documentation).
async fn check_optional_credential(req: &HttpRequest) -> Result<(), ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        authenticate(req).await?;
    }
    Ok(())
}

/// RFC 7644 §4: a filter on a discovery endpoint is refused with 403, so that a client cannot
/// take the unfiltered answer for a filtered one.
fn refuse_filter(req: &HttpRequest) -> Result<(), ApiError> {
    if query_parameters(req)?.filter.is_some() {
        return Err(ScimError::with_status(
            403,
            "discovery endpoints cannot be filtered; read the whole list",
        )
        .into());
    }
    Ok(())
}

fn document(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok().content_type(SCIM_JSON).json(body)
}

pub(crate) async fn get_service_provider_config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_optional_credential(&req).await?;
    let base = scim_base(&req, &state)?;
    let config = service_provider_config(&state.config);
    Ok(document(config.document(&base)))
}

pub(crate) async fn list_resource_types(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_optional_credential(&req).await?;
    refuse_filter(&req)?;
    let base = scim_base(&req, &state)?;
    let documents = state.store.registry().resource_type_documents(&base);
    let total = documents.len() as u64;
    Ok(document(
        ListResponse::new(documents, total).with_start_index(1),
    ))
}

pub(crate) async fn get_resource_type(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    check_optional_credential(&req).await?;
    let base = scim_base(&req, &state)?;
    let registry = state.store.registry();
    let found = registry
        .resource_type_document(&id, &base)
        .ok_or_else(|| ApiError::not_found(format!("there is no resource type {id}")))?;
    Ok(document(found))
}

pub(crate) async fn list_schemas(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_optional_credential(&req).await?;
    refuse_filter(&req)?;
    let base = scim_base(&req, &state)?;
    let documents = state.store.registry().schema_documents(&base);
    let total = documents.len() as u64;
    Ok(document(
        ListResponse::new(documents, total).with_start_index(1),
    ))
}

pub(crate) async fn get_schema(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    check_optional_credential(&req).await?;
    let base = scim_base(&req, &state)?;
    let registry = state.store.registry();
    let found = registry
        .schema_document(&id, &base)
        .ok_or_else(|| ApiError::not_found(format!("there is no schema {id}")))?;
    Ok(document(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_advertises_the_enforced_limits() {
        let mut config = Config::default();
        config.bulk.max_operations = 7;
        config.bulk.max_payload_bytes = 4096;
        let spc = service_provider_config(&config);
        assert_eq!(
            spc.bulk,
            BulkSupport::Supported {
                max_operations: 7,
                max_payload_size: 4096
            }
        );
        assert!(spc.patch && spc.sort && spc.etag && !spc.change_password);
        let pagination = spc.pagination.unwrap();
        assert!(pagination.cursor && pagination.index);
        assert_eq!(pagination.default_page_size, Some(100));
        let events = spc.security_events.unwrap();
        assert_eq!(events.async_request, AsyncRequest::None);
        assert!(
            events
                .event_uris
                .contains(&"urn:ietf:params:scim:event:prov:create:full".to_owned())
        );
    }
}

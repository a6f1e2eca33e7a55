//! `ServiceProviderConfig` (RFC 7643 §5), with the `pagination` block of RFC 9865.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::urn;
use crate::resource::json::{FromJson, Object, ToJson, Writer, serde_via_json};
use crate::resource::kinds::canonical_values;
use crate::resource::{BaseUrl, Loc, Meta, Reference, ResourceError};

/// What a service provider supports, as `GET /ServiceProviderConfig` reports it.
///
/// Features the provider lacks are simply `false` (or `Unsupported`); there is no `Default`,
/// because a configuration names its authentication schemes.
///
/// ```
/// use scim_core::resource::BaseUrl;
/// use scim_core::schema::{
///     AuthenticationScheme, FilterSupport, Pagination, PaginationMethod, ServiceProviderConfig,
/// };
///
/// let mut config = ServiceProviderConfig::new(vec![AuthenticationScheme::oauth_bearer_token()]);
/// config.patch = true;
/// config.filter = FilterSupport::Supported { max_results: 200 };
/// config.etag = true;
/// config.pagination = Some(Pagination {
///     default_pagination_method: Some(PaginationMethod::Index),
///     default_page_size: Some(100),
///     max_page_size: Some(200),
///     ..Pagination::new(true, true)
/// });
///
/// let base: BaseUrl = "https://example.com/scim/v2".parse()?;
/// let json = serde_json::to_value(config.document(&base))?;
/// assert_eq!(json["filter"], serde_json::json!({"supported": true, "maxResults": 200}));
/// assert_eq!(json["bulk"], serde_json::json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0}));
/// assert_eq!(json["meta"]["location"], "https://example.com/scim/v2/ServiceProviderConfig");
/// assert_eq!(json["pagination"]["defaultPaginationMethod"], "index");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// A page of human-readable help about the service provider.
    pub documentation_uri: Option<Reference>,
    /// Whether PATCH is supported.
    pub patch: bool,
    /// Whether and how far bulk operations are supported.
    pub bulk: BulkSupport,
    /// Whether and how far filtering is supported.
    pub filter: FilterSupport,
    /// Whether a password can be changed.
    pub change_password: bool,
    /// Whether results can be sorted.
    pub sort: bool,
    /// Whether resources carry versions (`ETag`, `If-Match`).
    pub etag: bool,
    /// How clients authenticate.
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// The pagination methods offered (RFC 9865); `None` leaves the block out (index
    /// pagination only, as RFC 7644 defines).
    pub pagination: Option<Pagination>,
    /// The Security Events the provider can deliver (RFC 9967 §4); `None` leaves the block
    /// out, which says that it delivers none.
    pub security_events: Option<SecurityEvents>,
}

impl ServiceProviderConfig {
    /// A configuration with the given authentication schemes and no optional feature.
    pub fn new(authentication_schemes: Vec<AuthenticationScheme>) -> Self {
        Self {
            documentation_uri: None,
            patch: false,
            bulk: BulkSupport::Unsupported,
            filter: FilterSupport::Unsupported,
            change_password: false,
            sort: false,
            etag: false,
            authentication_schemes,
            pagination: None,
            security_events: None,
        }
    }

    /// The document served at `/ServiceProviderConfig` under `base`, with its `meta`.
    pub fn document<'c>(&'c self, base: &BaseUrl) -> ServiceProviderConfigDocument<'c> {
        ServiceProviderConfigDocument {
            config: self,
            location: base.endpoint("ServiceProviderConfig"),
        }
    }

    /// Reads a configuration, as a client does from another service provider.
    ///
    /// Lenient where servers differ: unknown members (`schemas`, `meta`, vendor additions) are
    /// ignored, and a missing feature counts as unsupported (Microsoft's own configuration
    /// omits `changePassword`, `sort` and `etag`).
    pub fn from_value(value: Value) -> Result<Self, ResourceError> {
        Self::from_json(value, &Loc::Root)
    }
}

fn supported(object: &mut Object<'_>, name: &'static str) -> Result<bool, ResourceError> {
    let root = Loc::Root;
    let loc = root.field(name);
    match object.take(name) {
        None => Ok(false),
        Some(value) => {
            let mut feature = Object::new(value, &loc)?;
            Ok(feature.optional("supported")?.unwrap_or(false))
        }
    }
}

fn write_supported(out: &mut Writer, name: &str, supported: bool) {
    let mut feature = Writer::new();
    feature.put("supported", Value::Bool(supported));
    out.put(name, feature.into_value());
}

impl FromJson for ServiceProviderConfig {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        Ok(Self {
            documentation_uri: object.optional("documentationUri")?,
            patch: supported(&mut object, "patch")?,
            bulk: object.optional("bulk")?.unwrap_or(BulkSupport::Unsupported),
            filter: object
                .optional("filter")?
                .unwrap_or(FilterSupport::Unsupported),
            change_password: supported(&mut object, "changePassword")?,
            sort: supported(&mut object, "sort")?,
            etag: supported(&mut object, "etag")?,
            authentication_schemes: object.list("authenticationSchemes")?,
            pagination: object.optional("pagination")?,
            security_events: object.optional("securityEvents")?,
        })
    }
}

impl ToJson for ServiceProviderConfig {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put(
            "schemas",
            Value::Array(vec![Value::String(urn::SERVICE_PROVIDER_CONFIG.to_owned())]),
        );
        out.opt("documentationUri", self.documentation_uri.as_ref());
        write_supported(&mut out, "patch", self.patch);
        out.put("bulk", self.bulk.to_json());
        out.put("filter", self.filter.to_json());
        write_supported(&mut out, "changePassword", self.change_password);
        write_supported(&mut out, "sort", self.sort);
        write_supported(&mut out, "etag", self.etag);
        // RFC 7643 §5 makes the list required, so it is written even when empty.
        out.put(
            "authenticationSchemes",
            Value::Array(
                self.authentication_schemes
                    .iter()
                    .map(ToJson::to_json)
                    .collect(),
            ),
        );
        out.opt("pagination", self.pagination.as_ref());
        out.opt("securityEvents", self.security_events.as_ref());
        out.into_value()
    }
}

serde_via_json!(ServiceProviderConfig);

/// The `/ServiceProviderConfig` document: the configuration plus its `meta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfigDocument<'c> {
    config: &'c ServiceProviderConfig,
    location: Reference,
}

impl ServiceProviderConfigDocument<'_> {
    /// The document's URL (its `meta.location`).
    pub fn location(&self) -> &Reference {
        &self.location
    }
}

impl Serialize for ServiceProviderConfigDocument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Object(body) = self.config.to_json() else {
            return Err(serde::ser::Error::custom("configuration is not an object"));
        };
        let meta = Meta::new("ServiceProviderConfig").with_location(self.location.clone());
        let mut map = serializer.serialize_map(Some(body.len() + 1))?;
        for (name, value) in &body {
            map.serialize_entry(name, value)?;
        }
        map.serialize_entry("meta", &meta)?;
        map.end()
    }
}

/// Bulk support (`bulk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkSupport {
    /// No bulk endpoint; written with zero limits, as RFC 7643 §5 requires the members.
    Unsupported,
    /// Bulk requests are accepted within these limits.
    Supported {
        /// The most operations one request may hold.
        max_operations: u32,
        /// The largest request body, in bytes.
        max_payload_size: u64,
    },
}

impl FromJson for BulkSupport {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        if !object.optional("supported")?.unwrap_or(false) {
            return Ok(Self::Unsupported);
        }
        Ok(Self::Supported {
            max_operations: object.required("maxOperations")?,
            max_payload_size: object.required("maxPayloadSize")?,
        })
    }
}

impl ToJson for BulkSupport {
    fn to_json(&self) -> Value {
        let (supported, operations, payload) = match *self {
            Self::Unsupported => (false, 0, 0),
            Self::Supported {
                max_operations,
                max_payload_size,
            } => (true, max_operations, max_payload_size),
        };
        let mut out = Writer::new();
        out.put("supported", Value::Bool(supported));
        out.put("maxOperations", Value::from(operations));
        out.put("maxPayloadSize", Value::from(payload));
        out.into_value()
    }
}

/// Filter support (`filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterSupport {
    /// Queries cannot be filtered; written with `maxResults: 0`.
    Unsupported,
    /// Filters are supported.
    Supported {
        /// The most resources a response returns.
        max_results: u32,
    },
}

impl FromJson for FilterSupport {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        if !object.optional("supported")?.unwrap_or(false) {
            return Ok(Self::Unsupported);
        }
        Ok(Self::Supported {
            max_results: object.required("maxResults")?,
        })
    }
}

impl ToJson for FilterSupport {
    fn to_json(&self) -> Value {
        let (supported, max_results) = match *self {
            Self::Unsupported => (false, 0),
            Self::Supported { max_results } => (true, max_results),
        };
        let mut out = Writer::new();
        out.put("supported", Value::Bool(supported));
        out.put("maxResults", Value::from(max_results));
        out.into_value()
    }
}

canonical_values! {
    /// The `type` of an authentication scheme (RFC 7643 §5).
    AuthenticationSchemeKind {
        /// `oauth`: OAuth 1.0.
        OAuth => "oauth",
        /// `oauth2`: OAuth 2.0.
        OAuth2 => "oauth2",
        /// `oauthbearertoken`: an OAuth bearer token (RFC 6750), what identity providers use.
        OAuthBearerToken => "oauthbearertoken",
        /// `httpbasic`: HTTP Basic.
        HttpBasic => "httpbasic",
        /// `httpdigest`: HTTP Digest.
        HttpDigest => "httpdigest",
    }
}

/// One way to authenticate (`authenticationSchemes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationScheme {
    /// The kind of scheme (`type`).
    pub kind: AuthenticationSchemeKind,
    /// Its name, such as `OAuth Bearer Token`.
    pub name: String,
    /// A description; written when not empty.
    pub description: String,
    /// The specification of the scheme.
    pub spec_uri: Option<Reference>,
    /// Help about the scheme at this service provider.
    pub documentation_uri: Option<Reference>,
    /// Whether this is the preferred scheme.
    pub primary: Option<bool>,
}

impl AuthenticationScheme {
    /// The OAuth bearer token scheme of RFC 6750, marked primary: how Okta, Microsoft Entra ID
    /// and most identity providers authenticate.
    pub fn oauth_bearer_token() -> Self {
        Self {
            kind: AuthenticationSchemeKind::OAuthBearerToken,
            name: "OAuth Bearer Token".to_owned(),
            description: "Authentication scheme using the OAuth Bearer Token Standard".to_owned(),
            spec_uri: Reference::new("https://www.rfc-editor.org/info/rfc6750").ok(),
            documentation_uri: None,
            primary: Some(true),
        }
    }
}

impl FromJson for AuthenticationScheme {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        Ok(Self {
            kind: object.required("type")?,
            name: object.required("name")?,
            description: object.optional("description")?.unwrap_or_default(),
            spec_uri: object.optional("specUri")?,
            documentation_uri: object.optional("documentationUri")?,
            primary: object.optional("primary")?,
        })
    }
}

impl ToJson for AuthenticationScheme {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put("type", self.kind.to_json());
        out.put("name", Value::String(self.name.clone()));
        if !self.description.is_empty() {
            out.put("description", Value::String(self.description.clone()));
        }
        out.opt("specUri", self.spec_uri.as_ref());
        out.opt("documentationUri", self.documentation_uri.as_ref());
        out.opt("primary", self.primary.as_ref());
        out.into_value()
    }
}

serde_via_json!(AuthenticationScheme);

/// A pagination method (RFC 9865), read ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaginationMethod {
    /// `cursor`: opaque cursors (`cursor`, `nextCursor`).
    Cursor,
    /// `index`: `startIndex` and `count` (RFC 7644 §3.4.2.4).
    Index,
}

impl PaginationMethod {
    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cursor => "cursor",
            Self::Index => "index",
        }
    }
}

impl fmt::Display for PaginationMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromJson for PaginationMethod {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let text = String::from_json(value, loc)?;
        [Self::Cursor, Self::Index]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(&text))
            .ok_or_else(|| loc.invalid_value(format_args!("{text:?} is neither cursor nor index")))
    }
}

impl ToJson for PaginationMethod {
    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

/// The `pagination` block of RFC 9865 §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// Whether cursor pagination is offered.
    pub cursor: bool,
    /// Whether index pagination is offered.
    pub index: bool,
    /// The method used when a request names none.
    pub default_pagination_method: Option<PaginationMethod>,
    /// The page size used when a request gives no `count`.
    pub default_page_size: Option<u32>,
    /// The largest page returned, whatever `count` asks.
    pub max_page_size: Option<u32>,
    /// How long a cursor stays valid, in seconds.
    pub cursor_timeout: Option<u32>,
}

impl Pagination {
    /// The methods offered, with no defaults or limits stated.
    pub fn new(cursor: bool, index: bool) -> Self {
        Self {
            cursor,
            index,
            default_pagination_method: None,
            default_page_size: None,
            max_page_size: None,
            cursor_timeout: None,
        }
    }
}

impl FromJson for Pagination {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        Ok(Self {
            cursor: object.optional("cursor")?.unwrap_or(false),
            index: object.optional("index")?.unwrap_or(false),
            default_pagination_method: object.optional("defaultPaginationMethod")?,
            default_page_size: object.optional("defaultPageSize")?,
            max_page_size: object.optional("maxPageSize")?,
            cursor_timeout: object.optional("cursorTimeout")?,
        })
    }
}

impl ToJson for Pagination {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put("cursor", Value::Bool(self.cursor));
        out.put("index", Value::Bool(self.index));
        out.opt(
            "defaultPaginationMethod",
            self.default_pagination_method.as_ref(),
        );
        out.opt("defaultPageSize", self.default_page_size.as_ref());
        out.opt("maxPageSize", self.max_page_size.as_ref());
        out.opt("cursorTimeout", self.cursor_timeout.as_ref());
        out.into_value()
    }
}

/// Whether SCIM requests may complete asynchronously (RFC 9967 §4 `asyncRequest`), read
/// ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AsyncRequest {
    /// `none`: requests always complete before the response.
    None,
    /// `long`: the provider completes long requests asynchronously at its discretion.
    Long,
    /// `request`: requests complete asynchronously when the client asks for it.
    Request,
}

impl AsyncRequest {
    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Long => "long",
            Self::Request => "request",
        }
    }
}

impl FromJson for AsyncRequest {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let text = String::from_json(value, loc)?;
        [Self::None, Self::Long, Self::Request]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(&text))
            .ok_or_else(|| loc.invalid_value(format_args!("{text:?} is not none, long or request")))
    }
}

impl ToJson for AsyncRequest {
    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

/// The `securityEvents` block of RFC 9967 §4: the Security Event Tokens (RFC 8417) the
/// provider can issue and deliver (RFC 8935 push, RFC 8936 poll).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvents {
    /// Whether requests may complete asynchronously.
    pub async_request: AsyncRequest,
    /// The event URIs the provider generates (informational).
    pub event_uris: Vec<String>,
}

impl FromJson for SecurityEvents {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        Ok(Self {
            async_request: object
                .optional("asyncRequest")?
                .unwrap_or(AsyncRequest::None),
            event_uris: object.list("eventUris")?,
        })
    }
}

impl ToJson for SecurityEvents {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put("asyncRequest", self.async_request.to_json());
        out.put(
            "eventUris",
            Value::Array(self.event_uris.iter().cloned().map(Value::String).collect()),
        );
        out.into_value()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rfc_9865_pagination_round_trips() {
        let json = json!({
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "cursor",
            "defaultPageSize": 100,
            "maxPageSize": 250,
            "cursorTimeout": 3600
        });
        let pagination = Pagination::from_json(json.clone(), &Loc::Root).unwrap();
        assert_eq!(
            pagination.default_pagination_method,
            Some(PaginationMethod::Cursor)
        );
        assert_eq!(pagination.to_json(), json);
        let bad = Pagination::from_json(json!({"defaultPaginationMethod": "page"}), &Loc::Root);
        assert!(
            matches!(bad, Err(ResourceError::InvalidValue { path, .. }) if path == "defaultPaginationMethod")
        );
    }

    #[test]
    fn rfc_9967_security_events_round_trip() {
        let json = json!({
            "asyncRequest": "none",
            "eventUris": [
                "urn:ietf:params:scim:event:prov:create:full",
                "urn:ietf:params:scim:event:prov:delete"
            ]
        });
        let events = SecurityEvents::from_json(json.clone(), &Loc::Root).unwrap();
        assert_eq!(events.async_request, AsyncRequest::None);
        assert_eq!(events.to_json(), json);
        let config = ServiceProviderConfig::from_value(
            json!({"securityEvents": {"asyncRequest": "REQUEST", "eventUris": []}}),
        )
        .unwrap();
        assert_eq!(
            config.security_events.map(|e| e.async_request),
            Some(AsyncRequest::Request)
        );
        let bad = SecurityEvents::from_json(json!({"asyncRequest": "sometimes"}), &Loc::Root);
        assert!(
            matches!(bad, Err(ResourceError::InvalidValue { path, .. }) if path == "asyncRequest")
        );
    }

    #[test]
    fn missing_features_read_as_unsupported() {
        // Microsoft's configuration, trimmed as its documentation shows it.
        let config = ServiceProviderConfig::from_value(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "/graph/overview",
            "pagination": {"cursor": true, "index": false, "defaultPaginationMethod": "cursor",
                           "defaultPageSize": 100, "maxPageSize": 1000},
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 200}
        }))
        .unwrap();
        assert!(config.patch && !config.sort && !config.etag && !config.change_password);
        assert_eq!(config.bulk, BulkSupport::Unsupported);
        assert_eq!(config.filter, FilterSupport::Supported { max_results: 200 });
        assert!(config.authentication_schemes.is_empty());
        assert_eq!(config.pagination.unwrap().max_page_size, Some(1000));
    }

    #[test]
    fn supported_features_need_their_limits() {
        let err = ServiceProviderConfig::from_value(json!({"bulk": {"supported": true}}));
        assert_eq!(
            err.unwrap_err(),
            ResourceError::Missing {
                path: "bulk.maxOperations".into()
            }
        );
        let err = ServiceProviderConfig::from_value(
            json!({"filter": {"supported": true, "maxResults": -1}}),
        );
        assert!(
            matches!(err, Err(ResourceError::InvalidValue { path, .. }) if path == "filter.maxResults")
        );
    }

    #[test]
    fn authentication_schemes_keep_unknown_kinds() {
        let scheme = AuthenticationScheme::from_json(
            json!({"type": "apikey", "name": "API key"}),
            &Loc::Root,
        )
        .unwrap();
        assert_eq!(
            scheme.kind,
            AuthenticationSchemeKind::Custom("apikey".into())
        );
        assert_eq!(
            scheme.to_json(),
            json!({"type": "apikey", "name": "API key"})
        );
        let bearer = AuthenticationScheme::oauth_bearer_token();
        assert_eq!(bearer.to_json()["type"], "oauthbearertoken");
        assert!(bearer.spec_uri.is_some());
    }
}

//! Which endpoint a method and path reach (RFC 7644 §3.2): decided before anything else, so
//! that an adapter knows whether the request needs a caller and how large a body to read.

use scim_core::schema::SchemaRegistry;

use crate::request::Method;
use crate::settings::Settings;

/// An endpoint of the service, and what a request there does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `GET /ResourceTypes`.
    ResourceTypes,
    /// `GET /ResourceTypes/{id}`.
    ResourceType(String),
    /// `GET /Schemas`.
    Schemas,
    /// `GET /Schemas/{id}`.
    Schema(String),
    /// `GET /` with query parameters: a search of every resource type.
    RootList,
    /// `POST /.search`.
    RootSearch,
    /// `POST /Bulk`.
    Bulk,
    /// `/Me`: not offered (501).
    Me,
    /// `GET /{endpoint}`.
    List(String),
    /// `POST /{endpoint}`.
    Create(String),
    /// `POST /{endpoint}/.search`.
    Search(String),
    /// `GET /{endpoint}/{id}`.
    Get(String, String),
    /// `PUT /{endpoint}/{id}`.
    Replace(String, String),
    /// `PATCH /{endpoint}/{id}`.
    Patch(String, String),
    /// `DELETE /{endpoint}/{id}`.
    Delete(String, String),
    /// A path the service serves, with a method it does not: 405 naming the allowed ones.
    MethodNotAllowed {
        /// The methods allowed there, as the `Allow` header lists them.
        allow: &'static str,
        /// The path pattern, for [`Route::label`].
        pattern: &'static str,
    },
    /// Nothing here: 404.
    NotFound,
}

impl Route {
    /// The route of `method` on `path` (below the SCIM base). Resource endpoints are the
    /// registry's (`/Users`, `/Groups`, and any other registered type).
    ///
    /// ```
    /// use scim_core::schema::SchemaRegistry;
    /// use scim_service::{Method, Route};
    /// let registry = SchemaRegistry::standard();
    /// assert_eq!(
    ///     Route::resolve(&registry, Method::Get, "/Users/2819c223"),
    ///     Route::Get("Users".into(), "2819c223".into())
    /// );
    /// assert!(matches!(Route::resolve(&registry, Method::Put, "/Users"), Route::MethodNotAllowed { .. }));
    /// assert_eq!(Route::resolve(&registry, Method::Get, "/Nothing"), Route::NotFound);
    /// ```
    pub fn resolve(registry: &SchemaRegistry, method: Method, path: &str) -> Self {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let segments: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        let Some(decoded) = segments
            .iter()
            .map(|s| percent_decode(s))
            .collect::<Option<Vec<String>>>()
        else {
            return Self::NotFound;
        };
        let only = |allowed: Method, route: Self, allow: &'static str, pattern: &'static str| {
            if method == allowed {
                route
            } else {
                Self::MethodNotAllowed { allow, pattern }
            }
        };
        let is_endpoint = |name: &str| {
            registry
                .resource_type_by_endpoint(&format!("/{name}"))
                .is_some()
        };
        match decoded
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] => only(Method::Get, Self::RootList, "GET", ""),
            [".search"] => only(Method::Post, Self::RootSearch, "POST", "/.search"),
            ["ServiceProviderConfig"] => only(
                Method::Get,
                Self::ServiceProviderConfig,
                "GET",
                "/ServiceProviderConfig",
            ),
            ["ResourceTypes"] => only(Method::Get, Self::ResourceTypes, "GET", "/ResourceTypes"),
            ["ResourceTypes", id] => only(
                Method::Get,
                Self::ResourceType((*id).to_owned()),
                "GET",
                "/ResourceTypes/{id}",
            ),
            ["Schemas"] => only(Method::Get, Self::Schemas, "GET", "/Schemas"),
            ["Schemas", id] => only(
                Method::Get,
                Self::Schema((*id).to_owned()),
                "GET",
                "/Schemas/{id}",
            ),
            ["Bulk"] => only(Method::Post, Self::Bulk, "POST", "/Bulk"),
            ["Me", ..] => Self::Me,
            [endpoint] if is_endpoint(endpoint) => {
                let endpoint = (*endpoint).to_owned();
                match method {
                    Method::Get => Self::List(endpoint),
                    Method::Post => Self::Create(endpoint),
                    _ => Self::MethodNotAllowed {
                        allow: "GET, POST",
                        pattern: "/{endpoint}",
                    },
                }
            }
            [endpoint, ".search"] if is_endpoint(endpoint) => only(
                Method::Post,
                Self::Search((*endpoint).to_owned()),
                "POST",
                "/{endpoint}/.search",
            ),
            [endpoint, id] if is_endpoint(endpoint) && !id.is_empty() => {
                let (endpoint, id) = ((*endpoint).to_owned(), (*id).to_owned());
                match method {
                    Method::Get => Self::Get(endpoint, id),
                    Method::Put => Self::Replace(endpoint, id),
                    Method::Patch => Self::Patch(endpoint, id),
                    Method::Delete => Self::Delete(endpoint, id),
                    _ => Self::MethodNotAllowed {
                        allow: "GET, PUT, PATCH, DELETE",
                        pattern: "/{endpoint}/{id}",
                    },
                }
            }
            _ => Self::NotFound,
        }
    }

    /// Whether answering needs an authenticated [`Caller`](crate::Caller). Discovery needs
    /// none (RFC 7643 §5: a client learns there how to authenticate), nor do 404 and 405.
    pub fn needs_caller(&self) -> bool {
        !matches!(
            self,
            Self::ServiceProviderConfig
                | Self::ResourceTypes
                | Self::ResourceType(_)
                | Self::Schemas
                | Self::Schema(_)
                | Self::MethodNotAllowed { .. }
                | Self::NotFound
        )
    }

    /// The largest body this route reads, in bytes: Bulk has a limit of its own.
    pub fn body_limit(&self, settings: &Settings) -> usize {
        match self {
            Self::Bulk => settings.bulk.max_payload_bytes,
            _ => settings.max_body_bytes,
        }
    }

    /// The route's path pattern below the SCIM base (`/{endpoint}/{id}`), never with ids or
    /// names in it: a label for metrics and logs. `None` for a path that exists nowhere.
    pub fn label(&self) -> Option<&'static str> {
        Some(match self {
            Self::ServiceProviderConfig => "/ServiceProviderConfig",
            Self::ResourceTypes => "/ResourceTypes",
            Self::ResourceType(_) => "/ResourceTypes/{id}",
            Self::Schemas => "/Schemas",
            Self::Schema(_) => "/Schemas/{id}",
            Self::RootList => "",
            Self::RootSearch => "/.search",
            Self::Bulk => "/Bulk",
            Self::Me => "/Me",
            Self::List(_) | Self::Create(_) => "/{endpoint}",
            Self::Search(_) => "/{endpoint}/.search",
            Self::Get(..) | Self::Replace(..) | Self::Patch(..) | Self::Delete(..) => {
                "/{endpoint}/{id}"
            }
            Self::MethodNotAllowed { pattern, .. } => pattern,
            Self::NotFound => return None,
        })
    }
}

/// A path segment with its `%XX` escapes decoded; `None` when they do not make UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    if !segment.contains('%') {
        return Some(segment.to_owned());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Method, path: &str) -> Route {
        Route::resolve(&SchemaRegistry::standard(), method, path)
    }

    #[test]
    fn every_endpoint_and_its_methods() {
        assert_eq!(route(Method::Get, ""), Route::RootList);
        assert_eq!(route(Method::Get, "/"), Route::RootList);
        assert_eq!(route(Method::Post, "/.search"), Route::RootSearch);
        assert_eq!(route(Method::Post, "/Bulk"), Route::Bulk);
        assert_eq!(route(Method::Get, "/Me"), Route::Me);
        assert_eq!(
            route(Method::Post, "/Groups"),
            Route::Create("Groups".into())
        );
        assert_eq!(
            route(Method::Post, "/Users/.search"),
            Route::Search("Users".into())
        );
        assert_eq!(
            route(Method::Delete, "/Groups/g%201"),
            Route::Delete("Groups".into(), "g 1".into())
        );
        assert_eq!(
            route(
                Method::Get,
                "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
            ),
            Route::Schema("urn:ietf:params:scim:schemas:core:2.0:User".into())
        );
        assert_eq!(
            route(Method::Post, "/ServiceProviderConfig"),
            Route::MethodNotAllowed {
                allow: "GET",
                pattern: "/ServiceProviderConfig"
            }
        );
        assert_eq!(
            route(Method::Other, "/Users/1"),
            Route::MethodNotAllowed {
                allow: "GET, PUT, PATCH, DELETE",
                pattern: "/{endpoint}/{id}"
            }
        );
    }

    #[test]
    fn unknown_endpoints_and_deeper_paths_are_not_found() {
        assert_eq!(route(Method::Get, "/Devices"), Route::NotFound);
        assert_eq!(route(Method::Put, "/Devices/1"), Route::NotFound);
        assert_eq!(route(Method::Get, "/Users/1/extra"), Route::NotFound);
        assert_eq!(route(Method::Get, "/Users/"), Route::NotFound);
        assert_eq!(route(Method::Get, "/Users/%FF"), Route::NotFound);
        assert_eq!(route(Method::Get, "/Nothing").label(), None);
    }

    #[test]
    fn only_discovery_and_refusals_need_no_caller() {
        assert!(!route(Method::Get, "/ServiceProviderConfig").needs_caller());
        assert!(!route(Method::Get, "/Schemas").needs_caller());
        assert!(!route(Method::Put, "/Users").needs_caller());
        assert!(route(Method::Get, "/Users").needs_caller());
        assert!(route(Method::Get, "/Me").needs_caller());
        assert!(route(Method::Post, "/Bulk").needs_caller());
    }
}

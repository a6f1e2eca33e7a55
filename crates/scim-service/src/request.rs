//! A SCIM request as the service sees it: what an adapter takes from its framework's request.

/// The HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
    /// Any other method: answered 405.
    Other,
}

impl Method {
    /// The method named `name` (as HTTP writes it, upper case).
    ///
    /// ```
    /// use scim_service::Method;
    /// assert_eq!(Method::parse("PATCH"), Method::Patch);
    /// assert_eq!(Method::parse("OPTIONS"), Method::Other);
    /// ```
    pub fn parse(name: &str) -> Self {
        match name {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => Self::Other,
        }
    }
}

/// The request headers SCIM's semantics depend on, as the raw bytes the client sent (the
/// service checks that they are text). Every other header is the adapter's business.
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    /// `Content-Type`.
    pub content_type: Option<&'a [u8]>,
    /// `If-Match`.
    pub if_match: Option<&'a [u8]>,
    /// `If-None-Match`.
    pub if_none_match: Option<&'a [u8]>,
    /// Every `Prefer` header's value (RFC 7240), in order.
    pub prefer: &'a [&'a [u8]],
}

/// One SCIM request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// The path below the SCIM base (`/Users/2819c223`), as the client sent it; empty or `/`
    /// is the base itself.
    pub path: &'a str,
    /// The query string without its `?`, as the client encoded it (`+` is a space).
    pub query: &'a str,
    /// The headers that matter.
    pub headers: Headers<'a>,
    /// The body.
    pub body: &'a [u8],
    /// The SCIM base URL the client reached (`https://scim.example.com/scim/v2`), without a
    /// trailing slash: locations, `$ref`s and discovery documents are built under it.
    pub base_url: &'a str,
}

impl<'a> Request<'a> {
    /// A request without query, headers or body, for `base_url`.
    ///
    /// ```
    /// use scim_service::{Method, Request};
    /// let request = Request::new(Method::Get, "/Users", "https://scim.example.com/scim/v2");
    /// assert!(request.body.is_empty());
    /// ```
    pub fn new(method: Method, path: &'a str, base_url: &'a str) -> Self {
        Self {
            method,
            path,
            query: "",
            headers: Headers::default(),
            body: &[],
            base_url,
        }
    }

    /// The same request with `query`.
    #[must_use]
    pub fn with_query(mut self, query: &'a str) -> Self {
        self.query = query;
        self
    }

    /// The same request with a JSON `body` (and no Content-Type, which SCIM accepts).
    #[must_use]
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }
}

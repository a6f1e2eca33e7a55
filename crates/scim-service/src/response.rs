//! A response as the service decides it: the status, the headers, and the body's bytes.

use scim_core::ScimError;
use scim_core::message::ErrorResponse;
use serde::Serialize;

/// The media type of every SCIM document.
pub const SCIM_JSON: &str = "application/scim+json";

/// How long a client should wait before retrying an answer of 503, in seconds: about as long
/// as the server itself waits for the database before giving up.
pub const RETRY_AFTER_SECONDS: &str = "2";

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers to send, in order (`Content-Type`, `ETag`, `Location`, `Allow`,
    /// `Retry-After`, ...); names are in their usual spelling.
    pub headers: Vec<(&'static str, String)>,
    /// The body; empty for 204 and 304.
    pub body: Vec<u8>,
}

impl Response {
    /// An empty answer.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A SCIM JSON document, serialised into a buffer of about `size_hint` bytes.
    pub fn json(status: u16, document: &impl Serialize, size_hint: usize) -> Self {
        let mut body = Vec::with_capacity(size_hint);
        match serde_json::to_writer(&mut body, document) {
            Ok(()) => Self {
                status,
                headers: vec![("Content-Type", SCIM_JSON.to_owned())],
                body,
            },
            Err(e) => Self::error(&ScimError::with_status(
                500,
                format!("the response could not be written: {e}"),
            )),
        }
    }

    /// The RFC 7644 §3.12 document of `error`; a 503 says when to retry.
    pub fn error(error: &ScimError) -> Self {
        let mut response = Self::json(error.status(), &ErrorResponse::from(error), 256);
        if error.status() == 503 {
            response
                .headers
                .push(("Retry-After", RETRY_AFTER_SECONDS.to_owned()));
        }
        response
    }

    /// The same response with one more header.
    #[must_use]
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The value of the first header named `name` (ignoring case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_scim_documents_and_503_says_when_to_retry() {
        let unavailable = Response::error(&ScimError::with_status(503, "down"));
        assert_eq!(unavailable.status, 503);
        assert_eq!(unavailable.header("content-type"), Some(SCIM_JSON));
        assert_eq!(unavailable.header("retry-after"), Some(RETRY_AFTER_SECONDS));
        let body: serde_json::Value = serde_json::from_slice(&unavailable.body).unwrap();
        assert_eq!(body["status"], "503");
        assert!(
            Response::error(&ScimError::not_found("x"))
                .header("retry-after")
                .is_none()
        );
    }
}

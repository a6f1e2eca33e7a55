//! The protocol error every failure in this crate converts into (RFC 7644 §3.12).
//!
//! Module-specific errors (filter parse errors, PATCH errors, validation errors) keep their own
//! structure for callers that want it, and all of them convert into [`ScimError`], which carries
//! exactly what goes on the wire: an HTTP status, an optional `scimType` and a human-readable
//! `detail`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The `scimType` keywords of RFC 7644 §3.12, Table 9.
///
/// ```
/// use scim_core::ScimType;
/// assert_eq!(ScimType::InvalidFilter.as_str(), "invalidFilter");
/// assert_eq!(ScimType::InvalidFilter.status(), 400);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax is invalid or the filter names something that cannot be filtered.
    InvalidFilter,
    /// The filter would return more results than the server is willing to compute.
    TooMany,
    /// A uniqueness constraint (such as `userName`) would be violated.
    Uniqueness,
    /// The request tried to change an attribute its mutability forbids changing.
    Mutability,
    /// The request body is not a valid SCIM message or resource.
    InvalidSyntax,
    /// A PATCH `path` is malformed or names no attribute.
    InvalidPath,
    /// A PATCH `path` filter matched no value where one was required.
    NoTarget,
    /// A value is missing, of the wrong type, or not allowed.
    InvalidValue,
    /// The requested protocol version is not supported.
    InvalidVers,
    /// The request carried sensitive information in the URI.
    Sensitive,
    /// A pagination cursor is malformed or not one the server issued (RFC 9865).
    InvalidCursor,
    /// A pagination cursor has expired (RFC 9865).
    ExpiredCursor,
}

impl ScimType {
    /// The keyword as it appears in the `scimType` member of an error response.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
            Self::InvalidCursor => "invalidCursor",
            Self::ExpiredCursor => "expiredCursor",
        }
    }

    /// The HTTP status RFC 7644 pairs with this keyword (409 for `uniqueness`, 403 for
    /// `sensitive`, 400 for every other one).
    pub fn status(self) -> u16 {
        match self {
            Self::Uniqueness => 409,
            Self::Sensitive => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM protocol error: what a service provider answers when a request fails.
///
/// Build one from a [`ScimType`] (the status follows from the keyword) or from a bare status for
/// errors without a keyword (404, 412, 500...). Its wire form is the `Error` message of
/// RFC 7644 §3.12; see [`crate::message::ErrorResponse`].
///
/// ```
/// use scim_core::{ScimError, ScimType};
///
/// let err = ScimError::new(ScimType::Uniqueness, "userName \"bjensen\" is already taken");
/// assert_eq!(err.status(), 409);
/// assert_eq!(err.scim_type(), Some(ScimType::Uniqueness));
///
/// let missing = ScimError::not_found("User 2819c223 does not exist");
/// assert_eq!(missing.status(), 404);
/// assert_eq!(missing.scim_type(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}{}: {detail}", scim_type.map(|t| format!(" {t}")).unwrap_or_default())]
pub struct ScimError {
    status: u16,
    scim_type: Option<ScimType>,
    detail: String,
}

impl ScimError {
    /// An error with a `scimType`; the HTTP status is the one the RFC assigns to it.
    pub fn new(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self {
            status: scim_type.status(),
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// An error with an explicit status and no `scimType`.
    pub fn with_status(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// 404: the resource or endpoint does not exist (or belongs to someone else).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::with_status(404, detail)
    }

    /// 412: a precondition such as `If-Match` failed.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::with_status(412, detail)
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `scimType` keyword, when one applies.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable explanation.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_type_serialises_as_its_keyword() {
        let json = serde_json::to_string(&ScimType::NoTarget).unwrap();
        assert_eq!(json, "\"noTarget\"");
        let back: ScimType = serde_json::from_str("\"invalidVers\"").unwrap();
        assert_eq!(back, ScimType::InvalidVers);
    }

    #[test]
    fn statuses_follow_the_rfc() {
        assert_eq!(ScimError::new(ScimType::Mutability, "x").status(), 400);
        assert_eq!(ScimError::new(ScimType::Uniqueness, "x").status(), 409);
        assert_eq!(ScimError::new(ScimType::Sensitive, "x").status(), 403);
        assert_eq!(ScimError::precondition_failed("x").status(), 412);
    }

    #[test]
    fn display_names_status_and_keyword() {
        let err = ScimError::new(ScimType::InvalidPath, "bad path");
        assert_eq!(err.to_string(), "400 invalidPath: bad path");
        assert_eq!(ScimError::not_found("gone").to_string(), "404: gone");
    }
}

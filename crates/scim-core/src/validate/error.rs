//! Why a client's resource was refused, and where.

use std::fmt;

use crate::schema::AttributeType;
use crate::{ScimError, ScimType};

/// The JSON type of a value that had the wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    /// The JSON type of `value`.
    pub fn of(value: &serde_json::Value) -> Self {
        use serde_json::Value as V;
        match value {
            V::Null => Self::Null,
            V::Bool(_) => Self::Bool,
            V::Number(_) => Self::Number,
            V::String(_) => Self::String,
            V::Array(_) => Self::Array,
            V::Object(_) => Self::Object,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "a boolean",
            Self::Number => "a number",
            Self::String => "a string",
            Self::Array => "an array",
            Self::Object => "an object",
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was wrong with a value; see [`ValidationError`] for where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationErrorKind {
    /// The resource (or an extension's part of it) is not a JSON object.
    #[error("expected a JSON object, found {0}")]
    NotAnObject(JsonType),
    /// A required attribute is absent, `null`, empty or (for strings) blank.
    #[error("required attribute is missing")]
    Missing,
    /// A required schema extension is absent.
    #[error("required schema extension is missing")]
    MissingExtension,
    /// The value does not have the attribute's type.
    #[error("expected a value of type {expected}, found {found}")]
    WrongType {
        /// The attribute's type.
        expected: AttributeType,
        /// What was sent.
        found: JsonType,
    },
    /// An array was sent for a single-valued attribute.
    #[error("attribute is single-valued, but an array was sent")]
    NotMultiValued,
    /// An integer does not fit in 64 bits.
    #[error("integer out of the 64-bit range")]
    IntegerOutOfRange,
    /// A dateTime is not an RFC 3339 date-time with a time zone.
    #[error("not an RFC 3339 date-time such as 2008-01-23T04:56:22Z")]
    InvalidDateTime,
    /// A binary value is not RFC 4648 base64.
    #[error("not base64 (RFC 4648 section 4)")]
    InvalidBinary,
    /// The attribute is not defined by the resource type's schemas, and the options reject
    /// unknown attributes.
    #[error("attribute is not defined by the resource type's schemas")]
    Unknown,
    /// The attribute was given twice (names differing only in case, or both plain and
    /// URN-qualified).
    #[error("attribute is given more than once (names are case-insensitive)")]
    Duplicate,
    /// An immutable attribute that already has a value was given a different one.
    #[error("immutable attribute already has a different value")]
    Immutable,
    /// The resource type is not registered in the registry it was used with: an embedder's
    /// configuration error, not the client's.
    #[error("resource type is not registered with its schemas")]
    UnknownResourceType,
    /// The existing resource given for a replace is of another resource type: an embedder's
    /// error, not the client's.
    #[error("existing resource is of another resource type")]
    ResourceTypeMismatch,
}

impl ValidationErrorKind {
    /// The `scimType` RFC 7644 §3.12 assigns, or `None` for the embedder's own errors (HTTP 500).
    pub fn scim_type(&self) -> Option<ScimType> {
        match self {
            Self::NotAnObject(_) | Self::Duplicate => Some(ScimType::InvalidSyntax),
            Self::Immutable => Some(ScimType::Mutability),
            Self::UnknownResourceType | Self::ResourceTypeMismatch => None,
            Self::Missing
            | Self::MissingExtension
            | Self::WrongType { .. }
            | Self::NotMultiValued
            | Self::IntegerOutOfRange
            | Self::InvalidDateTime
            | Self::InvalidBinary
            | Self::Unknown => Some(ScimType::InvalidValue),
        }
    }
}

/// A resource that could not be brought into canonical form: what was wrong and at which
/// attribute.
///
/// The path is written as an RFC 7644 `attrPath` with the schema's spelling: `userName`,
/// `name.givenName`, `emails.value`, or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. It is empty when
/// the whole document is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ValidationError {
    kind: ValidationErrorKind,
    path: String,
}

impl ValidationError {
    pub(crate) fn new(kind: ValidationErrorKind, path: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> &ValidationErrorKind {
        &self.kind
    }

    /// The attribute at fault, as an `attrPath` (empty for the whole document).
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl From<ValidationError> for ScimError {
    fn from(err: ValidationError) -> Self {
        match err.kind.scim_type() {
            Some(scim_type) => ScimError::new(scim_type, err.to_string()),
            None => ScimError::with_status(500, err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_rfc_keywords() {
        let cases = [
            (
                ValidationErrorKind::NotAnObject(JsonType::Array),
                Some(ScimType::InvalidSyntax),
            ),
            (
                ValidationErrorKind::Duplicate,
                Some(ScimType::InvalidSyntax),
            ),
            (ValidationErrorKind::Immutable, Some(ScimType::Mutability)),
            (ValidationErrorKind::Missing, Some(ScimType::InvalidValue)),
            (ValidationErrorKind::UnknownResourceType, None),
        ];
        for (kind, expected) in cases {
            assert_eq!(kind.scim_type(), expected, "{kind:?}");
        }
        let err: ScimError = ValidationError::new(ValidationErrorKind::Missing, "userName").into();
        assert_eq!(err.status(), 400);
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert!(err.detail().starts_with("userName"));
        let internal: ScimError =
            ValidationError::new(ValidationErrorKind::UnknownResourceType, "").into();
        assert_eq!(internal.status(), 500);
    }
}

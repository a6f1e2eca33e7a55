//! Why a protocol message could not be read.

use crate::{ScimError, ScimType};

/// The error returned when a request or response body is not the message it should be.
///
/// The structure of the message decides the `scimType`: a body that is not JSON, not an object,
/// has an unknown or duplicated member, lacks a required one, has a member of the wrong JSON
/// type or an unknown keyword (`"op": "move"`) is `invalidSyntax`; a member of the right type
/// whose value is out of range or malformed (a negative `count`, a bad entity tag) is
/// `invalidValue`.
///
/// ```
/// use scim_core::message::{MessageError, PatchRequest};
/// use scim_core::{ScimError, ScimType};
///
/// let err = PatchRequest::from_slice(br#"{"Operations": [{"op": "move", "path": "x"}]}"#).unwrap_err();
/// assert_eq!(err, MessageError::UnknownKeyword { member: "Operations[0].op".into(), value: "move".into() });
/// assert_eq!(ScimError::from(err).scim_type(), Some(ScimType::InvalidSyntax));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The body is not JSON at all.
    #[error("the body is not valid JSON (line {line}, column {column})")]
    Json {
        /// The line of the syntax error (1-based).
        line: usize,
        /// The column of the syntax error (1-based).
        column: usize,
    },
    /// The body (or an element that must be one) is not a JSON object.
    #[error("{} must be a JSON object", show(member))]
    NotAnObject {
        /// Where the non-object is; empty for the body itself.
        member: String,
    },
    /// A member this message does not define.
    #[error("unknown member {member:?} in {message}")]
    UnknownMember {
        /// The message, such as `PatchOp`.
        message: &'static str,
        /// The member, as sent.
        member: String,
    },
    /// The same member twice, spelled in different cases (names ignore case).
    #[error("member {member:?} appears more than once")]
    DuplicateMember {
        /// The member, as spelled the second time.
        member: String,
    },
    /// A required member is absent (or `null`).
    #[error("required member {member} is missing")]
    MissingMember {
        /// The member, such as `Operations[0].op`.
        member: String,
    },
    /// A member has the wrong JSON type.
    #[error("{member} must be {expected}")]
    InvalidType {
        /// The member, such as `startIndex`.
        member: String,
        /// What was expected, such as `"an integer"`.
        expected: &'static str,
    },
    /// A keyword member holds a word it does not know.
    #[error("{member} has unknown value {value:?}")]
    UnknownKeyword {
        /// The member, such as `Operations[0].op`.
        member: String,
        /// The value, as sent.
        value: String,
    },
    /// A member has the right type but an unacceptable value.
    #[error("{member}: {reason}")]
    InvalidValue {
        /// The member.
        member: String,
        /// Why the value was refused.
        reason: String,
    },
}

fn show(member: &str) -> &str {
    if member.is_empty() {
        "the body"
    } else {
        member
    }
}

impl MessageError {
    pub(crate) fn invalid_value(member: impl Into<String>, reason: impl ToString) -> Self {
        Self::InvalidValue {
            member: member.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn invalid_type(member: impl Into<String>, expected: &'static str) -> Self {
        Self::InvalidType {
            member: member.into(),
            expected,
        }
    }

    pub(crate) fn json(err: &serde_json::Error) -> Self {
        Self::Json {
            line: err.line(),
            column: err.column(),
        }
    }
}

impl From<MessageError> for ScimError {
    fn from(err: MessageError) -> Self {
        let scim_type = match err {
            MessageError::InvalidValue { .. } => ScimType::InvalidValue,
            _ => ScimType::InvalidSyntax,
        };
        ScimError::new(scim_type, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_is_invalid_syntax_values_are_invalid_value() {
        let syntax = [
            MessageError::Json { line: 1, column: 2 },
            MessageError::NotAnObject {
                member: String::new(),
            },
            MessageError::MissingMember {
                member: "Operations".into(),
            },
            MessageError::invalid_type("count", "an integer"),
        ];
        for err in syntax {
            assert_eq!(
                ScimError::from(err).scim_type(),
                Some(ScimType::InvalidSyntax)
            );
        }
        let value = MessageError::invalid_value("failOnErrors", "must be positive");
        assert_eq!(
            ScimError::from(value).scim_type(),
            Some(ScimType::InvalidValue)
        );
    }
}

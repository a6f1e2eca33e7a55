//! Why a JSON document could not be read as a typed resource, and where in the document.

use std::fmt;

use crate::{ScimError, ScimType};

/// The error returned when JSON (or a [`Resource`](super::Resource)) cannot be converted into a
/// typed resource such as [`User`](super::User).
///
/// Every variant names the offending attribute as a path (`emails[1].type`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager`), so the detail of the
/// resulting [`ScimError`] tells the client exactly what to fix.
///
/// ```
/// use scim_core::resource::{ResourceError, User};
/// use scim_core::ScimType;
///
/// let json = serde_json::json!({"userName": "bjensen", "emails": [{"value": "b@example.com", "primary": "yes"}]});
/// let err = User::try_from(json).unwrap_err();
/// assert_eq!(err, ResourceError::InvalidType { path: "emails[0].primary".into(), expected: "a boolean" });
/// assert_eq!(scim_core::ScimError::from(err).scim_type(), Some(ScimType::InvalidValue));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// A value has the wrong JSON type.
    #[error("{} must be {expected}", show(path))]
    InvalidType {
        /// Where the value sits, such as `emails[0].primary`; empty for the document itself.
        path: String,
        /// What was expected, such as `"a boolean"`.
        expected: &'static str,
    },
    /// A value has the right JSON type but is not acceptable (a malformed reference, date-time or
    /// base64 text, an empty `userName`...).
    #[error("{}: {reason}", show(path))]
    InvalidValue {
        /// Where the value sits.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// A required attribute is absent (or `null`, which means the same, RFC 7643 §2.5).
    #[error("required attribute {} is missing", show(path))]
    Missing {
        /// The missing attribute.
        path: String,
    },
    /// The document holds an attribute the typed resource does not know.
    ///
    /// Top-level members whose name contains a `:` are schema extensions and are kept; any
    /// other unknown member is refused rather than silently dropped.
    #[error("unknown attribute {}", show(path))]
    UnknownAttribute {
        /// The unknown attribute.
        path: String,
    },
    /// A generic [`Resource`](super::Resource) does not carry the schema the typed resource
    /// needs (converting a Group into a `User`, say).
    #[error("the resource's schemas do not include {expected}")]
    WrongSchema {
        /// The core schema URN that was expected.
        expected: &'static str,
    },
}

fn show(path: &str) -> &str {
    if path.is_empty() {
        "the document"
    } else {
        path
    }
}

impl From<ResourceError> for ScimError {
    fn from(err: ResourceError) -> Self {
        let scim_type = match err {
            ResourceError::UnknownAttribute { .. } | ResourceError::WrongSchema { .. } => {
                ScimType::InvalidSyntax
            }
            ResourceError::InvalidType { .. }
            | ResourceError::InvalidValue { .. }
            | ResourceError::Missing { .. } => ScimType::InvalidValue,
        };
        ScimError::new(scim_type, err.to_string())
    }
}

/// Where a value sits in the document being read; rendered only when an error needs it, so
/// reading a thousand group members builds no path strings.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Loc<'a> {
    Root,
    Field(&'a Loc<'a>, &'a str),
    Index(&'a Loc<'a>, usize),
}

impl<'a> Loc<'a> {
    pub(crate) fn field(&'a self, name: &'a str) -> Loc<'a> {
        Loc::Field(self, name)
    }

    pub(crate) fn index(&'a self, index: usize) -> Loc<'a> {
        Loc::Index(self, index)
    }

    pub(crate) fn invalid_type(&self, expected: &'static str) -> ResourceError {
        ResourceError::InvalidType {
            path: self.to_string(),
            expected,
        }
    }

    pub(crate) fn invalid_value(&self, reason: impl fmt::Display) -> ResourceError {
        ResourceError::InvalidValue {
            path: self.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Root => Ok(()),
            Loc::Field(Loc::Root, name) => f.write_str(name),
            Loc::Field(parent, name) => write!(f, "{parent}.{name}"),
            Loc::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_render_as_attribute_paths() {
        let root = Loc::Root;
        let emails = root.field("emails");
        let second = emails.index(1);
        let kind = second.field("type");
        assert_eq!(kind.to_string(), "emails[1].type");
        assert_eq!(root.to_string(), "");
    }

    #[test]
    fn errors_map_to_scim_types() {
        let unknown = ResourceError::UnknownAttribute { path: "x".into() };
        assert_eq!(
            ScimError::from(unknown).scim_type(),
            Some(ScimType::InvalidSyntax)
        );
        let missing = ResourceError::Missing {
            path: "userName".into(),
        };
        let err = ScimError::from(missing);
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert_eq!(err.status(), 400);
    }
}

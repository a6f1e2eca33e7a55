//! Why a PATCH request was refused, and which operation refused it.

use crate::filter::{ParseError, ResolveError};
use crate::validate::ValidationError;
use crate::{ScimError, ScimType};

/// What was wrong with a PATCH operation; see [`PatchError`] for which one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchErrorKind {
    /// `add` or `replace` without a `value` (or with `"value": null`).
    #[error("\"{0}\" needs a value")]
    MissingValue(&'static str),
    /// `remove` without a `path`: RFC 7644 §3.5.2.2 answers `noTarget`.
    #[error("\"remove\" needs a path")]
    MissingPath,
    /// An `add` or `replace` without a path whose value is not an object of attributes.
    #[error("without a path, the value must be an object of attributes")]
    ValueNotAnObject,
    /// The path is not grammatical.
    #[error(transparent)]
    Parse(ParseError),
    /// The path's value filter does not fit the schema.
    #[error(transparent)]
    Resolve(ResolveError),
    /// The path names no attribute of the resource type.
    #[error("{0}: no such attribute")]
    UnknownAttribute(String),
    /// A sub-attribute of a multi-valued attribute was named without a filter selecting the
    /// elements (`emails.value`), or a filter was put on an attribute that is not multi-valued
    /// and complex.
    #[error(
        "{0}: a sub-attribute of a multi-valued attribute needs a value filter, and only multi-valued complex attributes take one"
    )]
    NeedsFilter(String),
    /// The operation is not supported on an attribute the embedder keeps apart from the
    /// resource (only whole-attribute operations and filtered `remove` are).
    #[error("{0}: this operation is not supported on an attribute stored apart from the resource")]
    DetachedUnsupported(String),
    /// The value does not fit the attribute.
    #[error(transparent)]
    Value(ValidationError),
    /// A read-only attribute would change.
    #[error("{0}: attribute is read-only")]
    ReadOnly(String),
    /// An immutable attribute that has a value would change.
    #[error("{0}: attribute is immutable and already has a value")]
    Immutable(String),
    /// A required attribute would be removed.
    #[error("{0}: attribute is required and cannot be removed")]
    Required(String),
    /// A `replace` with a value filter matched no element, or an `add` with one matched none and
    /// the filter does not describe an element that could be created.
    #[error("{0}: the filter matches no value")]
    NoTarget(String),
}

impl PatchErrorKind {
    /// The `scimType` RFC 7644 §3.12 assigns, or `None` for the embedder's own errors (HTTP 500).
    pub fn scim_type(&self) -> Option<ScimType> {
        match self {
            Self::MissingValue(_) => Some(ScimType::InvalidSyntax),
            Self::MissingPath | Self::NoTarget(_) => Some(ScimType::NoTarget),
            Self::ValueNotAnObject => Some(ScimType::InvalidValue),
            Self::Parse(_)
            | Self::Resolve(_)
            | Self::UnknownAttribute(_)
            | Self::NeedsFilter(_)
            | Self::DetachedUnsupported(_) => Some(ScimType::InvalidPath),
            Self::Value(err) => err.kind().scim_type(),
            Self::ReadOnly(_) | Self::Immutable(_) | Self::Required(_) => {
                Some(ScimType::Mutability)
            }
        }
    }
}

/// A PATCH request that could not be applied: the resource is unchanged.
///
/// ```
/// use scim_core::patch::{PatchErrorKind, PatchOptions, Operation, OpKind, apply_patch};
/// use scim_core::schema::SchemaRegistry;
/// use scim_core::validate::Validator;
/// use scim_core::{ScimError, ScimType};
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// let user = Validator::new(&registry, users)?
///     .create(&serde_json::json!({"userName": "bjensen"}))?
///     .resource;
/// let ops = [Operation { op: OpKind::Remove, path: Some("userName"), value: None }];
/// let err = apply_patch(&registry, users, &user, ops, &PatchOptions::new()).unwrap_err();
/// assert_eq!(err.operation(), Some(0));
/// assert!(matches!(err.kind(), PatchErrorKind::Required(_)));
/// assert_eq!(ScimError::from(err).scim_type(), Some(ScimType::Mutability));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{kind}", operation.map(|i| format!("operation {i}: ")).unwrap_or_default())]
pub struct PatchError {
    operation: Option<usize>,
    kind: PatchErrorKind,
}

impl PatchError {
    pub(crate) fn new(operation: Option<usize>, kind: PatchErrorKind) -> Self {
        Self { operation, kind }
    }

    /// The index of the failing operation in the request, or `None` when the failure is about the
    /// request as a whole (such as a required attribute missing once every operation is applied).
    pub fn operation(&self) -> Option<usize> {
        self.operation
    }

    /// What was wrong.
    pub fn kind(&self) -> &PatchErrorKind {
        &self.kind
    }
}

impl From<PatchError> for ScimError {
    fn from(err: PatchError) -> Self {
        match err.kind.scim_type() {
            Some(scim_type) => ScimError::new(scim_type, err.to_string()),
            None => ScimError::with_status(500, err.to_string()),
        }
    }
}

impl From<ValidationError> for PatchErrorKind {
    fn from(err: ValidationError) -> Self {
        Self::Value(err)
    }
}

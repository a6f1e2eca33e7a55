//! Resolution: checking a parsed filter against a resource type's schemas.
//!
//! The parser accepts any grammatical filter; [`resolve`] decides what it means for one resource
//! type and rejects what cannot be evaluated, with the [`Span`] of the offending node.
//!
//! # Rules
//!
//! - Attribute names, sub-attribute names and schema URNs are matched ignoring ASCII case.
//! - An unqualified name is looked up among the common attributes (`id`, `externalId`, `meta`,
//!   `schemas`) and then in the core schema; an extension attribute must be qualified with its
//!   schema URN ([`SchemaRegistry::find_attribute`]).
//! - Attributes that are never returned or are write-only (`password`) cannot be filtered on, so
//!   a filter cannot probe a secret.
//! - A complex attribute compared without a sub-attribute means its `value` sub-attribute
//!   (`emails co "x"` is `emails.value co "x"`); a complex attribute without one cannot be
//!   compared. `pr` on a whole complex attribute is allowed: some sub-attribute has a value.
//! - `a eq null` means `not (a pr)`, `a ne null` means `a pr`; `null` with any other operator is
//!   an error. `a ne v` is rewritten to `not (a eq v)`.
//! - Operators must fit the type (see [`ResolvedOp`]) and literals must have the attribute's type:
//!   a string for string, reference and binary attributes; an RFC 3339 string for dateTime; a
//!   number for decimal, a whole number within `i64` for integer; `true`/`false` for boolean, and
//!   also the strings `"true"`/`"false"` in any case, because identity providers send booleans as
//!   strings.
//! - A value path (`emails[type eq "work"]`) needs a complex attribute without a sub-attribute;
//!   the paths inside are sub-attributes of it. An inner path may also repeat the enclosing
//!   attribute (`emails[emails.type eq "work"]`, optionally URN-qualified): it names nothing
//!   else, and some clients write it. Value paths do not nest.
//! - A tree deeper than [`MAX_DEPTH`] is refused, so resolution and evaluation recurse a bounded
//!   number of times even on trees built in code rather than parsed.

use std::fmt;

use chrono::{DateTime, Utc};

use super::ast::{AttrPath, CompValue, Compare, CompareOp, Filter, Span};
use super::parse::ParseOptions;
use super::resolved::{
    ComparisonValue, ResolvedCompare, ResolvedFilter, ResolvedJunction, ResolvedNot, ResolvedOp,
    ResolvedPath, ResolvedValuePath,
};
use crate::case::fold_case;
use crate::schema::{
    Attribute, AttributeRef, AttributeType, Mutability, ResourceType, Returned, SchemaRegistry,
};
use crate::{ScimError, ScimType};

/// The deepest filter tree [`resolve`] accepts, counting every node on the longest path from the
/// root to a leaf (`userName eq "a"` has depth 1, `not (userName eq "a")` depth 2).
///
/// Each nesting level the parser allows (`(`, `not (`, `[`) adds at most two nodes (a `not` or
/// value path and the chain inside it), so this is twice the parser's default nesting limit plus
/// two: every filter [`parse_filter`](super::parse_filter) accepts with default options
/// resolves.
pub const MAX_DEPTH: usize = 2 * ParseOptions::DEFAULT_MAX_DEPTH as usize + 2;

/// Resolves `filter` against the schemas of `resource_type`.
///
/// ```
/// use scim_core::filter::{parse_filter, resolve, ResolvedFilter};
/// use scim_core::schema::SchemaRegistry;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// let filter = parse_filter(r#"EMAILS co "Example.com""#)?;
/// let ResolvedFilter::Compare(compare) = resolve(&filter, &registry, users)? else {
///     unreachable!("a comparison resolves to a comparison")
/// };
/// // A complex attribute compares by its `value`; the value is folded, as `emails.value` is
/// // not case-exact.
/// assert_eq!(compare.path().to_string(), "emails.value");
/// assert!(compare.path().is_multi_valued());
/// assert_eq!(compare.value().to_string(), "\"example.com\"");
///
/// let secret = parse_filter(r#"password sw "a""#)?;
/// let err = resolve(&secret, &registry, users).unwrap_err();
/// assert_eq!(err.span().range(), 0..8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resolve(
    filter: &Filter<'_>,
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
) -> Result<ResolvedFilter, ResolveError> {
    Resolver {
        registry,
        resource_type,
    }
    .filter(filter, 1, None)
}

/// Resolves the value filter of a PATCH path such as `emails[type eq "work"]`: `attribute` is the
/// part before the brackets and `filter` the part inside.
///
/// The result selects elements with [`ResolvedValuePath::matches_element`].
///
/// ```
/// use scim_core::filter::{parse_path, resolve_value_path, PatchPath};
/// use scim_core::schema::SchemaRegistry;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::standard();
/// let groups = registry.resource_type("Group").unwrap();
/// let PatchPath::Filtered { attr, filter, .. } = parse_path(r#"members[value eq "2819c223"]"#)? else {
///     unreachable!("the path has a value filter")
/// };
/// let selector = resolve_value_path(&attr, &filter, &registry, groups)?;
/// assert!(selector.matches_element(&json!({"value": "2819c223", "display": "Babs"})));
/// assert!(!selector.matches_element(&json!({"value": "902c246b"})));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resolve_value_path(
    attribute: &AttrPath<'_>,
    filter: &Filter<'_>,
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
) -> Result<ResolvedValuePath, ResolveError> {
    Resolver {
        registry,
        resource_type,
    }
    .value_path(attribute, filter, attribute.span, 1)
}

/// Why a filter could not be resolved, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at bytes {}..{} of the filter)", span.start, span.end)]
pub struct ResolveError {
    kind: ResolveErrorKind,
    span: Span,
}

impl ResolveError {
    fn new(kind: ResolveErrorKind, span: Span) -> Self {
        Self { kind, span }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ResolveErrorKind {
        &self.kind
    }

    /// The node at fault: the attribute path for name errors, the whole comparison for operator
    /// and value errors, the value path for nesting errors.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl From<ResolveError> for ScimError {
    /// `400 invalidFilter`. A PATCH engine resolving a path's value filter may prefer
    /// [`ScimType::InvalidPath`]; it can build that from the error's `Display`.
    fn from(err: ResolveError) -> Self {
        ScimError::new(ScimType::InvalidFilter, err.to_string())
    }
}

/// The kinds of [`ResolveError`]. Attribute names in them are spelled as the schema spells them
/// where the attribute is known, and as written otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveErrorKind {
    /// The URN prefix is neither the resource type's core schema nor one of its extensions.
    #[error("{urn:?} is not a schema of this resource type")]
    UnknownSchema {
        /// The URN as written.
        urn: String,
    },
    /// No such attribute (extension attributes need their schema URN).
    #[error("unknown attribute {name:?}")]
    UnknownAttribute {
        /// The name as written.
        name: String,
    },
    /// The complex attribute has no such sub-attribute.
    #[error("attribute {attribute:?} has no sub-attribute {sub_attribute:?}")]
    UnknownSubAttribute {
        /// The complex attribute.
        attribute: String,
        /// The sub-attribute as written.
        sub_attribute: String,
    },
    /// A sub-attribute was named on an attribute that is not complex (`userName.x`).
    #[error("attribute {attribute:?} is not complex and has no sub-attributes")]
    NotComplex {
        /// The simple attribute.
        attribute: String,
    },
    /// The attribute is never returned or write-only, so it cannot be filtered on.
    #[error("attribute {attribute:?} cannot be used in a filter")]
    NotFilterable {
        /// The attribute path.
        attribute: String,
    },
    /// A complex attribute without a `value` sub-attribute was compared with a value.
    #[error("complex attribute {attribute:?} needs a sub-attribute to be compared")]
    ComplexComparison {
        /// The complex attribute.
        attribute: String,
    },
    /// The operator does not apply to the attribute's type (`gt` on a boolean...).
    #[error("operator {op} cannot be used on {attribute:?}, of type {kind}")]
    OperatorNotSupported {
        /// The operator as written.
        op: CompareOp,
        /// The attribute path.
        attribute: String,
        /// The attribute's type.
        kind: AttributeType,
    },
    /// `null` with an operator other than `eq` or `ne`.
    #[error("null can only be compared with eq or ne, not {op}")]
    NullComparison {
        /// The operator as written.
        op: CompareOp,
    },
    /// The literal's type does not fit the attribute (`active eq "yes"`, `x eq 1.5` on an
    /// integer).
    #[error("{attribute:?} is of type {expected}; {found} does not fit")]
    ValueType {
        /// The attribute path.
        attribute: String,
        /// The attribute's type.
        expected: AttributeType,
        /// The kind of literal written.
        found: LiteralKind,
    },
    /// A dateTime attribute was compared with a string that is not an RFC 3339 date-time.
    #[error("{value:?} is not an RFC 3339 date-time (such as \"2011-05-13T04:42:34Z\")")]
    InvalidDateTime {
        /// The literal.
        value: String,
    },
    /// A value path on an attribute that is not complex, or on a sub-attribute.
    #[error("{attribute:?} is not a complex attribute, so it cannot take a [filter]")]
    ValuePathNotComplex {
        /// The attribute path as written or resolved.
        attribute: String,
    },
    /// A value path inside another value path.
    #[error("value filters cannot be nested")]
    NestedValuePath,
    /// A path inside `attr[...]` names something other than a sub-attribute of `attr`.
    #[error("{path:?} is not a sub-attribute of {attribute:?}")]
    OutsideValuePath {
        /// The enclosing complex attribute.
        attribute: String,
        /// The inner path as written.
        path: String,
    },
    /// An `and` or `or` without operands (only trees built in code can have one).
    #[error("an and/or without operands")]
    EmptyJunction,
    /// The tree is deeper than [`MAX_DEPTH`].
    #[error("the filter nests more than {limit} levels deep")]
    TooDeep {
        /// [`MAX_DEPTH`].
        limit: usize,
    },
}

/// The kind of a comparison literal, for [`ResolveErrorKind::ValueType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    /// `true` or `false`.
    Boolean,
    /// A number with a fractional part or exponent, or out of the `i64` range.
    Decimal,
    /// A whole number within `i64`.
    Integer,
    /// A string.
    String,
}

impl fmt::Display for LiteralKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Boolean => "a boolean",
            Self::Decimal => "a decimal number",
            Self::Integer => "an integer",
            Self::String => "a string",
        })
    }
}

/// The complex attribute a value path's inner filter is relative to.
struct Scope<'r> {
    path: ResolvedPath,
    schema: &'r str,
    attribute: &'r Attribute,
}

struct Resolver<'r> {
    registry: &'r SchemaRegistry,
    resource_type: &'r ResourceType,
}

impl<'r> Resolver<'r> {
    fn filter(
        &self,
        filter: &Filter<'_>,
        depth: usize,
        scope: Option<&Scope<'r>>,
    ) -> Result<ResolvedFilter, ResolveError> {
        if depth > MAX_DEPTH {
            return Err(ResolveError::new(
                ResolveErrorKind::TooDeep { limit: MAX_DEPTH },
                filter.span(),
            ));
        }
        match filter {
            Filter::Compare(compare) => self.compare(compare, scope),
            Filter::Present(present) => Ok(ResolvedFilter::Present(
                self.presence_path(&present.path, scope)?,
            )),
            Filter::And(junction) | Filter::Or(junction) => {
                let mut operands = junction
                    .operands
                    .iter()
                    .map(|operand| self.filter(operand, depth + 1, scope))
                    .collect::<Result<Vec<_>, _>>()?;
                if operands.len() < 2 {
                    // Only a tree built in code can have fewer than two operands.
                    return operands.pop().ok_or_else(|| {
                        ResolveError::new(ResolveErrorKind::EmptyJunction, junction.span)
                    });
                }
                let junction = ResolvedJunction { operands };
                Ok(match filter {
                    Filter::And(_) => ResolvedFilter::And(junction),
                    _ => ResolvedFilter::Or(junction),
                })
            }
            Filter::Not(not) => Ok(negate(self.filter(&not.inner, depth + 1, scope)?)),
            Filter::ValuePath(value_path) => {
                if scope.is_some() {
                    return Err(ResolveError::new(
                        ResolveErrorKind::NestedValuePath,
                        value_path.span,
                    ));
                }
                Ok(ResolvedFilter::ValuePath(self.value_path(
                    &value_path.path,
                    &value_path.filter,
                    value_path.span,
                    depth,
                )?))
            }
        }
    }

    fn value_path(
        &self,
        path: &AttrPath<'_>,
        filter: &Filter<'_>,
        span: Span,
        depth: usize,
    ) -> Result<ResolvedValuePath, ResolveError> {
        let found = self.top_level(path)?;
        let attribute = found.attribute();
        if attribute.kind() != AttributeType::Complex || path.sub_attr.is_some() {
            return Err(ResolveError::new(
                ResolveErrorKind::ValuePathNotComplex {
                    attribute: written(path),
                },
                span,
            ));
        }
        let scope = Scope {
            path: top_level_path(&found),
            schema: found.schema(),
            attribute,
        };
        let inner = self.filter(filter, depth + 1, Some(&scope))?;
        Ok(ResolvedValuePath {
            attribute: scope.path,
            filter: Box::new(inner),
        })
    }

    fn compare(
        &self,
        compare: &Compare<'_>,
        scope: Option<&Scope<'r>>,
    ) -> Result<ResolvedFilter, ResolveError> {
        let literal = match &compare.value {
            CompValue::Null => {
                let present = ResolvedFilter::Present(self.presence_path(&compare.path, scope)?);
                return match compare.op {
                    CompareOp::Eq => Ok(negate(present)),
                    CompareOp::Ne => Ok(present),
                    op => Err(ResolveError::new(
                        ResolveErrorKind::NullComparison { op },
                        compare.span,
                    )),
                };
            }
            CompValue::Bool(b) => Literal::Bool(*b),
            CompValue::Number(n) => Literal::Number(n),
            CompValue::String(s) => Literal::String(s),
        };
        let path = self.comparison_path(&compare.path, scope)?;
        let (op, negated) = match compare.op {
            CompareOp::Eq => (ResolvedOp::Eq, false),
            CompareOp::Ne => (ResolvedOp::Eq, true),
            CompareOp::Co => (ResolvedOp::Co, false),
            CompareOp::Sw => (ResolvedOp::Sw, false),
            CompareOp::Ew => (ResolvedOp::Ew, false),
            CompareOp::Gt => (ResolvedOp::Gt, false),
            CompareOp::Lt => (ResolvedOp::Lt, false),
            CompareOp::Ge => (ResolvedOp::Ge, false),
            CompareOp::Le => (ResolvedOp::Le, false),
        };
        if !operator_fits(op, path.kind) {
            return Err(ResolveError::new(
                ResolveErrorKind::OperatorNotSupported {
                    op: compare.op,
                    attribute: path.to_string(),
                    kind: path.kind,
                },
                compare.span,
            ));
        }
        let value = convert_literal(literal, &path)
            .map_err(|kind| ResolveError::new(kind, compare.span))?;
        let resolved = ResolvedFilter::Compare(ResolvedCompare { path, op, value });
        Ok(if negated { negate(resolved) } else { resolved })
    }

    /// The path of a comparison: a complex attribute without a sub-attribute means its `value`.
    fn comparison_path(
        &self,
        written_path: &AttrPath<'_>,
        scope: Option<&Scope<'r>>,
    ) -> Result<ResolvedPath, ResolveError> {
        let (path, attribute) = self.path(written_path, scope)?;
        if path.kind != AttributeType::Complex {
            return Ok(path);
        }
        match attribute.sub_attribute("value") {
            Some(value) => {
                let found = self.check_filterable(value, &path, written_path.span)?;
                Ok(with_sub_attribute(path, found))
            }
            None => Err(ResolveError::new(
                ResolveErrorKind::ComplexComparison {
                    attribute: path.to_string(),
                },
                written_path.span,
            )),
        }
    }

    /// The path of `pr` (or of a comparison with `null`): any attribute, complex ones included.
    fn presence_path(
        &self,
        written_path: &AttrPath<'_>,
        scope: Option<&Scope<'r>>,
    ) -> Result<ResolvedPath, ResolveError> {
        self.path(written_path, scope).map(|(path, _)| path)
    }

    /// Resolves a path at the top level or inside a value path, returning it with the definition
    /// of its leaf.
    fn path(
        &self,
        written_path: &AttrPath<'_>,
        scope: Option<&Scope<'r>>,
    ) -> Result<(ResolvedPath, &'r Attribute), ResolveError> {
        let span = written_path.span;
        let Some(scope) = scope else {
            let found = self.top_level(written_path)?;
            let path = top_level_path(&found);
            let Some(sub_name) = &written_path.sub_attr else {
                return Ok((path, found.attribute()));
            };
            let sub = self.sub_attribute(found.attribute(), &path, sub_name, span)?;
            return Ok((with_sub_attribute(path, sub), sub));
        };
        // Inside `attr[...]`: a bare sub-attribute name, or `attr.sub` naming the enclosing
        // attribute again.
        let sub_name = match &written_path.sub_attr {
            None if written_path.uri.is_none() => &written_path.name,
            Some(sub) if self.names_scope(written_path, scope) => sub,
            _ => {
                return Err(ResolveError::new(
                    ResolveErrorKind::OutsideValuePath {
                        attribute: scope.path.to_string(),
                        path: written(written_path),
                    },
                    span,
                ));
            }
        };
        let sub = self.sub_attribute(scope.attribute, &scope.path, sub_name, span)?;
        Ok((with_sub_attribute(scope.path.clone(), sub), sub))
    }

    /// Whether `written_path` (ignoring its sub-attribute) names the value path's attribute.
    fn names_scope(&self, written_path: &AttrPath<'_>, scope: &Scope<'r>) -> bool {
        self.registry
            .find_attribute(
                self.resource_type,
                written_path.uri.as_deref(),
                &written_path.name,
            )
            .is_some_and(|found| {
                std::ptr::eq(found.attribute(), scope.attribute)
                    && found.schema().eq_ignore_ascii_case(scope.schema)
            })
    }

    fn top_level(&self, path: &AttrPath<'_>) -> Result<AttributeRef<'r>, ResolveError> {
        let uri = path.uri.as_deref();
        let Some(found) = self
            .registry
            .find_attribute(self.resource_type, uri, &path.name)
        else {
            let kind = match uri {
                Some(urn) if !self.resource_type.has_schema(urn) => {
                    ResolveErrorKind::UnknownSchema {
                        urn: urn.to_owned(),
                    }
                }
                _ => ResolveErrorKind::UnknownAttribute {
                    name: path.name.clone().into_owned(),
                },
            };
            return Err(ResolveError::new(kind, path.span));
        };
        if !is_filterable(found.attribute()) {
            return Err(ResolveError::new(
                ResolveErrorKind::NotFilterable {
                    attribute: found.attribute().name().to_owned(),
                },
                path.span,
            ));
        }
        Ok(found)
    }

    fn sub_attribute(
        &self,
        parent: &'r Attribute,
        parent_path: &ResolvedPath,
        name: &str,
        span: Span,
    ) -> Result<&'r Attribute, ResolveError> {
        if parent.kind() != AttributeType::Complex {
            return Err(ResolveError::new(
                ResolveErrorKind::NotComplex {
                    attribute: parent_path.to_string(),
                },
                span,
            ));
        }
        let Some(sub) = parent.sub_attribute(name) else {
            return Err(ResolveError::new(
                ResolveErrorKind::UnknownSubAttribute {
                    attribute: parent_path.to_string(),
                    sub_attribute: name.to_owned(),
                },
                span,
            ));
        };
        self.check_filterable(sub, parent_path, span)
    }

    fn check_filterable(
        &self,
        sub: &'r Attribute,
        parent_path: &ResolvedPath,
        span: Span,
    ) -> Result<&'r Attribute, ResolveError> {
        if is_filterable(sub) {
            Ok(sub)
        } else {
            Err(ResolveError::new(
                ResolveErrorKind::NotFilterable {
                    attribute: format!("{parent_path}.{}", sub.name()),
                },
                span,
            ))
        }
    }
}

enum Literal<'a> {
    Bool(bool),
    Number(&'a serde_json::Number),
    String(&'a str),
}

impl Literal<'_> {
    fn kind(&self) -> LiteralKind {
        match self {
            Self::Bool(_) => LiteralKind::Boolean,
            Self::Number(n) if n.is_i64() => LiteralKind::Integer,
            Self::Number(_) => LiteralKind::Decimal,
            Self::String(_) => LiteralKind::String,
        }
    }
}

fn is_filterable(attribute: &Attribute) -> bool {
    attribute.returned_kind() != Returned::Never
        && attribute.mutability_kind() != Mutability::WriteOnly
}

fn operator_fits(op: ResolvedOp, kind: AttributeType) -> bool {
    match kind {
        AttributeType::String | AttributeType::Reference => true,
        AttributeType::DateTime | AttributeType::Integer | AttributeType::Decimal => {
            !matches!(op, ResolvedOp::Co | ResolvedOp::Sw | ResolvedOp::Ew)
        }
        AttributeType::Boolean | AttributeType::Binary => op == ResolvedOp::Eq,
        AttributeType::Complex => false,
    }
}

fn convert_literal(
    literal: Literal<'_>,
    path: &ResolvedPath,
) -> Result<ComparisonValue, ResolveErrorKind> {
    let mismatch = |literal: &Literal<'_>| ResolveErrorKind::ValueType {
        attribute: path.to_string(),
        expected: path.kind,
        found: literal.kind(),
    };
    match (path.kind, &literal) {
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            Literal::String(s),
        ) => Ok(ComparisonValue::String(if path.case_exact {
            (*s).to_owned()
        } else {
            fold_case(s).into_owned()
        })),
        (AttributeType::DateTime, Literal::String(s)) => parse_date_time(s)
            .map(ComparisonValue::DateTime)
            .ok_or_else(|| ResolveErrorKind::InvalidDateTime {
                value: (*s).to_owned(),
            }),
        (AttributeType::Boolean, Literal::Bool(b)) => Ok(ComparisonValue::Boolean(*b)),
        (AttributeType::Boolean, Literal::String(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(ComparisonValue::Boolean(true))
        }
        (AttributeType::Boolean, Literal::String(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(ComparisonValue::Boolean(false))
        }
        (AttributeType::Integer, Literal::Number(n)) => n
            .as_i64()
            .map(ComparisonValue::Integer)
            .ok_or_else(|| mismatch(&literal)),
        (AttributeType::Decimal, Literal::Number(n)) => n
            .as_f64()
            .map(ComparisonValue::Decimal)
            .ok_or_else(|| mismatch(&literal)),
        _ => Err(mismatch(&literal)),
    }
}

/// Parses an RFC 3339 date-time and converts it to UTC; the evaluator parses stored values the
/// same way.
pub(super) fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn negate(filter: ResolvedFilter) -> ResolvedFilter {
    ResolvedFilter::Not(ResolvedNot {
        inner: Box::new(filter),
    })
}

fn top_level_path(found: &AttributeRef<'_>) -> ResolvedPath {
    let attribute = found.attribute();
    ResolvedPath {
        extension: found.extension().map(str::to_owned),
        attribute: attribute.name().to_owned(),
        sub_attribute: None,
        multi_valued: attribute.is_multi_valued(),
        sub_attribute_multi_valued: false,
        kind: attribute.kind(),
        case_exact: is_case_exact(attribute),
    }
}

fn with_sub_attribute(mut path: ResolvedPath, sub: &Attribute) -> ResolvedPath {
    path.sub_attribute = Some(sub.name().to_owned());
    path.sub_attribute_multi_valued = sub.is_multi_valued();
    path.kind = sub.kind();
    path.case_exact = is_case_exact(sub);
    path
}

/// Binary values are base64, in which case matters, whatever the schema says.
fn is_case_exact(attribute: &Attribute) -> bool {
    attribute.is_case_exact() || attribute.kind() == AttributeType::Binary
}

/// A path as written, for error messages about paths that did not resolve.
fn written(path: &AttrPath<'_>) -> String {
    let mut text = String::new();
    if let Some(uri) = &path.uri {
        text.push_str(uri);
        text.push(':');
    }
    text.push_str(&path.name);
    if let Some(sub) = &path.sub_attr {
        text.push('.');
        text.push_str(sub);
    }
    text
}

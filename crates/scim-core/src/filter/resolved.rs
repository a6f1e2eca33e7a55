//! The resolved form of a filter: what the evaluator and `scim-store`'s SQL translation consume.
//!
//! A [`ResolvedFilter`] is produced only by [`resolve`](super::resolve) (or
//! [`resolve_value_path`](super::resolve_value_path)), so every node in it has passed the schema
//! checks: attributes exist and are filterable, operators fit the attribute type and every
//! literal has been converted to the attribute's type. The nodes own all their data; nothing
//! borrows from the registry or from the filter text.
//!
//! Two rewrites happen during resolution, so consumers have fewer cases to get right:
//!
//! - `a ne v` becomes `not (a eq v)`; [`ResolvedOp`] has no `ne`.
//! - `a eq null` becomes `not (a pr)` and `a ne null` becomes `a pr`; [`ComparisonValue`] has no
//!   `null`.
//!
//! The exact matching semantics are documented in [`eval`](super::eval).

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::schema::AttributeType;

/// A filter checked against a resource type's schemas.
///
/// Obtained from [`resolve`](super::resolve); match it against resources with
/// [`ResolvedFilter::matches`].
///
/// ```
/// use scim_core::filter::{parse_filter, resolve};
/// use scim_core::schema::SchemaRegistry;
/// use scim_core::validate::Validator;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// let user = Validator::new(&registry, users)?
///     .create(&json!({
///         "userName": "bjensen",
///         "emails": [
///             {"value": "bjensen@x.com", "type": "work"},
///             {"value": "babs@y.com", "type": "home"}
///         ]
///     }))?
///     .resource;
/// let matches = |text: &str| -> Result<bool, Box<dyn std::error::Error>> {
///     Ok(resolve(&parse_filter(text)?, &registry, users)?.matches(&user))
/// };
/// assert!(matches(r#"USERNAME eq "BJensen""#)?);
/// // Any email may satisfy each comparison...
/// assert!(matches(r#"emails.type eq "work" and emails.value co "y.com""#)?);
/// // ...but a value path needs one email that satisfies both.
/// assert!(!matches(r#"emails[type eq "work" and value co "y.com"]"#)?);
/// // `ne` is `not eq`, so it matches an absent attribute.
/// assert!(matches(r#"title ne "Boss""#)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ResolvedFilter {
    /// A comparison of an attribute with a typed value.
    Compare(ResolvedCompare),
    /// `attr pr`: the attribute has a non-empty value.
    Present(ResolvedPath),
    /// Every operand matches (two or more operands).
    And(ResolvedJunction),
    /// Some operand matches (two or more operands).
    Or(ResolvedJunction),
    /// The operand does not match.
    Not(ResolvedNot),
    /// One element of a complex attribute satisfies the whole inner filter.
    ValuePath(ResolvedValuePath),
}

/// `path op value`, with `op` fitting the attribute's type and `value` of that type.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCompare {
    pub(super) path: ResolvedPath,
    pub(super) op: ResolvedOp,
    pub(super) value: ComparisonValue,
}

impl ResolvedCompare {
    /// The attribute compared.
    pub fn path(&self) -> &ResolvedPath {
        &self.path
    }

    /// The operator.
    pub fn op(&self) -> ResolvedOp {
        self.op
    }

    /// The value compared against. For a string attribute that is not case-exact it is already
    /// folded with [`fold_case`](crate::fold_case).
    pub fn value(&self) -> &ComparisonValue {
        &self.value
    }
}

/// The operands of a resolved `and` or `or`: always two or more.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedJunction {
    pub(super) operands: Vec<ResolvedFilter>,
}

impl ResolvedJunction {
    /// The operands, in the order written.
    pub fn operands(&self) -> &[ResolvedFilter] {
        &self.operands
    }
}

/// A resolved `not (filter)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedNot {
    pub(super) inner: Box<ResolvedFilter>,
}

impl ResolvedNot {
    /// The negated filter.
    pub fn inner(&self) -> &ResolvedFilter {
        &self.inner
    }
}

/// `attr[filter]`: some single element of the complex attribute `attr` satisfies `filter`.
///
/// Inside [`ResolvedValuePath::filter`], every [`ResolvedPath`] names this same attribute with a
/// sub-attribute, and there is no nested value path. The inner filter is evaluated against one
/// element at a time ([`ResolvedValuePath::matches_element`]): `emails[type eq "work" and value
/// co "x"]` needs one email that is both.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedValuePath {
    pub(super) attribute: ResolvedPath,
    pub(super) filter: Box<ResolvedFilter>,
}

impl ResolvedValuePath {
    /// The complex attribute whose elements are tested (its [`ResolvedPath::sub_attribute`] is
    /// `None` and its [`ResolvedPath::kind`] is [`AttributeType::Complex`]).
    pub fn attribute(&self) -> &ResolvedPath {
        &self.attribute
    }

    /// The filter one element must satisfy.
    pub fn filter(&self) -> &ResolvedFilter {
        &self.filter
    }
}

/// The operators left after resolution (`ne` is rewritten to `not (eq)`, `pr` is
/// [`ResolvedFilter::Present`]).
///
/// Which operators reach which attribute types:
///
/// | type | operators |
/// | --- | --- |
/// | string, reference | all |
/// | dateTime, integer, decimal | `eq`, `gt`, `ge`, `lt`, `le` |
/// | boolean, binary | `eq` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolvedOp {
    /// Equal.
    Eq,
    /// The attribute value contains the comparison value (strings only).
    Co,
    /// The attribute value starts with the comparison value (strings only).
    Sw,
    /// The attribute value ends with the comparison value (strings only).
    Ew,
    /// The attribute value is greater than the comparison value.
    Gt,
    /// The attribute value is less than the comparison value.
    Lt,
    /// The attribute value is greater than or equal to the comparison value.
    Ge,
    /// The attribute value is less than or equal to the comparison value.
    Le,
}

impl ResolvedOp {
    /// The operator's keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Ge => "ge",
            Self::Le => "le",
        }
    }
}

impl fmt::Display for ResolvedOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison value converted to the type of the attribute it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonValue {
    /// For string, reference and binary attributes. Folded with [`fold_case`](crate::fold_case)
    /// when the attribute is not case-exact.
    String(String),
    /// For boolean attributes (`true`, `false`, or the strings `"true"`/`"false"` in any case).
    Boolean(bool),
    /// For integer attributes.
    Integer(i64),
    /// For decimal attributes.
    Decimal(f64),
    /// For dateTime attributes: an RFC 3339 literal, converted to UTC.
    DateTime(DateTime<Utc>),
}

impl fmt::Display for ComparisonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => write!(f, "{}", serde_json::Value::from(s.as_str())),
            Self::Boolean(b) => write!(f, "{b}"),
            Self::Integer(i) => write!(f, "{i}"),
            Self::Decimal(d) => write!(f, "{d:?}"),
            Self::DateTime(t) => {
                write!(f, "\"{}\"", t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
        }
    }
}

/// Where an attribute lives in a resource's canonical JSON, and how its values compare.
///
/// The top-level attribute is `resource[attribute]`, or
/// `resource[extension][attribute]` for an extension attribute. With a sub-attribute, the
/// values are `element[sub_attribute]` for each element of that attribute (each array item
/// when it is multi-valued, the object itself otherwise). All names are spelled as the schema
/// spells them, which is how the canonical JSON spells its keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedPath {
    pub(super) extension: Option<String>,
    pub(super) attribute: String,
    pub(super) sub_attribute: Option<String>,
    pub(super) multi_valued: bool,
    pub(super) sub_attribute_multi_valued: bool,
    pub(super) kind: AttributeType,
    pub(super) case_exact: bool,
}

impl ResolvedPath {
    /// The extension schema URN under which the attribute is nested, or `None` for core and
    /// common attributes, which sit at the top level.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// The top-level attribute's canonical name.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The sub-attribute's canonical name, if the path names one.
    pub fn sub_attribute(&self) -> Option<&str> {
        self.sub_attribute.as_deref()
    }

    /// Whether the top-level attribute is multi-valued (its JSON value is an array).
    pub fn is_multi_valued(&self) -> bool {
        self.multi_valued
    }

    /// Whether the sub-attribute is itself multi-valued (an array inside each element). None of
    /// the RFC 7643 schemas has one; custom schemas may.
    pub fn is_sub_attribute_multi_valued(&self) -> bool {
        self.sub_attribute_multi_valued
    }

    /// The type of the values compared: the sub-attribute's type when there is one, else the
    /// attribute's. [`AttributeType::Complex`] only for `pr` on a whole complex attribute and for
    /// [`ResolvedValuePath::attribute`].
    pub fn kind(&self) -> AttributeType {
        self.kind
    }

    /// Whether strings compare exactly (`true`) or after [`fold_case`](crate::fold_case)
    /// (`false`). Binary values always compare exactly.
    pub fn is_case_exact(&self) -> bool {
        self.case_exact
    }
}

impl fmt::Display for ResolvedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(extension) = &self.extension {
            write!(f, "{extension}:")?;
        }
        f.write_str(&self.attribute)?;
        if let Some(sub) = &self.sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl ResolvedFilter {
    /// Whether the filter reads the top-level attribute `attribute` (of the extension
    /// `extension`, or of the core schema and common attributes when `None`); names are
    /// compared ignoring case.
    ///
    /// Storage uses it to load every attribute a filter needs even when the response's
    /// projection leaves it out, so that `attributes` never changes which resources match.
    pub fn references(&self, extension: Option<&str>, attribute: &str) -> bool {
        let same = |path: &ResolvedPath| {
            path.attribute.eq_ignore_ascii_case(attribute)
                && match (&path.extension, extension) {
                    (None, None) => true,
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => false,
                }
        };
        // An explicit stack: no recursion, whatever the tree's shape.
        let mut pending = vec![self];
        while let Some(filter) = pending.pop() {
            match filter {
                Self::Compare(compare) if same(&compare.path) => return true,
                Self::Present(path) if same(path) => return true,
                Self::ValuePath(value_path) if same(&value_path.attribute) => return true,
                Self::Compare(_) | Self::Present(_) | Self::ValuePath(_) => {}
                Self::And(junction) | Self::Or(junction) => pending.extend(&junction.operands),
                Self::Not(not) => pending.push(&not.inner),
            }
        }
        false
    }
}

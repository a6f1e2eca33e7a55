//! The syntax tree of RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths.
//!
//! The tree borrows from the text it was parsed from (`Cow::Borrowed`), except for string
//! values that contained escapes; [`Filter::into_owned`] detaches it. Every node carries a
//! [`Span`], and spans are ignored by equality so that trees parsed from differently spaced
//! text compare equal.
//!
//! The tree keeps the grouping that was written: `a and b and c` is one [`Filter::And`] with three
//! operands, while `(a and b) and c` is an `And` whose first operand is itself an `And`. The
//! canonical printer (`Display`) writes parentheses exactly where they are needed to rebuild the
//! same tree, so `parse(print(tree)) == tree`.

use std::borrow::Cow;
use std::fmt;

/// A byte range `start..end` in the parsed text.
///
/// Spans take part in neither equality nor hashing of the nodes that carry them.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    /// The span as a `usize` range, for slicing the parsed text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A filter expression.
#[derive(Debug, Clone)]
pub enum Filter<'a> {
    /// `attrPath compareOp compValue`, such as `userName eq "bjensen"`.
    Compare(Compare<'a>),
    /// `attrPath pr`.
    Present(Present<'a>),
    /// Two or more operands joined by `and`, written without parentheses between them.
    And(Junction<'a>),
    /// Two or more operands joined by `or`, written without parentheses between them.
    Or(Junction<'a>),
    /// `not (filter)`.
    Not(Not<'a>),
    /// `attrPath[valFilter]`: some element of a multi-valued attribute satisfies the filter.
    ValuePath(ValuePath<'a>),
}

impl<'a> Filter<'a> {
    /// `path op value`, built in code rather than formatted into text and parsed: a value needs
    /// no quoting or escaping.
    ///
    /// ```
    /// use scim_core::filter::{AttrPath, CompValue, CompareOp, Filter};
    ///
    /// let emails = AttrPath::name("emails").with_sub_attr("value");
    /// let filter = Filter::compare(emails, CompareOp::Co, CompValue::String("@acme".into()));
    /// assert_eq!(filter.to_string(), r#"emails.value co "@acme""#);
    /// ```
    pub fn compare(path: AttrPath<'a>, op: CompareOp, value: CompValue<'a>) -> Self {
        Self::Compare(Compare {
            path,
            op,
            value,
            span: Span::default(),
        })
    }

    /// `path eq value` (see [`Filter::compare`]).
    ///
    /// ```
    /// use scim_core::filter::{AttrPath, CompValue, Filter};
    ///
    /// let by_name = Filter::equals(AttrPath::name("displayName"), CompValue::String("Ops \"B\"".into()));
    /// assert_eq!(by_name.to_string(), r#"displayName eq "Ops \"B\"""#);
    /// ```
    pub fn equals(path: AttrPath<'a>, value: CompValue<'a>) -> Self {
        Self::compare(path, CompareOp::Eq, value)
    }

    /// The operands joined by `or`; one operand alone is itself, and none is `None` (a filter
    /// that matched nothing would have no text).
    ///
    /// ```
    /// use scim_core::filter::{AttrPath, CompValue, CompareOp, Filter};
    ///
    /// let text = |name| Filter::compare(AttrPath::name(name), CompareOp::Co, CompValue::String("ada".into()));
    /// let either = Filter::any_of(vec![text("userName"), text("displayName")]).unwrap();
    /// assert_eq!(either.to_string(), r#"userName co "ada" or displayName co "ada""#);
    /// ```
    pub fn any_of(mut operands: Vec<Filter<'a>>) -> Option<Self> {
        match operands.len() {
            0 => None,
            1 => operands.pop(),
            _ => Some(Self::Or(Junction {
                operands,
                span: Span::default(),
            })),
        }
    }
}

impl Filter<'_> {
    /// The node's span.
    pub fn span(&self) -> Span {
        match self {
            Self::Compare(c) => c.span,
            Self::Present(p) => p.span,
            Self::And(j) | Self::Or(j) => j.span,
            Self::Not(n) => n.span,
            Self::ValuePath(v) => v.span,
        }
    }

    /// Whether the node holds no subtree.
    fn is_leaf(&self) -> bool {
        matches!(self, Self::Compare(_) | Self::Present(_))
    }

    /// Whether every node below this one is a leaf (a leaf itself has none below).
    fn has_only_leaves(&self) -> bool {
        match self {
            Self::Compare(_) | Self::Present(_) => true,
            Self::Not(n) => n.inner.is_leaf(),
            Self::ValuePath(v) => v.filter.is_leaf(),
            Self::And(j) | Self::Or(j) => j.operands.iter().all(Self::is_leaf),
        }
    }

    /// Detaches the tree from the text it was parsed from.
    pub fn into_owned(self) -> Filter<'static> {
        match self {
            Self::Compare(c) => Filter::Compare(Compare {
                path: c.path.into_owned(),
                op: c.op,
                value: c.value.into_owned(),
                span: c.span,
            }),
            Self::Present(p) => Filter::Present(Present {
                path: p.path.into_owned(),
                span: p.span,
            }),
            Self::And(j) => Filter::And(j.into_owned()),
            Self::Or(j) => Filter::Or(j.into_owned()),
            Self::Not(mut n) => Filter::Not(Not {
                inner: Box::new(take(&mut n.inner).into_owned()),
                span: n.span,
            }),
            Self::ValuePath(mut v) => Filter::ValuePath(ValuePath {
                path: std::mem::replace(&mut v.path, AttrPath::placeholder()).into_owned(),
                filter: Box::new(take(&mut v.filter).into_owned()),
                span: v.span,
            }),
        }
    }
}

/// A node that owns nothing, left where a subtree was taken out.
fn placeholder<'a>() -> Filter<'a> {
    Filter::Present(Present {
        path: AttrPath::placeholder(),
        span: Span::default(),
    })
}

/// Takes the subtree out of `slot`, leaving a [`placeholder`].
fn take<'a>(slot: &mut Filter<'a>) -> Filter<'a> {
    std::mem::replace(slot, placeholder())
}

/// Drops the trees in `pending` with an explicit stack: the compiler's drop glue would recurse
/// once per level, and a tree built by hand (not parsed) can be deep enough to overflow the
/// stack.
///
/// Each node is dropped after its subtrees were taken out, so its own `Drop` finds nothing
/// to do.
///
/// A node whose subtrees are at most one level deep (`a and (b or c)`, `emails[type eq "work"
/// and value co "x"]`, the common shapes) is left to the drop glue: it recurses two levels at
/// most there, since every node below checks the same again. Only deeper trees come here.
fn dismantle(mut pending: Vec<Filter<'_>>) {
    while let Some(mut node) = pending.pop() {
        match &mut node {
            Filter::Not(n) => pending.push(take(&mut n.inner)),
            Filter::ValuePath(v) => pending.push(take(&mut v.filter)),
            Filter::And(j) | Filter::Or(j) => pending.append(&mut j.operands),
            Filter::Compare(_) | Filter::Present(_) => {}
        }
    }
}

impl PartialEq for Filter<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Compare(a), Self::Compare(b)) => a == b,
            (Self::Present(a), Self::Present(b)) => a == b,
            (Self::And(a), Self::And(b)) | (Self::Or(a), Self::Or(b)) => a == b,
            (Self::Not(a), Self::Not(b)) => a == b,
            (Self::ValuePath(a), Self::ValuePath(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Filter<'_> {}

/// The comparison operators of RFC 7644 §3.4.2.2 (`pr` is [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal.
    Ge,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator, in the RFC's order.
    pub const ALL: [CompareOp; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Lt,
        Self::Ge,
        Self::Le,
    ];

    /// The operator's keyword in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Ge => "ge",
            Self::Le => "le",
        }
    }

    /// Whether the operator orders values (`gt`, `lt`, `ge`, `le`).
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Lt | Self::Ge | Self::Le)
    }

    /// Whether the operator matches substrings (`co`, `sw`, `ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, Self::Co | Self::Sw | Self::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `attrPath compareOp compValue`.
#[derive(Debug, Clone)]
pub struct Compare<'a> {
    /// The attribute compared.
    pub path: AttrPath<'a>,
    /// The operator.
    pub op: CompareOp,
    /// The literal compared against.
    pub value: CompValue<'a>,
    /// Where the comparison was written.
    pub span: Span,
}

impl PartialEq for Compare<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.op == other.op && self.value == other.value
    }
}

impl Eq for Compare<'_> {}

/// `attrPath pr`: the attribute has a non-empty value.
#[derive(Debug, Clone)]
pub struct Present<'a> {
    /// The attribute tested.
    pub path: AttrPath<'a>,
    /// Where the test was written.
    pub span: Span,
}

impl PartialEq for Present<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for Present<'_> {}

/// The operands of an `and` or `or` chain (always two or more).
#[derive(Debug, Clone)]
pub struct Junction<'a> {
    /// The operands, in the order written.
    pub operands: Vec<Filter<'a>>,
    /// Where the chain was written.
    pub span: Span,
}

impl Junction<'_> {
    fn into_owned(mut self) -> Junction<'static> {
        Junction {
            operands: std::mem::take(&mut self.operands)
                .into_iter()
                .map(Filter::into_owned)
                .collect(),
            span: self.span,
        }
    }
}

impl Drop for Junction<'_> {
    fn drop(&mut self) {
        if self.operands.iter().any(|o| !o.has_only_leaves()) {
            // The operands' own vector is the stack.
            dismantle(std::mem::take(&mut self.operands));
        }
    }
}

impl PartialEq for Junction<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.operands == other.operands
    }
}

impl Eq for Junction<'_> {}

/// `not (filter)`.
#[derive(Debug, Clone)]
pub struct Not<'a> {
    /// The negated filter.
    pub inner: Box<Filter<'a>>,
    /// Where the negation was written.
    pub span: Span,
}

impl Drop for Not<'_> {
    fn drop(&mut self) {
        if !self.inner.has_only_leaves() {
            dismantle(vec![take(&mut self.inner)]);
        }
    }
}

impl PartialEq for Not<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Eq for Not<'_> {}

/// `attrPath[valFilter]`: the paths inside `filter` are relative to the element of `path`.
///
/// The non-standard form `attrPath[valFilter].subAttr op value`, which Microsoft Entra ID sends
/// (`emails[type eq "work"].value eq "a@example.com"`), parses into the same node with the trailing
/// comparison joined to the inner filter by `and`.
#[derive(Debug, Clone)]
pub struct ValuePath<'a> {
    /// The multi-valued (or complex) attribute; it has no sub-attribute.
    pub path: AttrPath<'a>,
    /// The filter each element is tested against.
    pub filter: Box<Filter<'a>>,
    /// Where the value path was written.
    pub span: Span,
}

impl Drop for ValuePath<'_> {
    fn drop(&mut self) {
        if !self.filter.has_only_leaves() {
            dismantle(vec![take(&mut self.filter)]);
        }
    }
}

impl PartialEq for ValuePath<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.filter == other.filter
    }
}

impl Eq for ValuePath<'_> {}

/// `[URI ":"] ATTRNAME ["." subAttr]`, such as `name.familyName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`.
///
/// Names are kept as written; they compare case-insensitively only after resolution against a
/// schema, so the syntax tree's equality is exact.
#[derive(Debug, Clone)]
pub struct AttrPath<'a> {
    /// The schema URN prefix, without the final `:`.
    pub uri: Option<Cow<'a, str>>,
    /// The attribute name.
    pub name: Cow<'a, str>,
    /// The sub-attribute name.
    pub sub_attr: Option<Cow<'a, str>>,
    /// Where the path was written.
    pub span: Span,
}

impl<'a> AttrPath<'a> {
    /// A path that owns nothing, left where one was taken out.
    fn placeholder() -> Self {
        Self {
            uri: None,
            name: Cow::Borrowed(""),
            sub_attr: None,
            span: Span::default(),
        }
    }

    /// A path with just an attribute name and an empty span (for building trees in code).
    pub fn name(name: impl Into<Cow<'a, str>>) -> Self {
        Self {
            uri: None,
            name: name.into(),
            sub_attr: None,
            span: Span::default(),
        }
    }

    /// Adds a sub-attribute.
    #[must_use]
    pub fn with_sub_attr(mut self, sub_attr: impl Into<Cow<'a, str>>) -> Self {
        self.sub_attr = Some(sub_attr.into());
        self
    }

    /// Adds a schema URN prefix.
    #[must_use]
    pub fn with_uri(mut self, uri: impl Into<Cow<'a, str>>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// Detaches the path from the text it was parsed from.
    pub fn into_owned(self) -> AttrPath<'static> {
        AttrPath {
            uri: self.uri.map(|u| Cow::Owned(u.into_owned())),
            name: Cow::Owned(self.name.into_owned()),
            sub_attr: self.sub_attr.map(|s| Cow::Owned(s.into_owned())),
            span: self.span,
        }
    }
}

impl PartialEq for AttrPath<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.uri == other.uri && self.name == other.name && self.sub_attr == other.sub_attr
    }
}

impl Eq for AttrPath<'_> {}

/// A literal in a comparison: `compValue = false / null / true / number / string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number, kept exactly as `serde_json` represents it.
    Number(serde_json::Number),
    /// A JSON string with its escapes decoded.
    String(Cow<'a, str>),
}

impl CompValue<'_> {
    /// Detaches the value from the text it was parsed from.
    pub fn into_owned(self) -> CompValue<'static> {
        match self {
            Self::Null => CompValue::Null,
            Self::Bool(b) => CompValue::Bool(b),
            Self::Number(n) => CompValue::Number(n),
            Self::String(s) => CompValue::String(Cow::Owned(s.into_owned())),
        }
    }
}

/// A PATCH operation's `path` (RFC 7644 §3.5.2):
/// `attrPath / valuePath ["." subAttr]`.
#[derive(Debug, Clone)]
pub enum PatchPath<'a> {
    /// A plain attribute path, such as `name.familyName` or `members`.
    Attr(AttrPath<'a>),
    /// `attr[filter]` or `attr[filter].subAttr`, such as `emails[type eq "work"].value`.
    Filtered {
        /// The multi-valued attribute; it has no sub-attribute.
        attr: AttrPath<'a>,
        /// The filter selecting elements.
        filter: Box<Filter<'a>>,
        /// The sub-attribute of the selected elements, if any.
        sub_attr: Option<Cow<'a, str>>,
        /// Where the path was written.
        span: Span,
    },
}

impl PatchPath<'_> {
    /// The path's span.
    pub fn span(&self) -> Span {
        match self {
            Self::Attr(a) => a.span,
            Self::Filtered { span, .. } => *span,
        }
    }

    /// Detaches the path from the text it was parsed from.
    pub fn into_owned(self) -> PatchPath<'static> {
        match self {
            Self::Attr(a) => PatchPath::Attr(a.into_owned()),
            Self::Filtered {
                attr,
                filter,
                sub_attr,
                span,
            } => PatchPath::Filtered {
                attr: attr.into_owned(),
                filter: Box::new(filter.into_owned()),
                sub_attr: sub_attr.map(|s| Cow::Owned(s.into_owned())),
                span,
            },
        }
    }
}

impl PartialEq for PatchPath<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Attr(a), Self::Attr(b)) => a == b,
            (
                Self::Filtered {
                    attr: a,
                    filter: f,
                    sub_attr: s,
                    ..
                },
                Self::Filtered {
                    attr: b,
                    filter: g,
                    sub_attr: t,
                    ..
                },
            ) => a == b && f == g && s == t,
            _ => false,
        }
    }
}

impl Eq for PatchPath<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_do_not_affect_equality() {
        let mut a = AttrPath::name("userName");
        let b = AttrPath::name("userName");
        a.span = Span::new(3, 11);
        assert_eq!(a, b);
        let compare = |span| {
            Filter::Compare(Compare {
                path: AttrPath::name("userName"),
                op: CompareOp::Eq,
                value: CompValue::String("bjensen".into()),
                span,
            })
        };
        assert_eq!(compare(Span::new(0, 1)), compare(Span::new(5, 9)));
    }

    #[test]
    fn into_owned_keeps_the_tree() {
        let text = String::from("userName");
        let borrowed = Filter::Present(Present {
            path: AttrPath::name(text.as_str()),
            span: Span::new(0, 11),
        });
        let owned: Filter<'static> = borrowed.into_owned();
        drop(text);
        assert_eq!(owned.span(), Span::new(0, 11));
        assert!(matches!(owned, Filter::Present(ref p) if p.path.name == "userName"));
    }

    fn leaf(name: &str) -> Filter<'_> {
        Filter::Present(Present {
            path: AttrPath {
                name: Cow::Borrowed(name),
                ..AttrPath::placeholder()
            },
            span: Span::default(),
        })
    }

    /// Regression guard: the compiler's drop glue recursed once per level and overflowed the
    /// stack on deep hand-built trees. Every kind of inner node is nested here, on a thread
    /// with a small stack so that any recursion left would show.
    #[test]
    fn hand_built_deep_trees_drop_without_recursion() {
        let dropped = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let mut tree = leaf("a");
                for level in 0..300_000 {
                    tree = match level % 3 {
                        0 => Filter::Not(Not {
                            inner: Box::new(tree),
                            span: Span::default(),
                        }),
                        1 => Filter::ValuePath(ValuePath {
                            path: AttrPath {
                                name: Cow::Borrowed("emails"),
                                ..AttrPath::placeholder()
                            },
                            filter: Box::new(tree),
                            span: Span::default(),
                        }),
                        _ => Filter::Or(Junction {
                            operands: vec![leaf("b"), tree, leaf("c")],
                            span: Span::default(),
                        }),
                    };
                }
                drop(tree);
            })
            .unwrap()
            .join();
        assert!(dropped.is_ok());
    }
}

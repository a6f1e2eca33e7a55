//! Evaluation of resolved filters against resources.
//!
//! `scim-store` translates the same [`ResolvedFilter`]s to SQL, and a differential test runs
//! every filter through both; the semantics below are therefore the contract for both, and the
//! translation must reproduce them exactly.
//!
//! # Values of a path
//!
//! The *values* of a [`ResolvedPath`] in a resource are found as follows; JSON keys are matched
//! exactly, since a canonical resource spells them as the schema does.
//!
//! 1. The container is the resource's JSON object, or for an extension attribute the object
//!    under the extension's URN key (no object there: no values).
//! 2. The attribute's value is `container[attribute]`. If the attribute is multi-valued, its
//!    *elements* are the items of that array (not an array: no elements); otherwise the single
//!    element is the value itself.
//! 3. Without a sub-attribute, the values are the elements. With one, they are
//!    `element[sub_attribute]` for every element that is an object and has that key; if the
//!    sub-attribute is multi-valued, the items of that array instead.
//! 4. `null` values are dropped: `null` means unassigned (RFC 7643 §2.5).
//!
//! # Matching
//!
//! - **Comparison** `path op v` matches when *some* value of the path satisfies `value op v`.
//!   An absent attribute has no values, so every comparison on it is false. Values whose JSON type
//!   does not fit the attribute type never satisfy a comparison.
//! - **`ne`** was rewritten by resolution to `not (eq)`: `a ne v` matches exactly when `a eq v`
//!   does not, so it matches resources without `a`, and a multi-valued attribute matches `ne`
//!   only when *no* element is equal.
//! - **`pr`** matches when some value is *present*: a string other than `""`, a boolean, a
//!   number, a non-empty array, or an object with at least one member that is present in the
//!   same sense without looking further down (non-empty arrays and objects count as present
//!   there).
//! - **`and`, `or`, `not`** are the boolean connectives (no "unknown" value).
//! - **Value path** `attr[f]` matches when some single element of `attr` that is a JSON object
//!   satisfies all of `f`; inside, each path's values are taken from that element only (steps 3
//!   and 4). `emails[type eq "work" and value co "y"]` therefore needs one email that is both,
//!   while `emails.type eq "work" and emails.value co "y"` may be satisfied by two.
//!
//! # Comparing one value
//!
//! - **Strings** (string, reference, binary): the value must be a JSON string. If the path is not
//!   case-exact, the value is folded with [`fold_case`] (the comparison value was folded when the
//!   filter was resolved). `eq` is equality, `co`/`sw`/`ew` substring, prefix and suffix tests,
//!   and `gt`/`ge`/`lt`/`le` compare the (folded) strings by bytes, which for UTF-8 is Unicode
//!   code point order.
//! - **Booleans**: the value must be a JSON boolean; `eq` only.
//! - **Integers**: the value must be a JSON number that fits `i64`; compared numerically.
//! - **Decimals**: the value must be a JSON number, taken as `f64`; compared numerically.
//! - **Date-times**: the value must be a string that parses as RFC 3339 (a value that does not
//!   parse matches nothing); both sides are compared as instants, so
//!   `2011-05-13T04:42:34Z` equals `2011-05-13T06:42:34+02:00`. Fractions of a second count.
//!
//! Evaluation recurses once per level of the resolved tree, which [`resolve`](super::resolve)
//! bounds by [`MAX_DEPTH`](super::MAX_DEPTH).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::resolve::parse_date_time;
use super::resolved::{
    ComparisonValue, ResolvedCompare, ResolvedFilter, ResolvedOp, ResolvedPath, ResolvedValuePath,
};
use crate::case::fold_case;
use crate::resource::Resource;

impl ResolvedFilter {
    /// Whether `resource` satisfies the filter (see the [module documentation](self)).
    pub fn matches(&self, resource: &Resource) -> bool {
        self.matches_in(Scope::Resource(resource.as_json()))
    }

    fn matches_in(&self, scope: Scope<'_>) -> bool {
        match self {
            Self::Compare(compare) => {
                let mut values = scope.values(&compare.path);
                values.any(|value| compare.accepts(value))
            }
            Self::Present(path) => scope.values(path).any(is_present),
            Self::And(junction) => junction.operands.iter().all(|f| f.matches_in(scope)),
            Self::Or(junction) => junction.operands.iter().any(|f| f.matches_in(scope)),
            Self::Not(not) => !not.inner.matches_in(scope),
            Self::ValuePath(value_path) => match scope {
                Scope::Resource(body) => value_path.matches_body(body),
                // Resolution never nests value paths.
                Scope::Element(_) => false,
            },
        }
    }
}

impl ResolvedValuePath {
    /// Whether some element of the attribute in `resource` satisfies the inner filter, which is
    /// what the value path means as a filter on its own.
    pub fn matches(&self, resource: &Resource) -> bool {
        self.matches_body(resource.as_json())
    }

    /// Whether `element`, one element of the value path's attribute (such as one object of
    /// `emails`), satisfies the inner filter. Anything but a JSON object never does.
    ///
    /// This is how a PATCH operation on `emails[type eq "work"]` picks its targets.
    pub fn matches_element(&self, element: &Value) -> bool {
        match element {
            Value::Object(element) => self.filter.matches_in(Scope::Element(element)),
            _ => false,
        }
    }

    fn matches_body(&self, body: &Map<String, Value>) -> bool {
        elements(body, &self.attribute).any(|element| self.matches_element(element))
    }
}

impl ResolvedCompare {
    fn accepts(&self, value: &Value) -> bool {
        match &self.value {
            ComparisonValue::String(expected) => {
                let Some(actual) = value.as_str() else {
                    return false;
                };
                if self.path.case_exact {
                    compare_strings(self.op, actual, expected)
                } else {
                    compare_strings(self.op, &fold_case(actual), expected)
                }
            }
            ComparisonValue::Boolean(expected) => {
                self.op == ResolvedOp::Eq && value.as_bool() == Some(*expected)
            }
            ComparisonValue::Integer(expected) => value
                .as_i64()
                .is_some_and(|actual| ordered(self.op, actual.cmp(expected))),
            ComparisonValue::Decimal(expected) => value
                .as_f64()
                .and_then(|actual| actual.partial_cmp(expected))
                .is_some_and(|ordering| ordered(self.op, ordering)),
            ComparisonValue::DateTime(expected) => value
                .as_str()
                .and_then(parse_date_time)
                .is_some_and(|actual| ordered(self.op, actual.cmp(expected))),
        }
    }
}

fn compare_strings(op: ResolvedOp, actual: &str, expected: &str) -> bool {
    match op {
        ResolvedOp::Co => actual.contains(expected),
        ResolvedOp::Sw => actual.starts_with(expected),
        ResolvedOp::Ew => actual.ends_with(expected),
        _ => ordered(op, actual.cmp(expected)),
    }
}

/// Whether `actual.cmp(expected) == ordering` satisfies an equality or ordering operator.
fn ordered(op: ResolvedOp, ordering: Ordering) -> bool {
    match op {
        ResolvedOp::Eq => ordering.is_eq(),
        ResolvedOp::Gt => ordering.is_gt(),
        ResolvedOp::Ge => ordering.is_ge(),
        ResolvedOp::Lt => ordering.is_lt(),
        ResolvedOp::Le => ordering.is_le(),
        // Substring operators only reach strings (see `ResolvedOp`).
        ResolvedOp::Co | ResolvedOp::Sw | ResolvedOp::Ew => false,
    }
}

/// Whether a value counts for `pr`; see the module documentation.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Object(members) => members.values().any(is_present_shallow),
        other => is_present_shallow(other),
    }
}

fn is_present_shallow(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Where the paths of a filter are looked up: the whole resource, or one element of a value
/// path's attribute.
#[derive(Clone, Copy)]
enum Scope<'v> {
    Resource(&'v Map<String, Value>),
    Element(&'v Map<String, Value>),
}

impl<'v> Scope<'v> {
    /// The values of `path` (steps 1 to 4 of the module documentation).
    fn values(self, path: &'v ResolvedPath) -> Box<dyn Iterator<Item = &'v Value> + 'v> {
        let values: Box<dyn Iterator<Item = &'v Value> + 'v> = match (self, &path.sub_attribute) {
            (Scope::Resource(body), None) => Box::new(elements(body, path)),
            (Scope::Resource(body), Some(sub)) => Box::new(
                elements(body, path)
                    .filter_map(move |element| sub_attribute_values(element, sub, path))
                    .flatten(),
            ),
            (Scope::Element(element), Some(sub)) => {
                Box::new(element_values(element, sub, path).into_iter().flatten())
            }
            // Resolution gives every path inside a value path a sub-attribute.
            (Scope::Element(_), None) => Box::new(std::iter::empty()),
        };
        Box::new(values.filter(|value| !value.is_null()))
    }
}

/// The elements of the path's top-level attribute (steps 1 and 2).
fn elements<'v>(
    body: &'v Map<String, Value>,
    path: &ResolvedPath,
) -> impl Iterator<Item = &'v Value> + 'v {
    let container = match &path.extension {
        Some(urn) => body.get(urn).and_then(Value::as_object),
        None => Some(body),
    };
    let value = container.and_then(|c| c.get(&path.attribute));
    let (items, single): (&'v [Value], Option<&'v Value>) = match value {
        Some(Value::Array(items)) if path.multi_valued => (items.as_slice(), None),
        Some(_) if path.multi_valued => (&[], None),
        single => (&[], single),
    };
    items.iter().chain(single)
}

fn sub_attribute_values<'v>(
    element: &'v Value,
    sub: &str,
    path: &ResolvedPath,
) -> Option<std::slice::Iter<'v, Value>> {
    element_values(element.as_object()?, sub, path)
}

/// The values of one sub-attribute in one element (step 3), as a slice iterator so that a
/// single value and an array flatten alike.
fn element_values<'v>(
    element: &'v Map<String, Value>,
    sub: &str,
    path: &ResolvedPath,
) -> Option<std::slice::Iter<'v, Value>> {
    let value = element.get(sub)?;
    match value {
        Value::Array(items) if path.sub_attribute_multi_valued => Some(items.iter()),
        _ if path.sub_attribute_multi_valued => None,
        single => Some(std::slice::from_ref(single).iter()),
    }
}

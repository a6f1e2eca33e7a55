//! What every row a filter matches must contain: facts an index or a cheap test can check
//! before the exact condition runs.
//!
//! The exact SQL of a filter (see [`super::filter`]) walks the JSON of every candidate row. For
//! the comparisons that pin a value, a weaker condition can rule most rows out first:
//!
//! - PostgreSQL: `data_ci @> <document>`, which a GIN index (`jsonb_path_ops`) answers. The
//!   document holds each `eq` of a string, dateTime or boolean, where the filter puts it.
//! - SQLite: `instr(data_ci, <text>) > 0` for each string an `eq`, `co`, `sw` or `ew` names, as
//!   it is spelled inside the stored JSON text: no JSON is parsed for a row that lacks it.
//!   SQLite cannot index inside JSON arrays, so the values of multi-valued attributes (the
//!   items, or their `value` sub-attribute) are copied into `resource_values` (see the SQLite
//!   migration that creates it); an `eq` on one names the rows to read through that table's
//!   index instead of a scan.
//!
//! Both are only ever added, `AND`ed in front of the exact condition, never used instead of
//! it. They are taken from comparisons that every match must satisfy (the operands of a
//! top-level `and`, and of the `and` inside a value path), never from under `or` or `not`, so a
//! row the exact condition matches always passes them: results cannot change, only the number
//! of rows the exact condition has to look at.

use scim_core::filter::{
    ComparisonValue, ResolvedCompare, ResolvedFilter, ResolvedOp, ResolvedPath, ResolvedValuePath,
};
use serde_json::{Map, Value};

use super::filter::{ResourceKind, date_time_key, in_document, is_key};

/// At most this many `instr` tests are added: each costs a scan of the row's text.
const MAX_NEEDLES: usize = 4;

/// The facts a filter implies about the `data_ci` of every row it matches.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Implied {
    /// A document every match's `data_ci` contains (`@>`); `None` when nothing is known.
    pub(crate) contained: Option<Value>,
    /// Texts every match's `data_ci`, as serialised JSON, contains.
    pub(crate) needles: Vec<String>,
    /// A row of `resource_values` every match has; `None` when no such value is pinned.
    pub(crate) indexed: Option<IndexedValue>,
}

/// A string in a multi-valued attribute, as `resource_values` holds it.
#[derive(Debug, PartialEq)]
pub(crate) struct IndexedValue {
    /// The keys from the document's root to the value, joined by `.`, as the table's triggers
    /// spell them: `emails.value`, `<extension>.<attribute>`, `<extension>.<attribute>.value`.
    pub(crate) attribute: String,
    /// The string as `data_ci` holds it.
    pub(crate) value: String,
}

/// The facts `filter` implies for rows of `target`.
pub(crate) fn implied(filter: &ResolvedFilter, target: ResourceKind) -> Implied {
    let mut implied = Implied::default();
    let mut document = Map::new();
    let mut indexed = Vec::new();
    for operand in conjuncts(filter) {
        match operand {
            ResolvedFilter::Compare(compare) if in_document(target, compare.path()) => {
                if let Some(value) = pinned(compare) {
                    let path = compare.path();
                    let leaf = wrap_sub(path, value);
                    merge(&mut document, attribute_fact(path, leaf));
                }
                implied.needles.extend(needle(compare));
                indexed.extend(indexed_value(compare));
            }
            ResolvedFilter::ValuePath(value_path)
                if in_document(target, value_path.attribute()) =>
            {
                element_facts(
                    value_path,
                    &mut document,
                    &mut implied.needles,
                    &mut indexed,
                );
            }
            ResolvedFilter::Or(junction) => {
                implied
                    .needles
                    .extend(common_needles(junction.operands(), target));
            }
            _ => {}
        }
    }
    implied.indexed = most_selective(indexed);
    // The longest texts first: they rule out the most rows.
    implied
        .needles
        .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    implied.needles.dedup();
    implied.needles.truncate(MAX_NEEDLES);
    if !document.is_empty() {
        implied.contained = Some(Value::Object(document));
    }
    implied
}

/// Whether `filter` pins a key column in every match: an `eq` on `id`, `externalId` or the
/// case-folded name (see [`super::filter::is_key`]), alone or among the operands of a
/// top-level `and`. The key's index lists every candidate row of such a query.
pub(crate) fn pins_key(filter: &ResolvedFilter, target: ResourceKind) -> bool {
    conjuncts(filter).into_iter().any(|operand| {
        matches!(operand, ResolvedFilter::Compare(compare)
            if compare.op() == ResolvedOp::Eq
                && matches!(compare.value(), ComparisonValue::String(_))
                && is_key(target, compare.path()))
    })
}

/// The texts every operand of an `or` implies: whichever operand a row matches, its `data_ci`
/// holds them. A search of one text in several attributes (`userName co "x" or displayName co
/// "x"`) implies that text. Recursion follows the filter's nesting, which the parser bounds.
fn common_needles(operands: &[ResolvedFilter], target: ResourceKind) -> Vec<String> {
    let mut sets = operands.iter().map(|operand| needles_of(operand, target));
    let Some(mut common) = sets.next() else {
        return Vec::new();
    };
    for needles in sets {
        common.retain(|needle| needles.contains(needle));
    }
    common
}

/// The texts every row `filter` matches holds in its `data_ci`.
fn needles_of(filter: &ResolvedFilter, target: ResourceKind) -> Vec<String> {
    match filter {
        ResolvedFilter::Compare(compare) if in_data_ci(target, compare.path()) => {
            needle(compare).into_iter().collect()
        }
        ResolvedFilter::And(junction) => junction
            .operands()
            .iter()
            .flat_map(|operand| needles_of(operand, target))
            .collect(),
        ResolvedFilter::Or(junction) => common_needles(junction.operands(), target),
        ResolvedFilter::ValuePath(_) => implied(filter, target).needles,
        _ => Vec::new(),
    }
}

/// Whether `data_ci` holds the attribute: the attributes the filter reads from the document,
/// and the names the store also keeps in a column (a User's `userName`, a Group's
/// `displayName`), which the document holds folded as the column does.
fn in_data_ci(target: ResourceKind, path: &scim_core::filter::ResolvedPath) -> bool {
    let name_column = path.extension().is_none()
        && path.sub_attribute().is_none()
        && !path.is_case_exact()
        && matches!(
            (target, path.attribute()),
            (ResourceKind::User, "userName") | (ResourceKind::Group, "displayName")
        );
    name_column || in_document(target, path)
}

/// The operands every match satisfies: those of an `and` (nested `and`s included), or the
/// filter itself.
fn conjuncts(filter: &ResolvedFilter) -> Vec<&ResolvedFilter> {
    // An explicit stack: `and`s may nest as deep as the parser allows.
    let mut pending = vec![filter];
    let mut operands = Vec::new();
    while let Some(next) = pending.pop() {
        match next {
            ResolvedFilter::And(junction) => pending.extend(junction.operands().iter().rev()),
            other => operands.push(other),
        }
    }
    operands
}

/// The facts of a value path: one element of the attribute holds every pinned sub-attribute;
/// its needles; and the values `resource_values` could find it by.
fn element_facts(
    value_path: &ResolvedValuePath,
    document: &mut Map<String, Value>,
    needles: &mut Vec<String>,
    indexed: &mut Vec<IndexedValue>,
) {
    let attribute = value_path.attribute();
    if attribute.extension().is_none() && attribute.attribute() == "meta" {
        // `meta` lives in columns.
        return;
    }
    let mut element = Map::new();
    for operand in conjuncts(value_path.filter()) {
        let ResolvedFilter::Compare(compare) = operand else {
            continue;
        };
        if let (Some(value), Some(_)) = (pinned(compare), compare.path().sub_attribute())
            && let Value::Object(fact) = wrap_sub(compare.path(), value)
        {
            merge(&mut element, fact);
        }
        needles.extend(needle(compare));
        indexed.extend(indexed_value(compare));
    }
    if element.is_empty() {
        return;
    }
    let element = Value::Object(element);
    let value = if attribute.is_multi_valued() {
        Value::Array(vec![element])
    } else {
        element
    };
    merge(document, top_level(attribute, value));
}

/// The JSON value an `eq` pins, as `data_ci` holds it: a string (folded already when the
/// attribute is case-insensitive), a dateTime in its stored form, or a boolean.
fn pinned(compare: &ResolvedCompare) -> Option<Value> {
    if compare.op() != ResolvedOp::Eq {
        return None;
    }
    match compare.value() {
        // No stored string holds U+0000 (writes refuse it), and PostgreSQL cannot even take it
        // inside a jsonb: such a comparison is false anyway, and implies nothing useful.
        ComparisonValue::String(text) if text.contains('\0') => None,
        ComparisonValue::String(text) => Some(Value::String(text.clone())),
        ComparisonValue::DateTime(at) => Some(Value::String(date_time_key(at))),
        ComparisonValue::Boolean(value) => Some(Value::Bool(*value)),
        // Numbers compare by value in SQL; containment's notion of equal numbers is not needed.
        ComparisonValue::Integer(_) | ComparisonValue::Decimal(_) => None,
    }
}

/// The text a string comparison needs in the serialised `data_ci`: the string as serde_json
/// escapes it, followed by its closing quote when the operator fixes the end (`eq`, `ew`).
///
/// Not the opening quote, though `eq` and `sw` fix the start too: SQLite's `instr` compares in
/// full wherever the first character of the needle occurs, and `"` starts every key and string
/// of a JSON document, while the value's own first character is rarely that common.
fn needle(compare: &ResolvedCompare) -> Option<String> {
    let text = match compare.value() {
        ComparisonValue::String(text) => text.clone(),
        ComparisonValue::DateTime(at) => date_time_key(at),
        _ => return None,
    };
    if text.is_empty() || text.contains('\0') {
        return None;
    }
    // Escaping is character by character, so the escaped form of a substring is a substring
    // of the escaped form.
    let quoted = Value::String(text).to_string();
    let inner = quoted.get(1..quoted.len() - 1)?;
    match compare.op() {
        ResolvedOp::Eq | ResolvedOp::Ew => Some(format!("{inner}\"")),
        ResolvedOp::Co | ResolvedOp::Sw => Some(inner.to_owned()),
        ResolvedOp::Gt | ResolvedOp::Ge | ResolvedOp::Lt | ResolvedOp::Le => None,
    }
}

/// The `resource_values` row an `eq` on a value of a multi-valued attribute pins: the
/// triggers copy the string items of the arrays at the top level of `data_ci` and in its
/// extensions, and the string `value` of their object items; not `schemas`.
///
/// Inside a value path, the compared path names the value path's attribute with its
/// sub-attribute, so the same test serves both places.
fn indexed_value(compare: &ResolvedCompare) -> Option<IndexedValue> {
    let path = compare.path();
    let value = match (compare.op(), compare.value()) {
        (_, ComparisonValue::String(text)) if text.contains('\0') => return None,
        (ResolvedOp::Eq, ComparisonValue::String(text)) => text.clone(),
        (ResolvedOp::Eq, ComparisonValue::DateTime(at)) => date_time_key(at),
        _ => return None,
    };
    let schemas = path.extension().is_none() && path.attribute() == "schemas";
    let element_value = matches!(path.sub_attribute(), None | Some("value"));
    if !path.is_multi_valued() || schemas || !element_value || path.is_sub_attribute_multi_valued()
    {
        return None;
    }
    let keys: Vec<&str> = path
        .extension()
        .into_iter()
        .chain([path.attribute()])
        .chain(path.sub_attribute())
        .collect();
    Some(IndexedValue {
        attribute: keys.join("."),
        value,
    })
}

/// The one value worth looking up: a lookup reads a row per row it names, and a second one
/// would be read in full before either narrows the scan. Without statistics, a guess: the
/// longest string, the first written on a tie.
fn most_selective(candidates: Vec<IndexedValue>) -> Option<IndexedValue> {
    candidates.into_iter().reduce(|best, next| {
        if next.value.len() > best.value.len() {
            next
        } else {
            best
        }
    })
}

/// `{sub: value}` (or `{sub: [value]}`) for a path with a sub-attribute, else `value`.
fn wrap_sub(path: &ResolvedPath, value: Value) -> Value {
    match path.sub_attribute() {
        Some(sub) => {
            let value = if path.is_sub_attribute_multi_valued() {
                Value::Array(vec![value])
            } else {
                value
            };
            Value::Object(Map::from_iter([(sub.to_owned(), value)]))
        }
        None => value,
    }
}

/// The document holding `leaf` (the value, or the element) at `path`'s top-level attribute.
fn attribute_fact(path: &ResolvedPath, leaf: Value) -> Map<String, Value> {
    let value = if path.is_multi_valued() {
        Value::Array(vec![leaf])
    } else {
        leaf
    };
    top_level(path, value)
}

/// `{attribute: value}`, inside `{extension: ...}` for an extension attribute.
fn top_level(path: &ResolvedPath, value: Value) -> Map<String, Value> {
    let attribute = Map::from_iter([(path.attribute().to_owned(), value)]);
    match path.extension() {
        Some(extension) => Map::from_iter([(extension.to_owned(), Value::Object(attribute))]),
        None => attribute,
    }
}

/// Adds `fact` to `into`: objects merge key by key, arrays append (each element must be
/// contained in some element), and of two different scalars the first stays (a document
/// cannot hold both; keeping either is still implied).
fn merge(into: &mut Map<String, Value>, fact: Map<String, Value>) {
    // Facts are at most three objects deep (extension, attribute, sub-attribute), which bounds
    // the recursion.
    for (key, value) in fact {
        match (into.get_mut(&key), value) {
            (None, value) => {
                into.insert(key, value);
            }
            (Some(Value::Object(existing)), Value::Object(more)) => merge(existing, more),
            (Some(Value::Array(existing)), Value::Array(more)) => existing.extend(more),
            (Some(_), _) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::filter::{parse_filter, resolve};
    use scim_core::schema::SchemaRegistry;
    use serde_json::json;

    fn facts(resource_type: &str, text: &str) -> Implied {
        let registry = SchemaRegistry::standard();
        let parsed = parse_filter(text).unwrap();
        let resource = registry.resource_type(resource_type).unwrap();
        implied(
            &resolve(&parsed, &registry, resource).unwrap(),
            ResourceKind::of(resource_type),
        )
    }

    #[test]
    fn conjunctions_pin_values_where_the_document_holds_them() {
        let implied = facts(
            "User",
            r#"userType eq "Employee" and emails[type eq "work" and value co "@Example.com"] and active eq true"#,
        );
        assert_eq!(
            implied.contained,
            Some(json!({
                "userType": "employee",
                "emails": [{"type": "work"}],
                "active": true
            }))
        );
        assert_eq!(implied.needles, ["@example.com", "employee\"", "work\""]);
    }

    #[test]
    fn extensions_and_separate_elements_are_kept_apart() {
        let implied = facts(
            "User",
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D" and emails.type eq "work" and emails.value sw "bob""#,
        );
        assert_eq!(
            implied.contained,
            Some(json!({
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "r&d"},
                "emails": [{"type": "work"}]
            }))
        );
        assert!(implied.needles.contains(&"bob".to_owned()));
    }

    #[test]
    fn nothing_is_implied_under_or_not_or_by_columns() {
        for text in [
            r#"userType eq "a" or title eq "b""#,
            r#"not (userType eq "a")"#,
            r#"userType ne "a""#,
            r#"userName eq "bjensen""#,
            r#"externalId eq "x" and meta.lastModified gt "2020-01-01T00:00:00Z""#,
            r#"userType gt "a""#,
            r#"title pr"#,
        ] {
            assert_eq!(facts("User", text), Implied::default(), "{text}");
        }
        assert_eq!(
            facts("Group", r#"members[value eq "x"] and displayName eq "y""#),
            Implied::default()
        );
    }

    fn indexed(attribute: &str, value: &str) -> Option<IndexedValue> {
        Some(IndexedValue {
            attribute: attribute.to_owned(),
            value: value.to_owned(),
        })
    }

    #[test]
    fn an_eq_on_a_multi_valued_value_is_looked_up_as_data_ci_holds_it() {
        for (text, expected) in [
            (
                r#"emails[type eq "Work" and value eq "BJ@Example.com"]"#,
                indexed("emails.value", "bj@example.com"),
            ),
            (
                r#"emails.value eq "BJ@Example.com""#,
                indexed("emails.value", "bj@example.com"),
            ),
            (
                r#"title pr and phoneNumbers[value eq "+1 555" and type eq "work"]"#,
                indexed("phoneNumbers.value", "+1 555"),
            ),
            // caseExact: as written.
            (
                r#"x509Certificates.value eq "TWFu""#,
                indexed("x509Certificates.value", "TWFu"),
            ),
            // The longer string.
            (
                r#"emails.value eq "a@b" and ims.value eq "a@b.c""#,
                indexed("ims.value", "a@b.c"),
            ),
        ] {
            assert_eq!(facts("User", text).indexed, expected, "{text}");
        }
    }

    #[test]
    fn only_values_every_match_holds_in_an_array_are_looked_up() {
        for text in [
            r#"emails.value eq "a" or title pr"#,
            r#"not (emails.value eq "a")"#,
            r#"emails[value eq "a" or type eq "b"]"#,
            r#"emails.value co "a""#,
            r#"emails.value eq "a\u0000""#,
            r#"emails[type eq "work"]"#,
            r#"emails[primary eq true]"#,
            r#"name.givenName eq "a""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:User""#,
            r#"groups.value eq "a""#,
        ] {
            assert_eq!(facts("User", text).indexed, None, "{text}");
        }
        assert_eq!(facts("Group", r#"members.value eq "a""#).indexed, None);
    }

    #[test]
    fn a_nul_pins_nothing() {
        assert_eq!(facts("User", r#"title eq "a\u0000""#), Implied::default());
    }

    #[test]
    fn an_or_implies_the_texts_all_its_operands_imply() {
        let implied = facts(
            "User",
            r#"userName co "Ada" or displayName co "ada" or emails.value co "ADA""#,
        );
        assert_eq!(
            implied.needles,
            ["ada"],
            "each operand needs the folded text"
        );
        let differ = facts("User", r#"userName co "ada" or displayName co "grace""#);
        assert!(differ.needles.is_empty());
        let column = facts("User", r#"userName co "ada" or id eq "ada""#);
        assert!(column.needles.is_empty(), "id is not in the document");
        let nested = facts(
            "User",
            r#"active eq true and (title sw "dr" or nickName co "dr")"#,
        );
        assert_eq!(nested.needles, ["dr"]);
    }

    #[test]
    fn needles_are_spelled_as_serde_json_writes_strings() {
        let implied = facts("User", r#"title eq "a\"b\\c""#);
        assert_eq!(implied.needles, [r#"a\"b\\c""#]);
        let stored = json!({"title": "a\"b\\c"}).to_string();
        assert!(stored.contains(&implied.needles[0]));
    }
}

//! One attribute's value brought into canonical form: types checked, identity-provider quirks
//! coerced, unassigned parts dropped, sub-attribute names spelled as the schema spells them.
//!
//! Recursion here follows the schema, not the input: a complex attribute's sub-attributes are
//! simple (RFC 7643 §2.3.8, checked when a schema is built), so no value is descended into more
//! than two levels deep whatever the client sends.

use std::fmt;

use serde_json::{Map, Number, Value};

use super::error::{JsonType, ValidationError, ValidationErrorKind as Kind};
use super::{UnknownAttributes, WriteOnlyValues};
use crate::schema::{Attribute, AttributeType, Mutability};

/// Where a value sits, for error messages: `[urn:]name[.sub]`, built without allocating.
#[derive(Clone, Copy)]
pub(crate) struct Label<'a> {
    pub(crate) extension: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) sub: Option<&'a str>,
}

impl<'a> Label<'a> {
    pub(crate) fn top(extension: Option<&'a str>, name: &'a str) -> Self {
        Self {
            extension,
            name,
            sub: None,
        }
    }

    pub(crate) fn sub(self, sub: &'a str) -> Self {
        Self {
            sub: Some(sub),
            ..self
        }
    }

    pub(crate) fn error(self, kind: Kind) -> ValidationError {
        ValidationError::new(kind, self.to_string())
    }
}

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = self.extension {
            write!(f, "{urn}:")?;
        }
        f.write_str(self.name)?;
        if let Some(sub) = self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Walks values of client input, collecting `writeOnly` values on the side.
pub(crate) struct Normalizer {
    unknown: UnknownAttributes,
    pub(crate) write_only: WriteOnlyValues,
}

impl Normalizer {
    pub(crate) fn new(unknown: UnknownAttributes) -> Self {
        Self {
            unknown,
            write_only: WriteOnlyValues::default(),
        }
    }

    /// The canonical value of a whole attribute (the array, for a multi-valued one), or `None`
    /// when the input leaves it unassigned (`null`, `[]`, an object with nothing assigned).
    ///
    /// A single value sent for a multi-valued attribute is taken as a one-element array.
    pub(crate) fn attribute(
        &mut self,
        attr: &Attribute,
        label: Label<'_>,
        value: &Value,
    ) -> Result<Option<Value>, ValidationError> {
        if !attr.is_multi_valued() {
            if let Value::Array(_) = value {
                return Err(label.error(Kind::NotMultiValued));
            }
            return self.element(attr, label, value);
        }
        let elements = match value {
            Value::Null => return Ok(None),
            Value::Array(elements) => self.elements(attr, label, elements)?,
            single => self.elements(attr, label, std::slice::from_ref(single))?,
        };
        Ok((!elements.is_empty()).then_some(Value::Array(elements)))
    }

    /// The canonical elements of a multi-valued attribute; unassigned elements are dropped and
    /// `primary` is left `true` on the first element claiming it only.
    pub(crate) fn elements(
        &mut self,
        attr: &Attribute,
        label: Label<'_>,
        elements: &[Value],
    ) -> Result<Vec<Value>, ValidationError> {
        let mut out = Vec::with_capacity(elements.len());
        for element in elements {
            if let Value::Array(_) = element {
                return Err(label.error(Kind::WrongType {
                    expected: attr.kind(),
                    found: JsonType::Array,
                }));
            }
            if let Some(element) = self.element(attr, label, element)? {
                out.push(element);
            }
        }
        keep_one_primary(&mut out, 0);
        Ok(out)
    }

    /// The canonical form of one value: the value of a single-valued attribute or one element of
    /// a multi-valued one.
    pub(crate) fn element(
        &mut self,
        attr: &Attribute,
        label: Label<'_>,
        value: &Value,
    ) -> Result<Option<Value>, ValidationError> {
        if value.is_null() {
            return Ok(None);
        }
        if attr.kind() != AttributeType::Complex {
            return scalar(attr.kind(), value)
                .map(Some)
                .map_err(|kind| label.error(kind));
        }
        match value {
            Value::Object(object) => self.complex(attr, label, object),
            // Entra sends the manager as a bare id: a scalar stands for the `value`
            // sub-attribute of a complex attribute that has one.
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                match attr.sub_attribute("value") {
                    Some(sub) => {
                        let mut object = Map::new();
                        object.insert(sub.name().to_owned(), value.clone());
                        self.complex(attr, label, &object)
                    }
                    None => Err(label.error(Kind::WrongType {
                        expected: AttributeType::Complex,
                        found: JsonType::of(value),
                    })),
                }
            }
            Value::Null | Value::Array(_) => Err(label.error(Kind::WrongType {
                expected: AttributeType::Complex,
                found: JsonType::of(value),
            })),
        }
    }

    fn complex(
        &mut self,
        attr: &Attribute,
        label: Label<'_>,
        object: &Map<String, Value>,
    ) -> Result<Option<Value>, ValidationError> {
        let mut out = Map::new();
        for (key, value) in object {
            let Some(sub) = attr.sub_attribute(key) else {
                match self.unknown {
                    UnknownAttributes::Ignore => continue,
                    UnknownAttributes::Reject => return Err(label.sub(key).error(Kind::Unknown)),
                }
            };
            let sub_label = label.sub(sub.name());
            if out.contains_key(sub.name()) {
                return Err(sub_label.error(Kind::Duplicate));
            }
            match sub.mutability_kind() {
                // RFC 7644 §3.3 and §3.5.1: read-only values in a request are ignored.
                Mutability::ReadOnly => continue,
                Mutability::WriteOnly => {
                    if let Some(value) = self.attribute(sub, sub_label, value)? {
                        self.write_only.set(sub_label.to_string(), value);
                    }
                    continue;
                }
                Mutability::ReadWrite | Mutability::Immutable => {}
            }
            if let Some(value) = self.attribute(sub, sub_label, value)? {
                out.insert(sub.name().to_owned(), value);
            }
        }
        // Entra clears the manager with `{"value": ""}`: an empty id identifies nothing, so the
        // `value` of a single-valued complex attribute is unassigned when empty.
        if !attr.is_multi_valued()
            && out
                .get("value")
                .and_then(Value::as_str)
                .is_some_and(str::is_empty)
        {
            out.shift_remove("value");
        }
        Ok((!out.is_empty()).then(|| Value::Object(order_sub_attributes(attr, out))))
    }
}

/// A simple value checked against its type, with booleans sent as strings coerced.
pub(crate) fn scalar(kind: AttributeType, value: &Value) -> Result<Value, Kind> {
    let wrong = || Kind::WrongType {
        expected: kind,
        found: JsonType::of(value),
    };
    match (kind, value) {
        (AttributeType::String | AttributeType::Reference, Value::String(_))
        | (AttributeType::Boolean, Value::Bool(_))
        | (AttributeType::Decimal, Value::Number(_)) => Ok(value.clone()),
        // Entra sends `"True"` and `"False"`.
        (AttributeType::Boolean, Value::String(s)) => {
            if s.eq_ignore_ascii_case("true") {
                Ok(Value::Bool(true))
            } else if s.eq_ignore_ascii_case("false") {
                Ok(Value::Bool(false))
            } else {
                Err(wrong())
            }
        }
        (AttributeType::Integer, Value::Number(n)) => integer(n).map(Value::Number),
        (AttributeType::DateTime, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|_| value.clone())
            .map_err(|_| Kind::InvalidDateTime),
        (AttributeType::Binary, Value::String(s)) => {
            if is_base64(s) {
                Ok(value.clone())
            } else {
                Err(Kind::InvalidBinary)
            }
        }
        _ => Err(wrong()),
    }
}

/// An integer that fits in an `i64`; `5.0` is taken as `5`.
fn integer(n: &Number) -> Result<Number, Kind> {
    if let Some(i) = n.as_i64() {
        return Ok(Number::from(i));
    }
    if n.as_u64().is_some() {
        return Err(Kind::IntegerOutOfRange);
    }
    let not_integer = Kind::WrongType {
        expected: AttributeType::Integer,
        found: JsonType::Number,
    };
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 => {
            // The bounds are exact powers of two, so the comparisons are exact.
            if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
                // In range and integral, so the conversion is exact.
                Ok(Number::from(f as i64))
            } else {
                Err(Kind::IntegerOutOfRange)
            }
        }
        _ => Err(not_integer),
    }
}

/// Whether `s` is base64 with the standard alphabet and padding (RFC 4648 §4).
fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let data = bytes
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    bytes.len() - data <= 2
        && bytes
            .iter()
            .take(data)
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Sub-attributes in the order the schema lists them; anything unknown (never produced here)
/// keeps its place at the end.
pub(crate) fn order_sub_attributes(
    attr: &Attribute,
    mut object: Map<String, Value>,
) -> Map<String, Value> {
    let mut ordered = Map::with_capacity(object.len());
    for sub in attr.sub_attributes() {
        if let Some(value) = object.shift_remove(sub.name()) {
            ordered.insert(sub.name().to_owned(), value);
        }
    }
    ordered.extend(object);
    ordered
}

/// RFC 7643 §2.4: `primary` is `true` on at most one element. The first element from `from` on
/// that claims it keeps it; later claims become `false`. Elements before `from` lose it if any
/// element from `from` on claims it (newly written elements win over existing ones).
pub(crate) fn keep_one_primary(elements: &mut [Value], from: usize) {
    let is_primary = |v: &Value| v.get("primary").and_then(Value::as_bool) == Some(true);
    let winner = elements
        .iter()
        .skip(from)
        .position(is_primary)
        .map(|i| i + from)
        .or_else(|| elements.iter().position(is_primary));
    let Some(winner) = winner else { return };
    for (i, element) in elements.iter_mut().enumerate() {
        if i != winner
            && is_primary(element)
            && let Some(primary) = element.get_mut("primary")
        {
            *primary = Value::Bool(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn booleans_accept_strings_in_any_case() {
        for (input, expected) in [
            (json!(true), true),
            (json!("True"), true),
            (json!("FALSE"), false),
            (json!("false"), false),
        ] {
            assert_eq!(
                scalar(AttributeType::Boolean, &input),
                Ok(Value::Bool(expected))
            );
        }
        assert!(matches!(
            scalar(AttributeType::Boolean, &json!("yes")),
            Err(Kind::WrongType { .. })
        ));
        assert!(matches!(
            scalar(AttributeType::Boolean, &json!(1)),
            Err(Kind::WrongType { .. })
        ));
    }

    #[test]
    fn integers_fit_in_i64() {
        assert_eq!(scalar(AttributeType::Integer, &json!(42)), Ok(json!(42)));
        assert_eq!(scalar(AttributeType::Integer, &json!(-7.0)), Ok(json!(-7)));
        assert_eq!(
            scalar(AttributeType::Integer, &json!(u64::MAX)),
            Err(Kind::IntegerOutOfRange)
        );
        assert_eq!(
            scalar(AttributeType::Integer, &json!(1e300)),
            Err(Kind::IntegerOutOfRange)
        );
        assert!(matches!(
            scalar(AttributeType::Integer, &json!(1.5)),
            Err(Kind::WrongType { .. })
        ));
        assert!(matches!(
            scalar(AttributeType::Integer, &json!("42")),
            Err(Kind::WrongType { .. })
        ));
    }

    #[test]
    fn decimals_accept_any_number() {
        assert_eq!(scalar(AttributeType::Decimal, &json!(1)), Ok(json!(1)));
        assert_eq!(scalar(AttributeType::Decimal, &json!(1.5)), Ok(json!(1.5)));
    }

    #[test]
    fn date_times_follow_rfc3339() {
        assert!(scalar(AttributeType::DateTime, &json!("2008-01-23T04:56:22Z")).is_ok());
        assert!(
            scalar(
                AttributeType::DateTime,
                &json!("2011-05-13T04:42:34.5+02:00")
            )
            .is_ok()
        );
        for bad in ["2008-01-23", "2008-01-23T04:56:22", "yesterday", ""] {
            assert_eq!(
                scalar(AttributeType::DateTime, &json!(bad)),
                Err(Kind::InvalidDateTime),
                "{bad}"
            );
        }
    }

    #[test]
    fn binary_is_padded_base64() {
        for good in ["", "TWFu", "TWE=", "TQ==", "a+/b"] {
            assert!(is_base64(good), "{good}");
        }
        for bad in ["TWF", "T===", "TW=u", "TW E", "TWFu\n", "TQ-_"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    #[test]
    fn one_primary_survives() {
        let mut elements = vec![
            json!({"value": "a", "primary": true}),
            json!({"value": "b", "primary": true}),
            json!({"value": "c"}),
        ];
        keep_one_primary(&mut elements, 0);
        assert_eq!(elements[0]["primary"], json!(true));
        assert_eq!(elements[1]["primary"], json!(false));

        keep_one_primary(&mut elements, 1);
        assert_eq!(
            elements[0]["primary"],
            json!(true),
            "no new claim, no change"
        );
        elements[2] = json!({"value": "c", "primary": true});
        keep_one_primary(&mut elements, 2);
        assert_eq!(elements[0]["primary"], json!(false));
        assert_eq!(elements[2]["primary"], json!(true));
    }
}

//! Reading and writing the typed resources as JSON, by hand.
//!
//! The typed resources do not derive serde: a derive cannot say *which* attribute was wrong
//! (`emails[1].primary`), cannot treat `null` as "unassigned" (RFC 7643 §2.5) everywhere, and
//! cannot keep extension objects while refusing other unknown members. Instead every type
//! implements [`FromJson`] and [`ToJson`], and `serde` goes through them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::error::{Loc, ResourceError};
use super::{Binary, Reference};
use crate::message::ETag;

/// Reads a value of this type out of JSON.
pub(crate) trait FromJson: Sized {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError>;
}

/// Writes this value as canonical JSON.
pub(crate) trait ToJson {
    fn to_json(&self) -> Value;
}

/// Implements `Serialize` and `Deserialize` through [`ToJson`] and [`FromJson`].
macro_rules! serde_via_json {
    ($($ty:ty),+ $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&$crate::resource::json::ToJson::to_json(self), serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                <$ty as $crate::resource::json::FromJson>::from_json(
                    value,
                    &$crate::resource::Loc::Root,
                )
                .map_err(serde::de::Error::custom)
            }
        }
    )+};
}
pub(crate) use serde_via_json;

impl FromJson for String {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        match value {
            Value::String(s) => Ok(s),
            _ => Err(loc.invalid_type("a string")),
        }
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromJson for bool {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        value.as_bool().ok_or_else(|| loc.invalid_type("a boolean"))
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for u64 {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        match value {
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| loc.invalid_value("must be a non-negative integer")),
            _ => Err(loc.invalid_type("an integer")),
        }
    }
}

impl ToJson for u64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for u32 {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        u32::try_from(u64::from_json(value, loc)?).map_err(|_| loc.invalid_value("is too large"))
    }
}

impl ToJson for u32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for Reference {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        Reference::new(String::from_json(value, loc)?).map_err(|e| loc.invalid_value(e))
    }
}

impl ToJson for Reference {
    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

impl FromJson for Binary {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        Binary::new(String::from_json(value, loc)?).map_err(|e| loc.invalid_value(e))
    }
}

impl ToJson for Binary {
    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

impl FromJson for ETag {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        String::from_json(value, loc)?
            .parse()
            .map_err(|e| loc.invalid_value(e))
    }
}

impl ToJson for ETag {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// RFC 7643 §2.3.5 date-times. An offset is required (RFC 3339): a bare local time would have
/// to be guessed into UTC. Output is always UTC with a `Z`, with fractional seconds only when
/// present, which is the form of every RFC example.
impl FromJson for DateTime<Utc> {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let text = String::from_json(value, loc)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                loc.invalid_value(format_args!(
                    "{text:?} is not an RFC 3339 date-time with an offset, such as 2010-01-23T04:56:22Z ({e})"
                ))
            })
    }
}

impl ToJson for DateTime<Utc> {
    fn to_json(&self) -> Value {
        Value::String(self.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// A JSON object being taken apart attribute by attribute.
///
/// `null` and `[]` count as absent (RFC 7643 §2.5: unassigned). Whatever is left at the end is
/// either refused ([`Object::finish`]) or handed back ([`Object::into_rest`]).
pub(crate) struct Object<'l> {
    map: Map<String, Value>,
    loc: &'l Loc<'l>,
}

impl<'l> Object<'l> {
    pub(crate) fn new(value: Value, loc: &'l Loc<'l>) -> Result<Self, ResourceError> {
        match value {
            Value::Object(map) => Ok(Self::from_map(map, loc)),
            _ => Err(loc.invalid_type("an object")),
        }
    }

    pub(crate) fn from_map(map: Map<String, Value>, loc: &'l Loc<'l>) -> Self {
        Self { map, loc }
    }

    /// Removes the member called exactly `name`, treating `null` as absent.
    pub(crate) fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|v| !v.is_null())
    }

    pub(crate) fn optional<T: FromJson>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, ResourceError> {
        match self.take(name) {
            Some(value) => T::from_json(value, &self.loc.field(name)).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn required<T: FromJson>(&mut self, name: &'static str) -> Result<T, ResourceError> {
        self.optional(name)?.ok_or_else(|| ResourceError::Missing {
            path: self.loc.field(name).to_string(),
        })
    }

    /// A multi-valued attribute; `null` elements are unassigned and skipped.
    pub(crate) fn list<T: FromJson>(
        &mut self,
        name: &'static str,
    ) -> Result<Vec<T>, ResourceError> {
        let loc = self.loc.field(name);
        match self.take(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .filter(|(_, item)| !item.is_null())
                .map(|(i, item)| T::from_json(item, &loc.index(i)))
                .collect(),
            Some(_) => Err(loc.invalid_type("an array")),
        }
    }

    /// The members not taken yet.
    pub(crate) fn into_rest(self) -> Map<String, Value> {
        self.map
    }

    /// Fails on the first member not taken, rather than dropping it silently.
    pub(crate) fn finish(self) -> Result<(), ResourceError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(name) => Err(ResourceError::UnknownAttribute {
                path: self.loc.field(name).to_string(),
            }),
        }
    }
}

/// A JSON object being built in canonical form: absent values and empty lists are left out.
pub(crate) struct Writer(Map<String, Value>);

impl Writer {
    pub(crate) fn new() -> Self {
        Self(Map::new())
    }

    pub(crate) fn put(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_owned(), value);
    }

    pub(crate) fn opt<T: ToJson>(&mut self, name: &str, value: Option<&T>) {
        if let Some(value) = value {
            self.put(name, value.to_json());
        }
    }

    /// A multi-valued attribute. RFC 7643 §2.4 allows one `primary: true` per list; as in
    /// validation, the first element claiming it keeps it and later claims become `false`.
    pub(crate) fn list<T: ToJson>(&mut self, name: &str, values: &[T]) {
        if values.is_empty() {
            return;
        }
        let mut primary_seen = false;
        let items = values
            .iter()
            .map(|v| {
                let mut item = v.to_json();
                if let Some(primary) = item.get_mut("primary")
                    && *primary == Value::Bool(true)
                {
                    if primary_seen {
                        *primary = Value::Bool(false);
                    }
                    primary_seen = true;
                }
                item
            })
            .collect();
        self.put(name, Value::Array(items));
    }

    pub(crate) fn finish(self) -> Map<String, Value> {
        self.0
    }

    pub(crate) fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// Whether a top-level member name is a schema URI (an extension object) rather than an
/// attribute: attribute names never contain a `:` (RFC 7643 §2.1 `ATTRNAME`), schema URIs
/// always do.
pub(crate) fn is_schema_uri(name: &str) -> bool {
    name.contains(':')
}

/// Checks an extension object whose schema this crate does not model and brings it into
/// canonical form (no `null`s, no empty arrays or objects), returning `None` if nothing is left.
///
/// The shape is that of any SCIM schema, where complex attributes cannot nest (RFC 7643
/// §2.3.8): an attribute is a simple value, a complex value whose sub-attributes are simple or
/// arrays of simple values, or an array of either. The depth is therefore fixed and the walk
/// below is not recursive, whatever the input.
pub(crate) fn canonical_extension(
    value: Value,
    loc: &Loc<'_>,
) -> Result<Option<Map<String, Value>>, ResourceError> {
    let Value::Object(attributes) = value else {
        return Err(loc.invalid_type("an object (a schema extension)"));
    };
    let mut out = Map::new();
    for (name, value) in attributes {
        let attr_loc = loc.field(&name);
        let value = match value {
            Value::Array(items) => {
                let mut kept = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let item_loc = attr_loc.index(i);
                    match item {
                        Value::Null => {}
                        Value::Array(_) => {
                            return Err(item_loc.invalid_type("a simple or complex value"));
                        }
                        Value::Object(sub) => {
                            if let Some(sub) = canonical_complex(sub, &item_loc)? {
                                kept.push(Value::Object(sub));
                            }
                        }
                        simple => kept.push(simple),
                    }
                }
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
            Value::Object(sub) => canonical_complex(sub, &attr_loc)?.map(Value::Object),
            Value::Null => None,
            simple => Some(simple),
        };
        if let Some(value) = value {
            out.insert(name, value);
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// A complex value's sub-attributes: simple values or arrays of simple values.
fn canonical_complex(
    sub_attributes: Map<String, Value>,
    loc: &Loc<'_>,
) -> Result<Option<Map<String, Value>>, ResourceError> {
    let mut out = Map::new();
    for (name, value) in sub_attributes {
        let sub_loc = loc.field(&name);
        let value = match value {
            Value::Null => None,
            Value::Object(_) => {
                return Err(sub_loc.invalid_type(
                    "a simple value (complex attributes cannot nest, RFC 7643 §2.3.8)",
                ));
            }
            Value::Array(items) => {
                let mut kept = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::Null => {}
                        Value::Array(_) | Value::Object(_) => {
                            return Err(sub_loc.index(i).invalid_type("a simple value"));
                        }
                        simple => kept.push(simple),
                    }
                }
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
            simple => Some(simple),
        };
        if let Some(value) = value {
            out.insert(name, value);
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// Reads the `schemas` member: it must be an array of strings if present. Its content is not
/// trusted; typed resources recompute it from what they hold.
pub(crate) fn read_schemas(object: &mut Object<'_>) -> Result<Vec<String>, ResourceError> {
    object.list::<String>("schemas")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn extensions_are_canonicalised() {
        let value = json!({
            "a": null,
            "b": [],
            "c": [null, 1, {"x": null}, {"y": [null, "z"]}],
            "d": {"e": null},
            "f": "g",
        });
        let out = canonical_extension(value, &Loc::Root).unwrap().unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"c": [1, {"y": ["z"]}], "f": "g"})
        );
        assert_eq!(
            canonical_extension(json!({"a": null}), &Loc::Root).unwrap(),
            None
        );
    }

    #[test]
    fn extensions_deeper_than_a_schema_allows_are_refused() {
        let root = Loc::Root;
        let ext = root.field("urn:x");
        let cases = [
            (json!({"a": {"b": {"c": 1}}}), "urn:x.a.b"),
            (json!({"a": [[1]]}), "urn:x.a[0]"),
            (json!({"a": [{"b": [{"c": 1}]}]}), "urn:x.a[0].b[0]"),
            (json!({"a": {"b": [[1]]}}), "urn:x.a.b[0]"),
        ];
        for (value, path) in cases {
            match canonical_extension(value, &ext) {
                Err(ResourceError::InvalidType { path: p, .. }) => assert_eq!(p, path),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(matches!(
            canonical_extension(json!("text"), &ext),
            Err(ResourceError::InvalidType { .. })
        ));
    }

    #[test]
    fn date_times_need_an_offset_and_print_in_utc() {
        let root = Loc::Root;
        let t = DateTime::<Utc>::from_json(json!("2010-01-23T04:56:22Z"), &root).unwrap();
        assert_eq!(t.to_json(), json!("2010-01-23T04:56:22Z"));
        let shifted =
            DateTime::<Utc>::from_json(json!("2010-01-23T06:56:22.5+02:00"), &root).unwrap();
        assert_eq!(shifted.to_json(), json!("2010-01-23T04:56:22.500Z"));
        assert!(matches!(
            DateTime::<Utc>::from_json(json!("2010-01-23T04:56:22"), &root),
            Err(ResourceError::InvalidValue { .. })
        ));
        assert!(matches!(
            DateTime::<Utc>::from_json(json!(12), &root),
            Err(ResourceError::InvalidType { .. })
        ));
    }
}

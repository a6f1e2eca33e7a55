//! Taking a message object apart member by member, with names compared ignoring case.

use serde_json::{Map, Value};

use super::MessageError;

/// The members of one JSON object of a message, being taken apart.
///
/// Member names ignore case (RFC 7643 §2.1 makes attribute names case-insensitive, and clients
/// send `operations` as well as `Operations`). `null` counts as absent.
pub(crate) struct Members {
    map: Map<String, Value>,
    message: &'static str,
    prefix: String,
}

impl Members {
    /// `value` must be an object; `prefix` is its path in the message (`Operations[2]`), empty
    /// for the body.
    pub(crate) fn new(
        value: Value,
        message: &'static str,
        prefix: String,
    ) -> Result<Self, MessageError> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                message,
                prefix,
            }),
            _ => Err(MessageError::NotAnObject { member: prefix }),
        }
    }

    /// The path of member `name`, for errors.
    pub(crate) fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// Removes the member `name` (ignoring case), treating `null` as absent.
    pub(crate) fn take(&mut self, name: &str) -> Result<Option<Value>, MessageError> {
        let mut keys = self.map.keys().filter(|k| k.eq_ignore_ascii_case(name));
        let Some(key) = keys.next().cloned() else {
            return Ok(None);
        };
        if let Some(second) = keys.next() {
            return Err(MessageError::DuplicateMember {
                member: second.clone(),
            });
        }
        Ok(self.map.remove(&key).filter(|v| !v.is_null()))
    }

    pub(crate) fn required(&mut self, name: &str) -> Result<Value, MessageError> {
        self.take(name)?.ok_or_else(|| MessageError::MissingMember {
            member: self.path(name),
        })
    }

    pub(crate) fn string(&mut self, name: &str) -> Result<Option<String>, MessageError> {
        match self.take(name)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(MessageError::invalid_type(self.path(name), "a string")),
        }
    }

    pub(crate) fn required_string(&mut self, name: &str) -> Result<String, MessageError> {
        match self.required(name)? {
            Value::String(s) => Ok(s),
            _ => Err(MessageError::invalid_type(self.path(name), "a string")),
        }
    }

    /// An integer; `10.0` is taken as `10`, as validation does.
    pub(crate) fn integer(&mut self, name: &str) -> Result<Option<i64>, MessageError> {
        match self.take(name)? {
            None => Ok(None),
            Some(Value::Number(n)) => integer(&n).map(Some).ok_or_else(|| {
                MessageError::invalid_value(self.path(name), "not an integer in range")
            }),
            Some(_) => Err(MessageError::invalid_type(self.path(name), "an integer")),
        }
    }

    pub(crate) fn array(&mut self, name: &str) -> Result<Option<Vec<Value>>, MessageError> {
        match self.take(name)? {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(MessageError::invalid_type(self.path(name), "an array")),
        }
    }

    pub(crate) fn strings(&mut self, name: &str) -> Result<Vec<String>, MessageError> {
        let path = self.path(name);
        self.array(name)?
            .unwrap_or_default()
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(MessageError::invalid_type(
                    path.clone(),
                    "an array of strings",
                )),
            })
            .collect()
    }

    /// The `schemas` member: checked to be an array of strings, its content otherwise ignored
    /// (see the module documentation).
    pub(crate) fn schemas(&mut self) -> Result<(), MessageError> {
        self.strings("schemas").map(drop)
    }

    /// Fails on the first member not taken.
    pub(crate) fn finish(self) -> Result<(), MessageError> {
        match self.map.into_iter().next() {
            None => Ok(()),
            Some((member, _)) => Err(MessageError::UnknownMember {
                message: self.message,
                member,
            }),
        }
    }
}

/// An integer fitting `i64`; an integral float (`10.0`) counts.
fn integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // The bounds are exact powers of two, so the comparisons and the conversion are exact.
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
        .then_some(f as i64)
}

/// Parses `bytes` as JSON, mapping a syntax error to [`MessageError::Json`].
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, MessageError> {
    serde_json::from_slice(bytes).map_err(|e| MessageError::json(&e))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn members(value: Value) -> Members {
        Members::new(value, "Test", String::new()).unwrap()
    }

    #[test]
    fn names_ignore_case_and_duplicates_are_refused() {
        let mut m = members(json!({"OPERATIONS": [], "count": 1}));
        assert_eq!(m.array("Operations").unwrap(), Some(vec![]));
        assert_eq!(m.integer("Count").unwrap(), Some(1));
        m.finish().unwrap();
        let mut twice = members(json!({"count": 1, "Count": 2}));
        assert!(matches!(
            twice.integer("count"),
            Err(MessageError::DuplicateMember { .. })
        ));
    }

    #[test]
    fn integers_accept_integral_floats_only() {
        let mut m = members(json!({"a": 10.0, "b": 1.5, "c": "1", "d": 1e300}));
        assert_eq!(m.integer("a").unwrap(), Some(10));
        assert!(matches!(
            m.integer("b"),
            Err(MessageError::InvalidValue { .. })
        ));
        assert!(matches!(
            m.integer("c"),
            Err(MessageError::InvalidType { .. })
        ));
        assert!(matches!(
            m.integer("d"),
            Err(MessageError::InvalidValue { .. })
        ));
    }

    #[test]
    fn leftovers_and_non_objects_are_reported_with_their_path() {
        let mut m = Members::new(
            json!({"op": "add", "from": "x"}),
            "PatchOp",
            "Operations[1]".into(),
        )
        .unwrap();
        assert_eq!(m.required_string("op").unwrap(), "add");
        assert_eq!(
            m.finish(),
            Err(MessageError::UnknownMember {
                message: "PatchOp",
                member: "from".into()
            })
        );
        assert!(matches!(
            Members::new(json!([]), "PatchOp", "Operations[0]".into()),
            Err(MessageError::NotAnObject { member }) if member == "Operations[0]"
        ));
        let mut m = Members::new(json!({}), "PatchOp", "Operations[0]".into()).unwrap();
        assert_eq!(
            m.required("op"),
            Err(MessageError::MissingMember {
                member: "Operations[0].op".into()
            })
        );
        assert_eq!(
            parse_json(b"{\n  \"a\": }"),
            Err(MessageError::Json { line: 2, column: 8 })
        );
    }
}

//! Values of `writeOnly` attributes (such as `password`), handed back beside the resource.

use std::fmt;

use serde_json::Value;

/// One write to a `writeOnly` attribute.
#[derive(Clone, PartialEq)]
pub struct WriteOnlyValue {
    attribute: String,
    value: Option<Value>,
}

impl WriteOnlyValue {
    /// The attribute as an `attrPath`: `password`, or `urn:...:secret` for an extension.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The value written, or `None` when a PATCH removed it.
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }
}

// Never print secrets, not even in logs of a failed test.
impl fmt::Debug for WriteOnlyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteOnlyValue")
            .field("attribute", &self.attribute)
            .field(
                "value",
                &self
                    .value
                    .as_ref()
                    .map(|_| "<redacted>")
                    .unwrap_or("<removed>"),
            )
            .finish()
    }
}

/// The `writeOnly` values a request carried, in the order they were applied.
///
/// A canonical [`Resource`](crate::resource::Resource) never holds them: RFC 7643 §7 says such
/// attributes are never returned, so the library keeps them out of the resource entirely and hands
/// them to the embedder, who may hash and store a password or ignore it. `Debug` prints the
/// attribute names only.
///
/// ```
/// use scim_core::schema::SchemaRegistry;
/// use scim_core::validate::Validator;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// let body = serde_json::json!({"userName": "bjensen", "password": "t1meMa$heen"});
/// let validated = Validator::new(&registry, users)?.create(&body)?;
/// assert_eq!(validated.write_only.password(), Some("t1meMa$heen"));
/// assert!(validated.resource.as_json().get("password").is_none());
/// # Ok::<(), scim_core::validate::ValidationError>(())
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct WriteOnlyValues {
    values: Vec<WriteOnlyValue>,
}

impl WriteOnlyValues {
    pub(crate) fn set(&mut self, attribute: String, value: Value) {
        self.values.push(WriteOnlyValue {
            attribute,
            value: Some(value),
        });
    }

    pub(crate) fn remove(&mut self, attribute: String) {
        self.values.push(WriteOnlyValue {
            attribute,
            value: None,
        });
    }

    /// Whether no `writeOnly` attribute was written.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every write, in order.
    pub fn iter(&self) -> impl Iterator<Item = &WriteOnlyValue> {
        self.values.iter()
    }

    /// The last write to `attribute` (compared ignoring case): `Some(None)` when it was removed.
    pub fn get(&self, attribute: &str) -> Option<Option<&Value>> {
        self.values
            .iter()
            .rev()
            .find(|v| v.attribute.eq_ignore_ascii_case(attribute))
            .map(WriteOnlyValue::value)
    }

    /// The new core `password`, when one was set as a string.
    pub fn password(&self) -> Option<&str> {
        self.get("password").flatten().and_then(Value::as_str)
    }
}

impl fmt::Debug for WriteOnlyValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.values).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let mut values = WriteOnlyValues::default();
        values.set("password".into(), Value::String("hunter2".into()));
        let printed = format!("{values:?}");
        assert!(printed.contains("password"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn the_last_write_wins() {
        let mut values = WriteOnlyValues::default();
        values.set("password".into(), Value::String("a".into()));
        values.set("PASSWORD".into(), Value::String("b".into()));
        assert_eq!(
            values.get("Password"),
            Some(Some(&Value::String("b".into())))
        );
        assert_eq!(values.password(), Some("b"));
    }
}

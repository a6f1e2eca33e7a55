//! Extension objects of schemas the typed resources do not model.

use serde_json::{Map, Value};

use super::error::{Loc, ResourceError};
use super::json::{canonical_extension, is_schema_uri};

/// Extension data a typed resource carries for schemas it has no type for, keyed by schema
/// URI (a custom `urn:example:...:User` extension, a vendor schema...).
///
/// Each entry is a JSON object of attributes in canonical form, checked to have the shape any
/// SCIM schema allows (complex attributes do not nest). Keeping them here is what makes the
/// conversion between typed and generic resources lossless.
///
/// ```
/// use scim_core::resource::Extensions;
/// use serde_json::json;
///
/// let mut extensions = Extensions::default();
/// let badge = json!({"badgeNumber": 42, "expired": null});
/// extensions.insert("urn:example:badge:2.0:User", badge.as_object().unwrap().clone())?;
/// // `null` means unassigned and is dropped; lookups ignore case, like every URN lookup.
/// assert_eq!(
///     extensions.get("URN:EXAMPLE:BADGE:2.0:USER"),
///     json!({"badgeNumber": 42}).as_object()
/// );
/// assert!(extensions.insert("badge", serde_json::Map::new()).is_err());
/// # Ok::<(), scim_core::resource::ResourceError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extensions(Map<String, Value>);

impl Extensions {
    /// Adds (or replaces) the attributes of the extension `schema`.
    ///
    /// `schema` must be a schema URI (it contains a `:`; attribute names never do). The
    /// attributes are brought into canonical form; if nothing is left, the extension is removed.
    pub fn insert(
        &mut self,
        schema: impl Into<String>,
        attributes: Map<String, Value>,
    ) -> Result<(), ResourceError> {
        let schema = schema.into();
        if !is_schema_uri(&schema) {
            return Err(ResourceError::InvalidValue {
                path: schema,
                reason: "an extension must be keyed by its schema URI".to_owned(),
            });
        }
        self.remove(&schema);
        let loc = Loc::Root;
        if let Some(attributes) =
            canonical_extension(Value::Object(attributes), &loc.field(&schema))?
        {
            self.0.insert(schema, Value::Object(attributes));
        }
        Ok(())
    }

    /// The attributes of the extension `schema`, ignoring case.
    pub fn get(&self, schema: &str) -> Option<&Map<String, Value>> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(schema))
            .and_then(|(_, v)| v.as_object())
    }

    /// Removes the extension `schema` (ignoring case), returning its attributes.
    pub fn remove(&mut self, schema: &str) -> Option<Map<String, Value>> {
        let key = self
            .0
            .keys()
            .find(|k| k.eq_ignore_ascii_case(schema))?
            .clone();
        match self.0.remove(&key) {
            Some(Value::Object(attributes)) => Some(attributes),
            _ => None,
        }
    }

    /// The extensions, as schema URI and attributes, in the order they were read or inserted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Map<String, Value>)> {
        self.0
            .iter()
            .filter_map(|(k, v)| v.as_object().map(|o| (k.as_str(), o)))
    }

    /// How many extensions there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Writes the extensions into `out`, except those named in `skip` (schemas the resource
    /// writes itself), and returns the URIs written.
    pub(crate) fn write_into<'a>(
        &'a self,
        out: &mut Map<String, Value>,
        skip: &[&str],
    ) -> Vec<&'a str> {
        let mut written = Vec::new();
        for (schema, attributes) in &self.0 {
            if skip.iter().any(|s| s.eq_ignore_ascii_case(schema)) {
                continue;
            }
            out.insert(schema.clone(), attributes.clone());
            written.push(schema.as_str());
        }
        written
    }
}

/// Sorts the members left after a resource's core attributes: the object of `modelled` (the
/// extension the resource has a type for, matched ignoring case), the other extension objects,
/// and anything else, which is refused.
pub(crate) fn split_extensions(
    rest: Map<String, Value>,
    loc: &Loc<'_>,
    core: &str,
    modelled: Option<&str>,
) -> Result<(Option<Value>, Extensions), ResourceError> {
    let mut found = None;
    let mut extensions = Extensions::default();
    for (name, value) in rest {
        let member_loc = loc.field(&name);
        if value.is_null() {
            continue;
        }
        if modelled.is_some_and(|m| m.eq_ignore_ascii_case(&name)) {
            if found.is_some() {
                return Err(member_loc.invalid_value("the extension appears twice"));
            }
            found = Some(value);
        } else if is_schema_uri(&name) && !name.eq_ignore_ascii_case(core) {
            if extensions.get(&name).is_some() {
                return Err(member_loc.invalid_value("the extension appears twice"));
            }
            if let Some(attributes) = canonical_extension(value, &member_loc)? {
                extensions.0.insert(name, Value::Object(attributes));
            }
        } else {
            return Err(ResourceError::UnknownAttribute {
                path: member_loc.to_string(),
            });
        }
    }
    Ok((found, extensions))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn split_sorts_modelled_other_and_unknown_members() {
        let rest = map(json!({
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"department": "x"},
            "urn:example:badge": {"n": 1},
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group": null,
        }));
        let (modelled, extensions) = split_extensions(
            rest,
            &Loc::Root,
            crate::schema::urn::USER,
            Some(crate::schema::urn::ENTERPRISE_USER),
        )
        .unwrap();
        assert_eq!(modelled, Some(json!({"department": "x"})));
        assert_eq!(extensions.len(), 1);
        assert_eq!(
            extensions.get("urn:example:badge"),
            Some(&map(json!({"n": 1})))
        );

        let unknown = split_extensions(
            map(json!({"nickname": "x"})),
            &Loc::Root,
            crate::schema::urn::USER,
            None,
        );
        assert_eq!(
            unknown.unwrap_err(),
            ResourceError::UnknownAttribute {
                path: "nickname".into()
            }
        );
        let core_nested = split_extensions(
            map(json!({"urn:ietf:params:scim:schemas:core:2.0:User": {"userName": "x"}})),
            &Loc::Root,
            crate::schema::urn::USER,
            None,
        );
        assert!(matches!(
            core_nested,
            Err(ResourceError::UnknownAttribute { .. })
        ));
    }

    #[test]
    fn the_same_extension_twice_is_refused() {
        let twice = split_extensions(
            map(json!({"urn:a:b": {"x": 1}, "URN:A:B": {"x": 2}})),
            &Loc::Root,
            crate::schema::urn::GROUP,
            None,
        );
        assert!(
            matches!(twice, Err(ResourceError::InvalidValue { path, .. }) if path == "URN:A:B")
        );
    }

    #[test]
    fn insert_replaces_and_removes_empty_extensions() {
        let mut extensions = Extensions::default();
        extensions.insert("urn:a:b", map(json!({"x": 1}))).unwrap();
        extensions.insert("URN:A:B", map(json!({"x": 2}))).unwrap();
        assert_eq!(extensions.len(), 1);
        assert_eq!(extensions.iter().next().unwrap().0, "URN:A:B");
        extensions
            .insert("urn:a:b", map(json!({"x": null})))
            .unwrap();
        assert!(extensions.is_empty());
        assert!(
            extensions
                .insert("urn:a:b", map(json!({"x": {"y": {"z": 1}}})))
                .is_err()
        );
    }
}

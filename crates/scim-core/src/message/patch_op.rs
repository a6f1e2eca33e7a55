//! The `PatchOp` message (RFC 7644 §3.5.2).

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::MessageError;
use super::members::{Members, parse_json};
use crate::patch::{OpKind, Operation};
use crate::schema::urn;

/// One PATCH operation, as sent.
///
/// `op` is read ignoring case (Microsoft Entra ID sends `Add`, `Replace`, `Remove`). `path` is
/// kept as text: the PATCH engine parses it against the resource's schema. `"value": null` reads
/// as no value.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// `op`.
    pub op: OpKind,
    /// `path`, unparsed.
    pub path: Option<String>,
    /// `value`.
    pub value: Option<Value>,
}

impl PatchOperation {
    /// An `add` of `value` at `path` (or, without a path, of the attributes in `value`).
    pub fn add(path: Option<String>, value: Value) -> Self {
        Self {
            op: OpKind::Add,
            path,
            value: Some(value),
        }
    }

    /// A `replace` of `path` (or, without a path, of the attributes in `value`) by `value`.
    pub fn replace(path: Option<String>, value: Value) -> Self {
        Self {
            op: OpKind::Replace,
            path,
            value: Some(value),
        }
    }

    /// A `remove` of `path`.
    pub fn remove(path: impl Into<String>) -> Self {
        Self {
            op: OpKind::Remove,
            path: Some(path.into()),
            value: None,
        }
    }

    /// The operation as [`crate::patch::apply_patch`] takes it.
    pub fn as_operation(&self) -> Operation<'_> {
        Operation {
            op: self.op,
            path: self.path.as_deref(),
            value: self.value.as_ref(),
        }
    }

    fn from_value(value: Value, index: usize) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "PatchOp", format!("Operations[{index}]"))?;
        let op = members.required_string("op")?;
        let op = OpKind::parse(&op).ok_or_else(|| MessageError::UnknownKeyword {
            member: members.path("op"),
            value: op,
        })?;
        let operation = Self {
            op,
            path: members.string("path")?,
            value: members.take("value")?,
        };
        members.finish()?;
        Ok(operation)
    }
}

impl Serialize for PatchOperation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("op", self.op.as_str())?;
        if let Some(path) = &self.path {
            map.serialize_entry("path", path)?;
        }
        if let Some(value) = &self.value {
            map.serialize_entry("value", value)?;
        }
        map.end()
    }
}

/// A PATCH request body: one or more operations, applied in order.
///
/// # Leniency
///
/// - `schemas` may be missing or list something other than the `PatchOp` URN: the endpoint and
///   the HTTP method already say what the body is, and refusing a well-formed `Operations`
///   array over it would only break clients. It must still be an array of strings if present.
/// - Member names ignore case (`operations`, `OP`).
/// - Anything else is refused: an unknown member (a JSON-Patch `from`, say) with
///   `invalidSyntax`, since ignoring it would apply something other than what was asked; an
///   unknown `op` with `invalidSyntax`; an empty `Operations` array with `invalidValue`.
///
/// Whether an operation has what its `op` needs (a `path` for `remove`, a `value` for `add`) is
/// the PATCH engine's to judge, as are the paths.
///
/// ```
/// use scim_core::message::PatchRequest;
/// use scim_core::patch::OpKind;
///
/// // Entra's capitalised member removal.
/// let request = PatchRequest::from_slice(br#"{
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "Remove", "path": "members", "value": [{"value": "2819c223"}]}]
/// }"#)?;
/// assert_eq!(request.operations()[0].op, OpKind::Remove);
/// let for_the_engine: Vec<_> = request.as_operations().collect();
/// assert_eq!(for_the_engine[0].path, Some("members"));
/// # Ok::<(), scim_core::message::MessageError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request of the given operations; there must be at least one (RFC 7644 §3.5.2).
    pub fn new(operations: Vec<PatchOperation>) -> Result<Self, MessageError> {
        if operations.is_empty() {
            return Err(MessageError::invalid_value(
                "Operations",
                "a PATCH request needs at least one operation",
            ));
        }
        Ok(Self { operations })
    }

    /// The operations, in order.
    pub fn operations(&self) -> &[PatchOperation] {
        &self.operations
    }

    /// Consumes the request, returning its operations.
    pub fn into_operations(self) -> Vec<PatchOperation> {
        self.operations
    }

    /// The operations as [`crate::patch::apply_patch`] takes them.
    pub fn as_operations(&self) -> impl Iterator<Item = Operation<'_>> {
        self.operations.iter().map(PatchOperation::as_operation)
    }

    /// Reads a PATCH body (see the type's documentation for what is accepted).
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "PatchOp", String::new())?;
        members.schemas()?;
        let operations = match members.required("Operations")? {
            Value::Array(items) => items,
            _ => return Err(MessageError::invalid_type("Operations", "an array")),
        };
        members.finish()?;
        let operations = operations
            .into_iter()
            .enumerate()
            .map(|(i, op)| PatchOperation::from_value(op, i))
            .collect::<Result<_, _>>()?;
        Self::new(operations)
    }

    /// Reads a PATCH body from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(parse_json(bytes)?)
    }
}

impl Serialize for PatchRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("schemas", &[urn::PATCH_OP])?;
        map.serialize_entry("Operations", &self.operations)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for PatchRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn okta_and_entra_shapes_are_read() {
        let okta = PatchRequest::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": false}}]
        }))
        .unwrap();
        assert_eq!(okta.operations()[0].path, None);
        let entra = PatchRequest::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Add", "path": "members", "value": [{"value": "1", "$ref": null}]},
                {"op": "REPLACE", "path": "active", "value": "False"},
                {"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}
            ]
        }))
        .unwrap();
        let ops: Vec<_> = entra.operations().iter().map(|o| o.op).collect();
        assert_eq!(ops, [OpKind::Add, OpKind::Replace, OpKind::Remove]);
        assert_eq!(entra.operations()[1].value, Some(json!("False")));
    }

    #[test]
    fn schemas_are_lenient_everything_else_strict() {
        let bare = PatchRequest::from_value(json!({"operations": [{"OP": "remove", "path": "x"}]}));
        assert!(bare.is_ok());
        let other = PatchRequest::from_value(
            json!({"schemas": ["urn:x"], "Operations": [{"op": "remove", "path": "x"}]}),
        );
        assert!(other.is_ok());
        let cases = [
            (json!({"schemas": "urn:x", "Operations": []}), "InvalidType"),
            (json!({}), "MissingMember"),
            (json!({"Operations": {}}), "InvalidType"),
            (json!({"Operations": []}), "InvalidValue"),
            (json!({"Operations": [1]}), "NotAnObject"),
            (json!({"Operations": [{"path": "x"}]}), "MissingMember"),
            (json!({"Operations": [{"op": 1}]}), "InvalidType"),
            (json!({"Operations": [{"op": "copy"}]}), "UnknownKeyword"),
            (
                json!({"Operations": [{"op": "add", "path": 3}]}),
                "InvalidType",
            ),
            (
                json!({"Operations": [{"op": "add", "from": "x"}]}),
                "UnknownMember",
            ),
            (json!({"Operations": [], "id": "x"}), "UnknownMember"),
            (json!([]), "NotAnObject"),
        ];
        for (json, kind) in cases {
            let err = PatchRequest::from_value(json.clone()).unwrap_err();
            assert!(format!("{err:?}").starts_with(kind), "{json}: {err:?}");
        }
    }

    #[test]
    fn requests_round_trip() {
        let request = PatchRequest::new(vec![
            PatchOperation::remove(r#"members[value eq "1"]"#),
            PatchOperation::add(Some("members".into()), json!([{"value": "2"}])),
            PatchOperation::replace(None, json!({"active": true})),
        ])
        .unwrap();
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["Operations"][0]["op"], "remove");
        assert_eq!(
            serde_json::from_value::<PatchRequest>(json).unwrap(),
            request
        );
        assert!(PatchRequest::new(vec![]).is_err());
    }
}

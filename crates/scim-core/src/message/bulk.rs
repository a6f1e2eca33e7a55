//! The `BulkRequest` and `BulkResponse` messages (RFC 7644 §3.7).

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::members::{Members, parse_json};
use super::{ETag, MessageError};
use crate::resource::Reference;
use crate::schema::urn;

/// The HTTP method of a bulk operation, read ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkMethod {
    /// `POST`: create.
    Post,
    /// `PUT`: replace.
    Put,
    /// `PATCH`: modify.
    Patch,
    /// `DELETE`: delete.
    Delete,
}

impl BulkMethod {
    /// The method as written (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// The method named `text`, ignoring case.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Post, Self::Put, Self::Patch, Self::Delete]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text))
    }

    fn read(members: &mut Members) -> Result<Self, MessageError> {
        let text = members.required_string("method")?;
        Self::parse(&text).ok_or_else(|| MessageError::UnknownKeyword {
            member: members.path("method"),
            value: text,
        })
    }
}

impl fmt::Display for BulkMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of a bulk request.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperation {
    /// `method`.
    pub method: BulkMethod,
    /// `bulkId`: the client's name for a resource it creates, so that later operations can
    /// refer to it as `bulkId:<id>`. Required for `POST`.
    pub bulk_id: Option<String>,
    /// `version`: the `If-Match` of this operation.
    pub version: Option<ETag>,
    /// `path`: the endpoint (`/Users`) or resource (`/Users/2819c223`) the operation targets.
    pub path: String,
    /// `data`: the body a single `POST`, `PUT` or `PATCH` would carry. Required for those.
    pub data: Option<Value>,
}

impl BulkOperation {
    fn from_value(value: Value, index: usize) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "BulkRequest", format!("Operations[{index}]"))?;
        let method = BulkMethod::read(&mut members)?;
        let bulk_id = members.string("bulkId")?;
        let version = read_version(&mut members)?;
        let path = members.required_string("path")?;
        let data = members.take("data")?;
        if method == BulkMethod::Post && bulk_id.is_none() {
            return Err(MessageError::MissingMember {
                member: members.path("bulkId"),
            });
        }
        if method != BulkMethod::Delete && data.is_none() {
            return Err(MessageError::MissingMember {
                member: members.path("data"),
            });
        }
        members.finish()?;
        Ok(Self {
            method,
            bulk_id,
            version,
            path,
            data,
        })
    }
}

impl Serialize for BulkOperation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("method", self.method.as_str())?;
        if let Some(bulk_id) = &self.bulk_id {
            map.serialize_entry("bulkId", bulk_id)?;
        }
        if let Some(version) = &self.version {
            map.serialize_entry("version", version)?;
        }
        map.serialize_entry("path", &self.path)?;
        if let Some(data) = &self.data {
            map.serialize_entry("data", data)?;
        }
        map.end()
    }
}

fn read_version(members: &mut Members) -> Result<Option<ETag>, MessageError> {
    match members.string("version")? {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e| MessageError::invalid_value(members.path("version"), e)),
    }
}

/// A bulk request: operations on several resources in one HTTP request.
///
/// Member names and methods ignore case; `schemas` is lenient as for
/// [`PatchRequest`](super::PatchRequest). Each operation must have what its method needs (a
/// `bulkId` for `POST`, `data` for all but `DELETE`); unknown members are refused.
///
/// ```
/// use scim_core::message::{BulkMethod, BulkRequest};
///
/// let request = BulkRequest::from_slice(br#"{
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
///     "failOnErrors": 1,
///     "Operations": [
///         {"method": "POST", "path": "/Users", "bulkId": "qwerty",
///          "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Alice"}},
///         {"method": "DELETE", "path": "/Users/b7c14771", "version": "W/\"0ee8add0a938e1a\""}
///     ]
/// }"#)?;
/// assert_eq!(request.fail_on_errors, Some(1));
/// assert_eq!(request.operations[1].method, BulkMethod::Delete);
/// assert_eq!(request.operations[1].version.as_ref().unwrap().tag(), "0ee8add0a938e1a");
/// # Ok::<(), scim_core::message::MessageError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRequest {
    /// `failOnErrors`: how many errors to accept before giving up (at least 1); `None` runs
    /// every operation.
    pub fail_on_errors: Option<u32>,
    /// The operations, in order.
    pub operations: Vec<BulkOperation>,
}

impl BulkRequest {
    /// Reads a bulk request body.
    ///
    /// The service provider's `maxOperations` and `maxPayloadSize` are its own to enforce (the
    /// payload size before parsing, the operation count on [`BulkRequest::operations`]).
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "BulkRequest", String::new())?;
        members.schemas()?;
        let fail_on_errors = match members.integer("failOnErrors")? {
            None => None,
            Some(n) => Some(u32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                MessageError::invalid_value("failOnErrors", "must be a positive integer")
            })?),
        };
        let operations = match members.required("Operations")? {
            Value::Array(items) => items,
            _ => return Err(MessageError::invalid_type("Operations", "an array")),
        };
        members.finish()?;
        let operations = operations
            .into_iter()
            .enumerate()
            .map(|(i, op)| BulkOperation::from_value(op, i))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            fail_on_errors,
            operations,
        })
    }

    /// Reads a bulk request body from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(parse_json(bytes)?)
    }
}

impl Serialize for BulkRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[urn::BULK_REQUEST])?;
        if let Some(n) = self.fail_on_errors {
            map.serialize_entry("failOnErrors", &n)?;
        }
        map.serialize_entry("Operations", &self.operations)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for BulkRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The result of one bulk operation.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperationResponse {
    /// The method of the operation.
    pub method: BulkMethod,
    /// The operation's `bulkId`, if it had one.
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    pub version: Option<ETag>,
    /// The resource's URL (absent when a `POST` failed).
    pub location: Option<Reference>,
    /// The HTTP status of the operation, written as a JSON string (`"201"`) as RFC 7644 §3.7.3
    /// shows; read from a string or a number.
    pub status: u16,
    /// The response body: the resource, or an `Error` message when the operation failed.
    pub response: Option<Value>,
}

impl BulkOperationResponse {
    /// The result of `method` with `status` and nothing else yet.
    pub fn new(method: BulkMethod, status: u16) -> Self {
        Self {
            method,
            bulk_id: None,
            version: None,
            location: None,
            status,
            response: None,
        }
    }

    fn from_value(value: Value, index: usize) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "BulkResponse", format!("Operations[{index}]"))?;
        let method = BulkMethod::read(&mut members)?;
        let status_member = members.path("status");
        let status = read_status(members.required("status")?, &status_member)?;
        let location = match members.string("location")? {
            None => None,
            Some(text) => Some(
                Reference::new(text)
                    .map_err(|e| MessageError::invalid_value(members.path("location"), e))?,
            ),
        };
        Ok(Self {
            method,
            bulk_id: members.string("bulkId")?,
            version: read_version(&mut members)?,
            location,
            status,
            response: members.take("response")?,
        })
    }
}

impl Serialize for BulkOperationResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(location) = &self.location {
            map.serialize_entry("location", location)?;
        }
        map.serialize_entry("method", self.method.as_str())?;
        if let Some(bulk_id) = &self.bulk_id {
            map.serialize_entry("bulkId", bulk_id)?;
        }
        if let Some(version) = &self.version {
            map.serialize_entry("version", version)?;
        }
        map.serialize_entry("status", &self.status.to_string())?;
        if let Some(response) = &self.response {
            map.serialize_entry("response", response)?;
        }
        map.end()
    }
}

/// An HTTP status written as `"404"` or `404`; it must be a three-digit code.
pub(crate) fn read_status(value: Value, member: &str) -> Result<u16, MessageError> {
    let status = match &value {
        Value::String(text) => text.trim().parse::<u16>().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => return Err(MessageError::invalid_type(member, "an HTTP status code")),
    };
    status.filter(|s| (100..=599).contains(s)).ok_or_else(|| {
        MessageError::invalid_value(member, format_args!("{value} is not an HTTP status code"))
    })
}

/// A bulk response: the result of each operation, in order.
///
/// Reading is for clients: unknown members are ignored and `schemas` is not checked.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkResponse {
    /// The results, one per operation run.
    pub operations: Vec<BulkOperationResponse>,
}

impl BulkResponse {
    /// Reads a bulk response body.
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "BulkResponse", String::new())?;
        members.schemas()?;
        let operations = members
            .array("Operations")?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, op)| BulkOperationResponse::from_value(op, i))
            .collect::<Result<_, _>>()?;
        Ok(Self { operations })
    }

    /// Reads a bulk response body from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(parse_json(bytes)?)
    }
}

impl Serialize for BulkResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("schemas", &[urn::BULK_RESPONSE])?;
        map.serialize_entry("Operations", &self.operations)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for BulkResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn operations_need_what_their_method_needs() {
        let read = |op: Value| BulkRequest::from_value(json!({"Operations": [op]}));
        assert_eq!(
            read(json!({"method": "POST", "path": "/Users", "data": {}})).unwrap_err(),
            MessageError::MissingMember {
                member: "Operations[0].bulkId".into()
            }
        );
        assert_eq!(
            read(json!({"method": "put", "path": "/Users/1"})).unwrap_err(),
            MessageError::MissingMember {
                member: "Operations[0].data".into()
            }
        );
        assert!(matches!(
            read(json!({"method": "DELETE"})),
            Err(MessageError::MissingMember { member }) if member == "Operations[0].path"
        ));
        assert!(matches!(
            read(json!({"method": "GET", "path": "/Users"})),
            Err(MessageError::UnknownKeyword { .. })
        ));
        assert!(matches!(
            read(json!({"method": "DELETE", "path": "/Users/1", "version": "abc"})),
            Err(MessageError::InvalidValue { member, .. }) if member == "Operations[0].version"
        ));
        let delete = read(json!({"method": "delete", "path": "/Users/1"})).unwrap();
        assert_eq!(delete.operations[0].method, BulkMethod::Delete);
    }

    #[test]
    fn fail_on_errors_must_be_positive() {
        for bad in [json!(0), json!(-1), json!(1.5), json!(5_000_000_000_u64)] {
            let result = BulkRequest::from_value(json!({"failOnErrors": bad, "Operations": []}));
            assert!(
                matches!(result, Err(MessageError::InvalidValue { ref member, .. }) if member == "failOnErrors"),
                "{bad}: {result:?}"
            );
        }
    }

    #[test]
    fn statuses_are_strings_out_and_either_in() {
        let mut result = BulkOperationResponse::new(BulkMethod::Post, 201);
        result.bulk_id = Some("qwerty".into());
        let json = serde_json::to_value(BulkResponse {
            operations: vec![result.clone()],
        })
        .unwrap();
        assert_eq!(json["Operations"][0]["status"], "201");
        let numeric =
            json!({"Operations": [{"method": "POST", "bulkId": "qwerty", "status": 201}]});
        assert_eq!(
            BulkResponse::from_value(numeric).unwrap().operations,
            [result]
        );
        for bad in [json!("2O1"), json!(42), json!(true)] {
            let body = json!({"Operations": [{"method": "POST", "status": bad}]});
            assert!(BulkResponse::from_value(body).is_err());
        }
    }
}

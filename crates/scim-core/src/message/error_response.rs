//! The `Error` message (RFC 7644 §3.12).

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::MessageError;
use super::bulk::read_status;
use super::members::{Members, parse_json};
use crate::schema::urn;
use crate::{ScimError, ScimType};

/// The body of an error response.
///
/// `status` is written as a JSON string (`"404"`), as RFC 7644 §3.12 shows and identity
/// providers expect; it is read from a string or a number.
///
/// ```
/// use scim_core::message::ErrorResponse;
/// use scim_core::{ScimError, ScimType};
///
/// let err = ScimError::new(ScimType::Uniqueness, "userName \"bjensen\" is already taken");
/// assert_eq!(
///     serde_json::to_value(ErrorResponse::from(&err))?,
///     serde_json::json!({
///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
///         "scimType": "uniqueness",
///         "detail": "userName \"bjensen\" is already taken",
///         "status": "409"
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    status: u16,
    scim_type: Option<ScimType>,
    detail: Option<String>,
}

impl ErrorResponse {
    /// An error body with the given status and nothing else.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            scim_type: None,
            detail: None,
        }
    }

    /// Sets `scimType`.
    #[must_use]
    pub fn with_scim_type(mut self, scim_type: ScimType) -> Self {
        self.scim_type = Some(scim_type);
        self
    }

    /// Sets `detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `scimType`, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The `detail`, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Reads an error body, as a client does. Unknown members are ignored; an unknown
    /// `scimType` keyword is refused, since [`ScimType`] cannot hold it.
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "Error", String::new())?;
        members.schemas()?;
        let status = read_status(members.required("status")?, "status")?;
        let scim_type = match members.string("scimType")? {
            None => None,
            Some(keyword) => Some(
                serde_json::from_value(Value::String(keyword.clone())).map_err(|_| {
                    MessageError::UnknownKeyword {
                        member: "scimType".to_owned(),
                        value: keyword,
                    }
                })?,
            ),
        };
        Ok(Self {
            status,
            scim_type,
            detail: members.string("detail")?,
        })
    }

    /// Reads an error body from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(parse_json(bytes)?)
    }
}

impl From<&ScimError> for ErrorResponse {
    fn from(err: &ScimError) -> Self {
        Self {
            status: err.status(),
            scim_type: err.scim_type(),
            detail: Some(err.detail().to_owned()),
        }
    }
}

impl From<ScimError> for ErrorResponse {
    fn from(err: ScimError) -> Self {
        Self::from(&err)
    }
}

impl Serialize for ErrorResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[urn::ERROR])?;
        if let Some(scim_type) = self.scim_type {
            map.serialize_entry("scimType", scim_type.as_str())?;
        }
        if let Some(detail) = &self.detail {
            map.serialize_entry("detail", detail)?;
        }
        map.serialize_entry("status", &self.status.to_string())?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for ErrorResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn errors_without_scim_type_omit_it() {
        let body = ErrorResponse::from(ScimError::not_found("Resource 2819c223 not found"));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["status"], "404");
        assert!(json.get("scimType").is_none());
        assert_eq!(ErrorResponse::from_value(json).unwrap(), body);
    }

    #[test]
    fn status_reads_from_string_or_number() {
        let numeric =
            ErrorResponse::from_value(json!({"status": 400, "scimType": "invalidFilter"})).unwrap();
        assert_eq!(numeric.status(), 400);
        assert_eq!(numeric.scim_type(), Some(ScimType::InvalidFilter));
        assert_eq!(numeric.detail(), None);
        let cases = [
            (json!({}), "MissingMember"),
            (json!({"status": "not found"}), "InvalidValue"),
            (json!({"status": 4040}), "InvalidValue"),
            (json!({"status": [404]}), "InvalidType"),
            (
                json!({"status": "400", "scimType": "sideways"}),
                "UnknownKeyword",
            ),
            (json!({"status": "400", "detail": 7}), "InvalidType"),
        ];
        for (json, kind) in cases {
            let err = ErrorResponse::from_value(json.clone()).unwrap_err();
            assert!(format!("{err:?}").starts_with(kind), "{json}: {err:?}");
        }
    }
}

//! `ListResponse` (RFC 7644 §3.4.2), with the cursor members of RFC 9865.

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::MessageError;
use super::members::{Members, parse_json};
use crate::schema::urn;

/// A page of query results.
///
/// `totalResults`, `itemsPerPage` and `startIndex` are written as JSON integers, and
/// `Resources` is always written, empty or not (clients such as Okta expect the member).
/// [`ListResponse::new`] sets `itemsPerPage` to the number of resources, as clients expect.
///
/// ```
/// use scim_core::message::ListResponse;
/// use serde_json::json;
///
/// let page = ListResponse::new(vec![json!({"id": "2819c223", "userName": "bjensen"})], 100)
///     .with_start_index(1);
/// assert_eq!(
///     serde_json::to_value(&page)?,
///     json!({
///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
///         "totalResults": 100,
///         "itemsPerPage": 1,
///         "startIndex": 1,
///         "Resources": [{"id": "2819c223", "userName": "bjensen"}]
///     })
/// );
///
/// // Okta's user lookup before a create expects an empty page, not an error.
/// let empty = ListResponse::<serde_json::Value>::new(vec![], 0).with_start_index(1);
/// assert_eq!(serde_json::to_value(&empty)?["Resources"], json!([]));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse<T> {
    total_results: u64,
    items_per_page: Option<u64>,
    start_index: Option<u64>,
    next_cursor: Option<String>,
    previous_cursor: Option<String>,
    resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// A page holding `resources` out of `total_results` matches; `itemsPerPage` is the number of
    /// resources.
    pub fn new(resources: Vec<T>, total_results: u64) -> Self {
        Self {
            total_results,
            items_per_page: Some(resources.len() as u64),
            start_index: None,
            next_cursor: None,
            previous_cursor: None,
            resources,
        }
    }

    /// Sets `startIndex`, the 1-based index of the first resource (index pagination).
    #[must_use]
    pub fn with_start_index(mut self, start_index: u64) -> Self {
        self.start_index = Some(start_index);
        self
    }

    /// Sets `nextCursor`, the cursor of the following page (RFC 9865 cursor pagination).
    #[must_use]
    pub fn with_next_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.next_cursor = Some(cursor.into());
        self
    }

    /// Sets `previousCursor`, the cursor of the preceding page (RFC 9865).
    #[must_use]
    pub fn with_previous_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.previous_cursor = Some(cursor.into());
        self
    }

    /// `totalResults`: how many resources match the query in all.
    pub fn total_results(&self) -> u64 {
        self.total_results
    }

    /// `itemsPerPage`, if given.
    pub fn items_per_page(&self) -> Option<u64> {
        self.items_per_page
    }

    /// `startIndex`, if given.
    pub fn start_index(&self) -> Option<u64> {
        self.start_index
    }

    /// `nextCursor`, if given.
    pub fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }

    /// `previousCursor`, if given.
    pub fn previous_cursor(&self) -> Option<&str> {
        self.previous_cursor.as_deref()
    }

    /// The resources of this page.
    pub fn resources(&self) -> &[T] {
        &self.resources
    }

    /// Consumes the page, returning its resources.
    pub fn into_resources(self) -> Vec<T> {
        self.resources
    }

    /// The same page with every resource transformed (projected, typed...).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ListResponse<U> {
        ListResponse {
            total_results: self.total_results,
            items_per_page: self.items_per_page,
            start_index: self.start_index,
            next_cursor: self.next_cursor,
            previous_cursor: self.previous_cursor,
            resources: self.resources.into_iter().map(f).collect(),
        }
    }
}

impl<T: DeserializeOwned> ListResponse<T> {
    /// Reads a list response, as a client does.
    ///
    /// Unknown members are ignored: this is another service provider's response, not a
    /// request to act on. `Resources` may be absent when there are none (RFC 7644 §3.4.2).
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "ListResponse", String::new())?;
        members.schemas()?;
        let count = |members: &mut Members, name: &str| -> Result<Option<u64>, MessageError> {
            match members.integer(name)? {
                Some(n) => u64::try_from(n)
                    .map(Some)
                    .map_err(|_| MessageError::invalid_value(name, "must not be negative")),
                None => Ok(None),
            }
        };
        let total_results =
            count(&mut members, "totalResults")?.ok_or_else(|| MessageError::MissingMember {
                member: "totalResults".to_owned(),
            })?;
        let items_per_page = count(&mut members, "itemsPerPage")?;
        let start_index = count(&mut members, "startIndex")?;
        let next_cursor = members.string("nextCursor")?;
        let previous_cursor = members.string("previousCursor")?;
        let resources = members
            .array("Resources")?
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                serde_json::from_value(item)
                    .map_err(|e| MessageError::invalid_value(format!("Resources[{i}]"), e))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            total_results,
            items_per_page,
            start_index,
            next_cursor,
            previous_cursor,
            resources,
        })
    }

    /// Reads a list response from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(parse_json(bytes)?)
    }
}

impl<T: Serialize> Serialize for ListResponse<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[urn::LIST_RESPONSE])?;
        map.serialize_entry("totalResults", &self.total_results)?;
        if let Some(n) = self.items_per_page {
            map.serialize_entry("itemsPerPage", &n)?;
        }
        if let Some(n) = self.start_index {
            map.serialize_entry("startIndex", &n)?;
        }
        if let Some(cursor) = &self.next_cursor {
            map.serialize_entry("nextCursor", cursor)?;
        }
        if let Some(cursor) = &self.previous_cursor {
            map.serialize_entry("previousCursor", cursor)?;
        }
        map.serialize_entry("Resources", &self.resources)?;
        map.end()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for ListResponse<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cursor_pages_write_cursors_and_no_start_index() {
        let page = ListResponse::new(vec![json!({"id": "1"})], 2)
            .with_next_cursor("VZUTiy")
            .with_previous_cursor("ABC");
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["nextCursor"], "VZUTiy");
        assert_eq!(json["previousCursor"], "ABC");
        assert!(json.get("startIndex").is_none());
        let back: ListResponse<Value> = serde_json::from_value(json).unwrap();
        assert_eq!(back, page);
    }

    #[test]
    fn garbage_is_refused() {
        let missing = ListResponse::<Value>::from_value(json!({"Resources": []}));
        assert_eq!(
            missing.unwrap_err(),
            MessageError::MissingMember {
                member: "totalResults".into()
            }
        );
        let negative = ListResponse::<Value>::from_value(json!({"totalResults": -1}));
        assert!(matches!(negative, Err(MessageError::InvalidValue { .. })));
        let text = ListResponse::<Value>::from_value(json!({"totalResults": "2"}));
        assert!(matches!(text, Err(MessageError::InvalidType { .. })));
        let typed = ListResponse::<u32>::from_value(json!({"totalResults": 1, "Resources": ["x"]}));
        assert!(
            matches!(typed, Err(MessageError::InvalidValue { member, .. }) if member == "Resources[0]")
        );
    }

    #[test]
    fn map_keeps_the_paging_members() {
        let page = ListResponse::new(vec![1, 2], 10).with_start_index(3);
        let mapped = page.map(|n| n * 10);
        assert_eq!(mapped.resources(), [10, 20]);
        assert_eq!(mapped.start_index(), Some(3));
        assert_eq!(mapped.items_per_page(), Some(2));
        assert_eq!(mapped.total_results(), 10);
    }
}

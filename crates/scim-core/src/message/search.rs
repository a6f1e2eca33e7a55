//! Query parameters: the `SearchRequest` body (RFC 7644 §3.4.3) and the URL query of a `GET`
//! (§3.4.2), which carry the same parameters.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::MessageError;
use super::members::{Members, parse_json};
use crate::schema::urn;

/// The sort direction (`sortOrder`), read ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// `ascending`, the default when `sortBy` is given without an order.
    Ascending,
    /// `descending`.
    Descending,
}

impl SortOrder {
    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ascending => "ascending",
            Self::Descending => "descending",
        }
    }

    /// The order named `text`, ignoring case.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Ascending, Self::Descending]
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parameters of a query, from a `POST .search` body or a `GET` URL.
///
/// Filters, attribute names and `sortBy` are kept as text; the filter parser and the projection
/// give them meaning against a schema. As RFC 7644 §3.4.2.4 asks, a `startIndex` below 1 is
/// read as 1 and a negative `count` as 0. `cursor` is RFC 9865's: `Some("")` asks for the first
/// page of a cursor-paginated result.
///
/// ```
/// use scim_core::message::{SearchRequest, SortOrder};
///
/// // Okta's lookup before a create, as the server's query-string decoder hands it over.
/// let query = SearchRequest::from_query([
///     ("filter", r#"userName eq "bjensen@example.com""#),
///     ("startIndex", "1"),
///     ("count", "100"),
/// ])?;
/// assert_eq!(query.filter.as_deref(), Some(r#"userName eq "bjensen@example.com""#));
/// assert_eq!((query.start_index, query.count), (Some(1), Some(100)));
///
/// let body = SearchRequest::from_slice(br#"{
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
///     "attributes": ["displayName", "userName"],
///     "sortBy": "userName", "sortOrder": "DESCENDING", "startIndex": 0
/// }"#)?;
/// assert_eq!(body.sort_order, Some(SortOrder::Descending));
/// assert_eq!(body.start_index, Some(1));
/// # Ok::<(), scim_core::message::MessageError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// `attributes`: the attributes to return (besides those always returned).
    pub attributes: Vec<String>,
    /// `excludedAttributes`: the attributes to leave out.
    pub excluded_attributes: Vec<String>,
    /// `filter`, unparsed.
    pub filter: Option<String>,
    /// `sortBy`: the attribute to sort on, unparsed.
    pub sort_by: Option<String>,
    /// `sortOrder`.
    pub sort_order: Option<SortOrder>,
    /// `startIndex`, 1-based (index pagination).
    pub start_index: Option<u64>,
    /// `count`: the largest page wanted.
    pub count: Option<u64>,
    /// `cursor` (RFC 9865): the page to continue from; empty for the first page.
    pub cursor: Option<String>,
}

/// `startIndex` below 1 is 1 (RFC 7644 §3.4.2.4).
fn clamp_start_index(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0).max(1)
}

/// A negative `count` is 0 (RFC 7644 §3.4.2.4).
fn clamp_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl SearchRequest {
    /// Reads a `SearchRequest` body.
    ///
    /// Member names ignore case. Unknown members are refused (`invalidSyntax`): a body that
    /// is not a search request should not run as an unfiltered query.
    pub fn from_value(value: Value) -> Result<Self, MessageError> {
        let mut members = Members::new(value, "SearchRequest", String::new())?;
        members.schemas()?;
        let sort_order = match members.string("sortOrder")? {
            Some(text) => {
                Some(
                    SortOrder::parse(&text).ok_or_else(|| MessageError::UnknownKeyword {
                        member: "sortOrder".to_owned(),
                        value: text,
                    })?,
                )
            }
            None => None,
        };
        let request = Self {
            attributes: members.strings("attributes")?,
            excluded_attributes: members.strings("excludedAttributes")?,
            filter: members.string("filter")?,
            sort_by: members.string("sortBy")?,
            sort_order,
            start_index: members.integer("startIndex")?.map(clamp_start_index),
            count: members.integer("count")?.map(clamp_count),
            cursor: members.string("cursor")?,
        };
        members.finish()?;
        Ok(request)
    }

    /// Reads a `SearchRequest` body from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, MessageError> {
        Self::from_value(parse_json(bytes)?)
    }

    /// Reads the query parameters of a `GET`, given as already percent-decoded name/value
    /// pairs (so OneLogin's `+`-encoded filters arrive decoded).
    ///
    /// Names ignore case; parameters this message does not define are ignored (they may be
    /// meant for the server), as are pairs with an empty name (OneLogin's trailing `&`).
    /// `attributes` and `excludedAttributes` are comma-separated. An empty `filter`, `sortBy`,
    /// `sortOrder`, `startIndex` or `count` counts as absent; an empty `cursor` does not (it
    /// starts cursor pagination). A parameter given twice is refused.
    pub fn from_query<'a, I>(pairs: I) -> Result<Self, MessageError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        const NAMES: [&str; 8] = [
            "attributes",
            "excludedAttributes",
            "filter",
            "sortBy",
            "sortOrder",
            "startIndex",
            "count",
            "cursor",
        ];
        let mut seen = [false; NAMES.len()];
        let mut request = Self::default();
        for (name, value) in pairs {
            let Some(index) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(MessageError::invalid_value(
                    NAMES[index],
                    "the query parameter is given more than once",
                ));
            }
            let present = (!value.is_empty()).then(|| value.to_owned());
            match index {
                0 => request.attributes = split_list(value),
                1 => request.excluded_attributes = split_list(value),
                2 => request.filter = present,
                3 => request.sort_by = present,
                4 => {
                    request.sort_order = match present {
                        None => None,
                        Some(text) => {
                            Some(SortOrder::parse(&text).ok_or(MessageError::UnknownKeyword {
                                member: "sortOrder".to_owned(),
                                value: text,
                            })?)
                        }
                    }
                }
                5 => {
                    request.start_index = query_integer("startIndex", value)?.map(clamp_start_index)
                }
                6 => request.count = query_integer("count", value)?.map(clamp_count),
                _ => request.cursor = Some(value.to_owned()),
            }
        }
        Ok(request)
    }
}

/// `a, b,,c` as `["a", "b", "c"]`.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn query_integer(name: &str, value: &str) -> Result<Option<i64>, MessageError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| MessageError::invalid_value(name, format_args!("{value:?} is not an integer")))
}

impl Serialize for SearchRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[urn::SEARCH_REQUEST])?;
        if !self.attributes.is_empty() {
            map.serialize_entry("attributes", &self.attributes)?;
        }
        if !self.excluded_attributes.is_empty() {
            map.serialize_entry("excludedAttributes", &self.excluded_attributes)?;
        }
        if let Some(filter) = &self.filter {
            map.serialize_entry("filter", filter)?;
        }
        if let Some(sort_by) = &self.sort_by {
            map.serialize_entry("sortBy", sort_by)?;
        }
        if let Some(order) = self.sort_order {
            map.serialize_entry("sortOrder", order.as_str())?;
        }
        if let Some(n) = self.start_index {
            map.serialize_entry("startIndex", &n)?;
        }
        if let Some(n) = self.count {
            map.serialize_entry("count", &n)?;
        }
        if let Some(cursor) = &self.cursor {
            map.serialize_entry("cursor", cursor)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SearchRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_round_trip() {
        let request = SearchRequest {
            attributes: vec!["userName".into()],
            excluded_attributes: vec!["members".into()],
            filter: Some(r#"displayName eq "x""#.into()),
            sort_by: Some("meta.created".into()),
            sort_order: Some(SortOrder::Descending),
            start_index: Some(11),
            count: Some(10),
            cursor: Some(String::new()),
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["sortOrder"], "descending");
        assert_eq!(SearchRequest::from_value(json).unwrap(), request);
    }

    #[test]
    fn out_of_range_pages_are_clamped() {
        let body = SearchRequest::from_value(json!({"startIndex": -5, "count": -1})).unwrap();
        assert_eq!((body.start_index, body.count), (Some(1), Some(0)));
        let query = SearchRequest::from_query([("startIndex", "0"), ("count", "-3")]).unwrap();
        assert_eq!((query.start_index, query.count), (Some(1), Some(0)));
    }

    #[test]
    fn body_garbage_is_refused() {
        assert_eq!(
            SearchRequest::from_value(json!({"userName": "x"})).unwrap_err(),
            MessageError::UnknownMember {
                message: "SearchRequest",
                member: "userName".into()
            }
        );
        assert!(matches!(
            SearchRequest::from_value(json!({"sortOrder": "sideways"})),
            Err(MessageError::UnknownKeyword { member, .. }) if member == "sortOrder"
        ));
        assert!(matches!(
            SearchRequest::from_value(json!({"attributes": "userName"})),
            Err(MessageError::InvalidType { member, .. }) if member == "attributes"
        ));
        assert!(matches!(
            SearchRequest::from_value(json!({"count": "10"})),
            Err(MessageError::InvalidType { member, .. }) if member == "count"
        ));
        assert!(matches!(
            SearchRequest::from_slice(b"filter=x"),
            Err(MessageError::Json { .. })
        ));
    }

    #[test]
    fn queries_follow_what_identity_providers_send() {
        // Google: startIndex without count. OneLogin: an empty pair from a trailing `&`.
        let google = SearchRequest::from_query([("startIndex", "1"), ("", "")]).unwrap();
        assert_eq!((google.start_index, google.count), (Some(1), None));
        // Entra: excludedAttributes on group lookups; names in another case.
        let entra = SearchRequest::from_query([
            ("filter", r#"displayName eq "Group1""#),
            ("EXCLUDEDATTRIBUTES", "members"),
        ])
        .unwrap();
        assert_eq!(entra.excluded_attributes, ["members"]);
        let lists = SearchRequest::from_query([
            ("attributes", " userName, emails ,,name.givenName"),
            ("cursor", ""),
            ("access_token", "ignored"),
        ])
        .unwrap();
        assert_eq!(lists.attributes, ["userName", "emails", "name.givenName"]);
        assert_eq!(lists.cursor.as_deref(), Some(""));
        let empty = SearchRequest::from_query([("filter", ""), ("count", "")]).unwrap();
        assert_eq!(empty, SearchRequest::default());
    }

    #[test]
    fn query_garbage_is_refused() {
        assert!(matches!(
            SearchRequest::from_query([("count", "ten")]),
            Err(MessageError::InvalidValue { member, .. }) if member == "count"
        ));
        assert!(matches!(
            SearchRequest::from_query([("count", "1"), ("Count", "2")]),
            Err(MessageError::InvalidValue { member, .. }) if member == "count"
        ));
        assert!(matches!(
            SearchRequest::from_query([("sortOrder", "up")]),
            Err(MessageError::UnknownKeyword { .. })
        ));
    }
}

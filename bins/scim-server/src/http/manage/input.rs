//! Reading the admin API's input so that every mistake names its field: a JSON body member by
//! member (unknown members are refused, not ignored), and query parameters one by one.

use actix_web::HttpRequest;
use serde_json::{Map, Value};

use crate::manage::{DEFAULT_LIMIT, MAX_LIMIT, ManageError, PageRequest};

/// A JSON object body, read member by member; [`Body::finish`] refuses what was not read.
pub(crate) struct Body {
    members: Map<String, Value>,
}

fn wrong_type(field: &str, expected: &str) -> ManageError {
    ManageError::malformed(field, format!("must be {expected}"))
}

impl Body {
    /// The body, which must be a JSON object (an empty body counts as `{}`).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ManageError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self {
                members: Map::new(),
            });
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(members)) => Ok(Self { members }),
            Ok(_) => Err(wrong_type("body", "a JSON object")),
            Err(e) => Err(ManageError::malformed(
                "body",
                format!("not JSON (line {}, column {})", e.line(), e.column()),
            )),
        }
    }

    fn take(&mut self, field: &str) -> Option<Value> {
        self.members.remove(field)
    }

    /// A string member, if present. `null` is refused, here and in the other readers but
    /// [`Body::nullable_string`]: it is not the same as leaving a member out, and a client that
    /// sends it means something the request cannot do.
    pub(crate) fn string(&mut self, field: &str) -> Result<Option<String>, ManageError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(field, "a string")),
        }
    }

    /// A string member that must be present.
    pub(crate) fn required_string(&mut self, field: &str) -> Result<String, ManageError> {
        self.string(field)?
            .ok_or_else(|| ManageError::malformed(field, "is required"))
    }

    /// A member that may be a string or `null` to remove it: `None` when absent,
    /// `Some(None)` for `null`.
    pub(crate) fn nullable_string(
        &mut self,
        field: &str,
    ) -> Result<Option<Option<String>>, ManageError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s))),
            Some(_) => Err(wrong_type(field, "a string or null")),
        }
    }

    /// A boolean member, if present.
    pub(crate) fn bool(&mut self, field: &str) -> Result<Option<bool>, ManageError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(wrong_type(field, "true or false")),
        }
    }

    /// An integer member, if present.
    pub(crate) fn integer(&mut self, field: &str) -> Result<Option<i64>, ManageError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(field, "an integer")),
            Some(_) => Err(wrong_type(field, "an integer")),
        }
    }

    /// An array of strings, if present; a wrong element is named by its index.
    pub(crate) fn strings(&mut self, field: &str) -> Result<Option<Vec<String>>, ManageError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(wrong_type(&format!("{field}[{i}]"), "a string")),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(wrong_type(field, "an array of strings")),
        }
    }

    /// A nested object, read the same way, its members named `field.member`.
    pub(crate) fn object(&mut self, field: &str) -> Result<Option<Body>, ManageError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::Object(members)) => Ok(Some(Body { members })),
            Some(_) => Err(wrong_type(field, "an object")),
        }
    }

    /// Refuses members that were not read: a misspelt setting must not be silently ignored.
    pub(crate) fn finish(self) -> Result<(), ManageError> {
        self.finish_in("")
    }

    /// [`Body::finish`] for an object nested at `prefix` (`policies.`).
    pub(crate) fn finish_in(self, prefix: &str) -> Result<(), ManageError> {
        match self.members.keys().next() {
            Some(unknown) => Err(ManageError::malformed(
                format!("{prefix}{unknown}"),
                "is not a member this request takes",
            )),
            None => Ok(()),
        }
    }
}

/// The query parameters of a request (the first value of a repeated one counts).
pub(crate) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// The request's query parameters.
    pub(crate) fn of(req: &HttpRequest) -> Result<Self, ManageError> {
        actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| Self(q.into_inner()))
            .map_err(|_| ManageError::malformed("query", "not a valid query string"))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An integer parameter within `min..=max`, or `default` when absent, of the type the
    /// caller uses it as: a value in range always fits.
    pub(crate) fn integer<T>(
        &self,
        name: &str,
        min: T,
        max: T,
        default: T,
    ) -> Result<T, ManageError>
    where
        T: Copy + PartialOrd + std::fmt::Display + TryFrom<i64>,
    {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        // Read as i64 first, so that `-1` for an unsigned parameter is out of range, not "not
        // an integer".
        let value: i64 = text
            .parse()
            .map_err(|_| ManageError::malformed(name, "must be an integer"))?;
        T::try_from(value)
            .ok()
            .filter(|value| (min..=max).contains(value))
            .ok_or_else(|| ManageError::malformed(name, format!("must be {min} to {max}")))
    }

    /// A text parameter, if present; U+0000 is refused (no database stores it).
    pub(crate) fn text(&self, name: &str) -> Result<Option<String>, ManageError> {
        match self.get(name) {
            Some(text) if text.contains('\0') => {
                Err(ManageError::malformed(name, "must not contain U+0000"))
            }
            other => Ok(other.map(str::to_owned)),
        }
    }

    /// Every value of a repeatable parameter, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// An integer parameter within `min..=max`, if present.
    pub(crate) fn optional_integer(
        &self,
        name: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, ManageError> {
        match self.get(name) {
            None => Ok(None),
            Some(_) => self.integer(name, min, max, min).map(Some),
        }
    }

    /// A boolean parameter (`true` or `false`), `false` when absent.
    pub(crate) fn flag(&self, name: &str) -> Result<bool, ManageError> {
        match self.get(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ManageError::malformed(name, "must be true or false")),
        }
    }

    /// `limit` (1 to [`MAX_LIMIT`]) and `after` (an id) of a list.
    pub(crate) fn page(&self) -> Result<PageRequest, ManageError> {
        Ok(PageRequest {
            after: self.get("after").map(str::to_owned),
            limit: self.integer("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?,
        })
    }
}

//! `bulkId` references (RFC 7644 §3.7.2): a later operation of a Bulk request names a resource
//! an earlier one creates as `"bulkId:<bulkId>"`, anywhere in its data or as the id in its path.
//!
//! Operations run in order, so a reference resolves only to a resource created by an earlier,
//! successful operation. A reference to the operation itself or to a later one (which is what a
//! circular reference between two operations always contains), to an operation that failed, or
//! to a bulkId no operation has, fails the referring operation with `invalidValue`.

use std::collections::HashMap;

use scim_core::message::{BulkMethod, BulkOperation};
use scim_core::{ScimError, ScimType};
use serde_json::Value;

/// How a reference to another operation's resource is written.
pub(crate) const PREFIX: &str = "bulkId:";

/// Why a `bulkId` reference cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BulkIdError {
    /// No operation of the request has this bulkId.
    #[error("bulkId:{0} names no operation of this request")]
    Unknown(String),
    /// The operation refers to itself, or to one that runs after it.
    #[error(
        "bulkId:{0} refers to this operation or a later one (a circular reference): a resource \
         must be created by an earlier operation before it is referred to"
    )]
    NotYetCreated(String),
    /// The operation that should have created the resource failed.
    #[error("bulkId:{0} refers to an operation that failed")]
    Failed(String),
    /// Two operations of the request use the same bulkId.
    #[error("bulkId {0:?} is used by more than one operation")]
    Duplicate(String),
}

impl From<BulkIdError> for ScimError {
    fn from(err: BulkIdError) -> Self {
        ScimError::new(ScimType::InvalidValue, err.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Pending,
    Created(String),
    Failed,
}

/// What is known about the bulkIds of one request as its operations run.
#[derive(Debug, Default)]
pub(crate) struct BulkIds {
    states: HashMap<String, State>,
}

impl BulkIds {
    /// The bulkIds the `POST` operations of a request define; two of the same name are refused.
    pub(crate) fn new(operations: &[BulkOperation]) -> Result<Self, BulkIdError> {
        let mut states = HashMap::new();
        for operation in operations.iter().filter(|o| o.method == BulkMethod::Post) {
            if let Some(bulk_id) = &operation.bulk_id
                && states.insert(bulk_id.clone(), State::Pending).is_some()
            {
                return Err(BulkIdError::Duplicate(bulk_id.clone()));
            }
        }
        Ok(Self { states })
    }

    /// Records the id of the resource the operation with `bulk_id` created.
    pub(crate) fn created(&mut self, bulk_id: &str, id: &str) {
        self.states
            .insert(bulk_id.to_owned(), State::Created(id.to_owned()));
    }

    /// Records that the operation with `bulk_id` failed.
    pub(crate) fn failed(&mut self, bulk_id: &str) {
        self.states.insert(bulk_id.to_owned(), State::Failed);
    }

    /// The id a `"bulkId:<x>"` string stands for; other strings are `None`.
    fn lookup(&self, text: &str) -> Result<Option<&str>, BulkIdError> {
        let Some(bulk_id) = text.strip_prefix(PREFIX) else {
            return Ok(None);
        };
        match self.states.get(bulk_id) {
            Some(State::Created(id)) => Ok(Some(id)),
            Some(State::Pending) => Err(BulkIdError::NotYetCreated(bulk_id.to_owned())),
            Some(State::Failed) => Err(BulkIdError::Failed(bulk_id.to_owned())),
            None => Err(BulkIdError::Unknown(bulk_id.to_owned())),
        }
    }

    /// Replaces every `"bulkId:<x>"` string in `value` with the id it stands for.
    ///
    /// The walk uses a stack of its own rather than recursion, so no document can exhaust the
    /// thread's stack.
    pub(crate) fn resolve_value(&self, value: &mut Value) -> Result<(), BulkIdError> {
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                Value::String(text) => {
                    if let Some(id) = self.lookup(text)? {
                        *text = id.to_owned();
                    }
                }
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(members) => stack.extend(members.values_mut()),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        Ok(())
    }

    /// The id of a resource path's last segment, resolved if it is a `bulkId:` reference.
    pub(crate) fn resolve_id(&self, id: &str) -> Result<String, BulkIdError> {
        Ok(self.lookup(id)?.unwrap_or(id).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn post(bulk_id: &str) -> BulkOperation {
        BulkOperation {
            method: BulkMethod::Post,
            bulk_id: Some(bulk_id.to_owned()),
            version: None,
            path: "/Users".to_owned(),
            data: Some(json!({})),
        }
    }

    #[test]
    fn references_resolve_to_created_ids_anywhere_in_the_data() {
        let mut ids = BulkIds::new(&[post("u1"), post("u2")]).unwrap();
        ids.created("u1", "id-1");
        let mut data = json!({
            "members": [{"value": "bulkId:u1"}, {"value": "other"}],
            "nested": {"deeper": ["bulkId:u1"]},
            "note": "not bulkId:u1"
        });
        ids.resolve_value(&mut data).unwrap();
        assert_eq!(data["members"][0]["value"], "id-1");
        assert_eq!(data["nested"]["deeper"][0], "id-1");
        assert_eq!(data["note"], "not bulkId:u1");
        assert_eq!(ids.resolve_id("bulkId:u1").unwrap(), "id-1");
        assert_eq!(ids.resolve_id("plain").unwrap(), "plain");
    }

    #[test]
    fn unresolvable_references_say_why() {
        let mut ids = BulkIds::new(&[post("u1"), post("u2"), post("u3")]).unwrap();
        ids.failed("u3");
        let mut pending = json!(["bulkId:u2"]);
        assert_eq!(
            ids.resolve_value(&mut pending),
            Err(BulkIdError::NotYetCreated("u2".into()))
        );
        assert_eq!(
            ids.resolve_id("bulkId:u3"),
            Err(BulkIdError::Failed("u3".into()))
        );
        assert_eq!(
            ids.resolve_id("bulkId:nope"),
            Err(BulkIdError::Unknown("nope".into()))
        );
        let err = ScimError::from(BulkIdError::Unknown("x".into()));
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    }

    #[test]
    fn duplicate_bulk_ids_are_refused() {
        assert_eq!(
            BulkIds::new(&[post("a"), post("a")]).unwrap_err(),
            BulkIdError::Duplicate("a".into())
        );
    }

    #[test]
    fn deep_documents_do_not_recurse() {
        let ids = BulkIds::new(&[]).unwrap();
        let mut value = json!("bulkId:x");
        for _ in 0..100_000 {
            value = Value::Array(vec![value]);
        }
        assert_eq!(
            ids.resolve_value(&mut value),
            Err(BulkIdError::Unknown("x".into()))
        );
        // Dropping a deeply nested serde_json value recurses; take it apart by hand.
        let mut current = value;
        while let Value::Array(mut items) = current {
            current = items.pop().unwrap_or(Value::Null);
        }
    }
}

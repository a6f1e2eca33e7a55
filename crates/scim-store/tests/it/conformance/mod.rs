//! The backend-agnostic conformance suite: every test takes a `&dyn Store`.

mod admin;
mod at_once;
mod batch;
mod crud;
mod deletion;
mod events;
mod groups;
mod pages;
mod patch;
mod policies;
mod queries;
mod unique_lookups;

use scim_core::patch::{OpKind, Operation};
use scim_store::{Actor, Store, StoredResource, TenantId};
use serde_json::{Value, json};

/// Operations from a PatchOp body's `Operations` array.
pub(crate) fn ops(operations: &Value) -> Vec<Operation<'_>> {
    operations
        .as_array()
        .unwrap()
        .iter()
        .map(|op| Operation {
            op: OpKind::parse(op["op"].as_str().unwrap()).unwrap(),
            path: op.get("path").and_then(Value::as_str),
            value: op.get("value"),
        })
        .collect()
}

/// Creates a user with the given userName.
pub(crate) fn user(store: &dyn Store, tenant: &TenantId, user_name: &str) -> StoredResource {
    store
        .create(
            Actor::tenant(tenant),
            "User",
            &json!({"userName": user_name, "active": true}),
        )
        .expect("create user")
}

/// Creates a group with the given displayName and member ids.
pub(crate) fn group(
    store: &dyn Store,
    tenant: &TenantId,
    name: &str,
    members: &[&str],
) -> StoredResource {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    store
        .create(
            Actor::tenant(tenant),
            "Group",
            &json!({"displayName": name, "members": members}),
        )
        .expect("create group")
}

/// The id of a stored resource.
pub(crate) fn id(resource: &StoredResource) -> String {
    resource
        .resource
        .id()
        .expect("stored resources have ids")
        .to_owned()
}

/// The member ids of a stored group, sorted.
pub(crate) fn member_ids(resource: &StoredResource) -> Vec<String> {
    let mut ids: Vec<String> = resource
        .resource
        .as_json()
        .get("members")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

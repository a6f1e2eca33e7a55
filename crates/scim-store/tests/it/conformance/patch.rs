use scim_core::ScimType;
use scim_store::Version;
use scim_store::{Actor, ReadOptions, Store, StoreError};
use serde_json::json;

use super::{group, id, member_ids, ops, user};
use crate::backends::tenant;

fn okta_deactivates_with_a_no_path_replace(store: &dyn Store) {
    let tenant = tenant(store);
    let u = user(store, &tenant, "okta@example.com");
    let body = json!([{"op": "replace", "value": {"active": false}}]);
    let patched = store
        .patch(
            Actor::tenant(&tenant),
            "User",
            &id(&u),
            &ops(&body),
            Some(Version::new(1)),
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(patched.version, Version::new(2));
    assert_eq!(patched.resource.as_json()["active"], false);
    let event = store.events(&tenant, 0, 10).unwrap().pop().unwrap();
    assert_eq!(event.event_type, scim_store::EventType::UserDeactivated);
    assert_eq!(event.changed, ["active"]);
}

fn a_no_op_patch_changes_neither_version_nor_log(store: &dyn Store) {
    let tenant = tenant(store);
    let u = user(store, &tenant, "same@example.com");
    let body = json!([{"op": "replace", "path": "active", "value": true}]);
    let patched = store
        .patch(
            Actor::tenant(&tenant),
            "User",
            &id(&u),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(patched.version, Version::new(1));
    assert_eq!(store.events(&tenant, 0, 10).unwrap().len(), 1);
}

fn okta_membership_push_adds_and_removes_in_one_request(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let b = user(store, &tenant, "b@example.com");
    let g = group(store, &tenant, "Acme-Web-Admin", &[&id(&a)]);
    let body = json!([
        {"op": "replace", "value": {"id": id(&g), "displayName": "Acme-Web-Admin"}},
        {"op": "remove", "path": format!("members[value eq \"{}\"]", id(&a))},
        {"op": "add", "path": "members", "value": [{"value": id(&b), "display": "b@example.com"}]}
    ]);
    let patched = store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(member_ids(&patched), vec![id(&b)]);
    assert_eq!(patched.version, Version::new(2));
}

fn entra_removes_members_by_value_array_and_retries_are_harmless(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let b = user(store, &tenant, "b@example.com");
    let g = group(store, &tenant, "G", &[&id(&a), &id(&b)]);
    let body = json!([{"op": "Remove", "path": "members", "value": [{"value": id(&a)}]}]);
    let actor = Actor::tenant(&tenant);
    let patched = store
        .patch(
            actor,
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(member_ids(&patched), vec![id(&b)]);
    // The same removal again succeeds and changes nothing.
    let again = store
        .patch(
            actor,
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(member_ids(&again), vec![id(&b)]);
    // Multi-op requests apply in order: add then remove of the same member leaves it out.
    let body = json!([
        {"op": "Add", "path": "members", "value": [{"value": id(&a), "$ref": null}]},
        {"op": "Remove", "path": "members", "value": [{"value": id(&a)}]}
    ]);
    let patched = store
        .patch(
            actor,
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(member_ids(&patched), vec![id(&b)]);
}

fn replacing_members_with_an_empty_list_clears_them(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let g = group(store, &tenant, "G", &[&id(&a)]);
    let body = json!([{"op": "replace", "path": "members", "value": []}]);
    let patched = store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert!(member_ids(&patched).is_empty());
}

fn membership_patches_can_skip_loading_members(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let g = group(store, &tenant, "G", &[]);
    let body = json!([{"op": "add", "path": "members", "value": [{"value": id(&a)}]}]);
    let lean = store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    assert!(lean.resource.as_json().get("members").is_none());
    let full = store
        .get(&tenant, "Group", &id(&g), ReadOptions::FULL)
        .unwrap();
    assert_eq!(member_ids(&full), vec![id(&a)]);
}

fn a_failing_operation_rolls_back_the_whole_request(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let g = group(store, &tenant, "G", &[]);
    let body = json!([
        {"op": "add", "path": "members", "value": [{"value": id(&a)}]},
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}
    ]);
    let err = store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &id(&g),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );
    let after = store
        .get(&tenant, "Group", &id(&g), ReadOptions::FULL)
        .unwrap();
    assert_eq!(after.version, Version::new(1));
    assert_eq!(after.resource.as_json()["displayName"], "G");
    assert!(member_ids(&after).is_empty());
    assert_eq!(
        store.events(&tenant, 0, 10).unwrap().len(),
        2,
        "only the two creates"
    );
}

fn patch_errors_carry_their_scim_type(store: &dyn Store) {
    let tenant = tenant(store);
    let u = user(store, &tenant, "e@example.com");
    let actor = Actor::tenant(&tenant);
    let cases = [
        (
            json!([{"op": "replace", "path": "nosuch", "value": 1}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x"}]),
            ScimType::NoTarget,
        ),
        (
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "replace", "path": "groups", "value": [{"value": "g1"}]}]),
            ScimType::Mutability,
        ),
    ];
    for (body, expected) in cases {
        let err = store
            .patch(actor, "User", &id(&u), &ops(&body), None, ReadOptions::FULL)
            .expect_err(&body.to_string());
        assert_eq!(
            scim_core::ScimError::from(err).scim_type(),
            Some(expected),
            "{body}"
        );
    }
    let stale = json!([{"op": "replace", "path": "title", "value": "x"}]);
    assert!(matches!(
        store.patch(
            actor,
            "User",
            &id(&u),
            &ops(&stale),
            Some(Version::new(9)),
            ReadOptions::FULL
        ),
        Err(StoreError::VersionMismatch { expected, current })
            if expected == Version::new(9) && current == Version::new(1)
    ));
}

fn entra_patches_extension_and_dotted_keys(store: &dyn Store) {
    let tenant = tenant(store);
    let u = user(store, &tenant, "ent@example.com");
    let manager = user(store, &tenant, "boss@example.com");
    let body = json!([
        {"op": "Replace", "value": {
            "name.givenName": "Ada",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42"
        }},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": id(&manager)},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada@example.com"}
    ]);
    let patched = store
        .patch(
            Actor::tenant(&tenant),
            "User",
            &id(&u),
            &ops(&body),
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    let json = patched.resource.as_json();
    assert_eq!(json["name"]["givenName"], "Ada");
    let enterprise = &json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(enterprise["employeeNumber"], "42");
    assert_eq!(enterprise["manager"]["value"], id(&manager).as_str());
    assert_eq!(
        json["emails"][0],
        json!({"type": "work", "value": "ada@example.com"})
    );
    // The new values are searchable at once.
    let found = store
        .query(
            &tenant,
            "User",
            &scim_store::Query::filtered(r#"emails[type eq "work"].value eq "ADA@example.com""#)
                .unwrap(),
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(found.total_results, 1);
}

crate::on_every_backend!(
    okta_deactivates_with_a_no_path_replace,
    a_no_op_patch_changes_neither_version_nor_log,
    okta_membership_push_adds_and_removes_in_one_request,
    entra_removes_members_by_value_array_and_retries_are_harmless,
    replacing_members_with_an_empty_list_clears_them,
    membership_patches_can_skip_loading_members,
    a_failing_operation_rolls_back_the_whole_request,
    patch_errors_carry_their_scim_type,
    entra_patches_extension_and_dotted_keys,
);

use scim_core::ScimType;
use scim_store::{Actor, ReadOptions, Store, StoreError, TenantSettings};
use serde_json::json;

use super::{group, id, member_ids, user};
use crate::backends::{tenant, tenant_with};

fn groups_keep_members_and_users_derive_groups(store: &dyn Store) {
    let tenant = tenant(store);
    let alice = user(store, &tenant, "alice@example.com");
    let bob = user(store, &tenant, "bob@example.com");
    let engineers = group(store, &tenant, "Engineers", &[&id(&alice), &id(&bob)]);
    let mut expected = vec![id(&alice), id(&bob)];
    expected.sort();
    assert_eq!(member_ids(&engineers), expected);
    let member = &engineers.resource.as_json()["members"][0];
    assert_eq!(member["type"], "User");
    assert!(
        member["display"].is_string(),
        "members carry a display name"
    );

    let alice_now = store
        .get(&tenant, "User", &id(&alice), ReadOptions::FULL)
        .unwrap();
    let groups = alice_now.resource.as_json()["groups"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["value"], id(&engineers).as_str());
    assert_eq!(groups[0]["display"], "Engineers");

    let lean = store
        .get(
            &tenant,
            "Group",
            &id(&engineers),
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    assert!(
        lean.resource.as_json().get("members").is_none(),
        "members are loaded only on request"
    );
}

fn group_names_are_unique_unless_the_tenant_allows_duplicates(store: &dyn Store) {
    let strict = tenant(store);
    group(store, &strict, "Admins", &[]);
    let err = store
        .create(
            Actor::tenant(&strict),
            "Group",
            &json!({"displayName": "ADMINS"}),
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Uniqueness { ref attribute, .. } if attribute == "displayName"),
        "{err}"
    );

    let relaxed = tenant_with(
        store,
        TenantSettings {
            unique_group_names: false,
            ..TenantSettings::default()
        },
    );
    group(store, &relaxed, "Admins", &[]);
    group(store, &relaxed, "Admins", &[]);
}

fn unknown_members_are_refused(store: &dyn Store) {
    let tenant = tenant(store);
    let err = store
        .create(
            Actor::tenant(&tenant),
            "Group",
            &json!({"displayName": "g", "members": [{"value": "nope"}]}),
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );
    let page = store
        .query(
            &tenant,
            "Group",
            &scim_store::Query::default(),
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(
        page.total_results, 0,
        "the failed create left nothing behind"
    );
}

fn nested_groups_are_allowed_but_cycles_are_not(store: &dyn Store) {
    let tenant = tenant(store);
    let inner = group(store, &tenant, "Inner", &[]);
    let outer = group(store, &tenant, "Outer", &[&id(&inner)]);
    assert_eq!(outer.resource.as_json()["members"][0]["type"], "Group");
    // Inner may not contain Outer, which contains Inner.
    let err = store
        .replace(
            Actor::tenant(&tenant),
            "Group",
            &id(&inner),
            &json!({"displayName": "Inner", "members": [{"value": id(&outer)}]}),
            None,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );
    let err = store
        .replace(
            Actor::tenant(&tenant),
            "Group",
            &id(&inner),
            &json!({"displayName": "Inner", "members": [{"value": id(&inner)}]}),
            None,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );
}

fn replacing_a_group_replaces_its_members(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let b = user(store, &tenant, "b@example.com");
    let g = group(store, &tenant, "G", &[&id(&a)]);
    let replaced = store
        .replace(
            Actor::tenant(&tenant),
            "Group",
            &id(&g),
            &json!({"displayName": "G", "members": [{"value": id(&b)}]}),
            Some(1),
        )
        .unwrap();
    assert_eq!(member_ids(&replaced), vec![id(&b)]);
    assert_eq!(replaced.version, 2);
    let events = store.events(&tenant, 0, 100).unwrap();
    assert_eq!(events.last().unwrap().changed, ["members"]);
}

fn deleting_a_user_drops_its_memberships_and_moves_the_groups_on(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let g = group(store, &tenant, "G", &[&id(&a)]);
    store
        .delete(Actor::tenant(&tenant), "User", &id(&a), None)
        .unwrap();
    let after = store
        .get(&tenant, "Group", &id(&g), ReadOptions::FULL)
        .unwrap();
    assert!(member_ids(&after).is_empty());
    assert_eq!(
        after.version, 2,
        "the group changed, so its version moved on"
    );
    let last = store.events(&tenant, 0, 100).unwrap().pop().unwrap();
    assert_eq!(last.resource_id, id(&g));
    assert_eq!(last.changed, ["members"]);
}

crate::on_every_backend!(
    groups_keep_members_and_users_derive_groups,
    group_names_are_unique_unless_the_tenant_allows_duplicates,
    unknown_members_are_refused,
    nested_groups_are_allowed_but_cycles_are_not,
    replacing_a_group_replaces_its_members,
    deleting_a_user_drops_its_memberships_and_moves_the_groups_on,
);

use scim_core::ScimType;
use scim_store::Version;
use scim_store::{Actor, Linked, Query, ReadOptions, Store, StoreError, TenantSettings};
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
            Some(Version::new(1)),
        )
        .unwrap();
    assert_eq!(member_ids(&replaced), vec![id(&b)]);
    assert_eq!(replaced.version, Version::new(2));
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
        after.version,
        Version::new(2),
        "the group changed, so its version moved on"
    );
    let last = store.events(&tenant, 0, 100).unwrap().pop().unwrap();
    assert_eq!(last.resource.id, id(&g));
    assert_eq!(last.event_type, scim_store::EventType::GroupMembersRemoved);
    assert_eq!(last.members, [id(&a)]);
    assert_eq!(last.resource.version, Some(Version::new(2)));
    assert_eq!(last.changed, ["members"]);
}

/// A member's `display` is the one the client added it with (RFC 7643 §2.4: set when the
/// element is added, never updated), else the member's own name; filters see the same value.
/// Regression: the client's display was dropped and the member's name always shown, so a
/// member did not read back as it was written (found by scim2-tester).
fn a_member_keeps_the_display_it_was_added_with(store: &dyn Store) {
    let tenant = tenant(store);
    let ada = id(&user(store, &tenant, "ada@example.com"));
    let bob = id(&user(store, &tenant, "bob@example.com"));
    let created = store
        .create(
            Actor::tenant(&tenant),
            "Group",
            &json!({"displayName": "Team", "members": [
                {"value": ada, "display": "Ada L."},
                {"value": bob}
            ]}),
        )
        .unwrap();
    let group = id(&created);
    let displays = |stored: &scim_store::StoredResource| {
        let mut pairs: Vec<(String, String)> = stored.resource.as_json()["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["value"].as_str().unwrap().to_owned(),
                    m["display"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        pairs.sort();
        pairs
    };
    let mut expected = vec![
        (ada.clone(), "Ada L.".to_owned()),
        (bob.clone(), "bob@example.com".to_owned()),
    ];
    expected.sort();
    assert_eq!(displays(&created), expected);

    // Adding the member again, with another display, changes nothing.
    let again =
        json!([{"op": "add", "path": "members", "value": [{"value": ada, "display": "Other"}]}]);
    let ops: Vec<_> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|op| scim_core::patch::Operation {
            op: scim_core::patch::OpKind::Add,
            path: op["path"].as_str(),
            value: op.get("value"),
        })
        .collect();
    store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &group,
            &ops,
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    let read = store
        .get(&tenant, "Group", &group, ReadOptions::FULL)
        .unwrap();
    assert_eq!(displays(&read), expected);

    // Filters compare the display that is shown, ignoring case.
    for (filter, hits) in [
        ("members.display eq \"ada l.\"", 1),
        ("members.display eq \"ada@example.com\"", 0),
        ("members.display eq \"BOB@example.com\"", 1),
    ] {
        let page = store
            .query(
                &tenant,
                "Group",
                &scim_store::Query::filtered(filter).unwrap(),
                ReadOptions::DOCUMENT_ONLY,
            )
            .unwrap();
        assert_eq!(page.total_results, hits, "{filter}");
    }
}

fn replacing_thousands_of_members_runs_in_bounded_statements(store: &dyn Store) {
    let tenant = tenant(store);
    let bodies: Vec<serde_json::Value> = (0..1_500)
        .map(|i| json!({"userName": format!("bulk{i}@example.com")}))
        .collect();
    let users = store
        .create_many(Actor::tenant(&tenant), "User", &bodies)
        .unwrap();
    let ids: Vec<String> = users.iter().map(id).collect();
    let members = |range: std::ops::Range<usize>| -> Vec<serde_json::Value> {
        ids[range].iter().map(|id| json!({"value": id})).collect()
    };
    let g = store
        .create(
            Actor::tenant(&tenant),
            "Group",
            &json!({"displayName": "Everyone", "members": members(0..1_200)}),
        )
        .unwrap();
    assert_eq!(member_ids(&g).len(), 1_200);
    // Keep 300..1200, drop 0..300, add 1200..1500: more ids than one statement lists.
    let replaced = store
        .replace(
            Actor::tenant(&tenant),
            "Group",
            &id(&g),
            &json!({"displayName": "Everyone", "members": members(300..1_500)}),
            None,
        )
        .unwrap();
    let mut expected: Vec<String> = ids[300..1_500].to_vec();
    expected.sort();
    assert_eq!(member_ids(&replaced), expected);
}

fn memberships_read_apart_are_the_ones_read_inline(store: &dyn Store) {
    let tenant = tenant(store);
    let alice = user(store, &tenant, "alice@example.com");
    let bob = user(store, &tenant, "bob@example.com");
    let inner = group(store, &tenant, "Inner", &[&id(&bob)]);
    let outer = group(store, &tenant, "Outer", &[&id(&alice), &id(&inner)]);
    let empty = group(store, &tenant, "Empty", &[]);
    for (resource_type, stored, attribute) in [
        ("Group", &outer, Some(Linked::Members)),
        ("Group", &empty, None),
        ("User", &bob, Some(Linked::Groups)),
    ] {
        let inline = store
            .get(&tenant, resource_type, &id(stored), ReadOptions::FULL)
            .unwrap();
        let apart = store
            .get(
                &tenant,
                resource_type,
                &id(stored),
                ReadOptions::FULL.links_apart(),
            )
            .unwrap();
        assert_eq!(apart.links.as_ref().map(|l| l.attribute), attribute);
        if let Some(attribute) = attribute {
            assert!(apart.resource.as_json().get(attribute.name()).is_none());
        }
        assert_eq!(apart.into_inline(), inline);
    }
    let query = Query::default();
    let inline = store
        .query(&tenant, "Group", &query, ReadOptions::FULL)
        .unwrap();
    let apart = store
        .query(&tenant, "Group", &query, ReadOptions::FULL.links_apart())
        .unwrap();
    let apart: Vec<_> = apart
        .resources
        .into_iter()
        .map(|r| r.into_inline())
        .collect();
    assert_eq!(apart, inline.resources);
    let lean = store
        .get(
            &tenant,
            "Group",
            &id(&outer),
            ReadOptions::DOCUMENT_ONLY.links_apart(),
        )
        .unwrap();
    assert_eq!(lean.links, None);
}

/// Members and groups come sorted by id (byte order), whatever order they were written in and
/// whatever order the database aggregates them in, read inline or apart, by id or by query.
fn memberships_come_sorted_by_id(store: &dyn Store) {
    let tenant = tenant(store);
    let users: Vec<String> = (0..12)
        .map(|n| id(&user(store, &tenant, &format!("sorted{n}@example.com"))))
        .collect();
    let mut descending = users.clone();
    descending.sort_by(|a, b| b.cmp(a));
    let (first, rest) = descending.split_at(6);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let everyone = group(store, &tenant, "Sorted", &first);
    let added: Vec<serde_json::Value> = rest.iter().map(|id| json!({"value": id})).collect();
    let value = json!(added);
    let add = [scim_core::patch::Operation {
        op: scim_core::patch::OpKind::Add,
        path: Some("members"),
        value: Some(&value),
    }];
    store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &id(&everyone),
            &add,
            None,
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    let mut ascending = users.clone();
    ascending.sort();
    let listed = |value: &serde_json::Map<String, serde_json::Value>, key: &str| -> Vec<String> {
        value[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|element| element["value"].as_str().unwrap().to_owned())
            .collect()
    };
    let inline = store
        .get(&tenant, "Group", &id(&everyone), ReadOptions::FULL)
        .unwrap();
    assert_eq!(listed(inline.resource.as_json(), "members"), ascending);
    let apart = store
        .get(
            &tenant,
            "Group",
            &id(&everyone),
            ReadOptions::FULL.links_apart(),
        )
        .unwrap();
    let values: Vec<String> = apart
        .links
        .unwrap()
        .items
        .into_iter()
        .map(|l| l.value)
        .collect();
    assert_eq!(values, ascending);

    // One user in groups created in an order unrelated to their ids.
    let member = &users[0];
    let mut group_ids: Vec<String> = (0..8)
        .map(|n| id(&group(store, &tenant, &format!("Team {n}"), &[member])))
        .collect();
    group_ids.push(id(&everyone));
    group_ids.sort();
    let read = store
        .get(&tenant, "User", member, ReadOptions::FULL)
        .unwrap();
    assert_eq!(listed(read.resource.as_json(), "groups"), group_ids);
    let filter = format!("id eq \"{member}\"");
    let query = Query::filtered(&filter).unwrap();
    let page = store
        .query(&tenant, "User", &query, ReadOptions::FULL)
        .unwrap();
    assert_eq!(
        listed(page.resources[0].resource.as_json(), "groups"),
        group_ids
    );
}

fn a_member_limit_leaves_a_large_groups_members_out(store: &dyn Store) {
    let tenant = tenant(store);
    let ids: Vec<String> = (0..3)
        .map(|n| id(&user(store, &tenant, &format!("u{n}@example.com"))))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let team = id(&group(store, &tenant, "Team", &refs));
    let at_limit = store
        .get(&tenant, "Group", &team, ReadOptions::FULL.members_up_to(3))
        .unwrap();
    assert!(!at_limit.members_left_out);
    assert_eq!(member_ids(&at_limit).len(), 3);
    let over = store
        .get(&tenant, "Group", &team, ReadOptions::FULL.members_up_to(2))
        .unwrap();
    assert!(over.members_left_out);
    assert!(member_ids(&over).is_empty());
    // A PATCH reads back the same way, in its own transaction.
    let renamed = store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &team,
            &[scim_core::patch::Operation {
                op: scim_core::patch::OpKind::Replace,
                path: Some("displayName"),
                value: Some(&json!("Team 2")),
            }],
            None,
            ReadOptions::FULL.members_up_to(2),
        )
        .unwrap();
    assert!(renamed.members_left_out);
    assert_eq!(renamed.resource.as_json()["displayName"], "Team 2");
    // Users are not affected.
    let user = store
        .get(&tenant, "User", &ids[0], ReadOptions::FULL.members_up_to(0))
        .unwrap();
    assert!(!user.members_left_out);
}

crate::on_every_backend!(
    a_member_limit_leaves_a_large_groups_members_out,
    memberships_come_sorted_by_id,
    memberships_read_apart_are_the_ones_read_inline,
    replacing_thousands_of_members_runs_in_bounded_statements,
    groups_keep_members_and_users_derive_groups,
    group_names_are_unique_unless_the_tenant_allows_duplicates,
    unknown_members_are_refused,
    nested_groups_are_allowed_but_cycles_are_not,
    replacing_a_group_replaces_its_members,
    deleting_a_user_drops_its_memberships_and_moves_the_groups_on,
    a_member_keeps_the_display_it_was_added_with,
);

//! The typed change log: which events each write yields, in which order, with what.

use chrono::Utc;
use scim_store::{
    Actor, Event, EventActor, EventPart, EventQuery, EventType, NewToken, Organisation,
    ReadOptions, Scope, Store, StoreError, TenantId, TenantSettings,
};
use serde_json::{Value, json};

use super::{group, id, ops, user};
use crate::backends::{tenant_with, unique};

/// A tenant with the product's organisation: projects Web and App, roles Admin and Member,
/// deactivated users leave every group, groups may be deleted (so that deletion can be seen).
fn organisation(store: &dyn Store) -> TenantId {
    let mut settings = TenantSettings {
        deactivation_removes_memberships: true,
        ..TenantSettings::default()
    };
    Organisation {
        group_prefix: "acme".into(),
        projects: vec!["Web".into(), "App".into()],
        roles: vec!["Admin".into(), "Member".into()],
    }
    .store_in(&mut settings);
    tenant_with(store, settings)
}

fn since(store: &dyn Store, tenant: &TenantId, after: i64) -> Vec<Event> {
    store.events(tenant, after, 10_000).unwrap()
}

fn last_seq(store: &dyn Store, tenant: &TenantId) -> i64 {
    since(store, tenant, 0).last().map_or(0, |e| e.seq)
}

fn types(events: &[Event]) -> Vec<EventType> {
    events.iter().map(|e| e.event_type).collect()
}

fn patch(
    store: &dyn Store,
    actor: Actor<'_>,
    resource_type: &str,
    resource_id: &str,
    operations: &Value,
) -> Result<scim_store::StoredResource, StoreError> {
    let operations = ops(operations);
    store.patch(
        actor,
        resource_type,
        resource_id,
        &operations,
        None,
        ReadOptions::DOCUMENT_ONLY,
    )
}

fn a_users_life_is_told_by_its_transitions_whatever_the_request_shape(store: &dyn Store) {
    let tenant = organisation(store);
    let actor = Actor::tenant(&tenant).with_token("okta-key");
    let ada = store
        .create(
            actor,
            "User",
            &json!({"userName": "ada@example.com", "externalId": "00u1", "active": true}),
        )
        .unwrap();
    let ada_id = id(&ada);
    let created = &since(store, &tenant, 0)[0];
    assert_eq!(created.event_type, EventType::UserCreated);
    assert_eq!(created.actor, EventActor::Token("okta-key".into()));
    assert_eq!(created.resource.external_id.as_deref(), Some("00u1"));
    assert_eq!(created.resource.name.as_deref(), Some("ada@example.com"));
    assert_eq!(
        created.to_json(true)["data"]["userName"],
        "ada@example.com",
        "the full form carries the document"
    );
    let web_admin = group(store, &tenant, "acme-Web-Admin", &[&ada_id]);
    let engineers = group(store, &tenant, "Engineers", &[&ada_id]);

    // Okta deactivates with a PATCH without a path: the user leaves both groups, and loses
    // the project role the project x role group gave.
    let before = last_seq(store, &tenant);
    patch(
        store,
        actor,
        "User",
        &ada_id,
        &json!([{"op": "replace", "value": {"active": false}}]),
    )
    .unwrap();
    let events = since(store, &tenant, before);
    assert_eq!(
        types(&events)[0],
        EventType::UserDeactivated,
        "no user.updated: only active changed"
    );
    let removed: Vec<&Event> = events
        .iter()
        .filter(|e| e.event_type == EventType::GroupMembersRemoved)
        .collect();
    let mut groups: Vec<&str> = removed.iter().map(|e| e.resource.id.as_str()).collect();
    groups.sort_unstable();
    let mut expected = vec![id(&web_admin), id(&engineers)];
    expected.sort();
    assert_eq!(groups, expected);
    assert!(removed.iter().all(|e| e.members == [ada_id.clone()]));
    let revoked: Vec<&Event> = events
        .iter()
        .filter(|e| e.event_type == EventType::AccessRevoked)
        .collect();
    assert_eq!(revoked.len(), 1, "only the project x role group is access");
    assert_eq!(
        revoked[0].access,
        Some(("Web".to_owned(), "Admin".to_owned()))
    );
    assert_eq!(revoked[0].members, std::slice::from_ref(&ada_id));
    assert_eq!(revoked[0].to_json(false)["users"], json!([ada_id]));
    assert_eq!(events.len(), 4, "{:?}", types(&events));
    assert!(
        events.iter().all(|e| e.txn == events[0].txn),
        "one write, one transaction"
    );
    assert_ne!(events[0].txn, created.txn);

    // Entra reactivates with the string "True" and changes the title in the same request.
    let before = last_seq(store, &tenant);
    patch(
        store,
        actor,
        "User",
        &ada_id,
        &json!([
            {"op": "Replace", "path": "active", "value": "True"},
            {"op": "Add", "path": "title", "value": "Engineer"}
        ]),
    )
    .unwrap();
    let events = since(store, &tenant, before);
    assert_eq!(
        types(&events),
        [EventType::UserUpdated, EventType::UserReactivated]
    );
    assert_eq!(events[0].changed, ["title"]);
    assert_eq!(events[0].resource.version, events[1].resource.version);

    // A PUT that deactivates is a deactivation too (Okta's profile push).
    let before = last_seq(store, &tenant);
    store
        .replace(
            actor,
            "User",
            &ada_id,
            &json!({"userName": "ada@example.com", "externalId": "00u1", "title": "Engineer", "active": false}),
            None,
        )
        .unwrap();
    assert_eq!(
        types(&since(store, &tenant, before)),
        [EventType::UserDeactivated]
    );

    let before = last_seq(store, &tenant);
    store.delete(actor, "User", &ada_id, None).unwrap();
    let deleted = since(store, &tenant, before);
    assert_eq!(types(&deleted), [EventType::UserDeleted]);
    assert_eq!(deleted[0].resource.name.as_deref(), Some("ada@example.com"));
}

fn membership_changes_list_the_members_and_the_access_they_change(store: &dyn Store) {
    let tenant = organisation(store);
    let actor = Actor::tenant(&tenant);
    let ada = id(&user(store, &tenant, "ada@example.com"));
    let bob = id(&user(store, &tenant, "bob@example.com"));
    let team = id(&group(store, &tenant, "Team", &[]));
    let app_member = id(&group(store, &tenant, "acme-App-Member", &[]));

    let before = last_seq(store, &tenant);
    patch(
        store,
        actor,
        "Group",
        &app_member,
        &json!([{"op": "add", "path": "members", "value": [{"value": ada}, {"value": bob}, {"value": team}]}]),
    )
    .unwrap();
    let events = since(store, &tenant, before);
    assert_eq!(
        types(&events),
        [EventType::GroupMembersAdded, EventType::AccessGranted]
    );
    assert_eq!(events[0].members, [ada.clone(), bob.clone(), team.clone()]);
    assert_eq!(
        events[1].members,
        [ada.clone(), bob.clone()],
        "access is granted to users"
    );
    assert_eq!(
        events[1].access,
        Some(("App".to_owned(), "Member".to_owned()))
    );

    // Adding present members again, or a remove-and-add of the same member, changes nothing.
    let before = last_seq(store, &tenant);
    patch(
        store,
        actor,
        "Group",
        &app_member,
        &json!([
            {"op": "add", "path": "members", "value": [{"value": ada}]},
            {"op": "remove", "path": format!("members[value eq \"{bob}\"]")},
            {"op": "add", "path": "members", "value": [{"value": bob}]}
        ]),
    )
    .unwrap();
    assert!(
        since(store, &tenant, before).iter().all(|e| !matches!(
            e.event_type,
            EventType::GroupMembersAdded
                | EventType::GroupMembersRemoved
                | EventType::AccessGranted
                | EventType::AccessRevoked
        )),
        "no membership moved"
    );

    // Okta's membership push: remove one by filter.
    let before = last_seq(store, &tenant);
    patch(
        store,
        actor,
        "Group",
        &app_member,
        &json!([{"op": "remove", "path": format!("members[value eq \"{ada}\"]")}]),
    )
    .unwrap();
    let events = since(store, &tenant, before);
    assert_eq!(
        types(&events),
        [EventType::GroupMembersRemoved, EventType::AccessRevoked]
    );
    assert_eq!(events[1].members, std::slice::from_ref(&ada));

    // A rename is group.updated, and says what changed.
    let before = last_seq(store, &tenant);
    patch(
        store,
        actor,
        "Group",
        &team,
        &json!([{"op": "replace", "path": "displayName", "value": "Team 2"}]),
    )
    .unwrap();
    let events = since(store, &tenant, before);
    assert_eq!(types(&events), [EventType::GroupUpdated]);
    assert_eq!(events[0].changed, ["displayName"]);
    assert_eq!(events[0].resource.name.as_deref(), Some("Team 2"));

    // Deleting a project x role group ends its users' access.
    let before = last_seq(store, &tenant);
    store
        .delete(Actor::administrator(&tenant), "Group", &app_member, None)
        .unwrap();
    let events = since(store, &tenant, before);
    assert_eq!(
        types(&events),
        [EventType::GroupDeleted, EventType::AccessRevoked]
    );
    assert_eq!(events[1].members, [bob]);
}

/// A replacement of thousands of members is a series of events of at most 1,000 ids each,
/// numbered, never one giant document.
fn large_member_changes_come_in_numbered_parts(store: &dyn Store) {
    let tenant = organisation(store);
    let actor = Actor::tenant(&tenant);
    let bodies: Vec<Value> = (0..2500)
        .map(|n| json!({"userName": format!("u{n}@example.com")}))
        .collect();
    let users = store.create_many(actor, "User", &bodies).unwrap();
    let members: Vec<Value> = users.iter().map(|u| json!({"value": id(u)})).collect();
    let web_member = id(&group(store, &tenant, "acme-Web-Member", &[]));
    let before = last_seq(store, &tenant);
    store
        .replace(
            actor,
            "Group",
            &web_member,
            &json!({"displayName": "acme-Web-Member", "members": members}),
            None,
        )
        .unwrap();
    let events = since(store, &tenant, before);
    let added: Vec<&Event> = events
        .iter()
        .filter(|e| e.event_type == EventType::GroupMembersAdded)
        .collect();
    let granted: Vec<&Event> = events
        .iter()
        .filter(|e| e.event_type == EventType::AccessGranted)
        .collect();
    for parts in [&added, &granted] {
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts.iter().map(|e| e.members.len()).collect::<Vec<_>>(),
            [1000, 1000, 500]
        );
        assert_eq!(
            parts.iter().map(|e| e.part).collect::<Vec<_>>(),
            [1, 2, 3].map(|index| Some(EventPart { index, of: 3 }))
        );
    }
    let mut all: Vec<&String> = added.iter().flat_map(|e| &e.members).collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 2500, "every member once");
}

fn a_refused_write_logs_nothing(store: &dyn Store) {
    let tenant = organisation(store);
    let owner = id(&user(store, &tenant, "owner@example.com"));
    store.set_protected(&tenant, &owner, true).unwrap();
    let before = last_seq(store, &tenant);
    let actor = Actor::tenant(&tenant);
    assert!(
        store
            .create(actor, "User", &json!({"userName": "OWNER@example.com"}))
            .is_err()
    );
    assert!(
        patch(
            store,
            actor,
            "User",
            &owner,
            &json!([{"op": "replace", "path": "active", "value": false}])
        )
        .is_err()
    );
    assert!(store.delete(actor, "User", &owner, None).is_err());
    assert_eq!(last_seq(store, &tenant), before);
}

fn keys_and_settings_have_events_with_their_actor(store: &dyn Store) {
    let tenant = organisation(store);
    let token = NewToken {
        id: unique("tok"),
        tenant: tenant.clone(),
        token_hash: "h".into(),
        scopes: vec![Scope::Read],
        description: "Okta production".into(),
        issued_at: Utc::now(),
        expires_at: None,
    };
    store.insert_token(&token, &EventActor::Admin).unwrap();
    store.revoke_token(&token.id, &EventActor::Cli).unwrap();
    store
        .modify_tenant_settings(&tenant, &EventActor::Admin, &mut |settings| {
            settings.allow_group_create = false;
            let mut organisation = Organisation::of(settings);
            organisation.projects.push("Mobile".into());
            organisation.store_in_preserving(settings);
            Ok(())
        })
        .unwrap();
    // A change to nothing is no change.
    store
        .modify_tenant_settings(&tenant, &EventActor::Admin, &mut |_| Ok(()))
        .unwrap();
    let events = since(store, &tenant, 0);
    assert_eq!(
        types(&events),
        [
            EventType::TokenIssued,
            EventType::TokenRevoked,
            EventType::TenantUpdated
        ]
    );
    assert_eq!(events[0].actor, EventActor::Admin);
    assert_eq!(events[0].resource.resource_type, "Token");
    assert_eq!(events[0].resource.id, token.id);
    assert_eq!(events[0].resource.name.as_deref(), Some("Okta production"));
    assert_eq!(events[1].actor, EventActor::Cli);
    assert_eq!(
        events[2].changed,
        ["allowGroupCreate", "application.projects"]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
}

/// Each tenant's log is its own, numbered from 1 and read in order, however tenants come and
/// go: writes of two tenants interleave, and a tenant created after the newest one was deleted
/// starts with an empty log (on SQLite it may be given the deleted one's place in `events`).
fn each_tenants_log_is_its_own_as_tenants_come_and_go(store: &dyn Store) {
    let first = TenantId::new(unique("first")).unwrap();
    let second = TenantId::new(unique("second")).unwrap();
    for tenant in [&first, &second] {
        store
            .create_tenant(tenant, &TenantSettings::default())
            .unwrap();
    }
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(id(&user(store, &first, &format!("first-{n}"))));
        user(store, &second, &format!("second-{n}"));
    }
    patch(
        store,
        Actor::tenant(&first),
        "User",
        &ids[1],
        &json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .unwrap();
    assert!(store.delete_tenant(&second).unwrap());
    let third = TenantId::new(unique("third")).unwrap();
    store
        .create_tenant(&third, &TenantSettings::default())
        .unwrap();
    assert!(since(store, &third, 0).is_empty());
    user(store, &third, "third-0");

    let events = since(store, &first, 0);
    let names: Vec<(i64, EventType, Option<&str>)> = events
        .iter()
        .map(|e| (e.seq, e.event_type, e.resource.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            (1, EventType::UserCreated, Some("first-0")),
            (2, EventType::UserCreated, Some("first-1")),
            (3, EventType::UserCreated, Some("first-2")),
            (4, EventType::UserDeactivated, Some("first-1")),
        ]
    );
    assert_eq!(
        since(store, &first, 2)
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [3, 4]
    );
    let third_events = since(store, &third, 0);
    assert_eq!(third_events.len(), 1, "{third_events:?}");
    assert_eq!(third_events[0].seq, 1);
    assert_eq!(third_events[0].resource.name.as_deref(), Some("third-0"));

    // The console's pages and a person's history read the same log.
    let newest_first = store
        .recent_events(
            &first,
            &EventQuery {
                before: Some(4),
                limit: 2,
                ..EventQuery::default()
            },
        )
        .unwrap();
    assert_eq!(
        newest_first.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [3, 2]
    );
    let history = store
        .recent_events(
            &first,
            &EventQuery {
                resource_id: Some(ids[1].clone()),
                limit: 10,
                ..EventQuery::default()
            },
        )
        .unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 2]);
    // Bounds at the ends of the number line find nothing, and fail nothing.
    for (before, after) in [
        (Some(i64::MIN), None),
        (None, Some(i64::MAX)),
        (Some(1), None),
    ] {
        let none = store
            .recent_events(
                &first,
                &EventQuery {
                    before,
                    after,
                    limit: 10,
                    ..EventQuery::default()
                },
            )
            .unwrap();
        assert!(
            none.is_empty(),
            "before {before:?}, after {after:?}: {none:?}"
        );
    }
    assert!(store.events(&first, i64::MAX, 10).unwrap().is_empty());
    assert!(store.events(&second, 0, 10).unwrap().is_empty());
}

#[test]
fn each_tenants_log_is_its_own_as_tenants_come_and_go_on_every_backend() {
    crate::backends::on_own_databases(each_tenants_log_is_its_own_as_tenants_come_and_go);
}

crate::on_every_backend!(
    a_users_life_is_told_by_its_transitions_whatever_the_request_shape,
    membership_changes_list_the_members_and_the_access_they_change,
    large_member_changes_come_in_numbered_parts,
    a_refused_write_logs_nothing,
    keys_and_settings_have_events_with_their_actor,
);

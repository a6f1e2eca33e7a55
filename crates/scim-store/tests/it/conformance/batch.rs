//! `create_many`: what `create` guarantees, for many resources in one transaction.

use scim_core::ScimType;
use scim_store::Version;
use scim_store::{Actor, EventActor, EventType, Query, ReadOptions, Store, StoreError, TenantId};
use serde_json::{Value, json};

use super::{id, member_ids, user};
use crate::backends::tenant;

fn users(names: &[&str]) -> Vec<Value> {
    names.iter().map(|n| json!({"userName": n})).collect()
}

fn user_count(store: &dyn Store, tenant: &TenantId) -> u64 {
    let everything = Query {
        count: Some(0),
        ..Query::default()
    };
    store
        .query(tenant, "User", &everything, ReadOptions::DOCUMENT_ONLY)
        .unwrap()
        .total_results
}

fn each_resource_is_created_as_create_would(store: &dyn Store) {
    let tenant = tenant(store);
    let created = store
        .create_many(
            Actor::tenant(&tenant).with_token("token-9"),
            "User",
            &users(&["Ann@Example.com", "bob@example.com", "cy@example.com"]),
        )
        .unwrap();
    let names: Vec<&str> = created
        .iter()
        .map(|r| r.resource.as_json()["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Ann@Example.com", "bob@example.com", "cy@example.com"],
        "in the order given"
    );
    for resource in &created {
        assert_eq!(resource.version, Version::new(1));
        let read = store
            .get(&tenant, "User", &id(resource), ReadOptions::FULL)
            .unwrap();
        assert_eq!(&read, resource);
    }
    let events = store.events(&tenant, 0, 10).unwrap();
    assert_eq!(events.len(), 3, "one event per resource");
    for (i, (event, resource)) in events.iter().zip(&created).enumerate() {
        assert_eq!(event.seq, i as i64 + 1, "consecutive, in order");
        assert_eq!(event.event_type, EventType::UserCreated);
        assert_eq!(event.resource.id, id(resource));
        assert_eq!(event.resource.version, Some(Version::new(1)));
        assert_eq!(event.actor, EventActor::Token("token-9".into()));
        assert!(
            event.snapshot.is_some(),
            "created events carry the document"
        );
        assert!(event.changed.contains(&"userName".to_owned()));
    }
    let found = store
        .query(
            &tenant,
            "User",
            &Query::filtered(r#"userName eq "ann@example.com""#).unwrap(),
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(found.resources, created[..1]);
    assert_eq!(user_count(store, &tenant), 3);
}

fn a_name_repeated_within_the_call_fails_it_whole(store: &dyn Store) {
    let tenant = tenant(store);
    let err = store
        .create_many(
            Actor::tenant(&tenant),
            "User",
            &users(&["dee@example.com", "eve@example.com", "DEE@example.COM"]),
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Uniqueness { ref attribute, .. } if attribute == "userName"),
        "{err}"
    );
    assert_eq!(user_count(store, &tenant), 0);
    assert!(store.events(&tenant, 0, 10).unwrap().is_empty());
}

fn a_name_taken_already_fails_the_call_whole(store: &dyn Store) {
    let tenant = tenant(store);
    user(store, &tenant, "Fay@example.com");
    let err = store
        .create_many(
            Actor::tenant(&tenant),
            "User",
            &users(&["gus@example.com", "fay@EXAMPLE.com"]),
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::Uniqueness)
    );
    assert_eq!(user_count(store, &tenant), 1);
    assert_eq!(store.events(&tenant, 0, 10).unwrap().len(), 1);
}

fn an_invalid_document_fails_the_call_whole(store: &dyn Store) {
    let tenant = tenant(store);
    let bodies = vec![
        json!({"userName": "hal@example.com"}),
        json!({"displayName": "x"}),
    ];
    let err = store
        .create_many(Actor::tenant(&tenant), "User", &bodies)
        .unwrap_err();
    assert_eq!(scim_core::ScimError::from(err).status(), 400);
    assert_eq!(user_count(store, &tenant), 0);
    assert!(store.events(&tenant, 0, 10).unwrap().is_empty());
}

fn new_groups_get_their_members(store: &dyn Store) {
    let tenant = tenant(store);
    let ivy = user(store, &tenant, "ivy@example.com");
    let groups = store
        .create_many(
            Actor::tenant(&tenant),
            "Group",
            &[
                json!({"displayName": "Readers", "members": [{"value": id(&ivy)}]}),
                json!({"displayName": "Writers"}),
            ],
        )
        .unwrap();
    assert_eq!(member_ids(&groups[0]), [id(&ivy)]);
    assert!(groups[1].resource.as_json().get("members").is_none());
    let ivy = store
        .get(&tenant, "User", &id(&ivy), ReadOptions::FULL)
        .unwrap();
    assert_eq!(ivy.resource.as_json()["groups"][0]["value"], id(&groups[0]));
    let events = store.events(&tenant, 1, 10).unwrap();
    assert!(events[0].changed.contains(&"members".to_owned()));
    assert!(!events[1].changed.contains(&"members".to_owned()));
    let err = store
        .create_many(
            Actor::tenant(&tenant),
            "Group",
            &[json!({"displayName": "Ghosts", "members": [{"value": "no-such-id"}]})],
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );
}

fn nothing_to_create_creates_nothing(store: &dyn Store) {
    let tenant = tenant(store);
    assert!(
        store
            .create_many(Actor::tenant(&tenant), "User", &[])
            .unwrap()
            .is_empty()
    );
    assert!(store.events(&tenant, 0, 10).unwrap().is_empty());
}

crate::on_every_backend!(
    each_resource_is_created_as_create_would,
    a_name_repeated_within_the_call_fails_it_whole,
    a_name_taken_already_fails_the_call_whole,
    an_invalid_document_fails_the_call_whole,
    new_groups_get_their_members,
    nothing_to_create_creates_nothing,
);

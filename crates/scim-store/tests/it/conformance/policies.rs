use scim_core::ScimType;
use scim_store::Version;
use scim_store::{Actor, LockedAttribute, ReadOptions, Store, StoreError, TenantSettings};
use serde_json::json;

use super::{group, id, member_ids, user};
use crate::backends::{tenant, tenant_with};

fn the_protected_owner_cannot_be_deleted_deactivated_or_removed(store: &dyn Store) {
    let tenant = tenant(store);
    let owner = user(store, &tenant, "owner@example.com");
    let owner_id = id(&owner);
    let admins = group(store, &tenant, "Admins", &[&owner_id]);
    store.set_protected(&tenant, &owner_id, true).unwrap();
    let actor = Actor::tenant(&tenant);

    let err = store.delete(actor, "User", &owner_id, None).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Protected {
                action: "delete",
                ..
            }
        ),
        "{err}"
    );
    let err = store
        .replace(
            actor,
            "User",
            &owner_id,
            &json!({"userName": "owner@example.com", "active": false}),
            None,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Protected {
                action: "deactivate",
                ..
            }
        ),
        "{err}"
    );
    let err = store
        .replace(
            actor,
            "Group",
            &id(&admins),
            &json!({"displayName": "Admins", "members": []}),
            None,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Protected { .. }), "{err}");
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::Mutability)
    );

    let owner_now = store
        .get(&tenant, "User", &owner_id, ReadOptions::FULL)
        .unwrap();
    assert_eq!(owner_now.version, Version::new(1), "nothing changed");
    assert_eq!(
        member_ids(
            &store
                .get(&tenant, "Group", &id(&admins), ReadOptions::FULL)
                .unwrap()
        ),
        std::slice::from_ref(&owner_id)
    );
    // Other attributes of the owner still change.
    store
        .replace(
            actor,
            "User",
            &owner_id,
            &json!({"userName": "owner@example.com", "active": true, "title": "CEO"}),
            None,
        )
        .unwrap();
    store.set_protected(&tenant, &owner_id, false).unwrap();
    store.delete(actor, "User", &owner_id, None).unwrap();
}

fn deactivation_removes_memberships_when_the_tenant_says_so(store: &dyn Store) {
    let tenant = tenant_with(
        store,
        TenantSettings {
            deactivation_removes_memberships: true,
            ..TenantSettings::default()
        },
    );
    let u = user(store, &tenant, "leaver@example.com");
    let g = group(store, &tenant, "Project-Dev", &[&id(&u)]);
    let deactivated = store
        .replace(
            Actor::tenant(&tenant),
            "User",
            &id(&u),
            &json!({"userName": "leaver@example.com", "active": false}),
            None,
        )
        .unwrap();
    assert_eq!(deactivated.resource.as_json()["active"], false);
    assert!(deactivated.resource.as_json().get("groups").is_none());
    let g_now = store
        .get(&tenant, "Group", &id(&g), ReadOptions::FULL)
        .unwrap();
    assert!(member_ids(&g_now).is_empty());
    assert_eq!(g_now.version, Version::new(2));
    // Deactivated users stay readable.
    assert!(
        store
            .get(&tenant, "User", &id(&u), ReadOptions::FULL)
            .is_ok()
    );

    let keep = crate::backends::tenant(store);
    let u = user(store, &keep, "stayer@example.com");
    let g = group(store, &keep, "G", &[&id(&u)]);
    store
        .replace(
            Actor::tenant(&keep),
            "User",
            &id(&u),
            &json!({"userName": "stayer@example.com", "active": false}),
            None,
        )
        .unwrap();
    assert_eq!(
        member_ids(
            &store
                .get(&keep, "Group", &id(&g), ReadOptions::FULL)
                .unwrap()
        )
        .len(),
        1
    );
}

fn locked_attributes_accept_the_same_value_only(store: &dyn Store) {
    let settings = TenantSettings {
        locked_attributes: vec![
            LockedAttribute {
                resource_type: "User".into(),
                path: "emails".into(),
            },
            LockedAttribute {
                resource_type: "Group".into(),
                path: "displayName".into(),
            },
        ],
        ..TenantSettings::default()
    };
    let tenant = tenant_with(store, settings);
    let actor = Actor::tenant(&tenant);
    let emails = json!([{"value": "kay@example.com", "type": "work", "primary": true}]);
    let created = store
        .create(actor, "User", &json!({"userName": "kay", "emails": emails}))
        .unwrap();
    let same = store
        .replace(
            actor,
            "User",
            &id(&created),
            &json!({"userName": "kay", "title": "Dr", "emails": emails}),
            None,
        )
        .unwrap();
    assert_eq!(same.resource.as_json()["title"], "Dr");
    let err = store
        .replace(
            actor,
            "User",
            &id(&created),
            &json!({"userName": "kay", "emails": [{"value": "new@example.com"}]}),
            None,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::Mutability)
    );

    let g = group(store, &tenant, "Acme-Project-Admin", &[]);
    store
        .replace(
            actor,
            "Group",
            &id(&g),
            &json!({"displayName": "Acme-Project-Admin"}),
            None,
        )
        .unwrap();
    let err = store
        .replace(
            actor,
            "Group",
            &id(&g),
            &json!({"displayName": "Renamed"}),
            None,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::Mutability)
    );
}

fn group_creation_and_deletion_can_be_switched_off(store: &dyn Store) {
    let open = tenant(store);
    let g = group(store, &open, "Pre-existing", &[]);
    let closed_settings = TenantSettings {
        allow_group_create: false,
        allow_group_delete: false,
        ..TenantSettings::default()
    };
    store
        .update_tenant_settings(&open, &closed_settings, &scim_store::EventActor::Cli)
        .unwrap();
    let err = store
        .create(
            Actor::tenant(&open),
            "Group",
            &json!({"displayName": "New"}),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err}");
    let err = store
        .delete(Actor::tenant(&open), "Group", &id(&g), None)
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err}");
    assert_eq!(scim_core::ScimError::from(err).status(), 403);
}

fn changing_the_owner_protects_the_new_owner_only(store: &dyn Store) {
    use scim_store::{EventActor, Organisation};
    let tenant = tenant(store);
    let by = EventActor::Cli;
    let owner_now = || Organisation::owner_of(&store.tenant(&tenant).unwrap().unwrap().settings);
    let delete = |id: &str| store.delete(Actor::tenant(&tenant), "User", id, None);
    let ada = id(&user(store, &tenant, "ada@example.com"));
    let bob = id(&user(store, &tenant, "bob@example.com"));
    let team = id(&group(store, &tenant, "Team", &[]));
    assert_eq!(store.set_owner(&tenant, &ada, &by).unwrap(), None);
    assert_eq!(
        store.set_owner(&tenant, &ada, &by).unwrap(),
        None,
        "already the owner"
    );
    assert_eq!(
        store.set_owner(&tenant, &bob, &by).unwrap(),
        Some(ada.clone())
    );
    assert_eq!(owner_now(), Some(bob.clone()));
    assert!(matches!(delete(&bob), Err(StoreError::Protected { .. })));
    delete(&ada).expect("the previous owner is no longer protected");

    // Only a User of the tenant can be the owner; anything else changes nothing.
    for not_a_user in [team.as_str(), "nobody", ada.as_str()] {
        assert!(
            matches!(
                store.set_owner(&tenant, not_a_user, &by),
                Err(StoreError::NotFound { .. })
            ),
            "{not_a_user}"
        );
    }
    assert_eq!(owner_now(), Some(bob.clone()));

    // Concurrent changes serialise: whichever commits last is the owner, and the only one
    // protected.
    let candidates: Vec<String> = (0..6)
        .map(|n| id(&user(store, &tenant, &format!("c{n}@example.com"))))
        .collect();
    std::thread::scope(|scope| {
        for candidate in &candidates {
            scope.spawn(|| store.set_owner(&tenant, candidate, &by).unwrap());
        }
    });
    let owner = owner_now().expect("an owner");
    for candidate in candidates.iter().chain([&bob]) {
        if *candidate == owner {
            assert!(matches!(
                delete(candidate),
                Err(StoreError::Protected { .. })
            ));
        } else {
            delete(candidate).expect("only the owner is protected");
        }
    }
}

crate::on_every_backend!(
    changing_the_owner_protects_the_new_owner_only,
    the_protected_owner_cannot_be_deleted_deactivated_or_removed,
    deactivation_removes_memberships_when_the_tenant_says_so,
    locked_attributes_accept_the_same_value_only,
    group_creation_and_deletion_can_be_switched_off,
);

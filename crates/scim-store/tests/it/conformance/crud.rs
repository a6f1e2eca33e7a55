use scim_core::ScimType;
use scim_store::Version;
use scim_store::{Actor, ReadOptions, Store, StoreError};
use serde_json::json;

use super::{id, user};
use crate::backends::tenant;

fn create_assigns_id_meta_and_version_1(store: &dyn Store) {
    let tenant = tenant(store);
    let created = store
        .create(
            Actor::tenant(&tenant),
            "User",
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen@example.com",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                "password": "t1meMa$heen",
                "groups": [],
                "id": "client-chosen",
            }),
        )
        .unwrap();
    assert_eq!(created.version, Version::new(1));
    let body = created.resource.as_json();
    let id = body["id"].as_str().unwrap();
    assert_ne!(id, "client-chosen", "ids are the server's");
    assert_eq!(body["meta"]["resourceType"], "User");
    assert_eq!(body["meta"]["version"], "W/\"1\"");
    assert_eq!(body["meta"]["created"], body["meta"]["lastModified"]);
    assert!(
        body.get("password").is_none(),
        "passwords are never stored or returned"
    );
    assert_eq!(body["name"]["givenName"], "Barbara");
    let read = store.get(&tenant, "User", id, ReadOptions::FULL).unwrap();
    assert_eq!(read, created);
}

fn user_names_are_unique_ignoring_case(store: &dyn Store) {
    let tenant = tenant(store);
    user(store, &tenant, "Isabella@Example.com");
    let err = store
        .create(
            Actor::tenant(&tenant),
            "User",
            &json!({"userName": "ISABELLA@example.COM"}),
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Uniqueness { ref attribute, .. } if attribute == "userName"),
        "{err}"
    );
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::Uniqueness)
    );
}

fn invalid_documents_change_nothing(store: &dyn Store) {
    let tenant = tenant(store);
    let err = store
        .create(Actor::tenant(&tenant), "User", &json!({"displayName": "x"}))
        .unwrap_err();
    let scim = scim_core::ScimError::from(err);
    assert_eq!(scim.status(), 400);
    assert!(
        store.events(&tenant, 0, 10).unwrap().is_empty(),
        "a failed write leaves no event"
    );
}

fn replace_validates_against_the_current_version(store: &dyn Store) {
    let tenant = tenant(store);
    let created = user(store, &tenant, "kim@example.com");
    let id = id(&created);
    let mut body = created.resource.as_json().clone();
    body.insert("displayName".into(), json!("Kim"));
    body.insert("active".into(), json!(false));
    let replaced = store
        .replace(
            Actor::tenant(&tenant),
            "User",
            &id,
            &serde_json::Value::Object(body.clone()),
            Some(Version::new(1)),
        )
        .unwrap();
    assert_eq!(replaced.version, Version::new(2));
    assert_eq!(replaced.resource.as_json()["displayName"], "Kim");
    assert_eq!(
        replaced.resource.as_json()["meta"]["created"],
        created.resource.as_json()["meta"]["created"]
    );
    let stale = store
        .replace(
            Actor::tenant(&tenant),
            "User",
            &id,
            &serde_json::Value::Object(body),
            Some(Version::new(1)),
        )
        .unwrap_err();
    assert!(
        matches!(
            stale,
            StoreError::VersionMismatch { expected, current }
                if expected == Version::new(1) && current == Version::new(2)
        ),
        "{stale}"
    );
    assert_eq!(
        store
            .get(&tenant, "User", &id, ReadOptions::FULL)
            .unwrap()
            .version,
        Version::new(2)
    );
}

fn replace_cannot_take_a_taken_user_name(store: &dyn Store) {
    let tenant = tenant(store);
    user(store, &tenant, "one@example.com");
    let two = user(store, &tenant, "two@example.com");
    let err = store
        .replace(
            Actor::tenant(&tenant),
            "User",
            &id(&two),
            &json!({"userName": "ONE@example.com"}),
            None,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Uniqueness { .. }), "{err}");
}

fn delete_removes_and_a_second_delete_is_not_found(store: &dyn Store) {
    let tenant = tenant(store);
    let created = user(store, &tenant, "gone@example.com");
    let id = id(&created);
    assert!(matches!(
        store.delete(Actor::tenant(&tenant), "User", &id, Some(Version::new(7))),
        Err(StoreError::VersionMismatch { .. })
    ));
    store
        .delete(Actor::tenant(&tenant), "User", &id, Some(Version::new(1)))
        .unwrap();
    assert!(matches!(
        store.get(&tenant, "User", &id, ReadOptions::FULL),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(Actor::tenant(&tenant), "User", &id, None),
        Err(StoreError::NotFound { .. })
    ));
}

fn a_resource_type_is_part_of_the_identity(store: &dyn Store) {
    let tenant = tenant(store);
    let created = user(store, &tenant, "typed@example.com");
    assert!(matches!(
        store.get(&tenant, "Group", &id(&created), ReadOptions::FULL),
        Err(StoreError::NotFound { .. })
    ));
}

fn tenants_never_see_each_other(store: &dyn Store) {
    let first = tenant(store);
    let second = tenant(store);
    let mine = user(store, &first, "same@example.com");
    // The same userName is free in another tenant.
    let theirs = user(store, &second, "same@example.com");
    let mine_id = id(&mine);
    let as_second = Actor::tenant(&second);
    assert!(matches!(
        store.get(&second, "User", &mine_id, ReadOptions::FULL),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.replace(
            as_second,
            "User",
            &mine_id,
            &json!({"userName": "x@example.com"}),
            None
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(as_second, "User", &mine_id, None),
        Err(StoreError::NotFound { .. })
    ));
    let page = store
        .query(
            &second,
            "User",
            &scim_store::Query::default(),
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(page.total_results, 1);
    assert_eq!(page.resources[0].resource.id(), theirs.resource.id());
    // Memberships cannot reach across tenants either.
    let err = store
        .create(
            as_second,
            "Group",
            &json!({"displayName": "g", "members": [{"value": mine_id}]}),
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );
    assert_eq!(
        store
            .get(&first, "User", &mine_id, ReadOptions::FULL)
            .unwrap()
            .version,
        Version::new(1)
    );
}

fn unknown_tenants_and_types_are_errors(store: &dyn Store) {
    let tenant = tenant(store);
    assert!(matches!(
        store.create(Actor::tenant(&tenant), "Widget", &json!({})),
        Err(StoreError::Scim(e)) if e.status() == 404
    ));
    let nobody = scim_store::TenantId::new(crate::backends::unique("nobody")).unwrap();
    assert!(matches!(
        store.create(Actor::tenant(&nobody), "User", &json!({"userName": "a"})),
        Err(StoreError::TenantNotFound(_))
    ));
}

crate::on_every_backend!(
    create_assigns_id_meta_and_version_1,
    user_names_are_unique_ignoring_case,
    invalid_documents_change_nothing,
    replace_validates_against_the_current_version,
    replace_cannot_take_a_taken_user_name,
    delete_removes_and_a_second_delete_is_not_found,
    a_resource_type_is_part_of_the_identity,
    tenants_never_see_each_other,
    unknown_tenants_and_types_are_errors,
);

//! Tenant isolation: every store method, called by one tenant with the ids of another, must
//! neither see nor change anything of it.
//!
//! The two tenants are given the very same resource ids (a scripted id generator), so any
//! statement that joins or filters by id without its tenant shows up as a leak: a member
//! rendered with the other tenant's display name, a membership or event that crosses over.

use std::sync::Arc;

use chrono::Utc;
use scim_core::ScimType;
use scim_core::patch::{OpKind, Operation};
use scim_core::schema::SchemaRegistry;
use scim_store::{
    Actor, Event, NewToken, Query, ReadOptions, Scope, Store, StoreBuilder, StoreError, TenantId,
    TenantSettings,
};
use serde_json::{Map, Value, json};

use crate::backends::{postgres_with, sqlite_with, tenant, unique};
use crate::conformance::member_ids;
use crate::fixtures::QueuedIds;

fn op<'a>(kind: &str, path: Option<&'a str>, value: Option<&'a Value>) -> Operation<'a> {
    Operation {
        op: OpKind::parse(kind).unwrap(),
        path,
        value,
    }
}

fn create(
    store: &dyn Store,
    ids: &QueuedIds,
    tenant: &TenantId,
    id: &str,
    kind: &str,
    body: Value,
) {
    ids.next_is(id);
    let created = store
        .create(Actor::tenant(tenant), kind, &body)
        .unwrap_or_else(|e| panic!("create {kind} {id}: {e}"));
    assert_eq!(created.resource.id(), Some(id));
}

/// Everything a tenant holds: each resource as fully read, and its change log.
fn snapshot(store: &dyn Store, tenant: &TenantId) -> (Vec<Map<String, Value>>, Vec<Event>) {
    let mut resources = Vec::new();
    for kind in ["User", "Group"] {
        let page = store
            .query(tenant, kind, &Query::default(), ReadOptions::FULL)
            .unwrap();
        resources.extend(page.resources.into_iter().map(|r| r.resource.into_json()));
    }
    (resources, store.events(tenant, 0, 1000).unwrap())
}

fn ids_matching(store: &dyn Store, tenant: &TenantId, kind: &str, filter: &str) -> Vec<String> {
    let query = Query::filtered(filter).unwrap();
    store
        .query(tenant, kind, &query, ReadOptions::DOCUMENT_ONLY)
        .unwrap()
        .resources
        .iter()
        .map(|r| r.resource.id().unwrap().to_owned())
        .collect()
}

fn not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound { .. })),
        "another tenant's id is simply not found: {result:?}"
    );
}

fn every_method_stays_in_its_tenant(store: &dyn Store, ids: &QueuedIds) {
    let a = tenant(store);
    let b = tenant(store);
    create(
        store,
        ids,
        &a,
        "u-shared",
        "User",
        json!({"userName": "alice@example.com", "externalId": "ext-a"}),
    );
    create(
        store,
        ids,
        &a,
        "u-only-a",
        "User",
        json!({"userName": "carol@example.com"}),
    );
    create(
        store,
        ids,
        &a,
        "g-shared",
        "Group",
        json!({"displayName": "Admins", "members": [{"value": "u-shared"}, {"value": "u-only-a"}]}),
    );
    create(
        store,
        ids,
        &b,
        "u-shared",
        "User",
        json!({"userName": "bob@example.com", "externalId": "ext-b"}),
    );
    create(
        store,
        ids,
        &b,
        "g-shared",
        "Group",
        json!({"displayName": "Staff"}),
    );
    let token_a = NewToken {
        id: unique("tok-a"),
        tenant: a.clone(),
        token_hash: "sha256:a".into(),
        scopes: vec![Scope::Read, Scope::Write],
        description: "A".into(),
        issued_at: Utc::now(),
        expires_at: None,
    };
    store
        .insert_token(&token_a, &scim_store::EventActor::Cli)
        .unwrap();
    let before = snapshot(store, &a);

    // Reads: the same ids name B's own resources, rendered from B's memberships only.
    let bob = store
        .get(&b, "User", "u-shared", ReadOptions::FULL)
        .unwrap();
    assert_eq!(bob.resource.as_json()["userName"], "bob@example.com");
    assert!(
        bob.resource.as_json().get("groups").is_none(),
        "A's memberships do not show in B"
    );
    let staff = store
        .get(&b, "Group", "g-shared", ReadOptions::FULL)
        .unwrap();
    assert_eq!(staff.resource.as_json()["displayName"], "Staff");
    assert!(staff.resource.as_json().get("members").is_none());
    not_found(store.get(&b, "User", "u-only-a", ReadOptions::FULL));

    // Queries: nothing of A matches, whatever the filter names.
    for (kind, filter) in [
        ("User", r#"id eq "u-only-a""#),
        ("User", r#"externalId eq "ext-a""#),
        ("User", r#"userName eq "alice@example.com""#),
        ("User", r#"groups.value eq "g-shared""#),
        ("User", r#"groups[display eq "Admins"]"#),
        ("User", "groups pr"),
        ("Group", r#"members.value eq "u-only-a""#),
        ("Group", r#"members.value eq "u-shared""#),
        ("Group", r#"members[display eq "alice@example.com"]"#),
        ("Group", r#"displayName eq "Admins""#),
        ("Group", "members pr"),
    ] {
        assert!(
            ids_matching(store, &b, kind, filter).is_empty(),
            "{filter} finds nothing of tenant A"
        );
    }
    let page = store
        .query(
            &b,
            "User",
            &Query {
                cursor: Some(String::new()),
                count: Some(10),
                ..Query::default()
            },
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(page.total_results, 1);

    // Writes with A's ids: not found, or refused, and A unchanged.
    let body = json!({"userName": "mallory@example.com"});
    not_found(store.replace(Actor::tenant(&b), "User", "u-only-a", &body, None));
    let title = json!("Owned");
    not_found(store.patch(
        Actor::tenant(&b),
        "User",
        "u-only-a",
        &[op("replace", Some("title"), Some(&title))],
        None,
        ReadOptions::FULL,
    ));
    not_found(store.delete(Actor::tenant(&b), "User", "u-only-a", None));
    not_found(store.set_protected(&b, "u-only-a", true));
    let theirs = json!([{"value": "u-only-a"}]);
    let err = store
        .patch(
            Actor::tenant(&b),
            "Group",
            "g-shared",
            &[op("add", Some("members"), Some(&theirs))],
            None,
            ReadOptions::FULL,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue),
        "a member of another tenant does not exist"
    );
    let err = store
        .create(
            Actor::tenant(&b),
            "Group",
            &json!({"displayName": "Raid", "members": [{"value": "u-only-a"}]}),
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(err).scim_type(),
        Some(ScimType::InvalidValue)
    );

    // B's own writes on the shared ids touch only B's rows.
    let mine = json!([{"value": "u-shared"}]);
    let staff = store
        .patch(
            Actor::tenant(&b),
            "Group",
            "g-shared",
            &[op("add", Some("members"), Some(&mine))],
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(
        staff.resource.as_json()["members"],
        json!([{"value": "u-shared", "display": "bob@example.com", "type": "User"}]),
        "the member is B's user, displayed by B's name"
    );
    assert_eq!(
        ids_matching(
            store,
            &b,
            "Group",
            r#"members[display eq "bob@example.com"]"#
        ),
        ["g-shared"]
    );
    assert_eq!(
        ids_matching(
            store,
            &b,
            "User",
            r#"groups[value eq "g-shared" and display eq "staff"]"#
        ),
        ["u-shared"]
    );
    let remove = r#"members[value eq "u-only-a"]"#;
    match store.patch(
        Actor::tenant(&b),
        "Group",
        "g-shared",
        &[op("remove", Some(remove), None)],
        None,
        ReadOptions::FULL,
    ) {
        // A filter matching no member of B's group removes nothing (or is a noTarget error).
        Ok(staff) => assert_eq!(member_ids(&staff), ["u-shared"]),
        Err(StoreError::Scim(_)) => {}
        Err(e) => panic!("{e:?}"),
    }
    store.set_protected(&b, "u-shared", true).unwrap();
    let inactive = json!(false);
    assert!(matches!(
        store.patch(
            Actor::tenant(&b),
            "User",
            "u-shared",
            &[op("replace", Some("active"), Some(&inactive))],
            None,
            ReadOptions::FULL,
        ),
        Err(StoreError::Protected { .. })
    ));
    store
        .replace(
            Actor::tenant(&b),
            "User",
            "u-shared",
            &json!({"userName": "alice@example.com", "externalId": "ext-a"}),
            None,
        )
        .expect("A's userName is free in B");
    store
        .create(
            Actor::tenant(&b),
            "Group",
            &json!({"displayName": "Admins"}),
        )
        .expect("A's group name is free in B");
    store
        .delete(Actor::tenant(&b), "Group", "g-shared", None)
        .unwrap();
    let relaxed = TenantSettings {
        unique_group_names: false,
        ..TenantSettings::default()
    };
    store
        .update_tenant_settings(&b, &relaxed, &scim_store::EventActor::Admin)
        .unwrap();

    // Tokens and the change log are per tenant.
    let token_b = NewToken {
        id: unique("tok-b"),
        tenant: b.clone(),
        ..token_a.clone()
    };
    store
        .insert_token(&token_b, &scim_store::EventActor::Cli)
        .unwrap();
    let listed: Vec<String> = store
        .tokens(Some(&b))
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(listed, [token_b.id.as_str()]);
    assert_eq!(store.token(&token_a.id).unwrap().unwrap().tenant, a);
    let b_events = store.events(&b, 0, 1000).unwrap();
    assert!(b_events.iter().all(|e| e.tenant == b));
    let seqs: Vec<i64> = b_events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=b_events.len() as i64).collect::<Vec<_>>());

    // And A is exactly as it was.
    assert_eq!(
        snapshot(store, &a),
        before,
        "nothing B did reached tenant A"
    );
    assert_eq!(
        store.tenant(&a).unwrap().unwrap().settings,
        TenantSettings::default()
    );
    assert_eq!(store.tokens(Some(&a)).unwrap().len(), 1);
    store
        .delete(Actor::tenant(&a), "User", "u-only-a", None)
        .expect("B's set_protected did not protect A's user");
}

fn builder(ids: &Arc<QueuedIds>) -> StoreBuilder {
    StoreBuilder::new(SchemaRegistry::standard()).ids(ids.clone())
}

mod sqlite {
    use super::*;

    #[test]
    fn every_method_stays_in_its_tenant() {
        let ids = Arc::new(QueuedIds::default());
        super::every_method_stays_in_its_tenant(&*sqlite_with(builder(&ids)), &ids);
    }
}

mod postgres {
    use super::*;

    #[test]
    fn every_method_stays_in_its_tenant() {
        let ids = Arc::new(QueuedIds::default());
        if let Some(store) = postgres_with(builder(&ids)) {
            super::every_method_stays_in_its_tenant(&*store, &ids);
        }
    }
}

use chrono::{Duration, Utc};
use scim_store::Version;
use scim_store::{
    DatabaseFailure, EventActor, EventType, LockedAttribute, NewToken, Scope, Store, StoreError,
    TenantId, TenantSettings,
};

use super::user;
use crate::backends::{tenant, unique};

fn create_and_read_tenants(store: &dyn Store) {
    let id = TenantId::new(unique("acme")).unwrap();
    let settings = TenantSettings {
        deactivation_removes_memberships: true,
        ..TenantSettings::default()
    };
    let created = store.create_tenant(&id, &settings).unwrap();
    assert_eq!(created.settings, settings);
    assert_eq!(store.tenant(&id).unwrap().unwrap().settings, settings);
    assert!(store.tenants().unwrap().iter().any(|t| t.id == id));
    assert!(matches!(
        store.create_tenant(&id, &settings),
        Err(StoreError::TenantExists(_))
    ));
    let changed = TenantSettings {
        unique_group_names: false,
        ..settings
    };
    assert_eq!(
        store
            .update_tenant_settings(&id, &changed, &EventActor::Cli)
            .unwrap()
            .settings,
        changed
    );
    let missing = TenantId::new(unique("nobody")).unwrap();
    assert!(store.tenant(&missing).unwrap().is_none());
    assert!(matches!(
        store.update_tenant_settings(&missing, &changed, &EventActor::Cli),
        Err(StoreError::TenantNotFound(_))
    ));
}

fn concurrent_settings_changes_are_all_kept(store: &dyn Store) {
    let id = tenant(store);
    let writers = 8;
    let shared = &id;
    std::thread::scope(|scope| {
        for n in 0..writers {
            scope.spawn(move || {
                store
                    .modify_tenant_settings(shared, &EventActor::Admin, &mut |settings| {
                        settings.locked_attributes.push(LockedAttribute {
                            resource_type: "User".into(),
                            path: format!("attribute{n}"),
                        });
                        Ok(())
                    })
                    .unwrap();
            });
        }
    });
    let mut locked: Vec<String> = store
        .tenant(&id)
        .unwrap()
        .unwrap()
        .settings
        .locked_attributes
        .into_iter()
        .map(|l| l.path)
        .collect();
    locked.sort();
    let expected: Vec<String> = (0..writers).map(|n| format!("attribute{n}")).collect();
    assert_eq!(locked, expected, "no change overwrote another");
}

fn a_refused_settings_change_changes_nothing(store: &dyn Store) {
    let id = tenant(store);
    let before = store.tenant(&id).unwrap().unwrap().settings;
    let refused = store.modify_tenant_settings(&id, &EventActor::Cli, &mut |settings| {
        settings.allow_group_create = !settings.allow_group_create;
        Err(StoreError::Unavailable(DatabaseFailure::new(
            "refused by the caller",
        )))
    });
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert_eq!(store.tenant(&id).unwrap().unwrap().settings, before);
    let missing = TenantId::new(unique("nobody")).unwrap();
    assert!(matches!(
        store.modify_tenant_settings(&missing, &EventActor::Cli, &mut |_| Ok(())),
        Err(StoreError::TenantNotFound(_))
    ));
}

fn tokens_are_recorded_and_revoked(store: &dyn Store) {
    let tenant = tenant(store);
    let now = Utc::now();
    let token = NewToken {
        id: unique("tok"),
        tenant: tenant.clone(),
        token_hash: "sha256:abc".into(),
        scopes: vec![Scope::Read, Scope::Write],
        description: "Okta".into(),
        issued_at: now,
        expires_at: Some(now + Duration::days(90)),
    };
    let record = store.insert_token(&token, &EventActor::Cli).unwrap();
    assert_eq!(record.scopes, [Scope::Read, Scope::Write]);
    assert!(record.is_usable_at(now));
    assert!(!record.is_usable_at(now + Duration::days(91)));
    assert_eq!(store.tokens(Some(&tenant)).unwrap().len(), 1);
    assert!(store.revoke_token(&token.id, &EventActor::Admin).unwrap());
    assert!(
        !store.revoke_token(&token.id, &EventActor::Admin).unwrap(),
        "revoking twice reports nothing to do"
    );
    let revoked = store.token(&token.id).unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(!revoked.is_usable_at(now));
    assert!(
        store
            .revoked_since(now - Duration::seconds(60))
            .unwrap()
            .contains(&token.id)
    );
    let orphan = NewToken {
        id: unique("tok"),
        tenant: TenantId::new(unique("none")).unwrap(),
        ..token
    };
    assert!(matches!(
        store.insert_token(&orphan, &EventActor::Cli),
        Err(StoreError::TenantNotFound(_))
    ));
}

fn every_write_appends_one_event_in_order(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let b = user(store, &tenant, "b@example.com");
    let actor = scim_store::Actor::tenant(&tenant).with_token("token-1");
    store
        .delete(actor, "User", a.resource.id().unwrap(), None)
        .unwrap();
    let events = store.events(&tenant, 0, 100).unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(events[0].resource.id, a.resource.id().unwrap());
    assert_eq!(events[0].event_type, EventType::UserCreated);
    assert_eq!(events[0].actor, EventActor::Cli);
    assert_eq!(events[0].resource.name.as_deref(), Some("a@example.com"));
    assert!(events[0].changed.contains(&"userName".to_owned()));
    assert_eq!(events[1].resource.id, b.resource.id().unwrap());
    assert_eq!(events[2].event_type, EventType::UserDeleted);
    assert_eq!(events[2].actor, EventActor::Token("token-1".into()));
    assert_eq!(events[2].resource.version, Some(Version::new(1)));
    let ids: std::collections::HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "every event has an id of its own");
    assert_eq!(
        store.events(&tenant, 2, 100).unwrap().len(),
        1,
        "reading resumes after a cursor"
    );
    assert_eq!(
        store.events(&tenant, 0, 2).unwrap().len(),
        2,
        "the limit is honoured"
    );
}

fn ping_answers(store: &dyn Store) {
    store.ping().unwrap();
}

crate::on_every_backend!(
    create_and_read_tenants,
    concurrent_settings_changes_are_all_kept,
    a_refused_settings_change_changes_nothing,
    tokens_are_recorded_and_revoked,
    every_write_appends_one_event_in_order,
    ping_answers,
);

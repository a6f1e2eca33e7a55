//! Deleting a tenant: everything it has goes, nothing of another tenant does.

use chrono::{Duration, Utc};
use scim_store::{
    DeliveryAttempt, DeliveryMethod, EventActor, EventFormat, NewSubscription, NewToken, Query,
    ReadOptions, Scope, Store, TenantId, TenantSettings,
};

use super::{group, id, member_ids, user};
use crate::backends::{tenant, unique};

/// A tenant with a user in a group, a token and a subscription with a delivery attempt; returns
/// the ids of the user, the group, the token and the subscription.
fn populate(store: &dyn Store, tenant: &TenantId) -> [String; 4] {
    let ada = user(store, tenant, "ada@example.com");
    let team = group(store, tenant, "Team", &[&id(&ada)]);
    let now = Utc::now();
    let token = store
        .insert_token(
            &NewToken {
                id: unique("tok"),
                tenant: tenant.clone(),
                token_hash: "sha256:abc".into(),
                scopes: vec![Scope::Read],
                description: "Okta".into(),
                issued_at: now,
                expires_at: Some(now + Duration::days(1)),
            },
            &EventActor::Cli,
        )
        .unwrap();
    let subscription = store
        .create_subscription(&NewSubscription {
            id: unique("sub"),
            tenant: tenant.clone(),
            url: "https://receiver.example.com/hooks".into(),
            format: EventFormat::Json,
            delivery: DeliveryMethod::Push,
            event_types: Vec::new(),
            full: false,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            audience: None,
            description: String::new(),
            enabled: true,
            after: Some(0),
        })
        .unwrap();
    store
        .record_attempts(
            &subscription,
            &[DeliveryAttempt {
                id: unique("att"),
                at: now,
                event_id: None,
                seq: None,
                status: Some(204),
                latency_micros: 1000,
                delivered: true,
                error: None,
                response_excerpt: None,
            }],
        )
        .unwrap();
    [id(&ada), id(&team), token.id, subscription.id]
}

fn total(store: &dyn Store, tenant: &TenantId, resource_type: &str) -> u64 {
    store
        .query(tenant, resource_type, &Query::default(), ReadOptions::FULL)
        .unwrap()
        .total_results
}

fn deleting_a_tenant_removes_everything_it_has_and_nothing_else(store: &dyn Store) {
    let doomed = tenant(store);
    let kept = tenant(store);
    let [_, _, doomed_token, doomed_subscription] = populate(store, &doomed);
    let [kept_user, kept_group, kept_token, kept_subscription] = populate(store, &kept);
    let kept_events = store.events(&kept, 0, 100).unwrap();

    assert!(store.delete_tenant(&doomed).unwrap());
    assert!(store.tenant(&doomed).unwrap().is_none());
    assert!(store.token(&doomed_token).unwrap().is_none());
    assert!(
        !store.delete_tenant(&doomed).unwrap(),
        "a tenant that does not exist is reported, not an error"
    );

    // The id can be used again, and the new tenant starts with nothing of the old one: no
    // resources (counted from the per-block counts, which must be gone too), no change log,
    // tokens, subscriptions or delivery log.
    store
        .create_tenant(&doomed, &TenantSettings::default())
        .unwrap();
    assert_eq!(total(store, &doomed, "User"), 0);
    assert_eq!(total(store, &doomed, "Group"), 0);
    assert!(store.events(&doomed, 0, 100).unwrap().is_empty());
    assert!(store.tokens(Some(&doomed)).unwrap().is_empty());
    assert!(store.subscriptions(Some(&doomed)).unwrap().is_empty());
    assert!(
        store
            .deliveries(&doomed, &doomed_subscription, 10)
            .unwrap()
            .is_empty()
    );
    let ada = user(store, &doomed, "ada@example.com");
    assert_eq!(store.events(&doomed, 0, 100).unwrap()[0].seq, 1);
    assert_eq!(
        total(store, &doomed, "User"),
        1,
        "the count starts again from the new resources"
    );
    store
        .delete(scim_store::Actor::tenant(&doomed), "User", &id(&ada), None)
        .unwrap();

    // The other tenant keeps all it had.
    assert_eq!(total(store, &kept, "User"), 1);
    let team = store
        .get(&kept, "Group", &kept_group, ReadOptions::FULL)
        .unwrap();
    assert_eq!(member_ids(&team), [kept_user]);
    assert!(store.token(&kept_token).unwrap().is_some());
    assert!(
        store
            .subscription(&kept, &kept_subscription)
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .deliveries(&kept, &kept_subscription, 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.events(&kept, 0, 100).unwrap(), kept_events);
}

crate::on_every_backend!(deleting_a_tenant_removes_everything_it_has_and_nothing_else);

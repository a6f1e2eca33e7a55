//! Subscriptions: cursors, leases, the delivery log, acknowledgements and pruning. Each test
//! has a database of its own: leases are claimed across all tenants of a database.

use chrono::{Duration, Utc};
use scim_store::{
    Actor, DeliveryAttempt, DeliveryEnd, DeliveryMethod, EventFormat, EventType, NewSubscription,
    Store, StoreError, SubscriptionChange, SubscriptionState, TenantId,
};
use serde_json::json;

use crate::backends::{tenant, unique};

fn users(store: &dyn Store, tenant: &TenantId, n: usize) {
    for i in 0..n {
        store
            .create(
                Actor::tenant(tenant),
                "User",
                &json!({"userName": format!("{}@example.com", unique(&format!("u{i}")))}),
            )
            .unwrap();
    }
}

fn new(tenant: &TenantId, delivery: DeliveryMethod) -> NewSubscription {
    NewSubscription {
        id: unique("sub"),
        tenant: tenant.clone(),
        url: "https://receiver.example.com/hooks".into(),
        format: EventFormat::Json,
        delivery,
        event_types: vec![EventType::UserCreated, EventType::AccessRevoked],
        full: false,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        audience: None,
        description: "product".into(),
        enabled: true,
        after: None,
    }
}

fn attempt(seq: i64, delivered: bool) -> DeliveryAttempt {
    DeliveryAttempt {
        id: unique("att"),
        at: Utc::now(),
        event_id: Some(format!("event-{seq}")),
        seq: Some(seq),
        status: Some(if delivered { 204 } else { 500 }),
        latency_micros: 1200,
        delivered,
        error: (!delivered).then(|| "500 Internal Server Error".into()),
        response_excerpt: None,
    }
}

fn subscriptions_are_kept_changed_and_deleted(store: &dyn Store) {
    let tenant = tenant(store);
    users(store, &tenant, 3);
    let created = store
        .create_subscription(&new(&tenant, DeliveryMethod::Push))
        .unwrap();
    assert_eq!(created.cursor, 3, "from the tenant's next event on");
    assert_eq!(created.state, SubscriptionState::Healthy);
    assert!(created.wants(EventType::UserCreated) && !created.wants(EventType::UserDeleted));
    assert_eq!(created.audience(), created.url);
    let replay = store
        .create_subscription(&NewSubscription {
            after: Some(1),
            ..new(&tenant, DeliveryMethod::Push)
        })
        .unwrap();
    assert_eq!(replay.cursor, 1);
    let beyond = store
        .create_subscription(&NewSubscription {
            after: Some(99),
            ..new(&tenant, DeliveryMethod::Poll)
        })
        .unwrap();
    assert_eq!(beyond.cursor, 3, "never beyond the last event");

    let changed = store
        .update_subscription(
            &tenant,
            &created.id,
            &SubscriptionChange {
                url: Some("https://other.example.com/in".into()),
                event_types: Some(Vec::new()),
                full: Some(true),
                audience: Some(Some("urn:example:receiver".into())),
                ..SubscriptionChange::default()
            },
        )
        .unwrap();
    assert_eq!(changed.url, "https://other.example.com/in");
    assert!(
        changed.wants(EventType::UserDeleted),
        "no types: every type"
    );
    assert!(changed.full);
    assert_eq!(changed.audience(), "urn:example:receiver");
    let rotated = store
        .set_subscription_secret(&tenant, &created.id, "whsec_new")
        .unwrap();
    assert_eq!(rotated.secret, "whsec_new");
    assert_eq!(
        store
            .rewind_subscription(&tenant, &created.id, 0)
            .unwrap()
            .cursor,
        0
    );
    assert_eq!(store.subscriptions(Some(&tenant)).unwrap().len(), 3);

    // Another tenant sees none of them.
    let other = crate::backends::tenant(store);
    assert!(store.subscription(&other, &created.id).unwrap().is_none());
    assert!(matches!(
        store.update_subscription(&other, &created.id, &SubscriptionChange::default()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(!store.delete_subscription(&other, &created.id).unwrap());
    assert!(store.delete_subscription(&tenant, &created.id).unwrap());
    assert!(store.subscription(&tenant, &created.id).unwrap().is_none());
}

fn leases_give_each_subscription_to_one_owner(store: &dyn Store) {
    let tenant = tenant(store);
    let sub = store
        .create_subscription(&new(&tenant, DeliveryMethod::Push))
        .unwrap();
    let soon = Utc::now() + Duration::seconds(30);
    assert!(
        store.claim_subscriptions("a", soon, 10).unwrap().is_empty(),
        "nothing to deliver"
    );
    users(store, &tenant, 2);
    let claimed = store.claim_subscriptions("a", soon, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(store.claim_subscriptions("b", soon, 10).unwrap().is_empty());
    // The holder records progress; another owner cannot.
    assert!(
        !store
            .finish_delivery(
                Some("b"),
                &sub,
                2,
                &[],
                &DeliveryEnd::Delivered { lease_until: None }
            )
            .unwrap()
    );
    assert!(
        store
            .finish_delivery(
                Some("a"),
                &sub,
                2,
                &[attempt(1, true), attempt(2, true)],
                &DeliveryEnd::Delivered { lease_until: None },
            )
            .unwrap()
    );
    assert_eq!(
        store
            .subscription(&tenant, &sub.id)
            .unwrap()
            .unwrap()
            .cursor,
        2
    );
    // Caught up: nothing to claim; a cursor never moves back through a late finish.
    assert!(store.claim_subscriptions("b", soon, 10).unwrap().is_empty());
    store
        .finish_delivery(
            None,
            &sub,
            1,
            &[],
            &DeliveryEnd::Delivered { lease_until: None },
        )
        .unwrap();
    assert_eq!(
        store
            .subscription(&tenant, &sub.id)
            .unwrap()
            .unwrap()
            .cursor,
        2
    );
    // An expired lease is free to take.
    users(store, &tenant, 1);
    let past = Utc::now() - Duration::seconds(1);
    assert_eq!(store.claim_subscriptions("a", past, 10).unwrap().len(), 1);
    assert_eq!(store.claim_subscriptions("b", soon, 10).unwrap().len(), 1);
    assert!(store.claim_subscriptions("a", soon, 10).unwrap().is_empty());
}

fn failures_back_off_then_count_as_failing_and_410_disables(store: &dyn Store) {
    let tenant = tenant(store);
    let sub = store
        .create_subscription(&new(&tenant, DeliveryMethod::Push))
        .unwrap();
    users(store, &tenant, 1);
    let soon = Utc::now() + Duration::seconds(30);
    let claimed = store.claim_subscriptions("a", soon, 10).unwrap().remove(0);
    let retry_at = Utc::now() + Duration::hours(1);
    store
        .finish_delivery(
            Some("a"),
            &claimed,
            claimed.cursor,
            &[attempt(claimed.cursor + 1, false)],
            &DeliveryEnd::Failed {
                retry_at,
                error: "500".into(),
                failing_after: Duration::days(3),
            },
        )
        .unwrap();
    let after = store.subscription(&tenant, &sub.id).unwrap().unwrap();
    assert_eq!(after.state, SubscriptionState::Retrying);
    assert_eq!(after.attempts, 1);
    assert!(after.failing_since.is_some());
    assert_eq!(after.last_error.as_deref(), Some("500"));
    assert!(
        store.claim_subscriptions("a", soon, 10).unwrap().is_empty(),
        "not due before its retry time"
    );
    // Failing long enough: failing, still kept.
    store
        .finish_delivery(
            None,
            &after,
            after.cursor,
            &[],
            &DeliveryEnd::Failed {
                retry_at,
                error: "connect: refused".into(),
                failing_after: Duration::zero(),
            },
        )
        .unwrap();
    let failing = store.subscription(&tenant, &sub.id).unwrap().unwrap();
    assert_eq!(failing.state, SubscriptionState::Failing);
    assert_eq!(failing.attempts, 2);
    store
        .finish_delivery(
            None,
            &failing,
            failing.cursor,
            &[],
            &DeliveryEnd::Gone {
                error: "410 Gone".into(),
            },
        )
        .unwrap();
    let gone = store.subscription(&tenant, &sub.id).unwrap().unwrap();
    assert_eq!(gone.state, SubscriptionState::Gone);
    assert!(!gone.enabled);
    // Enabled again: a clean start, due at once.
    let back = store
        .update_subscription(
            &tenant,
            &sub.id,
            &SubscriptionChange {
                enabled: Some(true),
                ..SubscriptionChange::default()
            },
        )
        .unwrap();
    assert_eq!(back.state, SubscriptionState::Healthy);
    assert_eq!(back.attempts, 0);
    assert_eq!(store.claim_subscriptions("a", soon, 10).unwrap().len(), 1);
    // The delivery log, newest first.
    let log = store.deliveries(&tenant, &sub.id, 10).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, Some(500));
}

fn the_delivery_log_keeps_the_last_attempts(store: &dyn Store) {
    let tenant = tenant(store);
    let sub = store
        .create_subscription(&new(&tenant, DeliveryMethod::Push))
        .unwrap();
    let attempts: Vec<DeliveryAttempt> = (1..=250)
        .map(|seq| DeliveryAttempt {
            at: Utc::now() + Duration::milliseconds(seq),
            ..attempt(seq, true)
        })
        .collect();
    store.record_attempts(&sub, &attempts).unwrap();
    let log = store.deliveries(&tenant, &sub.id, 1000).unwrap();
    assert_eq!(log.len(), 200);
    assert_eq!(log[0].seq, Some(250), "newest first");
    assert_eq!(log[199].seq, Some(51));
}

fn poll_acknowledgements_move_the_cursor_over_what_is_done(store: &dyn Store) {
    let tenant = tenant(store);
    let sub = store
        .create_subscription(&NewSubscription {
            after: Some(0),
            ..new(&tenant, DeliveryMethod::Poll)
        })
        .unwrap();
    users(store, &tenant, 5);
    let ids: Vec<String> = store
        .events(&tenant, 0, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    let ack = |positions: &[usize]| {
        let chosen: Vec<String> = positions.iter().map(|p| ids[*p].clone()).collect();
        store.acknowledge(&tenant, &sub.id, &chosen).unwrap()
    };
    assert_eq!(ack(&[1, 0, 3]), 2);
    assert_eq!(store.acknowledged_beyond(&tenant, &sub.id).unwrap(), [4]);
    assert_eq!(ack(&[2]), 4);
    assert!(
        store
            .acknowledged_beyond(&tenant, &sub.id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(ack(&[0]), 4, "acknowledging twice changes nothing");
    assert_eq!(
        store
            .acknowledge(&tenant, &sub.id, &["no-such-event".into()])
            .unwrap(),
        4
    );
    assert_eq!(ack(&[4]), 5);
}

fn pruning_keeps_what_an_enabled_subscription_still_needs(store: &dyn Store) {
    let tenant = tenant(store);
    users(store, &tenant, 4);
    let sub = store
        .create_subscription(&NewSubscription {
            after: Some(2),
            ..new(&tenant, DeliveryMethod::Push)
        })
        .unwrap();
    let later = Utc::now() + Duration::hours(1);
    store.prune_events(later).unwrap();
    let left: Vec<i64> = store
        .events(&tenant, 0, 10)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(left, [3, 4], "the subscription has not received 3 and 4");
    // Nothing is younger than a moment ago: nothing more goes.
    store
        .update_subscription(
            &tenant,
            &sub.id,
            &SubscriptionChange {
                enabled: Some(false),
                ..SubscriptionChange::default()
            },
        )
        .unwrap();
    store.prune_events(Utc::now() - Duration::hours(1)).unwrap();
    assert_eq!(store.events(&tenant, 0, 10).unwrap().len(), 2);
    // A disabled subscription holds nothing back.
    store.prune_events(later).unwrap();
    assert!(store.events(&tenant, 0, 10).unwrap().is_empty());
    // Sequence numbers go on after pruning.
    users(store, &tenant, 1);
    assert_eq!(store.events(&tenant, 0, 10).unwrap()[0].seq, 5);
}

fn push_subscription_tenants_are_those_with_an_enabled_push_subscription(store: &dyn Store) {
    let pushed = tenant(store);
    let polled = tenant(store);
    let paused = tenant(store);
    let _nobody = tenant(store);
    assert!(store.push_subscription_tenants().unwrap().is_empty());
    for _ in 0..2 {
        store
            .create_subscription(&new(&pushed, DeliveryMethod::Push))
            .unwrap();
    }
    store
        .create_subscription(&new(&polled, DeliveryMethod::Poll))
        .unwrap();
    let paused_subscription = store
        .create_subscription(&new(&paused, DeliveryMethod::Push))
        .unwrap();
    store
        .update_subscription(
            &paused,
            &paused_subscription.id,
            &SubscriptionChange {
                enabled: Some(false),
                ..SubscriptionChange::default()
            },
        )
        .unwrap();
    assert_eq!(
        store.push_subscription_tenants().unwrap(),
        vec![pushed.clone()],
        "each tenant once; poll and disabled subscriptions are not pushed"
    );
}

/// Instances claiming at once on PostgreSQL never get the same subscription.
fn concurrent_claims_never_overlap(store: &dyn Store) {
    let tenant = tenant(store);
    let subs: Vec<String> = (0..20)
        .map(|_| {
            store
                .create_subscription(&new(&tenant, DeliveryMethod::Push))
                .unwrap()
                .id
        })
        .collect();
    users(store, &tenant, 1);
    let soon = Utc::now() + Duration::seconds(30);
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let owners: Vec<_> = (0..4)
            .map(|n| {
                scope.spawn(move || {
                    store
                        .claim_subscriptions(&format!("owner-{n}"), soon, 5)
                        .unwrap()
                        .into_iter()
                        .map(|s| s.id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        owners.into_iter().map(|o| o.join().unwrap()).collect()
    });
    let mut all: Vec<&String> = claimed.iter().flatten().collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "claimed by two owners: {claimed:?}");
    // What one owner did not get now is free for the next: in all, every subscription once.
    let rest = store.claim_subscriptions("late", soon, 20).unwrap();
    assert_eq!(total + rest.len(), subs.len());
    // An owner claiming again keeps its own, and extends them.
    let again = store.claim_subscriptions("owner-0", soon, 5).unwrap();
    let mut mine: Vec<String> = again.into_iter().map(|s| s.id).collect();
    mine.sort();
    let mut before = claimed[0].clone();
    before.sort();
    assert_eq!(mine, before);
}

fn a_rewind_ends_the_lease_of_a_delivery_in_progress(store: &dyn Store) {
    let tenant = tenant(store);
    let sub = store
        .create_subscription(&new(&tenant, DeliveryMethod::Push))
        .unwrap();
    users(store, &tenant, 3);
    let soon = Utc::now() + Duration::seconds(30);
    let claimed = store.claim_subscriptions("worker", soon, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .rewind_subscription(&tenant, &sub.id, sub.cursor)
        .unwrap();
    // The delivery that was under way cannot record its progress over the rewind.
    let later = sub.cursor + 3;
    assert!(
        !store
            .finish_delivery(
                Some("worker"),
                &claimed[0],
                later,
                &[],
                &DeliveryEnd::Delivered {
                    lease_until: Some(soon)
                },
            )
            .unwrap()
    );
    let current = store.subscription(&tenant, &sub.id).unwrap().unwrap();
    assert_eq!(current.cursor, sub.cursor);
    // Anyone may claim it now, from the rewound cursor.
    let again = store.claim_subscriptions("another", soon, 10).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].cursor, sub.cursor);
}

/// Runs each named test on a SQLite file and a PostgreSQL database of its own.
macro_rules! on_own_databases {
    ($($name:ident),* $(,)?) => {
        mod every_backend {
            $(#[test] fn $name() { crate::backends::on_own_databases(super::$name); })*
        }
    };
}

on_own_databases!(
    subscriptions_are_kept_changed_and_deleted,
    leases_give_each_subscription_to_one_owner,
    failures_back_off_then_count_as_failing_and_410_disables,
    the_delivery_log_keeps_the_last_attempts,
    poll_acknowledgements_move_the_cursor_over_what_is_done,
    pruning_keeps_what_an_enabled_subscription_still_needs,
    push_subscription_tenants_are_those_with_an_enabled_push_subscription,
    concurrent_claims_never_overlap,
    a_rewind_ends_the_lease_of_a_delivery_in_progress,
);

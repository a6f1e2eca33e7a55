//! Concurrent writers: the store's guarantees (uniqueness, atomic membership deltas, versions,
//! gap-free change log) must hold when many requests race.
//!
//! Every test starts its threads at a barrier and asserts only on outcomes, never on timing:
//! whatever the interleaving, the end state is determined.

use scim_store::Version;
use std::sync::Barrier;

use scim_core::patch::{OpKind, Operation};
use scim_store::{Actor, Query, ReadOptions, Store, StoreError, TenantId};
use serde_json::{Value, json};

use crate::backends::tenant;
use crate::conformance::{group, id, member_ids, user};

const THREADS: usize = 16;

/// Runs `f(i)` on `THREADS` threads released together; returns the results in thread order.
fn race<T: Send>(f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let (barrier, f) = (&barrier, &f);
                scope.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn op<'a>(kind: &str, path: Option<&'a str>, value: Option<&'a Value>) -> Operation<'a> {
    Operation {
        op: OpKind::parse(kind).unwrap(),
        path,
        value,
    }
}

/// The tenant's whole change log; its sequence numbers must be exactly 1, 2, 3...
fn gap_free_log(store: &dyn Store, tenant: &TenantId) -> Vec<scim_store::Event> {
    let events = store.events(tenant, 0, 10_000).unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=events.len() as i64).collect();
    assert_eq!(seqs, expected, "the change log is gap-free and ordered");
    events
}

/// A userName whose letters are upper- or lower-case according to the bits of `i`.
fn spelled(i: usize) -> String {
    "racer@example.com"
        .chars()
        .enumerate()
        .map(|(k, c)| {
            if (i >> (k % 8)) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn racing_creates_of_one_user_name_leave_one_winner(store: &dyn Store) {
    let tenant = tenant(store);
    let outcomes = race(|i| {
        store.create(
            Actor::tenant(&tenant),
            "User",
            &json!({"userName": spelled(i)}),
        )
    });
    let winners = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(winners, 1, "exactly one create wins");
    for outcome in &outcomes {
        if let Err(e) = outcome {
            assert!(
                matches!(e, StoreError::Uniqueness { attribute, .. } if attribute == "userName"),
                "a losing create is a uniqueness error, not {e:?}"
            );
        }
    }
    let page = store
        .query(&tenant, "User", &Query::default(), ReadOptions::FULL)
        .unwrap();
    assert_eq!(page.total_results, 1);
    let events = gap_free_log(store, &tenant);
    assert_eq!(events.len(), 1, "failed creates leave nothing in the log");
}

fn concurrent_member_adds_all_land(store: &dyn Store) {
    let tenant = tenant(store);
    let members: Vec<String> = (0..THREADS)
        .map(|i| id(&user(store, &tenant, &format!("member{i}@example.com"))))
        .collect();
    let target = group(store, &tenant, "Everyone", &[]);
    let group_id = id(&target);
    let outcomes = race(|i| {
        let value = json!([{"value": members[i]}]);
        store
            .patch(
                Actor::tenant(&tenant),
                "Group",
                &group_id,
                &[op("add", Some("members"), Some(&value))],
                None,
                ReadOptions::DOCUMENT_ONLY,
            )
            .map(|patched| patched.version.get())
    });
    let mut versions: Vec<u64> = outcomes.into_iter().map(Result::unwrap).collect();
    versions.sort_unstable();
    let expected_versions: Vec<u64> = (2..=1 + THREADS as u64).collect();
    assert_eq!(
        versions, expected_versions,
        "every patch made its own version"
    );
    let now = store
        .get(&tenant, "Group", &group_id, ReadOptions::FULL)
        .unwrap();
    let mut expected_members = members.clone();
    expected_members.sort();
    assert_eq!(member_ids(&now), expected_members, "no add was lost");
    assert_eq!(now.version.get(), 1 + THREADS as u64);
    let events = gap_free_log(store, &tenant);
    let patches: Vec<&scim_store::Event> = events
        .iter()
        .filter(|e| {
            e.resource.id == group_id && e.event_type == scim_store::EventType::GroupMembersAdded
        })
        .collect();
    assert_eq!(patches.len(), THREADS);
    let mut logged: Vec<u64> = patches
        .iter()
        .filter_map(|e| e.resource.version.map(Version::get))
        .collect();
    logged.sort_unstable();
    assert_eq!(
        logged, expected_versions,
        "the log records each version once"
    );
    for member in &members {
        let groups = store
            .get(&tenant, "User", member, ReadOptions::FULL)
            .unwrap()
            .resource
            .as_json()["groups"]
            .clone();
        assert_eq!(groups[0]["value"], group_id.as_str());
    }
}

const ROUNDS: usize = 3;

/// Each thread appends its own entitlements and bumps a counter kept in `title`, each time with
/// the version it has just read; a stale version fails and the thread reads again.
fn optimistic_writes_land_exactly_once(store: &dyn Store) {
    let tenant = tenant(store);
    let counter = user(store, &tenant, "counter@example.com");
    let user_id = id(&counter);
    let conflicts = race(|i| {
        let mut conflicts = 0;
        for round in 0..ROUNDS {
            loop {
                let current = store
                    .get(&tenant, "User", &user_id, ReadOptions::DOCUMENT_ONLY)
                    .unwrap();
                let count: u64 = current
                    .resource
                    .as_json()
                    .get("title")
                    .and_then(Value::as_str)
                    .map_or(0, |t| t.parse().unwrap());
                let title = json!((count + 1).to_string());
                let entitlement = json!([{"value": format!("t{i}-r{round}")}]);
                let result = store.patch(
                    Actor::tenant(&tenant),
                    "User",
                    &user_id,
                    &[
                        op("replace", Some("title"), Some(&title)),
                        op("add", Some("entitlements"), Some(&entitlement)),
                    ],
                    Some(current.version),
                    ReadOptions::DOCUMENT_ONLY,
                );
                match result {
                    Ok(patched) => {
                        assert_eq!(patched.version, current.version.next().unwrap());
                        break;
                    }
                    Err(StoreError::VersionMismatch { expected, current }) => {
                        assert!(current > expected, "a mismatch reports a newer version");
                        conflicts += 1;
                    }
                    Err(e) => panic!("an optimistic write fails only on a version mismatch: {e:?}"),
                }
            }
        }
        conflicts
    });
    let total = (THREADS * ROUNDS) as u64;
    let end = store
        .get(&tenant, "User", &user_id, ReadOptions::FULL)
        .unwrap();
    let body = end.resource.as_json();
    assert_eq!(
        body["title"],
        total.to_string(),
        "every increment landed once"
    );
    assert_eq!(end.version.get(), 1 + total);
    let mut entitlements: Vec<&str> = body["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    entitlements.sort_unstable();
    let mut expected: Vec<String> = (0..THREADS)
        .flat_map(|i| (0..ROUNDS).map(move |r| format!("t{i}-r{r}")))
        .collect();
    expected.sort_unstable();
    assert_eq!(entitlements, expected, "every append landed exactly once");
    let events = gap_free_log(store, &tenant);
    assert_eq!(
        events.len() as u64,
        1 + total,
        "one event per successful write, none for conflicts ({} of them)",
        conflicts.iter().sum::<usize>()
    );
}

fn concurrent_creates_in_two_tenants_never_interfere(store: &dyn Store) {
    let first = tenant(store);
    let second = tenant(store);
    let outcomes = race(|i| {
        // The same names in both tenants, interleaved.
        let tenant = if i % 2 == 0 { &first } else { &second };
        let name = format!("shared{}@example.com", i / 2);
        store
            .create(Actor::tenant(tenant), "User", &json!({"userName": name}))
            .map(|created| id(&created))
    });
    assert!(
        outcomes.iter().all(Result::is_ok),
        "equal names in different tenants never conflict: {outcomes:?}"
    );
    for (parity, tenant) in [(0, &first), (1, &second)] {
        let page = store
            .query(
                tenant,
                "User",
                &Query {
                    sort_by: Some(
                        scim_core::filter::parse_sort_by("userName")
                            .unwrap()
                            .into_owned(),
                    ),
                    ..Query::default()
                },
                ReadOptions::FULL,
            )
            .unwrap();
        let mut mine: Vec<&str> = outcomes
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == parity)
            .map(|(_, o)| o.as_deref().unwrap())
            .collect();
        mine.sort_unstable();
        let mut found: Vec<&str> = page
            .resources
            .iter()
            .map(|r| r.resource.id().unwrap())
            .collect();
        found.sort_unstable();
        assert_eq!(found, mine, "a tenant sees exactly its own creations");
        let events = gap_free_log(store, tenant);
        assert_eq!(events.len(), THREADS / 2);
        assert!(events.iter().all(|e| &e.tenant == tenant));
    }
}

crate::on_every_backend!(
    racing_creates_of_one_user_name_leave_one_winner,
    concurrent_member_adds_all_land,
    optimistic_writes_land_exactly_once,
    concurrent_creates_in_two_tenants_never_interfere,
);

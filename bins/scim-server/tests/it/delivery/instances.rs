//! Two server processes on one PostgreSQL database of their own deliver the same subscriptions:
//! each takes a share (leases, `FOR UPDATE SKIP LOCKED`), every event arrives exactly once while
//! both run, and after one is killed with SIGKILL the other resumes once the lease runs out:
//! nothing is lost, and the only duplicates are events the dead one had sent, with their ids.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::*;

/// The `scim_event_delivery_attempts_total` a server counted.
fn attempts(server: &Server) -> f64 {
    server
        .anonymous()
        .get("/metrics")
        .expect(200)
        .body
        .lines()
        .filter(|l| l.starts_with("scim_event_delivery_attempts_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The ids delivered (accepted) at `path`: `webhook-id` for JSON.
fn ids(receiver: &Receiver, path: &str) -> Vec<String> {
    json_ids(receiver, path)
}

#[test]
fn two_instances_deliver_every_event_and_only_a_kill_leaves_duplicates() {
    let Some(deployment) = Deployment::fresh_postgres() else {
        return;
    };
    // One worker per process, so that neither can hold every subscription at once; a lease
    // long enough that a busy machine never lets one run out while its holder lives.
    let config = config_file(&deployment, "workers = 1\nlease_seconds = 10\n");
    let (mut a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| start(&deployment, Some(&config)));
        let b = scope.spawn(|| start(&deployment, Some(&config)));
        (a.join().expect("start a"), b.join().expect("start b"))
    });
    let (tenant, token) = tenant(&deployment);
    let store = store(&deployment);
    let receiver = Receiver::start();
    receiver.delay(Duration::from_millis(5));
    let paths = ["/s1", "/s2", "/s3", "/s4"];
    let subscriptions: Vec<_> = paths
        .iter()
        .map(|p| subscribe(&*store, &tenant, &receiver.url(p), Wanted::json()))
        .collect();
    let after = subscriptions[0].cursor;
    for round in 0..20 {
        let server = if round % 2 == 0 { &a } else { &b };
        create_users(&server.client(&token), 2);
    }
    let expected: Vec<String> = event_ids_after(&*store, &tenant, after);
    let all_arrived = |receiver: &Receiver, expected: usize| {
        receiver.wait_until(PATIENCE, |r| {
            paths.iter().all(|p| {
                r.iter()
                    .filter(|r| r.path == *p && r.accepted())
                    .filter_map(|r| r.header("webhook-id"))
                    .collect::<HashSet<_>>()
                    .len()
                    >= expected
            })
        })
    };
    assert!(all_arrived(&receiver, expected.len()));
    for path in paths {
        let delivered = ids(&receiver, path);
        assert_eq!(
            delivered, expected,
            "{path}: every event exactly once, in order"
        );
    }
    assert!(
        attempts(&a) > 0.0 && attempts(&b) > 0.0,
        "both instances delivered a share: {} and {}",
        attempts(&a),
        attempts(&b)
    );

    // Now one instance dies in the middle of deliveries.
    receiver.delay(Duration::from_millis(60));
    create_users(&b.client(&token), 40);
    let expected: Vec<String> = event_ids_after(&*store, &tenant, after);
    let before = receiver.received().len();
    assert!(receiver.wait_until(PATIENCE, |r| r.len() >= before + 8));
    a.kill();
    let killed = std::time::Instant::now();
    assert!(
        all_arrived(&receiver, expected.len()),
        "every event arrives after the kill"
    );
    let sent_before_kill: HashMap<&str, HashSet<String>> = paths
        .iter()
        .map(|p| (*p, super::faults::sent_before(&receiver, p, killed)))
        .collect();
    for path in paths {
        let delivered = ids(&receiver, path);
        in_order_without_gaps(&delivered, &expected).unwrap();
        let mut seen = HashSet::new();
        for id in &delivered {
            if !seen.insert(id) {
                assert!(
                    sent_before_kill[path].contains(id),
                    "{path}: {id} was sent twice, not across the kill"
                );
            }
        }
    }
    drop(b);
}

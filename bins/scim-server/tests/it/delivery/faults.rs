//! Faults the issue names: a receiver down for 30 seconds and back, a receiver failing 30% of
//! requests at random, and the server killed with SIGKILL while delivering. Everything arrives,
//! in order, with no gap; duplicates appear only after the kill, with the ids already sent.

use std::collections::HashSet;
use std::time::Duration;

use scim_store::SubscriptionState;

use super::*;

#[test]
fn a_receiver_down_for_30_seconds_then_back_gets_everything_in_order() {
    let Setup {
        deployment: _deployment,
        server,
        store,
        tenant,
        token,
        ..
    } = setup("");
    let mut receiver = Receiver::start();
    let sub = subscribe(&*store, &tenant, &receiver.url("/hook"), Wanted::json());
    let client = server.client(&token);
    create_users(&client, 5);
    let first: Vec<String> = event_ids_after(&*store, &tenant, sub.cursor);
    assert!(
        receiver.wait_until(PATIENCE, |r| r.iter().filter(|r| r.accepted()).count()
            >= first.len())
    );

    receiver.go_down();
    create_users(&client, 10);
    // The outage of the issue: 30 seconds, with writes continuing.
    std::thread::sleep(Duration::from_secs(15));
    create_users(&client, 5);
    std::thread::sleep(Duration::from_secs(15));
    let during = store.subscription(&tenant, &sub.id).unwrap().unwrap();
    assert_eq!(during.state, SubscriptionState::Retrying);
    assert!(during.last_error.is_some());
    receiver.come_back();

    let expected: Vec<String> = event_ids_after(&*store, &tenant, sub.cursor);
    // After the outage the next retry comes within the backoff reached by then (about a
    // minute at most).
    assert!(
        receiver.wait_until(PATIENCE, |r| {
            r.iter().filter(|r| r.accepted()).count() >= expected.len()
        }),
        "{} of {} after the outage",
        receiver.accepted("/hook").len(),
        expected.len()
    );
    assert_eq!(
        json_ids(&receiver, "/hook"),
        expected,
        "each once, in order"
    );
    let after = eventually(&*store, &sub, |s| s.state == SubscriptionState::Healthy);
    assert_eq!(after.state, SubscriptionState::Healthy);
    assert_eq!(after.attempts, 0);
}

#[test]
fn a_receiver_failing_30_percent_at_random_gets_everything_with_no_gap() {
    let Setup {
        deployment: _deployment,
        server,
        store,
        tenant,
        token,
        ..
    } = setup("");
    let receiver = Receiver::start();
    receiver.answer(Answer::FailRandomly(0.3));
    let json = subscribe(&*store, &tenant, &receiver.url("/json"), Wanted::json());
    let set = subscribe(&*store, &tenant, &receiver.url("/set"), Wanted::set());
    create_users(&server.client(&token), 40);
    let expected: Vec<String> = event_ids_after(&*store, &tenant, json.cursor);
    assert!(
        receiver.wait_until(PATIENCE * 2, |r| {
            let count = |p: &str| r.iter().filter(|r| r.path == p && r.accepted()).count();
            count("/json") >= expected.len() && count("/set") >= expected.len()
        }),
        "{} JSON and {} SETs of {}",
        receiver.accepted("/json").len(),
        receiver.accepted("/set").len(),
        expected.len()
    );
    assert_eq!(
        json_ids(&receiver, "/json"),
        expected,
        "each once, in order"
    );
    let set_ids: Vec<String> = receiver
        .accepted("/set")
        .iter()
        .map(|r| jti(&r.body))
        .collect();
    assert_eq!(set_ids, expected, "each once, in order");
    let failed = receiver.received().iter().filter(|r| !r.accepted()).count();
    assert!(failed > 0, "the receiver failed some requests");
    let _ = set;
}

/// The `jti` of a SET (not verified: the other tests verify signatures).
fn jti(token: &[u8]) -> String {
    use base64::Engine as _;
    let token = std::str::from_utf8(token).expect("a compact JWS");
    let payload = token.split('.').nth(1).expect("a payload");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url"),
    )
    .expect("JSON claims");
    claims["jti"].as_str().expect("a jti").to_owned()
}

#[test]
fn a_server_killed_while_delivering_loses_nothing_after_restart() {
    let Setup {
        deployment,
        mut server,
        store,
        tenant,
        token,
        config,
    } = setup("");
    let receiver = Receiver::start();
    // Slow answers keep deliveries in flight when the server dies.
    receiver.delay(Duration::from_millis(100));
    let sub = subscribe(&*store, &tenant, &receiver.url("/hook"), Wanted::json());
    create_users(&server.client(&token), 120);
    let expected: Vec<String> = event_ids_after(&*store, &tenant, sub.cursor);
    assert!(
        receiver.wait_until(PATIENCE, |r| r.iter().filter(|r| r.accepted()).count()
            >= 10)
    );

    server.kill();
    let killed = std::time::Instant::now();
    assert!(
        json_ids(&receiver, "/hook").len() < expected.len(),
        "the kill happened while delivering"
    );
    // A new process takes over once the dead one's lease (4 s here) has run out.
    let _server = start(&deployment, Some(&config));
    assert!(
        receiver.wait_until(PATIENCE, |r| {
            let ids: HashSet<&str> = r
                .iter()
                .filter(|r| r.accepted())
                .filter_map(|r| r.header("webhook-id"))
                .collect();
            ids.len() >= expected.len()
        }),
        "{} of {} delivered after the restart",
        json_ids(&receiver, "/hook")
            .into_iter()
            .collect::<HashSet<_>>()
            .len(),
        expected.len()
    );
    let delivered = json_ids(&receiver, "/hook");
    in_order_without_gaps(&delivered, &expected).unwrap();
    // Sent twice only if first sent before the kill: the same event, the same webhook-id.
    let before_kill = sent_before(&receiver, "/hook", killed);
    let mut seen = HashSet::new();
    for id in &delivered {
        if !seen.insert(id) {
            assert!(
                before_kill.contains(id),
                "{id} was duplicated without a kill"
            );
        }
    }
}

/// The ids of the requests to `path` that arrived before `instant`.
pub(super) fn sent_before(
    receiver: &Receiver,
    path: &str,
    instant: std::time::Instant,
) -> HashSet<String> {
    receiver
        .received()
        .iter()
        .filter(|r| r.path == path && r.arrived < instant)
        .filter_map(|r| r.header("webhook-id").map(str::to_owned))
        .collect()
}

//! The deliveries checked by independent implementations: `scripts/verify_events.py` verifies
//! Standard Webhooks signatures with the specification's `standardwebhooks` package and SETs
//! with PyJWT against the server's JWKS, checks the RFC 8417/9967/8935 shapes, and polls an
//! RFC 8936 subscription of the running server.
//!
//! The Python with those packages is `SCIM_TEST_PYTHON` (scripts/test.sh sets it to the virtual
//! environment it installs them in, pinned in scripts/conformance/requirements.txt). Without
//! it the test is skipped with a loud message, except under `CI=true`, where that fails.

use std::process::Command;

use serde_json::json;

use super::*;

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn python() -> Option<String> {
    match std::env::var("SCIM_TEST_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "CI=true but SCIM_TEST_PYTHON is not set: the independent verifiers must run in CI (scripts/test.sh sets it)"
            );
            #[expect(clippy::print_stderr, reason = "a skipped test must be loud")]
            {
                eprintln!(
                    "\n*** SKIPPING the independent verification of deliveries: SCIM_TEST_PYTHON is not set (bash scripts/test.sh sets it) ***\n"
                );
            }
            None
        }
    }
}

#[test]
fn independent_verifiers_accept_webhooks_sets_and_polls() {
    let Some(python) = python() else {
        return;
    };
    let Setup {
        deployment,
        server,
        store,
        tenant,
        token,
        ..
    } = setup("");
    let receiver = Receiver::start();
    // A SET receiver answers 202, as RFC 8935 asks.
    receiver.answer(Answer::Accept(202));
    let webhook = subscribe(
        &*store,
        &tenant,
        &receiver.url("/json"),
        Wanted::json().full(),
    );
    let full = subscribe(
        &*store,
        &tenant,
        &receiver.url("/full"),
        Wanted::set().full(),
    );
    let notice = subscribe(&*store, &tenant, &receiver.url("/notice"), Wanted::set());
    let poll = subscribe(
        &*store,
        &tenant,
        "https://poller.example.com/",
        Wanted {
            delivery: DeliveryMethod::Poll,
            ..Wanted::set()
        },
    );

    let client = server.client(&token);
    let users = create_users(&client, 3);
    let group = client
        .json(
            "POST",
            "/scim/v2/Groups",
            &json!({"schemas": [GROUP], "displayName": unique("g"), "members": [{"value": users[0]}]}),
        )
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client
        .json(
            "PUT",
            &format!("/scim/v2/Users/{}", users[1]),
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": unique("renamed"), "active": false}),
        )
        .expect(200);
    client
        .send("DELETE", &format!("/scim/v2/Groups/{group}"), &[], None)
        .expect(204);
    client
        .send("DELETE", &format!("/scim/v2/Users/{}", users[2]), &[], None)
        .expect(204);
    let expected = events_after(&*store, &tenant, webhook.cursor).len();
    assert!(receiver.wait_until(PATIENCE, |r| {
        ["/json", "/full", "/notice"]
            .iter()
            .all(|p| r.iter().filter(|r| r.path == *p && r.accepted()).count() >= expected)
    }));

    // A test delivery of each kind too.
    for sub in [&webhook, &full] {
        let state = test_state(&deployment);
        let attempt = scim_server::delivery::send_test_event(&state.delivery, &*state.store, sub)
            .expect("a test delivery");
        assert!(attempt.delivered);
    }

    let received = receiver.received();
    let webhooks: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/json")
        .map(|r| {
            json!({
                "secret": webhook.secret,
                "headers": r.headers,
                "body": String::from_utf8_lossy(&r.body),
            })
        })
        .collect();
    let sets: Vec<_> = received
        .iter()
        .filter(|r| r.path != "/json")
        .map(|r| {
            let audience = if r.path == "/full" {
                &full.url
            } else {
                &notice.url
            };
            json!({
                "token": String::from_utf8_lossy(&r.body),
                "content_type": r.header("content-type"),
                "audience": audience,
            })
        })
        .collect();
    let records = json!({
        "jwks_url": format!("{}/.well-known/jwks.json", server.base_url),
        "issuer": "scim-server",
        "webhooks": webhooks,
        "sets": sets,
        "poll": {
            "url": format!("{}/events/v1/tenants/{tenant}/subscriptions/{}/poll", server.base_url, poll.id),
            "secret": poll.secret,
            "audience": poll.url,
            "expected": expected,
        },
    });
    let path = deployment
        .log_dir()
        .join(format!("{}.json", unique("deliveries")));
    std::fs::write(&path, records.to_string()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/verify_events.py"
    );
    let output = Command::new(&python)
        .arg(script)
        .arg(&path)
        .output()
        .expect("run scripts/verify_events.py");
    assert!(
        output.status.success(),
        "the independent verifiers refused deliveries:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An application state on the deployment's database, for sending test deliveries from here.
fn test_state(deployment: &Deployment) -> scim_server::AppState {
    let mut config = scim_server::config::Config {
        database_url: Some(deployment.database_url.clone()),
        data_dir: deployment.data_dir(),
        ..scim_server::config::Config::default()
    };
    config.webhooks.allow_private_networks = true;
    config.webhooks.allow_http = true;
    config.auth.secret = deployment.secret().map(str::to_owned);
    scim_server::serve::app_state(config, store(deployment), Default::default())
        .expect("an application state")
}

//! The management commands on the real binary: subscriptions, tenant deletion, the event feed
//! (`events`, `--follow`), and the last use of keys, sharing the operations of the admin API.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::harness::{Backend, Deployment};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn subscriptions_are_managed_from_the_command_line() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    deployment.cli(&[
        "tenant",
        "create",
        "acme",
        "--project",
        "Web",
        "--role",
        "Admin",
    ]);
    let created = json(&deployment.cli(&[
        "subscription",
        "create",
        "--tenant",
        "acme",
        "--url",
        "https://product.example.com/events",
        "--event",
        "user.created",
        "--event",
        "access.revoked",
    ]));
    let id = created["id"].as_str().expect("an id").to_owned();
    let secret = created["secret"].as_str().expect("the secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        created["events"],
        serde_json::json!(["user.created", "access.revoked"])
    );
    let listed = deployment.cli(&["subscription", "list", "--tenant", "acme"]);
    assert_eq!(json(&listed)[0]["id"], id.as_str());
    assert!(!listed.contains(&secret), "a list never shows the secret");
    let updated = json(&deployment.cli(&[
        "subscription",
        "update",
        "--tenant",
        "acme",
        &id,
        "--enabled",
        "false",
        "--all-events",
    ]));
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["events"], serde_json::json!([]));
    let rotated =
        json(&deployment.cli(&["subscription", "rotate-secret", "--tenant", "acme", &id]));
    assert_ne!(rotated["secret"], secret.as_str());
    let log = json(&deployment.cli(&["subscription", "deliveries", "--tenant", "acme", &id]));
    assert_eq!(log, serde_json::json!([]));
    let rewound = json(&deployment.cli(&[
        "subscription",
        "redeliver",
        "--tenant",
        "acme",
        &id,
        "--after",
        "0",
    ]));
    assert_eq!(rewound["cursor"], 0);
    // A test message to a receiver whose name never resolves (RFC 6761): the failed attempt is
    // printed and logged.
    let unreachable = json(&deployment.cli(&[
        "subscription",
        "create",
        "--tenant",
        "acme",
        "--url",
        "https://receiver.invalid/events",
    ]));
    let unreachable = unreachable["id"].as_str().expect("an id").to_owned();
    let attempt =
        json(&deployment.cli(&["subscription", "test", "--tenant", "acme", &unreachable]));
    assert_eq!(attempt["delivered"], false, "{attempt}");
    let log = json(&deployment.cli(&[
        "subscription",
        "deliveries",
        "--tenant",
        "acme",
        &unreachable,
    ]));
    assert_eq!(log[0]["id"], attempt["id"]);

    // Refusals exit with status 1, changing nothing: https only, known event types, known ids.
    for args in [
        vec![
            "subscription",
            "create",
            "--tenant",
            "acme",
            "--url",
            "http://plain.example.com/",
        ],
        vec![
            "subscription",
            "create",
            "--tenant",
            "acme",
            "--url",
            "https://169.254.169.254/latest/meta-data",
        ],
        vec![
            "subscription",
            "create",
            "--tenant",
            "acme",
            "--url",
            "https://e.example.com/",
            "--event",
            "user.exploded",
        ],
        vec!["subscription", "show", "--tenant", "nobody", &id],
        vec![
            "subscription",
            "show",
            "--tenant",
            "acme",
            "no-such-subscription",
        ],
    ] {
        let output = deployment.run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
    }

    deployment.cli(&["subscription", "delete", "--tenant", "acme", &id]);
    assert_eq!(
        deployment
            .run(&["subscription", "show", "--tenant", "acme", &id])
            .status
            .code(),
        Some(1)
    );
    deployment.cli(&["tenant", "delete", "acme"]);
    assert!(!deployment.cli(&["tenant", "list"]).contains("acme"));
    assert_eq!(
        deployment.run(&["tenant", "delete", "acme"]).status.code(),
        Some(1)
    );
}

#[test]
fn events_prints_the_log_as_json_lines_and_follow_prints_new_events_as_they_commit() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    deployment.cli(&[
        "tenant",
        "create",
        "acme",
        "--project",
        "Web",
        "--role",
        "Admin",
    ]);
    deployment.issue_token("acme");
    let printed = deployment.cli(&["events", "--tenant", "acme"]);
    let events: Vec<Value> = printed.lines().map(json).collect();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("group.created", "cli"), ("token.issued", "cli")]);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2]);
    let resumed = deployment.cli(&["events", "--tenant", "acme", "--after", "1"]);
    assert_eq!(resumed.lines().count(), 1);
    assert_eq!(
        deployment
            .run(&["events", "--tenant", "nobody"])
            .status
            .code(),
        Some(1)
    );

    // --follow prints what is there, then each new event; it ends when its reader goes away.
    let mut follower = deployment
        .command()
        .args(["events", "--tenant", "acme", "--after", "2", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start events --follow");
    let stdout = follower.stdout.take().expect("its output");
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        // One line, then the pipe is dropped, as `| head -1` would.
        if stdout.read_line(&mut line).is_ok() {
            let _ = lines.send(line);
        }
    });
    deployment.cli(&[
        "token",
        "issue",
        "--tenant",
        "acme",
        "--description",
        "second",
    ]);
    let line = received
        .recv_timeout(Duration::from_secs(60))
        .expect("the new event, printed while following");
    let event = json(&line);
    assert_eq!(event["seq"], 3);
    assert_eq!(event["type"], "token.issued");
    reader.join().expect("the reader");
    // The next event meets a closed pipe: the follower ends, successfully.
    deployment.cli(&[
        "token",
        "issue",
        "--tenant",
        "acme",
        "--description",
        "third",
    ]);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = follower.try_wait().expect("poll the follower") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = follower.kill();
            panic!("events --follow did not end when its reader went away");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn token_list_shows_when_each_key_was_last_used() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    let used = deployment.issue_token("acme");
    deployment.issue_token("acme");
    {
        let server = deployment.start();
        server.client(&used).get("/scim/v2/Users").expect(200);
    }
    let listed = deployment.cli(&["token", "list", "--tenant", "acme"]);
    let last_uses: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.split('\t').find(|c| c.starts_with("last used ")))
        .collect();
    assert_eq!(last_uses.len(), 2, "{listed}");
    assert_eq!(
        last_uses
            .iter()
            .filter(|c| **c == "last used never")
            .count(),
        1,
        "one key was used, one was not: {listed}"
    );
}

/// A long poll on one process answers when another process (here a command) commits: the
/// waiting request rereads the database, as no commit signal crosses processes.
#[test]
fn a_waiting_feed_request_sees_the_commit_of_another_process() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    deployment.issue_token("acme");
    let admin = "an-admin-token-for-the-feed-test-0123456789";
    let server = crate::harness::Server::spawn(
        &deployment,
        |_| {
            let mut command = deployment.command();
            command.env("SCIM_ADMIN_TOKEN", admin);
            command
        },
        "serve",
    );
    let writer = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            deployment.cli(&[
                "token",
                "issue",
                "--tenant",
                "acme",
                "--description",
                "late",
            ]);
        });
        let page = server
            .client(admin)
            .get("/admin/v1/tenants/acme/events?after=1&wait=30")
            .expect(200)
            .json();
        assert_eq!(page["next_after"], 2, "{page}");
        assert_eq!(page["events"][0]["resource"]["name"], "late");
        writer.join()
    });
    writer.expect("the writer");
}

#[test]
fn console_link_prints_a_one_time_link_to_the_tenants_pages() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    deployment.cli(&["tenant", "create", "acme"]);
    let link = deployment.cli(&["console-link", "--tenant", "acme", "--expires-in", "30m"]);
    let link = link.trim();
    assert!(link.contains("/console/link/"), "{link}");
    assert_eq!(link.lines().count(), 1, "the link alone on standard output");
    let too_long = deployment.run(&["console-link", "--tenant", "acme", "--expires-in", "8d"]);
    assert_eq!(too_long.status.code(), Some(1));
    let nobody = deployment.run(&["console-link", "--tenant", "nobody"]);
    assert_eq!(nobody.status.code(), Some(1));
}

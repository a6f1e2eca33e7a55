//! Two server processes on one PostgreSQL database, as behind a load balancer: both started at
//! once on an empty database (migrations serialise on an advisory lock), then driven
//! concurrently. Uniqueness, memberships and versions hold across processes, and a key revoked
//! with the command line stops working on both within the revocation poll interval.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Client, Deployment, Server, unique};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A fresh database, two servers started together on it, and a plain tenant's key.
fn pair() -> Option<(Deployment, [Server; 2], String)> {
    let deployment = Deployment::fresh_postgres()?;
    let servers = std::thread::scope(|scope| {
        let a = scope.spawn(|| deployment.start());
        let b = scope.spawn(|| deployment.start());
        [a.join().expect("start a"), b.join().expect("start b")]
    });
    let tenant = unique("t");
    deployment.cli(&["tenant", "create", &tenant, "--plain"]);
    let token = deployment.issue_token(&tenant);
    Some((deployment, servers, token))
}

fn create_user(client: &Client, user_name: &str) -> String {
    let body = json!({"schemas": [USER], "userName": user_name, "active": true});
    client
        .json("POST", "/scim/v2/Users", &body)
        .expect(201)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[test]
fn colliding_creates_on_two_instances_leave_exactly_one_winner_per_user_name() {
    let Some((_deployment, servers, token)) = pair() else {
        return;
    };
    const NAMES: usize = 30;
    const WORKERS_PER_SERVER: usize = 3;
    let names: Vec<String> = (0..NAMES).map(|i| format!("user{i}@example.com")).collect();
    let outcomes: Vec<(String, u16)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS_PER_SERVER * 2)
            .map(|worker| {
                let client = servers[worker % 2].client(&token);
                let names = &names;
                scope.spawn(move || {
                    // Each worker walks the names from another starting point, and alternates
                    // the case: userName is unique ignoring case.
                    (0..NAMES)
                        .map(|i| {
                            let name = &names[(i + worker * 7) % NAMES];
                            let sent = if worker % 2 == 0 {
                                name.clone()
                            } else {
                                name.to_uppercase()
                            };
                            let body = json!({"schemas": [USER], "userName": sent, "active": true});
                            let response = client.json("POST", "/scim/v2/Users", &body);
                            if response.status == 409 {
                                assert_eq!(response.json()["scimType"], "uniqueness");
                            }
                            (name.clone(), response.status)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let mut by_name: BTreeMap<&str, Vec<u16>> = BTreeMap::new();
    for (name, status) in &outcomes {
        by_name.entry(name).or_default().push(*status);
    }
    for (name, statuses) in &by_name {
        let created = statuses.iter().filter(|s| **s == 201).count();
        let conflicts = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!(
            (created, conflicts),
            (1, WORKERS_PER_SERVER * 2 - 1),
            "{name}: {statuses:?}"
        );
    }
    for server in &servers {
        let list = server
            .client(&token)
            .get("/scim/v2/Users?count=1000")
            .expect(200)
            .json();
        assert_eq!(list["totalResults"], NAMES);
    }
}

#[test]
fn membership_patches_from_two_instances_lose_no_member() {
    let Some((_deployment, servers, token)) = pair() else {
        return;
    };
    const WORKERS: usize = 6;
    const USERS_PER_WORKER: usize = 10;
    let client = servers[0].client(&token);
    let group = client
        .json(
            "POST",
            "/scim/v2/Groups",
            &json!({"displayName": "Everyone", "members": []}),
        )
        .expect(201)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let users: Vec<Vec<String>> = (0..WORKERS)
        .map(|w| {
            (0..USERS_PER_WORKER)
                .map(|i| create_user(&client, &format!("w{w}u{i}@example.com")))
                .collect()
        })
        .collect();
    // Each worker adds its users one PATCH at a time, then removes every third of them again
    // by filter, through both servers alternately.
    std::thread::scope(|scope| {
        for (w, own) in users.iter().enumerate() {
            let clients = [
                servers[w % 2].client(&token),
                servers[(w + 1) % 2].client(&token),
            ];
            let path = format!("/scim/v2/Groups/{group}");
            scope.spawn(move || {
                for (i, id) in own.iter().enumerate() {
                    let body = json!({"schemas": [PATCH], "Operations": [
                        {"op": "add", "path": "members", "value": [{"value": id}]}
                    ]});
                    clients[i % 2].json("PATCH", &path, &body).expect(200);
                }
                for (i, id) in own.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
                    let body = json!({"schemas": [PATCH], "Operations": [
                        {"op": "remove", "path": format!("members[value eq \"{id}\"]")}
                    ]});
                    clients[(i + 1) % 2].json("PATCH", &path, &body).expect(200);
                }
            });
        }
    });
    let expected: BTreeSet<&str> = users
        .iter()
        .flat_map(|own| own.iter().enumerate().filter(|(i, _)| i % 3 != 0))
        .map(|(_, id)| id.as_str())
        .collect();
    for server in &servers {
        let group = server
            .client(&token)
            .get(&format!("/scim/v2/Groups/{group}"))
            .expect(200)
            .json();
        let members: BTreeSet<&str> = group["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["value"].as_str().expect("value"))
            .collect();
        assert_eq!(members, expected);
    }
}

#[test]
fn if_match_retry_loops_on_two_instances_lose_no_update() {
    let Some((_deployment, servers, token)) = pair() else {
        return;
    };
    const WORKERS: usize = 6;
    const INCREMENTS: u64 = 8;
    let id = create_user(&servers[0].client(&token), "counter@example.com");
    let path = format!("/scim/v2/Users/{id}");
    let conflicts: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let client = servers[w % 2].client(&token);
                let path = &path;
                scope.spawn(move || {
                    let mut conflicts = 0;
                    for _ in 0..INCREMENTS {
                        loop {
                            // Read, compute, write only if nobody wrote in between.
                            let current = client.get(path).expect(200);
                            let etag = current.header("etag").expect("ETag").to_owned();
                            let n: u64 = current.json()["nickName"]
                                .as_str()
                                .map_or(0, |s| s.parse().expect("a number"));
                            let body = json!({"schemas": [PATCH], "Operations": [
                                {"op": "replace", "path": "nickName", "value": (n + 1).to_string()}
                            ]});
                            let response =
                                client.json_with("PATCH", path, &body, &[("If-Match", &etag)]);
                            match response.status {
                                200 => break,
                                412 => conflicts += 1,
                                other => panic!("PATCH answered {other}: {}", response.body),
                            }
                        }
                    }
                    conflicts
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    for server in &servers {
        let user = server.client(&token).get(&path).expect(200);
        assert_eq!(
            user.json()["nickName"],
            Value::String((WORKERS as u64 * INCREMENTS).to_string()),
            "after {conflicts} refused stale writes"
        );
        // One version per successful write, after the create.
        assert_eq!(
            user.header("etag"),
            Some(format!("W/\"{}\"", 1 + WORKERS as u64 * INCREMENTS).as_str())
        );
    }
}

#[test]
fn a_key_revoked_on_the_command_line_stops_working_on_both_instances() {
    let Some((deployment, servers, token)) = pair() else {
        return;
    };
    let tenant_of_token = deployment.cli(&["token", "list"]);
    let tenant = tenant_of_token
        .lines()
        .find_map(|line| line.split('\t').nth(1))
        .expect("a listed token")
        .to_owned();
    let doomed = deployment
        .cli(&[
            "token",
            "issue",
            "--tenant",
            &tenant,
            "--description",
            "to be revoked",
        ])
        .trim()
        .to_owned();
    // Both servers verify, and cache, the key.
    for server in &servers {
        server.client(&doomed).get("/scim/v2/Users").expect(200);
    }
    let listed = deployment.cli(&["token", "list", "--tenant", &tenant]);
    let id = listed
        .lines()
        .find(|line| line.ends_with("\tto be revoked"))
        .and_then(|line| line.split('\t').next())
        .expect("the key's id in `token list`");
    deployment.cli(&["token", "revoke", id]);
    assert!(
        deployment
            .cli(&["token", "list", "--tenant", &tenant])
            .lines()
            .any(|line| line.starts_with(id) && line.contains("\trevoked\t"))
    );
    // Revocation reaches every instance within the poll interval (2 s by default); the deadline
    // only bounds the wait, it is not what is tested.
    let deadline = Instant::now() + Duration::from_secs(60);
    for server in &servers {
        let client = server.client(&doomed);
        loop {
            let response = client.get("/scim/v2/Users");
            if response.status == 401 {
                assert_eq!(
                    response.header("www-authenticate"),
                    Some("Bearer realm=\"scim\", error=\"invalid_token\"")
                );
                break;
            }
            assert_eq!(response.status, 200, "{}", response.body);
            assert!(
                Instant::now() < deadline,
                "{} still accepts a revoked key",
                server.base_url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // The tenant's other key still works.
    for server in &servers {
        server.client(&token).get("/scim/v2/Users").expect(200);
    }
}

//! A database that stops answering, and comes back. While it is unreachable every SCIM request
//! answers 503 with an error document and `Retry-After` within 2 s, `/readyz` answers 503 within
//! 1 s and `/healthz` stays 200; once it is back, requests succeed again within 5 s without a
//! restart, and every write acknowledged with a 2xx is there. SQLite has the same duty when
//! its file is locked by another process past the busy timeout, or cannot be written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Backend, Client, Deployment, Response, Server, unique};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The longest a SCIM request may take while the database is unreachable.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// The longest `/readyz` may take to say the database is unreachable.
const READY_WITHIN: Duration = Duration::from_secs(1);
/// How soon after the database is back requests must succeed again.
const RECOVER_WITHIN: Duration = Duration::from_secs(5);

/// One answered request.
#[derive(Debug)]
struct Sample {
    server: usize,
    what: &'static str,
    started: Instant,
    took: Duration,
    status: u16,
    /// A 503 as the outage must answer it (error document, `Retry-After`).
    unavailable: bool,
}

impl Sample {
    fn during(&self, from: Instant, to: Instant) -> bool {
        self.started >= from && self.started + self.took <= to
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Times `send` and records its answer.
fn sample(
    server: usize,
    what: &'static str,
    send: impl FnOnce() -> Response,
) -> (Sample, Response) {
    let started = Instant::now();
    let response = send();
    let sample = Sample {
        server,
        what,
        started,
        took: started.elapsed(),
        status: response.status,
        unavailable: response.is_unavailable(),
    };
    (sample, response)
}

/// What one client of the load did: its samples, and the writes the server acknowledged.
struct Work {
    samples: Vec<Sample>,
    /// Users whose creation was answered 201: (id, userName).
    created: Vec<(String, String)>,
    /// The client's own user, patched over and over.
    own: String,
    /// The last `nickName` a PATCH of the own user was acknowledged with.
    acknowledged_nick: u64,
}

fn create_user(client: &Client, user_name: &str) -> Response {
    let body = json!({"schemas": [USER], "userName": user_name, "active": true});
    client.json("POST", "/scim/v2/Users", &body)
}

/// One client of the load until `stop`: creates a user, patches its own user's `nickName` with
/// a counter, reads the own user by id and by filter, again and again.
fn client_load(server: usize, client: &Client, name: &str, stop: &AtomicBool) -> Work {
    let own_name = format!("{name}-own@example.com");
    let own = create_user(client, &own_name).expect(201).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut work = Work {
        samples: Vec::new(),
        created: Vec::new(),
        own,
        acknowledged_nick: 0,
    };
    let path = format!("/scim/v2/Users/{}", work.own);
    let filter = format!("/scim/v2/Users?filter=userName%20eq%20%22{own_name}%22");
    let mut n = 0_u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let user_name = format!("{name}-{n}@example.com");
        let (s, response) = sample(server, "POST", || create_user(client, &user_name));
        if s.status == 201 {
            let id = response.json()["id"].as_str().expect("id").to_owned();
            work.created.push((id, user_name));
        }
        work.samples.push(s);
        let body = json!({"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "nickName", "value": n.to_string()}
        ]});
        let (s, _) = sample(server, "PATCH", || client.json("PATCH", &path, &body));
        if s.is_success() {
            work.acknowledged_nick = n;
        }
        work.samples.push(s);
        work.samples
            .push(sample(server, "GET", || client.get(&path)).0);
        work.samples
            .push(sample(server, "GET filter", || client.get(&filter)).0);
        // A steady load, not a saturating one: on a small machine the servers, PostgreSQL and
        // the clients share the cores, and a saturated machine would time its own queueing.
        std::thread::sleep(Duration::from_millis(20));
    }
    work
}

/// `/readyz` and `/healthz` of every server, every 100 ms until `stop`.
fn probes(servers: &[Server], stop: &AtomicBool) -> Vec<Sample> {
    let clients: Vec<Client> = servers.iter().map(Server::anonymous).collect();
    let mut samples = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        for (i, client) in clients.iter().enumerate() {
            samples.push(sample(i, "/readyz", || client.get("/readyz")).0);
            samples.push(sample(i, "/healthz", || client.get("/healthz")).0);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    samples
}

/// The samples that break `rule`, described for an assertion message.
fn breaking<'s>(
    samples: impl IntoIterator<Item = &'s Sample>,
    rule: impl Fn(&Sample) -> bool,
) -> String {
    let broken: Vec<String> = samples
        .into_iter()
        .filter(|s| !rule(s))
        .map(|s| {
            format!(
                "server {} {} answered {} (took {:?})",
                s.server, s.what, s.status, s.took
            )
        })
        .collect();
    match broken.len() {
        0 => String::new(),
        n => format!("{n} samples, first: {}", broken[..n.min(5)].join("; ")),
    }
}

#[test]
fn a_postgres_outage_under_load_answers_503_at_once_and_recovers_without_restart() {
    let Some(deployment) = Deployment::fresh_postgres() else {
        return;
    };
    // The load runs far above the per-tenant rate limit, whose 429s are not what this tests.
    let unlimited = "[rate_limit]\ntenant_requests_per_second = 0";
    let servers = [
        deployment.start_with_config(unlimited),
        deployment.start_with_config(unlimited),
    ];
    let tenant = unique("t");
    deployment.cli(&["tenant", "create", &tenant, "--plain"]);
    let token = deployment.issue_token(&tenant);
    const CLIENTS_PER_SERVER: usize = 2;
    let stop_load = AtomicBool::new(false);
    let stop_probes = AtomicBool::new(false);
    let (works, probed, cutting, cut, restore) = std::thread::scope(|scope| {
        let load: Vec<_> = (0..CLIENTS_PER_SERVER * servers.len())
            .map(|c| {
                let server = c % servers.len();
                let client = servers[server].client(&token);
                let stop = &stop_load;
                scope.spawn(move || client_load(server, &client, &format!("c{c}"), stop))
            })
            .collect();
        let probing = scope.spawn(|| probes(&servers, &stop_probes));
        std::thread::sleep(Duration::from_secs(1));
        let cutting = Instant::now();
        deployment.cut_database();
        let cut = Instant::now();
        std::thread::sleep(Duration::from_secs(4));
        let restore = Instant::now();
        deployment.restore_database();
        std::thread::sleep(RECOVER_WITHIN + Duration::from_secs(2));
        stop_load.store(true, Ordering::Relaxed);
        let works: Vec<Work> = load
            .into_iter()
            .map(|w| w.join().expect("a client of the load"))
            .collect();
        stop_probes.store(true, Ordering::Relaxed);
        let probed = probing.join().expect("the probes");
        (works, probed, cutting, cut, restore)
    });
    let samples: Vec<&Sample> = works.iter().flat_map(|w| &w.samples).collect();

    // Every answer is a success or the outage's 503, never a hang, a 4xx or a bare 500.
    let wrong = breaking(samples.iter().copied(), |s| s.is_success() || s.unavailable);
    assert!(wrong.is_empty(), "answers other than 2xx or 503: {wrong}");
    let slow = breaking(
        samples
            .iter()
            .copied()
            .filter(|s| s.started >= cutting && s.started < restore),
        |s| s.took < ANSWER_WITHIN,
    );
    assert!(
        slow.is_empty(),
        "answers slower than {ANSWER_WITHIN:?} during the outage: {slow}"
    );
    // A request made entirely while the database was cut off cannot succeed: it got the 503.
    let outage: Vec<&Sample> = samples
        .iter()
        .copied()
        .filter(|s| s.during(cut, restore))
        .collect();
    for server in 0..servers.len() {
        assert!(
            outage.iter().any(|s| s.server == server),
            "server {server} answered nothing during the outage"
        );
    }
    let served = breaking(outage.iter().copied(), |s| s.status == 503);
    assert!(served.is_empty(), "answered without a database: {served}");

    let readiness: Vec<&Sample> = probed.iter().filter(|s| s.what == "/readyz").collect();
    let down = breaking(
        readiness.iter().copied().filter(|s| s.during(cut, restore)),
        |s| s.status == 503 && s.took < READY_WITHIN,
    );
    assert!(down.is_empty(), "/readyz during the outage: {down}");
    let live = breaking(probed.iter().filter(|s| s.what == "/healthz"), |s| {
        s.status == 200
    });
    assert!(live.is_empty(), "/healthz: {live}");

    // Recovery: from RECOVER_WITHIN after the database is back, everything succeeds again.
    let recovered = restore + RECOVER_WITHIN;
    let after: Vec<&Sample> = samples
        .iter()
        .chain(readiness.iter())
        .copied()
        .filter(|s| s.started >= recovered)
        .collect();
    for server in 0..servers.len() {
        assert!(after.iter().any(|s| s.server == server && s.what == "POST"));
    }
    let failing = breaking(after, Sample::is_success);
    assert!(
        failing.is_empty(),
        "still failing {RECOVER_WITHIN:?} after the database came back: {failing}"
    );

    // No acknowledged write is lost: every created user is there, and each own user carries
    // at least the last acknowledged nickName (a PATCH answered 503 may still have committed).
    for (i, server) in servers.iter().enumerate() {
        let client = server.client(&token);
        let users = all_users(&client);
        for work in &works {
            for (id, user_name) in &work.created {
                let user = users.get(id.as_str()).map(|u| &u["userName"]);
                assert_eq!(user, Some(&json!(user_name)), "server {i}");
            }
            let nick: u64 = users[work.own.as_str()]["nickName"]
                .as_str()
                .and_then(|n| n.parse().ok())
                .expect("a nickName counter");
            assert!(
                nick >= work.acknowledged_nick,
                "server {i}: nickName {nick}, acknowledged {}",
                work.acknowledged_nick
            );
        }
    }
}

/// Every user of the client's tenant, by id, read a page of 1,000 at a time.
fn all_users(client: &Client) -> std::collections::HashMap<String, serde_json::Value> {
    let mut users = std::collections::HashMap::new();
    loop {
        let page = client
            .get(&format!(
                "/scim/v2/Users?startIndex={}&count=1000",
                users.len() + 1
            ))
            .expect(200)
            .json();
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        if resources.is_empty() {
            return users;
        }
        for user in resources {
            users.insert(user["id"].as_str().expect("id").to_owned(), user);
        }
    }
}

/// The SQLite file of a deployment on SQLite.
fn sqlite_path(deployment: &Deployment) -> String {
    deployment
        .database_url
        .strip_prefix("sqlite://")
        .expect("a SQLite deployment")
        .to_owned()
}

/// Opens the deployment's SQLite file as another process would.
fn open_sqlite(deployment: &Deployment) -> diesel::SqliteConnection {
    use diesel::Connection;
    diesel::SqliteConnection::establish(&sqlite_path(deployment)).expect("open the SQLite file")
}

/// `PRAGMA integrity_check` of the deployment's SQLite file.
fn assert_intact(deployment: &Deployment) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut open_sqlite(deployment))
        .expect("check the database");
    let results: Vec<&str> = checks.iter().map(|c| c.integrity_check.as_str()).collect();
    assert_eq!(results, ["ok"]);
}

/// Sends `send` and checks that it was answered as the outage must be, in time.
#[track_caller]
fn assert_unavailable(what: &str, send: impl FnOnce() -> Response) {
    let (s, response) = sample(0, "", send);
    assert!(
        s.unavailable,
        "{what}: {} {:?} {}",
        response.status, response.headers, response.body
    );
    assert!(s.took < ANSWER_WITHIN, "{what} took {:?}", s.took);
}

#[test]
fn a_sqlite_file_locked_by_another_process_answers_writes_503_in_time_and_recovers() {
    use diesel::connection::SimpleConnection;
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    // A short wait keeps the test short: the answers come after it, not after the lock.
    let server = deployment.start_with_config("database_wait_ms = 250");
    let tenant = unique("t");
    deployment.cli(&["tenant", "create", &tenant, "--plain"]);
    let client = server.client(&deployment.issue_token(&tenant));
    let acknowledged = create_user(&client, "before@example.com")
        .expect(201)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/scim/v2/Users/{acknowledged}");

    // Another process takes the write lock and keeps it past the server's busy timeout.
    let mut holder = open_sqlite(&deployment);
    holder
        .batch_execute("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE")
        .expect("take the write lock");
    // Writers queued behind each other share one wait: none takes much longer than the first.
    std::thread::scope(|scope| {
        for n in 0..4 {
            let client = &client;
            scope.spawn(move || {
                assert_unavailable("POST", || create_user(client, &format!("w{n}@example.com")));
            });
        }
    });
    let patch = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "nickName", "value": "locked"}
    ]});
    assert_unavailable("PATCH", || client.json("PATCH", &path, &patch));
    assert_unavailable("DELETE", || client.send("DELETE", &path, &[], None));
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a",
             "data": {"schemas": [USER], "userName": "bulk-a@example.com"}},
            {"method": "POST", "path": "/Users", "bulkId": "b",
             "data": {"schemas": [USER], "userName": "bulk-b@example.com"}}
        ]
    });
    assert_unavailable("Bulk", || client.json("POST", "/scim/v2/Bulk", &bulk));
    // In WAL mode readers do not wait for a writer: the database is readable, hence ready.
    client.get(&path).expect(200);
    server.anonymous().get("/readyz").expect(200);

    holder.batch_execute("ROLLBACK").expect("release the lock");
    drop(holder);
    client.json("PATCH", &path, &patch).expect(200);
    let after = create_user(&client, "after@example.com").expect(201);
    let list = client.get("/scim/v2/Users").expect(200).json();
    let names: Vec<&str> = list["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .map(|u| u["userName"].as_str().expect("userName"))
        .collect();
    assert_eq!(
        names,
        ["before@example.com", "after@example.com"],
        "{}",
        after.body
    );
    drop(server);
    assert_intact(&deployment);
}

#[test]
fn a_read_only_sqlite_file_answers_writes_503_and_serves_reads() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    let tenant = unique("t");
    deployment.cli(&["tenant", "create", &tenant, "--plain"]);
    let token = deployment.issue_token(&tenant);
    let data_dir = deployment.data_dir();
    let database = sqlite_path(&deployment);
    // Root writes any file whatever its mode: as root, the server runs as `nobody` (uid 65534
    // on Debian), in a data directory of its own (SQLite creates its shared-memory file there)
    // on a database file it may only read.
    let as_root = std::fs::metadata(&data_dir).expect("data dir").uid() == 0;
    if as_root {
        std::os::unix::fs::chown(&data_dir, Some(65534), Some(65534)).expect("chown");
        // New database files are readable by their owner only: let `nobody` read this one.
        std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    } else {
        std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    }
    let server = Server::spawn(
        &deployment,
        |_| {
            let mut command = deployment.command();
            if as_root {
                command.uid(65534).gid(65534);
            }
            command
        },
        "serve",
    );
    let client = server.client(&token);
    client.get("/scim/v2/Users").expect(200);
    assert_unavailable("POST", || create_user(&client, "nobody@example.com"));
    server.anonymous().get("/healthz").expect(200);
    drop(server);
    assert_intact(&deployment);
}

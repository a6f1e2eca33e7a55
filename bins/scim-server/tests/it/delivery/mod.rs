//! Event delivery by the real binary: webhooks and SETs pushed to a loopback receiver, in
//! order and with valid signatures, through receiver outages, random failures, a `kill -9` of
//! the server and two instances sharing one PostgreSQL database; 410 Gone; the SSRF guard;
//! test deliveries; and the independent verifiers (Python `standardwebhooks` and PyJWT).
//!
//! Subscriptions are created through the store, from the test: [`subscribe`] is the one place
//! to change when the management API can create them.

mod faults;
mod instances;
mod push;
mod verifiers;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use scim_core::schema::SchemaRegistry;
use scim_store::{
    DeliveryMethod, Event, EventFormat, EventType, NewSubscription, Store, StoreBuilder,
    Subscription, TenantId,
};
use serde_json::json;

use crate::harness::{Client, Deployment, Server, unique};

pub(crate) use crate::harness::{Answer, Receiver};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// How long a test waits for deliveries that should all arrive (debug builds on a busy
/// two-core machine: generous).
const PATIENCE: Duration = Duration::from_secs(120);

/// Settings of a test server: deliveries to the loopback receiver over plain http allowed,
/// short leases (unless `extra` sets them) so that a killed server's subscriptions are taken
/// over quickly, and `extra`, which continues the `[webhooks]` table.
fn config_file(deployment: &Deployment, extra: &str) -> PathBuf {
    let path = deployment
        .log_dir()
        .join(format!("{}.toml", unique("config")));
    let lease = if extra.contains("lease_seconds") {
        ""
    } else {
        "lease_seconds = 4\n"
    };
    std::fs::write(
        &path,
        format!("[webhooks]\nallow_private_networks = true\nallow_http = true\n{lease}{extra}"),
    )
    .expect("write the test configuration");
    path
}

/// Starts `scim-server serve` with the configuration file `config` (none: the defaults, which
/// refuse loopback receivers and plain http).
fn start(deployment: &Deployment, config: Option<&PathBuf>) -> Server {
    Server::spawn(
        deployment,
        |_| {
            let mut command = deployment.command();
            if let Some(config) = config {
                command.env("SCIM_CONFIG", config);
            }
            command
        },
        "serve",
    )
}

/// The deployment's database, opened by the test.
fn store(deployment: &Deployment) -> Arc<dyn Store> {
    StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(2)
        .open(&deployment.database_url)
        .expect("open the deployment's database")
}

/// A SQLite deployment with a server started with [`config_file`]`(extra)`, a tenant, its key
/// and the database opened by the test.
struct Setup {
    // Dropped first: the server logs into the deployment's directory.
    server: Server,
    store: Arc<dyn Store>,
    tenant: TenantId,
    token: String,
    config: PathBuf,
    deployment: Deployment,
}

fn setup(extra: &str) -> Setup {
    let deployment = Deployment::new(crate::harness::Backend::Sqlite).expect("SQLite");
    let config = config_file(&deployment, extra);
    let server = start(&deployment, Some(&config));
    let (tenant, token) = tenant(&deployment);
    Setup {
        server,
        store: store(&deployment),
        tenant,
        token,
        config,
        deployment,
    }
}

/// The subscription once `done` holds for it (or as it is after [`PATIENCE`]).
fn eventually(
    store: &dyn Store,
    subscription: &Subscription,
    done: impl Fn(&Subscription) -> bool,
) -> Subscription {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let current = store
            .subscription(&subscription.tenant, &subscription.id)
            .expect("read the subscription")
            .expect("the subscription exists");
        if done(&current) || std::time::Instant::now() > deadline {
            return current;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A tenant with plain RFC 7644 behaviour and a SCIM key for it.
fn tenant(deployment: &Deployment) -> (TenantId, String) {
    let name = unique("t");
    deployment.cli(&["tenant", "create", &name, "--plain"]);
    let token = deployment.issue_token(&name);
    (TenantId::new(name).expect("a tenant id"), token)
}

/// What a subscription receives.
struct Wanted {
    format: EventFormat,
    delivery: DeliveryMethod,
    full: bool,
    event_types: Vec<EventType>,
}

impl Wanted {
    fn json() -> Self {
        Self {
            format: EventFormat::Json,
            delivery: DeliveryMethod::Push,
            full: false,
            event_types: Vec::new(),
        }
    }

    fn set() -> Self {
        Self {
            format: EventFormat::Set,
            ..Self::json()
        }
    }

    fn full(self) -> Self {
        Self { full: true, ..self }
    }
}

/// Creates a subscription of `tenant` to `url`, from the tenant's next event on.
fn subscribe(store: &dyn Store, tenant: &TenantId, url: &str, wanted: Wanted) -> Subscription {
    store
        .create_subscription(&NewSubscription {
            id: unique("sub"),
            tenant: tenant.clone(),
            url: url.to_owned(),
            format: wanted.format,
            delivery: wanted.delivery,
            event_types: wanted.event_types,
            full: wanted.full,
            secret: scim_server::delivery::new_secret().expect("a secret"),
            audience: None,
            description: "test".into(),
            enabled: true,
            after: None,
        })
        .expect("create a subscription")
}

/// Creates `n` users through the SCIM API; returns their ids.
fn create_users(client: &Client, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let body = json!({"schemas": [USER], "userName": format!("{}@example.com", unique("u")), "active": true});
            client
                .json("POST", "/scim/v2/Users", &body)
                .expect(201)
                .json()["id"]
                .as_str()
                .expect("an id")
                .to_owned()
        })
        .collect()
}

/// The tenant's events after `after`, in order.
fn events_after(store: &dyn Store, tenant: &TenantId, after: i64) -> Vec<Event> {
    let mut events = Vec::new();
    let mut cursor = after;
    loop {
        let batch = store.events(tenant, cursor, 1000).expect("read events");
        let Some(last) = batch.last() else {
            return events;
        };
        cursor = last.seq;
        events.extend(batch);
    }
}

/// The ids of the tenant's events after `after`, in order.
fn event_ids_after(store: &dyn Store, tenant: &TenantId, after: i64) -> Vec<String> {
    events_after(store, tenant, after)
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// The ids (`webhook-id`) of the JSON deliveries accepted at `path`, in arrival order.
fn json_ids(receiver: &Receiver, path: &str) -> Vec<String> {
    receiver
        .accepted(path)
        .iter()
        .map(|r| r.header("webhook-id").expect("a webhook-id").to_owned())
        .collect()
}

/// Whether `delivered` holds every id of `expected`, in the same order, counting each id at
/// its first delivery: after a crash, events may arrive again (the tests without one require
/// each exactly once).
fn in_order_without_gaps(delivered: &[String], expected: &[String]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<&String> = delivered.iter().filter(|id| seen.insert(*id)).collect();
    let expected: Vec<&String> = expected.iter().collect();
    if firsts == expected {
        Ok(())
    } else {
        let missing = expected.iter().filter(|id| !seen.contains(**id)).count();
        Err(format!(
            "{} delivered ({} distinct), {} expected, {missing} missing; first difference at {:?}",
            delivered.len(),
            firsts.len(),
            expected.len(),
            firsts.iter().zip(&expected).position(|(a, b)| a != b)
        ))
    }
}

//! The change log a scenario must produce: after its setup (the tenant, its groups and its key),
//! exactly these events, in this order, and nothing else, as a product's webhook receives them
//! from the server (a JSON subscription delivered to a receiver on loopback).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use scim_core::schema::SchemaRegistry;
use scim_store::{DeliveryMethod, EventFormat, NewSubscription, Store, StoreBuilder, TenantId};
use serde::Deserialize;
use serde_json::Value;

use crate::harness::{Received, Receiver, unique};

/// One expected event. Strings may hold `{{name}}` values captured by the scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedEvent {
    /// The type (`user.created`).
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    /// The resource's id; absent: any.
    #[serde(default)]
    pub(crate) resource: Option<String>,
    /// How many such events come in a row (1 unless given).
    #[serde(default)]
    pub(crate) count: Option<usize>,
    /// `access.*`: the project.
    #[serde(default)]
    pub(crate) project: Option<String>,
    /// `access.*`: the role.
    #[serde(default)]
    pub(crate) role: Option<String>,
    /// Member and access events: the ids, in order.
    #[serde(default)]
    pub(crate) members: Option<Vec<String>>,
    /// The attributes changed, in order.
    #[serde(default)]
    pub(crate) changed: Option<Vec<String>>,
}

/// What a product's webhook receives: one JSON subscription per scenario, delivered by the
/// server to a receiver on loopback, every request's Standard Webhooks signature checked.
pub(crate) struct Delivered {
    store: Arc<dyn Store>,
    receiver: Receiver,
}

/// One scenario's subscription.
pub(crate) struct Subscribed {
    path: String,
    secret: String,
    /// The tenant's last event before the subscription.
    after: i64,
}

/// How long the events of a scenario may take to arrive.
const PATIENCE: Duration = Duration::from_secs(30);

impl Delivered {
    pub(crate) fn start(database_url: &str) -> Self {
        let store = StoreBuilder::new(SchemaRegistry::standard())
            .max_connections(1)
            .open(database_url)
            .unwrap_or_else(|e| panic!("open {database_url} to subscribe: {e}"));
        Self {
            store,
            receiver: Receiver::start(),
        }
    }

    /// Subscribes to `tenant`'s events after its last one so far.
    pub(crate) fn subscribe(&self, tenant: &str) -> Subscribed {
        let tenant = TenantId::new(tenant).expect("a tenant id");
        let after = self
            .store
            .events(&tenant, 0, 100_000)
            .unwrap_or_else(|e| panic!("read the events of {tenant}: {e}"))
            .last()
            .map_or(0, |e| e.seq);
        let path = format!("/{tenant}");
        let secret = scim_server::delivery::new_secret().expect("a secret");
        self.store
            .create_subscription(&NewSubscription {
                id: unique("sub"),
                tenant: tenant.clone(),
                url: self.receiver.url(&path),
                format: EventFormat::Json,
                delivery: DeliveryMethod::Push,
                event_types: Vec::new(),
                full: false,
                secret: secret.clone(),
                audience: None,
                description: "replay".into(),
                enabled: true,
                after: Some(after),
            })
            .unwrap_or_else(|e| panic!("subscribe to {tenant}: {e}"));
        Subscribed {
            path,
            secret,
            after,
        }
    }

    /// Every event the tenant has had since the subscription, as the receiver got them: each
    /// once (deduplicated by id, as a receiver must), signed, in `seq` order without a gap.
    pub(crate) fn since(&self, tenant: &str, subscribed: &Subscribed) -> Vec<Seen> {
        let tenant_id = TenantId::new(tenant).expect("a tenant id");
        let committed = self
            .store
            .events(&tenant_id, subscribed.after, 100_000)
            .unwrap_or_else(|e| panic!("read the events of {tenant}: {e}"))
            .len();
        let distinct = |requests: &[Received]| {
            requests
                .iter()
                .filter(|r| r.path == subscribed.path && r.accepted())
                .filter_map(|r| r.header("webhook-id"))
                .collect::<BTreeSet<_>>()
                .len()
        };
        let arrived = self
            .receiver
            .wait_until(PATIENCE, |requests| distinct(requests) >= committed);
        assert!(
            arrived,
            "{tenant}: {committed} events committed, {} delivered within {PATIENCE:?}",
            distinct(&self.receiver.received())
        );
        let mut seen: BTreeMap<i64, Seen> = BTreeMap::new();
        for request in self.receiver.accepted(&subscribed.path) {
            let id = request.header("webhook-id").expect("a webhook-id");
            let timestamp: i64 = request
                .header("webhook-timestamp")
                .and_then(|t| t.parse().ok())
                .expect("a webhook-timestamp");
            let expected = scim_server::delivery::webhooks::signature(
                &subscribed.secret,
                id,
                timestamp,
                &request.body,
            )
            .expect("a signature");
            assert_eq!(
                request.header("webhook-signature"),
                Some(expected.as_str()),
                "{tenant}: event {id} is signed with the subscription's secret"
            );
            let event = Seen::of(&request.json());
            assert_eq!(event.id, id, "webhook-id is the event's id");
            seen.insert(event.seq, event);
        }
        let seqs: Vec<i64> = seen.keys().copied().collect();
        let expected_seqs: Vec<i64> =
            (subscribed.after + 1..=subscribed.after + committed as i64).collect();
        assert_eq!(seqs, expected_seqs, "{tenant}: every event once, in order");
        seen.into_values().collect()
    }
}

/// An event as a receiver got it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    id: String,
    seq: i64,
    event_type: String,
    resource: String,
    members: Vec<String>,
    changed: Vec<String>,
    access: Option<(String, String)>,
    /// The JSON without what differs from run to run, for messages.
    line: String,
}

impl Seen {
    fn of(json: &Value) -> Self {
        let text = |key: &str| json[key].as_str().unwrap_or_default().to_owned();
        let list = |key: &str| -> Vec<String> {
            json[key]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let access = json["project"]
            .as_str()
            .zip(json["role"].as_str())
            .map(|(p, r)| (p.to_owned(), r.to_owned()));
        let members = if access.is_some() {
            list("users")
        } else {
            list("members")
        };
        let mut line = json.clone();
        if let Value::Object(map) = &mut line {
            for noise in ["id", "txn", "tenant", "occurred_at", "seq"] {
                map.shift_remove(noise);
            }
        }
        Self {
            id: text("id"),
            seq: json["seq"].as_i64().unwrap_or_default(),
            event_type: text("type"),
            resource: json["resource"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            members,
            changed: list("changed"),
            access,
            line: line.to_string(),
        }
    }
}

/// Where `actual` departs from `expected` (already substituted), or `None`.
pub(crate) fn mismatch(expected: &[ExpectedEvent], actual: &[Seen]) -> Option<String> {
    let wanted: Vec<&ExpectedEvent> = expected
        .iter()
        .flat_map(|e| std::iter::repeat_n(e, e.count.unwrap_or(1)))
        .collect();
    for (i, (want, got)) in wanted.iter().zip(actual).enumerate() {
        let members_ok = want.members.as_ref().is_none_or(|m| *m == got.members);
        let changed_ok = want.changed.as_ref().is_none_or(|c| *c == got.changed);
        let resource_ok = want.resource.as_ref().is_none_or(|r| *r == got.resource);
        let access = got.access.as_ref().map(|(p, r)| (p.as_str(), r.as_str()));
        let access_ok = match (&want.project, &want.role) {
            (None, None) => access.is_none(),
            (p, r) => access == Some((p.as_deref().unwrap_or(""), r.as_deref().unwrap_or(""))),
        };
        if got.event_type != want.event_type
            || !resource_ok
            || !members_ok
            || !changed_ok
            || !access_ok
        {
            return Some(format!(
                "event {} (seq {}) is {}, expected {want:?}",
                i + 1,
                got.seq,
                got.line
            ));
        }
    }
    if wanted.len() != actual.len() {
        let extra: Vec<&str> = actual
            .iter()
            .skip(wanted.len())
            .map(|e| e.line.as_str())
            .collect();
        return Some(format!(
            "{} events, expected {}; beyond the expected: {extra:#?}",
            actual.len(),
            wanted.len()
        ));
    }
    None
}

/// `actual` as expectations, with captured values written as `{{name}}` again: the starting
/// point for a scenario's `events`, to be checked by reading it against the steps.
pub(crate) fn draft(actual: &[Seen], vars: &BTreeMap<String, String>) -> String {
    let name_of = |value: &str| -> String {
        vars.iter()
            .find(|(name, v)| v.as_str() == value && name.as_str() != "tenant")
            .map_or_else(|| value.to_owned(), |(name, _)| format!("{{{{{name}}}}}"))
    };
    let lines: Vec<String> = actual
        .iter()
        .map(|e| {
            let mut line = serde_json::json!({
                "type": e.event_type,
                "resource": name_of(&e.resource),
            });
            if let Some((project, role)) = &e.access {
                line["project"] = project.as_str().into();
                line["role"] = role.as_str().into();
            }
            if !e.members.is_empty() {
                line["members"] = e.members.iter().map(|m| name_of(m)).collect();
            }
            line.to_string()
        })
        .collect();
    format!("\"events\": [\n    {}\n  ]", lines.join(",\n    "))
}

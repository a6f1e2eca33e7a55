//! The change log a scenario must produce: after its setup (the tenant, its groups and its key),
//! exactly these events, in this order, and nothing else.

use scim_core::schema::SchemaRegistry;
use scim_store::{Event, Store, StoreBuilder, TenantId};
use serde::Deserialize;
use serde_json::Value;

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

/// The change log of one deployment, read as the product would read it.
pub(crate) struct EventLog {
    store: std::sync::Arc<dyn Store>,
}

impl EventLog {
    pub(crate) fn open(database_url: &str) -> Self {
        let store = StoreBuilder::new(SchemaRegistry::standard())
            .max_connections(1)
            .open(database_url)
            .unwrap_or_else(|e| panic!("open {database_url} to read its events: {e}"));
        Self { store }
    }

    /// The tenant's last event number.
    pub(crate) fn last_seq(&self, tenant: &str) -> i64 {
        self.since(tenant, 0).last().map_or(0, |e| e.seq)
    }

    /// The tenant's events after `after`.
    pub(crate) fn since(&self, tenant: &str, after: i64) -> Vec<Event> {
        let tenant = TenantId::new(tenant).expect("a tenant id");
        self.store
            .events(&tenant, after, 100_000)
            .unwrap_or_else(|e| panic!("read the events of {tenant}: {e}"))
    }
}

/// Where `actual` departs from `expected` (already substituted), or `None`.
pub(crate) fn mismatch(expected: &[ExpectedEvent], actual: &[Event]) -> Option<String> {
    let wanted: Vec<&ExpectedEvent> = expected
        .iter()
        .flat_map(|e| std::iter::repeat_n(e, e.count.unwrap_or(1)))
        .collect();
    for (i, (want, got)) in wanted.iter().zip(actual).enumerate() {
        let members_ok = want.members.as_ref().is_none_or(|m| *m == got.members);
        let changed_ok = want.changed.as_ref().is_none_or(|c| *c == got.changed);
        let resource_ok = want.resource.as_ref().is_none_or(|r| *r == got.resource.id);
        let access = got.access.as_ref().map(|(p, r)| (p.as_str(), r.as_str()));
        let access_ok = match (&want.project, &want.role) {
            (None, None) => access.is_none(),
            (p, r) => access == Some((p.as_deref().unwrap_or(""), r.as_deref().unwrap_or(""))),
        };
        if got.event_type.as_str() != want.event_type
            || !resource_ok
            || !members_ok
            || !changed_ok
            || !access_ok
        {
            return Some(format!(
                "event {} (seq {}) is {}, expected {want:?}",
                i + 1,
                got.seq,
                describe(got)
            ));
        }
    }
    if wanted.len() != actual.len() {
        let extra: Vec<String> = actual.iter().skip(wanted.len()).map(describe).collect();
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
pub(crate) fn draft(actual: &[Event], vars: &std::collections::BTreeMap<String, String>) -> String {
    let name_of = |value: &str| -> String {
        vars.iter()
            .find(|(name, v)| v.as_str() == value && name.as_str() != "tenant")
            .map_or_else(|| value.to_owned(), |(name, _)| format!("{{{{{name}}}}}"))
    };
    let lines: Vec<String> = actual
        .iter()
        .map(|e| {
            let mut line = serde_json::json!({
                "type": e.event_type.as_str(),
                "resource": name_of(&e.resource.id),
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

/// An event as one line of JSON, for failure messages.
pub(crate) fn describe(event: &Event) -> String {
    let mut json = event.to_json(false);
    if let Value::Object(map) = &mut json {
        for noise in ["id", "txn", "tenant", "occurred_at", "seq"] {
            map.shift_remove(noise);
        }
    }
    json.to_string()
}

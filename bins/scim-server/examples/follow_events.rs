//! Follows a tenant's event feed (docs/events.md): resumes from a saved seq, skips events it has
//! applied already (by id), and applies the rest in order.
//!
//! ```sh
//! cargo run -p scim-server --example follow_events -- http://127.0.0.1:8080 acme "$SCIM_ADMIN_TOKEN"
//! ```
//!
//! A fourth argument, `--once`, stops when the feed is caught up. The state (the last seq and
//! the ids applied) is kept in `feed-state.json`; a product keeps it in its own database, in
//! the transaction that applies the event.
#![expect(clippy::print_stdout, reason = "the example prints what it applies")]

use std::collections::BTreeSet;

use serde_json::{Value, json};

const STATE: &str = "feed-state.json";

/// The last seq applied and the ids of the events applied (kept with it, so that an event
/// delivered again after a crash is recognised).
fn load_state() -> (i64, BTreeSet<String>) {
    let Ok(text) = std::fs::read_to_string(STATE) else {
        return (0, BTreeSet::new());
    };
    let state: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let after = state["after"].as_i64().unwrap_or(0);
    let seen = state["seen"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    (after, seen)
}

fn save_state(after: i64, seen: &BTreeSet<String>) -> std::io::Result<()> {
    // Write-then-rename: a crash leaves the old state or the new one, never half of one.
    let tmp = format!("{STATE}.tmp");
    std::fs::write(&tmp, json!({"after": after, "seen": seen}).to_string())?;
    std::fs::rename(tmp, STATE)
}

/// The product's reaction; here, one line per event.
fn apply(event: &Value) {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let resource = &event["resource"];
    println!(
        "{} {} {} {} by {}",
        event["seq"],
        text(&event["type"]),
        text(&resource["type"]),
        text(&resource["id"]),
        text(&event["actor"])
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, tenant, token, rest @ ..] = args.as_slice() else {
        return Err("usage: follow_events BASE_URL TENANT ADMIN_TOKEN [--once]".into());
    };
    let once = rest.iter().any(|a| a == "--once");
    let wait = if once { 0 } else { 30 };
    let (mut after, mut seen) = load_state();
    loop {
        let url =
            format!("{base}/admin/v1/tenants/{tenant}/events?after={after}&limit=100&wait={wait}");
        let page: Value = ureq::get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()?
            .body_mut()
            .read_json()?;
        let events = page["events"].as_array().cloned().unwrap_or_default();
        for event in &events {
            // In seq order.
            let id = event["id"].as_str().unwrap_or_default().to_owned();
            if !seen.contains(&id) {
                apply(event);
                seen.insert(id);
            }
            after = event["seq"].as_i64().unwrap_or(after);
            save_state(after, &seen)?;
        }
        after = page["next_after"].as_i64().unwrap_or(after);
        if once && events.is_empty() {
            return Ok(());
        }
    }
}

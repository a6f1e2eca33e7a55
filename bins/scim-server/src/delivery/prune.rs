//! Retention: events older than `events.retention_days` are deleted every hour, except those
//! an enabled subscription has not received yet (`Store::prune_events` keeps them).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use scim_store::Store;

/// How often old events are pruned.
const EVERY: Duration = Duration::from_secs(3600);

/// How long after start the first pruning runs (not at once: a fleet restarting together
/// would all prune at the same moment, while starting).
const FIRST: Duration = Duration::from_secs(60);

/// Starts the pruning thread; none when `retention_days` is 0 (events are kept forever).
pub(crate) fn start(
    store: Arc<dyn Store>,
    retention_days: u32,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Option<JoinHandle<()>>> {
    if retention_days == 0 {
        return Ok(None);
    }
    let thread = std::thread::Builder::new()
        .name("event-pruning".into())
        .spawn(move || {
            let mut next = Instant::now() + FIRST;
            while !stop.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    prune(&*store, retention_days);
                    next = Instant::now() + EVERY;
                }
                // Short sleeps, so that stopping the server is not held up.
                std::thread::sleep(Duration::from_millis(250));
            }
        })?;
    Ok(Some(thread))
}

fn prune(store: &dyn Store, retention_days: u32) {
    let older_than = Utc::now() - chrono::Duration::days(i64::from(retention_days));
    match store.prune_events(older_than) {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(
            pruned,
            retention_days,
            "deleted events past their retention"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot prune old events; trying again in an hour"),
    }
}

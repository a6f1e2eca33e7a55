//! Delivery of a tenant's events to its subscriptions.
//!
//! Push subscriptions receive each event as an HTTP POST: the event's JSON signed by the
//! Standard Webhooks scheme ([`webhooks`]), or an RFC 9967 Security Event Token ([`set`],
//! signed with the key of [`keys`]) sent as RFC 8935 describes. Poll subscriptions fetch SETs
//! and acknowledge them (RFC 8936, [`poll`]). Delivery is at least once, in `seq` order per
//! subscription, from a cursor kept in the database; several processes on one database share
//! the work by leases, and retries back off exponentially (`backoff`) up to hours.
//!
//! | module | what |
//! | --- | --- |
//! | [`ssrf`] | which receivers may be reached: URL checks and a resolver that refuses private addresses |
//! | `client` | the blocking HTTP client (timeouts, no redirects, keep-alive, rustls) |
//! | [`webhooks`] | Standard Webhooks secrets and signatures |
//! | [`set`] | our events as RFC 9967 SETs |
//! | [`keys`] | the ES256 event-signing key, kept in the database, and its JWKS |
//! | `outbound` | one attempt: encode, send, judge the answer |
//! | `worker` | the dispatcher and worker threads: leases, batches, retries |
//! | `prune` | hourly deletion of events past their retention |
//! | [`poll`] | RFC 8936 requests and answers |
//! | `test_event` | test deliveries |
//!
//! Every delivery runs on threads of its own, never on the async executor: a receiver that
//! takes 15 seconds to answer holds one delivery thread, and nothing else.

pub(crate) mod backoff;
mod client;
pub mod keys;
mod outbound;
pub mod poll;
mod prune;
pub mod set;
pub mod ssrf;
mod test_event;
pub mod webhooks;
mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

pub use keys::{EventKeyError, EventKeys};
pub use outbound::{EncodeError, Outbound};
pub use set::EVENT_URIS;
pub use ssrf::{DeliveryUrl, UrlRefusal, check_url};
pub use test_event::{TestEventError, send_test_event};
pub use webhooks::{SecretError, new_secret};

use crate::state::AppState;

/// The delivery and pruning threads of a running server.
pub struct Delivery {
    workers: Option<worker::Workers>,
    pruning: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Delivery {
    /// Starts `webhooks.workers` delivery threads (none when it is 0) and the pruning thread
    /// (none when `events.retention_days` is 0).
    pub fn start(state: &AppState) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let workers = if state.config.webhooks.workers > 0 {
            Some(worker::Workers::start(state)?)
        } else {
            None
        };
        let pruning = prune::start(
            state.store.clone(),
            state.config.events.retention_days,
            stop.clone(),
        )?;
        Ok(Self {
            workers,
            pruning,
            stop,
        })
    }

    /// Stops the threads and waits for them: each delivery finishes its current request,
    /// records its progress and releases its lease, so another instance can go on at once.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(workers) = self.workers {
            workers.stop();
        }
        if let Some(pruning) = self.pruning {
            let _ = pruning.join();
        }
    }
}

//! The delivery threads of one process: a dispatcher that leases subscriptions with work to
//! do, and `webhooks.workers` workers that each deliver one leased subscription at a time.
//!
//! **Leases.** `Store::claim_subscriptions` gives a due subscription with undelivered events to
//! one process until its lease ends (`webhooks.lease_seconds`); on PostgreSQL, processes claiming
//! at once skip each other's rows (`FOR UPDATE SKIP LOCKED`). The worker extends the lease
//! every time it records progress, so a subscription stays with one process while it has work,
//! and is released when it catches up or fails. If the process dies, the lease runs out and
//! another process resumes from the cursor in the database.
//!
//! **Order and at-least-once.** A worker sends a subscription's events one after the other, in
//! `seq` order, and moves the cursor only over events the receiver took (or, for a SET, refused
//! for good: RFC 8935 `invalid_request`). Progress is recorded in batches
//! (`Store::finish_delivery`, at most every [`FLUSH_INTERVAL`]): after a crash, the events sent
//! since the last record are sent again, with the same `webhook-id` / `jti`.
//!
//! **Waking.** The dispatcher wakes on every commit of this process (`EventSignals`) for a
//! tenant with a push subscription, so the delay from commit to delivery is that of one claim,
//! and otherwise looks at the database every [`POLL`] for work committed by other processes
//! and for retries coming due. It reads which tenants have push subscriptions at the same
//! interval: a subscription made since is served from the next poll on, within [`POLL`]; while
//! the database has none, the dispatcher claims nothing.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use scim_store::{
    DELIVERY_LOG_LENGTH, DeliveryAttempt, DeliveryEnd, Event, EventFormat, Store, Subscription,
    TenantId,
};

use super::backoff;
use super::outbound::{EncodeError, Message, Verdict};
use crate::state::AppState;

/// How often the database is asked for work that no commit of this process announced.
pub(crate) const POLL: Duration = Duration::from_secs(1);

/// How many events are read from the log at once.
const BATCH: u32 = 500;

/// How many events are encoded ahead of the one being sent.
const ENCODE_AHEAD: usize = 16;

/// Progress is recorded (and the lease extended) at least this often while delivering.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(500);

/// The delivery threads of this process.
pub(crate) struct Workers {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

struct Shared {
    state: AppState,
    /// This process's lease owner: a fresh id per start.
    owner: String,
    stop: AtomicBool,
    queue: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Default)]
struct Queue {
    /// Leased and waiting for a worker.
    waiting: VecDeque<Subscription>,
    /// Leased and not finished: waiting or being delivered.
    held: HashSet<String>,
    /// Workers waiting for a subscription.
    idle: usize,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // Nothing panics while holding the lock; should it, the queue is still consistent.
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn lease_until(&self) -> chrono::DateTime<Utc> {
        let seconds = i64::try_from(self.state.config.webhooks.lease_seconds.max(1)).unwrap_or(60);
        Utc::now() + chrono::Duration::seconds(seconds)
    }
}

impl Workers {
    /// Starts the dispatcher and `webhooks.workers` workers.
    pub(crate) fn start(state: &AppState) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: state.clone(),
            owner: uuid::Uuid::new_v4().to_string(),
            stop: AtomicBool::new(false),
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let mut threads = Vec::new();
        for n in 0..state.config.webhooks.workers {
            let shared = shared.clone();
            threads.push(
                std::thread::Builder::new()
                    .name(format!("delivery-{n}"))
                    .spawn(move || work(&shared))?,
            );
        }
        let dispatcher = shared.clone();
        threads.push(
            std::thread::Builder::new()
                .name("delivery-dispatch".into())
                .spawn(move || dispatch(&dispatcher))?,
        );
        Ok(Self { shared, threads })
    }

    /// Stops every thread: deliveries in progress end after their current request, record
    /// their progress and release their leases.
    pub(crate) fn stop(self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.ready.notify_all();
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// The dispatcher: leases due subscriptions for idle workers.
fn dispatch(shared: &Shared) {
    let store = &shared.state.store;
    let signals = &shared.state.signals;
    let mut tenants_read_at: Option<Instant> = None;
    // Whether the database has any enabled push subscription: without one there is nothing to
    // claim, and an idle server costs its database no transaction a second. Unknown counts as
    // yes.
    let mut any_to_deliver = true;
    while !shared.stopping() {
        if tenants_read_at.is_none_or(|at| at.elapsed() >= POLL) {
            match store.push_subscription_tenants() {
                Ok(tenants) => {
                    any_to_deliver = !tenants.is_empty();
                    signals.deliver_for(tenants);
                }
                Err(e) => {
                    any_to_deliver = true;
                    tracing::warn!(error = %e, "cannot read which tenants have push subscriptions; retrying")
                }
            }
            tenants_read_at = Some(Instant::now());
        }
        // Read before claiming, so that a commit during the claim still wakes the wait below.
        let seen = signals.delivery_generation();
        // The queue stays locked during the claim. A worker ends a run by recording it
        // (`finish_delivery`) and then, under this lock, taking the subscription out of
        // `held`: so a subscription claimed here and not held was claimed after that record,
        // and its cursor and lease are current. Without the lock, a claim read just before a
        // run's last record could hand a worker the old cursor, and its events would be sent
        // twice.
        let mut queue = shared.queue();
        let wanted = queue.idle.saturating_sub(queue.waiting.len());
        if wanted > 0 && any_to_deliver {
            // Subscriptions this process holds are claimed again too (which extends their
            // leases): ask for enough to find `wanted` new ones.
            let limit = u32::try_from(queue.held.len() + wanted).unwrap_or(u32::MAX);
            match store.claim_subscriptions(&shared.owner, shared.lease_until(), limit) {
                Ok(claimed) => {
                    let mut added = 0;
                    for subscription in claimed {
                        if added < wanted && !queue.held.contains(&subscription.id) {
                            queue.held.insert(subscription.id.clone());
                            queue.waiting.push_back(subscription);
                            added += 1;
                        }
                    }
                    if added > 0 {
                        shared.ready.notify_all();
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim subscriptions to deliver; retrying")
                }
            }
        }
        drop(queue);
        signals.wait_for_delivery(seen, POLL);
    }
}

/// A worker: delivers one leased subscription after another.
fn work(shared: &Shared) {
    loop {
        let subscription = {
            let mut queue = shared.queue();
            queue.idle += 1;
            let subscription = loop {
                if shared.stopping() {
                    queue.idle -= 1;
                    return;
                }
                if let Some(subscription) = queue.waiting.pop_front() {
                    break subscription;
                }
                queue = shared
                    .ready
                    .wait_timeout(queue, POLL)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|e| e.into_inner().0);
            };
            queue.idle -= 1;
            subscription
        };
        let id = subscription.id.clone();
        Run::new(shared, subscription).deliver();
        shared.queue().held.remove(&id);
    }
}

/// One subscription's delivery, from its lease to its release.
struct Run<'s> {
    shared: &'s Shared,
    subscription: Subscription,
    format: &'static str,
    /// The last event delivered (or passed over).
    cursor: i64,
    /// Whether the cursor moved since the lease began: a failure then starts a new run of
    /// failures instead of continuing the old one.
    progressed: bool,
    /// Attempts not recorded yet (the last [`DELIVERY_LOG_LENGTH`]: the log keeps no more).
    attempts: VecDeque<DeliveryAttempt>,
    flushed_at: Instant,
    flushed_cursor: i64,
    /// The last event known to exist, for the queue depth.
    last_seq: i64,
    /// This run's share of the queue-depth gauge.
    depth: i64,
}

impl<'s> Run<'s> {
    fn new(shared: &'s Shared, subscription: Subscription) -> Self {
        let cursor = subscription.cursor;
        Self {
            shared,
            format: subscription.format.as_str(),
            subscription,
            cursor,
            progressed: false,
            attempts: VecDeque::new(),
            flushed_at: Instant::now(),
            flushed_cursor: cursor,
            last_seq: cursor,
            depth: 0,
        }
    }

    fn store(&self) -> &dyn Store {
        &*self.shared.state.store
    }

    fn deliver(mut self) {
        let end = self.deliver_until_done();
        self.end(end);
        self.report_depth(0);
    }

    /// Delivers until caught up, stopped, failed or the lease is lost; returns how the run
    /// ends, or `None` when nothing more may be recorded (the lease is gone).
    fn deliver_until_done(&mut self) -> Option<DeliveryEnd> {
        let tenant = self.subscription.tenant.clone();
        let mut first = true;
        loop {
            if self.shared.stopping() {
                return Some(DeliveryEnd::Delivered { lease_until: None });
            }
            let batch = match self.store().events(&tenant, self.cursor, BATCH) {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(subscription = %self.subscription.id, error = %e, "cannot read events to deliver");
                    return Some(DeliveryEnd::Delivered { lease_until: None });
                }
            };
            let Some(last) = batch.last().map(|e| e.seq) else {
                return Some(DeliveryEnd::Delivered { lease_until: None });
            };
            self.last_seq = self.last_seq.max(last);
            if first && batch.len() == BATCH as usize {
                // A backlog longer than one batch: find its end once, for the queue depth.
                self.last_seq = last_seq(self.store(), &tenant, last);
            }
            first = false;
            self.report_depth(self.last_seq - self.cursor);
            if let Some(end) = self.deliver_batch(&batch) {
                return end;
            }
        }
    }

    /// Sends a batch of events, in order; `Some` ends the run (with `Some(None)` when nothing
    /// more may be recorded).
    ///
    /// SETs are signed on a second thread, a few events ahead of the sending: an ES256
    /// signature costs about as much as sending the SET to a nearby receiver, and the two
    /// overlap (1.6 times the SETs per second, docs/benchmarks.md). JSON costs little to
    /// encode, and is encoded as it is sent.
    fn deliver_batch(&mut self, batch: &[Event]) -> Option<Option<DeliveryEnd>> {
        let outbound = self.shared.state.delivery.clone();
        let subscription = self.subscription.clone();
        if subscription.format == EventFormat::Json {
            return self.send_all(
                batch,
                batch.iter().map(|e| outbound.message(e, &subscription)),
            );
        }
        std::thread::scope(|scope| {
            let (encoded, encodings) = std::sync::mpsc::sync_channel(ENCODE_AHEAD);
            scope.spawn(move || {
                for event in batch {
                    // The sender stopped early (a failure, a stop): so does the encoder.
                    if encoded
                        .send(outbound.message(event, &subscription))
                        .is_err()
                    {
                        return;
                    }
                }
            });
            self.send_all(batch, encodings)
        })
    }

    /// Sends `batch`, each event encoded as `messages` yields it.
    fn send_all(
        &mut self,
        batch: &[Event],
        messages: impl IntoIterator<Item = Result<Option<Message>, EncodeError>>,
    ) -> Option<Option<DeliveryEnd>> {
        for (event, message) in batch.iter().zip(messages) {
            if self.shared.stopping() {
                return Some(Some(DeliveryEnd::Delivered { lease_until: None }));
            }
            if let Some(end) = self.deliver_one(event, message) {
                return Some(Some(end));
            }
            if (self.attempts.len() >= DELIVERY_LOG_LENGTH as usize
                || self.flushed_at.elapsed() >= FLUSH_INTERVAL)
                && !self.flush()
            {
                return Some(None);
            }
        }
        None
    }

    /// Sends one event, encoded as `message`; `Some` ends the run.
    fn deliver_one(
        &mut self,
        event: &Event,
        message: Result<Option<Message>, EncodeError>,
    ) -> Option<DeliveryEnd> {
        let outbound = &self.shared.state.delivery;
        let message: Message = match message {
            Ok(Some(message)) => message,
            Ok(None) => {
                // Not for this subscription: the cursor moves over it.
                self.advance(event.seq);
                return None;
            }
            Err(e) => {
                tracing::warn!(subscription = %self.subscription.id, error = %e, "cannot encode an event for delivery");
                return Some(self.failed(format!("cannot encode the event: {e}"), None));
            }
        };
        let sent = outbound.send(&self.subscription, &message);
        let metrics = &self.shared.state.metrics.delivery;
        metrics
            .attempts
            .with_label_values(&[self.format, sent.verdict.label()])
            .inc();
        self.record(sent.attempt);
        match sent.verdict {
            Verdict::Delivered => {
                let lag = (Utc::now() - event.occurred_at)
                    .num_microseconds()
                    .unwrap_or(0);
                metrics
                    .lag
                    .with_label_values(&[self.format])
                    .observe(lag.max(0) as f64 / 1e6);
                self.advance(event.seq);
                None
            }
            Verdict::Rejected(why) => {
                tracing::warn!(subscription = %self.subscription.id, event = %event.id, reason = %why, "the receiver rejected a SET; it is not sent again");
                self.advance(event.seq);
                None
            }
            Verdict::Failed(why) => Some(self.failed(why, sent.retry_after)),
            Verdict::Gone(why) => {
                tracing::warn!(subscription = %self.subscription.id, "the receiver answered 410 Gone: deliveries to it stop until it is enabled again");
                Some(DeliveryEnd::Gone { error: why })
            }
        }
    }

    fn advance(&mut self, seq: i64) {
        self.cursor = self.cursor.max(seq);
        self.progressed = true;
        self.report_depth(self.last_seq - self.cursor);
    }

    fn record(&mut self, attempt: DeliveryAttempt) {
        if self.attempts.len() >= DELIVERY_LOG_LENGTH as usize {
            self.attempts.pop_front();
        }
        self.attempts.push_back(attempt);
    }

    /// The end of a run whose last attempt failed: retry after a backoff that grows with the
    /// consecutive failures.
    fn failed(&mut self, why: String, retry_after: Option<Duration>) -> DeliveryEnd {
        self.shared
            .state
            .metrics
            .delivery
            .failures
            .with_label_values(&[self.format])
            .inc();
        // Events delivered in this run before the failure end the previous run of failures.
        let failures = if self.progressed {
            1
        } else {
            self.subscription.attempts.saturating_add(1)
        };
        let webhooks = &self.shared.state.config.webhooks;
        let delay = backoff::delay(
            failures,
            backoff::BASE,
            Duration::from_secs(webhooks.max_retry_seconds.max(1)),
            retry_after,
            backoff::unit(),
        );
        tracing::info!(subscription = %self.subscription.id, error = %why, retry_in_ms = delay.as_millis() as u64, "delivery failed; retrying later");
        DeliveryEnd::Failed {
            retry_at: Utc::now()
                + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1)),
            error: why,
            failing_after: chrono::Duration::hours(
                i64::try_from(webhooks.failing_after_hours).unwrap_or(72),
            ),
        }
    }

    /// Records progress and extends the lease; `false` when the lease was lost (another
    /// process took the subscription over) or nothing could be recorded.
    fn flush(&mut self) -> bool {
        if self.attempts.is_empty() && self.cursor == self.flushed_cursor {
            self.flushed_at = Instant::now();
            return true;
        }
        let end = DeliveryEnd::Delivered {
            lease_until: Some(self.shared.lease_until()),
        };
        self.finish(&end)
    }

    /// Records how the run ended.
    fn end(&mut self, end: Option<DeliveryEnd>) {
        let Some(end) = end else {
            return;
        };
        if matches!(end, DeliveryEnd::Failed { .. }) && self.progressed {
            // Record the progress first, as a success: the failure then starts a new run of
            // failures (the store counts them from the subscription it is handed).
            let failing = self.attempts.pop_back();
            if !self.flush() {
                return;
            }
            self.attempts.extend(failing);
            self.subscription.attempts = 0;
            self.subscription.failing_since = None;
        }
        self.finish(&end);
    }

    fn finish(&mut self, end: &DeliveryEnd) -> bool {
        let attempts: Vec<DeliveryAttempt> = self.attempts.iter().cloned().collect();
        match self.store().finish_delivery(
            Some(&self.shared.owner),
            &self.subscription,
            self.cursor,
            &attempts,
            end,
        ) {
            Ok(true) => {
                self.attempts.clear();
                self.flushed_cursor = self.cursor;
                self.flushed_at = Instant::now();
                true
            }
            Ok(false) => {
                tracing::warn!(subscription = %self.subscription.id, "the delivery lease ran out and another process took over; stopping here");
                false
            }
            Err(e) => {
                tracing::warn!(subscription = %self.subscription.id, error = %e, "cannot record delivery progress; the events since the last record will be sent again");
                false
            }
        }
    }

    fn report_depth(&mut self, depth: i64) {
        let depth = depth.max(0);
        self.shared
            .state
            .metrics
            .delivery
            .queue_depth
            .add(depth - self.depth);
        self.depth = depth;
    }
}

/// The sequence number of `tenant`'s last event, `known` or later (`known` when the log cannot
/// be read: the figure is only the queue depth's).
fn last_seq(store: &dyn Store, tenant: &TenantId, known: i64) -> i64 {
    crate::events::newest_event(store, tenant)
        .ok()
        .flatten()
        .map_or(known, |newest| newest.seq.max(known))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::Actor;

    #[test]
    fn the_last_event_is_found_from_any_known_one() {
        let (store, tenant) = crate::test_store::store_with_acme();
        let bodies: Vec<_> = (0..1234)
            .map(|i| serde_json::json!({"userName": format!("u{i}")}))
            .collect();
        store
            .create_many(Actor::tenant(&tenant), "User", &bodies)
            .unwrap();
        for known in [1, 499, 500, 1000, 1233, 1234] {
            assert_eq!(last_seq(&*store, &tenant, known), 1234, "from {known}");
        }
    }
}

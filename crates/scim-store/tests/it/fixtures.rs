//! Deterministic time, ids and randomness for tests that build the same data in two stores.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use scim_store::{Clock, IdGenerator};

/// A clock the test drives: every reading is `step` microseconds after the previous one, and
/// [`ScriptedClock::jump`] moves it anywhere.
///
/// Two stores given two clocks scripted alike, and the same writes in the same order, stamp
/// their resources identically, so their query results can be compared id by id.
#[derive(Debug)]
pub(crate) struct ScriptedClock {
    next_micros: AtomicI64,
    step_micros: AtomicI64,
}

impl ScriptedClock {
    /// A clock whose first reading is `at`, stepping by `step_micros`.
    pub(crate) fn new(at: &str, step_micros: i64) -> Self {
        Self {
            next_micros: AtomicI64::new(micros(at)),
            step_micros: AtomicI64::new(step_micros),
        }
    }

    /// The next reading will be `at`; later ones step by `step_micros`.
    pub(crate) fn jump(&self, at: &str, step_micros: i64) {
        self.next_micros.store(micros(at), Ordering::SeqCst);
        self.step_micros.store(step_micros, Ordering::SeqCst);
    }
}

fn micros(at: &str) -> i64 {
    DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|e| panic!("{at}: {e}"))
        .timestamp_micros()
}

impl Clock for ScriptedClock {
    fn now(&self) -> DateTime<Utc> {
        let step = self.step_micros.load(Ordering::SeqCst);
        let at = self.next_micros.fetch_add(step, Ordering::SeqCst);
        DateTime::from_timestamp_micros(at).expect("a representable instant")
    }
}

/// Ids `<prefix>NNN` in creation order, with the prefix's letters in alternating case
/// (`Ab000`, `aB001`...): ids are case-exact, `members.value` is not, and the data set should
/// tell the two apart.
#[derive(Debug)]
pub(crate) struct SequentialIds {
    prefix: String,
    next: AtomicU64,
}

impl SequentialIds {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            next: AtomicU64::new(0),
        }
    }
}

impl IdGenerator for SequentialIds {
    fn new_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let prefix: String = self
            .prefix
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if (i as u64 + n).is_multiple_of(2) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        format!("{prefix}{n:03}")
    }
}

/// Ids the test chooses: each create takes the next queued id (so two tenants can be given the
/// very same ids); with an empty queue, a fresh unique id.
#[derive(Debug, Default)]
pub(crate) struct QueuedIds {
    queue: Mutex<VecDeque<String>>,
}

impl QueuedIds {
    /// The next create gets `id`.
    pub(crate) fn next_is(&self, id: &str) {
        self.queue.lock().unwrap().push_back(id.to_owned());
    }
}

impl IdGenerator for QueuedIds {
    fn new_id(&self) -> String {
        self.queue
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| crate::backends::unique("id"))
    }
}

/// A small deterministic generator (SplitMix64): the data set and the generated filters are the
/// same on every run, so a failure can be reproduced from its seed.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

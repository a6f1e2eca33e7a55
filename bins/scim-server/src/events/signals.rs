//! Wake-ups when a tenant's events commit in this process: long-polling readers of the feed
//! and the delivery workers wait on these instead of asking the database in a loop. Commits of
//! other processes (another instance, a command) are not heard here; waiters also look at the
//! database at a modest interval for those.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use scim_store::TenantId;
use tokio::sync::watch;

/// Commit signals, per tenant (for async readers) and for any tenant (for worker threads).
#[derive(Debug, Default)]
pub struct EventSignals {
    tenants: Mutex<HashMap<TenantId, watch::Sender<u64>>>,
    any: (Mutex<u64>, Condvar),
}

impl EventSignals {
    /// Signals that `tenant`'s events committed (the store's commit listener calls this).
    pub fn committed(&self, tenant: &TenantId) {
        if let Ok(tenants) = self.tenants.lock()
            && let Some(sender) = tenants.get(tenant)
        {
            sender.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
        let (count, wake) = &self.any;
        if let Ok(mut count) = count.lock() {
            *count = count.wrapping_add(1);
            wake.notify_all();
        }
    }

    /// A receiver that changes whenever `tenant`'s events commit from now on.
    pub fn watch(&self, tenant: &TenantId) -> watch::Receiver<u64> {
        match self.tenants.lock() {
            Ok(mut tenants) => tenants
                .entry(tenant.clone())
                .or_insert_with(|| watch::channel(0).0)
                .subscribe(),
            // Never poisoned in practice (nothing panics while holding it); a receiver that
            // never fires still works, the waiter falls back to its interval.
            Err(_) => watch::channel(0).1,
        }
    }

    /// How many commits were signalled so far, for [`EventSignals::wait_any`].
    pub fn generation(&self) -> u64 {
        self.any.0.lock().map_or(0, |count| *count)
    }

    /// Blocks until a commit after `seen` (a [`EventSignals::generation`]) is signalled, or
    /// `timeout` passes; returns the generation now.
    pub fn wait_any(&self, seen: u64, timeout: Duration) -> u64 {
        let (count, wake) = &self.any;
        let Ok(guard) = count.lock() else {
            return seen;
        };
        match wake.wait_timeout_while(guard, timeout, |count| *count == seen) {
            Ok((count, _)) => *count,
            Err(_) => seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_commit_wakes_the_watchers_of_its_tenant_and_the_workers() {
        let signals = Arc::new(EventSignals::default());
        let acme = TenantId::new("acme").unwrap();
        let globex = TenantId::new("globex").unwrap();
        let mut acme_rx = signals.watch(&acme);
        let globex_rx = signals.watch(&globex);
        let seen = signals.generation();
        let waiter = {
            let signals = signals.clone();
            std::thread::spawn(move || signals.wait_any(seen, Duration::from_secs(30)))
        };
        signals.committed(&acme);
        assert_eq!(waiter.join().unwrap(), seen + 1);
        assert!(acme_rx.has_changed().unwrap());
        acme_rx.borrow_and_update();
        assert!(
            !globex_rx.has_changed().unwrap(),
            "another tenant's watchers sleep on"
        );
        // Nothing signalled: the wait ends with its timeout.
        assert_eq!(
            signals.wait_any(seen + 1, Duration::from_millis(10)),
            seen + 1
        );
    }
}

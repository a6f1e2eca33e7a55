//! Wake-ups when a tenant's events commit in this process: long-polling readers of the feed
//! and the delivery workers wait on these instead of asking the database in a loop. Commits of
//! other processes (another instance, a command) are not heard here; waiters also look at the
//! database at a modest interval for those.
//!
//! The delivery dispatcher is woken only by the commits of tenants with a push subscription
//! (it keeps that list current, [`EventSignals::deliver_for`]): looking for work costs a
//! database transaction, which every write of a tenant nobody subscribes to would otherwise
//! pay for.

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use scim_store::TenantId;
use tokio::sync::watch;

/// Commit signals, per tenant (for async readers), and for the delivery dispatcher (a thread).
#[derive(Debug, Default)]
pub struct EventSignals {
    tenants: Mutex<HashMap<TenantId, watch::Sender<u64>>>,
    /// The tenants whose commits wake the delivery dispatcher.
    delivered: Mutex<HashSet<TenantId>>,
    delivery: (Mutex<u64>, Condvar),
}

impl EventSignals {
    /// Signals that `tenant`'s events committed (the store's commit listener calls this).
    pub fn committed(&self, tenant: &TenantId) {
        if let Ok(tenants) = self.tenants.lock()
            && let Some(sender) = tenants.get(tenant)
        {
            sender.send_modify(|generation| *generation = generation.wrapping_add(1));
        }
        let delivered = self
            .delivered
            .lock()
            .is_ok_and(|delivered| delivered.contains(tenant));
        if !delivered {
            return;
        }
        let (count, wake) = &self.delivery;
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

    /// Makes the commits of `tenants`, and only theirs, wake [`EventSignals::wait_for_delivery`].
    pub fn deliver_for(&self, tenants: impl IntoIterator<Item = TenantId>) {
        if let Ok(mut delivered) = self.delivered.lock() {
            delivered.clear();
            delivered.extend(tenants);
        }
    }

    /// How many commits of the tenants to deliver for were signalled so far, for
    /// [`EventSignals::wait_for_delivery`].
    pub fn delivery_generation(&self) -> u64 {
        self.delivery.0.lock().map_or(0, |count| *count)
    }

    /// Blocks until a commit after `seen` (a [`EventSignals::delivery_generation`]) of a tenant
    /// to deliver for is signalled, or `timeout` passes; returns the generation now.
    pub fn wait_for_delivery(&self, seen: u64, timeout: Duration) -> u64 {
        let (count, wake) = &self.delivery;
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
        signals.deliver_for([acme.clone()]);
        let mut acme_rx = signals.watch(&acme);
        let globex_rx = signals.watch(&globex);
        let seen = signals.delivery_generation();
        let waiter = {
            let signals = signals.clone();
            std::thread::spawn(move || signals.wait_for_delivery(seen, Duration::from_secs(30)))
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
            signals.wait_for_delivery(seen + 1, Duration::from_millis(10)),
            seen + 1
        );
    }

    #[test]
    fn only_the_commits_of_tenants_to_deliver_for_wake_the_dispatcher() {
        let signals = EventSignals::default();
        let acme = TenantId::new("acme").unwrap();
        let globex = TenantId::new("globex").unwrap();
        let mut globex_rx = signals.watch(&globex);
        let seen = signals.delivery_generation();
        signals.committed(&globex);
        assert_eq!(signals.delivery_generation(), seen, "nobody subscribes yet");
        assert!(
            globex_rx.has_changed().unwrap(),
            "the feed's readers hear every commit"
        );
        globex_rx.borrow_and_update();

        signals.deliver_for([acme.clone(), globex.clone()]);
        signals.committed(&globex);
        assert_eq!(signals.delivery_generation(), seen + 1);

        // The list is replaced, not added to: a tenant whose subscriptions are gone drops out.
        signals.deliver_for([acme.clone()]);
        signals.committed(&globex);
        signals.committed(&acme);
        assert_eq!(signals.delivery_generation(), seen + 2);
        assert!(globex_rx.has_changed().unwrap());
    }
}

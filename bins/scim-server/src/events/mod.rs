//! Provisioning events on their way to the product: commit signals for readers that wait, and
//! the settings of retention and delivery.

mod signals;

use scim_store::{Event, EventQuery, Store, StoreError, TenantId};

pub use signals::EventSignals;

/// The tenant's newest event, if its log holds any: one lookup by the primary key.
pub(crate) fn newest_event(
    store: &dyn Store,
    tenant: &TenantId,
) -> Result<Option<Event>, StoreError> {
    let query = EventQuery {
        limit: 1,
        ..EventQuery::default()
    };
    Ok(store.recent_events(tenant, &query)?.into_iter().next())
}

//! In-memory stores for this crate's unit tests.

use std::sync::Arc;

use scim_core::schema::SchemaRegistry;
use scim_store::{Store, StoreBuilder, TenantId, TenantSettings};

/// An empty in-memory SQLite store.
pub(crate) fn memory_store() -> Arc<dyn Store> {
    StoreBuilder::new(SchemaRegistry::standard())
        .open("sqlite::memory:")
        .unwrap()
}

/// An in-memory store with one tenant, `acme`, of default settings.
pub(crate) fn store_with_acme() -> (Arc<dyn Store>, TenantId) {
    let store = memory_store();
    let tenant = TenantId::new("acme").unwrap();
    store
        .create_tenant(&tenant, &TenantSettings::default())
        .unwrap();
    (store, tenant)
}

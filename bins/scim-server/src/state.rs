//! What every request handler shares.

use std::sync::Arc;

use scim_store::Store;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::metrics::Metrics;

/// The application state: the store, the authenticator, the configuration and the metrics.
///
/// Cheap to clone; tests build one around any [`Store`] and mount [`crate::http::configure`].
#[derive(Clone)]
pub struct AppState {
    /// Where resources, tenants and tokens live.
    pub store: Arc<dyn Store>,
    /// SCIM over HTTP, over `store`.
    pub scim: Arc<scim_service::ScimService>,
    /// Checks SCIM keys.
    pub auth: Arc<Authenticator>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Request rate limits (per process).
    pub limits: Arc<crate::limits::Limits>,
    /// Signals of committed events, for readers that wait for them.
    pub signals: Arc<crate::events::EventSignals>,
    /// What event deliveries need: the HTTP client, the event-signing keys, the issuer.
    pub delivery: Arc<crate::delivery::Outbound>,
    /// One permit per database connection: store calls on the blocking pool wait for a permit,
    /// in arrival order, before they take a thread (see `http::store_call::blocking`).
    pub(crate) store_calls: Arc<tokio::sync::Semaphore>,
    /// One permit: `/readyz` pings the database once at a time (see `http::ops::readyz`).
    pub(crate) readiness_probe: Arc<tokio::sync::Semaphore>,
}

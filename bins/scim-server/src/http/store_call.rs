//! Store calls: timed by operation, and run on the blocking pool, away from the async
//! executor, unless the store can answer them at once.
//!
//! Diesel is synchronous, so a store call that waits (for a connection, a lock, a database
//! server's reply) would stall every connection its executor thread serves: such calls run on
//! the blocking pool. That costs two thread hand-offs per call, which for a point read on an
//! embedded database is more than the read itself; the store says which reads cannot wait
//! (`Store::get_at_once`, `Store::query_at_once`), and those run where the request is.

use std::time::Instant;

use actix_web::web;
use scim_core::ScimError;
use scim_store::Store;

use super::error::ApiError;
use crate::state::AppState;

/// What a store call does: the `operation` label of `scim_store_call_duration_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreOp {
    /// Creating a resource.
    Create,
    /// Reading one resource.
    Get,
    /// Replacing a resource (PUT).
    Replace,
    /// Patching a resource.
    Patch,
    /// Deleting a resource.
    Delete,
    /// Querying one resource type.
    Query,
    /// Searching every resource type (`POST /.search`): several queries.
    SearchAll,
    /// Checking that the database answers.
    Ping,
    /// Computing a tenant's effective access (several queries).
    EffectiveAccess,
    /// Verifying a SCIM key that is not cached: its signature, then its record.
    Authenticate,
    /// Reading (or generating) the keys SETs are signed with.
    EventKeys,
    /// An RFC 8936 poll: acknowledgements, then the pending SETs.
    SetPoll,
    /// Looking up a subscription for a test delivery.
    TestEvent,
}

impl StoreOp {
    /// The metric label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Get => "get",
            Self::Replace => "replace",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::Query => "query",
            Self::SearchAll => "search_all",
            Self::Ping => "ping",
            Self::EffectiveAccess => "effective_access",
            Self::Authenticate => "authenticate",
            Self::EventKeys => "event_keys",
            Self::SetPoll => "set_poll",
            Self::TestEvent => "test_event",
        }
    }
}

/// Runs `f` with the store on the calling thread, timed, when it answers at once: `None` when
/// the store declines (the call could wait), and the caller should use [`blocking`].
pub(crate) fn at_once<T>(
    state: &AppState,
    op: StoreOp,
    f: impl FnOnce(&dyn Store) -> Option<Result<T, scim_store::StoreError>>,
) -> Option<Result<T, ApiError>> {
    let started = Instant::now();
    let result = f(&*state.store)?;
    state
        .metrics
        .store_latency
        .with_label_values(&[op.as_str()])
        .observe(started.elapsed().as_secs_f64());
    Some(result.map_err(ApiError::from))
}

/// Runs `f` with the store on the blocking pool and records how long it took.
///
/// Every store call of a request handler goes through here, so the store timings cover them
/// all; the time waiting for a pool thread is left out, as it says nothing about the store.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    op: StoreOp,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    // Beyond the pool's connections, calls wait here in arrival order. On a blocking thread they
    // would wait in r2d2, which hands a returned connection to whichever thread asks first: at
    // 32 concurrent reads on 8 PostgreSQL connections some waited 400 ms while others came
    // and went (bench/run.sh). The semaphore is never closed, so acquiring does not fail.
    let _permit = state
        .store_calls
        .acquire()
        .await
        .map_err(|_| ScimError::with_status(503, "the server is shutting down"))?;
    let store = state.store.clone();
    let timer = state
        .metrics
        .store_latency
        .with_label_values(&[op.as_str()]);
    web::block(move || {
        let started = Instant::now();
        let result = f(&*store);
        timer.observe(started.elapsed().as_secs_f64());
        result
    })
    .await
    .map_err(|_| ScimError::with_status(500, "the request was cancelled"))?
}

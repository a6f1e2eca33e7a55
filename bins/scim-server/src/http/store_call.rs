//! Store calls: timed by operation, and run on the blocking pool, away from the async
//! executor, unless the store can answer them at once.
//!
//! Diesel is synchronous, so a store call that waits (for a connection, a lock, a database
//! server's reply) would stall every connection its executor thread serves: such calls run on
//! the blocking pool. That costs two thread hand-offs per call, which for a point read on an
//! embedded database is more than the read itself; the store says which reads cannot wait
//! (`Store::get_at_once`, `Store::query_at_once`), and those run where the request is.

use std::time::Instant;

use actix_web::rt::time::timeout;
use actix_web::web;
use scim_core::ScimError;
use scim_store::{DatabaseFailure, Store, StoreError};
use tokio::sync::OwnedSemaphorePermit;

use super::error::ApiError;
use crate::state::AppState;

/// What a store call of the server's own does (the service's calls are named by
/// [`scim_service::StoreOp`]): the `operation` label of `scim_store_call_duration_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreOp {
    /// Checking that the database answers.
    Ping,
    /// Computing a tenant's effective access (several queries).
    EffectiveAccess,
    /// Verifying a SCIM key that is not cached: its signature, then its record.
    Authenticate,
    /// A management API call.
    Manage,
    /// Reading the change log.
    Events,
    /// Reading (or generating) the keys SETs are signed with.
    EventKeys,
    /// An RFC 8936 poll: acknowledgements, then the pending SETs.
    SetPoll,
    /// The web console's reads and changes (through the management operations).
    Console,
}

impl StoreOp {
    /// The metric label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::EffectiveAccess => "effective_access",
            Self::Authenticate => "authenticate",
            Self::Manage => "manage",
            Self::Events => "events",
            Self::EventKeys => "event_keys",
            Self::SetPoll => "set_poll",
            Self::Console => "console",
        }
    }
}

/// Where the SCIM service's store calls run: on the blocking pool, in turn with every other
/// store call, timed by operation; or, for the reads the store answers at once, right here.
pub(crate) struct Runner<'a>(pub(crate) &'a AppState);

impl scim_service::Blocking for Runner<'_> {
    fn blocking<T: Send + 'static>(
        &self,
        op: scim_service::StoreOp,
        f: impl FnOnce() -> Result<T, ScimError> + Send + 'static,
    ) -> impl std::future::Future<Output = Result<T, ScimError>> + Send {
        let state = self.0.clone();
        async move {
            let turn = take_turn(&state).await.map_err(ApiError::into_scim)?;
            let timer = state
                .metrics
                .store_latency
                .with_label_values(&[op.as_str()]);
            web::block(move || {
                // Held until the call returns, not as long as the request.
                let _turn = turn;
                let started = Instant::now();
                let result = f();
                timer.observe(started.elapsed().as_secs_f64());
                result
            })
            .await
            .map_err(|_| ScimError::with_status(500, "the request was cancelled"))?
        }
    }

    fn at_once<T>(&self, op: scim_service::StoreOp, f: impl FnOnce() -> Option<T>) -> Option<T> {
        let started = Instant::now();
        let answer = f()?;
        self.0
            .metrics
            .store_latency
            .with_label_values(&[op.as_str()])
            .observe(started.elapsed().as_secs_f64());
        Some(answer)
    }
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
    let turn = take_turn(state).await?;
    unqueued(state, op, move |store| {
        // Held until the call returns, not as long as the request: a client that gives up
        // does not hand on a connection that is still in use.
        let _turn = turn;
        f(store)
    })
    .await
}

/// Waits for a store call's turn: one permit per pool connection, given in arrival order.
///
/// Beyond the pool's connections, calls wait here in arrival order. On a blocking thread they
/// would wait in r2d2, which hands a returned connection to whichever thread asks first: at
/// 32 concurrent reads on 8 PostgreSQL connections some waited 400 ms while others came and
/// went (bench/run.sh). The wait is bounded by `database_wait_ms`: behind calls that hang (on
/// a database that stopped answering in the middle of a statement), a request answers 503
/// instead of hanging with them.
async fn take_turn(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    let wait = state.config.database_wait();
    match timeout(wait, state.store_calls.clone().acquire_owned()).await {
        Ok(Ok(turn)) => Ok(turn),
        // The semaphore is never closed.
        Ok(Err(_)) => Err(ScimError::with_status(503, "the server is shutting down").into()),
        Err(_) => Err(StoreError::Unavailable(DatabaseFailure::new(format!(
            "no database connection was free within {} ms",
            wait.as_millis()
        )))
        .into()),
    }
}

/// Like [`blocking`], without waiting for a turn: for `/readyz`, which must answer even when
/// every connection is taken.
pub(crate) async fn unqueued<T: Send + 'static>(
    state: &AppState,
    op: StoreOp,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
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

//! `GET /admin/v1/tenants/{tenant}/events?after=&limit=&wait=&full=`: the event feed, with
//! long polling.
//!
//! With `wait`, a request that finds no event after `after` waits up to that many seconds for
//! one. It holds no thread while it waits: it sleeps on the tenant's commit signal, which this
//! process's writes raise as soon as they commit (so it answers within milliseconds of them),
//! and reads the database again every [`RECHECK`] for commits of other processes (another
//! instance, a command). Each read runs on the blocking pool like any store call.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use scim_store::TenantId;

use super::input::QueryParams;
use super::{Problem, call_op};
use crate::http::admin::Admin;
use crate::http::store_call::StoreOp;
use crate::manage::events::{self, FeedPage, FeedRequest, MAX_WAIT_SECONDS};
use crate::manage::{self, DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;

/// How often a waiting request reads the database for events committed by other processes.
const RECHECK: Duration = Duration::from_millis(500);

/// The feed.
pub(crate) async fn feed(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let query = QueryParams::of(&req)?;
    let request = FeedRequest {
        after: query.integer("after", 0, i64::MAX, 0)?,
        limit: query.integer("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?,
        full: query.flag("full")?,
    };
    let wait = Duration::from_secs(query.integer("wait", 0, MAX_WAIT_SECONDS, 0)?);
    let page = wait_for_events(&state, tenant, request, wait, RECHECK).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Reads `request`'s page; while it is empty, waits for a commit signal, rereading the database
/// every `recheck`, until `wait` has passed.
async fn wait_for_events(
    state: &AppState,
    tenant: TenantId,
    request: FeedRequest,
    wait: Duration,
    recheck: Duration,
) -> Result<FeedPage, Problem> {
    let deadline = Instant::now() + wait;
    // Watching before the first read: a commit between the read and the wait still wakes it.
    let mut signal = state.signals.watch(&tenant);
    let mut first = true;
    loop {
        signal.borrow_and_update();
        let (check, tenant) = (first, tenant.clone());
        let page = call_op(state, StoreOp::Events, move |store| {
            if check {
                manage::require_tenant(store, &tenant)?;
            }
            events::page(store, &tenant, &request)
        })
        .await?;
        first = false;
        let now = Instant::now();
        if !page.events.is_empty() || now >= deadline {
            return Ok(page);
        }
        let nap = recheck.min(deadline - now);
        // Woken by a commit, or by the nap's end; a closed channel (never, in practice) only
        // leaves the nap.
        if actix_web::rt::time::timeout(nap, signal.changed())
            .await
            .is_ok_and(|changed| changed.is_err())
        {
            actix_web::rt::time::sleep(nap).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scim_core::schema::SchemaRegistry;
    use scim_store::{Actor, StoreBuilder, TenantSettings};
    use serde_json::json;

    use super::*;
    use crate::events::EventSignals;

    /// A state on an in-memory store whose commits signal (or not) the state's waiters.
    fn state(signalled: bool) -> (AppState, TenantId) {
        let signals = Arc::new(EventSignals::default());
        let mut builder = StoreBuilder::new(SchemaRegistry::standard());
        if signalled {
            let listener = signals.clone();
            builder = builder.on_commit(Arc::new(move |t: &TenantId| listener.committed(t)));
        }
        let store = builder.open("sqlite::memory:").unwrap();
        let mut config = crate::config::Config::default();
        config.auth.secret = Some("a-test-signing-secret-of-32-bytes-or-more".into());
        let state = crate::serve::app_state(config, store, signals).unwrap();
        let tenant = TenantId::new("acme").unwrap();
        state
            .store
            .create_tenant(&tenant, &TenantSettings::default())
            .unwrap();
        (state, tenant)
    }

    fn commit_soon(state: &AppState, tenant: &TenantId) -> std::thread::JoinHandle<()> {
        let (store, tenant) = (state.store.clone(), tenant.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            store
                .create(Actor::tenant(&tenant), "User", &json!({"userName": "ada"}))
                .unwrap();
        })
    }

    /// With rereads an hour apart, only the commit signal can end the wait before its 20 s.
    #[actix_web::test]
    async fn a_commit_in_this_process_ends_the_wait() {
        let (state, tenant) = state(true);
        let writer = commit_soon(&state, &tenant);
        let started = Instant::now();
        let page = wait_for_events(
            &state,
            tenant,
            FeedRequest::default(),
            Duration::from_secs(20),
            Duration::from_secs(3600),
        )
        .await
        .unwrap();
        writer.join().unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.next_after, 1);
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    /// A commit no signal tells of (another process's) is found by the next reread.
    #[actix_web::test]
    async fn a_commit_elsewhere_is_found_by_rereading() {
        let (state, tenant) = state(false);
        let writer = commit_soon(&state, &tenant);
        let page = wait_for_events(
            &state,
            tenant,
            FeedRequest::default(),
            Duration::from_secs(20),
            Duration::from_millis(50),
        )
        .await
        .unwrap();
        writer.join().unwrap();
        assert_eq!(page.events.len(), 1);
    }
}

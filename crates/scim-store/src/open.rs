//! Opening a store: the public store types and the builder that picks a backend by URL.

use std::sync::Arc;
use std::time::Duration;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use chrono::{DateTime, Utc};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use scim_core::patch::Operation;
use scim_core::schema::SchemaRegistry;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use serde_json::Value;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::engine::Engine;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::model::{Actor, Page, Query, ReadOptions, StatementPlan, StoredResource};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::{AdminStore, ResourceStore};
use crate::{Clock, IdGenerator, Store, StoreError, SystemClock, UuidV7Ids};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use crate::{Event, NewToken, Tenant, TenantId, TenantSettings, TokenRecord, Version};

/// How to open a store: the registry to validate against, the clock, the id generator, the
/// connection pool size and how long a call waits for the database.
///
/// ```
/// use scim_core::schema::SchemaRegistry;
/// use scim_store::{Store, StoreBuilder};
///
/// let store = StoreBuilder::new(SchemaRegistry::standard()).open("sqlite::memory:")?;
/// assert!(store.tenants()?.is_empty());
/// # Ok::<(), scim_store::StoreError>(())
/// ```
pub struct StoreBuilder {
    registry: Arc<SchemaRegistry>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    max_connections: u32,
    commits: Option<crate::CommitListener>,
    wait_timeout: Duration,
    schema: Option<String>,
}

impl StoreBuilder {
    /// The default [`wait_timeout`](Self::wait_timeout).
    pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A builder with the system clock, UUIDv7 ids, 8 connections and a wait of
    /// [`DEFAULT_WAIT_TIMEOUT`](Self::DEFAULT_WAIT_TIMEOUT).
    pub fn new(registry: impl Into<Arc<SchemaRegistry>>) -> Self {
        Self {
            registry: registry.into(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Ids),
            max_connections: 8,
            commits: None,
            wait_timeout: Self::DEFAULT_WAIT_TIMEOUT,
            schema: None,
        }
    }

    /// Keeps the tables in the PostgreSQL schema `name` (created if missing) instead of the
    /// connection's default (`public`), so that the store can live inside a product's own
    /// database, beside its tables, which may then join ours. Each schema is a store of its
    /// own, with its own migrations. `name` is 1 to 63 of `a-z`, `0-9` and `_`, not starting
    /// with a digit; the URL must not set libpq's `options` itself. SQLite ignores it.
    ///
    /// ```no_run
    /// use scim_core::schema::SchemaRegistry;
    /// use scim_store::StoreBuilder;
    ///
    /// let store = StoreBuilder::new(SchemaRegistry::standard())
    ///     .schema("scim")
    ///     .open("postgres://app@db.internal/product")?;
    /// # Ok::<(), scim_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn schema(mut self, name: impl Into<String>) -> Self {
        self.schema = Some(name.into());
        self
    }

    /// Calls `listener` with the tenant after each write that may have appended events
    /// commits (in this process), so that readers of the change log can wake at once.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use scim_core::schema::SchemaRegistry;
    /// use scim_store::{Actor, Store, StoreBuilder, TenantId, TenantSettings};
    ///
    /// let heard = Arc::new(AtomicUsize::new(0));
    /// let counter = heard.clone();
    /// let store = StoreBuilder::new(SchemaRegistry::standard())
    ///     .on_commit(Arc::new(move |_tenant: &TenantId| {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     }))
    ///     .open("sqlite::memory:")?;
    /// let acme = TenantId::new("acme").unwrap();
    /// store.create_tenant(&acme, &TenantSettings::default())?;
    /// store.create(Actor::tenant(&acme), "User", &serde_json::json!({"userName": "ada"}))?;
    /// assert_eq!(heard.load(Ordering::SeqCst), 1);
    /// # Ok::<(), scim_store::StoreError>(())
    /// ```
    #[must_use]
    pub fn on_commit(mut self, listener: crate::CommitListener) -> Self {
        self.commits = Some(listener);
        self
    }

    /// Uses `clock` for timestamps.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `ids` for new resource ids.
    #[must_use]
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = ids;
        self
    }

    /// Sets the size of the connection pool (an in-memory SQLite database always has one).
    #[must_use]
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }

    /// Sets how long a call waits for the database before it fails with
    /// [`StoreError::Unavailable`]: for a connection of the pool, and on SQLite for a write's
    /// turn and for the database's lock another process holds (the busy timeout). Opening the
    /// store waits longer (30 s) for a database that is starting.
    ///
    /// On PostgreSQL, once an attempt to connect has failed, a call that finds no open
    /// connection free fails at once until an attempt succeeds (the pool keeps trying, at
    /// least once a second).
    #[must_use]
    pub fn wait_timeout(mut self, wait: Duration) -> Self {
        self.wait_timeout = wait;
        self
    }

    /// Opens the database `url` names and applies pending migrations: `sqlite://PATH`,
    /// `sqlite::memory:`, or `postgres://...` / `postgresql://...`.
    pub fn open(self, url: &str) -> Result<Arc<dyn Store>, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Arc::new(self.open_postgres(url)?));
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::unavailable(
                "built without the postgres feature",
            ));
        }
        if url.starts_with("sqlite:") || url == ":memory:" {
            #[cfg(feature = "sqlite")]
            return Ok(Arc::new(self.open_sqlite(url)?));
            #[cfg(not(feature = "sqlite"))]
            return Err(StoreError::unavailable("built without the sqlite feature"));
        }
        Err(StoreError::unavailable(format!(
            "unsupported database URL {url:?}: use sqlite://PATH, sqlite::memory: or postgres://..."
        )))
    }

    /// Opens a SQLite database (see [`StoreBuilder::open`] for the URL forms).
    #[cfg(feature = "sqlite")]
    pub fn open_sqlite(self, url: &str) -> Result<SqliteStore, StoreError> {
        use crate::backend::sqlite::{Location, SqliteBackend};
        let location = Location::from_url(url);
        if let Location::File(path) = &location
            && let Some(parent) = std::path::Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(crate::DatabaseFailure::with_source(
                    format_args!("cannot create {}", parent.display()),
                    e,
                ))
            })?;
        }
        // A `file:` URI names its file after its own rules; SQLite creates that one.
        if let Location::File(path) = &location
            && !path.starts_with("file:")
        {
            create_private_file(std::path::Path::new(path))?;
        }
        let backend = SqliteBackend::open(&location, self.max_connections, self.wait_timeout)?;
        Ok(SqliteStore(
            Engine::new(backend, self.registry, self.clock, self.ids)
                .with_commit_listener(self.commits),
        ))
    }

    /// Connects to PostgreSQL.
    #[cfg(feature = "postgres")]
    pub fn open_postgres(self, url: &str) -> Result<PostgresStore, StoreError> {
        let backend = crate::backend::postgres::PostgresBackend::open(
            url,
            self.max_connections,
            self.wait_timeout,
            self.schema.as_deref(),
        )?;
        Ok(PostgresStore(
            Engine::new(backend, self.registry, self.clock, self.ids)
                .with_commit_listener(self.commits),
        ))
    }
}

/// A store on SQLite.
#[cfg(feature = "sqlite")]
pub struct SqliteStore(Engine<crate::backend::sqlite::SqliteBackend>);

/// A store on PostgreSQL.
#[cfg(feature = "postgres")]
pub struct PostgresStore(Engine<crate::backend::postgres::PostgresBackend>);

/// Creates an empty database file readable by its owner only, unless it exists: the database
/// holds the server's signing keys. SQLite gives its `-wal` and `-shm` files the same mode.
#[cfg(feature = "sqlite")]
fn create_private_file(path: &std::path::Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Unavailable(
            crate::DatabaseFailure::with_source(
                format_args!("cannot create {}", path.display()),
                e,
            ),
        )),
    }
}

/// A backend's public store type, and the engine behind it: every such type is a [`Store`]
/// through the two implementations below.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
trait Backed: Send + Sync {
    type Backend: crate::backend::Backend;
    fn engine(&self) -> &Engine<Self::Backend>;
}

#[cfg(feature = "sqlite")]
impl Backed for SqliteStore {
    type Backend = crate::backend::sqlite::SqliteBackend;
    fn engine(&self) -> &Engine<Self::Backend> {
        &self.0
    }
}

#[cfg(feature = "postgres")]
impl Backed for PostgresStore {
    type Backend = crate::backend::postgres::PostgresBackend;
    fn engine(&self) -> &Engine<Self::Backend> {
        &self.0
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<S: Backed> ResourceStore for S {
    fn registry(&self) -> &SchemaRegistry {
        self.engine().registry()
    }
    fn create(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        body: &Value,
    ) -> Result<StoredResource, StoreError> {
        self.engine().create_impl(actor, resource_type, body)
    }
    fn create_many(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        bodies: &[Value],
    ) -> Result<Vec<StoredResource>, StoreError> {
        self.engine().create_many_impl(actor, resource_type, bodies)
    }
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        self.engine().get_impl(tenant, resource_type, id, options)
    }
    fn replace(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        body: &Value,
        expected_version: Option<Version>,
    ) -> Result<StoredResource, StoreError> {
        self.engine()
            .replace_impl(actor, resource_type, id, body, expected_version)
    }
    fn patch(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        operations: &[Operation<'_>],
        expected_version: Option<Version>,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        self.engine().patch_impl(
            actor,
            resource_type,
            id,
            operations,
            expected_version,
            options,
        )
    }
    fn delete(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        expected_version: Option<Version>,
    ) -> Result<(), StoreError> {
        self.engine()
            .delete_impl(actor, resource_type, id, expected_version)
    }
    fn query(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Result<Page, StoreError> {
        self.engine()
            .query_impl(tenant, resource_type, query, options)
    }
    fn get_at_once(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Option<Result<StoredResource, StoreError>> {
        self.engine()
            .get_at_once_impl(tenant, resource_type, id, options)
    }
    fn query_at_once(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Option<Result<Page, StoreError>> {
        self.engine()
            .query_at_once_impl(tenant, resource_type, query, options)
    }
    fn ping(&self) -> Result<(), StoreError> {
        self.engine().ping_impl()
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl<S: Backed> AdminStore for S {
    fn create_tenant(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
    ) -> Result<Tenant, StoreError> {
        self.engine().create_tenant_impl(id, settings)
    }
    fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.engine().tenant_impl(id)
    }
    fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        self.engine().tenants_impl()
    }
    fn delete_tenant(&self, id: &TenantId) -> Result<bool, StoreError> {
        self.engine().delete_tenant_impl(id)
    }
    fn update_tenant_settings(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
        by: &crate::EventActor,
    ) -> Result<Tenant, StoreError> {
        self.engine().update_tenant_settings_impl(id, settings, by)
    }
    fn modify_tenant_settings(
        &self,
        id: &TenantId,
        by: &crate::EventActor,
        change: &mut dyn FnMut(&mut TenantSettings) -> Result<(), StoreError>,
    ) -> Result<Tenant, StoreError> {
        self.engine().modify_tenant_settings_impl(id, by, change)
    }
    fn insert_token(
        &self,
        token: &NewToken,
        by: &crate::EventActor,
    ) -> Result<TokenRecord, StoreError> {
        self.engine().insert_token_impl(token, by)
    }
    fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.engine().token_impl(id)
    }
    fn tokens(&self, tenant: Option<&TenantId>) -> Result<Vec<TokenRecord>, StoreError> {
        self.engine().tokens_impl(tenant)
    }
    fn revoke_token(&self, id: &str, by: &crate::EventActor) -> Result<bool, StoreError> {
        self.engine().revoke_token_impl(id, by)
    }
    fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.engine().touch_token_impl(id, at)
    }
    fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.engine().revoked_since_impl(since)
    }
    fn server_keys(&self, purpose: crate::KeyPurpose) -> Result<Vec<crate::ServerKey>, StoreError> {
        self.engine().server_keys_impl(purpose)
    }
    fn add_server_key(&self, key: &crate::ServerKey) -> Result<bool, StoreError> {
        self.engine().add_server_key_impl(key)
    }
    fn retire_server_key(&self, id: &str) -> Result<bool, StoreError> {
        self.engine().retire_server_key_impl(id)
    }
    fn delete_server_key(&self, id: &str) -> Result<bool, StoreError> {
        self.engine().delete_server_key_impl(id)
    }
    fn set_protected(
        &self,
        tenant: &TenantId,
        id: &str,
        protected: bool,
    ) -> Result<(), StoreError> {
        self.engine().set_protected_impl(tenant, id, protected)
    }
    fn set_owner(
        &self,
        tenant: &TenantId,
        user_id: &str,
        by: &crate::EventActor,
    ) -> Result<Option<String>, StoreError> {
        self.engine().set_owner_impl(tenant, user_id, by)
    }
    fn events(&self, tenant: &TenantId, after: i64, limit: u32) -> Result<Vec<Event>, StoreError> {
        self.engine().events_impl(tenant, after, limit)
    }
    fn create_subscription(
        &self,
        new: &crate::NewSubscription,
    ) -> Result<crate::Subscription, StoreError> {
        self.engine().create_subscription_impl(new)
    }
    fn subscription(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<crate::Subscription>, StoreError> {
        self.engine().subscription_impl(tenant, id)
    }
    fn subscriptions(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<crate::Subscription>, StoreError> {
        self.engine().subscriptions_impl(tenant)
    }
    fn update_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
        change: &crate::SubscriptionChange,
    ) -> Result<crate::Subscription, StoreError> {
        self.engine().update_subscription_impl(tenant, id, change)
    }
    fn delete_subscription(&self, tenant: &TenantId, id: &str) -> Result<bool, StoreError> {
        self.engine().delete_subscription_impl(tenant, id)
    }
    fn set_subscription_secret(
        &self,
        tenant: &TenantId,
        id: &str,
        secret: &str,
    ) -> Result<crate::Subscription, StoreError> {
        self.engine()
            .set_subscription_secret_impl(tenant, id, secret)
    }
    fn rewind_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
        after: i64,
    ) -> Result<crate::Subscription, StoreError> {
        self.engine().rewind_subscription_impl(tenant, id, after)
    }
    fn push_subscription_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        self.engine().push_subscription_tenants_impl()
    }
    fn claim_subscriptions(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<crate::Subscription>, StoreError> {
        self.engine()
            .claim_subscriptions_impl(owner, lease_until, limit)
    }
    fn finish_delivery(
        &self,
        owner: Option<&str>,
        subscription: &crate::Subscription,
        cursor: i64,
        attempts: &[crate::DeliveryAttempt],
        end: &crate::DeliveryEnd,
    ) -> Result<bool, StoreError> {
        self.engine()
            .finish_delivery_impl(owner, subscription, cursor, attempts, end)
    }
    fn record_attempts(
        &self,
        subscription: &crate::Subscription,
        attempts: &[crate::DeliveryAttempt],
    ) -> Result<(), StoreError> {
        self.engine().record_attempts_impl(subscription, attempts)
    }
    fn deliveries(
        &self,
        tenant: &TenantId,
        id: &str,
        limit: u32,
    ) -> Result<Vec<crate::DeliveryAttempt>, StoreError> {
        self.engine().deliveries_impl(tenant, id, limit)
    }
    fn acknowledge(
        &self,
        tenant: &TenantId,
        id: &str,
        event_ids: &[String],
    ) -> Result<i64, StoreError> {
        self.engine().acknowledge_impl(tenant, id, event_ids)
    }
    fn acknowledged_beyond(&self, tenant: &TenantId, id: &str) -> Result<Vec<i64>, StoreError> {
        self.engine().unacknowledged_beyond_impl(tenant, id)
    }
    fn prune_events(&self, older_than: DateTime<Utc>) -> Result<u64, StoreError> {
        self.engine().prune_events_impl(older_than)
    }
    fn recent_events(
        &self,
        tenant: &TenantId,
        query: &crate::EventQuery,
    ) -> Result<Vec<Event>, StoreError> {
        self.engine().recent_events_impl(tenant, query)
    }
    fn group_members(
        &self,
        tenant: &TenantId,
        group_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<crate::MemberPage, StoreError> {
        self.engine()
            .group_members_impl(tenant, group_id, after, limit)
    }
    fn create_console_session(
        &self,
        session: &crate::NewConsoleSession,
    ) -> Result<crate::ConsoleSession, StoreError> {
        self.engine().create_console_session_impl(session)
    }
    fn console_session(&self, id_hash: &str) -> Result<Option<crate::ConsoleSession>, StoreError> {
        self.engine().console_session_impl(id_hash)
    }
    fn touch_console_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.engine().touch_console_session_impl(id_hash, at)
    }
    fn delete_console_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        self.engine().delete_console_session_impl(id_hash)
    }
    fn create_console_link(&self, link: &crate::NewConsoleLink) -> Result<(), StoreError> {
        self.engine().create_console_link_impl(link)
    }
    fn redeem_console_link(
        &self,
        redemption: &crate::LinkRedemption,
    ) -> Result<Option<crate::ConsoleSession>, StoreError> {
        self.engine().redeem_console_link_impl(redemption)
    }
    fn prune_console(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.engine().prune_console_impl(now)
    }
}

#[cfg(feature = "sqlite")]
impl SqliteStore {
    /// The statement [`ResourceStore::query`] runs for `query`, with the plan SQLite chooses for it
    /// (`EXPLAIN QUERY PLAN`): what an operator reads to find out why a filter is slow. SQLite cannot run a plan and report on it, so `analyze` changes
    /// nothing here (see [`PostgresStore::explain_query`]).
    ///
    /// ```
    /// use scim_core::schema::SchemaRegistry;
    /// // On a concrete store type, the methods are the traits' to import.
    /// use scim_store::{AdminStore, Query, StoreBuilder, TenantId, TenantSettings};
    ///
    /// let store = StoreBuilder::new(SchemaRegistry::standard()).open_sqlite("sqlite::memory:")?;
    /// let tenant = TenantId::new("acme").unwrap();
    /// store.create_tenant(&tenant, &TenantSettings::default())?;
    /// let query = Query::filtered(r#"userName eq "bjensen""#)?;
    /// let plan = store.explain_query(&tenant, "User", &query, false)?;
    /// // userName is case-insensitive: its folded form has an index.
    /// assert!(plan.plan.iter().any(|step| step.contains("resources_by_name")));
    /// # Ok::<(), scim_store::StoreError>(())
    /// ```
    pub fn explain_query(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        analyze: bool,
    ) -> Result<StatementPlan, StoreError> {
        self.0.explain_impl(tenant, resource_type, query, analyze)
    }

    /// The statement [`ResourceStore::get`] runs for `id`, with every membership, and SQLite's plan
    /// for it (see [`Self::explain_query`]).
    pub fn explain_get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        analyze: bool,
    ) -> Result<StatementPlan, StoreError> {
        self.0.explain_get_impl(tenant, resource_type, id, analyze)
    }
}
#[cfg(feature = "postgres")]
impl PostgresStore {
    /// The statement [`ResourceStore::query`] runs for `query`, with PostgreSQL's `EXPLAIN`; with
    /// `analyze`, `EXPLAIN (ANALYZE, BUFFERS)`, which runs it (in a read-only transaction) and
    /// reports actual rows, times and pages. See
    /// [`SqliteStore::explain_query`] for an example.
    pub fn explain_query(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        analyze: bool,
    ) -> Result<StatementPlan, StoreError> {
        self.0.explain_impl(tenant, resource_type, query, analyze)
    }

    /// The statement [`ResourceStore::get`] runs for `id`, with every membership, and PostgreSQL's
    /// plan for it (see [`Self::explain_query`]).
    pub fn explain_get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        analyze: bool,
    ) -> Result<StatementPlan, StoreError> {
        self.0.explain_get_impl(tenant, resource_type, id, analyze)
    }
}

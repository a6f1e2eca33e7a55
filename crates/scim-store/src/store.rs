//! The storage contract.

use crate::Version;
use chrono::{DateTime, Utc};
use scim_core::patch::Operation;
use scim_core::schema::SchemaRegistry;
use serde_json::Value;

use crate::model::{Actor, Page, Query, ReadOptions, StoredResource};
use crate::{
    ConsoleSession, DeliveryAttempt, DeliveryEnd, Event, EventActor, EventQuery, KeyPurpose,
    LinkRedemption, MemberPage, NewConsoleLink, NewConsoleSession, NewSubscription, NewToken,
    ServerKey, StoreError, Subscription, SubscriptionChange, Tenant, TenantId, TenantSettings,
    TokenRecord,
};

/// Told, after each write that may have appended events commits, which tenant it was (see
/// [`StoreBuilder::on_commit`](crate::StoreBuilder::on_commit)).
pub type CommitListener = std::sync::Arc<dyn Fn(&TenantId) + Send + Sync>;

/// Storage for SCIM resources, tenants, tokens and the change log: [`ResourceStore`] and
/// [`AdminStore`] together. Every type that implements both is a `Store`; the SQLite and
/// PostgreSQL stores do.
///
/// # Contract
///
/// - **Tenancy.** Every resource operation names its tenant; nothing reads or writes across
///   tenants. An id of another tenant is simply not found.
/// - **Validation.** Bodies are raw client JSON. The store validates them with
///   [`scim_core::validate::Validator`] against [`ResourceStore::registry`] inside the write, so a PUT is
///   checked against the very version it replaces. Strings containing U+0000 are refused with
///   `invalidValue` on every backend (PostgreSQL cannot store them).
/// - **Atomicity.** Every write is one transaction: the row, the memberships, the tenant's
///   policies and the change-log entry commit together or not at all.
/// - **Versions.** Every resource has a version, 1 on create and one more per write, exposed as
///   the ETag `W/"<version>"`. An `expected_version` that is not current fails with
///   [`StoreError::VersionMismatch`] and changes nothing. Concurrent writes to one resource are
///   serialised, so none is lost.
/// - **Uniqueness** is enforced by the database: `userName` per tenant ignoring case, and Group
///   `displayName` per tenant when [`TenantSettings::unique_group_names`] is on.
/// - **Memberships** live in their own table: changing k members costs O(k) whatever the group's
///   size, and a User's `groups` is derived from them.
/// - **Protected resources** (the organisation owner) cannot be deleted, deactivated or removed
///   from a group: [`StoreError::Protected`].
/// - **Change log.** Every successful write appends typed [`Event`]s in its transaction (a write
///   that fails or is refused appends none): the resource's own event, then the membership
///   changes it made (in chunks of at most [`crate::MEMBERS_PER_EVENT`] ids), then the access
///   they grant or revoke through the tenant's project x role groups ([`crate::Organisation`]).
///   Per tenant, sequence numbers are gap-free and in commit order; every event has a UUID of
///   its own.
/// - **Availability.** A call waits for the database (a connection, SQLite's lock) at most the
///   [`StoreBuilder::wait_timeout`](crate::StoreBuilder::wait_timeout) it was opened with.
///   What a later retry can get past (no connection in time, a lost connection, a lock not
///   taken, a file that cannot be written) is [`StoreError::Unavailable`]; a write that fails
///   so may or may not have committed, a write that returns `Ok` has.
pub trait Store: ResourceStore + AdminStore {}

impl<T: ResourceStore + AdminStore + ?Sized> Store for T {}

/// The SCIM resources of tenants: what `scim-service` needs to answer SCIM requests, and all a
/// backend of one's own must provide to serve them.
///
/// The [`Store`] documentation is the contract.
pub trait ResourceStore: Send + Sync {
    /// The schemas and resource types the store validates against.
    fn registry(&self) -> &SchemaRegistry;
    /// Creates a resource from a client document.
    fn create(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        body: &Value,
    ) -> Result<StoredResource, StoreError>;
    /// Creates resources of one type from client documents in one transaction: all of them or
    /// none.
    ///
    /// Each resource gets exactly what [`ResourceStore::create`] would give it: validation, its own id,
    /// version 1 and its own change-log event (in the order of `bodies`, with consecutive
    /// sequence numbers). A unique name that is taken, or that two bodies share, fails the
    /// whole call with [`StoreError::Uniqueness`]; an invalid body fails it with the error
    /// `create` would return, its detail prefixed with the body's index. The resources come
    /// back in the order of `bodies`.
    ///
    /// The call holds the tenant's write lock until it commits: a thousand resources per call
    /// make loading fast without making other writers wait long.
    fn create_many(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        bodies: &[Value],
    ) -> Result<Vec<StoredResource>, StoreError>;
    /// Reads a resource.
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError>;
    /// Replaces a resource with a client document (PUT).
    fn replace(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        body: &Value,
        expected_version: Option<Version>,
    ) -> Result<StoredResource, StoreError>;
    /// Applies PATCH operations (RFC 7644 §3.5.2) atomically: all of them or none.
    ///
    /// A request that changes nothing leaves the version, the modification time and the change
    /// log alone. `options` says what the returned resource carries: a Group's members can be
    /// left out, so that adding one member to a huge group stays cheap.
    fn patch(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        operations: &[Operation<'_>],
        expected_version: Option<Version>,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError>;
    /// Deletes a resource.
    fn delete(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        expected_version: Option<Version>,
    ) -> Result<(), StoreError>;
    /// Runs a query over one resource type.
    ///
    /// Filters select exactly what [`scim_core::filter::ResolvedFilter::matches`] selects on the
    /// resources as [`ResourceStore::get`] returns them, except that a filter naming `meta.location` or
    /// the `$ref` of Group `members` or User `groups` is refused with `invalidFilter`: those
    /// depend on the address the server is reached at, which the store does not know.
    fn query(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Result<Page, StoreError>;
    /// [`ResourceStore::get`], answered on the calling thread only if that cannot make it wait: `None`
    /// when the read might wait (for a connection, for another process such as a database
    /// server, or for a Group's members, which are unbounded in number), in which case the
    /// caller should make the ordinary call where waiting is harmless (a blocking thread pool).
    ///
    /// An async server calls this on its executor and falls back to [`ResourceStore::get`] on its
    /// blocking pool: a point read on an embedded database costs microseconds, less than moving
    /// it to another thread and back. The default answers `None`.
    fn get_at_once(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Option<Result<StoredResource, StoreError>> {
        let _ = (tenant, resource_type, id, options);
        None
    }
    /// [`ResourceStore::query`], answered on the calling thread only if that cannot make it wait (see
    /// [`ResourceStore::get_at_once`]) and the query is a point lookup: one equality on `id`,
    /// `externalId` or a User's `userName`, which an index answers. `None` otherwise. The
    /// default answers `None`.
    fn query_at_once(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Option<Result<Page, StoreError>> {
        let _ = (tenant, resource_type, query, options);
        None
    }
    /// Checks that the database answers.
    fn ping(&self) -> Result<(), StoreError>;
}

/// The administration of tenants around their resources: tenants and their settings, SCIM keys,
/// the server's signing keys, protection and the owner, the change log, and subscriptions to it
/// with their deliveries.
///
/// The [`Store`] documentation is the contract.
pub trait AdminStore: Send + Sync {
    /// Creates a tenant.
    fn create_tenant(&self, id: &TenantId, settings: &TenantSettings)
    -> Result<Tenant, StoreError>;
    /// A tenant, if it exists.
    fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError>;
    /// Every tenant, by id.
    fn tenants(&self) -> Result<Vec<Tenant>, StoreError>;
    /// Deletes a tenant and everything it has, in one transaction: its resources and
    /// memberships, tokens, change log, subscriptions with their delivery logs, and counts.
    /// `false` when there is no such tenant. Its id may be used again afterwards, and a tenant
    /// created with it starts a new change log at sequence number 1.
    fn delete_tenant(&self, id: &TenantId) -> Result<bool, StoreError>;
    /// Replaces a tenant's settings; a change is logged as `tenant.updated`, by `by`.
    fn update_tenant_settings(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
        by: &EventActor,
    ) -> Result<Tenant, StoreError>;
    /// Edits a tenant's settings under the tenant's write lock: `change` is handed the settings
    /// as they are at that moment. Two concurrent edits apply one after the other, so neither
    /// loses the other's change, as a read followed by [`AdminStore::update_tenant_settings`] can.
    /// An error from `change` changes nothing and is returned.
    ///
    /// `change` may run more than once (a backend may retry its transaction): it should only
    /// edit the settings it is given and record what it saw.
    fn modify_tenant_settings(
        &self,
        id: &TenantId,
        by: &EventActor,
        change: &mut dyn FnMut(&mut TenantSettings) -> Result<(), StoreError>,
    ) -> Result<Tenant, StoreError>;
    /// Records a newly issued token (and logs `token.issued`, by `by`).
    fn insert_token(&self, token: &NewToken, by: &EventActor) -> Result<TokenRecord, StoreError>;
    /// A token record by id.
    fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// The token records of one tenant, or of all.
    fn tokens(&self, tenant: Option<&TenantId>) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes a token (and logs `token.revoked`, by `by`); `false` when it does not exist or
    /// was revoked already.
    fn revoke_token(&self, id: &str, by: &EventActor) -> Result<bool, StoreError>;
    /// Records that a token was used at `at` (a later use only moves it forward).
    fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The ids of tokens revoked at or after `since` (for refreshing verification caches).
    fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<String>, StoreError>;
    /// The server's keys for `purpose`: the current one first (if any), then retired ones,
    /// most recently retired first. Every process on the database sees the same keys.
    fn server_keys(&self, purpose: KeyPurpose) -> Result<Vec<ServerKey>, StoreError>;
    /// Adds a key; `false` (and nothing changes) when its id is taken or when it is current
    /// ([`ServerKey::retired_at`] is `None`) and its purpose has a current key already. Processes
    /// that start together on a new database may each offer a key: one wins, and all of them
    /// then read it with [`AdminStore::server_keys`].
    fn add_server_key(&self, key: &ServerKey) -> Result<bool, StoreError>;
    /// Retires a current key, so that a new one can be added; `false` when no current key has
    /// this id.
    fn retire_server_key(&self, id: &str) -> Result<bool, StoreError>;
    /// Deletes a retired key, so that nothing it signed verifies any more; `false` when no
    /// retired key has this id (a current key must be retired first).
    fn delete_server_key(&self, id: &str) -> Result<bool, StoreError>;
    /// Marks a resource protected (or not).
    fn set_protected(&self, tenant: &TenantId, id: &str, protected: bool)
    -> Result<(), StoreError>;
    /// Makes the User `user_id` the organisation's owner ([`Organisation::owner_of`]) and
    /// protects it, unprotecting the previous owner, in one transaction under the tenant's
    /// lock, so that of concurrent changes of owner the last one wins and only its owner is
    /// protected. Returns the previous owner's id when it was another user. A `user_id` that is
    /// no User of the tenant is [`StoreError::NotFound`] and changes nothing.
    ///
    /// [`Organisation::owner_of`]: crate::Organisation::owner_of
    fn set_owner(
        &self,
        tenant: &TenantId,
        user_id: &str,
        by: &EventActor,
    ) -> Result<Option<String>, StoreError>;
    /// The tenant's change log after sequence number `after`, at most `limit` events, in order.
    fn events(&self, tenant: &TenantId, after: i64, limit: u32) -> Result<Vec<Event>, StoreError>;
    /// Creates a subscription to a tenant's events, starting after `new.after` (or after the
    /// tenant's last event).
    fn create_subscription(&self, new: &NewSubscription) -> Result<Subscription, StoreError>;
    /// A subscription of a tenant.
    fn subscription(&self, tenant: &TenantId, id: &str)
    -> Result<Option<Subscription>, StoreError>;
    /// The subscriptions of one tenant, or of all.
    fn subscriptions(&self, tenant: Option<&TenantId>) -> Result<Vec<Subscription>, StoreError>;
    /// Changes a subscription's settings ([`StoreError::NotFound`] if it does not exist).
    fn update_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
        change: &SubscriptionChange,
    ) -> Result<Subscription, StoreError>;
    /// Deletes a subscription; `false` when it did not exist.
    fn delete_subscription(&self, tenant: &TenantId, id: &str) -> Result<bool, StoreError>;
    /// Replaces a subscription's secret.
    fn set_subscription_secret(
        &self,
        tenant: &TenantId,
        id: &str,
        secret: &str,
    ) -> Result<Subscription, StoreError>;
    /// Moves a subscription's cursor back (or forward) so that delivery resumes after `after`.
    /// Its lease ends: a delivery in progress records nothing more ([`AdminStore::finish_delivery`]
    /// with its owner answers `false`), so it cannot move the cursor past the rewind.
    fn rewind_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
        after: i64,
    ) -> Result<Subscription, StoreError>;
    /// The tenants that have an enabled push subscription, each once: a deliverer need not
    /// look for work when another tenant's events commit.
    fn push_subscription_tenants(&self) -> Result<Vec<TenantId>, StoreError>;
    /// Leases up to `limit` push subscriptions that are due and have events to deliver, for
    /// `owner` until `lease_until`: no other owner gets them until then (or until they are
    /// finished). Subscriptions `owner` holds already are claimed again, which extends them.
    fn claim_subscriptions(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError>;
    /// Records a delivery run: the cursor moves forward to `cursor`, the attempts go to the
    /// delivery log, and `end` says what comes next. With `owner`, only if it still holds the
    /// lease (`false` otherwise, and nothing is recorded).
    fn finish_delivery(
        &self,
        owner: Option<&str>,
        subscription: &Subscription,
        cursor: i64,
        attempts: &[DeliveryAttempt],
        end: &DeliveryEnd,
    ) -> Result<bool, StoreError>;
    /// Adds attempts to a subscription's delivery log without touching its cursor (a test
    /// event).
    fn record_attempts(
        &self,
        subscription: &Subscription,
        attempts: &[DeliveryAttempt],
    ) -> Result<(), StoreError>;
    /// The last `limit` attempts of a subscription's deliveries, newest first.
    fn deliveries(
        &self,
        tenant: &TenantId,
        id: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>, StoreError>;
    /// A poll receiver acknowledges events by id (RFC 8936 `ack` and `setErrs`); the cursor
    /// moves over every event acknowledged with none unacknowledged before it. Returns the new
    /// cursor.
    fn acknowledge(
        &self,
        tenant: &TenantId,
        id: &str,
        event_ids: &[String],
    ) -> Result<i64, StoreError>;
    /// The events of a poll subscription acknowledged beyond its cursor (out of order).
    fn acknowledged_beyond(&self, tenant: &TenantId, id: &str) -> Result<Vec<i64>, StoreError>;
    /// Deletes events older than `older_than` that every enabled subscription of their tenant
    /// has received; returns how many.
    fn prune_events(&self, older_than: DateTime<Utc>) -> Result<u64, StoreError>;

    /// The tenant's change log as `query` selects it, newest first (a person's history, the
    /// activity page). A resource or a person is found by key lookups (a resource's chain of
    /// events, the event members of a person's groups); types and actors are not
    /// indexed (every write would pay for it) and are read from `before` down to `after`, so a
    /// caller filtering by them alone bounds that range (the activity page looks through a
    /// window of the log per page).
    fn recent_events(
        &self,
        tenant: &TenantId,
        query: &EventQuery,
    ) -> Result<Vec<Event>, StoreError>;
    /// A page of a group's members after the member id `after`, at most `limit` (up to
    /// [`crate::MAX_EVENT_PAGE`]), in byte order of their ids, with how many it has in all: a
    /// group of 100,000 members is read a page at a time, never whole. `limit` 0 counts only.
    /// [`StoreError::NotFound`] when the tenant has no such group.
    fn group_members(
        &self,
        tenant: &TenantId,
        group_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<MemberPage, StoreError>;

    /// Records a console session ([`StoreError::TenantNotFound`] for a tenant session of a
    /// tenant that does not exist).
    fn create_console_session(
        &self,
        session: &NewConsoleSession,
    ) -> Result<ConsoleSession, StoreError>;
    /// A console session by the hash of its id, expired or not (the caller compares
    /// [`ConsoleSession::expires_at`] with its clock).
    fn console_session(&self, id_hash: &str) -> Result<Option<ConsoleSession>, StoreError>;
    /// Records that a session was used at `at` (a later use only moves it forward).
    fn touch_console_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Ends a session (sign-out); `false` when there was none.
    fn delete_console_session(&self, id_hash: &str) -> Result<bool, StoreError>;
    /// Records a one-time sign-in link for a tenant ([`StoreError::TenantNotFound`] if it does
    /// not exist).
    fn create_console_link(&self, link: &NewConsoleLink) -> Result<(), StoreError>;
    /// Redeems a link: if it exists, is unused and has not expired, marks it used and opens a
    /// session for its tenant, in one transaction. A link opens one session only, even when
    /// several server processes redeem it at once; `None` for any link that cannot be used.
    fn redeem_console_link(
        &self,
        redemption: &LinkRedemption,
    ) -> Result<Option<ConsoleSession>, StoreError>;
    /// Deletes sessions and links that expired by `now`, and links already used; returns how
    /// many.
    fn prune_console(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

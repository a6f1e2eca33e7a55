//! `scim-store`: storage for SCIM resources, with SQLite and PostgreSQL backends.
//!
//! The [`Store`] trait is the contract (read its documentation: tenancy, atomicity, versions,
//! uniqueness, memberships, protected resources, the change log). [`StoreBuilder`] opens a
//! store from a URL and applies the embedded migrations.
//!
//! ```
//! use scim_core::schema::SchemaRegistry;
//! use scim_store::{
//!     Actor, Query, ReadOptions, Store, StoreBuilder, TenantId, TenantSettings, Version,
//! };
//! use serde_json::json;
//!
//! let store = StoreBuilder::new(SchemaRegistry::standard()).open("sqlite::memory:")?;
//! let acme = TenantId::new("acme").unwrap();
//! store.create_tenant(&acme, &TenantSettings::default())?;
//!
//! let created = store.create(Actor::tenant(&acme), "User", &json!({"userName": "Ada@Example.com"}))?;
//! assert_eq!(created.version, Version::FIRST);
//!
//! let query = Query::filtered(r#"userName eq "ada@example.com""#)?;
//! let page = store.query(&acme, "User", &query, ReadOptions::FULL)?;
//! assert_eq!(page.total_results, 1);
//! # Ok::<(), scim_store::StoreError>(())
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `sqlite` | yes | [`SqliteStore`]: SQLite compiled in (no system library), a file or in memory |
//! | `postgres` | yes | [`PostgresStore`]: PostgreSQL through libpq, for several server instances |
//!
//! # The traits
//!
//! [`Store`] is two traits together: [`ResourceStore`], the SCIM resources of tenants (all that
//! `scim-service` needs, and all a backend of your own must offer to serve SCIM), and
//! [`AdminStore`], tenants, keys, the change log and subscriptions. [`StoreBuilder::open`]
//! returns an `Arc<dyn Store>`, whose methods need no import; on a concrete type
//! ([`SqliteStore`], [`PostgresStore`]) import the trait whose methods you call.
//!
//! # Using it from async code
//!
//! Diesel is synchronous, and so is [`Store`]. An async server runs store calls on a blocking
//! thread pool (`actix_web::web::block`, `tokio::task::spawn_blocking`); each call holds one
//! pooled connection for the length of one short transaction. Size the pool
//! ([`StoreBuilder::max_connections`]) to the number of blocking threads that run store calls;
//! `docs/decisions/0004-sync-diesel-on-a-blocking-pool.md` says why.
//!
//! Moving a call to another thread and back costs more than a point read on SQLite, so the
//! store also offers [`ResourceStore::get_at_once`] and [`ResourceStore::query_at_once`]: the same reads,
//! answered on the calling thread when they cannot wait (an index lookup on the embedded
//! database, with a connection free at once), and declined (`None`) otherwise. An async server
//! tries them on its executor and falls back to the blocking pool.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Without a backend the crate is the contract alone (the trait and its types, which
// scim-service builds on); the helpers the backends share are then unused.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(
        dead_code,
        reason = "the backends' shared helpers, compiled without any backend"
    )
)]

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod backend;
mod clock;
mod console;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod engine;
mod error;
mod event;
mod links;
mod model;
mod open;
mod organisation;
mod server_key;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod store;
mod subscription;
mod tenant;
mod token;

pub use clock::{Clock, IdGenerator, SteppingClock, SystemClock, UuidV7Ids};
pub use console::{
    ActorFilter, ConsoleScope, ConsoleSession, EventQuery, GroupMember, LinkRedemption,
    MAX_EVENT_PAGE, MemberPage, NewConsoleLink, NewConsoleSession,
};
pub use error::{DatabaseFailure, StoreError};
pub use event::{Event, EventActor, EventPart, EventResource, EventType, MEMBERS_PER_EVENT};
pub use links::{Link, Linked, Links};
pub use model::{
    Actor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Memberships, Page, Query, ReadOptions, StatementPlan,
    StoredResource,
};
#[cfg(feature = "postgres")]
pub use open::PostgresStore;
#[cfg(feature = "sqlite")]
pub use open::SqliteStore;
pub use open::StoreBuilder;
pub use organisation::Organisation;
/// The version of a stored resource, re-exported so that `Store` signatures read alone.
pub use scim_core::message::Version;
pub use server_key::{KeyPurpose, ServerKey};
pub use store::{AdminStore, CommitListener, ResourceStore, Store};
pub use subscription::{
    DELIVERY_LOG_LENGTH, DeliveryAttempt, DeliveryEnd, DeliveryMethod, EventFormat,
    NewSubscription, Subscription, SubscriptionChange, SubscriptionState,
};
pub use tenant::{InvalidTenantId, LockedAttribute, Tenant, TenantId, TenantSettings};
pub use token::{NewToken, Scope, TokenRecord};

// The README's examples compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

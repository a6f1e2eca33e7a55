//! `scim-store`: storage for SCIM resources, with SQLite and PostgreSQL backends.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod backend;
mod clock;
mod engine;
mod error;
mod event;
mod model;
mod open;
mod sql;
mod store;
mod tenant;
mod token;

pub use clock::{Clock, IdGenerator, SteppingClock, SystemClock, UuidV7Ids};
pub use engine::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use error::StoreError;
pub use event::{Event, Operation};
pub use model::{Actor, Page, Query, ReadOptions, StoredResource};
#[cfg(feature = "postgres")]
pub use open::PostgresStore;
#[cfg(feature = "sqlite")]
pub use open::SqliteStore;
pub use open::StoreBuilder;
pub use store::Store;
pub use tenant::{InvalidTenantId, LockedAttribute, Tenant, TenantId, TenantSettings};
pub use token::{NewToken, Scope, TokenRecord};

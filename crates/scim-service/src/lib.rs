//! `scim-service`: SCIM 2.0 over HTTP (RFC 7644) without a web framework.
//!
//! Given a request (method, path below the SCIM base, query, the headers that matter, body) and
//! the caller an adapter has authenticated, [`ScimService`] decides the response (status,
//! headers, body), over any [`scim_store::Store`]. It covers resources and their searches,
//! the search of every resource type, Bulk with `bulkId` references, discovery, ETag
//! preconditions, projection, content-type rules, error documents, and the tenant's product
//! policies (which the store enforces). It has no actix, axum or hyper type in its API: an
//! adapter converts its framework's request into a [`Request`] and the [`Response`] back, in a
//! few dozen lines.
//!
//! ```
//! use scim_core::schema::SchemaRegistry;
//! use scim_service::{Caller, Method, Request, ScimService, Settings};
//! use scim_store::{StoreBuilder, TenantId, TenantSettings};
//!
//! let store = StoreBuilder::new(SchemaRegistry::standard()).open("sqlite::memory:")?;
//! let tenant = TenantId::new("acme").unwrap();
//! store.create_tenant(&tenant, &TenantSettings::default())?;
//! let service = ScimService::new(store, Settings::default());
//! let base = "https://scim.example.com/scim/v2";
//!
//! // Okta's lookup before a create: an empty list.
//! let lookup = Request::new(Method::Get, "/Users", base)
//!     .with_query("filter=userName%20eq%20%22ada%40example.com%22&startIndex=1&count=100");
//! let caller = Caller::new(tenant);
//! let response = service.handle_in_place(Some(&caller), &lookup);
//! assert_eq!(response.status, 200);
//! let list: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
//! assert_eq!(list["totalResults"], 0);
//! # Ok::<(), scim_store::StoreError>(())
//! ```
//!
//! # Where store calls run
//!
//! The store is synchronous. [`ScimService::handle`] is async and hands every store call that
//! can wait to a [`Blocking`] the adapter provides (a thread pool, with its own queueing and
//! timing); [`ScimService::handle_in_place`] makes them on the calling thread. Reads the store
//! answers without waiting (`Store::get_at_once`) go through [`Blocking::at_once`] on the
//! calling thread: on an embedded database they cost less than a trip to another thread.
//!
//! # Authentication
//!
//! The adapter authenticates, and passes a [`Caller`] (the tenant, the credential's id, whether
//! it may write). [`Route::needs_caller`] says which routes need one: discovery does not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod body;
mod bulk;
mod bulk_ids;
mod caller;
mod discovery;
mod rendered;
mod request;
mod resources;
mod response;
mod root_search;
mod route;
mod runner;
mod service;
mod settings;
mod store_error;
mod write;

pub use caller::Caller;
pub use request::{Headers, Method, Request};
pub use response::{RETRY_AFTER_SECONDS, Response, SCIM_JSON};
pub use route::Route;
pub use runner::{Blocking, InPlace, StoreOp};
pub use service::ScimService;
pub use settings::{BulkLimits, Settings};

// The README's examples compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// So does the embedding guide: a broken example there would mislead the people who embed us.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
struct EmbeddingGuideDoctests;

//! Integration tests of scim-store: one conformance suite run against every backend, and the
//! proofs that the store is right (differential filter and sort tests, concurrency, tenant
//! isolation).

mod backends;
mod concurrency;
mod conformance;
mod console;
mod differential;
mod fixtures;
mod isolation;
mod plans;
mod regressions;
mod schemas;
mod server_keys;
mod subscriptions;
mod written_pages;

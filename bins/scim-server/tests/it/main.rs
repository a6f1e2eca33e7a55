//! Tests of scim-server: the real binary on a real socket, driven as identity providers drive it.

mod harness;
mod idp;
mod instances;
mod replay;

//! Tests of scim-server: in process (`inproc`: `http::configure` driven with `actix_web::test`),
//! and the real binary on a real socket, driven as identity providers drive it.

mod cli;
mod delivery;
mod harness;
mod idp;
mod inproc;
mod instances;
mod keys;
mod manage;
mod outage;
mod replay;
mod request_target;
mod shutdown;
mod upgrade;

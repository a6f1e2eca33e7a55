//! Running the real `scim-server` binary: a database and data directory per test, the server on a
//! free loopback port, the command line against the same database, and an HTTP client.

mod database;
mod http;
mod process;
mod receiver;

pub(crate) use database::{Backend, Deployment};
pub(crate) use http::{Client, Response, SCIM_JSON, send_raw};
pub(crate) use process::Server;
pub(crate) use receiver::{Answer, Received, Receiver};

use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this process or an earlier run) uses: tenant ids, database names
/// and directories.
pub(crate) fn unique(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

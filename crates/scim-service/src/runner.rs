//! Where store calls run. The store is synchronous (diesel): a call that can wait for a
//! connection, a lock or a database server's reply must not run on an async executor's
//! thread. The adapter says where such calls go ([`Blocking`]); the service says which calls
//! they are ([`StoreOp`]), so that the adapter can time them by operation.

use std::future::Future;

use scim_core::ScimError;

/// What a store call does (a metric label, for example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreOp {
    /// Creating a resource.
    Create,
    /// Reading one resource.
    Get,
    /// Replacing a resource (PUT).
    Replace,
    /// Patching a resource.
    Patch,
    /// Deleting a resource.
    Delete,
    /// Querying one resource type.
    Query,
    /// Searching every resource type (`POST /.search`): several queries.
    SearchAll,
}

impl StoreOp {
    /// The operation's name: `create`, `get`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Get => "get",
            Self::Replace => "replace",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::Query => "query",
            Self::SearchAll => "search_all",
        }
    }
}

/// Runs the service's store calls where waiting is harmless.
///
/// An async adapter moves `f` to a thread pool (`tokio::task::spawn_blocking`,
/// `actix_web::web::block`) and may queue calls to match its connection pool; a synchronous
/// caller runs `f` in place ([`InPlace`]). [`Blocking::at_once`] runs a call the store answers
/// without waiting (a point read on the embedded SQLite file) on the calling thread, timed the
/// same way.
pub trait Blocking {
    /// Runs `f` where it may block; the error, if the call cannot be made at all (the pool is
    /// gone, the wait for a turn timed out), is the caller's answer.
    fn blocking<T: Send + 'static>(
        &self,
        op: StoreOp,
        f: impl FnOnce() -> Result<T, ScimError> + Send + 'static,
    ) -> impl Future<Output = Result<T, ScimError>> + Send;

    /// Runs `f`, which answers at once or declines (`None`), on the calling thread.
    fn at_once<T>(&self, op: StoreOp, f: impl FnOnce() -> Option<T>) -> Option<T> {
        let _ = op;
        f()
    }
}

/// Runs every store call in place, on the calling thread: for synchronous callers, tests, and
/// async callers whose store never waits (SQLite in memory).
///
/// ```
/// use scim_service::{Blocking, InPlace, StoreOp};
/// let answer = InPlace.blocking(StoreOp::Get, || Ok(42));
/// // An `InPlace` future is ready at once.
/// # let _ = answer;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct InPlace;

impl Blocking for InPlace {
    fn blocking<T: Send + 'static>(
        &self,
        _op: StoreOp,
        f: impl FnOnce() -> Result<T, ScimError> + Send + 'static,
    ) -> impl Future<Output = Result<T, ScimError>> + Send {
        std::future::ready(f())
    }
}

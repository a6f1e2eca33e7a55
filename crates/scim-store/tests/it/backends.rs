//! The backends the conformance suite runs against.
//!
//! SQLite always runs. PostgreSQL runs when `SCIM_TEST_POSTGRES_URL` is set; without it the
//! tests say so loudly and pass, except under CI (`CI=true`), where a missing database fails.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use scim_core::schema::SchemaRegistry;
use scim_store::{Store, StoreBuilder, TenantId, TenantSettings};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this process or an earlier run) uses.
pub(crate) fn unique(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// A fresh SQLite database in a temporary file.
pub(crate) fn sqlite() -> Arc<dyn Store> {
    let path = std::env::temp_dir().join(format!("{}.db", unique("scim-store-test")));
    StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(8)
        .open(&format!("sqlite://{}", path.display()))
        .expect("open SQLite")
}

/// The shared PostgreSQL store, or `None` (after a loud message) when none is configured.
pub(crate) fn postgres() -> Option<Arc<dyn Store>> {
    static STORE: OnceLock<Option<Arc<dyn Store>>> = OnceLock::new();
    STORE
        .get_or_init(|| match std::env::var("SCIM_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(
                StoreBuilder::new(SchemaRegistry::standard())
                    .max_connections(16)
                    .open(&url)
                    .unwrap_or_else(|e| panic!("SCIM_TEST_POSTGRES_URL={url} is not usable: {e}")),
            ),
            _ => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but SCIM_TEST_POSTGRES_URL is not set: the PostgreSQL suite must run in CI");
                }
                #[expect(clippy::print_stderr, reason = "a skipped suite must be loud")]
                {
                eprintln!(
                    "\n*** SKIPPING PostgreSQL tests: SCIM_TEST_POSTGRES_URL is not set (see .env.sample) ***\n"
                );
                }
                None
            }
        })
        .clone()
}

/// A new tenant with default settings.
pub(crate) fn tenant(store: &dyn Store) -> TenantId {
    tenant_with(store, TenantSettings::default())
}

/// A new tenant with the given settings.
pub(crate) fn tenant_with(store: &dyn Store, settings: TenantSettings) -> TenantId {
    let id = TenantId::new(unique("t")).expect("tenant id");
    store.create_tenant(&id, &settings).expect("create tenant");
    id
}

/// Runs each named test function against every backend.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&*$crate::backends::sqlite()); })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if let Some(store) = $crate::backends::postgres() { super::$name(&*store); }
            })*
        }
    };
}

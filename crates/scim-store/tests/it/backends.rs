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
    sqlite_with(StoreBuilder::new(SchemaRegistry::standard()))
}

/// A fresh SQLite database in a temporary file, opened by `builder` with a pool of 8.
pub(crate) fn sqlite_with(builder: StoreBuilder) -> Arc<dyn Store> {
    sqlite_file(builder).0
}

/// Like [`sqlite_with`], with the path of the database file (for tests that tamper with it).
pub(crate) fn sqlite_file(builder: StoreBuilder) -> (Arc<dyn Store>, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("{}.db", unique("scim-store-test")));
    let store = builder
        .max_connections(8)
        .open(&format!("sqlite://{}", path.display()))
        .expect("open SQLite");
    (store, path)
}

/// The URL of the test PostgreSQL database, or `None` (after a loud message) when none is
/// configured.
pub(crate) fn postgres_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SCIM_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
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

/// The shared PostgreSQL store, or `None` when none is configured.
pub(crate) fn postgres() -> Option<Arc<dyn Store>> {
    static STORE: OnceLock<Option<Arc<dyn Store>>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            postgres_url().map(|url| {
                StoreBuilder::new(SchemaRegistry::standard())
                    .max_connections(16)
                    .open(&url)
                    .unwrap_or_else(|e| panic!("SCIM_TEST_POSTGRES_URL={url} is not usable: {e}"))
            })
        })
        .clone()
}

/// The URL of a database next to the test database whose default collation is ICU's `en-US`
/// (created on first use), or `None` when PostgreSQL is not configured.
///
/// The usual test database collates with `C`, under which text order is byte order whether a
/// statement asks for it or not; production databases are often created with a linguistic
/// collation. Running the same checks on both shows that no result depends on the database's
/// collation.
pub(crate) fn postgres_icu_url() -> Option<String> {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let url = postgres_url()?;
        let (base, params) = match url.split_once('?') {
            Some((base, params)) => (base, format!("?{params}")),
            None => (url.as_str(), String::new()),
        };
        let slash = base.rfind('/').expect("a database URL names its database");
        let name = format!("{}_icu", &base[slash + 1..]);
        let mut admin = PgConnection::establish(&url)
            .unwrap_or_else(|e| panic!("SCIM_TEST_POSTGRES_URL={url} is not usable: {e}"));
        let created = admin.batch_execute(&format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        ));
        match created {
            Ok(()) => {}
            // Created by an earlier (or a concurrent) run.
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => panic!("cannot create the ICU-collated test database {name}: {e}"),
        }
        Some(format!("{}/{name}{params}", &base[..slash]))
    })
    .clone()
}

/// A PostgreSQL database of its own beside the test database, dropped with this value.
pub(crate) struct ThrowawayDatabase {
    /// Where the database is.
    pub(crate) url: String,
    admin_url: String,
    name: String,
}

impl Drop for ThrowawayDatabase {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, PgConnection};
        // A failed drop leaves a database behind, not a wrong result.
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A new, empty PostgreSQL database (for a test that needs tables no other test writes to,
/// such as one about the planner's statistics), or `None` when PostgreSQL is not configured.
pub(crate) fn postgres_throwaway(prefix: &str) -> Option<ThrowawayDatabase> {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    let admin_url = postgres_url()?;
    let (base, params) = match admin_url.split_once('?') {
        Some((base, params)) => (base, format!("?{params}")),
        None => (admin_url.as_str(), String::new()),
    };
    let slash = base.rfind('/').expect("a database URL names its database");
    let name = unique(prefix);
    let mut admin = PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("SCIM_TEST_POSTGRES_URL={admin_url} is not usable: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|e| panic!("cannot create the database {name}: {e}"));
    Some(ThrowawayDatabase {
        url: format!("{}/{name}{params}", &base[..slash]),
        admin_url,
        name,
    })
}

/// A PostgreSQL store of its own, opened by `builder` (for a test that needs its own clock, id
/// generator or registry), or `None` when none is configured.
pub(crate) fn postgres_with(builder: StoreBuilder) -> Option<Arc<dyn Store>> {
    Some(postgres_at(&postgres_url()?, builder))
}

/// A store of its own on the PostgreSQL database at `url`.
pub(crate) fn postgres_at(url: &str, builder: StoreBuilder) -> Arc<dyn Store> {
    builder
        .max_connections(4)
        .open(url)
        .unwrap_or_else(|e| panic!("{url} is not usable: {e}"))
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

/// A PostgreSQL database created for one test, dropped (with any connection still open) when
/// this is dropped: for tests of what the whole database shares, such as the server's keys.
pub(crate) struct OwnPostgresDatabase {
    admin_url: String,
    name: String,
    /// The new database's URL.
    pub(crate) url: String,
}

impl OwnPostgresDatabase {
    /// A new empty database beside the test database, or `None` when PostgreSQL is not
    /// configured.
    pub(crate) fn create() -> Option<Self> {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, PgConnection};
        let admin_url = postgres_url()?;
        let name = unique("scim_own").replace('-', "_");
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("SCIM_TEST_POSTGRES_URL={admin_url} is not usable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("cannot create the database {name}: {e}"));
        let (base, params) = match admin_url.split_once('?') {
            Some((base, params)) => (base, format!("?{params}")),
            None => (admin_url.as_str(), String::new()),
        };
        let slash = base.rfind('/').expect("a database URL names its database");
        let url = format!("{}/{name}{params}", &base[..slash]);
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for OwnPostgresDatabase {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, PgConnection};
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Runs `test` on a SQLite file of its own, then (when configured) on a PostgreSQL database of
/// its own: for tests of what a whole database shares (server keys, leases across tenants).
pub(crate) fn on_own_databases(test: fn(&dyn Store)) {
    let (sqlite, path) = sqlite_file(StoreBuilder::new(SchemaRegistry::standard()));
    test(&*sqlite);
    drop(sqlite);
    let _ = std::fs::remove_file(path);
    if let Some(database) = OwnPostgresDatabase::create() {
        let store = StoreBuilder::new(SchemaRegistry::standard())
            .max_connections(8)
            .open(&database.url)
            .unwrap_or_else(|e| panic!("{} is not usable: {e}", database.url));
        test(&*store);
    }
}

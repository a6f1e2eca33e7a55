//! Where a test deployment keeps its data, and the command line that works on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::process::Server;
use super::unique;

/// The database a deployment runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// A SQLite file in the deployment's data directory.
    Sqlite,
    /// PostgreSQL at `SCIM_TEST_POSTGRES_URL`.
    Postgres,
}

/// The PostgreSQL server the tests use, or `None` after a loud message. Under `CI=true` a missing
/// URL fails the test instead: the PostgreSQL suite must run in CI.
fn postgres_url() -> Option<String> {
    match std::env::var("SCIM_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "CI=true but SCIM_TEST_POSTGRES_URL is not set: the PostgreSQL end-to-end tests must run in CI"
            );
            #[expect(clippy::print_stderr, reason = "a skipped test must be loud")]
            {
                eprintln!(
                    "\n*** SKIPPING a PostgreSQL end-to-end test: SCIM_TEST_POSTGRES_URL is not set (see .env.sample) ***\n"
                );
            }
            None
        }
    }
}

/// A temporary directory, removed on drop.
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Self {
        let path = std::env::temp_dir().join(unique(prefix));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL database created for one test and dropped after it.
#[derive(Debug)]
struct OwnDatabase {
    admin_url: String,
    name: String,
}

impl OwnDatabase {
    fn create(admin_url: &str) -> (Self, String) {
        use diesel::{Connection, RunQueryDsl, sql_query};
        let name = unique("scim_e2e").replace('-', "_");
        let mut conn = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("SCIM_TEST_POSTGRES_URL={admin_url} is not usable: {e}"));
        sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create a database for the test");
        let url = with_database(admin_url, &name);
        (
            Self {
                admin_url: admin_url.to_owned(),
                name,
            },
            url,
        )
    }
}

impl OwnDatabase {
    fn admin(&self) -> diesel::PgConnection {
        use diesel::Connection;
        diesel::PgConnection::establish(&self.admin_url).expect("connect to the admin database")
    }

    /// Refuses new connections and terminates every open session, as an outage of the
    /// database server does (from an admin connection to another database, which survives).
    /// Returns once no session is left.
    fn cut(&self) {
        use diesel::{RunQueryDsl, sql_query};
        let mut conn = self.admin();
        sql_query(format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false",
            self.name
        ))
        .execute(&mut conn)
        .expect("refuse connections");
        // pg_terminate_backend only signals a session; it ends at its next interrupt check.
        let sessions = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
            self.name
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while sql_query(&sessions)
            .execute(&mut conn)
            .expect("terminate the sessions")
            > 0
        {
            assert!(
                std::time::Instant::now() < deadline,
                "sessions of {} survive pg_terminate_backend",
                self.name
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    fn restore(&self) {
        use diesel::{RunQueryDsl, sql_query};
        sql_query(format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
            self.name
        ))
        .execute(&mut self.admin())
        .expect("allow connections");
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl, sql_query};
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// Copies a directory tree (files and directories only).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a fixture directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// One installation of the server: a database, a data directory and a signing secret that every
/// server process and command of the deployment shares, as several instances behind a load
/// balancer would.
#[derive(Debug)]
pub(crate) struct Deployment {
    /// `SCIM_DATABASE_URL`.
    pub(crate) database_url: String,
    /// `SCIM_JWT_SECRET`; `None` leaves the secret to the database, as a default install does.
    secret: Option<String>,
    // Dropped after the servers (which tests declare later) have stopped.
    database: Option<OwnDatabase>,
    dir: TempDir,
}

impl Deployment {
    /// A deployment on `backend`; for PostgreSQL, `None` (after a loud message) when no server
    /// is configured. PostgreSQL deployments share the test database and keep apart by tenant.
    pub(crate) fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new("scim-e2e");
                let url = format!("sqlite://{}", dir.path().join("data/scim.db").display());
                Some(Self::with(url, None, dir))
            }
            Backend::Postgres => {
                let url = postgres_url()?;
                Some(Self::with(url, None, TempDir::new("scim-e2e")))
            }
        }
    }

    /// A deployment on `backend` whose database no other test uses: on PostgreSQL, one of its
    /// own ([`Deployment::fresh_postgres`]).
    pub(crate) fn isolated(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Self::new(backend),
            Backend::Postgres => Self::fresh_postgres(),
        }
    }

    /// A deployment on a PostgreSQL database of its own, created now and dropped with it.
    pub(crate) fn fresh_postgres() -> Option<Self> {
        let admin = postgres_url()?;
        let (database, url) = OwnDatabase::create(&admin);
        Some(Self::with(url, Some(database), TempDir::new("scim-e2e")))
    }

    fn with(url: String, database: Option<OwnDatabase>, dir: TempDir) -> Self {
        Self {
            database_url: url,
            secret: Some(format!(
                "{}-{}",
                unique("secret"),
                "0123456789abcdef0123456789abcdef"
            )),
            database,
            dir,
        }
    }

    /// A default install on `backend`: no configured secret, so the signing secret is the one
    /// kept in the database. PostgreSQL deployments share the test database (and its secret).
    pub(crate) fn default_install(backend: Backend) -> Option<Self> {
        let mut deployment = Self::new(backend)?;
        deployment.secret = None;
        Some(deployment)
    }

    /// A deployment made from a copy of `fixture`, a directory holding what an operator's working
    /// directory held (`data/` with a SQLite file and a signing secret, say), on `database_url`
    /// (or the SQLite file `data/scim.db` of the copy), with no configured secret: the default
    /// install, upgraded in place. A PostgreSQL database of its own is created and filled by
    /// `fill` with the copy's path; it is dropped with the deployment.
    pub(crate) fn upgraded_from(
        fixture: &Path,
        backend: Backend,
        fill: impl FnOnce(&str),
    ) -> Option<Self> {
        let dir = TempDir::new("scim-upgrade");
        copy_dir(fixture, dir.path());
        let (url, database) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("data/scim.db").display()),
                None,
            ),
            Backend::Postgres => {
                let (database, url) = OwnDatabase::create(&postgres_url()?);
                (url, Some(database))
            }
        };
        fill(&url);
        Some(Self {
            database_url: url,
            secret: None,
            database,
            dir,
        })
    }

    /// The data directory (`SCIM_DATA_DIR`).
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The `scim-server` binary with this deployment's environment, and nothing of the caller's
    /// `SCIM_*` variables.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scim-server"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SCIM_") {
                command.env_remove(name);
            }
        }
        command
            .env("SCIM_DATABASE_URL", &self.database_url)
            .env("SCIM_DATA_DIR", self.data_dir())
            .env("RUST_LOG", "warn")
            .current_dir(self.dir.path());
        if let Some(secret) = &self.secret {
            command.env("SCIM_JWT_SECRET", secret);
        }
        command
    }

    /// Runs a command to its end.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run scim-server")
    }

    /// Runs a command that must succeed; returns its standard output.
    #[track_caller]
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "scim-server {} failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Issues a SCIM key for `tenant` (creating the tenant when it does not exist).
    pub(crate) fn issue_token(&self, tenant: &str) -> String {
        let stdout = self.cli(&["token", "issue", "--tenant", tenant]);
        let token = stdout.trim();
        assert_eq!(
            token.split('.').count(),
            3,
            "`token issue` prints the token alone: {stdout:?}"
        );
        token.to_owned()
    }

    /// Starts a server process of this deployment.
    pub(crate) fn start(&self) -> Server {
        Server::start(self)
    }

    /// The same, reading the configuration file `toml` (`SCIM_CONFIG`), written into the
    /// deployment's directory.
    pub(crate) fn command_with_config(&self, toml: &str) -> Command {
        let path = self.dir.path().join(format!("{}.toml", unique("config")));
        std::fs::write(&path, toml).expect("write the configuration file");
        let mut command = self.command();
        command.env("SCIM_CONFIG", path);
        command
    }

    /// Starts a server process of this deployment with the configuration file `toml`.
    pub(crate) fn start_with_config(&self, toml: &str) -> Server {
        Server::spawn(self, |_| self.command_with_config(toml), "serve")
    }

    /// Cuts the deployment's own PostgreSQL database off ([`Deployment::fresh_postgres`]):
    /// new connections are refused and every session is terminated, until
    /// [`Deployment::restore_database`].
    pub(crate) fn cut_database(&self) {
        self.database
            .as_ref()
            .expect("a database of the deployment's own")
            .cut();
    }

    /// Accepts connections to the deployment's own database again.
    pub(crate) fn restore_database(&self) {
        self.database
            .as_ref()
            .expect("a database of the deployment's own")
            .restore();
    }

    /// The signing secret every command of this deployment gets (`SCIM_JWT_SECRET`), if any.
    pub(crate) fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// Where server processes write their logs.
    pub(crate) fn log_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@db/test?sslmode=disable", "x"),
        "postgres://u:p@db/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://db", "x"), "postgres://db/x");
}

//! Configuration: a TOML file, then environment variables, then command-line flags, each
//! overriding the one before. Every setting has a default, so no file is needed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The server's configuration. See `docs/operations.md` for the reference.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The address to listen on (`SCIM_LISTEN`).
    pub listen: String,
    /// `sqlite://PATH`, `sqlite::memory:` or `postgres://...` (`SCIM_DATABASE_URL`); without
    /// it, the SQLite file `scim.db` in `data_dir` (see [`Config::database_url`]).
    pub database_url: Option<String>,
    /// The directory for the default SQLite database and a generated signing secret
    /// (`SCIM_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The public URL the server is reached at, without `/scim/v2` (`SCIM_BASE_URL`); used for
    /// `meta.location` and `Location`. Without it, the request's scheme and `Host` are used.
    pub base_url: Option<String>,
    /// Database connections per server process.
    pub max_connections: u32,
    /// How long a request waits for the database (its turn for a connection, a new connection,
    /// SQLite's write lock) before it is answered 503, in milliseconds.
    pub database_wait_ms: u64,
    /// How long `/readyz` waits for the database to answer before it says 503, in milliseconds.
    pub readiness_timeout_ms: u64,
    /// How long requests in flight have to finish after SIGTERM, in seconds.
    pub shutdown_timeout_seconds: u64,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `text` or `json` log lines (`SCIM_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// The largest request body accepted, in bytes (Bulk has its own limit).
    pub max_body_bytes: usize,
    /// Bulk limits, advertised in `/ServiceProviderConfig`.
    pub bulk: BulkConfig,
    /// Token signing and verification.
    pub auth: AuthConfig,
    /// The administrative API.
    pub admin: AdminConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            database_url: None,
            data_dir: PathBuf::from("data"),
            base_url: None,
            max_connections: 8,
            database_wait_ms: 1000,
            readiness_timeout_ms: 500,
            shutdown_timeout_seconds: 30,
            workers: None,
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            bulk: BulkConfig::default(),
            auth: AuthConfig::default(),
            admin: AdminConfig::default(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Bulk request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BulkConfig {
    /// The most operations one Bulk request may carry.
    pub max_operations: usize,
    /// The largest Bulk request body, in bytes.
    pub max_payload_bytes: usize,
}

impl Default for BulkConfig {
    fn default() -> Self {
        Self {
            max_operations: 1000,
            max_payload_bytes: 1024 * 1024,
        }
    }
}

/// The signing algorithm of SCIM keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum SigningAlgorithm {
    /// HMAC-SHA256 with a shared secret.
    #[default]
    HS256,
    /// Ed25519 with a key pair (PEM files).
    EdDSA,
}

/// How SCIM keys (JWTs) are signed and checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `HS256` or `EdDSA`.
    pub algorithm: SigningAlgorithm,
    /// The HS256 secret (`SCIM_JWT_SECRET`). Without it, a secret is read from (or generated
    /// into) `<data_dir>/jwt-secret`.
    pub secret: Option<String>,
    /// Previous HS256 secrets whose keys are still accepted while identity providers move to
    /// keys signed with the current one (`SCIM_JWT_PREVIOUS_SECRETS`, comma-separated).
    pub previous_secrets: Vec<String>,
    /// The Ed25519 private key (PEM), needed to issue tokens.
    pub private_key_file: Option<PathBuf>,
    /// The Ed25519 public key (PEM), needed to verify them.
    pub public_key_file: Option<PathBuf>,
    /// Previous Ed25519 public keys (PEM) whose keys are still accepted.
    pub previous_public_key_files: Vec<PathBuf>,
    /// The `iss` claim issued and required.
    pub issuer: String,
    /// How long a verified token is trusted without asking the database again.
    pub cache_seconds: u64,
    /// How often revocations are fetched from the database; a revoked token stops working
    /// within this many seconds on every instance.
    pub revocation_poll_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            algorithm: SigningAlgorithm::HS256,
            secret: None,
            previous_secrets: Vec::new(),
            private_key_file: None,
            public_key_file: None,
            previous_public_key_files: Vec::new(),
            issuer: "scim-server".to_owned(),
            cache_seconds: 300,
            revocation_poll_seconds: 2,
        }
    }
}

/// The administrative HTTP API (`/admin/v1`), which takes its own credential, never a SCIM key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// The admin bearer token (`SCIM_ADMIN_TOKEN`); without it the admin API is off.
    pub token: Option<String>,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML error, with line and column.
        source: Box<toml::de::Error>,
    },
}

/// Overrides taken from the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--database`.
    pub database_url: Option<String>,
    /// `--listen`.
    pub listen: Option<String>,
}

impl Config {
    /// The file (if any), then the environment, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_env(|name| std::env::var(name).ok());
        if let Some(url) = &overrides.database_url {
            config.database_url = Some(url.clone());
        }
        if let Some(listen) = &overrides.listen {
            config.listen = listen.clone();
        }
        Ok(config)
    }

    /// The database to open: `database_url`, or else `sqlite://<data_dir>/scim.db`, so that
    /// moving the data directory moves the database with the signing secret.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("scim.db").display()),
        }
    }

    /// [`Config::database_wait_ms`].
    pub fn database_wait(&self) -> Duration {
        Duration::from_millis(self.database_wait_ms)
    }

    /// [`Config::readiness_timeout_ms`].
    pub fn readiness_timeout(&self) -> Duration {
        Duration::from_millis(self.readiness_timeout_ms)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }

    /// Applies the `SCIM_*` environment variables that `var` reports.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(v) = var("SCIM_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("SCIM_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("SCIM_BASE_URL") {
            self.base_url = Some(v);
        }
        if let Some(v) = var("SCIM_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("SCIM_JWT_SECRET") {
            self.auth.secret = Some(v);
        }
        if let Some(v) = var("SCIM_JWT_PREVIOUS_SECRETS") {
            self.auth.previous_secrets = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(v) = var("SCIM_ADMIN_TOKEN") {
            self.admin.token = Some(v);
        }
        match var("SCIM_LOG_FORMAT").as_deref() {
            Some("json") => self.log_format = LogFormat::Json,
            Some("text") => self.log_format = LogFormat::Text,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_then_the_environment_then_flags() {
        let file: Config = toml::from_str(
            r#"
            listen = "0.0.0.0:9000"
            database_url = "postgres://db/scim"
            [bulk]
            max_operations = 50
            [auth]
            algorithm = "EdDSA"
            public_key_file = "keys/public.pem"
            "#,
        )
        .unwrap();
        assert_eq!(file.bulk.max_operations, 50);
        assert_eq!(
            file.bulk.max_payload_bytes,
            BulkConfig::default().max_payload_bytes
        );
        assert_eq!(file.auth.algorithm, SigningAlgorithm::EdDSA);
        let mut config = file;
        config.apply_env(|name| (name == "SCIM_LISTEN").then(|| "127.0.0.1:1".to_owned()));
        assert_eq!(config.listen, "127.0.0.1:1");
        assert_eq!(config.database_url(), "postgres://db/scim");
    }

    /// Regression: the default database stayed at `./data/scim.db` when `SCIM_DATA_DIR` moved
    /// the data directory (and the signing secret) elsewhere.
    #[test]
    fn the_default_database_lives_in_the_data_directory() {
        let mut config = Config::default();
        assert_eq!(config.database_url(), "sqlite://data/scim.db");
        config.apply_env(|name| (name == "SCIM_DATA_DIR").then(|| "/var/lib/scim".to_owned()));
        assert_eq!(config.database_url(), "sqlite:///var/lib/scim/scim.db");
        config.apply_env(|name| (name == "SCIM_DATABASE_URL").then(|| "sqlite://x.db".to_owned()));
        assert_eq!(config.database_url(), "sqlite://x.db");
    }

    #[test]
    fn previous_keys_come_from_the_file_or_the_environment() {
        let mut config: Config = toml::from_str(
            r#"
            [auth]
            previous_public_key_files = ["keys/2025.pem"]
            "#,
        )
        .unwrap();
        assert_eq!(
            config.auth.previous_public_key_files,
            [PathBuf::from("keys/2025.pem")]
        );
        assert!(config.auth.previous_secrets.is_empty());
        config.apply_env(|name| {
            (name == "SCIM_JWT_PREVIOUS_SECRETS").then(|| " first-secret , ,second-secret".into())
        });
        assert_eq!(
            config.auth.previous_secrets,
            ["first-secret", "second-secret"]
        );
    }

    #[test]
    fn timeouts_have_their_units_and_defaults() {
        let config: Config =
            toml::from_str("database_wait_ms = 250\nreadiness_timeout_ms = 100").unwrap();
        assert_eq!(config.shutdown_timeout_seconds, 30);
        assert_eq!(config.database_wait(), Duration::from_millis(250));
        assert_eq!(config.readiness_timeout(), Duration::from_millis(100));
        let defaults = Config::default();
        assert_eq!(defaults.database_wait(), Duration::from_secs(1));
        assert_eq!(defaults.readiness_timeout(), Duration::from_millis(500));
    }

    #[test]
    fn unknown_settings_are_refused() {
        assert!(toml::from_str::<Config>("lisen = \"x\"").is_err());
    }
}

//! Starting the server: logging, the store, the authenticator, the revocation poller and HTTP.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use actix_web::{App, HttpServer};
use chrono::Utc;
use scim_core::schema::SchemaRegistry;
use scim_store::{Store, StoreBuilder};

use crate::auth::{Authenticator, SigningKeys};
use crate::config::{Config, LogFormat};
use crate::events::EventSignals;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] scim_store::StoreError),
    /// The signing keys could not be loaded.
    #[error("keys: {0}")]
    Keys(#[from] crate::auth::KeyError),
    /// The metrics could not be registered.
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// The listener or the HTTP server failed.
    #[error("http: {0}")]
    Io(#[from] std::io::Error),
    /// `base_url` is not an absolute `http(s)` URL without query or fragment.
    #[error("base_url: {0}")]
    BaseUrl(#[from] scim_core::resource::ReferenceError),
}

/// Sets up logging once: text or JSON lines on stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    let default = || tracing_subscriber::EnvFilter::new("info");
    let (filter, refused) = match tracing_subscriber::EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, None),
        // Unset is the default; set but wrong is an operator's mistake to be told of.
        Err(e) if std::env::var_os("RUST_LOG").is_some() => (default(), Some(e)),
        Err(_) => (default(), None),
    };
    // Colours only on a terminal: escape codes in a log file are noise, and cost time per line.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    // A second call (tests, embedding) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Some(e) = refused {
        tracing::warn!(error = %e, "RUST_LOG is not a log filter: logging at info");
    }
}

/// Opens the store the configuration names (applying migrations), telling `signals` of every
/// commit that may have appended events.
pub fn open_store(
    config: &Config,
    signals: &Arc<EventSignals>,
) -> Result<Arc<dyn Store>, StartError> {
    let listener = signals.clone();
    Ok(StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(config.max_connections)
        .wait_timeout(config.database_wait())
        .on_commit(Arc::new(move |tenant: &scim_store::TenantId| {
            listener.committed(tenant);
        }))
        .open(&config.database_url())?)
}

/// Builds the application state around an open store, with the signals it was opened with
/// (see [`open_store`]).
pub fn app_state(
    config: Config,
    store: Arc<dyn Store>,
    signals: Arc<EventSignals>,
) -> Result<AppState, StartError> {
    if let Some(base) = &config.base_url {
        // `meta.location` and every discovery document are built from it.
        scim_core::resource::BaseUrl::new(base)?;
    }
    let keys = SigningKeys::load(&config.auth, &config.data_dir, &*store)?;
    let mut auth = Authenticator::new(
        store.clone(),
        keys,
        &config.auth.issuer,
        StdDuration::from_secs(config.auth.cache_seconds),
    );
    if SigningKeys::kept_in_database(&config.auth) {
        let (auth_config, data_dir, store) =
            (config.auth.clone(), config.data_dir.clone(), store.clone());
        auth = auth.with_key_reload(move || SigningKeys::load(&auth_config, &data_dir, &*store));
    }
    let connections = usize::try_from(config.max_connections.max(1)).unwrap_or(1);
    let limits = Arc::new(crate::limits::Limits::new(&config.rate_limit));
    let scim = Arc::new(scim_service::ScimService::new(
        store.clone(),
        service_settings(&config),
    ));
    let delivery = Arc::new(crate::delivery::Outbound::new(&config, store.clone()));
    Ok(AppState {
        scim,
        store,
        auth: Arc::new(auth),
        config: Arc::new(config),
        metrics: Arc::new(Metrics::new()?),
        limits,
        signals,
        delivery,
        store_calls: Arc::new(tokio::sync::Semaphore::new(connections)),
        readiness_probe: Arc::new(tokio::sync::Semaphore::new(1)),
    })
}

/// What the SCIM service enforces and advertises, from the configuration.
pub fn service_settings(config: &Config) -> scim_service::Settings {
    scim_service::Settings {
        bulk: scim_service::BulkLimits {
            max_operations: config.bulk.max_operations,
            max_payload_bytes: config.bulk.max_payload_bytes,
        },
        max_body_bytes: config.max_body_bytes,
        patch_response_max_members: config.patch_response_max_members,
        // Every subscription can receive these; requests never complete asynchronously.
        security_events: Some(scim_core::schema::SecurityEvents {
            async_request: scim_core::schema::AsyncRequest::None,
            event_uris: crate::delivery::EVENT_URIS
                .iter()
                .map(|uri| (*uri).to_owned())
                .collect(),
        }),
    }
}

/// Polls revocations (and, less often, the signing keys) forever on a thread of its own.
fn spawn_revocation_poller(state: &AppState) {
    let auth = state.auth.clone();
    let every = StdDuration::from_secs(state.config.auth.revocation_poll_seconds.max(1));
    let key_refresh = chrono::Duration::seconds(
        i64::try_from(state.config.auth.key_refresh_seconds.max(1)).unwrap_or(i64::MAX),
    );
    let spawned = std::thread::Builder::new()
        .name("revocations".into())
        .spawn(move || {
            let mut since = Utc::now() - chrono::Duration::seconds(5);
            let mut keys_loaded = Utc::now();
            loop {
                std::thread::sleep(every);
                // Signing keys rotated or deleted by another process take effect here too.
                if Utc::now() - keys_loaded >= key_refresh {
                    auth.refresh_keys();
                    keys_loaded = Utc::now();
                }
                match auth.poll_revocations(since, Utc::now()) {
                    Ok(next) => since = next,
                    Err(e) => tracing::warn!(error = %e, "cannot read token revocations; retrying"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the revocation poller");
    }
}

/// Serves HTTP, and delivers events, until the process is stopped.
///
/// SIGTERM stops gracefully: no new connection is accepted, and the requests in flight have
/// `shutdown_timeout_seconds` to finish before their connections are closed; deliveries in
/// progress then record what they sent, and this returns `Ok` (SIGINT and SIGQUIT stop at
/// once). The revocation poller's thread ends with the process.
pub fn serve(state: AppState) -> Result<(), StartError> {
    spawn_revocation_poller(&state);
    let delivery = crate::delivery::Delivery::start(&state)?;
    let served = serve_http(state);
    // The HTTP server has stopped (SIGINT, SIGTERM): deliveries in progress record what they
    // sent and release their leases before the process exits.
    delivery.stop();
    served
}

fn serve_http(state: AppState) -> Result<(), StartError> {
    let listen = state.config.listen.clone();
    let workers = state.config.workers;
    let shutdown_timeout = state.config.shutdown_timeout_seconds;
    actix_web::rt::System::new().block_on(async move {
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            let state = app_state.clone();
            App::new().configure(move |cfg| crate::http::configure(cfg, state))
        })
        .shutdown_timeout(shutdown_timeout);
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server.bind(&listen)?;
        tracing::info!(listen = %listen, database = %redact(&state.config.database_url()), "serving SCIM at /scim/v2");
        server.run().await
    })?;
    Ok(())
}

/// A database URL without its password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/scim"),
            "postgres://app:***@db:5432/scim"
        );
        assert_eq!(
            super::redact("postgres://app@db/scim"),
            "postgres://app@db/scim"
        );
        assert_eq!(
            super::redact("sqlite://data/scim.db"),
            "sqlite://data/scim.db"
        );
    }
}

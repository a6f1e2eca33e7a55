//! What each subcommand does. Results go to stdout (a token alone, for `token issue`); logs and
//! errors go to stderr.
#![expect(
    clippy::print_stdout,
    reason = "a command-line tool prints its results"
)]

use std::sync::Arc;

use chrono::Utc;
use scim_store::{EventActor, Store, StoreError, TenantId, TenantSettings};

use crate::auth::{IssueRequest, SigningKeys, issue_token, parse_duration};
use crate::cli::{
    Cli, Command, SigningKeyCommand, TenantCommand, TenantCreate, TenantPolicy, TokenCommand,
};
use crate::config::{Config, Overrides};
use crate::events::EventSignals;
use crate::organisation::{self, Organisation};
use crate::serve::{self, StartError};

/// Why a command failed; printed to stderr with exit status 1.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The server could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Issuing a token failed.
    #[error(transparent)]
    Issue(#[from] crate::auth::IssueError),
    /// An argument is invalid.
    #[error("{0}")]
    Usage(String),
    /// `token check`: the key is refused, and why.
    #[error("refused: {0}")]
    Refused(crate::auth::Refusal),
}

fn tenant_id(text: &str) -> Result<TenantId, CommandError> {
    TenantId::new(text).map_err(|e| CommandError::Usage(e.to_string()))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CommandError> {
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.database.clone(),
        listen,
    };
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    serve::init_logging(config.log_format);
    if let Some(parent) = sqlite_parent(&config.database_url()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| CommandError::Usage(format!("cannot create {parent}: {e}")))?;
    }
    let signals = Arc::new(EventSignals::default());
    let store = serve::open_store(&config, &signals)?;
    match cli.command {
        Command::Serve { .. } => Ok(serve::serve(serve::app_state(config, store, signals)?)?),
        Command::Demo { .. } => demo(config, store, signals),
        Command::Migrate => {
            println!(
                "migrations applied to {}",
                serve::redact(&config.database_url())
            );
            Ok(())
        }
        Command::Tenant(command) => tenant(&*store, command),
        Command::Token(command) => token(&config, &store, command),
        Command::SigningKey(command) => signing_key(&config, &*store, command),
        Command::Access { tenant, json } => access(&*store, &tenant_id(&tenant)?, json),
    }
}

fn sqlite_parent(url: &str) -> Option<&str> {
    let path = url.strip_prefix("sqlite://")?;
    let parent = std::path::Path::new(path).parent()?.to_str()?;
    (!parent.is_empty()).then_some(parent)
}

fn create_tenant(store: &dyn Store, args: &TenantCreate) -> Result<(), CommandError> {
    let id = tenant_id(&args.tenant)?;
    let organisation = Organisation {
        group_prefix: args
            .group_prefix
            .clone()
            .unwrap_or_else(|| args.tenant.clone()),
        projects: args.projects.clone(),
        roles: args.roles.clone(),
    };
    let settings = if args.plain {
        let mut settings = TenantSettings::default();
        organisation.store_in(&mut settings);
        settings
    } else {
        organisation::product_settings(&organisation, !args.no_email_changes)
    };
    store.create_tenant(&id, &settings)?;
    let created = organisation::ensure_groups(store, &id, &organisation)?;
    println!(
        "created tenant {id} with {} project x role groups",
        created.len()
    );
    for name in created {
        println!("  {name}");
    }
    Ok(())
}

fn tenant(store: &dyn Store, command: TenantCommand) -> Result<(), CommandError> {
    match command {
        TenantCommand::Create(args) => create_tenant(store, &args),
        TenantCommand::List => {
            for tenant in store.tenants()? {
                println!("{}\t{}", tenant.id, tenant.created_at.to_rfc3339());
            }
            Ok(())
        }
        TenantCommand::Show { tenant } => {
            let id = tenant_id(&tenant)?;
            let tenant = store
                .tenant(&id)?
                .ok_or_else(|| StoreError::TenantNotFound(id.to_string()))?;
            let json = serde_json::to_string_pretty(&tenant.settings)
                .map_err(|e| CommandError::Usage(e.to_string()))?;
            println!("{json}");
            Ok(())
        }
        TenantCommand::SetOwner { tenant, user_name } => {
            let id =
                organisation::set_owner(store, &tenant_id(&tenant)?, &user_name, &EventActor::Cli)?;
            println!("{user_name} ({id}) is the protected owner of {tenant}");
            Ok(())
        }
        TenantCommand::Policy(args) => policy(store, &args),
    }
}

fn set_lock(settings: &mut TenantSettings, resource_type: &str, path: &str, locked: bool) {
    settings
        .locked_attributes
        .retain(|l| !(l.resource_type == resource_type && l.path.eq_ignore_ascii_case(path)));
    if locked {
        settings
            .locked_attributes
            .push(scim_store::LockedAttribute {
                resource_type: resource_type.into(),
                path: path.into(),
            });
    }
}

fn policy(store: &dyn Store, args: &TenantPolicy) -> Result<(), CommandError> {
    let id = tenant_id(&args.tenant)?;
    let mut organisation = Organisation::default();
    store.modify_tenant_settings(&id, &EventActor::Cli, &mut |settings| {
        apply_policy(args, settings);
        organisation = Organisation::of(settings);
        Ok(())
    })?;
    for name in organisation::ensure_groups(store, &id, &organisation)? {
        println!("created group {name}");
    }
    println!("updated the policies of {id}");
    Ok(())
}

/// The policy changes `args` asks for, made on the settings as they are.
fn apply_policy(args: &TenantPolicy, settings: &mut TenantSettings) {
    if let Some(v) = args.group_create {
        settings.allow_group_create = v;
    }
    if let Some(v) = args.group_delete {
        settings.allow_group_delete = v;
    }
    if let Some(v) = args.group_rename {
        set_lock(settings, "Group", "displayName", !v);
    }
    if let Some(v) = args.email_changes {
        set_lock(settings, "User", "emails", !v);
    }
    if let Some(v) = args.deactivation_removes_memberships {
        settings.deactivation_removes_memberships = v;
    }
    if let Some(v) = args.unique_group_names {
        settings.unique_group_names = v;
    }
    let mut organisation = Organisation::of(settings);
    organisation
        .projects
        .extend(args.add_projects.iter().cloned());
    organisation.roles.extend(args.add_roles.iter().cloned());
    organisation.store_in_preserving(settings);
}

fn token(
    config: &Config,
    shared: &Arc<dyn Store>,
    command: TokenCommand,
) -> Result<(), CommandError> {
    let store = &**shared;
    match command {
        TokenCommand::Issue {
            tenant,
            expires_in,
            read_only,
            description,
        } => {
            let id = tenant_id(&tenant)?;
            if store.tenant(&id)?.is_none() {
                let args = TenantCreate {
                    tenant: tenant.clone(),
                    group_prefix: None,
                    projects: Vec::new(),
                    roles: Vec::new(),
                    no_email_changes: false,
                    plain: false,
                };
                let settings = organisation::product_settings(
                    &Organisation {
                        group_prefix: args.tenant.clone(),
                        ..Organisation::default()
                    },
                    true,
                );
                store.create_tenant(&id, &settings)?;
                tracing::info!(tenant = %id, "created the tenant");
            }
            let keys = SigningKeys::load(&config.auth, &config.data_dir, store)
                .map_err(StartError::from)?;
            let request = IssueRequest {
                tenant: id,
                valid_for: parse_duration(&expires_in).map_err(CommandError::Usage)?,
                write: !read_only,
                description,
                issued_by: EventActor::Cli,
            };
            let (token, record) =
                issue_token(store, &keys, &config.auth.issuer, &request, Utc::now())?;
            tracing::info!(token_id = %record.id, expires_at = ?record.expires_at, "issued a SCIM key");
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { tenant } => {
            let tenant = tenant.as_deref().map(tenant_id).transpose()?;
            for t in store.tokens(tenant.as_ref())? {
                let state = match (t.revoked_at, t.is_usable_at(Utc::now())) {
                    (Some(_), _) => "revoked",
                    (None, false) => "expired",
                    (None, true) => "active",
                };
                let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
                let expires = t
                    .expires_at
                    .map(|e| e.to_rfc3339())
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{}\t{}\t{state}\t{}\texpires {expires}\t{}",
                    t.id,
                    t.tenant,
                    scopes.join(","),
                    t.description
                );
            }
            Ok(())
        }
        TokenCommand::Check { token } => check_token(config, shared.clone(), &token),
        TokenCommand::Revoke { id } => {
            if store.revoke_token(&id, &EventActor::Cli)? {
                println!("revoked {id}");
                Ok(())
            } else {
                Err(CommandError::Usage(format!("no active token {id}")))
            }
        }
    }
}

fn signing_key(
    config: &Config,
    store: &dyn Store,
    command: SigningKeyCommand,
) -> Result<(), CommandError> {
    if !SigningKeys::kept_in_database(&config.auth) {
        tracing::warn!(
            "auth.secret or auth.algorithm = \"EdDSA\" is configured: SCIM keys are signed with the configured key, not with those kept in the database"
        );
    }
    match command {
        SigningKeyCommand::List => {
            println!("id\tstate\tcreated\tretired\torigin");
            for key in store.server_keys(scim_store::KeyPurpose::ScimKey)? {
                let state = if key.is_current() {
                    "current"
                } else {
                    "retired"
                };
                let retired = key.retired_at.map(|at| at.to_rfc3339()).unwrap_or_default();
                println!(
                    "{}\t{state}\t{}\t{retired}\t{}",
                    key.id,
                    key.created_at.to_rfc3339(),
                    key.origin
                );
            }
            Ok(())
        }
        SigningKeyCommand::Rotate => {
            let id = crate::auth::rotate_database_secret(store).map_err(StartError::from)?;
            println!("new SCIM keys are signed with {id}; keys signed before keep working");
            Ok(())
        }
        SigningKeyCommand::Remove { id } => {
            if store.delete_server_key(&id)? {
                println!("deleted {id}: SCIM keys it signed stop working within 30 seconds");
                Ok(())
            } else {
                Err(CommandError::Usage(format!(
                    "no retired signing key {id} (rotate before removing the current one)"
                )))
            }
        }
    }
}

/// Says whether `token` is accepted, and if not exactly why; a refusal exits with status 1.
fn check_token(config: &Config, store: Arc<dyn Store>, token: &str) -> Result<(), CommandError> {
    let state = serve::app_state(config.clone(), store, Arc::default())?;
    match state.auth.diagnose(token, Utc::now()) {
        Ok(principal) => {
            let scopes: Vec<&str> = principal.scopes.iter().map(|s| s.as_str()).collect();
            println!(
                "accepted: key {} of tenant {} ({})",
                principal.token_id,
                principal.tenant,
                scopes.join(",")
            );
            Ok(())
        }
        Err(refusal) => Err(CommandError::Refused(refusal)),
    }
}

fn access(store: &dyn Store, tenant: &TenantId, json: bool) -> Result<(), CommandError> {
    let users = organisation::effective_access(store, tenant)?;
    if json {
        let text =
            serde_json::to_string_pretty(&users).map_err(|e| CommandError::Usage(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    println!("userName\tactive\towner\taccess");
    for user in users {
        let access: Vec<String> = user
            .access
            .iter()
            .map(|(project, roles)| format!("{project}:{}", roles.join("+")))
            .collect();
        println!(
            "{}\t{}\t{}\t{}",
            user.user_name,
            user.active,
            if user.owner { "owner" } else { "" },
            access.join(" ")
        );
    }
    Ok(())
}

/// Sets up the demo organisation, prints a key and a curl line, and serves.
fn demo(
    mut config: Config,
    store: Arc<dyn Store>,
    signals: Arc<EventSignals>,
) -> Result<(), CommandError> {
    // The demo runs on one machine, with receivers beside it: webhooks to loopback and plain
    // http are allowed (a served installation refuses both unless configured).
    config.webhooks.allow_private_networks = true;
    config.webhooks.allow_http = true;
    let id = tenant_id("demo")?;
    if store.tenant(&id)?.is_none() {
        create_tenant(
            &*store,
            &TenantCreate {
                tenant: "demo".into(),
                group_prefix: Some("demo".into()),
                projects: vec!["Website".into(), "Mobile".into()],
                roles: vec!["Admin".into(), "Member".into()],
                no_email_changes: false,
                plain: false,
            },
        )?;
    }
    let state = serve::app_state(config, store.clone(), signals)?;
    let request = IssueRequest {
        tenant: id,
        valid_for: chrono::Duration::days(30),
        write: true,
        description: "demo".into(),
        issued_by: scim_store::EventActor::Cli,
    };
    let (token, _) = issue_token(
        &*store,
        &state.auth.keys(),
        &state.config.auth.issuer,
        &request,
        Utc::now(),
    )?;
    let base = state
        .config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", state.config.listen));
    println!("SCIM base URL: {base}/scim/v2");
    println!("Demo SCIM key (valid 30 days):\n{token}\n");
    println!(
        "Try:\n  curl -H 'Authorization: Bearer {token}' '{base}/scim/v2/Groups?filter=displayName%20sw%20%22demo%22'\n"
    );
    Ok(serve::serve(state)?)
}

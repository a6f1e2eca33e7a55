//! What each subcommand does. Results go to stdout (a token alone, for `token issue`); logs and
//! errors go to stderr.
#![expect(
    clippy::print_stdout,
    reason = "a command-line tool prints its results"
)]

use std::sync::Arc;

use chrono::Utc;
use scim_store::{EventActor, Store, StoreError, SubscriptionChange, TenantId};

use crate::auth::{IssueRequest, SigningKeys, issue_token};
use crate::cli::{
    Cli, Command, EventsArgs, SigningKeyCommand, SubscriptionCommand, TenantCommand, TenantCreate,
    TenantPolicy, TokenCommand,
};
use crate::config::{Config, Overrides};
use crate::events::EventSignals;
use crate::manage::events::FeedRequest;
use crate::manage::subscriptions::{self, NewSubscriptionRequest};
use crate::manage::tenants::{self, NewTenant, PolicyChange};
use crate::manage::tokens::{self, NewKey};
use crate::manage::{self, ManageError, PageRequest};
use crate::organisation;
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
    /// A management operation failed.
    #[error(transparent)]
    Manage(#[from] ManageError),
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
        Command::Subscription(command) => subscription(&config, &store, command),
        Command::Events(args) => events(&*store, &args),
        Command::SigningKey(command) => signing_key(&config, &*store, command),
        Command::Access { tenant, json } => access(&*store, &tenant_id(&tenant)?, json),
        Command::ConsoleLink { tenant, expires_in } => {
            console_link(&config, &*store, &tenant, &expires_in)
        }
    }
}

/// `console-link`: the link alone on standard output, how long it works on standard error.
fn console_link(
    config: &Config,
    store: &dyn Store,
    tenant: &str,
    expires_in: &str,
) -> Result<(), CommandError> {
    let valid_for = crate::manage::console::link_validity("expires-in", expires_in)?;
    let base = match &config.base_url {
        Some(base) => base.clone(),
        None => format!("http://{}", config.listen),
    };
    let link = crate::manage::console::create_link(
        store,
        &tenant_id(tenant)?,
        valid_for,
        &base,
        &EventActor::Cli,
    )?;
    println!("{}", link.url);
    #[expect(clippy::print_stderr, reason = "a note beside the link on stdout")]
    {
        eprintln!(
            "one-time sign-in link to the console pages of {tenant}; it works once, until {}",
            link.expires_at.to_rfc3339()
        );
    }
    Ok(())
}

fn sqlite_parent(url: &str) -> Option<&str> {
    let path = url.strip_prefix("sqlite://")?;
    let parent = std::path::Path::new(path).parent()?.to_str()?;
    (!parent.is_empty()).then_some(parent)
}

fn create_tenant(store: &dyn Store, args: &TenantCreate) -> Result<(), CommandError> {
    let new = NewTenant {
        id: manage::new_tenant_id("tenant", &args.tenant)?,
        group_prefix: args.group_prefix.clone(),
        projects: args.projects.clone(),
        roles: args.roles.clone(),
        email_changes: !args.no_email_changes,
        plain: args.plain,
    };
    let created = tenants::create(store, &new, &EventActor::Cli)?;
    println!(
        "created tenant {} with {} project x role groups",
        created.tenant.id,
        created.created_groups.len()
    );
    for name in created.created_groups {
        println!("  {name}");
    }
    Ok(())
}

fn tenant(store: &dyn Store, command: TenantCommand) -> Result<(), CommandError> {
    match command {
        TenantCommand::Create(args) => create_tenant(store, &args),
        TenantCommand::List => {
            for tenant in tenants::list(store, &PageRequest::all())?.items {
                println!("{}\t{}", tenant.id, tenant.created_at.to_rfc3339());
            }
            Ok(())
        }
        TenantCommand::Show { tenant } => print_json(&tenants::show(store, &tenant_id(&tenant)?)?),
        TenantCommand::SetOwner { tenant, user_name } => {
            let owner =
                tenants::set_owner(store, &tenant_id(&tenant)?, &user_name, &EventActor::Cli)?;
            println!(
                "{user_name} ({}) is the protected owner of {tenant}",
                owner.id
            );
            Ok(())
        }
        TenantCommand::Policy(args) => policy(store, &args),
        TenantCommand::Delete { tenant } => {
            tenants::delete(store, &tenant_id(&tenant)?)?;
            println!("deleted tenant {tenant} and everything it had");
            Ok(())
        }
    }
}

fn policy(store: &dyn Store, args: &TenantPolicy) -> Result<(), CommandError> {
    let id = tenant_id(&args.tenant)?;
    let change = PolicyChange {
        group_create: args.group_create,
        group_rename: args.group_rename,
        group_delete: args.group_delete,
        email_changes: args.email_changes,
        deactivation_removes_memberships: args.deactivation_removes_memberships,
        unique_group_names: args.unique_group_names,
        add_projects: args.add_projects.clone(),
        add_roles: args.add_roles.clone(),
    };
    let updated = tenants::update_policies(store, &id, &change, &EventActor::Cli)?;
    for name in updated.created_groups {
        println!("created group {name}");
    }
    println!("updated the policies of {id}");
    Ok(())
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
            let new = NewKey {
                valid_for: tokens::validity("expires-in", &expires_in)?,
                write: !read_only,
                description,
            };
            // A convenience of the command line: the first key of a new organisation creates
            // it with the product's policies.
            if store.tenant(&id)?.is_none() {
                let new_tenant = NewTenant {
                    id: id.clone(),
                    group_prefix: None,
                    projects: Vec::new(),
                    roles: Vec::new(),
                    email_changes: true,
                    plain: false,
                };
                tenants::create(store, &new_tenant, &EventActor::Cli)?;
                tracing::info!(tenant = %id, "created the tenant");
            }
            let keys = SigningKeys::load(&config.auth, &config.data_dir, store)
                .map_err(StartError::from)?;
            let issued = tokens::issue(
                store,
                &keys,
                &config.auth.issuer,
                &id,
                &new,
                &EventActor::Cli,
            )?;
            println!("{}", issued.token);
            Ok(())
        }
        TokenCommand::List { tenant } => {
            let tenant = tenant.as_deref().map(tenant_id).transpose()?;
            for t in tokens::list(store, tenant.as_ref(), &PageRequest::all())?.items {
                let expires = t
                    .expires_at
                    .map(|e| e.to_rfc3339())
                    .unwrap_or_else(|| "never".into());
                let used = t
                    .last_used_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{}\t{}\t{}\t{}\texpires {expires}\tlast used {used}\t{}",
                    t.id,
                    t.tenant,
                    t.state,
                    t.scopes.join(","),
                    t.description
                );
            }
            Ok(())
        }
        TokenCommand::Check { token } => check_token(config, shared.clone(), &token),
        TokenCommand::Revoke { id } => {
            let revoked = tokens::revoke(store, None, &id, &EventActor::Cli)?;
            println!("revoked {} of {}", revoked.id, revoked.tenant);
            Ok(())
        }
    }
}

fn subscription(
    config: &Config,
    shared: &Arc<dyn Store>,
    command: SubscriptionCommand,
) -> Result<(), CommandError> {
    let store = &**shared;
    use crate::cli::SubscriptionId;
    let target = |s: &SubscriptionId| tenant_id(&s.tenant).map(|t| (t, s.id.clone()));
    match command {
        SubscriptionCommand::Create(args) => {
            let request = NewSubscriptionRequest {
                url: args.url,
                format: subscriptions::format("format", &args.format)?,
                delivery: subscriptions::delivery("delivery", &args.delivery)?,
                events: subscriptions::event_types("event", &args.events)?,
                full: args.full,
                audience: args.audience,
                description: args.description,
                enabled: !args.disabled,
                after: args.after,
            };
            let tenant = tenant_id(&args.tenant)?;
            print_json(&subscriptions::create(
                store,
                &config.webhooks,
                &tenant,
                &request,
            )?)
        }
        SubscriptionCommand::List { tenant } => print_json(
            &subscriptions::list(store, &tenant_id(&tenant)?, &PageRequest::all())?.items,
        ),
        SubscriptionCommand::Show(s) => {
            let (tenant, id) = target(&s)?;
            print_json(&subscriptions::show(store, &tenant, &id)?)
        }
        SubscriptionCommand::Update(args) => {
            let (tenant, id) = target(&args.subscription)?;
            let change = SubscriptionChange {
                url: args.url,
                event_types: if args.all_events {
                    Some(Vec::new())
                } else if args.events.is_empty() {
                    None
                } else {
                    Some(subscriptions::event_types("event", &args.events)?)
                },
                full: args.full,
                enabled: args.enabled,
                audience: if args.no_audience {
                    Some(None)
                } else {
                    args.audience.map(Some)
                },
                description: args.description,
            };
            print_json(&subscriptions::update(
                store,
                &config.webhooks,
                &tenant,
                &id,
                &change,
            )?)
        }
        SubscriptionCommand::Delete(s) => {
            let (tenant, id) = target(&s)?;
            subscriptions::delete(store, &tenant, &id)?;
            println!("deleted subscription {id}");
            Ok(())
        }
        SubscriptionCommand::RotateSecret(s) => {
            let (tenant, id) = target(&s)?;
            print_json(&subscriptions::rotate_secret(store, &tenant, &id)?)
        }
        SubscriptionCommand::Deliveries {
            subscription,
            limit,
        } => {
            let (tenant, id) = target(&subscription)?;
            print_json(&subscriptions::deliveries(store, &tenant, &id, limit)?)
        }
        SubscriptionCommand::Redeliver {
            subscription,
            after,
        } => {
            let (tenant, id) = target(&subscription)?;
            print_json(&subscriptions::redeliver(store, &tenant, &id, after)?)
        }
        SubscriptionCommand::Test(s) => {
            let (tenant, id) = target(&s)?;
            let outbound = crate::delivery::Outbound::new(config, shared.clone());
            print_json(&subscriptions::send_test(store, &outbound, &tenant, &id)?)
        }
    }
}

/// How often `events --follow` reads the database for new events.
const FOLLOW_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Prints events as JSON lines; with `--follow`, goes on until interrupted or until the
/// reader of the output goes away (a closed pipe ends the command without an error).
fn events(store: &dyn Store, args: &EventsArgs) -> Result<(), CommandError> {
    use std::io::Write as _;
    let tenant = tenant_id(&args.tenant)?;
    manage::require_tenant(store, &tenant)?;
    let mut request = FeedRequest {
        after: args.after,
        limit: manage::MAX_LIMIT,
        full: args.full,
    };
    let stdout = std::io::stdout();
    loop {
        let page = manage::events::page(store, &tenant, &request)?;
        let written = (|| {
            let mut out = stdout.lock();
            for event in &page.events {
                serde_json::to_writer(&mut out, event)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        })();
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(CommandError::Usage(format!("cannot write: {e}"))),
        }
        let caught_up = page.events.len() < usize::try_from(request.limit).unwrap_or(usize::MAX);
        request.after = page.next_after;
        if caught_up {
            if !args.follow {
                return Ok(());
            }
            std::thread::sleep(FOLLOW_INTERVAL);
        }
    }
}

/// Prints `value` as indented JSON.
fn print_json(value: &impl serde::Serialize) -> Result<(), CommandError> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| CommandError::Usage(e.to_string()))?;
    println!("{text}");
    Ok(())
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
    // The event feed needs the admin API: without a configured admin token, the demo makes
    // one for this run (printed below; it is gone when the demo stops).
    let admin_token = match config.admin.token.as_deref().filter(|t| !t.is_empty()) {
        Some(_) => None,
        None => {
            let token = random_hex(32)?;
            config.admin.token = Some(token.clone());
            Some(token)
        }
    };
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
    let admin = match &admin_token {
        Some(token) => {
            println!(
                "Admin token (generated for this run; set SCIM_ADMIN_TOKEN to keep one):\n{token}\n"
            );
            token.as_str()
        }
        None => "$SCIM_ADMIN_TOKEN",
    };
    // Each answer's next_after is the `after` of the next request: the loop follows the feed,
    // one long poll (up to 30 s) after another.
    println!(
        "Follow the demo organisation's events (Ctrl-C to stop):\n  after=0; while [ -n \"$after\" ]; do page=$(curl -s -H \"Authorization: Bearer {admin}\" \"{base}/admin/v1/tenants/demo/events?after=$after&wait=30\"); echo \"$page\"; after=$(echo \"$page\" | sed -n 's/.*\"next_after\":\\([0-9]*\\).*/\\1/p'); done\n"
    );
    Ok(serve::serve(state)?)
}

/// `bytes` random bytes as hexadecimal digits.
fn random_hex(bytes: usize) -> Result<String, CommandError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| CommandError::Usage(format!("no randomness for a token: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// An Okta-ready SCIM 2.0 server.
#[derive(Debug, Parser)]
#[command(name = "scim-server", version, about)]
pub struct Cli {
    /// A TOML configuration file.
    #[arg(long, global = true, env = "SCIM_CONFIG")]
    pub config: Option<PathBuf>,
    /// The database: sqlite://PATH, sqlite::memory: or postgres://... (overrides the file and
    /// SCIM_DATABASE_URL).
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve SCIM over HTTP.
    Serve {
        /// The address to listen on (overrides the file and SCIM_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Set up a demo organisation, print a working SCIM key and a curl line, then serve.
    Demo {
        /// The address to listen on.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants (organisations).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage SCIM keys.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the secret SCIM keys are signed with (kept in the database unless configured).
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
    /// Manage subscriptions to a tenant's events (webhooks, SETs).
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// Print a tenant's events, one JSON object per line, in sequence order.
    Events(EventsArgs),
    /// Print a one-time sign-in link to a tenant's console pages, for its IT admin: the
    /// session it opens sees that tenant only. Set base_url (SCIM_BASE_URL) to the address
    /// people reach the server at.
    ConsoleLink {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// How long the link works if unused: 30m, 1h, up to 7d.
        #[arg(long, default_value = "1h")]
        expires_in: String,
    },
    /// List a tenant's users with their projects and roles.
    Access {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `tenant ...`.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with the product's provisioning policies.
    Create(TenantCreate),
    /// List tenants.
    List,
    /// Show a tenant's settings.
    Show {
        /// The tenant.
        tenant: String,
    },
    /// Make a user the organisation's protected owner.
    SetOwner {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The owner's userName.
        #[arg(long)]
        user_name: String,
    },
    /// Change a tenant's provisioning policies.
    Policy(TenantPolicy),
    /// Delete a tenant and everything it has: users, groups, keys, events, subscriptions.
    Delete {
        /// The tenant.
        tenant: String,
    },
}

/// `tenant create`.
#[derive(Debug, Args)]
pub struct TenantCreate {
    /// The tenant id: 1 to 64 of A-Z a-z 0-9 . _ -.
    pub tenant: String,
    /// The prefix of project x role group names (default: the tenant id).
    #[arg(long)]
    pub group_prefix: Option<String>,
    /// A project (repeat for several).
    #[arg(long = "project")]
    pub projects: Vec<String>,
    /// A role every project has (repeat for several).
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// Refuse email changes through SCIM ("email management not enabled").
    #[arg(long)]
    pub no_email_changes: bool,
    /// Plain RFC 7644 behaviour instead of the product's policies.
    #[arg(long)]
    pub plain: bool,
}

/// `tenant policy`: each flag changes one switch; unnamed switches stay as they are.
#[derive(Debug, Args)]
pub struct TenantPolicy {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// May identity providers create groups?
    #[arg(long)]
    pub group_create: Option<bool>,
    /// May identity providers rename groups?
    #[arg(long)]
    pub group_rename: Option<bool>,
    /// May identity providers delete groups?
    #[arg(long)]
    pub group_delete: Option<bool>,
    /// May identity providers change users' emails?
    #[arg(long)]
    pub email_changes: Option<bool>,
    /// Does deactivation remove a user from every group?
    #[arg(long)]
    pub deactivation_removes_memberships: Option<bool>,
    /// Must group names be unique?
    #[arg(long)]
    pub unique_group_names: Option<bool>,
    /// Add a project (and create its groups).
    #[arg(long = "add-project")]
    pub add_projects: Vec<String>,
    /// Add a role (and create its groups).
    #[arg(long = "add-role")]
    pub add_roles: Vec<String>,
}

/// `signing-key ...`: the HS256 secret kept in the database.
#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// List the signing keys: id, state, origin, dates (never the secrets).
    List,
    /// Sign new SCIM keys with a new secret; keys signed with the old one keep working.
    Rotate,
    /// Delete a retired signing key: every SCIM key it signed stops working within 30 seconds
    /// on every instance.
    Remove {
        /// The key id (from `signing-key list`).
        id: String,
    },
}

/// `token ...`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a SCIM key; prints the token alone on stdout, once. Creates the tenant if missing.
    Issue {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// How long the key is valid: 90d, 12h, 30m, 3600s.
        #[arg(long, default_value = "365d")]
        expires_in: String,
        /// A key that may only read.
        #[arg(long)]
        read_only: bool,
        /// A note for operators ("Okta production").
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List issued keys (never the keys themselves).
    List {
        /// Only this tenant's keys.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Say whether a key is accepted, and if not exactly why (malformed, unknown key id, wrong
    /// signature or issuer, expired, revoked, unknown tenant, never issued here).
    Check {
        /// The key (the JWT itself).
        token: String,
    },
    /// Revoke a key by id; it stops working within seconds on every instance.
    Revoke {
        /// The key's id (from `token list`).
        id: String,
    },
}

/// `events`: prints events as JSON lines, and with `--follow` keeps printing new ones.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// Print the events after this sequence number (0: from the start of the log).
    #[arg(long, default_value_t = 0)]
    pub after: i64,
    /// Keep reading the database for new events (about four times a second) until interrupted
    /// or the reader of the output goes away.
    #[arg(long)]
    pub follow: bool,
    /// Created and updated events carry the resource as stored (`data`).
    #[arg(long)]
    pub full: bool,
}

/// `subscription ...`: each prints the subscription as the admin API answers, as JSON.
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Create a subscription; prints it with its secret, which is shown only here and by
    /// `rotate-secret`.
    Create(SubscriptionCreate),
    /// List a tenant's subscriptions (never their secrets).
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Show a subscription and how its deliveries are going.
    Show(SubscriptionId),
    /// Change a subscription; unnamed settings stay as they are.
    Update(SubscriptionUpdate),
    /// Delete a subscription and its delivery log.
    Delete(SubscriptionId),
    /// Give a subscription a new secret; prints it once.
    RotateSecret(SubscriptionId),
    /// The last delivery attempts, newest first.
    Deliveries {
        /// The subscription.
        #[command(flatten)]
        subscription: SubscriptionId,
        /// How many attempts at most.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Deliver again (or skip) from a sequence number: delivery resumes after `--after`.
    Redeliver {
        /// The subscription.
        #[command(flatten)]
        subscription: SubscriptionId,
        /// The last sequence number considered delivered.
        #[arg(long)]
        after: i64,
    },
    /// Send the receiver a test message signed like its events; prints the attempt. The cursor
    /// does not move.
    Test(SubscriptionId),
}

/// A subscription of a tenant.
#[derive(Debug, Args)]
pub struct SubscriptionId {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// The subscription's id.
    pub id: String,
}

/// `subscription create`.
#[derive(Debug, Args)]
pub struct SubscriptionCreate {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// Where events are delivered: https, or http with webhooks.allow_http.
    #[arg(long)]
    pub url: String,
    /// `json` (Standard Webhooks) or `set` (RFC 9967 Security Event Tokens).
    #[arg(long, default_value = "json")]
    pub format: String,
    /// `push` (the server delivers) or `poll` (the receiver fetches, RFC 8936).
    #[arg(long, default_value = "push")]
    pub delivery: String,
    /// An event type to receive, such as user.deactivated (repeat for several; none: all).
    #[arg(long = "event")]
    pub events: Vec<String>,
    /// Created and updated events carry the resource as stored.
    #[arg(long)]
    pub full: bool,
    /// The `aud` of its SETs (default: the URL).
    #[arg(long)]
    pub audience: Option<String>,
    /// A note for operators.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Create it with deliveries off.
    #[arg(long)]
    pub disabled: bool,
    /// Deliver the events after this sequence number (default: from the next event on).
    #[arg(long)]
    pub after: Option<i64>,
}

/// `subscription update`.
#[derive(Debug, Args)]
pub struct SubscriptionUpdate {
    /// The subscription.
    #[command(flatten)]
    pub subscription: SubscriptionId,
    /// A new URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Receive these event types only (repeat for several).
    #[arg(long = "event", conflicts_with = "all_events")]
    pub events: Vec<String>,
    /// Receive every event type.
    #[arg(long)]
    pub all_events: bool,
    /// Whether created and updated events carry the resource.
    #[arg(long)]
    pub full: Option<bool>,
    /// Turn deliveries on or off (on again clears a failure or a 410 Gone).
    #[arg(long)]
    pub enabled: Option<bool>,
    /// A new audience.
    #[arg(long, conflicts_with = "no_audience")]
    pub audience: Option<String>,
    /// Remove the audience (the URL is the audience again).
    #[arg(long)]
    pub no_audience: bool,
    /// A new note.
    #[arg(long)]
    pub description: Option<String>,
}

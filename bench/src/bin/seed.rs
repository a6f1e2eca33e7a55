//! Loads a load test's data into a scim-server database, through `scim-store` directly.
//!
//! Creates the tenant (plain RFC 7644 settings), `--users` users named
//! `user000000@bench.example`, ..., a group holding all of them, and `--spare` more users
//! (`spare000000@bench.example`, ...) that belong to no group, for the PATCH phase to add. The
//! ids go to `<out>/users.txt`, `<out>/spare.txt` and `<out>/group.txt`, one per line, in name
//! order, for the wrk scripts in `bench/lua/`.
#![expect(
    clippy::print_stderr,
    reason = "a command-line tool reports its progress"
)]

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use scim_core::message::{PatchOperation, PatchRequest};
use scim_core::schema::SchemaRegistry;
use scim_store::{Actor, ReadOptions, Store, StoreBuilder, StoreError, TenantId, TenantSettings};
use serde_json::{Value, json};

/// Seeds a database for `bench/run.sh`.
#[derive(Debug, Parser)]
struct Args {
    /// The database: `sqlite://PATH` or `postgres://...`.
    #[arg(long)]
    database: String,
    /// The tenant to create.
    #[arg(long, default_value = "bench")]
    tenant: String,
    /// Users created, all members of one group.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// Further users in no group (the PATCH phase adds them to the group).
    #[arg(long, default_value_t = 50_000)]
    spare: usize,
    /// Threads creating users at once (batches of 1,000 per transaction).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Where the id lists go.
    #[arg(long)]
    out: PathBuf,
}

/// Why seeding failed.
#[derive(Debug)]
enum SeedError {
    Store(StoreError),
    Io(std::io::Error),
    Usage(String),
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store(e) => write!(f, "store: {e}"),
            Self::Io(e) => write!(f, "writing the id lists: {e}"),
            Self::Usage(e) => f.write_str(e),
        }
    }
}

impl From<StoreError> for SeedError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<std::io::Error> for SeedError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// What an identity provider such as Okta sends for a new user.
fn user_body(prefix: &str, n: usize) -> Value {
    let user_name = format!("{prefix}{n:06}@bench.example");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": format!("00u{prefix}{n:06}"),
        "name": {"givenName": format!("Given{n:06}"), "familyName": format!("Family{n:06}")},
        "displayName": format!("Given{n:06} Family{n:06}"),
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "active": true,
    })
}

/// Creates `count` users named `<prefix>NNNNNN@bench.example`, 1,000 per `create_many`, on
/// `threads` threads; returns their ids in name order.
fn create_users(
    store: &Arc<dyn Store>,
    tenant: &TenantId,
    prefix: &str,
    count: usize,
    threads: usize,
) -> Result<Vec<String>, SeedError> {
    const BATCH: usize = 1_000;
    let started = Instant::now();
    let mut ids = vec![String::new(); count];
    let batches: Vec<(usize, &mut [String])> = ids
        .chunks_mut(BATCH)
        .enumerate()
        .map(|(i, slots)| (i * BATCH, slots))
        .collect();
    let queue = std::sync::Mutex::new(batches);
    std::thread::scope(|scope| -> Result<(), SeedError> {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                let store = store.clone();
                let queue = &queue;
                scope.spawn(move || -> Result<(), SeedError> {
                    loop {
                        let next = queue
                            .lock()
                            .map_err(|_| SeedError::Usage("a seeding thread panicked".into()))?
                            .pop();
                        let Some((first, slots)) = next else {
                            return Ok(());
                        };
                        let bodies: Vec<Value> = (first..first + slots.len())
                            .map(|n| user_body(prefix, n))
                            .collect();
                        let created = store.create_many(Actor::tenant(tenant), "User", &bodies)?;
                        for (slot, stored) in slots.iter_mut().zip(created) {
                            *slot = stored.resource.id().unwrap_or_default().to_owned();
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| SeedError::Usage("a seeding thread panicked".into()))??;
        }
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "created {count} {prefix} users in {seconds:.1} s ({:.0}/s)",
        count as f64 / seconds
    );
    Ok(ids)
}

/// Creates a group and adds `members` in PATCH requests of 1,000.
fn create_group(
    store: &dyn Store,
    tenant: &TenantId,
    members: &[String],
) -> Result<String, SeedError> {
    let started = Instant::now();
    let group = store.create(
        Actor::administrator(tenant),
        "Group",
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "bench-everyone",
        }),
    )?;
    let group_id = group.resource.id().unwrap_or_default().to_owned();
    for chunk in members.chunks(1_000) {
        let value: Vec<Value> = chunk.iter().map(|id| json!({"value": id})).collect();
        let request = PatchRequest::new(vec![PatchOperation::add(
            Some("members".into()),
            Value::Array(value),
        )])
        .map_err(|e| SeedError::Usage(e.to_string()))?;
        let operations: Vec<_> = request.as_operations().collect();
        store.patch(
            Actor::administrator(tenant),
            "Group",
            &group_id,
            &operations,
            None,
            ReadOptions::DOCUMENT_ONLY,
        )?;
    }
    eprintln!(
        "created a group of {} members in {:.1} s",
        members.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(group_id)
}

fn write_lines(path: &Path, lines: &[String]) -> Result<(), SeedError> {
    let mut file = std::io::BufWriter::new(fs::File::create(path)?);
    for line in lines {
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    Ok(())
}

fn run(args: &Args) -> Result<(), SeedError> {
    let tenant = TenantId::new(&args.tenant).map_err(|e| SeedError::Usage(e.to_string()))?;
    let threads = u32::try_from(args.threads).unwrap_or(u32::MAX);
    let store = StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(threads)
        .open(&args.database)?;
    store.create_tenant(&tenant, &TenantSettings::default())?;
    fs::create_dir_all(&args.out)?;
    let users = create_users(&store, &tenant, "user", args.users, args.threads)?;
    write_lines(&args.out.join("users.txt"), &users)?;
    let spare = create_users(&store, &tenant, "spare", args.spare, args.threads)?;
    write_lines(&args.out.join("spare.txt"), &spare)?;
    let group = create_group(&*store, &tenant, &users)?;
    write_lines(&args.out.join("group.txt"), &[group])?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

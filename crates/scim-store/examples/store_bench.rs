//! Measures the store at scale on one database and prints a Markdown table.
//!
//! ```text
//! cargo run --release -p scim-store --example store_bench -- URL [USERS] [--batch N]
//! ```
//!
//! `URL` is `sqlite://PATH` or `postgres://...`; use an empty database (the figures for size
//! include everything in it). `USERS` defaults to 100,000. `--batch N` creates the users with
//! `create_many` in calls of `N` (default 1,000); `--batch 1` uses one `create` per user.
//!
//! The benchmark makes its own tenant and, in order: creates the users; measures `userName eq`
//! lookups, reads by id, the last index page, a deep cursor page and a compound filter (printing
//! the database's plans for it); then creates 200 spare users, a group of 10 and a group of
//! `USERS` members, and measures adding one member to each (and removing it again).

#![expect(clippy::print_stdout, reason = "a benchmark prints its table")]

use std::error::Error;
use std::time::{Duration, Instant};

use scim_core::patch::{OpKind, Operation};
use scim_core::schema::SchemaRegistry;
use scim_store::{
    Actor, PostgresStore, Query, ReadOptions, SqliteStore, Store, StoreBuilder, TenantId,
    TenantSettings,
};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const COMPOUND: &str =
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#;
const SPARE_USERS: usize = 200;
const SMALL_GROUP: usize = 10;

struct Args {
    url: String,
    users: usize,
    batch: usize,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut url = None;
    let mut users = 100_000;
    let mut batch = 1_000;
    let mut rest = std::env::args().skip(1);
    let mut positional = 0;
    while let Some(arg) = rest.next() {
        if arg == "--batch" {
            batch = rest.next().ok_or("--batch needs a number")?.parse()?;
            continue;
        }
        match positional {
            0 => url = Some(arg),
            1 => users = arg.replace(['_', ','], "").parse()?,
            _ => return Err(format!("unexpected argument {arg:?}").into()),
        }
        positional += 1;
    }
    let url = url.ok_or("usage: store_bench URL [USERS] [--batch N]")?;
    Ok(Args {
        url,
        users: users.max(SPARE_USERS),
        batch: batch.max(1),
    })
}

/// The store under test, concrete so that its query plans can be asked for.
enum Opened {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Opened {
    fn open(url: &str) -> Result<Self, Box<dyn Error>> {
        let builder = StoreBuilder::new(SchemaRegistry::standard()).max_connections(4);
        Ok(if url.starts_with("postgres") {
            Self::Postgres(builder.open_postgres(url)?)
        } else {
            Self::Sqlite(builder.open_sqlite(url)?)
        })
    }

    fn store(&self) -> &dyn Store {
        match self {
            Self::Sqlite(s) => s,
            Self::Postgres(s) => s,
        }
    }

    /// Prints the statement `query` runs and the database's plan for it.
    fn explain(&self, title: &str, tenant: &TenantId, query: &Query) -> Result<(), Box<dyn Error>> {
        let plan = match self {
            Self::Sqlite(s) => s.explain_query(tenant, "User", query, true)?,
            Self::Postgres(s) => s.explain_query(tenant, "User", query, true)?,
        };
        println!(
            "\n### {title}\n\n```sql\n{}\n```\n\n```text\n{}\n```\n",
            plan.sql,
            plan.plan.join("\n")
        );
        Ok(())
    }
}

/// The n-th benchmark user: a realistic, Entra-shaped document of about 700 bytes.
fn user(n: usize) -> Value {
    let domain = if n.is_multiple_of(3) {
        "example.com"
    } else {
        "example.org"
    };
    let user_type = ["Employee", "Contractor", "Intern", "Vendor"][n % 4];
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": user_name(n),
        "externalId": format!("ext-{n}"),
        "name": {"givenName": format!("Given{n}"), "familyName": format!("Family{}", n % 1000)},
        "displayName": format!("Given{n} Family{}", n % 1000),
        "active": true,
        "userType": user_type,
        "locale": "en-US",
        "emails": [
            {"value": format!("user{n}@{domain}"), "type": "work", "primary": true},
            {"value": format!("u{n}@home.test"), "type": "home"}
        ],
        ENTERPRISE: {"employeeNumber": format!("{n}"), "department": format!("Dept{}", n % 50)}
    })
}

fn user_name(n: usize) -> String {
    format!("User{n:07}@Example.com")
}

/// A small deterministic generator, so runs ask for the same keys.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Latencies of repeated runs.
struct Samples(Vec<Duration>);

impl Samples {
    /// Runs `f` `runs` times, or fewer (but at least 5) if that takes more than 20 seconds.
    fn collect(
        runs: usize,
        mut f: impl FnMut(usize) -> Result<(), Box<dyn Error>>,
    ) -> Result<Self, Box<dyn Error>> {
        let budget = Instant::now() + Duration::from_secs(20);
        let mut samples = Vec::with_capacity(runs);
        for i in 0..runs {
            if i >= 5 && Instant::now() > budget {
                break;
            }
            let start = Instant::now();
            f(i)?;
            samples.push(start.elapsed());
        }
        samples.sort();
        Ok(Self(samples))
    }

    fn quantile(&self, q: f64) -> Duration {
        let last = self.0.len().saturating_sub(1);
        let index = ((last as f64) * q).round() as usize;
        self.0.get(index).copied().unwrap_or_default()
    }

    fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    fn describe(&self) -> String {
        format!(
            "median {}, p90 {}, p99 {} ({} runs)",
            ms(self.median()),
            ms(self.quantile(0.9)),
            ms(self.quantile(0.99)),
            self.0.len()
        )
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

/// The table rows: what, figure, target, verdict.
struct Report(Vec<[String; 4]>);

impl Report {
    fn row(&mut self, what: &str, figure: String, target: &str, met: Option<bool>) {
        let verdict = met.map(verdict).unwrap_or("");
        println!("  {what}: {figure}");
        self.0.push([
            what.to_owned(),
            figure,
            target.to_owned(),
            verdict.to_owned(),
        ]);
    }

    fn print(&self) {
        println!("\n| measurement | figure | target | |\n| --- | --- | --- | --- |");
        for [what, figure, target, verdict] in &self.0 {
            println!("| {what} | {figure} | {target} | {verdict} |");
        }
    }
}

fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "?".to_owned())
    };
    format!("RSS {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

/// The machine's load averages (1, 5, 15 minutes): the machine is shared.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The settings that decide what a commit and a plan cost.
fn database_settings(url: &str) -> Result<String, Box<dyn Error>> {
    if !url.starts_with("postgres") {
        return Ok("SQLite: WAL, synchronous=NORMAL (the store's pragmas)".to_owned());
    }
    use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_types};
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = sql_types::Text)]
        s: String,
    }
    let mut conn = PgConnection::establish(url)?;
    let mut shown = Vec::new();
    for name in [
        "server_version",
        "synchronous_commit",
        "shared_buffers",
        "autovacuum",
        "jit",
    ] {
        let rows: Vec<Setting> =
            diesel::sql_query(format!("SELECT current_setting('{name}') AS s")).load(&mut conn)?;
        let value = rows.first().map_or("?", |r| r.s.as_str());
        shown.push(format!("{name}={value}"));
    }
    Ok(shown.join(", "))
}

/// The database's size on disk: the files of a SQLite database, or what PostgreSQL reports.
fn database_size(url: &str) -> Result<String, Box<dyn Error>> {
    if url.starts_with("postgres") {
        use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_types};
        #[derive(QueryableByName)]
        struct Size {
            #[diesel(sql_type = sql_types::BigInt)]
            n: i64,
        }
        let mut conn = PgConnection::establish(url)?;
        let size = |conn: &mut PgConnection, sql: &str| -> Result<u64, Box<dyn Error>> {
            let rows: Vec<Size> = diesel::sql_query(sql).load(conn)?;
            Ok(rows.first().map_or(0, |r| r.n.max(0) as u64))
        };
        let database = size(
            &mut conn,
            "SELECT pg_database_size(current_database()) AS n",
        )?;
        let resources = size(&mut conn, "SELECT pg_total_relation_size('resources') AS n")?;
        let indexes = size(&mut conn, "SELECT pg_indexes_size('resources') AS n")?;
        let memberships = size(
            &mut conn,
            "SELECT pg_total_relation_size('memberships') AS n",
        )?;
        let events = size(&mut conn, "SELECT pg_total_relation_size('events') AS n")?;
        Ok(format!(
            "database {}: resources {} (of which indexes {}), memberships {}, events {}",
            mib(database),
            mib(resources),
            mib(indexes),
            mib(memberships),
            mib(events)
        ))
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let len =
            |suffix: &str| std::fs::metadata(format!("{path}{suffix}")).map_or(0, |m| m.len());
        Ok(format!("file {} + WAL {}", mib(len("")), mib(len("-wal"))))
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    let opened = Opened::open(&args.url)?;
    let store = opened.store();
    let tenant = TenantId::new(format!(
        "bench-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
    ))?;
    store.create_tenant(&tenant, &TenantSettings::default())?;
    let actor = Actor::tenant(&tenant);
    let mut report = Report(Vec::new());
    let n = args.users;
    println!("store_bench: {} users on {}", n, args.url);
    report.row("load average at the start", load_average(), "", None);

    // ----- create -----
    let start = Instant::now();
    let mut ids: Vec<String> = Vec::with_capacity(n);
    if args.batch == 1 {
        for i in 0..n {
            let created = store.create(actor, "User", &user(i))?;
            ids.push(created.resource.id().unwrap_or_default().to_owned());
        }
    } else {
        for chunk in (0..n).collect::<Vec<_>>().chunks(args.batch) {
            let bodies: Vec<Value> = chunk.iter().map(|i| user(*i)).collect();
            for created in store.create_many(actor, "User", &bodies)? {
                ids.push(created.resource.id().unwrap_or_default().to_owned());
            }
        }
    }
    let elapsed = start.elapsed();
    let how = if args.batch == 1 {
        "one `create` per user".to_owned()
    } else {
        format!("`create_many` in calls of {}", args.batch)
    };
    report.row(
        &format!("create {n} users ({how})"),
        format!(
            "{:.1} s ({:.0} users/s)",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64()
        ),
        "≤ 60 s",
        Some(elapsed <= Duration::from_secs(60)),
    );
    if args.url.starts_with("postgres") {
        // What autovacuum does after a bulk load (statistics for the planner, the visibility map
        // for index-only scans); the test server runs with autovacuum off, so do it here.
        use diesel::{Connection, PgConnection, connection::SimpleConnection};
        let start = Instant::now();
        PgConnection::establish(&args.url)?.batch_execute("VACUUM ANALYZE")?;
        report.row(
            "`VACUUM ANALYZE` after loading",
            format!("{:.1} s", start.elapsed().as_secs_f64()),
            "",
            None,
        );
    }
    report.row("database settings", database_settings(&args.url)?, "", None);
    report.row("size after loading", database_size(&args.url)?, "", None);
    report.row("process memory after loading", rss(), "", None);

    // ----- lookups -----
    let mut random = Lcg(42);
    // Each lookup is one statement: one round trip. `ping` (SELECT 1) runs beside it, so the
    // round trip's own cost at that moment is known (on a shared virtual machine it swings).
    let mut pings = Vec::with_capacity(2000);
    let mut lookups = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let start = Instant::now();
        store.ping()?;
        pings.push(start.elapsed());
        let i = random.below(n);
        let query = Query::filtered(&format!(r#"userName eq "{}""#, user_name(i).to_lowercase()))?;
        let start = Instant::now();
        let page = store.query(&tenant, "User", &query, ReadOptions::FULL)?;
        lookups.push(start.elapsed());
        if page.total_results != 1 || page.resources.len() != 1 {
            return Err(format!("userName eq found {} users", page.total_results).into());
        }
    }
    pings.sort();
    lookups.sort();
    let (pings, lookups) = (Samples(pings), Samples(lookups));
    report.row(
        "`ping` (`SELECT 1`), alternating with the lookups below",
        pings.describe(),
        "",
        None,
    );
    report.row(
        "`userName eq` through `query` (FULL)",
        lookups.describe(),
        "median ≤ 0.2 ms",
        Some(lookups.median() <= Duration::from_micros(200)),
    );
    let lookups = Samples::collect(2000, |_| {
        let i = random.below(n);
        let query = Query::filtered(&format!(r#"userName eq "{}""#, user_name(i)))?;
        let page = store.query(&tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)?;
        if page.resources.len() != 1 {
            return Err("userName eq found nothing".into());
        }
        Ok(())
    })?;
    report.row(
        "`userName eq` through `query` (DOCUMENT_ONLY)",
        lookups.describe(),
        "",
        None,
    );
    let entra = Samples::collect(500, |_| {
        let i = random.below(n);
        let domain = if i.is_multiple_of(3) {
            "example.com"
        } else {
            "example.org"
        };
        let query = Query::filtered(&format!(
            r#"emails[type eq "work" and value eq "user{i}@{domain}"]"#
        ))?;
        let page = store.query(&tenant, "User", &query, ReadOptions::FULL)?;
        if page.resources.len() != 1 {
            return Err(format!("emails lookup found {}", page.resources.len()).into());
        }
        Ok(())
    })?;
    report.row(
        "`emails[type eq \"work\" and value eq ...]` (Entra)",
        entra.describe(),
        "",
        None,
    );
    let gets = Samples::collect(2000, |_| {
        let id = &ids[random.below(n)];
        store.get(&tenant, "User", id, ReadOptions::FULL)?;
        Ok(())
    })?;
    report.row("`get` by id (FULL)", gets.describe(), "", None);

    // ----- pages -----
    let last_start = (n - 99) as u64;
    let index_page = Query {
        start_index: Some(last_start),
        count: Some(100),
        ..Query::default()
    };
    let pages = Samples::collect(100, |_| {
        let page = store.query(&tenant, "User", &index_page, ReadOptions::FULL)?;
        if page.resources.len() != 100 || page.total_results != n as u64 {
            return Err("the last index page is wrong".into());
        }
        Ok(())
    })?;
    report.row(
        &format!("page of 100 at startIndex {last_start}"),
        pages.describe(),
        "median ≤ 5 ms",
        Some(pages.median() <= Duration::from_millis(5)),
    );
    for start_index in [1, n as u64 / 2 + 1] {
        let query = Query {
            start_index: Some(start_index),
            count: Some(100),
            ..Query::default()
        };
        let pages = Samples::collect(100, |_| {
            store.query(&tenant, "User", &query, ReadOptions::FULL)?;
            Ok(())
        })?;
        report.row(
            &format!("page of 100 at startIndex {start_index}"),
            pages.describe(),
            "",
            None,
        );
    }

    // Walk the whole set by cursor, keeping the cursor that leads to the last page.
    let start = Instant::now();
    let mut cursor = String::new();
    let mut seen = 0;
    let mut deep = None;
    loop {
        let query = Query {
            cursor: Some(cursor.clone()),
            count: Some(100),
            ..Query::default()
        };
        if seen + 100 >= n && deep.is_none() {
            deep = Some(cursor.clone());
        }
        let page = store.query(&tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)?;
        seen += page.resources.len();
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let walk = start.elapsed();
    if seen != n {
        return Err(format!("the cursor walk saw {seen} users, not {n}").into());
    }
    report.row(
        "walk all users by cursor, pages of 100 (DOCUMENT_ONLY)",
        format!("{:.2} s", walk.as_secs_f64()),
        "",
        None,
    );
    let deep = Query {
        cursor: deep,
        count: Some(100),
        ..Query::default()
    };
    let pages = Samples::collect(100, |_| {
        let page = store.query(&tenant, "User", &deep, ReadOptions::FULL)?;
        if page.resources.len() != 100 {
            return Err("the deep cursor page is short".into());
        }
        Ok(())
    })?;
    report.row(
        &format!("page of 100 by cursor after {} users", n - 100),
        pages.describe(),
        "median ≤ 5 ms",
        Some(pages.median() <= Duration::from_millis(5)),
    );

    // ----- compound filter -----
    let compound = Query {
        filter: Query::filtered(COMPOUND)?.filter,
        count: Some(100),
        ..Query::default()
    };
    let mut total = 0;
    let pages = Samples::collect(10, |_| {
        total = store
            .query(&tenant, "User", &compound, ReadOptions::FULL)?
            .total_results;
        Ok(())
    })?;
    report.row(
        &format!("`{COMPOUND}`, first page of 100 ({total} match)"),
        pages.describe(),
        "",
        None,
    );
    let lookup = Query::filtered(&format!(r#"userName eq "{}""#, user_name(n / 2)))?;
    opened.explain("`userName eq`", &tenant, &lookup)?;
    opened.explain(
        &format!("page at startIndex {last_start}"),
        &tenant,
        &index_page,
    )?;
    opened.explain("page by cursor", &tenant, &deep)?;
    opened.explain(&format!("`{COMPOUND}`"), &tenant, &compound)?;

    // ----- groups -----
    let mut spare = Vec::with_capacity(SPARE_USERS);
    for i in 0..SPARE_USERS {
        let start = Instant::now();
        let created = store.create(actor, "User", &user(n + i))?;
        spare.push(start.elapsed());
        ids.push(created.resource.id().unwrap_or_default().to_owned());
    }
    spare.sort();
    let spare = Samples(spare);
    report.row("single `create` of a user", spare.describe(), "", None);
    let members = |ids: &[String]| -> Value {
        Value::Array(ids.iter().map(|id| json!({"value": id})).collect())
    };
    let small = store.create(
        actor,
        "Group",
        &json!({"displayName": "small", "members": members(&ids[..SMALL_GROUP])}),
    )?;
    let big = store.create(actor, "Group", &json!({"displayName": "big"}))?;
    let big_id = big.resource.id().unwrap_or_default().to_owned();
    let small_id = small.resource.id().unwrap_or_default().to_owned();
    let start = Instant::now();
    for chunk in ids[..n].chunks(1000) {
        let value = members(chunk);
        let add = [Operation {
            op: OpKind::Add,
            path: Some("members"),
            value: Some(&value),
        }];
        store.patch(
            actor,
            "Group",
            &big_id,
            &add,
            None,
            ReadOptions::DOCUMENT_ONLY,
        )?;
    }
    report.row(
        &format!("fill a group with {n} members (PATCH add, 1,000 per request)"),
        format!("{:.1} s", start.elapsed().as_secs_f64()),
        "",
        None,
    );
    // The two groups take turns, so that both see the same machine: a spare user joins the
    // small group and leaves it, then joins the big one and leaves it.
    let patch = |group: &str, operation: Operation<'_>| -> Result<Duration, Box<dyn Error>> {
        let start = Instant::now();
        store.patch(
            actor,
            "Group",
            group,
            &[operation],
            None,
            ReadOptions::DOCUMENT_ONLY,
        )?;
        Ok(start.elapsed())
    };
    let mut times: [Vec<Duration>; 4] = Default::default();
    for spare in &ids[n..] {
        let value = members(std::slice::from_ref(spare));
        let path = format!(r#"members[value eq "{spare}"]"#);
        for (g, group) in [&small_id, &big_id].into_iter().enumerate() {
            let add = Operation {
                op: OpKind::Add,
                path: Some("members"),
                value: Some(&value),
            };
            let remove = Operation {
                op: OpKind::Remove,
                path: Some(&path),
                value: None,
            };
            times[2 * g].push(patch(group, add)?);
            times[2 * g + 1].push(patch(group, remove)?);
        }
    }
    let [small_add, small_remove, big_add, big_remove] = times.map(|mut t| {
        t.sort();
        Samples(t)
    });
    let ratio = big_add.median().as_secs_f64() / small_add.median().as_secs_f64();
    report.row(
        &format!("add 1 member to a group of {SMALL_GROUP} (PATCH, DOCUMENT_ONLY)"),
        small_add.describe(),
        "",
        None,
    );
    report.row(
        &format!("add 1 member to a group of {n} (PATCH, DOCUMENT_ONLY)"),
        big_add.describe(),
        "median ≤ 2 ms",
        Some(big_add.median() <= Duration::from_millis(2)),
    );
    report.row(
        "big-group add / small-group add (medians)",
        format!("{ratio:.2}x"),
        "≤ 1.5x",
        Some(ratio <= 1.5),
    );
    report.row(
        &format!("remove 1 member (`members[value eq ...]`) from a group of {SMALL_GROUP}"),
        small_remove.describe(),
        "",
        None,
    );
    report.row(
        &format!("remove 1 member (`members[value eq ...]`) from a group of {n}"),
        big_remove.describe(),
        "",
        None,
    );
    report.row("size at the end", database_size(&args.url)?, "", None);
    report.row("process memory at the end", rss(), "", None);
    report.row("load average at the end", load_average(), "", None);
    report.print();
    Ok(())
}

//! The event-delivery benchmark behind `docs/benchmarks.md` ("Event delivery"): the server's
//! delivery threads, in this process, delivering one subscription to a loopback receiver.
//!
//! 1. **Throughput**: `--events` events (user creations, written in batches) are in the log
//!    before the subscription starts; the figure is how many per second reach the receiver.
//! 2. **Lag**: users are written one by one at `--rate` writes per second for `--seconds`
//!    seconds while the subscription is delivered; the figure is the time from each event's
//!    commit (`occurred_at`) to its arrival at the receiver, as percentiles.
//! 3. **A huge group** (with `--group N`): N users join an empty group in one PATCH `replace`
//!    of its members; the figures are the write's time, the events it made (members in chunks of
//!    at most 1,000 each), the time until the receiver has them all, and the process's peak
//!    memory during the write and its delivery (`VmHWM` after resetting it: the server's store
//!    and delivery, the receiver and this benchmark together, so an upper bound).
//!
//! ```sh
//! cargo run --release -p scim-server --example delivery_bench -- \
//!     [--database postgres://...] [--format json|set] [--events 20000] [--rate 200] [--seconds 30] \
//!     [--group 100000]
//! ```
//!
//! Without `--database` it uses a new SQLite file in a temporary directory.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its figures"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use scim_server::config::Config;
use scim_server::events::EventSignals;
use scim_store::{Actor, DeliveryMethod, EventFormat, NewSubscription, TenantId, TenantSettings};
use serde_json::json;

struct Options {
    database: Option<String>,
    format: EventFormat,
    events: usize,
    rate: u64,
    seconds: u64,
    group: usize,
}

fn options() -> Options {
    let mut options = Options {
        database: None,
        format: EventFormat::Json,
        events: 20_000,
        rate: 200,
        seconds: 30,
        group: 0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--database" => options.database = Some(value),
            "--format" => {
                options.format = EventFormat::parse(&value).expect("--format json or set");
            }
            "--events" => options.events = value.parse().expect("--events N"),
            "--rate" => options.rate = value.parse().expect("--rate N"),
            "--seconds" => options.seconds = value.parse().expect("--seconds N"),
            "--group" => options.group = value.parse().expect("--group N"),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// What the receiver saw: each request's arrival time and body.
#[derive(Default)]
struct Arrivals {
    list: Mutex<Vec<(DateTime<Utc>, Vec<u8>)>>,
    changed: Condvar,
}

impl Arrivals {
    fn wait_for(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut list = self.list.lock().unwrap();
        while list.len() < count {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            list = self.changed.wait_timeout(list, deadline - now).unwrap().0;
        }
        true
    }
}

/// A loopback HTTP/1.1 receiver answering every request with `status`.
fn receiver(status: u16) -> (String, Arc<Arrivals>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let arrivals = Arc::new(Arrivals::default());
    let shared = arrivals.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let shared = shared.clone();
            std::thread::spawn(move || serve(stream, &shared, status));
        }
    });
    (url, arrivals)
}

fn serve(stream: TcpStream, arrivals: &Arrivals, status: u16) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let answer = format!("HTTP/1.1 {status} OK\r\ncontent-length: 0\r\n\r\n");
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        {
            let mut list = arrivals.list.lock().unwrap();
            list.push((Utc::now(), body));
            arrivals.changed.notify_all();
        }
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// When the event a request carried committed: `occurred_at` of the JSON, `toe` of a SET
/// (whole seconds only, so the lag of SETs is measured with the JSON format).
fn committed_at(body: &[u8]) -> Option<DateTime<Utc>> {
    let event: serde_json::Value = serde_json::from_slice(body).ok()?;
    DateTime::parse_from_rfc3339(event["occurred_at"].as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

/// CPU seconds this process has used so far, all threads (`/proc/self/stat`, 100 ticks a
/// second as on every Linux this runs on).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // The fields after the command name (which may hold spaces) in parentheses.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// This process's memory in MB: `VmRSS` and `VmHWM` (the peak since the last reset).
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Phase 3: `n` users join an empty group in one PATCH; its events are delivered.
fn huge_group(
    store: &dyn scim_store::Store,
    tenant: &TenantId,
    arrivals: &Arrivals,
    delivered_so_far: usize,
    n: usize,
) {
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let batch = (n - ids.len()).min(1000);
        let bodies: Vec<_> = (0..batch)
            .map(|i| json!({"userName": format!("member-{}@example.com", ids.len() + i)}))
            .collect();
        let created = store
            .create_many(Actor::tenant(tenant), "User", &bodies)
            .unwrap();
        ids.extend(created.into_iter().map(|r| r.id));
    }
    let group = store
        .create(
            Actor::tenant(tenant),
            "Group",
            &json!({"displayName": "everyone"}),
        )
        .unwrap();
    let before_write = delivered_so_far + n + 1;
    assert!(
        arrivals.wait_for(before_write, Duration::from_secs(600)),
        "the members' creations were not delivered"
    );
    let members: Vec<_> = ids.iter().map(|id| json!({"value": id})).collect();
    let value = serde_json::Value::Array(members);
    let operation = scim_core::patch::Operation {
        op: scim_core::patch::OpKind::Replace,
        path: Some("members"),
        value: Some(&value),
    };
    // The peak from here on: the write and its delivery only (Linux resets VmHWM on "5").
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (rss_before, _) = memory_mb();
    let started = Instant::now();
    store
        .patch(
            Actor::tenant(tenant),
            "Group",
            &group.id,
            &[operation],
            None,
            scim_store::ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    let write = started.elapsed();
    let made = n.div_ceil(scim_store::MEMBERS_PER_EVENT);
    assert!(
        arrivals.wait_for(before_write + made, Duration::from_secs(600)),
        "the group's events were not delivered"
    );
    let delivered = started.elapsed();
    let (_, peak) = memory_mb();
    let list = arrivals.list.lock().unwrap();
    let chunks: Vec<(usize, usize)> = list[before_write..]
        .iter()
        .filter_map(|(_, body)| {
            let event: serde_json::Value = serde_json::from_slice(body).ok()?;
            (event["type"] == "group.members_added")
                .then(|| (event["members"].as_array().map_or(0, Vec::len), body.len()))
        })
        .collect();
    let members_delivered: usize = chunks.iter().map(|(m, _)| m).sum();
    println!(
        "group of {n}: the PATCH took {:.2} s; {} group.members_added events ({} members, at most {} per event, the largest body {} KB) all delivered {:.2} s after the write began; RSS {:.0} MB before, peak {:.0} MB during (load average: {})",
        write.as_secs_f64(),
        chunks.len(),
        members_delivered,
        chunks.iter().map(|(m, _)| *m).max().unwrap_or(0),
        chunks.iter().map(|(_, b)| *b).max().unwrap_or(0) / 1024,
        delivered.as_secs_f64(),
        rss_before,
        peak,
        load_average()
    );
}

fn main() {
    let options = options();
    let dir = std::env::temp_dir().join(format!("delivery-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config {
        database_url: Some(
            options
                .database
                .clone()
                .unwrap_or_else(|| format!("sqlite://{}", dir.join("scim.db").display())),
        ),
        data_dir: dir.clone(),
        ..Config::default()
    };
    config.auth.secret = Some("a-benchmark-signing-secret-of-32-bytes-or-more".into());
    config.webhooks.allow_private_networks = true;
    config.webhooks.allow_http = true;
    let signals = Arc::new(EventSignals::default());
    let store = scim_server::serve::open_store(&config, &signals).unwrap();
    let tenant =
        TenantId::new(format!("bench-{}", &uuid::Uuid::new_v4().to_string()[..8])).unwrap();
    store
        .create_tenant(&tenant, &TenantSettings::default())
        .unwrap();
    let status = if options.format == EventFormat::Set {
        202
    } else {
        200
    };
    let (url, arrivals) = receiver(status);
    println!(
        "format {}, database {}, load average before: {}",
        options.format.as_str(),
        if options.database.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        load_average()
    );

    // 1. Throughput: a backlog of `events` events, then the subscription starts.
    let before = store.events(&tenant, 0, 1).unwrap().len() as i64;
    let mut written = 0;
    while written < options.events {
        let n = (options.events - written).min(1000);
        let bodies: Vec<_> = (0..n)
            .map(|i| json!({"userName": format!("backlog-{}@example.com", written + i)}))
            .collect();
        store
            .create_many(Actor::tenant(&tenant), "User", &bodies)
            .unwrap();
        written += n;
    }
    store
        .create_subscription(&NewSubscription {
            id: uuid::Uuid::new_v4().to_string(),
            tenant: tenant.clone(),
            url,
            format: options.format,
            delivery: DeliveryMethod::Push,
            event_types: Vec::new(),
            full: false,
            secret: scim_server::delivery::new_secret().unwrap(),
            audience: None,
            description: "benchmark".into(),
            enabled: true,
            after: Some(before),
        })
        .unwrap();
    let state = scim_server::serve::app_state(config, store.clone(), signals).unwrap();
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let delivery = scim_server::delivery::Delivery::start(&state).unwrap();
    assert!(
        arrivals.wait_for(options.events, Duration::from_secs(600)),
        "the backlog was not delivered within 10 minutes"
    );
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    println!(
        "throughput: {} events in {:.2} s = {:.0} events/s; {:.0} µs of CPU per event (receiver included) = {:.0} events per CPU-second (load average: {})",
        options.events,
        elapsed.as_secs_f64(),
        options.events as f64 / elapsed.as_secs_f64(),
        cpu * 1e6 / options.events as f64,
        options.events as f64 / cpu,
        load_average()
    );

    // 2. Lag at a steady write rate.
    let writes = (options.rate * options.seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / options.rate as f64);
    let start = Instant::now();
    for i in 0..writes {
        let due = start + interval * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        store
            .create(
                Actor::tenant(&tenant),
                "User",
                &json!({"userName": format!("steady-{i}@example.com")}),
            )
            .unwrap();
    }
    let achieved = writes as f64 / start.elapsed().as_secs_f64();
    assert!(
        arrivals.wait_for(options.events + writes, Duration::from_secs(120)),
        "the steady writes were not all delivered"
    );
    if options.group > 0 {
        huge_group(
            &*store,
            &tenant,
            &arrivals,
            options.events + writes,
            options.group,
        );
    }
    delivery.stop();
    let list = arrivals.list.lock().unwrap();
    let distinct: std::collections::HashSet<&[u8]> = list.iter().map(|(_, b)| &b[..]).collect();
    println!(
        "{} requests received, {} distinct",
        list.len(),
        distinct.len()
    );
    if options.format == EventFormat::Json {
        let mut lags: Vec<f64> = list[options.events..]
            .iter()
            .filter_map(|(at, body)| {
                committed_at(body).map(|c| (*at - c).num_microseconds().unwrap_or(0) as f64 / 1e3)
            })
            .collect();
        lags.sort_by(f64::total_cmp);
        println!(
            "lag at {achieved:.0} writes/s over {} s ({} events): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (load average: {})",
            options.seconds,
            lags.len(),
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN),
            load_average()
        );
    } else {
        eprintln!("(the lag is measured with --format json: SETs carry whole seconds only)");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

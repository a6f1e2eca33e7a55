//! Filter parsing throughput: the whole 23-filter corpus (`test_data/filter/corpus.txt`, the
//! one the peer parsers in docs/benchmarks.md were measured on) per iteration, reported in
//! filters per second. Each iteration also drops the trees, as a server would.
//!
//! Two groups measure the same loop: `filter_parse` in wall-clock time, and `filter_parse_cpu`
//! in the CPU time of the benchmarking thread (Linux only), which stays meaningful on a shared
//! machine where other processes take turns on the same cores.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, SamplingMode, Throughput};
use scim_core::filter::parse_filter;

const CORPUS: &str = include_str!("../test_data/filter/corpus.txt");

fn corpus<M: Measurement>(c: &mut Criterion<M>, group: &str, long_samples: bool) {
    let filters: Vec<&str> = CORPUS.lines().collect();
    assert!(
        filters.iter().all(|f| parse_filter(f).is_ok()),
        "every corpus filter must parse"
    );
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(filters.len() as u64));
    if long_samples {
        // The kernel updates a running thread's CPU time only at scheduler ticks (a few
        // milliseconds apart), so every sample must last far longer than a tick.
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .measurement_time(Duration::from_secs(10));
    }
    group.bench_function("corpus", |b| {
        b.iter(|| {
            for filter in &filters {
                let tree = parse_filter(black_box(filter));
                black_box(&tree);
            }
        });
    });
    group.finish();
}

/// The CPU time this thread has consumed, from `/proc/thread-self/schedstat` (nanoseconds, but
/// only as fresh as the last scheduler tick).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Measures the benchmarking thread's CPU time instead of wall-clock time.
struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time().unwrap_or_default()
    }

    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time().unwrap_or_default().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Values are nanoseconds, exactly as wall time's are.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

fn main() {
    let mut wall = Criterion::default().configure_from_args();
    corpus(&mut wall, "filter_parse", false);
    if thread_cpu_time().is_some() {
        let mut cpu = Criterion::default()
            .with_measurement(ThreadCpuTime)
            .configure_from_args();
        corpus(&mut cpu, "filter_parse_cpu", true);
    }
    wall.final_summary();
}

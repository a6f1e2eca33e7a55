//! Filter parsing throughput: the whole 23-filter corpus (`test_data/filter/corpus.txt`, the
//! one the peer parsers in docs/benchmarks.md were measured on) per iteration, reported in
//! filters per second. Each iteration also drops the trees, as a server would.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use scim_core::filter::parse_filter;

const CORPUS: &str = include_str!("../test_data/filter/corpus.txt");

fn corpus(c: &mut Criterion) {
    let filters: Vec<&str> = CORPUS.lines().collect();
    assert!(
        filters.iter().all(|f| parse_filter(f).is_ok()),
        "every corpus filter must parse"
    );
    let mut group = c.benchmark_group("filter_parse");
    group.throughput(Throughput::Elements(filters.len() as u64));
    group.bench_function("corpus", |b| {
        b.iter(|| {
            for filter in &filters {
                let _ = black_box(parse_filter(black_box(filter)));
            }
        });
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    corpus(&mut c);
    c.final_summary();
}

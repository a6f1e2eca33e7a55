//! scratch
#![allow(missing_docs, clippy::print_stdout)]
use scim_core::schema::SchemaRegistry;
use scim_store::*;
use std::time::Instant;
fn main() {
    let url = std::env::args().nth(1).unwrap();
    let mode = std::env::args().nth(2).unwrap();
    let store = StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(2)
        .open(&url)
        .unwrap();
    let tenant = store.tenants().unwrap().pop().unwrap().id;
    let total = store
        .query(
            &tenant,
            "User",
            &Query {
                count: Some(0),
                ..Query::default()
            },
            ReadOptions::FULL,
        )
        .unwrap()
        .total_results;
    let start = Instant::now();
    let n = if mode.starts_with("page") { 500 } else { 20000 };
    for i in 0..n {
        let (q, opts) = match mode.as_str() {
            "full" | "doc" => (
                Query {
                    filter: Some(format!(r#"userName eq "user{:07}@example.com""#, i % 2000)),
                    ..Query::default()
                },
                if mode == "doc" {
                    ReadOptions::DOCUMENT_ONLY
                } else {
                    ReadOptions::FULL
                },
            ),
            "page1" => (
                Query {
                    count: Some(100),
                    ..Query::default()
                },
                ReadOptions::FULL,
            ),
            "pagedeep" => (
                Query {
                    start_index: Some(total - 99),
                    count: Some(100),
                    ..Query::default()
                },
                ReadOptions::FULL,
            ),
            "page1doc" => (
                Query {
                    count: Some(100),
                    ..Query::default()
                },
                ReadOptions::DOCUMENT_ONLY,
            ),
            _ => panic!(),
        };
        let p = store.query(&tenant, "User", &q, opts).unwrap();
        assert!(!p.resources.is_empty());
    }
    println!(
        "{:.1} us/query",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

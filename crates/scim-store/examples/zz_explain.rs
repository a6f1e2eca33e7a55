//! scratch
#![allow(missing_docs, clippy::print_stdout)]
use scim_core::schema::SchemaRegistry;
use scim_store::*;
fn main() {
    let url = std::env::args().nth(1).unwrap();
    let start: u64 = std::env::args().nth(2).unwrap().parse().unwrap();
    let filter = std::env::args().nth(3);
    let store = StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(2)
        .open_postgres(&url)
        .unwrap();
    let tenant = store.tenants().unwrap().pop().unwrap().id;
    let q = Query {
        start_index: Some(start),
        count: Some(100),
        filter,
        ..Query::default()
    };
    let p = store.explain_query(&tenant, "User", &q, true).unwrap();
    println!("{}", p.plan.join("\n"));
}

//! `totalResults` and index pages over many resources: without a filter, the store reads counts
//! its writes keep and starts deep pages at the block that holds their first row; the same
//! query with a filter that matches everything (`id pr`) counts and skips rows. Both must
//! agree, always.

use scim_store::{Actor, Query, ReadOptions, Store, TenantId};
use serde_json::{Value, json};

use super::{group, id, user};
use crate::backends::tenant;

fn page(
    store: &dyn Store,
    tenant: &TenantId,
    filter: Option<&str>,
    start: u64,
    count: u64,
) -> (u64, Vec<String>) {
    let query = Query {
        filter: filter.and_then(|f| Query::filtered(f).unwrap().filter),
        start_index: Some(start),
        count: Some(count),
        ..Query::default()
    };
    let page = store
        .query(tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)
        .unwrap();
    (page.total_results, page.resources.iter().map(id).collect())
}

fn total(store: &dyn Store, tenant: &TenantId, resource_type: &str, filter: Option<&str>) -> u64 {
    let query = Query {
        filter: filter.and_then(|f| Query::filtered(f).unwrap().filter),
        count: Some(0),
        ..Query::default()
    };
    store
        .query(tenant, resource_type, &query, ReadOptions::DOCUMENT_ONLY)
        .unwrap()
        .total_results
}

fn bodies(prefix: &str, range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| json!({"userName": format!("{prefix}{i}@example.com")}))
        .collect()
}

fn totals_count_each_tenant_and_type(store: &dyn Store) {
    let a = tenant(store);
    let b = tenant(store);
    let ann = user(store, &a, "ann@example.com");
    for name in ["bo", "cy", "di", "ed"] {
        user(store, &a, &format!("{name}@example.com"));
    }
    group(store, &a, "Readers", &[&id(&ann)]);
    group(store, &a, "Writers", &[]);
    user(store, &b, "ann@example.com");
    store
        .delete(Actor::tenant(&a), "User", &id(&ann), None)
        .unwrap();
    for (tenant, resource_type, expected) in [(&a, "User", 4), (&a, "Group", 2), (&b, "User", 1)] {
        assert_eq!(total(store, tenant, resource_type, None), expected);
        assert_eq!(total(store, tenant, resource_type, Some("id pr")), expected);
    }
    let empty = tenant(store);
    assert_eq!(total(store, &empty, "User", None), 0);
    assert_eq!(page(store, &empty, None, 5, 10), (0, Vec::new()));
}

fn deep_index_pages_agree_with_a_scan(store: &dyn Store) {
    let a = tenant(store);
    let other = tenant(store);
    // Thousands of rows over several blocks of sequence numbers, shared with another tenant,
    // with holes left by deletes.
    let mut ids = Vec::new();
    for round in 0..3 {
        let created = store
            .create_many(
                Actor::tenant(&a),
                "User",
                &bodies(&format!("r{round}-"), 0..900),
            )
            .unwrap();
        ids.extend(created.iter().map(id));
        store
            .create_many(
                Actor::tenant(&other),
                "User",
                &bodies(&format!("o{round}-"), 0..300),
            )
            .unwrap();
    }
    for gone in ids.iter().step_by(7) {
        store.delete(Actor::tenant(&a), "User", gone, None).unwrap();
    }
    let kept: Vec<String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 0)
        .map(|(_, id)| id.clone())
        .collect();
    let n = kept.len() as u64;
    for (start, count) in [
        (1, 10),
        (2, 100),
        (777, 50),
        (1023, 3),
        (1024, 3),
        (1025, 3),
        (n - 99, 100),
        (n - 5, 100),
        (n, 10),
        (n + 1, 10),
        (n + 500, 10),
    ] {
        let unfiltered = page(store, &a, None, start, count);
        assert_eq!(
            unfiltered,
            page(store, &a, Some("id pr"), start, count),
            "startIndex {start}"
        );
        assert_eq!(unfiltered.0, n);
        let from = usize::try_from(start - 1).unwrap().min(kept.len());
        let to = (from + usize::try_from(count).unwrap()).min(kept.len());
        assert_eq!(unfiltered.1, kept[from..to], "startIndex {start}");
    }
}

fn totals_stay_exact_under_concurrent_writes(store: &dyn Store) {
    let a = tenant(store);
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let a = &a;
            scope.spawn(move || {
                let created: Vec<String> = (0..20)
                    .map(|i| id(&user(store, a, &format!("t{thread}-{i}@example.com"))))
                    .collect();
                store
                    .create_many(
                        Actor::tenant(a),
                        "User",
                        &bodies(&format!("m{thread}-"), 0..30),
                    )
                    .unwrap();
                for gone in &created[..5] {
                    store.delete(Actor::tenant(a), "User", gone, None).unwrap();
                }
            });
        }
    });
    assert_eq!(total(store, &a, "User", None), 4 * 45);
    assert_eq!(total(store, &a, "User", Some("id pr")), 4 * 45);
    assert_eq!(
        page(store, &a, None, 101, 100),
        page(store, &a, Some("id pr"), 101, 100)
    );
}

crate::on_every_backend!(
    totals_count_each_tenant_and_type,
    deep_index_pages_agree_with_a_scan,
    totals_stay_exact_under_concurrent_writes,
);

//! Which B-trees a write touches on SQLite, read from the pages it appends to the WAL: work
//! counted, never timed.
//!
//! A write that touches the key indexes or `resource_values` for a change that leaves them as
//! they were reads and writes leaves scattered over the whole file: on a tenant of 100,000
//! users, a deactivation did that for five B-trees besides the row's own, and cost more the
//! larger the tenant (docs/benchmarks.md, "Writes on a large tenant").

use std::collections::BTreeSet;
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use scim_core::message::PatchRequest;
use scim_core::schema::SchemaRegistry;
use scim_store::{Actor, Query, ReadOptions, Store, StoreBuilder, TenantId, TenantSettings};
use serde_json::{Value, json};

use crate::backends::unique;

/// The B-trees whose pages the WAL holds: what the transactions since the last checkpoint
/// wrote, by table or index name (`dbstat` maps each page to its B-tree).
fn written_btrees(conn: &mut SqliteConnection, db: &Path) -> BTreeSet<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let wal = std::fs::read(format!("{}-wal", db.display())).unwrap();
    // A 32-byte header, then frames: a 24-byte header that begins with the page number, and
    // the page.
    let page_size = usize::try_from(u32::from_be_bytes(wal[8..12].try_into().unwrap())).unwrap();
    let pages: BTreeSet<u32> = wal[32..]
        .chunks(24 + page_size)
        .map(|frame| u32::from_be_bytes(frame[0..4].try_into().unwrap()))
        .collect();
    let list = pages
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    diesel::sql_query(format!(
        "SELECT DISTINCT name FROM dbstat WHERE pageno IN ({list})"
    ))
    .load::<Name>(conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect()
}

/// Empties the WAL, so that it then holds what the next writes write.
fn checkpoint(conn: &mut SqliteConnection) {
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
}

fn patch(store: &dyn Store, tenant: &TenantId, id: &str, operations: Value) {
    let request = PatchRequest::from_slice(
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let operations: Vec<_> = request.as_operations().collect();
    store
        .patch(
            Actor::tenant(tenant),
            "User",
            id,
            &operations,
            None,
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
}

fn found(store: &dyn Store, tenant: &TenantId, filter: &str) -> u64 {
    let query = Query::filtered(filter).unwrap();
    store
        .query(tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)
        .unwrap()
        .total_results
}

/// The indexes of `resources` on its key columns, and `resource_values` with its index.
const KEYS: [&str; 3] = [
    "resources_by_name",
    "resources_unique_name",
    "resources_by_external_id",
];
const VALUES: [&str; 2] = ["resource_values", "resource_values_by_value"];

#[test]
fn sqlite_writes_leave_unchanged_keys_and_values_alone() {
    let db = std::env::temp_dir().join(format!("{}.db", unique("written-pages")));
    let store = StoreBuilder::new(SchemaRegistry::standard())
        .max_connections(2)
        .open(&format!("sqlite://{}", db.display()))
        .unwrap();
    let tenant = TenantId::new("acme").unwrap();
    store
        .create_tenant(&tenant, &TenantSettings::default())
        .unwrap();
    // Enough users for every index to have pages of its own beyond the root.
    let bodies: Vec<Value> = (0..2_000)
        .map(|n| {
            json!({
                "userName": format!("user{n:04}@example.com"),
                "externalId": format!("00u{n:04}"),
                "emails": [{"value": format!("user{n:04}@example.com"), "type": "work"}],
                "active": true,
            })
        })
        .collect();
    let created = store
        .create_many(Actor::tenant(&tenant), "User", &bodies)
        .unwrap();
    let id = created[1_000].resource.id().unwrap().to_owned();
    let mut raw = SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    raw.batch_execute("PRAGMA busy_timeout = 10000").unwrap();

    // Okta's deactivation: no key and no value of an array changes.
    checkpoint(&mut raw);
    patch(
        &*store,
        &tenant,
        &id,
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    let written = written_btrees(&mut raw, &db);
    // The row and its event, each in its own table's B-tree, and nothing else: the events'
    // key is their table's rowid (no key B-tree beside it), and the resource's history is a
    // chain through its row (no index entry per event).
    assert_eq!(
        written,
        BTreeSet::from(["events".to_owned(), "resources".to_owned()]),
    );
    for btree in KEYS.iter().chain(&VALUES) {
        assert!(
            !written.contains(*btree),
            "a deactivation wrote {btree}: {written:?}"
        );
    }

    // What does change is written: a new email goes into resource_values, and the old one
    // leaves it.
    checkpoint(&mut raw);
    patch(
        &*store,
        &tenant,
        &id,
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@example.com"}]),
    );
    let written = written_btrees(&mut raw, &db);
    assert!(
        VALUES.iter().all(|btree| written.contains(*btree)),
        "{written:?}"
    );
    assert!(
        !KEYS.iter().any(|btree| written.contains(*btree)),
        "{written:?}"
    );
    assert_eq!(
        found(&*store, &tenant, r#"emails.value eq "ada@example.com""#),
        1
    );
    assert_eq!(
        found(
            &*store,
            &tenant,
            r#"emails.value eq "user1000@example.com""#
        ),
        0
    );

    // A new userName goes into the name indexes, and the row is found by it.
    checkpoint(&mut raw);
    patch(
        &*store,
        &tenant,
        &id,
        json!([{"op": "replace", "path": "userName", "value": "Ada@example.com"}]),
    );
    let written = written_btrees(&mut raw, &db);
    assert!(written.contains("resources_by_name"), "{written:?}");
    assert!(written.contains("resources_unique_name"), "{written:?}");
    assert_eq!(
        found(&*store, &tenant, r#"userName eq "ada@EXAMPLE.com""#),
        1
    );
    assert_eq!(
        found(&*store, &tenant, r#"userName eq "user1000@example.com""#),
        0
    );

    drop(raw);
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

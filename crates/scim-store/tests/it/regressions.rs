//! Regression tests for the bugs the differential and concurrency tests found, each named after
//! what it guards, plus the store's refusals: what it cannot answer is an `invalidFilter`
//! error, what a database cannot hold is an `invalidValue` error, and a failing database is a
//! typed [`StoreError`], never a panic or a wrong answer.

use scim_store::Version;
use std::sync::Arc;

use scim_core::patch::{OpKind, Operation};
use scim_core::schema::SchemaRegistry;
use scim_core::{ScimError, ScimType};
use scim_store::{Actor, Query, ReadOptions, Store, StoreBuilder, StoreError, TenantId};
use serde_json::{Value, json};

use crate::backends::{
    postgres_at, postgres_icu_url, postgres_url, postgres_with, sqlite_file, sqlite_with, tenant,
    unique,
};
use crate::conformance::{id, user};
use crate::differential::dataset;
use crate::fixtures::QueuedIds;

fn query(
    store: &dyn Store,
    tenant: &TenantId,
    kind: &str,
    filter: &str,
) -> Result<Vec<String>, StoreError> {
    let query = Query::filtered(filter)?;
    Ok(store
        .query(tenant, kind, &query, ReadOptions::DOCUMENT_ONLY)?
        .resources
        .iter()
        .map(|r| r.resource.id().unwrap().to_owned())
        .collect())
}

fn sorted(store: &dyn Store, tenant: &TenantId, kind: &str, sort_by: &str) -> Vec<String> {
    let query = Query {
        sort_by: Some(
            scim_core::filter::parse_sort_by(sort_by)
                .unwrap()
                .into_owned(),
        ),
        ..Query::default()
    };
    store
        .query(tenant, kind, &query, ReadOptions::DOCUMENT_ONLY)
        .unwrap()
        .resources
        .iter()
        .map(|r| r.resource.id().unwrap().to_owned())
        .collect()
}

fn scim_type(err: StoreError) -> Option<ScimType> {
    ScimError::from(err).scim_type()
}

/// `meta.location` and the `$ref` of members and groups depend on the address the server is
/// reached at, which the store does not know: refused, whatever the operator (even `pr`).
fn address_dependent_attributes_are_invalid_filters(store: &dyn Store) {
    let tenant = tenant(store);
    let alice = user(store, &tenant, "alice@example.com");
    crate::conformance::group(store, &tenant, "Admins", &[&id(&alice)]);
    for (kind, filter) in [
        (
            "User",
            r#"meta.location eq "https://example.com/v2/Users/1""#,
        ),
        ("User", "meta.location pr"),
        ("User", "meta.location eq null"),
        ("User", r#"meta[location sw "https"]"#),
        ("User", "groups.$ref pr"),
        (
            "Group",
            r#"members.$ref eq "https://example.com/v2/Users/1""#,
        ),
        ("Group", "members[$ref pr]"),
        (
            "Group",
            r#"displayName eq "Admins" or members.$ref co "Users""#,
        ),
    ] {
        let err = query(store, &tenant, kind, filter).unwrap_err();
        let scim = ScimError::from(err);
        assert_eq!(scim.status(), 400, "{filter}");
        assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter), "{filter}");
    }
    // What the store does know still runs: meta is always present, a manager's $ref is part of
    // the document.
    assert_eq!(query(store, &tenant, "User", "meta pr").unwrap().len(), 1);
    assert_eq!(
        query(store, &tenant, "User", "meta[created pr and version pr]")
            .unwrap()
            .len(),
        1
    );
    assert!(
        query(
            store,
            &tenant,
            "User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref pr"
        )
        .unwrap()
        .is_empty()
    );
}

/// PostgreSQL can hold no U+0000 in text: writes refuse it for both backends as the client's
/// error (it was a 500 on PostgreSQL), and filters with one are answered exactly.
fn nul_characters_are_refused_on_write_and_answered_in_filters(store: &dyn Store) {
    let tenant = tenant(store);
    for body in [
        json!({"userName": "nul\u{0}@example.com"}),
        json!({"userName": "x@example.com", "emails": [{"value": "a\u{0}b@example.com"}]}),
        json!({"userName": "y@example.com",
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "\u{0}"}}),
    ] {
        let err = store
            .create(Actor::tenant(&tenant), "User", &body)
            .unwrap_err();
        assert_eq!(scim_type(err), Some(ScimType::InvalidValue), "{body}");
    }
    let b = id(&user(store, &tenant, "b"));
    let bz = id(&user(store, &tenant, "bz"));
    let c = id(&user(store, &tenant, "c"));
    let title = json!("a\u{0}");
    let err = store
        .patch(
            Actor::tenant(&tenant),
            "User",
            &b,
            &[Operation {
                op: OpKind::Replace,
                path: Some("title"),
                value: Some(&title),
            }],
            None,
            ReadOptions::FULL,
        )
        .unwrap_err();
    assert_eq!(scim_type(err), Some(ScimType::InvalidValue));
    let err = store
        .replace(
            Actor::tenant(&tenant),
            "User",
            &b,
            &json!({"userName": "b\u{0}"}),
            None,
        )
        .unwrap_err();
    assert_eq!(scim_type(err), Some(ScimType::InvalidValue));
    assert_eq!(
        store
            .get(&tenant, "User", &b, ReadOptions::FULL)
            .unwrap()
            .version,
        Version::new(1)
    );
    assert_eq!(
        store.events(&tenant, 0, 100).unwrap().len(),
        3,
        "refused writes leave no event"
    );

    let ask = |filter: &str| {
        let mut ids = query(store, &tenant, "User", filter).unwrap();
        ids.sort();
        ids
    };
    let mut all = vec![b.clone(), bz.clone(), c.clone()];
    all.sort();
    assert!(ask(r#"userName eq "b\u0000""#).is_empty());
    assert!(ask(r#"userName co "\u0000""#).is_empty());
    assert!(ask(r#"userName sw "b\u0000""#).is_empty());
    assert_eq!(ask(r#"userName ne "b\u0000""#), all);
    // "b" < "b\0" < "bz": a value with a NUL orders like its part before the NUL.
    let mut above = vec![bz.clone(), c.clone()];
    above.sort();
    assert_eq!(ask(r#"userName gt "b\u0000""#), above);
    assert_eq!(ask(r#"userName ge "b\u0000z""#), above);
    assert_eq!(ask(r#"userName lt "b\u0000""#), [b.as_str()]);
    assert_eq!(ask(r#"userName le "b\u0000z""#), [b]);
}

/// An id with U+0000 (say from `GET /Users/a%00b`) names nothing: not found, or an unknown
/// member, on every backend (PostgreSQL failed to bind it: a 500).
fn ids_with_nul_name_nothing(store: &dyn Store) {
    let tenant = tenant(store);
    let alice = id(&user(store, &tenant, "alice@example.com"));
    let group = id(&crate::conformance::group(
        store,
        &tenant,
        "Admins",
        &[&alice],
    ));
    let nul = "a\u{0}b";
    assert!(matches!(
        store.get(&tenant, "User", nul, ReadOptions::FULL),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.replace(
            Actor::tenant(&tenant),
            "User",
            nul,
            &json!({"userName": "x"}),
            None
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.patch(
            Actor::tenant(&tenant),
            "User",
            nul,
            &[],
            None,
            ReadOptions::FULL
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(Actor::tenant(&tenant), "User", nul, None),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.set_protected(&tenant, nul, true),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.token(nul).unwrap().is_none());
    assert!(
        !store
            .revoke_token(nul, &scim_store::EventActor::Cli)
            .unwrap()
    );
    let members = json!([{"value": nul}]);
    for kind in [OpKind::Add, OpKind::Replace] {
        let err = store
            .patch(
                Actor::tenant(&tenant),
                "Group",
                &group,
                &[Operation {
                    op: kind,
                    path: Some("members"),
                    value: Some(&members),
                }],
                None,
                ReadOptions::FULL,
            )
            .unwrap_err();
        assert_eq!(scim_type(err), Some(ScimType::InvalidValue), "{kind:?}");
    }
    let removed = store
        .patch(
            Actor::tenant(&tenant),
            "Group",
            &group,
            &[Operation {
                op: OpKind::Remove,
                path: Some("members"),
                value: Some(&members),
            }],
            None,
            ReadOptions::FULL,
        )
        .unwrap();
    assert_eq!(crate::conformance::member_ids(&removed), [alice]);
}

/// PostgreSQL's `right()` takes an `int4`: `ew` bound a `BIGINT` and failed with "function
/// right(text, bigint) does not exist" on every query.
fn ends_with_filters_run(store: &dyn Store) {
    let tenant = tenant(store);
    let jensen = id(&user(store, &tenant, "BJensen@Example.COM"));
    user(store, &tenant, "jensen@example.org");
    assert_eq!(
        query(store, &tenant, "User", r#"userName ew "@EXAMPLE.com""#).unwrap(),
        [jensen]
    );
    assert!(
        query(
            store,
            &tenant,
            "User",
            r#"userName ew "a much longer suffix than any""#
        )
        .unwrap()
        .is_empty()
    );
}

/// `meta` lives in columns, not in the document: `meta[...]` matched nothing.
fn meta_value_paths_read_the_columns(store: &dyn Store) {
    let tenant = tenant(store);
    let alice = id(&user(store, &tenant, "alice@example.com"));
    assert_eq!(
        query(
            store,
            &tenant,
            "User",
            r#"meta[resourceType eq "User" and version eq "W/\"1\""]"#
        )
        .unwrap(),
        [alice]
    );
    assert!(
        query(store, &tenant, "User", "not (meta[version pr])")
            .unwrap()
            .is_empty()
    );
}

crate::on_every_backend!(
    address_dependent_attributes_are_invalid_filters,
    nul_characters_are_refused_on_write_and_answered_in_filters,
    ends_with_filters_run,
    meta_value_paths_read_the_columns,
    ids_with_nul_name_nothing,
);

/// The stores a test needs its own of: SQLite, PostgreSQL and PostgreSQL with an ICU collation.
fn own_stores(builder: impl Fn() -> StoreBuilder) -> Vec<(&'static str, Arc<dyn Store>)> {
    let mut stores = vec![("sqlite", sqlite_with(builder()))];
    if let Some(store) = postgres_with(builder()) {
        stores.push(("postgres", store));
    }
    if let Some(url) = postgres_icu_url() {
        stores.push(("postgres-icu", postgres_at(&url, builder())));
    }
    stores
}

fn create(store: &dyn Store, tenant: &TenantId, kind: &str, body: Value) -> String {
    id(&store.create(Actor::tenant(tenant), kind, &body).unwrap())
}

/// dateTimes in UTC can fall in year -1 and year 10000; chrono writes the latter `+10000`, which
/// sorted before every four-digit year in the search document.
#[test]
fn date_times_order_across_years_minus_1_and_10000() {
    for (name, store) in own_stores(|| StoreBuilder::new(dataset::registry())) {
        let tenant = tenant(&*store);
        let late = create(
            &*store,
            &tenant,
            "Device",
            json!({"seenAt": "9999-12-31T23:30:00-01:00"}),
        );
        let now = create(
            &*store,
            &tenant,
            "Device",
            json!({"seenAt": "2024-01-01T00:00:00Z"}),
        );
        let early = create(
            &*store,
            &tenant,
            "Device",
            json!({"seenAt": "0000-01-01T00:00:00+01:00"}),
        );
        let ask = |filter: &str| query(&*store, &tenant, "Device", filter).unwrap();
        assert_eq!(
            ask(r#"seenAt gt "2024-06-01T00:00:00Z""#),
            [late.as_str()],
            "{name}"
        );
        assert_eq!(
            ask(r#"seenAt lt "0000-06-01T00:00:00Z""#),
            [early.as_str()],
            "{name}"
        );
        assert_eq!(
            ask(r#"seenAt eq "9999-12-31T23:30:00-01:00""#),
            [late.as_str()],
            "{name}"
        );
        assert_eq!(
            sorted(&*store, &tenant, "Device", "seenAt"),
            [early, now, late],
            "{name}"
        );
    }
}

/// Decimals compare as the f64 the evaluator takes (SQLite compared an integer beyond 2^53
/// exactly), and survive storage exactly (serde_json's default float parsing is not correctly
/// rounded: `float_roundtrip`).
#[test]
fn decimals_compare_as_f64_and_round_trip_exactly() {
    for (name, store) in own_stores(|| StoreBuilder::new(dataset::registry())) {
        let tenant = tenant(&*store);
        let big = create(
            &*store,
            &tenant,
            "Device",
            json!({"weight": 9_007_199_254_740_993_i64}),
        );
        let tiny = create(
            &*store,
            &tenant,
            "Device",
            json!({"weight": 1.234_567_890_123_456_7e-300}),
        );
        assert_eq!(
            query(&*store, &tenant, "Device", "weight eq 9007199254740992").unwrap(),
            [big.as_str()],
            "{name}"
        );
        assert!(
            query(&*store, &tenant, "Device", "weight gt 9007199254740992")
                .unwrap()
                .is_empty()
        );
        let read = store
            .get(&tenant, "Device", &tiny, ReadOptions::FULL)
            .unwrap();
        assert_eq!(
            read.resource.as_json()["weight"],
            json!(1.234_567_890_123_456_7e-300),
            "{name}"
        );
        assert_eq!(
            query(
                &*store,
                &tenant,
                "Device",
                "weight lt 1.2345678901234567e-300"
            )
            .unwrap(),
            Vec::<String>::new(),
            "{name}"
        );
    }
}

/// A multi-valued sub-attribute sorts by its first value (PostgreSQL cast the JSON array text
/// to numeric and failed; SQLite sorted the array's text).
#[test]
fn multi_valued_sub_attributes_sort_by_their_first_value() {
    for (name, store) in own_stores(|| StoreBuilder::new(dataset::registry())) {
        let tenant = tenant(&*store);
        let ten = create(
            &*store,
            &tenant,
            "Device",
            json!({"slots": [{"sizes": [10, 1]}], "owner": {"codes": ["b", "a"]}}),
        );
        let nine = create(
            &*store,
            &tenant,
            "Device",
            json!({"slots": [{"sizes": [9, 99]}], "owner": {"codes": ["c"]}}),
        );
        assert_eq!(
            sorted(&*store, &tenant, "Device", "slots.sizes"),
            [nine.clone(), ten.clone()],
            "{name}"
        );
        assert_eq!(
            sorted(&*store, &tenant, "Device", "owner.codes"),
            [ten, nine],
            "{name}"
        );
    }
}

/// Members are listed, and sort, in byte order of their ids on every database: PostgreSQL
/// ordered by the database's collation (ICU `en-US` puts `a2` before `B1`). And sorting by a
/// member's `display` sorts by that display, not by the member's id.
#[test]
fn members_order_does_not_depend_on_the_collation() {
    let ids = Arc::new(QueuedIds::default());
    for (name, store) in
        own_stores(|| StoreBuilder::new(SchemaRegistry::standard()).ids(ids.clone()))
    {
        let tenant = tenant(&*store);
        for (id, user_name) in [("a2", "amy@example.com"), ("B1", "zed@example.com")] {
            ids.next_is(id);
            create(&*store, &tenant, "User", json!({"userName": user_name}));
        }
        ids.next_is("g1");
        create(
            &*store,
            &tenant,
            "Group",
            json!({"displayName": "Both", "members": [{"value": "a2"}, {"value": "B1"}]}),
        );
        ids.next_is("g2");
        create(
            &*store,
            &tenant,
            "Group",
            json!({"displayName": "Zed", "members": [{"value": "a2"}]}),
        );
        let both = store
            .get(&tenant, "Group", "g1", ReadOptions::FULL)
            .unwrap();
        let listed: Vec<&str> = both.resource.as_json()["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_str().unwrap())
            .collect();
        assert_eq!(listed, ["B1", "a2"], "{name}");
        assert_eq!(
            sorted(&*store, &tenant, "User", "id"),
            ["B1", "a2"],
            "{name}"
        );
        // g1's first member is B1 (zed), g2's is a2 (amy).
        assert_eq!(
            sorted(&*store, &tenant, "Group", "members.display"),
            ["g2", "g1"],
            "{name}"
        );
    }
}

/// Database failures are typed errors that map to 500/503 without the database's words.
#[test]
fn database_failures_are_typed_errors() {
    // A database that cannot be opened.
    let file = std::env::temp_dir().join(unique("not-a-directory"));
    std::fs::write(&file, b"").unwrap();
    let err = StoreBuilder::new(SchemaRegistry::standard())
        .open(&format!("sqlite://{}/scim.db", file.display()))
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert_eq!(ScimError::from(err).status(), 503);

    // A broken schema: the write fails as a whole, as a database error.
    let (store, path) = sqlite_file(StoreBuilder::new(SchemaRegistry::standard()));
    let tenant = tenant(&*store);
    {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, SqliteConnection};
        let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        raw.batch_execute("DROP TABLE events").unwrap();
    }
    let err = store
        .create(
            Actor::tenant(&tenant),
            "User",
            &json!({"userName": "lost@example.com"}),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    let scim = ScimError::from(err);
    assert_eq!(scim.status(), 500);
    assert_eq!(scim.scim_type(), None);
    assert!(
        store
            .query(&tenant, "User", &Query::default(), ReadOptions::FULL)
            .unwrap()
            .resources
            .is_empty(),
        "the failed write left nothing behind"
    );
}

/// A stored document that is not a JSON object is reported as corrupt, on every backend.
#[test]
fn corrupt_documents_are_typed_errors() {
    let (store, path) = sqlite_file(StoreBuilder::new(SchemaRegistry::standard()));
    let tenant = tenant(&*store);
    let victim = id(&user(&*store, &tenant, "victim@example.com"));
    {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, SqliteConnection};
        let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        raw.batch_execute(&format!(
            "UPDATE resources SET data = '[1]' WHERE id = '{victim}'"
        ))
        .unwrap();
    }
    assert_corrupt(&*store, &tenant, &victim);

    let Some(url) = postgres_url() else { return };
    let store = postgres_with(StoreBuilder::new(SchemaRegistry::standard())).unwrap();
    let tenant = crate::backends::tenant(&*store);
    let victim = id(&user(&*store, &tenant, "victim@example.com"));
    {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, PgConnection};
        let mut raw = PgConnection::establish(&url).unwrap();
        raw.batch_execute(&format!(
            "UPDATE resources SET data = '[1]'::jsonb WHERE tenant_id = '{tenant}' AND id = '{victim}'"
        ))
        .unwrap();
    }
    assert_corrupt(&*store, &tenant, &victim);
}

fn assert_corrupt(store: &dyn Store, tenant: &TenantId, id: &str) {
    let err = store
        .get(tenant, "User", id, ReadOptions::FULL)
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(ScimError::from(err).status(), 500);
    let err = store
        .query(tenant, "User", &Query::default(), ReadOptions::FULL)
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

/// Pooled connections are not tested on checkout (a round trip per call): a read that finds its
/// connection closed by the server runs again on a new one instead of failing.
#[test]
fn reads_survive_the_server_closing_pooled_connections() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    let Some(url) = postgres_url() else { return };
    // Only this store's connections carry this name, so only they are closed.
    let name = unique("reconnect");
    let separator = if url.contains('?') { '&' } else { '?' };
    let store = postgres_at(
        &format!("{url}{separator}application_name={name}"),
        StoreBuilder::new(SchemaRegistry::standard()),
    );
    let tenant = crate::backends::tenant(&*store);
    let ada = id(&user(&*store, &tenant, "ada@example.com"));
    let mut admin = PgConnection::establish(&url).unwrap();
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
        ))
        .unwrap();
    let read = store.get(&tenant, "User", &ada, ReadOptions::FULL).unwrap();
    assert_eq!(read.resource.id(), Some(ada.as_str()));
    let page = store
        .query(&tenant, "User", &Query::default(), ReadOptions::FULL)
        .unwrap();
    assert_eq!(page.total_results, 1);
    assert!(store.tenant(&tenant).unwrap().is_some());
}

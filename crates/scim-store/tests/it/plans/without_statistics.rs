//! The lookups of a first import read through their index from the first request, whatever
//! the planner's statistics say: on a table that was never analysed (a new database), and on
//! one analysed before the tenant existed (a new tenant in a shared database).
//!
//! PostgreSQL chooses indexes by statistics. Without them it took the tenant's rows to be a
//! handful, so a scan of all of them through `resources_in_order` (or through any index that
//! begins with the tenant) cost as little as the lookup, and a `userName` lookup on 10,000
//! fresh users read all 10,000 (docs/decisions/0005-point-lookups-without-statistics.md).
//! SQLite, whose planner prefers the index that matches the most columns, is held to the same.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use scim_core::message::{PatchOperation, PatchRequest};
use scim_core::schema::SchemaRegistry;
use scim_store::{
    Actor, PostgresStore, Query, ReadOptions, SqliteStore, Store, StoreBuilder, TenantId,
    TenantSettings,
};
use serde_json::{Value, json};

use crate::backends::{postgres_throwaway, unique};

/// As many users as the first import of the measurement that found the problem.
const USERS: usize = 10_000;

/// Groups of the tenant; each holds `USERS / GROUPS` users.
const GROUPS: usize = 100;

/// A tenant as a first import leaves it: `USERS` users in `GROUPS` groups.
struct Provisioned {
    tenant: TenantId,
    user_id: String,
    user_name: String,
    external_id: String,
    /// The group `user_id` is a member of.
    group_id: String,
    group_name: String,
}

fn provision(store: &dyn Store, name: &str) -> Provisioned {
    let tenant = TenantId::new(name).unwrap();
    store
        .create_tenant(&tenant, &TenantSettings::default())
        .unwrap();
    let mut ids = Vec::with_capacity(USERS);
    for first in (0..USERS).step_by(1_000) {
        let bodies: Vec<Value> = (first..first + 1_000)
            .map(|n| {
                json!({
                    "userName": format!("user{n:05}@example.com"),
                    "externalId": format!("00u{n:05}"),
                    "displayName": format!("User {n}"),
                    "emails": [{"value": format!("user{n:05}@example.com"), "type": "work"}],
                    "active": true,
                })
            })
            .collect();
        let created = store
            .create_many(Actor::tenant(&tenant), "User", &bodies)
            .unwrap();
        ids.extend(
            created
                .into_iter()
                .map(|c| c.resource.id().unwrap().to_owned()),
        );
    }
    let mut groups = Vec::with_capacity(GROUPS);
    for (g, members) in ids.chunks(USERS / GROUPS).enumerate() {
        let group = store
            .create(
                Actor::tenant(&tenant),
                "Group",
                &json!({"displayName": format!("Group {g:02}")}),
            )
            .unwrap();
        let group_id = group.resource.id().unwrap().to_owned();
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let request = PatchRequest::new(vec![PatchOperation::add(
            Some("members".into()),
            Value::Array(members),
        )])
        .unwrap();
        let operations: Vec<_> = request.as_operations().collect();
        store
            .patch(
                Actor::tenant(&tenant),
                "Group",
                &group_id,
                &operations,
                None,
                ReadOptions::DOCUMENT_ONLY,
            )
            .unwrap();
        groups.push(group_id);
    }
    let n = USERS / 2;
    let g = n / (USERS / GROUPS);
    Provisioned {
        tenant,
        user_id: ids[n].clone(),
        user_name: format!("USER{n:05}@example.com"),
        external_id: format!("00u{n:05}"),
        group_id: groups[g].clone(),
        group_name: format!("GROUP {g:02}"),
    }
}

/// The indexes a lookup must read through.
#[derive(Debug, Clone, Copy)]
enum Index {
    ById,
    ByName,
    ByExternalId,
    /// A user's groups.
    GroupsOfMember,
    /// A group's members: the primary key of `memberships`.
    MembersOfGroup,
}

/// The store under test, concrete so that its plans can be asked for.
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Backend {
    fn store(&self) -> &dyn Store {
        match self {
            Self::Sqlite(s) => s,
            Self::Postgres(s) => s,
        }
    }

    fn query_plan(&self, tenant: &TenantId, resource_type: &str, filter: &str) -> Vec<String> {
        let query = Query::filtered(filter).unwrap();
        match self {
            Self::Sqlite(s) => s.explain_query(tenant, resource_type, &query, false),
            Self::Postgres(s) => s.explain_query(tenant, resource_type, &query, false),
        }
        .unwrap()
        .plan
    }

    fn get_plan(&self, tenant: &TenantId, resource_type: &str, id: &str) -> Vec<String> {
        match self {
            Self::Sqlite(s) => s.explain_get(tenant, resource_type, id, false),
            Self::Postgres(s) => s.explain_get(tenant, resource_type, id, false),
        }
        .unwrap()
        .plan
    }

    /// Whether a step of `plan` reads through `index`.
    fn reads(&self, plan: &[String], index: Index) -> bool {
        let name = match (self, index) {
            (_, Index::ById) => "resources_by_id",
            (_, Index::ByName) => "resources_by_name",
            (_, Index::ByExternalId) => "resources_by_external_id",
            (_, Index::GroupsOfMember) => "memberships_by_member",
            (Self::Postgres(_), Index::MembersOfGroup) => "memberships_pkey",
            // SQLite names the primary key of a table without rowid by what it searches.
            (Self::Sqlite(_), Index::MembersOfGroup) => {
                "USING PRIMARY KEY (tenant_id=? AND group_id=?"
            }
        };
        plan.iter().any(|step| step.contains(name))
    }

    /// A step of `plan` that reads a tenant's rows rather than looking rows up: a scan of a
    /// whole table, or a read through the index of listings.
    fn scan<'p>(&self, plan: &'p [String]) -> Option<&'p String> {
        plan.iter().find(|step| {
            step.contains("resources_in_order")
                || match self {
                    Self::Postgres(_) => {
                        step.contains("Seq Scan on resources")
                            || step.contains("Seq Scan on memberships")
                    }
                    // SCAN <alias> of a table; SCAN of a subquery's rows (c, pg) is no read of a
                    // table.
                    Self::Sqlite(_) => {
                        let mut words = step.split_whitespace();
                        words.next() == Some("SCAN")
                            && words
                                .next()
                                .is_some_and(|alias| !matches!(alias, "c" | "pg"))
                    }
                }
        })
    }
}

/// Checks the plan of every lookup an identity provider makes after a first import.
fn check_lookups(backend: &Backend, p: &Provisioned, scenario: &str) {
    let t = &p.tenant;
    let lookups: Vec<(String, Vec<String>, Vec<Index>)> = vec![
        (
            format!("User userName eq {:?}", p.user_name),
            backend.query_plan(t, "User", &format!("userName eq {:?}", p.user_name)),
            vec![Index::ByName, Index::GroupsOfMember],
        ),
        (
            format!("User externalId eq {:?}", p.external_id),
            backend.query_plan(t, "User", &format!("externalId eq {:?}", p.external_id)),
            vec![Index::ByExternalId, Index::GroupsOfMember],
        ),
        (
            format!("User id eq {:?}", p.user_id),
            backend.query_plan(t, "User", &format!("id eq {:?}", p.user_id)),
            vec![Index::ById, Index::GroupsOfMember],
        ),
        (
            format!("Group displayName eq {:?}", p.group_name),
            backend.query_plan(t, "Group", &format!("displayName eq {:?}", p.group_name)),
            vec![Index::ByName, Index::MembersOfGroup],
        ),
        (
            // Whether a user is a member of a group.
            "Group id eq ... and members[value eq ...]".to_owned(),
            backend.query_plan(
                t,
                "Group",
                &format!(
                    "id eq {:?} and members[value eq {:?}]",
                    p.group_id, p.user_id
                ),
            ),
            vec![Index::ById, Index::MembersOfGroup],
        ),
        (
            "GET /Users/{id}".to_owned(),
            backend.get_plan(t, "User", &p.user_id),
            vec![Index::ById, Index::GroupsOfMember],
        ),
        (
            "GET /Groups/{id}".to_owned(),
            backend.get_plan(t, "Group", &p.group_id),
            vec![Index::ById, Index::MembersOfGroup],
        ),
    ];
    for (lookup, plan, indexes) in lookups {
        for index in indexes {
            assert!(
                backend.reads(&plan, index),
                "{scenario}: {lookup} does not read through {index:?}:\n{}",
                plan.join("\n")
            );
        }
        if let Some(step) = backend.scan(&plan) {
            panic!("{scenario}: {lookup} scans ({step}):\n{}", plan.join("\n"));
        }
    }
}

fn builder() -> StoreBuilder {
    StoreBuilder::new(SchemaRegistry::standard()).max_connections(4)
}

#[test]
fn sqlite_lookups_read_their_index_without_statistics() {
    let path = std::env::temp_dir().join(format!("{}.db", unique("plans")));
    let url = format!("sqlite://{}", path.display());
    let backend = Backend::Sqlite(builder().open_sqlite(&url).unwrap());
    let fresh = provision(backend.store(), "fresh");
    check_lookups(&backend, &fresh, "never analysed");
    let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    raw.batch_execute("ANALYZE").unwrap();
    let newcomer = provision(backend.store(), "newcomer");
    check_lookups(&backend, &newcomer, "analysed before the tenant existed");
    drop(backend);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn postgres_lookups_read_their_index_without_statistics() {
    let Some(database) = postgres_throwaway("plans") else {
        return;
    };
    let backend = Backend::Postgres(builder().open_postgres(&database.url).unwrap());
    let mut raw = PgConnection::establish(&database.url).unwrap();
    // Statistics change only when this test says: autovacuum (on by default, off on some test
    // servers) would analyse the tables at its own moment.
    raw.batch_execute(
        "ALTER TABLE resources SET (autovacuum_enabled = false);
         ALTER TABLE memberships SET (autovacuum_enabled = false);",
    )
    .unwrap();
    let reltuples = |raw: &mut PgConnection| -> f64 {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Double>(
            "(SELECT reltuples::float8 FROM pg_class WHERE oid = 'resources'::regclass)",
        ))
        .get_result(raw)
        .unwrap()
    };

    let fresh = provision(backend.store(), "fresh");
    // -1: never analysed.
    assert!(reltuples(&mut raw) < 0.0, "the table was analysed");
    check_lookups(&backend, &fresh, "never analysed");

    raw.batch_execute("ANALYZE").unwrap();
    let newcomer = provision(backend.store(), "newcomer");
    // The statistics still describe the first tenant alone.
    assert!(
        reltuples(&mut raw) < 1.5 * USERS as f64,
        "the table was analysed again"
    );
    check_lookups(&backend, &newcomer, "analysed before the tenant existed");
}

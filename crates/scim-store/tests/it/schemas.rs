//! A store inside a product's own PostgreSQL database, in a schema of its own: its tables, its
//! migrations and its data stay there, beside the product's tables and other stores' schemas.

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_query};
use scim_core::schema::SchemaRegistry;
use scim_store::{Actor, Store, StoreBuilder, StoreError, TenantId, TenantSettings};
use serde_json::json;

use crate::backends::OwnPostgresDatabase;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn schemas_with_resources(url: &str) -> Vec<String> {
    let mut conn = PgConnection::establish(url).unwrap();
    let mut names: Vec<String> = sql_query(
        "SELECT table_schema AS name FROM information_schema.tables WHERE table_name = 'resources'",
    )
    .load::<Name>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect();
    names.sort();
    names
}

fn open(url: &str, schema: Option<&str>) -> std::sync::Arc<dyn Store> {
    let builder = StoreBuilder::new(SchemaRegistry::standard()).max_connections(2);
    let builder = match schema {
        Some(schema) => builder.schema(schema),
        None => builder,
    };
    builder.open(url).unwrap()
}

fn user_names(store: &dyn Store, tenant: &TenantId) -> Vec<String> {
    store
        .query(
            tenant,
            "User",
            &scim_store::Query::default(),
            scim_store::ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap()
        .resources
        .iter()
        .map(|r| {
            r.resource.as_json()["userName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn stores_in_the_default_schema_and_in_named_ones_keep_apart() {
    let Some(database) = OwnPostgresDatabase::create() else {
        return;
    };
    // The product's own table, which the store must leave alone.
    let mut conn = PgConnection::establish(&database.url).unwrap();
    sql_query("CREATE TABLE product_accounts (id TEXT PRIMARY KEY)")
        .execute(&mut conn)
        .unwrap();

    let default = open(&database.url, None);
    let scim = open(&database.url, Some("scim"));
    let other = open(&database.url, Some("scim_staging"));
    assert_eq!(
        schemas_with_resources(&database.url),
        ["public", "scim", "scim_staging"]
    );
    let acme = TenantId::new("acme").unwrap();
    for (store, name) in [(&default, "public"), (&scim, "scim"), (&other, "staging")] {
        store
            .create_tenant(&acme, &TenantSettings::default())
            .unwrap();
        store
            .create(
                Actor::tenant(&acme),
                "User",
                &json!({"userName": format!("{name}@example.com")}),
            )
            .unwrap();
    }
    assert_eq!(user_names(&*default, &acme), ["public@example.com"]);
    assert_eq!(user_names(&*scim, &acme), ["scim@example.com"]);
    assert_eq!(user_names(&*other, &acme), ["staging@example.com"]);

    // The product can join its tables to the store's, by schema.
    sql_query("INSERT INTO product_accounts VALUES ('acme')")
        .execute(&mut conn)
        .unwrap();
    let joined: Vec<Name> = sql_query(
        "SELECT r.data->>'userName' AS name FROM scim.resources r \
         JOIN product_accounts a ON a.id = r.tenant_id",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(joined.len(), 1);
    assert_eq!(joined[0].name, "scim@example.com");

    // Opened again, a named schema is migrated already and keeps its data.
    drop(scim);
    assert_eq!(
        user_names(&*open(&database.url, Some("scim")), &acme),
        ["scim@example.com"]
    );
}

#[test]
fn a_schema_name_that_cannot_be_used_is_refused() {
    let Some(database) = OwnPostgresDatabase::create() else {
        return;
    };
    for bad in ["", "Scim", "1scim", "scim; DROP TABLE x", &"s".repeat(64)] {
        let opened = StoreBuilder::new(SchemaRegistry::standard())
            .schema(bad)
            .open(&database.url);
        assert!(
            matches!(opened, Err(StoreError::Configuration(_))),
            "{bad:?}"
        );
    }
    let with_options = format!("{}?options=-cstatement_timeout%3D0", database.url);
    assert!(matches!(
        StoreBuilder::new(SchemaRegistry::standard())
            .schema("scim")
            .open(&with_options),
        Err(StoreError::Configuration(_))
    ));
}

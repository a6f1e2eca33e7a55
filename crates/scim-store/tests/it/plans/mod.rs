//! The plans the databases choose for the lookups identity providers make, checked by their
//! shape: which index a statement reads, never how long it takes.

mod without_statistics;

use scim_core::schema::SchemaRegistry;
use scim_store::{Actor, AdminStore, Query, ResourceStore, StoreBuilder, TenantId, TenantSettings};
use serde_json::json;

/// Entra ID finds a user by work email; SQLite cannot index inside `data_ci`'s arrays, so the
/// lookup goes through `resource_values` and reads only the rows that hold the address.
#[test]
fn lookups_by_a_multi_valued_string_read_the_value_index() {
    let store = StoreBuilder::new(SchemaRegistry::standard())
        .open_sqlite("sqlite::memory:")
        .unwrap();
    let tenant = TenantId::new("acme").unwrap();
    store
        .create_tenant(&tenant, &TenantSettings::default())
        .unwrap();
    store
        .create(
            Actor::tenant(&tenant),
            "User",
            &json!({"userName": "bjensen", "emails": [{"value": "BJ@Example.com", "type": "work"}]}),
        )
        .unwrap();
    for filter in [
        r#"emails[type eq "work" and value eq "bj@example.com"]"#,
        r#"emails.value eq "BJ@example.com""#,
        r#"userType eq "Employee" and phoneNumbers[value eq "+1 555 0100"]"#,
    ] {
        let query = Query::filtered(filter).unwrap();
        let plan = store.explain_query(&tenant, "User", &query, false).unwrap();
        assert!(
            plan.plan
                .iter()
                .any(|step| step.contains("resource_values_by_value")),
            "{filter}: {:#?}",
            plan.plan
        );
        // `resources` is reached by the sequence numbers the lookup lists, not scanned.
        let reads_of_r: Vec<&String> = plan
            .plan
            .iter()
            .filter(|step| step.trim_start().starts_with("SEARCH r "))
            .collect();
        assert!(
            !reads_of_r.is_empty() && reads_of_r.iter().all(|step| step.contains("seq=?")),
            "{filter}: {:#?}",
            plan.plan
        );
    }
}

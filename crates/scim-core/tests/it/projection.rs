//! Attribute projection on resources that went through validation.

use scim_core::projection::Projection;
use scim_core::resource::{Resource, User};
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::{Value, json};

use crate::test_data;

#[test]
fn entra_reads_a_group_without_members() {
    let registry = SchemaRegistry::standard();
    let groups = registry.resource_type("Group").unwrap();
    let mut group = Validator::new(&registry, groups)
        .unwrap()
        .create(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Sales",
            "members": [{"value": "u-1"}, {"value": "u-2"}]
        }))
        .unwrap()
        .resource;
    group.set_id("g-1");
    let projection = Projection::new(&registry, groups, None, Some("members")).unwrap();
    assert!(!projection.includes(None, "members"));
    assert_eq!(
        Value::Object(projection.apply(&group)),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Sales",
            "id": "g-1"
        })
    );
}

#[test]
fn attributes_keep_the_minimum_set() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let mut user = Validator::new(&registry, users)
        .unwrap()
        .create(&json!({
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "password": "t1meMa$heen",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours"}
        }))
        .unwrap()
        .resource;
    user.set_id("u-1");
    let projection =
        Projection::new(&registry, users, Some("name.familyName,password"), None).unwrap();
    let out = Value::Object(projection.apply(&user));
    assert_eq!(out["id"], "u-1");
    assert_eq!(out["name"], json!({"familyName": "Jensen"}));
    assert!(out.get("password").is_none());
    assert!(out.get("userName").is_none());
    assert!(
        out.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            .is_none()
    );
    assert_eq!(out["schemas"].as_array().map(Vec::len), Some(2));
}

fn rfc_user() -> Resource {
    let user = User::try_from(test_data("resources/rfc7643-8.3-user-enterprise.json")).unwrap();
    Resource::from(user)
}

#[test]
fn projection_of_the_rfc7643_user() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let babs = rfc_user();
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let projection = Projection::new(
        &registry,
        users,
        Some(&format!(
            "userName,name.givenName,{enterprise}:manager,meta.lastModified"
        )),
        Some("password"),
    )
    .unwrap();
    let out = Value::Object(projection.apply(&babs));
    assert_eq!(
        out,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", enterprise],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara"},
            "meta": {"lastModified": "2011-05-13T04:42:34Z"},
            enterprise: {"manager": babs.as_json()[enterprise]["manager"].clone()}
        })
    );
    // Without parameters, everything but the password (which a Resource never holds).
    let all = Projection::defaults(&registry, users).apply(&babs);
    assert_eq!(&all, babs.as_json());
}

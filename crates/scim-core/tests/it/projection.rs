//! Attribute projection on resources that went through validation.

use scim_core::projection::Projection;
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::{Value, json};

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

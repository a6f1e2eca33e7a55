//! Validation of the documents real identity providers send on create and replace.

use scim_core::schema::{SchemaRegistry, urn};
use scim_core::validate::{Validated, Validator};
use serde_json::{Value, json};

fn validate(resource_type: &str, body: Value) -> Validated {
    let registry = SchemaRegistry::standard();
    let rt = registry.resource_type(resource_type).unwrap();
    Validator::new(&registry, rt)
        .unwrap()
        .create(&body)
        .unwrap()
}

#[test]
fn okta_create_user() {
    let validated = validate(
        "User",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "isabella.jones@example.com",
            "name": {"givenName": "Isabella", "familyName": "Jones"},
            "emails": [{"primary": true, "value": "isabella.jones@example.com", "type": "work"}],
            "displayName": "Isabella Jones",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq",
            "active": true
        }),
    );
    assert_eq!(validated.write_only.password(), Some("1mz050nq"));
    assert_eq!(
        Value::Object(validated.resource.into_json()),
        json!({
            "schemas": [urn::USER],
            "externalId": "00ujl29u0le5T6Aj10h7",
            "userName": "isabella.jones@example.com",
            "name": {"familyName": "Jones", "givenName": "Isabella"},
            "displayName": "Isabella Jones",
            "locale": "en-US",
            "active": true,
            "emails": [{"value": "isabella.jones@example.com", "type": "work", "primary": true}]
        })
    );
}

#[test]
fn entra_create_user() {
    let validated = validate(
        "User",
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "active": "True",
            "emails": [{"primary": "True", "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "1",
                "department": "Sales",
                "manager": "e2fd1a58-d5c5-4d2b-9a77-5d7ec0f9c1d0"
            }
        }),
    );
    let json = Value::Object(validated.resource.into_json());
    assert_eq!(json["active"], json!(true));
    assert_eq!(json["emails"][0]["primary"], json!(true));
    assert_eq!(json["roles"][0]["primary"], json!(true));
    assert_eq!(
        json[urn::ENTERPRISE_USER]["manager"],
        json!({"value": "e2fd1a58-d5c5-4d2b-9a77-5d7ec0f9c1d0"})
    );
    assert_eq!(json["schemas"], json!([urn::USER, urn::ENTERPRISE_USER]));
    assert!(json.get("meta").is_none());
}

#[test]
fn entra_create_group_with_its_own_schema_urn() {
    let validated = validate(
        "Group",
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"}
        }),
    );
    assert_eq!(
        Value::Object(validated.resource.into_json()),
        json!({
            "schemas": [urn::GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName"
        })
    );
}

#[test]
fn okta_create_group_with_empty_members() {
    let validated = validate(
        "Group",
        json!({"schemas": [urn::GROUP], "displayName": "Test SCIMv2", "members": []}),
    );
    assert_eq!(
        Value::Object(validated.resource.into_json()),
        json!({"schemas": [urn::GROUP], "displayName": "Test SCIMv2"})
    );
}

#[test]
fn onelogin_old_core_urn() {
    let validated = validate(
        "User",
        json!({
            "schemas": ["urn:scim:schemas:core:2.0"],
            "userName": "jdoe@example.com",
            "name": {"givenName": "John", "familyName": "Doe"},
            "emails": [{"value": "jdoe@example.com", "primary": true}]
        }),
    );
    assert_eq!(validated.resource.as_json()["schemas"], json!([urn::USER]));
}

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

/// The RFC 7643 §8 examples, read from `test_data/resources/`.
fn rfc_example(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/resources")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn rfc7643_examples_validate_and_stay_canonical() {
    let registry = SchemaRegistry::standard();
    for (file, resource_type) in [
        ("rfc7643-8.1-user-minimal.json", "User"),
        ("rfc7643-8.2-user-full.json", "User"),
        ("rfc7643-8.3-user-enterprise.json", "User"),
        ("rfc7643-8.4-group.json", "Group"),
    ] {
        let example = rfc_example(file);
        let rt = registry.resource_type(resource_type).unwrap();
        let validator = Validator::new(&registry, rt).unwrap();
        let created = validator
            .create(&example)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let json = created.resource.as_json();
        // Read-only attributes are the service provider's: ignored on create.
        for read_only in ["id", "meta", "groups"] {
            assert!(!json.contains_key(read_only), "{file}: {read_only} kept");
        }
        assert!(!json.contains_key("password"), "{file}");
        // Everything else the example carries survives, but for the manager's read-only
        // `displayName`.
        let mut expected = example.clone();
        if let Some(manager) = expected
            .get_mut(urn::ENTERPRISE_USER)
            .and_then(|e| e.get_mut("manager"))
            .and_then(Value::as_object_mut)
        {
            manager.remove("displayName");
        }
        for (key, value) in expected.as_object().unwrap() {
            if ["id", "meta", "groups", "password", "schemas"].contains(&key.as_str()) {
                continue;
            }
            assert_eq!(json.get(key), Some(value), "{file}: {key}");
        }
        assert_eq!(json["schemas"], example["schemas"], "{file}");

        // A replace of the example by itself, given the created resource with its id, keeps it.
        let mut existing = created.resource.clone();
        existing.set_id(example["id"].as_str().unwrap());
        let replaced = validator.replace(&example, &existing).unwrap();
        assert_eq!(replaced.resource, existing, "{file}");
    }
    let full = validate("User", rfc_example("rfc7643-8.2-user-full.json"));
    assert_eq!(full.write_only.password(), Some("t1meMa$heen"));
}

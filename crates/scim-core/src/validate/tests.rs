use serde_json::{Value, json};

use super::*;
use crate::schema::{Attribute, AttributeType, Mutability, urn};
use crate::{ScimError, ScimType};

fn registry() -> SchemaRegistry {
    SchemaRegistry::standard()
}

fn create(rt: &str, body: Value) -> Result<Validated, ValidationError> {
    let registry = registry();
    let rt = registry.resource_type(rt).unwrap();
    Validator::new(&registry, rt)?.create(&body)
}

fn created(rt: &str, body: Value) -> Value {
    Value::Object(create(rt, body).unwrap().resource.into_json())
}

fn error(rt: &str, body: Value) -> (ValidationErrorKind, String) {
    let err = create(rt, body).unwrap_err();
    (err.kind().clone(), err.path().to_owned())
}

#[test]
fn names_are_canonicalised_and_keys_ordered() {
    let user = created(
        "User",
        json!({"NAME": {"GIVENNAME": "Barbara", "familyname": "Jensen"}, "username": "bjensen"}),
    );
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","name":{"familyName":"Jensen","givenName":"Barbara"}}"#
    );
}

#[test]
fn unassigned_values_are_dropped() {
    let user = created(
        "User",
        json!({
            "userName": "b", "nickName": null, "emails": [], "name": {"givenName": null},
            "phoneNumbers": [null], "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {}
        }),
    );
    assert_eq!(user, json!({"schemas": [urn::USER], "userName": "b"}));
}

#[test]
fn read_only_attributes_are_ignored_on_input() {
    let user = created(
        "User",
        json!({
            "userName": "b", "id": "client-chosen", "meta": {"resourceType": "User"},
            "groups": [{"value": "g1"}]
        }),
    );
    assert_eq!(user, json!({"schemas": [urn::USER], "userName": "b"}));
}

#[test]
fn password_is_handed_back_not_stored() {
    let validated = create("User", json!({"userName": "b", "password": "s3cret"})).unwrap();
    assert_eq!(validated.write_only.password(), Some("s3cret"));
    assert!(!validated.resource.as_json().contains_key("password"));
    let (kind, path) = error("User", json!({"userName": "b", "password": 5}));
    assert!(matches!(kind, ValidationErrorKind::WrongType { .. }));
    assert_eq!(path, "password");
}

#[test]
fn required_attributes() {
    assert_eq!(
        error("User", json!({"displayName": "x"})),
        (ValidationErrorKind::Missing, "userName".into())
    );
    assert_eq!(
        error("User", json!({"userName": "  "})),
        (ValidationErrorKind::Missing, "userName".into())
    );
    assert_eq!(
        error("Group", json!({"members": []})),
        (ValidationErrorKind::Missing, "displayName".into())
    );
    created(
        "Group",
        json!({"displayName": "Tour Guides", "members": []}),
    );
}

#[test]
fn type_errors_name_the_attribute() {
    let cases = [
        (json!({"userName": 5}), "userName"),
        (json!({"userName": "b", "active": "maybe"}), "active"),
        (json!({"userName": "b", "name": "Barbara"}), "name"),
        (
            json!({"userName": "b", "name": {"givenName": 1}}),
            "name.givenName",
        ),
        (
            json!({"userName": "b", "emails": [{"display": {}}]}),
            "emails.display",
        ),
        (json!({"userName": "b", "emails": [["a"]]}), "emails"),
        (
            json!({"userName": "b", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": 7}}}),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ),
    ];
    for (body, path) in cases {
        let (kind, got) = error("User", body.clone());
        assert!(
            matches!(kind, ValidationErrorKind::WrongType { .. }),
            "{body}: {kind:?}"
        );
        assert_eq!(got, path, "{body}");
        assert_eq!(kind.scim_type(), Some(ScimType::InvalidValue));
    }
    assert_eq!(
        error(
            "User",
            json!({"userName": "b", "emails": [{"value": ["a"]}]})
        ),
        (ValidationErrorKind::NotMultiValued, "emails.value".into())
    );
    assert_eq!(
        error("User", json!({"userName": ["a"]})),
        (ValidationErrorKind::NotMultiValued, "userName".into())
    );
    assert_eq!(
        error(
            "User",
            json!({"userName": "b", "x509Certificates": [{"value": "not base64!"}]})
        ),
        (
            ValidationErrorKind::InvalidBinary,
            "x509Certificates.value".into()
        )
    );
    assert!(matches!(
        error("User", json!([])).0,
        ValidationErrorKind::NotAnObject(JsonType::Array)
    ));
    assert!(matches!(
        error("User", json!({"userName": "b", "schemas": [1]})).0,
        ValidationErrorKind::WrongType { .. }
    ));
}

#[test]
fn booleans_sent_as_strings_become_booleans() {
    let user = created(
        "User",
        json!({
            "userName": "b", "active": "False",
            "roles": [{"value": "Admin", "primary": "True"}, {"value": "User", "primary": "false"}]
        }),
    );
    assert_eq!(user["active"], json!(false));
    assert_eq!(user["roles"][0]["primary"], json!(true));
    assert_eq!(user["roles"][1]["primary"], json!(false));
}

#[test]
fn only_the_first_primary_stays_primary() {
    let user = created(
        "User",
        json!({"userName": "b", "emails": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": "True"}
        ]}),
    );
    assert_eq!(user["emails"][0]["primary"], json!(true));
    assert_eq!(user["emails"][1]["primary"], json!(false));
}

#[test]
fn manager_shapes() {
    let enterprise = urn::ENTERPRISE_USER;
    let bare = created(
        "User",
        json!({"userName": "b", enterprise: {"manager": "26118915-6090-4610-87e4-49d8ca9f808d"}}),
    );
    assert_eq!(
        bare[enterprise]["manager"],
        json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d"})
    );
    let cleared = created(
        "User",
        json!({"userName": "b", enterprise: {"manager": {"value": "", "displayName": "Boss"}}}),
    );
    assert_eq!(cleared, json!({"schemas": [urn::USER], "userName": "b"}));
    let ref_null = created(
        "Group",
        json!({"displayName": "g", "members": [{"value": "u1", "$ref": null}]}),
    );
    assert_eq!(ref_null["members"], json!([{"value": "u1"}]));
}

#[test]
fn single_value_for_multi_valued_becomes_an_array() {
    let user = created(
        "User",
        json!({"userName": "b", "emails": {"value": "a@x", "type": "work"}, "phoneNumbers": "555"}),
    );
    assert_eq!(user["emails"], json!([{"value": "a@x", "type": "work"}]));
    assert_eq!(user["phoneNumbers"], json!([{"value": "555"}]));
}

#[test]
fn extension_attributes_in_every_spelling() {
    let enterprise = urn::ENTERPRISE_USER;
    let expected = json!({"employeeNumber": "701984", "department": "Tour Operations"});
    let nested = created(
        "User",
        json!({"userName": "b", enterprise: {"employeeNumber": "701984", "department": "Tour Operations"}}),
    );
    let qualified = created(
        "User",
        json!({
            "userName": "b",
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT": "Tour Operations",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984"
        }),
    );
    assert_eq!(nested[enterprise], expected);
    assert_eq!(qualified, nested);
    assert_eq!(nested["schemas"], json!([urn::USER, enterprise]));
    let core_qualified = created(
        "User",
        json!({"urn:ietf:params:scim:schemas:core:2.0:User:userName": "b"}),
    );
    assert_eq!(core_qualified["userName"], "b");
}

#[test]
fn duplicates_are_refused() {
    assert_eq!(
        error("User", json!({"userName": "a", "USERNAME": "b"})),
        (ValidationErrorKind::Duplicate, "userName".into())
    );
    let enterprise = urn::ENTERPRISE_USER;
    let (kind, _) = error(
        "User",
        json!({
            "userName": "a",
            enterprise: {"department": "x"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "y"
        }),
    );
    assert_eq!(kind, ValidationErrorKind::Duplicate);
    assert_eq!(kind.scim_type(), Some(ScimType::InvalidSyntax));
}

#[test]
fn unknown_schemas_and_attributes_are_tolerated_by_default() {
    let group = created(
        "Group",
        json!({
            "schemas": [urn::GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "Sales", "externalId": "e1", "somethingElse": 1,
            "urn:example:unknown:Thing": {"x": 1}
        }),
    );
    assert_eq!(
        group,
        json!({"schemas": [urn::GROUP], "externalId": "e1", "displayName": "Sales"})
    );
    let user = created(
        "User",
        json!({"schemas": ["urn:scim:schemas:core:2.0"], "userName": "b"}),
    );
    assert_eq!(user["schemas"], json!([urn::USER]));
}

#[test]
fn unknown_attributes_can_be_refused() {
    let registry = registry();
    let users = registry.resource_type("User").unwrap();
    let strict = Validator::new(&registry, users)
        .unwrap()
        .unknown_attributes(UnknownAttributes::Reject);
    for (body, path) in [
        (json!({"userName": "b", "shoeSize": 9}), "shoeSize"),
        (json!({"userName": "b", "name": {"nick": "x"}}), "name.nick"),
        (
            json!({"userName": "b", urn::ENTERPRISE_USER: {"shoeSize": 9}}),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize",
        ),
    ] {
        let err = strict.create(&body).unwrap_err();
        assert_eq!(err.kind(), &ValidationErrorKind::Unknown);
        assert_eq!(err.path(), path);
    }
}

fn custom_registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::standard();
    let badge = crate::schema::Schema::new(
        "urn:example:Badge",
        "Badge",
        vec![
            Attribute::new("number", AttributeType::Integer).required(),
            Attribute::new("issued", AttributeType::DateTime),
            Attribute::new("serial", AttributeType::String).mutability(Mutability::Immutable),
            Attribute::new("weight", AttributeType::Decimal),
            Attribute::new("pin", AttributeType::String).mutability(Mutability::WriteOnly),
            Attribute::complex(
                "holder",
                vec![
                    Attribute::new("value", AttributeType::String).required(),
                    Attribute::new("code", AttributeType::String).mutability(Mutability::Immutable),
                ],
            ),
        ],
    )
    .unwrap();
    registry.add_schema(badge).unwrap();
    registry
        .add_resource_type(
            crate::schema::ResourceType::new("Device", "/Devices", urn::GROUP)
                .with_extension("urn:example:Badge", true),
        )
        .unwrap();
    registry
}

#[test]
fn required_extensions_and_their_attributes() {
    let registry = custom_registry();
    let devices = registry.resource_type("Device").unwrap();
    let validator = Validator::new(&registry, devices).unwrap();
    let err = validator.create(&json!({"displayName": "d"})).unwrap_err();
    assert_eq!(err.kind(), &ValidationErrorKind::MissingExtension);
    assert_eq!(err.path(), "urn:example:Badge");
    let err = validator
        .create(
            &json!({"displayName": "d", "urn:example:Badge": {"issued": "2024-01-01T00:00:00Z"}}),
        )
        .unwrap_err();
    assert_eq!(err.kind(), &ValidationErrorKind::Missing);
    assert_eq!(err.path(), "urn:example:Badge:number");
    let err = validator
        .create(&json!({"displayName": "d", "urn:example:Badge": {"number": 1, "holder": {"code": "x"}}}))
        .unwrap_err();
    assert_eq!(err.path(), "urn:example:Badge:holder.value");
    let ok = validator
        .create(&json!({
            "displayName": "d",
            "urn:example:Badge": {"number": 1.0, "weight": 2.5, "pin": "1234", "issued": "2024-01-01T00:00:00Z"}
        }))
        .unwrap();
    assert_eq!(
        ok.resource.as_json()["urn:example:Badge"]["number"],
        json!(1)
    );
    assert_eq!(
        ok.write_only.get("urn:example:Badge:pin"),
        Some(Some(&json!("1234")))
    );
    let err = validator
        .create(&json!({"displayName": "d", "urn:example:Badge": {"number": 1, "issued": "today"}}))
        .unwrap_err();
    assert_eq!(err.kind(), &ValidationErrorKind::InvalidDateTime);
}

#[test]
fn replace_keeps_read_only_and_immutable_values() {
    let registry = custom_registry();
    let devices = registry.resource_type("Device").unwrap();
    let validator = Validator::new(&registry, devices).unwrap();
    let mut existing = validator
        .create(&json!({
            "displayName": "d",
            "urn:example:Badge": {"number": 1, "serial": "S-1", "holder": {"value": "h", "code": "C"}}
        }))
        .unwrap()
        .resource;
    existing.set_id("dev-1");

    // Left out: kept. Same value in another case: passes.
    let replaced = validator
        .replace(
            &json!({"id": "other", "displayName": "e", "urn:example:Badge": {"number": 2, "holder": {"value": "h2"}}}),
            &existing,
        )
        .unwrap()
        .resource;
    let json = replaced.as_json();
    assert_eq!(json["id"], "dev-1");
    assert_eq!(json["urn:example:Badge"]["serial"], "S-1");
    assert_eq!(json["urn:example:Badge"]["holder"]["code"], "C");
    validator
        .replace(
            &json!({"displayName": "e", "urn:example:Badge": {"number": 2, "serial": "s-1"}}),
            &existing,
        )
        .unwrap();

    // Changed: refused.
    for (body, path) in [
        (
            json!({"displayName": "e", "urn:example:Badge": {"number": 2, "serial": "S-2"}}),
            "urn:example:Badge:serial",
        ),
        (
            json!({"displayName": "e", "urn:example:Badge": {"number": 2, "holder": {"value": "h", "code": "D"}}}),
            "urn:example:Badge:holder.code",
        ),
    ] {
        let err = validator.replace(&body, &existing).unwrap_err();
        assert_eq!(err.kind(), &ValidationErrorKind::Immutable);
        assert_eq!(err.path(), path);
        assert_eq!(ScimError::from(err).scim_type(), Some(ScimType::Mutability));
    }
}

#[test]
fn okta_put_with_id_meta_and_groups() {
    let registry = registry();
    let users = registry.resource_type("User").unwrap();
    let validator = Validator::new(&registry, users).unwrap();
    let mut existing = validator
        .create(&json!({"userName": "isabella@example.com", "active": true}))
        .unwrap()
        .resource;
    existing.set_id("23a35c27-23d3-4c03-b4c5-6443c09e7173");
    let replaced = validator
        .replace(
            &json!({
                "schemas": [urn::USER],
                "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
                "userName": "isabella@example.com",
                "name": {"givenName": "Isabella", "familyName": "Jones"},
                "active": false,
                "groups": [],
                "meta": {"resourceType": "User"}
            }),
            &existing,
        )
        .unwrap()
        .resource;
    assert_eq!(replaced.id(), Some("23a35c27-23d3-4c03-b4c5-6443c09e7173"));
    assert_eq!(replaced.as_json()["active"], json!(false));
    assert!(!replaced.as_json().contains_key("groups"));
    assert!(!replaced.as_json().contains_key("meta"));
}

#[test]
fn replace_checks_the_resource_type() {
    let registry = registry();
    let users = registry.resource_type("User").unwrap();
    let groups = registry.resource_type("Group").unwrap();
    let group = Validator::new(&registry, groups)
        .unwrap()
        .create(&json!({"displayName": "g"}))
        .unwrap()
        .resource;
    let err = Validator::new(&registry, users)
        .unwrap()
        .replace(&json!({"userName": "b"}), &group)
        .unwrap_err();
    assert_eq!(err.kind(), &ValidationErrorKind::ResourceTypeMismatch);
    assert_eq!(ScimError::from(err).status(), 500);
}

#[test]
fn unregistered_resource_types_are_a_configuration_error() {
    let registry = registry();
    let stray = crate::schema::ResourceType::new("Device", "/Devices", "urn:example:Device");
    let err = Validator::new(&registry, &stray).unwrap_err();
    assert_eq!(err.kind(), &ValidationErrorKind::UnknownResourceType);
}

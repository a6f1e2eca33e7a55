use serde_json::{Value, json};

use super::filtered::element_from_filter;
use super::*;
use crate::filter::{PatchPath, parse_path};
use crate::schema::urn;

fn user(registry: &SchemaRegistry) -> Resource {
    let users = registry.resource_type("User").unwrap();
    Validator::new(registry, users)
        .unwrap()
        .create(&json!({"userName": "bjensen", "emails": [{"value": "a@x", "type": "work"}]}))
        .unwrap()
        .resource
}

fn op<'a>(op: OpKind, path: Option<&'a str>, value: Option<&'a Value>) -> Operation<'a> {
    Operation { op, path, value }
}

#[test]
fn op_kinds_ignore_case() {
    for (name, kind) in [
        ("add", OpKind::Add),
        ("Add", OpKind::Add),
        ("REPLACE", OpKind::Replace),
        ("Remove", OpKind::Remove),
    ] {
        assert_eq!(OpKind::parse(name), Some(kind));
    }
    assert_eq!(OpKind::parse("test"), None);
    assert_eq!(OpKind::parse(""), None);
}

#[test]
fn elements_are_built_from_eq_filters_only() {
    let element = |path: &str| {
        let PatchPath::Filtered { filter, .. } = parse_path(path).unwrap() else {
            panic!("{path} is not filtered")
        };
        element_from_filter(&filter).map(Value::Object)
    };
    assert_eq!(
        element(r#"emails[type eq "work" and primary eq true]"#),
        Some(json!({"type": "work", "primary": true}))
    );
    assert_eq!(
        element(r#"emails[emails.type eq "work"]"#),
        Some(json!({"type": "work"}))
    );
    for path in [
        r#"emails[type ne "work"]"#,
        r#"emails[type eq "work" or type eq "home"]"#,
        r#"emails[type co "w"]"#,
        r#"emails[type eq "work" and type eq "home"]"#,
        r#"emails[type eq null]"#,
        r#"emails[not (type eq "work")]"#,
    ] {
        assert_eq!(element(path), None, "{path}");
    }
}

#[test]
fn an_empty_path_means_the_resource() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let value = json!({"nickName": "Babs"});
    let outcome = apply_patch(
        &registry,
        users,
        &user(&registry),
        [op(OpKind::Add, Some("  "), Some(&value))],
        &PatchOptions::new(),
    )
    .unwrap();
    assert_eq!(outcome.resource.as_json()["nickName"], "Babs");
}

#[test]
fn write_only_removal_is_reported() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let outcome = apply_patch(
        &registry,
        users,
        &user(&registry),
        [op(OpKind::Remove, Some("password"), None)],
        &PatchOptions::new(),
    )
    .unwrap();
    assert_eq!(outcome.write_only.get("password"), Some(None));
    assert_eq!(outcome.changed_attributes, ["password"]);
    assert!(outcome.is_changed());
}

#[test]
fn detached_attribute_names_ignore_case_and_take_urns() {
    let options = PatchOptions::new()
        .detach("Members")
        .detach(format!("{}:manager", urn::ENTERPRISE_USER));
    assert!(options.is_detached("members"));
    assert!(
        options.is_detached("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:MANAGER")
    );
    assert!(!options.is_detached("emails"));
}

#[test]
fn detached_single_valued_attributes_are_refused() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let value = json!("x");
    let err = apply_patch(
        &registry,
        users,
        &user(&registry),
        [op(OpKind::Replace, Some("displayName"), Some(&value))],
        &PatchOptions::new().detach("displayName"),
    )
    .unwrap_err();
    assert!(matches!(err.kind(), PatchErrorKind::DetachedUnsupported(_)));
}

#[test]
fn errors_carry_the_operation_index() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let ok = json!("Babs");
    let err = apply_patch(
        &registry,
        users,
        &user(&registry),
        [
            op(OpKind::Add, Some("nickName"), Some(&ok)),
            op(OpKind::Remove, None, None),
        ],
        &PatchOptions::new(),
    )
    .unwrap_err();
    assert_eq!(err.operation(), Some(1));
    assert_eq!(err.kind(), &PatchErrorKind::MissingPath);
    assert_eq!(
        crate::ScimError::from(err).scim_type(),
        Some(crate::ScimType::NoTarget)
    );
}

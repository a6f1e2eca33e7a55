//! Filters as identity providers send them, parsed, resolved and evaluated against resources
//! that went through validation.

use scim_core::filter::{
    CompareOp, LiteralKind, ResolveErrorKind as K, ResolvedFilter, Span, parse_filter, resolve,
};
use scim_core::resource::{Group, Resource, User};
use scim_core::schema::{AttributeType, SchemaRegistry};
use scim_core::validate::Validator;
use scim_core::{ScimError, ScimType};
use serde_json::{Value, json};

use crate::test_data;

fn create(registry: &SchemaRegistry, resource_type: &str, id: &str, body: Value) -> Resource {
    let rt = registry.resource_type(resource_type).unwrap();
    let mut resource = Validator::new(registry, rt)
        .unwrap()
        .create(&body)
        .unwrap()
        .resource;
    resource.set_id(id);
    resource
}

fn resolved(registry: &SchemaRegistry, resource_type: &str, text: &str) -> ResolvedFilter {
    let rt = registry.resource_type(resource_type).unwrap();
    let parsed = parse_filter(text).unwrap();
    resolve(&parsed, registry, rt).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// What Okta sends on create, and what Entra ID sends (booleans as strings, a URN-qualified
/// extension attribute).
fn users(registry: &SchemaRegistry) -> Vec<Resource> {
    vec![
        create(
            registry,
            "User",
            "okta-1",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "Isabella.Jones@example.com",
                "name": {"givenName": "Isabella", "familyName": "Jones"},
                "emails": [{"primary": true, "value": "isabella.jones@example.com", "type": "work"}],
                "displayName": "Isabella Jones",
                "externalId": "00ujl29u0le5T6Aj10h7",
                "password": "1mz050nq",
                "active": true
            }),
        ),
        create(
            registry,
            "User",
            "entra-1",
            json!({
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
                ],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
                "active": "False",
                "emails": [
                    {"primary": "True", "type": "work", "value": "Test_User_fd0ea19b@testuser.com"},
                    {"type": "home", "value": "home@y.com"}
                ],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
                "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]
            }),
        ),
    ]
}

fn ids(filter: &ResolvedFilter, resources: &[Resource]) -> Vec<String> {
    resources
        .iter()
        .filter(|r| filter.matches(r))
        .map(|r| r.id().unwrap().to_owned())
        .collect()
}

#[test]
fn identity_provider_lookups() {
    let registry = SchemaRegistry::standard();
    let users = users(&registry);
    let cases: &[(&str, &[&str])] = &[
        // Okta's pre-create lookup; userName is not case-exact.
        (r#"userName eq "isabella.jones@EXAMPLE.com""#, &["okta-1"]),
        (r#"userName eq "nobody@example.com""#, &[]),
        // Entra ID: externalId is case-exact.
        (
            r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
            &["entra-1"],
        ),
        (
            r#"externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF""#,
            &[],
        ),
        (
            r#"emails[type eq "work"].value eq "test_user_fd0ea19b@testuser.com""#,
            &["entra-1"],
        ),
        (r#"emails[type eq "work"].value eq "home@y.com""#, &[]),
        (r#"emails[type eq "work" and value co "y.com"]"#, &[]),
        (
            r#"emails.type eq "work" and emails.value co "y.com""#,
            &["entra-1"],
        ),
        (
            r#"userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1" and active eq "false""#,
            &["entra-1"],
        ),
        (r#"id eq "okta-1""#, &["okta-1"]),
        (r#"id eq "OKTA-1""#, &[]),
        ("active eq true", &["okta-1"]),
        ("active ne true", &["entra-1"]),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            &["entra-1"],
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber ne "701984""#,
            &["okta-1"],
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            &["entra-1"],
        ),
        (
            r#"roles[primary eq true and value eq "admin"]"#,
            &["entra-1"],
        ),
        ("title pr", &[]),
        ("name pr", &["okta-1"]),
        ("not (name pr)", &["entra-1"]),
        (
            "emails pr and emails.primary eq true",
            &["okta-1", "entra-1"],
        ),
        (r#"title ne "Boss""#, &["okta-1", "entra-1"]),
    ];
    for (text, expected) in cases {
        assert_eq!(
            ids(&resolved(&registry, "User", text), &users),
            *expected,
            "{text}"
        );
    }
}

#[test]
fn group_lookups() {
    let registry = SchemaRegistry::standard();
    let group = create(
        &registry,
        "Group",
        "g-1",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Tour Guides",
            "members": [{"value": "okta-1", "display": "Isabella Jones"}]
        }),
    );
    let groups = [group];
    for (text, expected) in [
        (r#"displayName eq "tour guides""#, vec!["g-1"]),
        (r#"members[value eq "okta-1"]"#, vec!["g-1"]),
        (r#"members eq "entra-1""#, vec![]),
        (
            r#"members[display sw "isa" and value eq "entra-1"]"#,
            vec![],
        ),
    ] {
        assert_eq!(
            ids(&resolved(&registry, "Group", text), &groups),
            expected,
            "{text}"
        );
    }
}

#[test]
fn resolve_errors_carry_the_span_of_the_node() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let unknown_sub = |attribute: &str, sub: &str| K::UnknownSubAttribute {
        attribute: attribute.into(),
        sub_attribute: sub.into(),
    };
    let cases = [
        (
            r#"userName eq "a" or bogus pr"#,
            K::UnknownAttribute {
                name: "bogus".into(),
            },
            (19, 24),
        ),
        (
            r#"password eq "1mz050nq""#,
            K::NotFilterable {
                attribute: "password".into(),
            },
            (0, 8),
        ),
        (
            "active gt false",
            K::OperatorNotSupported {
                op: CompareOp::Gt,
                attribute: "active".into(),
                kind: AttributeType::Boolean,
            },
            (0, 15),
        ),
        (
            r#"meta.created gt "last tuesday""#,
            K::InvalidDateTime {
                value: "last tuesday".into(),
            },
            (0, 30),
        ),
        (
            r#"urn:example:Custom:badge eq "1""#,
            K::UnknownSchema {
                urn: "urn:example:Custom".into(),
            },
            (0, 24),
        ),
        (
            r#"emails[type eq "work"] and name[nope pr]"#,
            unknown_sub("name", "nope"),
            (32, 36),
        ),
        (
            r#"userName[value eq "x"]"#,
            K::ValuePathNotComplex {
                attribute: "userName".into(),
            },
            (0, 22),
        ),
        (
            r#"emails[name.givenName eq "x"]"#,
            K::OutsideValuePath {
                attribute: "emails".into(),
                path: "name.givenName".into(),
            },
            (7, 21),
        ),
        (
            "displayName lt null",
            K::NullComparison { op: CompareOp::Lt },
            (0, 19),
        ),
        (
            r#"name co "Jones""#,
            K::ComplexComparison {
                attribute: "name".into(),
            },
            (0, 4),
        ),
        (
            "userName eq 42",
            K::ValueType {
                attribute: "userName".into(),
                expected: AttributeType::String,
                found: LiteralKind::Integer,
            },
            (0, 14),
        ),
    ];
    for (text, kind, (start, end)) in cases {
        let parsed = parse_filter(text).unwrap();
        let err = resolve(&parsed, &registry, users).unwrap_err();
        assert_eq!(
            (err.kind(), err.span()),
            (&kind, Span::new(start, end)),
            "{text}"
        );
        let scim = ScimError::from(err);
        assert_eq!(
            (scim.status(), scim.scim_type()),
            (400, Some(ScimType::InvalidFilter))
        );
    }
}

#[test]
fn groups_do_not_know_user_attributes() {
    let registry = SchemaRegistry::standard();
    let groups = registry.resource_type("Group").unwrap();
    let parsed = parse_filter(r#"userName eq "x""#).unwrap();
    let err = resolve(&parsed, &registry, groups).unwrap_err();
    assert!(matches!(err.kind(), K::UnknownAttribute { .. }));
    let parsed = parse_filter(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x""#,
    )
    .unwrap();
    let err = resolve(&parsed, &registry, groups).unwrap_err();
    assert!(matches!(err.kind(), K::UnknownSchema { .. }));
}

fn rfc_user() -> Resource {
    let user = User::try_from(test_data("resources/rfc7643-8.3-user-enterprise.json")).unwrap();
    Resource::from(user)
}

fn rfc_group() -> Resource {
    let group: Group =
        serde_json::from_value(test_data("resources/rfc7643-8.4-group.json")).unwrap();
    Resource::from(group)
}

/// The filter examples of RFC 7644 §3.4.2.2, against the RFC 7643 §8.3 user.
#[test]
fn rfc7644_examples_against_the_rfc7643_user() {
    let registry = SchemaRegistry::standard();
    let babs = rfc_user();
    let cases = [
        (r#"userName eq "bjensen""#, false),
        (r#"userName eq "BJENSEN@example.com""#, true),
        (r#"name.familyName co "O'Malley""#, false),
        (r#"name.familyName co "ENS""#, true),
        (r#"userName sw "J""#, false),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#,
            true,
        ),
        ("title pr", true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        // The same instant written in another time zone.
        (r#"meta.lastModified eq "2011-05-12T21:42:34-07:00""#, true),
        (r#"meta.created lt "2010-01-23T06:56:22+02:00""#, false),
        (r#"meta.created lt "2010-01-23T06:56:23+02:00""#, true),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr or userType eq "Intern""#, true),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            true,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "home" and value co "@example.com"]"#,
            false,
        ),
        (
            r#"emails.type eq "home" and emails.value co "@example.com""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        (r#"x509Certificates pr"#, true),
        (r#"groups[display eq "tour guides"]"#, true),
    ];
    for (text, expected) in cases {
        assert_eq!(
            resolved(&registry, "User", text).matches(&babs),
            expected,
            "{text}"
        );
    }
    let group = rfc_group();
    for (text, expected) in [
        (r#"displayName eq "Tour Guides""#, true),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            true,
        ),
        (
            r#"members[display eq "Mandy Pepperidge" and value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            false,
        ),
        ("members pr", true),
        (r#"meta.resourceType eq "Group""#, true),
        (r#"meta.resourceType eq "group""#, false),
    ] {
        assert_eq!(
            resolved(&registry, "Group", text).matches(&group),
            expected,
            "{text}"
        );
    }
}

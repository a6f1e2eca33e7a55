//! Typed resources against the RFC 7643 §8 examples.

use scim_core::message::ETag;
use scim_core::resource::{
    AddressKind, EmailKind, Group, ImKind, MemberKind, PhoneNumberKind, PhotoKind, Resource,
    ResourceError, User,
};
use scim_core::schema::urn;
use serde_json::{Value, json};

use crate::test_data;

const USERS: [&str; 3] = [
    "resources/rfc7643-8.1-user-minimal.json",
    "resources/rfc7643-8.2-user-full.json",
    "resources/rfc7643-8.3-user-enterprise.json",
];

fn without_password(mut json: Value) -> Value {
    if let Some(object) = json.as_object_mut() {
        object.remove("password");
    }
    json
}

#[test]
fn rfc_users_survive_json_to_typed_to_json() {
    for path in USERS {
        let json = test_data(path);
        let user: User = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            without_password(json),
            "{path}"
        );
    }
}

#[test]
fn rfc_users_survive_typed_to_resource_to_typed() {
    for path in USERS {
        let user = User::try_from(test_data(path)).unwrap();
        let resource = Resource::from(user.clone());
        assert_eq!(resource.resource_type(), "User");
        let mut user = user;
        user.password = None;
        assert_eq!(User::try_from(&resource).unwrap(), user, "{path}");
        // The generic form is the document itself, less the write-only password.
        assert_eq!(
            Value::Object(resource.as_json().clone()),
            without_password(test_data(path))
        );
        assert_eq!(User::try_from(resource).unwrap(), user);
    }
}

#[test]
fn rfc_full_user_reads_into_typed_fields() {
    let user = User::try_from(test_data("resources/rfc7643-8.2-user-full.json")).unwrap();
    assert_eq!(user.user_name(), "bjensen@example.com");
    assert_eq!(
        user.name.as_ref().unwrap().formatted.as_deref(),
        Some("Ms. Barbara J Jensen, III")
    );
    assert_eq!(user.emails[0].kind, Some(EmailKind::Work));
    assert_eq!(user.emails[0].primary, Some(true));
    assert_eq!(user.emails[1].primary, None);
    assert_eq!(user.phone_numbers[1].kind, Some(PhoneNumberKind::Mobile));
    assert_eq!(user.ims[0].kind, Some(ImKind::Aim));
    assert_eq!(user.photos[1].kind, Some(PhotoKind::Thumbnail));
    assert_eq!(user.addresses[1].kind, Some(AddressKind::Home));
    assert_eq!(user.groups.len(), 3);
    assert!(
        user.x509_certificates[0]
            .value
            .as_str()
            .starts_with("MIIDQzCCAqyg")
    );
    assert_eq!(user.password.as_ref().unwrap().expose(), "t1meMa$heen");
    assert_eq!(user.active, Some(true));
    let meta = user.meta.as_ref().unwrap();
    assert_eq!(meta.version, Some(ETag::weak("a330bc54f0671c9").unwrap()));
    assert_eq!(
        meta.created.unwrap().to_rfc3339(),
        "2010-01-23T04:56:22+00:00"
    );
    assert!(user.enterprise.is_none());
}

#[test]
fn rfc_enterprise_user_reads_the_extension() {
    let user = User::try_from(test_data("resources/rfc7643-8.3-user-enterprise.json")).unwrap();
    let enterprise = user.enterprise.as_ref().unwrap();
    assert_eq!(enterprise.cost_center.as_deref(), Some("4130"));
    let manager = enterprise.manager.as_ref().unwrap();
    assert_eq!(manager.value, "26118915-6090-4610-87e4-49d8ca9f808d");
    assert!(!manager.reference.as_ref().unwrap().is_absolute());
    assert_eq!(manager.display_name.as_deref(), Some("John Smith"));
    assert!(user.extensions.is_empty());
}

#[test]
fn other_extensions_survive_both_round_trips() {
    let mut json = test_data("resources/rfc7643-8.3-user-enterprise.json");
    let badge = json!({
        "badgeNumber": 4213,
        "zones": ["lobby", "lot-B"],
        "issuer": {"name": "Security", "offices": ["HQ"]},
        "history": [{"issued": "2010-01-23T04:56:22Z", "revoked": false}]
    });
    json["urn:example:params:scim:schemas:extension:badge:2.0:User"] = badge.clone();
    json["schemas"].as_array_mut().unwrap().push(json!(
        "urn:example:params:scim:schemas:extension:badge:2.0:User"
    ));

    let user = User::try_from(json.clone()).unwrap();
    assert_eq!(
        user.extensions
            .get("urn:example:params:scim:schemas:extension:badge:2.0:User")
            .map(|o| Value::Object(o.clone())),
        Some(badge)
    );
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        without_password(json.clone())
    );
    let resource = Resource::from(user.clone());
    assert_eq!(
        Value::Object(resource.as_json().clone()),
        without_password(json)
    );
    let mut user = user;
    user.password = None;
    assert_eq!(User::try_from(&resource).unwrap(), user);
}

#[test]
fn rfc_group_survives_both_round_trips() {
    let json = test_data("resources/rfc7643-8.4-group.json");
    let group: Group = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(group.display_name(), "Tour Guides");
    assert_eq!(group.members.len(), 2);
    assert_eq!(
        group.members[1].display.as_deref(),
        Some("Mandy Pepperidge")
    );
    assert_eq!(group.members[0].kind, None);
    assert_eq!(serde_json::to_value(&group).unwrap(), json);

    let resource = Resource::from(group.clone());
    assert_eq!(resource.resource_type(), "Group");
    assert_eq!(resource.id(), Some("e9e30dba-f08f-4109-8486-d5c6a331660a"));
    assert_eq!(Value::Object(resource.as_json().clone()), json);
    assert_eq!(Group::try_from(&resource).unwrap(), group);
    assert_eq!(
        User::try_from(&resource).unwrap_err(),
        ResourceError::WrongSchema {
            expected: urn::USER
        }
    );
}

#[test]
fn member_kinds_keep_their_spelling() {
    let json = json!({
        "displayName": "Nested",
        "members": [
            {"value": "1", "type": "Group"},
            {"value": "2", "type": "user"},
        ]
    });
    let group = Group::try_from(json).unwrap();
    assert_eq!(group.members[0].kind, Some(MemberKind::Group));
    assert_eq!(
        group.members[1].kind,
        Some(MemberKind::Custom("user".into()))
    );
    let out = serde_json::to_value(&group).unwrap();
    assert_eq!(out["members"][1]["type"], "user");
}

#[test]
fn typed_errors_point_at_the_attribute() {
    let mut json = test_data("resources/rfc7643-8.2-user-full.json");
    json["addresses"][1]["primary"] = json!("True");
    assert_eq!(
        User::try_from(json).unwrap_err(),
        ResourceError::InvalidType {
            path: "addresses[1].primary".into(),
            expected: "a boolean"
        }
    );
    let mut json = test_data("resources/rfc7643-8.4-group.json");
    json["meta"]["created"] = json!("yesterday");
    assert!(matches!(
        Group::try_from(json).unwrap_err(),
        ResourceError::InvalidValue { path, .. } if path == "meta.created"
    ));
}

#[test]
fn validated_resources_convert_to_typed_and_back_unchanged() {
    use scim_core::schema::SchemaRegistry;
    use scim_core::validate::Validator;

    let registry = SchemaRegistry::standard();
    for (path, resource_type) in [
        (USERS[0], "User"),
        (USERS[1], "User"),
        (USERS[2], "User"),
        ("resources/rfc7643-8.4-group.json", "Group"),
    ] {
        let resource_type = registry.resource_type(resource_type).unwrap();
        let validator = Validator::new(&registry, resource_type).unwrap();
        let validated = validator.create(&test_data(path)).unwrap().resource;
        let again = if resource_type.name() == "User" {
            Resource::from(User::try_from(&validated).unwrap())
        } else {
            Resource::from(Group::try_from(&validated).unwrap())
        };
        // Typed output is canonical in the validator's sense: same members, same order.
        assert_eq!(again, validated, "{path}");
        let keys = |r: &Resource| r.as_json().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&again), keys(&validated), "{path}");
    }
}

mod properties {
    //! Typed -> JSON -> typed and typed -> Resource -> typed are identities on generated users.

    use proptest::prelude::*;
    use scim_core::message::ETag;
    use scim_core::resource::{
        Email, EmailKind, EnterpriseUser, Extensions, Manager, Meta, Name, Password, Resource,
        User, X509Certificate,
    };
    use serde_json::json;

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 .@-]{0,8}"
    }

    fn maybe_text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(text())
    }

    fn email() -> impl Strategy<Value = Email> {
        (
            text(),
            maybe_text(),
            prop::option::of(prop::sample::select(vec![
                "work", "home", "other", "Work", "x",
            ])),
            prop::option::of(Just(false)),
        )
            .prop_map(|(value, display, kind, primary)| Email {
                value,
                display,
                kind: kind.map(EmailKind::from),
                primary,
            })
    }

    fn enterprise() -> impl Strategy<Value = EnterpriseUser> {
        (
            maybe_text(),
            maybe_text(),
            prop::option::of(("[a-f0-9]{1,8}", maybe_text())),
        )
            .prop_map(|(employee_number, department, manager)| EnterpriseUser {
                employee_number,
                department,
                manager: manager.map(|(id, display_name)| Manager {
                    reference: Some(format!("../Users/{id}").parse().unwrap()),
                    display_name,
                    ..Manager::new(id)
                }),
                ..EnterpriseUser::default()
            })
    }

    fn user() -> impl Strategy<Value = User> {
        (
            "[a-z][a-z0-9@.]{0,8}",
            maybe_text(),
            (maybe_text(), maybe_text()),
            prop::option::of(any::<bool>()),
            prop::collection::vec(email(), 0..4),
            any::<bool>(),
            prop::option::of(enterprise()),
            prop::collection::vec((1u8..4, any::<i32>()), 0..3),
            prop::option::of((0i64..4_000_000_000, any::<u32>())),
            prop::option::of("[A-Za-z0-9+/]{4}"),
        )
            .prop_map(
                |(
                    user_name,
                    external_id,
                    (given, family),
                    active,
                    mut emails,
                    first_primary,
                    enterprise,
                    extensions,
                    meta,
                    certificate,
                )| {
                    let mut user = User::new(user_name).unwrap();
                    user.external_id = external_id;
                    let name = Name {
                        given_name: given,
                        family_name: family,
                        ..Name::default()
                    };
                    user.name = Some(name).filter(|n| !n.is_empty());
                    user.active = active;
                    if first_primary && let Some(first) = emails.first_mut() {
                        first.primary = Some(true);
                    }
                    user.emails = emails;
                    user.enterprise = enterprise.filter(|e| !e.is_empty());
                    let mut all = Extensions::default();
                    for (n, number) in extensions {
                        let attributes = json!({"number": number, "tags": ["a", "b"]});
                        all.insert(
                            format!("urn:example:ext{n}"),
                            attributes.as_object().unwrap().clone(),
                        )
                        .unwrap();
                    }
                    user.extensions = all;
                    user.meta = meta.map(|(seconds, version)| {
                        let created = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
                        Meta::new("User")
                            .with_created(created)
                            .with_version(ETag::weak(version.to_string()).unwrap())
                    });
                    user.x509_certificates = certificate
                        .map(|c| {
                            X509Certificate::new(c.parse::<scim_core::resource::Binary>().unwrap())
                        })
                        .into_iter()
                        .collect();
                    user
                },
            )
    }

    proptest! {
        #[test]
        fn typed_json_typed_is_identity(user in user()) {
            let json = serde_json::to_value(&user).unwrap();
            prop_assert_eq!(User::try_from(json).unwrap(), user);
        }

        #[test]
        fn typed_resource_typed_is_identity(mut user in user(), password in maybe_text()) {
            // The password is write-only: it never enters a Resource.
            user.password = password.map(Password::new);
            let resource = Resource::from(user.clone());
            prop_assert!(resource.as_json().get("password").is_none());
            user.password = None;
            prop_assert_eq!(User::try_from(&resource).unwrap(), user);
        }
    }
}

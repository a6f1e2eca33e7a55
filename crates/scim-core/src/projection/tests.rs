use serde_json::{Value, json};

use super::{Parameter, Projection};
use crate::filter::resolve;
use crate::filter::tests::filter;
use crate::resource::Resource;
use crate::schema::{SchemaRegistry, urn};
use crate::test_fixtures::{AUDIT, babs, device, registry, tour_guides};
use crate::{ScimError, ScimType};

fn project(
    registry: &SchemaRegistry,
    resource: &Resource,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Value {
    let resource_type = registry.resource_type(resource.resource_type()).unwrap();
    let projection = Projection::new(registry, resource_type, attributes, excluded).unwrap();
    Value::Object(projection.apply(resource))
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn defaults_return_everything_returned_by_default() {
    let registry = registry();
    let babs = babs();
    let out = project(&registry, &babs, None, None);
    assert_eq!(out, Value::Object(babs.as_json().clone()));
    let defaults = Projection::defaults(&registry, registry.resource_type("User").unwrap());
    assert_eq!(Value::Object(defaults.apply(&babs)), out);
}

#[test]
fn attributes_select_with_sub_attribute_granularity() {
    let registry = registry();
    let out = project(
        &registry,
        &babs(),
        Some(&format!(
            "userName, name.givenName,emails.value,{}:manager",
            urn::ENTERPRISE_USER
        )),
        None,
    );
    assert_eq!(
        out,
        json!({
            "schemas": [urn::USER, urn::ENTERPRISE_USER],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            urn::ENTERPRISE_USER: {
                "manager": {
                    "value": "26118915-6090-4610-87e4-49d8ca9f808d",
                    "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
                    "displayName": "John Smith"
                }
            }
        })
    );
}

#[test]
fn names_urns_and_case_are_forgiving() {
    let registry = registry();
    let a = project(
        &registry,
        &babs(),
        Some(&format!(
            "{}:USERNAME,{}:Name.FamilyName",
            urn::USER,
            urn::USER.to_uppercase()
        )),
        None,
    );
    let b = project(&registry, &babs(), Some("userName,name.familyName"), None);
    assert_eq!(a, b);
    assert_eq!(keys(&a), ["schemas", "id", "userName", "name"]);
}

#[test]
fn always_attributes_survive_exclusion_and_omission() {
    let registry = registry();
    let out = project(&registry, &babs(), None, Some("id,schemas,userName"));
    assert!(out.get("id").is_some() && out.get("schemas").is_some());
    assert!(out.get("userName").is_none());
    let out = project(&registry, &babs(), Some("nickName"), None);
    assert_eq!(keys(&out), ["schemas", "id", "nickName"]);
}

#[test]
fn excluded_attributes_remove_attributes_sub_attributes_and_meta() {
    let registry = registry();
    let out = project(
        &registry,
        &babs(),
        None,
        Some("emails.type,meta,name,phoneNumbers.value"),
    );
    assert!(out.get("meta").is_none());
    assert!(out.get("name").is_none());
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com", "primary": true}, {"value": "babs@jensen.org"}])
    );
    assert_eq!(
        out["phoneNumbers"],
        json!([{"type": "work"}, {"type": "mobile"}])
    );
    assert_eq!(out["title"], "Tour Guide");
    let out = project(&registry, &babs(), None, Some("meta.version,meta.location"));
    assert_eq!(
        out["meta"],
        json!({
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        })
    );
    let out = project(&registry, &babs(), Some("meta.lastModified"), None);
    assert_eq!(out["meta"], json!({"lastModified": "2011-05-13T04:42:34Z"}));
}

#[test]
fn extension_objects_go_when_all_their_attributes_go() {
    let registry = registry();
    let enterprise = urn::ENTERPRISE_USER;
    let all = format!(
        "{enterprise}:employeeNumber,{enterprise}:costCenter,{enterprise}:organization,\
         {enterprise}:division,{enterprise}:department,{enterprise}:manager"
    );
    let out = project(&registry, &babs(), None, Some(&all));
    assert!(out.get(enterprise).is_none());
    assert_eq!(out["schemas"], json!([urn::USER, enterprise]));
    let out = project(&registry, &babs(), None, Some(enterprise));
    assert!(out.get(enterprise).is_none());
    let out = project(&registry, &babs(), Some(enterprise), None);
    assert_eq!(keys(&out), ["schemas", "id", enterprise]);
    assert_eq!(out[enterprise], babs().as_json()[enterprise]);
    let out = project(&registry, &babs(), Some("userName"), None);
    assert!(out.get(enterprise).is_none());
    let out = project(
        &registry,
        &babs(),
        None,
        Some(&format!("{enterprise}:manager.displayName")),
    );
    assert_eq!(
        out[enterprise]["manager"],
        json!({
            "value": "26118915-6090-4610-87e4-49d8ca9f808d",
            "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"
        })
    );
}

#[test]
fn never_and_request_follow_returned() {
    let registry = registry();
    let device = device();
    let out = project(&registry, &device, None, None);
    for hidden in ["secret", "notes"] {
        assert!(out.get(hidden).is_none(), "{hidden}");
    }
    assert_eq!(
        out["ports"],
        json!([{"name": "eth0", "numbers": [22, 80]}, {"name": "eth1", "numbers": [443]}])
    );
    assert_eq!(out[AUDIT], json!({"auditor": "ACME", "score": 9.75}));

    let out = project(
        &registry,
        &device,
        Some("secret,notes,ports.key,ports.label,serial"),
        None,
    );
    assert_eq!(out["notes"], "fragile");
    assert!(out.get("secret").is_none());
    assert_eq!(out["ports"], json!([{"label": "uplink"}]));
    // `auditor` is `always`: it comes even when its extension was not asked for.
    assert_eq!(out[AUDIT], json!({"auditor": "ACME"}));

    // Naming a complex attribute names its `request` sub-attributes, never its `never` ones.
    let out = project(&registry, &device, Some("ports"), None);
    assert_eq!(
        out["ports"],
        json!([{"name": "eth0", "numbers": [22, 80], "label": "uplink"}, {"name": "eth1", "numbers": [443]}])
    );
    let out = project(
        &registry,
        &device,
        None,
        Some(&format!("{AUDIT}:auditor,{AUDIT}:score")),
    );
    assert_eq!(out[AUDIT], json!({"auditor": "ACME"}));
}

#[test]
fn password_is_never_returned_even_when_asked() {
    let registry = registry();
    let mut body = babs().into_json();
    // A canonical resource never holds a password; projection would still not return one.
    body.insert("password".into(), json!("t1meMa$heen"));
    let user = crate::test_fixtures::resource("User", Value::Object(body));
    assert!(
        project(&registry, &user, Some("password"), None)
            .get("password")
            .is_none()
    );
    assert!(
        project(&registry, &user, None, None)
            .get("password")
            .is_none()
    );
    let users = registry.resource_type("User").unwrap();
    assert!(
        !Projection::new(&registry, users, Some("password"), None)
            .unwrap()
            .includes(None, "password")
    );
}

#[test]
fn unknown_names_are_ignored() {
    let registry = registry();
    let out = project(
        &registry,
        &babs(),
        Some("userName,nope,name.nope,userName.x,urn:example:Nope:thing,urn:example:Nope"),
        Some("bogus"),
    );
    assert_eq!(keys(&out), ["schemas", "id", "userName"]);
    // Only unknown names requested: the minimum set.
    let out = project(&registry, &babs(), Some("nope"), None);
    assert_eq!(keys(&out), ["schemas", "id"]);
    // Empty parameters are absent parameters.
    let full = project(&registry, &babs(), None, None);
    assert_eq!(project(&registry, &babs(), Some(""), Some(" , ")), full);
    assert_eq!(
        project(&registry, &babs(), Some(" userName ,"), None)["userName"],
        "bjensen@example.com"
    );
}

#[test]
fn malformed_lists_are_invalid_value() {
    let registry = registry();
    let users = registry.resource_type("User").unwrap();
    for (attributes, excluded, parameter, path) in [
        (
            Some("userName,name.givenName.x"),
            None,
            Parameter::Attributes,
            "name.givenName.x",
        ),
        (Some("user name"), None, Parameter::Attributes, "user name"),
        (
            Some("emails[type eq \"work\"]"),
            None,
            Parameter::Attributes,
            "emails[type eq \"work\"]",
        ),
        (None, Some("name."), Parameter::ExcludedAttributes, "name."),
        (
            None,
            Some(":userName"),
            Parameter::ExcludedAttributes,
            ":userName",
        ),
        (
            None,
            Some(&format!("{}:", urn::USER)[..]),
            Parameter::ExcludedAttributes,
            &format!("{}:", urn::USER)[..],
        ),
        (None, Some("_x"), Parameter::ExcludedAttributes, "_x"),
    ] {
        let err = Projection::new(&registry, users, attributes, excluded).unwrap_err();
        assert_eq!((err.parameter(), err.path()), (parameter, path));
        let scim: ScimError = err.into();
        assert_eq!(
            (scim.status(), scim.scim_type()),
            (400, Some(ScimType::InvalidValue))
        );
    }
}

#[test]
fn both_parameters_select_then_remove() {
    let registry = registry();
    let out = project(
        &registry,
        &babs(),
        Some("name,emails"),
        Some("name.formatted,emails.primary,id"),
    );
    assert_eq!(keys(&out), ["schemas", "id", "name", "emails"]);
    assert!(out["name"].get("formatted").is_none());
    assert_eq!(out["name"]["givenName"], "Barbara");
    assert!(out["emails"][0].get("primary").is_none());
}

#[test]
fn groups_without_members() {
    let registry = registry();
    let groups = registry.resource_type("Group").unwrap();
    let projection = Projection::new(&registry, groups, None, Some("members")).unwrap();
    assert!(!projection.includes(None, "members"));
    assert!(projection.includes(None, "displayName"));
    assert!(projection.includes(None, "meta"));
    assert!(projection.includes(Some(urn::GROUP), "ID"));
    assert!(!projection.includes(None, "nope"));
    let out = Value::Object(projection.apply(&tour_guides()));
    assert_eq!(keys(&out), ["schemas", "id", "displayName", "meta"]);
    let only_values = Projection::new(&registry, groups, Some("members.value"), None).unwrap();
    assert!(only_values.includes(None, "MEMBERS"));
    assert!(!only_values.includes(None, "displayName"));
    let out = Value::Object(only_values.apply(&tour_guides()));
    assert_eq!(
        out["members"],
        json!([{"value": "2819c223-7f76-453a-919d-413861904646"}, {"value": "902c246b-6245-4190-8e05-00816be7344a"}])
    );
}

#[test]
fn projection_does_not_change_which_resources_match() {
    let registry = registry();
    let users = registry.resource_type("User").unwrap();
    let f = resolve(
        &filter(r#"emails[type eq "work" and value co "example.com"]"#),
        &registry,
        users,
    )
    .unwrap();
    let projection = Projection::new(&registry, users, Some("userName"), Some("emails")).unwrap();
    // Storage loads what either needs; the filter runs on the whole resource.
    assert!(!projection.includes(None, "emails"));
    assert!(f.references(None, "EMAILS"));
    assert!(!f.references(None, "userName"));
    let babs = babs();
    assert!(f.matches(&babs));
    assert_eq!(
        keys(&Value::Object(projection.apply(&babs))),
        ["schemas", "id", "userName"]
    );
    let f = resolve(
        &filter(&format!(
            "userName pr and not ({}:manager.value eq \"x\")",
            urn::ENTERPRISE_USER
        )),
        &registry,
        users,
    )
    .unwrap();
    assert!(f.references(Some(urn::ENTERPRISE_USER), "manager"));
    assert!(!f.references(None, "manager"));
}

//! Properties of the PATCH engine over generated requests: it never panics, its results are
//! canonical, and a request whose last operation fails changes nothing.

use proptest::prelude::*;
use scim_core::patch::{OpKind, Operation, PatchOptions, apply_patch};
use scim_core::resource::Resource;
use scim_core::schema::{ResourceType, SchemaRegistry};
use scim_core::validate::Validator;
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user(registry: &SchemaRegistry) -> Resource {
    super::patch::resource(
        registry,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "26118915"}}
        }),
    )
}

fn group(registry: &SchemaRegistry) -> Resource {
    super::patch::resource(
        registry,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "displayName": "Tour Guides",
            "members": [{"value": "a", "display": "A"}, {"value": "b"}]
        }),
    )
}

const PATHS: &[&str] = &[
    "",
    "userName",
    "nickName",
    "NickName",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    r#"emails[type eq "work"]"#,
    r#"emails[type eq "work"].value"#,
    r#"emails[type eq "other"].value"#,
    r#"emails[value co "@"].primary"#,
    r#"addresses[type eq "home"].locality"#,
    "active",
    "title",
    "password",
    "id",
    "meta",
    "groups",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "x509Certificates",
    "roles[primary eq true]",
    "displayName",
    "members",
    r#"members[value eq "a"]"#,
    r#"members[value eq "a"].display"#,
    r#"members[display sw "A"]"#,
    "emails[",
    "bogus",
    "schemas",
];

fn values() -> Vec<Value> {
    vec![
        json!("x"),
        json!(""),
        json!("True"),
        json!("false"),
        json!(true),
        json!(false),
        json!(5),
        Value::Null,
        json!({"value": "a@x", "type": "work", "primary": true}),
        json!([{"value": "b@x"}, {"value": "c@x", "primary": "True"}]),
        json!([]),
        json!({"givenName": "B"}),
        json!({"active": false, "name.givenName": "Z",
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "9"}),
        json!({"value": ""}),
        json!([{"value": "TWFu"}]),
        json!([{"value": "a"}, {"value": "c", "display": "C"}]),
        json!({"id": "2819c223-7f76-453a-919d-413861904646", "displayName": "D"}),
        json!({"employeeNumber": "1", "department": "Sales"}),
    ]
}

type RawOp = (usize, Option<usize>, Option<usize>);

fn raw_ops() -> impl Strategy<Value = Vec<RawOp>> {
    let kinds = 0..6usize;
    let paths = proptest::option::weighted(0.8, 0..PATHS.len());
    let values = proptest::option::weighted(0.9, 0..values().len());
    proptest::collection::vec((kinds, paths, values), 0..8)
}

fn ops<'a>(raw: &[RawOp], values: &'a [Value]) -> Vec<Operation<'a>> {
    raw.iter()
        .map(|&(kind, path, value)| Operation {
            op: [OpKind::Add, OpKind::Replace, OpKind::Remove][kind % 3],
            path: path.map(|p| PATHS[p]),
            value: value.map(|v| &values[v]),
        })
        .collect()
}

fn type_of<'r>(registry: &'r SchemaRegistry, resource: &Resource) -> &'r ResourceType {
    registry.resource_type(resource.resource_type()).unwrap()
}

fn check_canonical(registry: &SchemaRegistry, resource: &Resource) -> Result<(), TestCaseError> {
    let rt = type_of(registry, resource);
    let again = Validator::new(registry, rt)
        .unwrap()
        .replace(&Value::Object(resource.as_json().clone()), resource);
    prop_assert!(
        again.is_ok(),
        "{resource:?} does not re-validate: {again:?}"
    );
    // Serialised, so that the order of keys (canonical too) is compared as well.
    prop_assert_eq!(
        serde_json::to_string(&again.unwrap().resource).unwrap(),
        serde_json::to_string(resource).unwrap()
    );
    Ok(())
}

/// Operations that are valid on their own (some still fail in some states: a `replace` whose
/// filter matches nothing any more, a filtered operation on detached members).
fn valid_pool(group: bool) -> Vec<(OpKind, Option<&'static str>, Value)> {
    use OpKind::{Add, Remove, Replace};
    let e = |suffix: &str| format!("{ENTERPRISE}{suffix}");
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    if group {
        return vec![
            (
                Add,
                Some("members"),
                json!([{"value": "c", "display": "C"}]),
            ),
            (Add, Some("members"), json!({"value": "a"})),
            (Remove, Some(r#"members[value eq "a"]"#), Value::Null),
            (Remove, Some("members"), json!([{"value": "b"}])),
            (Remove, Some("members"), Value::Null),
            (Replace, Some("members"), json!([])),
            (Replace, Some("members"), json!([{"value": "d"}])),
            (
                Replace,
                Some(r#"members[value eq "b"].display"#),
                json!("B"),
            ),
            (Replace, Some("displayName"), json!("Tour Guides 2")),
            (
                Replace,
                None,
                json!({"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "G"}),
            ),
            (Add, Some("externalId"), json!("ext")),
        ];
    }
    vec![
        (Replace, Some("nickName"), json!("Babs")),
        (Add, Some("nickName"), json!("B")),
        (Remove, Some("nickName"), Value::Null),
        (Replace, Some("name.givenName"), json!("B")),
        (Remove, Some("name.givenName"), Value::Null),
        (Replace, Some("name"), json!({"familyName": "J"})),
        (Remove, Some("name"), Value::Null),
        (
            Add,
            Some("emails"),
            json!([{"value": "b@x", "primary": "True"}]),
        ),
        (Remove, Some(r#"emails[type eq "home"]"#), Value::Null),
        (Add, Some(r#"emails[type eq "other"].value"#), json!("o@x")),
        (
            Replace,
            Some(r#"emails[value co "@"].primary"#),
            json!(true),
        ),
        (Remove, Some("emails"), Value::Null),
        (Replace, Some("active"), json!("False")),
        (Replace, None, json!({"active": true, "title": "T"})),
        (Remove, Some("title"), Value::Null),
        (Replace, Some("password"), json!("p4ss")),
        (Replace, Some(leak(e(":employeeNumber"))), json!("9")),
        (Remove, Some(leak(e(":manager"))), Value::Null),
        (Replace, Some(leak(e(":manager"))), json!("m2")),
        (Replace, Some(leak(e(":manager.value"))), json!("")),
        (Add, Some(ENTERPRISE), json!({"department": "Sales"})),
        (Remove, Some(ENTERPRISE), Value::Null),
        (
            Replace,
            None,
            json!({"name.familyName": "Z", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": "1"}),
        ),
        (
            Replace,
            None,
            json!({"id": "2819c223-7f76-453a-919d-413861904646"}),
        ),
        (Add, Some("x509Certificates"), json!([{"value": "TWFu"}])),
        (Add, Some("roles"), json!([{"value": "r", "primary": true}])),
        (
            Replace,
            Some(r#"addresses[type eq "work"].locality"#),
            json!("Paris"),
        ),
        (
            Add,
            Some(r#"addresses[type eq "work"].locality"#),
            json!("Lyon"),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_requests_never_panic_and_stay_canonical(
        raw in raw_ops(),
        on_group in any::<bool>(),
        detach in any::<bool>(),
    ) {
        let registry = SchemaRegistry::standard();
        let resource = if on_group { group(&registry) } else { user(&registry) };
        let values = values();
        let options = if detach { PatchOptions::new().detach("members") } else { PatchOptions::new() };
        let rt = type_of(&registry, &resource);
        if let Ok(outcome) = apply_patch(&registry, rt, &resource, ops(&raw, &values), &options) {
            check_canonical(&registry, &outcome.resource)?;
            prop_assert_eq!(outcome.is_changed(), !outcome.changed_attributes.is_empty());
            prop_assert!(outcome.resource.as_json().get("password").is_none());
        }
    }

    #[test]
    fn sequences_of_valid_operations_stay_canonical(
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..12),
        on_group in any::<bool>(),
        detach in any::<bool>(),
    ) {
        let registry = SchemaRegistry::standard();
        let resource = if on_group { group(&registry) } else { user(&registry) };
        let pool = valid_pool(on_group);
        let operations: Vec<Operation<'_>> = picks
            .iter()
            .map(|i| {
                let (op, path, value) = &pool[i.index(pool.len())];
                Operation { op: *op, path: *path, value: (!value.is_null()).then_some(value) }
            })
            .collect();
        let options = if detach { PatchOptions::new().detach("members") } else { PatchOptions::new() };
        let rt = type_of(&registry, &resource);
        match apply_patch(&registry, rt, &resource, operations, &options) {
            Ok(outcome) => check_canonical(&registry, &outcome.resource)?,
            Err(err) => {
                let scim_type = scim_core::ScimError::from(err.clone()).scim_type();
                prop_assert!(
                    matches!(scim_type, Some(scim_core::ScimType::NoTarget | scim_core::ScimType::InvalidPath)),
                    "valid operations failed with {err}"
                );
            }
        }
    }

    #[test]
    fn a_failing_last_operation_changes_nothing(raw in raw_ops(), on_group in any::<bool>()) {
        let registry = SchemaRegistry::standard();
        let resource = if on_group { group(&registry) } else { user(&registry) };
        let rt = type_of(&registry, &resource);
        let values = values();
        let before = serde_json::to_vec(&resource).unwrap();
        let mut operations = ops(&raw, &values);
        // Always refused: a required attribute removed.
        let required = if on_group { "displayName" } else { "userName" };
        operations.push(Operation { op: OpKind::Remove, path: Some(required), value: None });
        let last = operations.len() - 1;
        let err = apply_patch(&registry, rt, &resource, operations, &PatchOptions::new())
            .expect_err("removing a required attribute fails");
        prop_assert!(err.operation().is_none_or(|i| i <= last));
        prop_assert_eq!(serde_json::to_vec(&resource).unwrap(), before);
    }
}

/// Replays every input that ever crashed the `patch_apply` fuzz target
/// (`fuzz/regressions/patch_apply/`), through the same checks.
#[test]
fn patch_apply_fuzz_regressions() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/patch_apply");
    // No directory simply means no regressions yet.
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let registry = SchemaRegistry::standard();
    let fixtures = [user(&registry), group(&registry)];
    for entry in entries {
        let file = entry.unwrap().path();
        if !file.is_file() || file.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let Ok(request) =
            scim_core::message::PatchRequest::from_slice(&std::fs::read(&file).unwrap())
        else {
            continue;
        };
        for (resource, options) in [
            (&fixtures[0], PatchOptions::new()),
            (&fixtures[1], PatchOptions::new()),
            (&fixtures[1], PatchOptions::new().detach("members")),
        ] {
            let rt = type_of(&registry, resource);
            match apply_patch(&registry, rt, resource, request.as_operations(), &options) {
                Ok(outcome) => check_canonical(&registry, &outcome.resource).unwrap(),
                Err(err) => drop(scim_core::ScimError::from(err)),
            }
        }
    }
}

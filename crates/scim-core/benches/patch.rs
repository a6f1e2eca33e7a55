//! Validation and PATCH on the shapes identity providers send most: Okta's create and
//! deactivation, Entra's attribute updates, and membership changes on a large group with members
//! in the resource and kept apart.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scim_core::patch::{OpKind, Operation, PatchOptions, apply_patch};
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::{Value, json};

fn okta_user() -> Value {
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
    })
}

fn bench(c: &mut Criterion) {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let groups = registry.resource_type("Group").unwrap();
    let user_validator = Validator::new(&registry, users).unwrap();
    let body = okta_user();
    c.bench_function("validate/okta_create_user", |b| {
        b.iter(|| user_validator.create(black_box(&body)).unwrap())
    });

    let user = user_validator.create(&body).unwrap().resource;
    let deactivate = json!({"active": false});
    c.bench_function("patch/okta_deactivate", |b| {
        b.iter(|| {
            let ops = [Operation {
                op: OpKind::Replace,
                path: None,
                value: Some(&deactivate),
            }];
            apply_patch(
                &registry,
                users,
                black_box(&user),
                ops,
                &PatchOptions::new(),
            )
            .unwrap()
        })
    });
    let work = json!("isabella@example.org");
    let number = json!("701984");
    let inactive = json!("False");
    c.bench_function("patch/entra_three_ops", |b| {
        b.iter(|| {
            let ops = [
                Operation {
                    op: OpKind::Replace,
                    path: Some(r#"emails[type eq "work"].value"#),
                    value: Some(&work),
                },
                Operation {
                    op: OpKind::Replace,
                    path: Some(
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                    ),
                    value: Some(&number),
                },
                Operation {
                    op: OpKind::Replace,
                    path: Some("active"),
                    value: Some(&inactive),
                },
            ];
            apply_patch(
                &registry,
                users,
                black_box(&user),
                ops,
                &PatchOptions::new(),
            )
            .unwrap()
        })
    });

    // A group of 2,000 members, and Okta's membership push: remove one by filter, add one.
    let members: Vec<Value> = (0..2000)
        .map(|i| json!({"value": format!("user-{i:05}"), "display": format!("User {i}")}))
        .collect();
    let group_validator = Validator::new(&registry, groups).unwrap();
    let big = group_validator
        .create(&json!({"displayName": "Everyone", "members": members}))
        .unwrap()
        .resource;
    let bare = group_validator
        .create(&json!({"displayName": "Everyone"}))
        .unwrap()
        .resource;
    let added = json!([{"value": "user-99999", "display": "New"}]);
    let push = |resource, options: &PatchOptions| {
        let ops = [
            Operation {
                op: OpKind::Remove,
                path: Some(r#"members[value eq "user-01000"]"#),
                value: None,
            },
            Operation {
                op: OpKind::Add,
                path: Some("members"),
                value: Some(&added),
            },
        ];
        apply_patch(&registry, groups, resource, ops, options).unwrap()
    };
    let in_resource = PatchOptions::new();
    let detached = PatchOptions::new().detach("members");
    c.bench_function("patch/okta_push_2000_members_in_resource", |b| {
        b.iter_batched(
            || (),
            |()| push(black_box(&big), &in_resource),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("patch/okta_push_members_detached", |b| {
        b.iter(|| push(black_box(&bare), &detached))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

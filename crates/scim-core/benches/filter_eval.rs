//! Resolution and evaluation of the realistic filter corpus against an RFC 7643 §8.2 user.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scim_core::filter::{ResolvedFilter, parse_filter, resolve};
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::json;

fn corpus() -> Vec<&'static str> {
    include_str!("../test_data/filter/corpus.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect()
}

fn bench(c: &mut Criterion) {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let groups = registry.resource_type("Group").unwrap();
    let user = Validator::new(&registry, users)
        .unwrap()
        .create(&json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "userName": "bjensen@example.com",
            "externalId": "701984",
            "name": {"familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "userType": "Employee",
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
        }))
        .unwrap()
        .resource;
    let parsed: Vec<_> = corpus()
        .into_iter()
        .map(|t| parse_filter(t).unwrap())
        .collect();
    // The corpus has one Group filter (`members[...]`); each filter resolves for its own type.
    let resolve_one = |f| resolve(f, &registry, users).or_else(|_| resolve(f, &registry, groups));
    let resolved: Vec<ResolvedFilter> = parsed.iter().map(|f| resolve_one(f).unwrap()).collect();

    c.bench_function("resolve corpus", |b| {
        b.iter(|| {
            for f in &parsed {
                black_box(resolve_one(black_box(f)).unwrap());
            }
        })
    });
    c.bench_function("match corpus", |b| {
        b.iter(|| {
            for f in &resolved {
                black_box(f.matches(black_box(&user)));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

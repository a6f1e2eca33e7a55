//! Arbitrary PATCH bodies applied to a fixed user and a fixed group, with members in the
//! resource and kept apart: the engine must never panic, every error must convert into a
//! protocol error, and every result must be canonical (validating it again changes nothing).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scim_core::ScimError;
use scim_core::message::PatchRequest;
use scim_core::patch::{PatchOptions, apply_patch};
use scim_core::resource::Resource;
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::{Value, json};

struct Fixture {
    registry: SchemaRegistry,
    user: Resource,
    group: Resource,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let registry = SchemaRegistry::standard();
        let create = |name: &str, body: Value| {
            let rt = registry.resource_type(name).expect("standard type");
            let mut resource = Validator::new(&registry, rt)
                .expect("registered")
                .create(&body)
                .expect("valid fixture")
                .resource;
            resource.set_id("2819c223-7f76-453a-919d-413861904646");
            resource
        };
        let user = create(
            "User",
            json!({
                "userName": "bjensen@example.com",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "active": true,
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "addresses": [{"type": "work", "locality": "Hollywood"}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "employeeNumber": "701984", "manager": {"value": "26118915"}
                }
            }),
        );
        let group = create(
            "Group",
            json!({
                "displayName": "Tour Guides",
                "members": [{"value": "a", "display": "A"}, {"value": "b"}]
            }),
        );
        Fixture {
            registry,
            user,
            group,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = PatchRequest::from_slice(data) else {
        return;
    };
    let fixture = fixture();
    let detached = PatchOptions::new().detach("members");
    let plain = PatchOptions::new();
    for (resource, options) in [
        (&fixture.user, &plain),
        (&fixture.group, &plain),
        (&fixture.group, &detached),
    ] {
        let rt = fixture
            .registry
            .resource_type(resource.resource_type())
            .expect("standard type");
        match apply_patch(
            &fixture.registry,
            rt,
            resource,
            request.as_operations(),
            options,
        ) {
            Ok(outcome) => {
                let again = Validator::new(&fixture.registry, rt)
                    .expect("registered")
                    .replace(
                        &Value::Object(outcome.resource.as_json().clone()),
                        &outcome.resource,
                    )
                    .unwrap_or_else(|e| panic!("{:?} does not re-validate: {e}", outcome.resource));
                assert_eq!(
                    serde_json::to_string(&again.resource).ok(),
                    serde_json::to_string(&outcome.resource).ok(),
                    "not canonical"
                );
                assert!(outcome.resource.as_json().get("password").is_none());
            }
            Err(err) => {
                let _ = ScimError::from(err);
            }
        }
    }
});

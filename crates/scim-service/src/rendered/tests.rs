//! [`Rendered`] writes exactly the text the general path writes: the memberships inline,
//! projected, with their `$ref`s, serialised as one JSON map.

use scim_core::projection::Projection;
use scim_core::resource::Resource;
use scim_core::schema::SchemaRegistry;
use scim_store::{Link, Linked, Links, StoredResource};
use serde_json::{Map, Value, json};

use super::Rendered;
use crate::resources::render;

const LOCATION: &str = "https://scim.example.com/tenant/scim/v2/Groups/g1";

fn link(value: &str, kind: &str, display: Option<&str>) -> Link {
    Link {
        value: value.to_owned(),
        kind: kind.to_owned(),
        display: display.map(str::to_owned),
    }
}

fn stored(resource_type: &str, attribute: Linked, items: Vec<Link>) -> StoredResource {
    let Value::Object(body) = json!({
        "schemas": [format!("urn:ietf:params:scim:schemas:core:2.0:{resource_type}")],
        "id": "g1",
        "displayName": "Engineering \"core\" é",
        "externalId": "e-1",
        "meta": {
            "resourceType": resource_type,
            "created": "2026-01-01T00:00:00Z",
            "lastModified": "2026-01-02T00:00:00Z",
            "version": "W/\"3\""
        }
    }) else {
        unreachable!()
    };
    StoredResource {
        id: "g1".to_owned(),
        resource: Resource::from_trusted_json(resource_type, body),
        version: scim_store::Version::new(3),
        links: Some(Links { attribute, items }),
        members_left_out: false,
    }
}

fn members() -> Vec<Link> {
    vec![
        link("u1", "User", Some("Ada \"the\" Lovelace\\ \u{1} ✓")),
        link("u2", "User", None),
        link("g2", "Group", Some("Nested")),
        link("x\"/1", "Thing", Some("unknown type: no $ref")),
    ]
}

/// The text of the general path: memberships inline, then `render` and `serde_json`.
fn general(stored: StoredResource, projection: &Projection<'_>, location: &str) -> String {
    let body: Map<String, Value> = render(stored.into_inline().resource, projection, location);
    serde_json::to_string(&body).unwrap()
}

fn compact(stored: StoredResource, projection: &Projection<'_>, location: &str) -> String {
    let rendered = Rendered::new(stored, projection, location);
    serde_json::to_string(&rendered).unwrap()
}

#[test]
fn every_projection_writes_the_text_of_the_general_path() {
    let registry = SchemaRegistry::standard();
    let cases: [(&str, Linked, Option<&str>, Option<&str>); 12] = [
        ("Group", Linked::Members, None, None),
        ("Group", Linked::Members, Some("members"), None),
        ("Group", Linked::Members, Some("displayName,members"), None),
        ("Group", Linked::Members, Some("members.value"), None),
        ("Group", Linked::Members, Some("members.$ref,meta"), None),
        ("Group", Linked::Members, None, Some("members.display")),
        ("Group", Linked::Members, None, Some("members")),
        ("Group", Linked::Members, None, Some("meta,externalId")),
        ("Group", Linked::Members, Some("displayName"), None),
        ("User", Linked::Groups, None, None),
        ("User", Linked::Groups, Some("groups"), None),
        ("User", Linked::Groups, None, Some("groups.type")),
    ];
    for (resource_type, attribute, attributes, excluded) in cases {
        let rt = registry.resource_type(resource_type).unwrap();
        let projection = Projection::new(&registry, rt, attributes, excluded).unwrap();
        let whole = projection.returns_whole(None, attribute.name());
        for location in [LOCATION, "http://127.0.0.1:8080/scim/v2/Groups/g1"] {
            let stored = stored(resource_type, attribute, members());
            let rendered = Rendered::new(stored.clone(), &projection, location);
            assert_eq!(
                rendered.links.is_some(),
                whole,
                "written apart only when whole"
            );
            assert_eq!(
                compact(stored.clone(), &projection, location),
                general(stored, &projection, location),
                "{resource_type} attributes={attributes:?} excludedAttributes={excluded:?}"
            );
        }
    }
}

#[test]
fn the_members_come_just_before_meta_or_last() {
    let registry = SchemaRegistry::standard();
    let groups = registry.resource_type("Group").unwrap();
    let projection = Projection::defaults(&registry, groups);
    let text = compact(
        stored("Group", Linked::Members, members()),
        &projection,
        LOCATION,
    );
    let at = text.find("\"members\"").unwrap();
    assert!(text.find("\"externalId\"").unwrap() < at);
    assert!(at < text.find("\"meta\"").unwrap());
    assert!(text.contains(
        r#"{"value":"u1","$ref":"https://scim.example.com/tenant/scim/v2/Users/u1","display":"Ada \"the\" Lovelace\\ \u0001 ✓","type":"User"}"#
    ));
    assert!(text.contains(
        r#"{"value":"u2","$ref":"https://scim.example.com/tenant/scim/v2/Users/u2","type":"User"}"#
    ));

    let only = Projection::new(&registry, groups, Some("members"), None).unwrap();
    let text = compact(stored("Group", Linked::Members, members()), &only, LOCATION);
    assert!(text.starts_with(r#"{"schemas":["#));
    assert!(text.ends_with("]}"), "{text}");
}

#[test]
fn the_size_hint_covers_the_members() {
    let registry = SchemaRegistry::standard();
    let groups = registry.resource_type("Group").unwrap();
    let projection = Projection::defaults(&registry, groups);
    let many: Vec<Link> = (0..1_000)
        .map(|i| {
            link(
                &format!("0190a1b2-c3d4-7e5f-8a9b-{i:012}"),
                "User",
                Some("user@example.com"),
            )
        })
        .collect();
    let rendered = Rendered::new(
        stored("Group", Linked::Members, many),
        &projection,
        LOCATION,
    );
    let text = serde_json::to_string(&rendered).unwrap();
    assert!(
        rendered.size_hint() >= text.len(),
        "{} < {}",
        rendered.size_hint(),
        text.len()
    );
    assert!(rendered.size_hint() < text.len() + text.len() / 10);
}

//! Resources and schemas shared by the unit tests of filters and projection.

use serde_json::{Value, json};

use crate::resource::Resource;
use crate::schema::{
    Attribute, AttributeType as T, Mutability, ResourceType, Returned, Schema, SchemaRegistry, urn,
};

/// A resource from a JSON object already in canonical form.
pub(crate) fn resource(resource_type: &str, body: Value) -> Resource {
    let Value::Object(body) = body else {
        panic!("a resource is a JSON object")
    };
    Resource::from_canonical(resource_type, body)
}

/// The full User representation of RFC 7643 §8.2, in canonical form.
pub(crate) fn babs() -> Resource {
    resource(
        "User",
        json!({
            "schemas": [urn::USER, urn::ENTERPRISE_USER],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {
                "formatted": "Ms. Barbara J Jensen, III",
                "familyName": "Jensen",
                "givenName": "Barbara",
                "middleName": "Jane",
                "honorificPrefix": "Ms.",
                "honorificSuffix": "III"
            },
            "displayName": "Babs Jensen",
            "nickName": "Babs",
            "profileUrl": "https://login.example.com/bjensen",
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "addresses": [
                {
                    "type": "work",
                    "streetAddress": "100 Universal City Plaza",
                    "locality": "Hollywood",
                    "region": "CA",
                    "postalCode": "91608",
                    "country": "USA",
                    "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
                    "primary": true
                },
                {
                    "type": "home",
                    "streetAddress": "456 Hollywood Blvd",
                    "locality": "Hollywood",
                    "region": "CA",
                    "postalCode": "91608",
                    "country": "USA",
                    "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"
                }
            ],
            "phoneNumbers": [
                {"value": "555-555-5555", "type": "work"},
                {"value": "555-555-4444", "type": "mobile"}
            ],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "photos": [
                {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
                {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}
            ],
            "userType": "Employee",
            "title": "Tour Guide",
            "preferredLanguage": "en-US",
            "locale": "en-US",
            "timezone": "America/Los_Angeles",
            "active": true,
            "groups": [
                {
                    "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
                    "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
                    "display": "Tour Guides"
                }
            ],
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
            urn::ENTERPRISE_USER: {
                "employeeNumber": "701984",
                "costCenter": "4130",
                "organization": "Universal Studios",
                "division": "Theme Park",
                "department": "Tour Operations",
                "manager": {
                    "value": "26118915-6090-4610-87e4-49d8ca9f808d",
                    "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
                    "displayName": "John Smith"
                }
            },
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff591\"",
                "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
            }
        }),
    )
}

/// A small user with one work email at x.com and one home email at y.com.
pub(crate) fn two_emails() -> Resource {
    resource(
        "User",
        json!({
            "schemas": [urn::USER],
            "id": "b0b",
            "userName": "Bob",
            "emails": [
                {"value": "bob@x.com", "type": "work"},
                {"value": "bob@y.com", "type": "home"}
            ],
            "meta": {"resourceType": "User", "created": "2024-06-01T12:00:00+02:00"}
        }),
    )
}

/// The RFC 7643 §8.4 group.
pub(crate) fn tour_guides() -> Resource {
    resource(
        "Group",
        json!({
            "schemas": [urn::GROUP],
            "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "displayName": "Tour Guides",
            "members": [
                {
                    "value": "2819c223-7f76-453a-919d-413861904646",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "display": "Babs Jensen"
                },
                {
                    "value": "902c246b-6245-4190-8e05-00816be7344a",
                    "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
                    "display": "Mandy Pepperidge"
                }
            ],
            "meta": {
                "resourceType": "Group",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff592\"",
                "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"
            }
        }),
    )
}

/// The URN of the custom `Device` schema.
pub(crate) const DEVICE: &str = "urn:example:params:scim:schemas:core:1.0:Device";
/// The URN of the custom `Audit` extension of `Device`.
pub(crate) const AUDIT: &str = "urn:example:params:scim:schemas:extension:audit:1.0:Device";

/// The standard registry plus a `Device` resource type with the attribute shapes the RFC
/// schemas lack: integers, decimals, multi-valued sub-attributes, `request` and `never`
/// attributes, an extension with `always` attributes.
pub(crate) fn registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::standard();
    let device = Schema::new(
        DEVICE,
        "Device",
        vec![
            Attribute::new("serial", T::String).case_exact(),
            Attribute::new("rank", T::Integer),
            Attribute::new("weight", T::Decimal),
            Attribute::new("tags", T::String).multi_valued(),
            Attribute::complex(
                "ports",
                vec![
                    Attribute::new("name", T::String),
                    Attribute::new("numbers", T::Integer).multi_valued(),
                    Attribute::new("key", T::String).returned(Returned::Never),
                    Attribute::new("label", T::String).returned(Returned::Request),
                ],
            )
            .multi_valued(),
            Attribute::new("secret", T::String).returned(Returned::Never),
            Attribute::new("pin", T::String).mutability(Mutability::WriteOnly),
            Attribute::new("notes", T::String).returned(Returned::Request),
            Attribute::complex(
                "location",
                vec![
                    Attribute::new("site", T::String),
                    Attribute::new("since", T::DateTime),
                ],
            ),
        ],
    )
    .unwrap();
    let audit = Schema::new(
        AUDIT,
        "Audit",
        vec![
            Attribute::new("auditor", T::String).returned(Returned::Always),
            Attribute::new("score", T::Decimal),
        ],
    )
    .unwrap();
    registry.add_schema(device).unwrap();
    registry.add_schema(audit).unwrap();
    registry
        .add_resource_type(
            ResourceType::new("Device", "/Devices", DEVICE).with_extension(AUDIT, false),
        )
        .unwrap();
    registry
}

/// A device with every custom attribute set.
pub(crate) fn device() -> Resource {
    resource(
        "Device",
        json!({
            "schemas": [DEVICE, AUDIT],
            "id": "d-1",
            "serial": "SN-42a",
            "rank": 7,
            "weight": 2.5,
            "tags": ["Lab", "", "rack-3"],
            "ports": [
                {"name": "eth0", "numbers": [22, 80], "key": "k0", "label": "uplink"},
                {"name": "eth1", "numbers": [443]}
            ],
            "secret": "hunter2",
            "notes": "fragile",
            "location": {"site": "Lyon", "since": "2023-03-01T09:00:00+01:00"},
            AUDIT: {"auditor": "ACME", "score": 9.75},
            "meta": {"resourceType": "Device", "created": "2023-01-01T00:00:00Z"}
        }),
    )
}

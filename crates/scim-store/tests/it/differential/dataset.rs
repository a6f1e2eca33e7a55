//! The data set: users, groups and devices carrying every kind of value the validator lets
//! through, written through the store the way identity providers write them.
//!
//! [`build`] is deterministic: given a fresh tenant, a [`SequentialIds`](crate::fixtures::SequentialIds)
//! store and a [`ScriptedClock`] at [`START`], it performs the same writes in the same order, so
//! two stores end up with the same ids, versions and timestamps.

use scim_core::patch::{OpKind, Operation};
use scim_core::schema::{Attribute, AttributeType as T, ResourceType, Schema, SchemaRegistry};
use scim_store::{Actor, ReadOptions, Store, TenantId};
use serde_json::{Map, Value, json};

use crate::fixtures::{Rng, ScriptedClock};

/// The custom resource type: every attribute type the standard schemas lack (integer, decimal,
/// dateTime, binary in the document), multi-valued simple attributes and a multi-valued
/// sub-attribute.
pub(crate) const DEVICE_SCHEMA: &str = "urn:example:params:scim:schemas:test:2.0:Device";
/// The custom resource type's extension.
pub(crate) const DEVICE_EXTENSION: &str = "urn:example:params:scim:schemas:test:2.0:DeviceExtra";
/// The enterprise User extension.
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The first reading of the clock: 20 ms before the RFC's favourite instant, so that the
/// creations straddle `2011-05-13T04:42:34Z` and one lands on it exactly.
pub(crate) const START: &str = "2011-05-13T04:42:33.980Z";

/// The standard registry plus the Device resource type.
pub(crate) fn registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::standard();
    let slots = Attribute::complex(
        "slots",
        vec![
            Attribute::new("value", T::String),
            Attribute::new("label", T::String),
            Attribute::new("sizes", T::Integer).multi_valued(),
            Attribute::new("at", T::DateTime),
            Attribute::new("primary", T::Boolean),
        ],
    )
    .multi_valued();
    let owner = Attribute::complex(
        "owner",
        vec![
            Attribute::new("value", T::String),
            Attribute::new("since", T::DateTime),
            Attribute::new("codes", T::String)
                .multi_valued()
                .case_exact(),
        ],
    );
    let device = Schema::new(
        DEVICE_SCHEMA,
        "Device",
        vec![
            Attribute::new("name", T::String),
            Attribute::new("serial", T::String).case_exact(),
            Attribute::new("port", T::Integer),
            Attribute::new("weight", T::Decimal),
            Attribute::new("enabled", T::Boolean),
            Attribute::new("seenAt", T::DateTime),
            Attribute::new("firmware", T::Binary),
            Attribute::new("homepage", T::Reference).reference_types(["external"]),
            Attribute::new("tags", T::String).multi_valued(),
            Attribute::new("readings", T::Integer).multi_valued(),
            slots,
            owner,
        ],
    )
    .expect("the Device schema is well formed");
    let extension = Schema::new(
        DEVICE_EXTENSION,
        "DeviceExtra",
        vec![
            Attribute::new("level", T::Integer),
            Attribute::new("note", T::String),
            Attribute::new("ratio", T::Decimal),
            Attribute::new("flags", T::Boolean).multi_valued(),
            Attribute::new("aliases", T::String).multi_valued(),
            Attribute::complex(
                "links",
                vec![
                    Attribute::new("value", T::String),
                    Attribute::new("kind", T::String).case_exact(),
                ],
            )
            .multi_valued(),
        ],
    )
    .expect("the extension is well formed");
    registry.add_schema(device).unwrap();
    registry.add_schema(extension).unwrap();
    registry
        .add_resource_type(
            ResourceType::new("Device", "/Devices", DEVICE_SCHEMA)
                .with_extension(DEVICE_EXTENSION, false),
        )
        .unwrap();
    registry
}

/// User names: mixed case, non-ASCII (German, Greek, Turkish dotted and dotless i), names
/// that differ only by case fold subtleties (`straße` / `STRASSE`), and the corpus's own.
const USER_NAMES: &[&str] = &[
    "bjensen",
    "BJensen@Example.com",
    "user-4711",
    "isaac.brock@example.com",
    "Jürgen.Müller@example.de",
    "ÜBER@example.com",
    "über2@example.com",
    "straße@example.de",
    "STRASSE@example.de",
    "ΟΔΟΣ@example.gr",
    "οδος2@example.gr",
    "İstanbul@example.tr",
    "istanbul@example.tr",
    "ISTANBUL3@example.tr",
    "ıi@example.tr",
    "J",
    "jdoe",
    "JDoe2",
    "Zoë@example.com",
    "ǅemal@example.ba",
    "a",
    "A2",
    "~tilde",
    "日本@example.jp",
    "😀@example.com",
    "x y z",
    "Okta.User@Example.com",
    "babs@example.com",
    "Ω",
    "ω2",
];

const GIVEN: &[&str] = &[
    "Barbara",
    "Babs",
    "Ba",
    "Jürgen",
    "İlker",
    "ilker",
    "Zoë",
    "Ωmega",
    "Σίσυφος",
    "Åsa",
    "Isaac",
    "J",
    "ǅemal",
    "ärzte",
    "",
];
const FAMILY: &[&str] = &[
    "Jensen",
    "O'Malley",
    "Anderson",
    "Smith",
    "SMITH",
    "Müller",
    "MÜLLER",
    "Öztürk",
    "Straße",
    "STRASSE",
    "Παπαδόπουλος",
    "Brock",
    "Ω",
    "",
    "Johnson",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "Example.COM",
    "example.org",
    "foo.com",
    "ünï.example",
];
const TITLES: &[&str] = &["Tour Guide", "tour guide", "CEO", "Ingénieur", "", "Δ"];
const USER_TYPES: &[&str] = &["Employee", "employee", "Intern", "Contractor", "EMPLOYEE"];
const EMAIL_TYPES: &[Option<&str>] = &[Some("work"), Some("home"), Some("other"), None];
const DEPARTMENTS: &[&str] = &["Tour Operations", "R&D Ü", "r&d ü", "", "Σales"];
const EMPLOYEE_NUMBERS: &[&str] = &["701984", "701985", "00042", "", "ABC-1", "abc-1"];
const ROLES: &[&str] = &["admin", "Admin", "reader", "ÜBER-admin", ""];

const GROUP_NAMES: &[&str] = &[
    "Sales Team",
    "Engineering",
    "engineering-EU",
    "Admins",
    "Acme-Web-Admin",
    "Ünits",
    "ΩMEGA",
    "Straße",
    "İnsan",
    "Tour Guides",
    "Empty",
    "Nested Parent",
    "smith fans",
    "Zebra",
];

/// What [`build`] created, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Built {
    pub(crate) users: Vec<String>,
    pub(crate) groups: Vec<String>,
    pub(crate) devices: Vec<String>,
}

fn create(store: &dyn Store, tenant: &TenantId, resource_type: &str, body: Value) -> String {
    store
        .create(Actor::tenant(tenant), resource_type, &body)
        .unwrap_or_else(|e| panic!("create {resource_type} {body}: {e}"))
        .resource
        .id()
        .unwrap()
        .to_owned()
}

fn patch(store: &dyn Store, tenant: &TenantId, resource_type: &str, id: &str, ops: Value) {
    try_patch(store, tenant, resource_type, id, ops)
        .unwrap_or_else(|e| panic!("patch {resource_type} {id}: {e}"));
}

fn try_patch(
    store: &dyn Store,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    ops: Value,
) -> Result<(), scim_store::StoreError> {
    let ops: Vec<Operation<'_>> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|op| Operation {
            op: OpKind::parse(op["op"].as_str().unwrap()).unwrap(),
            path: op.get("path").and_then(Value::as_str),
            value: op.get("value"),
        })
        .collect();
    store
        .patch(
            Actor::tenant(tenant),
            resource_type,
            id,
            &ops,
            None,
            ReadOptions::DOCUMENT_ONLY,
        )
        .map(|_| ())
}

/// Sets `key` to a value from `values` most of the time, leaves it out otherwise.
fn maybe(rng: &mut Rng, body: &mut Map<String, Value>, key: &str, values: &[&str]) {
    if rng.chance(70) {
        body.insert(key.to_owned(), json!(rng.pick(values)));
    }
}

fn user_name(i: usize, rng: &mut Rng) -> String {
    match USER_NAMES.get(i) {
        Some(name) => (*name).to_owned(),
        None => {
            let domain = rng.pick(DOMAINS);
            if rng.chance(50) {
                format!("User{i:02}@{domain}")
            } else {
                format!("user{i:02}@{domain}")
            }
        }
    }
}

fn user(i: usize, rng: &mut Rng, earlier: &[String]) -> Value {
    let name = user_name(i, rng);
    let local = name.split('@').next().unwrap_or(&name).to_owned();
    let mut body = Map::new();
    body.insert("userName".into(), json!(name));
    if rng.chance(80) {
        let mut person = Map::new();
        maybe(rng, &mut person, "givenName", GIVEN);
        maybe(rng, &mut person, "familyName", FAMILY);
        if rng.chance(20) {
            person.insert("middleName".into(), json!(""));
        }
        if rng.chance(40) {
            person.insert(
                "formatted".into(),
                json!(format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY))),
            );
        }
        body.insert("name".into(), Value::Object(person));
    }
    if rng.chance(60) {
        let display = match rng.below(4) {
            0 => String::new(),
            1 => format!("{} Smith", rng.pick(GIVEN)),
            2 => rng.pick(FAMILY).to_string(),
            _ => name.to_uppercase(),
        };
        body.insert("displayName".into(), json!(display));
    }
    if rng.chance(15) {
        body.insert("nickName".into(), json!(""));
    } else if rng.chance(30) {
        body.insert("nickName".into(), json!(local.to_lowercase()));
    }
    maybe(rng, &mut body, "title", TITLES);
    maybe(rng, &mut body, "userType", USER_TYPES);
    match rng.below(3) {
        0 => {
            body.insert("active".into(), json!(true));
        }
        1 => {
            body.insert("active".into(), json!(false));
        }
        _ => {}
    }
    if rng.chance(30) {
        body.insert(
            "preferredLanguage".into(),
            json!(rng.pick(&["de-DE", "en", "tr-TR"])),
        );
    }
    if rng.chance(40) {
        let ext = match rng.below(4) {
            0 => "ext-42".to_owned(),
            1 => "EXT-42".to_owned(),
            2 => String::new(),
            _ => format!("ext-{i}"),
        };
        // Two users with the same externalId would be legal, but keep it readable.
        body.insert("externalId".into(), json!(ext));
    }
    let emails: Vec<Value> = (0..rng.below(4))
        .map(|k| {
            let mut email = Map::new();
            if !(k == 2 && rng.chance(50)) {
                let value = match rng.below(5) {
                    0 => String::new(),
                    1 => format!("{}@{}", local.to_uppercase(), rng.pick(DOMAINS)),
                    _ => format!("{local}{k}@{}", rng.pick(DOMAINS)),
                };
                email.insert("value".into(), json!(value));
            }
            if let Some(kind) = rng.pick(EMAIL_TYPES) {
                email.insert("type".into(), json!(kind));
            }
            if rng.chance(40) {
                email.insert("primary".into(), json!(rng.chance(60)));
            }
            if rng.chance(20) {
                email.insert("display".into(), json!(format!("Mail {k}")));
            }
            Value::Object(email)
        })
        .collect();
    if !emails.is_empty() {
        body.insert("emails".into(), Value::Array(emails));
    }
    if rng.chance(40) {
        body.insert(
            "phoneNumbers".into(),
            json!([
                {"value": format!("+49 30 {i:04}"), "type": "work"},
                {"value": format!("tel:+1-555-{i:04}"), "type": rng.pick(&["mobile", "home", "Mobile"]), "primary": true},
            ]),
        );
    }
    if rng.chance(30) {
        body.insert(
            "ims".into(),
            json!([{"value": format!("{local}@foo.com"), "type": rng.pick(&["xmpp", "skype", "XMPP"])}]),
        );
    }
    if rng.chance(30) {
        body.insert(
            "addresses".into(),
            json!([{
                "streetAddress": format!("{} Straße {i}", rng.pick(FAMILY)),
                "locality": rng.pick(&["Berlin", "İzmir", "ΑΘΗΝΑ", ""]),
                "country": rng.pick(&["DE", "TR", "GR", "de"]),
                "type": rng.pick(&["work", "home"]),
                "primary": rng.chance(50),
            }]),
        );
    }
    if rng.chance(35) {
        let roles: Vec<Value> = (0..1 + rng.below(2))
            .map(|_| json!({"value": rng.pick(ROLES), "primary": rng.chance(30)}))
            .collect();
        body.insert("roles".into(), Value::Array(roles));
    }
    if rng.chance(15) {
        body.insert(
            "entitlements".into(),
            json!([{"value": "Ünlimited"}, {"value": "basic", "type": "tier"}]),
        );
    }
    if rng.chance(15) {
        body.insert(
            "x509Certificates".into(),
            json!([{"value": rng.pick(&["TWFu", "TWE=", "twfu", ""])}]),
        );
    }
    if rng.chance(15) {
        body.insert(
            "photos".into(),
            json!([{"value": format!("https://Photos.Example.com/{local}.jpg"), "type": "photo"}]),
        );
    }
    if rng.chance(60) {
        let mut enterprise = Map::new();
        maybe(rng, &mut enterprise, "employeeNumber", EMPLOYEE_NUMBERS);
        maybe(rng, &mut enterprise, "department", DEPARTMENTS);
        maybe(rng, &mut enterprise, "costCenter", &["4130", "4131", ""]);
        maybe(
            rng,
            &mut enterprise,
            "organization",
            &["Universal Studios", "ACME"],
        );
        if !earlier.is_empty() && rng.chance(50) {
            let boss = rng.pick(earlier);
            let mut manager = Map::new();
            manager.insert("value".into(), json!(boss));
            if rng.chance(50) {
                manager.insert("$ref".into(), json!(format!("../Users/{boss}")));
            }
            enterprise.insert("manager".into(), Value::Object(manager));
        }
        if !enterprise.is_empty() {
            body.insert(ENTERPRISE.into(), Value::Object(enterprise));
        }
    }
    Value::Object(body)
}

const DATE_TIMES: &[&str] = &[
    "2011-05-13T04:42:34Z",
    "2011-05-13T06:42:34+02:00",
    "2011-05-13T04:42:34.000000001Z",
    "2011-05-13T04:42:33.999999999Z",
    "2011-05-13T04:42:34.5Z",
    "1970-01-01T00:00:00Z",
    "2024-02-29T12:00:00.123456789+05:30",
    "0001-01-01T00:00:00+01:00",
    "0000-01-01T00:00:00+01:00",
    "9999-12-31T23:30:00-01:00",
    "9999-12-31T23:59:59Z",
];

const DECIMALS: &[f64] = &[
    0.0,
    -0.0,
    0.1,
    0.2,
    0.300_000_000_000_000_04,
    1.5,
    2.0,
    1e-7,
    1e300,
    -2.5,
    123_456.789,
    1.234_567_890_123_456_7e-300,
];

fn device(i: usize, rng: &mut Rng) -> Value {
    let mut body = Map::new();
    if rng.chance(85) {
        body.insert(
            "name".into(),
            json!(format!(
                "{} {i}",
                rng.pick(&["Printer", "PRINTER", "Drucker", "Σταθμός", "İstasyon", ""])
            )),
        );
    }
    if rng.chance(70) {
        body.insert(
            "serial".into(),
            json!(rng.pick(&["SN-1", "sn-1", "SN-2", "", "ß-9"])),
        );
    }
    if rng.chance(75) {
        body.insert(
            "port".into(),
            json!(rng.pick(&[0_i64, 1, -1, 80, 443, 8080, 65535, i64::MAX, i64::MIN])),
        );
    }
    if rng.chance(75) {
        let weight = match rng.below(6) {
            // Integers beyond 2^53 and beyond i64: a decimal compares as an f64.
            0 => json!(9_007_199_254_740_993_i64),
            1 => json!(18_446_744_073_709_551_615_u64),
            2 => json!(7),
            _ => json!(rng.pick(DECIMALS)),
        };
        body.insert("weight".into(), weight);
    }
    if rng.chance(75) {
        body.insert("enabled".into(), json!(rng.chance(50)));
    }
    if rng.chance(80) {
        body.insert("seenAt".into(), json!(rng.pick(DATE_TIMES)));
    }
    if rng.chance(50) {
        body.insert(
            "firmware".into(),
            json!(rng.pick(&["TWFu", "TWE=", "twfu", ""])),
        );
    }
    if rng.chance(40) {
        body.insert(
            "homepage".into(),
            json!(rng.pick(&[
                "https://Example.com/Device",
                "https://example.com/device",
                ""
            ])),
        );
    }
    if rng.chance(60) {
        let tags: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| json!(rng.pick(&["Alpha", "alpha", "BETA", "ß", "SS", "", "Σ", "ς", "ǅ"])))
            .collect();
        body.insert("tags".into(), Value::Array(tags));
    }
    if rng.chance(50) {
        let readings: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| json!(rng.pick(&[0_i64, 5, -5, 100, i64::MAX])))
            .collect();
        body.insert("readings".into(), Value::Array(readings));
    }
    if rng.chance(60) {
        let slots: Vec<Value> = (0..1 + rng.below(3))
            .map(|k| {
                let mut slot = Map::new();
                if rng.chance(70) {
                    slot.insert("value".into(), json!(format!("S{k}")));
                }
                if rng.chance(70) {
                    slot.insert(
                        "label".into(),
                        json!(rng.pick(&["Top", "top", "BOTTOM", "Ü", ""])),
                    );
                }
                if rng.chance(60) {
                    let sizes: Vec<Value> = (0..rng.below(3))
                        .map(|_| json!(rng.pick(&[1_i64, 2, 3, 64])))
                        .collect();
                    slot.insert("sizes".into(), Value::Array(sizes));
                }
                if rng.chance(40) {
                    slot.insert("at".into(), json!(rng.pick(DATE_TIMES)));
                }
                if rng.chance(40) {
                    slot.insert("primary".into(), json!(rng.chance(50)));
                }
                Value::Object(slot)
            })
            .collect();
        body.insert("slots".into(), Value::Array(slots));
    }
    if rng.chance(50) {
        let mut owner = Map::new();
        if rng.chance(70) {
            owner.insert(
                "value".into(),
                json!(rng.pick(&["Team-A", "team-a", "Ünit", ""])),
            );
        }
        if rng.chance(50) {
            owner.insert("since".into(), json!(rng.pick(DATE_TIMES)));
        }
        if rng.chance(50) {
            owner.insert("codes".into(), json!(&["X1", "x1", ""][..1 + rng.below(3)]));
        }
        body.insert("owner".into(), Value::Object(owner));
    }
    if rng.chance(60) {
        let mut extra = Map::new();
        if rng.chance(70) {
            extra.insert("level".into(), json!(rng.pick(&[0_i64, 1, 2, -3, 10])));
        }
        if rng.chance(60) {
            extra.insert(
                "note".into(),
                json!(rng.pick(&["Ok", "OK", "ok", "", "Straße", "STRASSE"])),
            );
        }
        if rng.chance(50) {
            extra.insert("ratio".into(), json!(rng.pick(DECIMALS)));
        }
        if rng.chance(50) {
            extra.insert("flags".into(), json!([rng.chance(50), rng.chance(50)]));
        }
        if rng.chance(50) {
            let aliases: Vec<Value> = (0..1 + rng.below(2))
                .map(|_| json!(rng.pick(&["Lobby", "LOBBY", "Straße", "", "Δ"])))
                .collect();
            extra.insert("aliases".into(), Value::Array(aliases));
        }
        if rng.chance(50) {
            extra.insert(
                "links".into(),
                json!([{
                    "value": rng.pick(&["Uplink", "uplink", "Ü"]),
                    "kind": rng.pick(&["Fiber", "fiber", ""]),
                }]),
            );
        }
        body.insert(DEVICE_EXTENSION.into(), Value::Object(extra));
    }
    Value::Object(body)
}

/// Creates the data set in `tenant` and then changes part of it (patches, a replace, deletes),
/// so that versions, modification times and memberships vary.
pub(crate) fn build(store: &dyn Store, clock: &ScriptedClock, tenant: &TenantId) -> Built {
    let mut rng = Rng::new(0x5C1A_D1FF);
    let mut built = Built::default();

    // 1 ms apart: creation 20 lands exactly on 2011-05-13T04:42:34Z.
    clock.jump(START, 1_000);
    for i in 0..30 {
        let body = user(i, &mut rng, &built.users);
        built.users.push(create(store, tenant, "User", body));
    }
    // Later creations step by a millisecond and a microsecond, so times are not whole
    // milliseconds.
    clock.jump("2024-03-01T09:00:00.000001Z", 1_001);
    for i in 30..64 {
        let body = user(i, &mut rng, &built.users);
        built.users.push(create(store, tenant, "User", body));
    }
    for (g, name) in GROUP_NAMES.iter().enumerate() {
        let mut members: Vec<Value> = Vec::new();
        if *name != "Empty" {
            for _ in 0..rng.below(9) {
                members.push(json!({"value": rng.pick(&built.users)}));
            }
            // Nested groups, only ever earlier ones: no cycles.
            if g > 0 && rng.chance(50) {
                members.push(json!({"value": built.groups[rng.below(g)], "type": "Group"}));
            }
        }
        let mut body = json!({"displayName": name, "members": members});
        if rng.chance(40) {
            body["externalId"] = json!(format!("grp-{g}"));
        }
        built.groups.push(create(store, tenant, "Group", body));
    }
    for i in 0..24 {
        let body = device(i, &mut rng);
        built.devices.push(create(store, tenant, "Device", body));
    }

    clock.jump("2025-01-15T08:30:00.5Z", 997);
    for k in 0..10 {
        let id = built.users[rng.below(built.users.len())].clone();
        let ops = match k % 5 {
            0 => json!([{"op": "replace", "path": "title", "value": "Promoted"}]),
            1 => {
                json!([{"op": "add", "path": "emails", "value": [{"value": "added@Example.com", "type": "work"}]}])
            }
            2 => json!([{"op": "replace", "value": {"active": false}}]),
            3 => json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
            _ => json!([{"op": "replace", "path": "name.familyName", "value": "Ümlaut"}]),
        };
        // Removing home emails from a user without one is a (deterministic) noTarget error.
        let _ = try_patch(store, tenant, "User", &id, ops);
    }
    let replaced = built.users[5].clone();
    store
        .replace(
            Actor::tenant(tenant),
            "User",
            &replaced,
            &json!({"userName": "ÜBER@example.com", "displayName": "Replaced", "active": true}),
            None,
        )
        .unwrap();
    for k in 0..6 {
        let group = built.groups[rng.below(built.groups.len())].clone();
        let member = rng.pick(&built.users).clone();
        let ops = if k % 2 == 0 {
            json!([{"op": "add", "path": "members", "value": [{"value": member}]}])
        } else {
            json!([{"op": "remove", "path": format!("members[value eq \"{member}\"]")}])
        };
        patch(store, tenant, "Group", &group, ops);
    }
    for k in 0..4 {
        let device = built.devices[k * 5].clone();
        patch(
            store,
            tenant,
            "Device",
            &device,
            json!([{"op": "add", "path": "readings", "value": [k as i64]}]),
        );
    }
    // Values of multi-valued attributes that change or go away: lookups by value must follow.
    // (SQLite indexes them apart from the document.) A user without phone numbers, or
    // without a work one, makes the last two a noTarget error or an addition: either is fine.
    for (k, ops) in [
        json!([{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+49 30 9999"}]),
        json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}]),
        json!([{"op": "replace", "path": "phoneNumbers", "value": [{"value": "+49 30 7777", "type": "Work"}]}]),
        json!([{"op": "remove", "path": "emails"}]),
    ]
    .into_iter()
    .enumerate()
    {
        let _ = try_patch(store, tenant, "User", &built.users[2 + 3 * k], ops);
    }
    patch(
        store,
        tenant,
        "Device",
        &built.devices[1],
        json!([
            {"op": "replace", "path": format!("{DEVICE_EXTENSION}:aliases"), "value": ["Renamed"]},
            {"op": "replace", "path": "tags", "value": ["Gamma"]},
            {"op": "replace", "path": "slots", "value": [{"value": "S9", "label": "Moved"}]},
        ]),
    );
    let device = built.devices.remove(2);
    store
        .delete(Actor::tenant(tenant), "Device", &device, None)
        .unwrap();
    // A deleted user leaves its groups (which move to a new version) and its id behind in
    // nothing: filters must not find it anywhere.
    let gone = built.users.remove(10);
    store
        .delete(Actor::tenant(tenant), "User", &gone, None)
        .unwrap();
    built
}

use proptest::prelude::*;
use serde_json::json;

use super::{CORPUS, resolve_ok, resolve_user, users};
use crate::filter::tests::filter;
use crate::filter::{AttrPath, Filter, Junction, Not, Span, resolve, resolve_value_path};
use crate::resource::Resource;
use crate::schema::urn;
use crate::test_fixtures::{babs, device, registry, resource, tour_guides, two_emails};

#[track_caller]
fn check(resource: &Resource, cases: &[(&str, bool)]) {
    for (text, expected) in cases {
        let f = resolve_ok(text, resource.resource_type());
        assert_eq!(f.matches(resource), *expected, "{text}");
    }
}

#[test]
fn rfc_examples_against_babs() {
    let babs = babs();
    check(
        &babs,
        &[
            (r#"userName eq "bjensen@example.com""#, true),
            (r#"userName eq "bjensen""#, false),
            (r#"name.familyName co "ens""#, true),
            (r#"name.familyName co "O'Malley""#, false),
            (r#"userName sw "J""#, false),
            (r#"userName sw "B""#, true),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "BJ""#,
                true,
            ),
            ("title pr", true),
            ("nickName pr", true),
            ("active eq true", true),
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
            (r#"title pr and userType eq "Employee""#, true),
            (r#"title pr and userType eq "Intern""#, false),
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
                r#"emails[type eq "home" and value co "@example.com"] or ims[type eq "xmpp"]"#,
                false,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw "john""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr"#,
                true,
            ),
            (r#"groups.display eq "tour guides""#, true),
            ("x509Certificates pr", true),
            (
                r#"x509Certificates eq "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw""#,
                true,
            ),
            (
                r#"x509Certificates eq "miidqzccaqygawibagiceaawdqyjkozihvcnaqefbqaw""#,
                false,
            ),
            (r#"addresses[type eq "home" and primary eq true]"#, false),
            (r#"addresses[type eq "work" and primary eq true]"#, true),
            (
                r#"addresses.primary eq true and addresses.type eq "home""#,
                true,
            ),
        ],
    );
}

#[test]
fn the_whole_corpus_evaluates() {
    for text in CORPUS {
        let f = resolve_user(text);
        f.matches(&babs());
        f.matches(&two_emails());
    }
}

#[test]
fn case_sensitivity_follows_case_exact() {
    check(
        &babs(),
        &[
            (r#"userName eq "BJensen@Example.COM""#, true),
            (r#"USERNAME Eq "bjensen@example.com""#, true),
            (r#"displayName ew "JENSEN""#, true),
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            (r#"externalId eq "701984""#, true),
            (r#"meta.resourceType eq "user""#, false),
            (r#"meta.resourceType eq "User""#, true),
            (r#"emails[type eq "WORK"]"#, true),
        ],
    );
    let user = resource(
        "User",
        json!({"userName": "ÅSA.Ölund", "externalId": "AbC"}),
    );
    check(
        &user,
        &[
            (r#"userName eq "åsa.ölund""#, true),
            (r#"userName sw "ÅsA""#, true),
            (r#"externalId eq "abc""#, false),
            (r#"externalId eq "AbC""#, true),
            (r#"externalId sw "A""#, true),
            (r#"externalId sw "a""#, false),
        ],
    );
}

#[test]
fn strings_order_by_folded_code_points() {
    let user = resource("User", json!({"userName": "Mike", "externalId": "Mike"}));
    check(
        &user,
        &[
            (r#"userName gt "a""#, true),
            (r#"userName gt "MIKE""#, false),
            (r#"userName ge "MIKE""#, true),
            (r#"userName lt "mikf""#, true),
            (r#"userName le "B""#, false),
            // Case-exact: "M" (0x4D) sorts before "a" (0x61).
            (r#"externalId lt "a""#, true),
            (r#"externalId gt "Z""#, false),
            (r#"userName lt "é""#, true),
        ],
    );
}

#[test]
fn date_times_compare_as_instants_across_offsets() {
    let bob = two_emails(); // created 2024-06-01T12:00:00+02:00, that is 10:00Z
    check(
        &bob,
        &[
            (r#"meta.created eq "2024-06-01T10:00:00Z""#, true),
            (r#"meta.created eq "2024-06-01T05:00:00-05:00""#, true),
            (r#"meta.created eq "2024-06-01T12:00:00Z""#, false),
            (r#"meta.created gt "2024-06-01T11:00:00Z""#, false),
            (r#"meta.created lt "2024-06-01T11:00:00Z""#, true),
            (r#"meta.created gt "2024-06-01T11:00:00+02:00""#, true),
            (r#"meta.created ge "2024-06-01T10:00:00.000Z""#, true),
            (r#"meta.created gt "2024-06-01T09:59:59.999Z""#, true),
            (r#"meta.created gt "2024-06-01T10:00:00.001Z""#, false),
            ("meta.lastModified pr", false),
            (r#"meta.lastModified lt "2999-01-01T00:00:00Z""#, false),
            (r#"meta.lastModified ne "2999-01-01T00:00:00Z""#, true),
        ],
    );
    let garbled = resource("User", json!({"meta": {"created": "yesterday"}}));
    check(
        &garbled,
        &[
            (r#"meta.created lt "2999-01-01T00:00:00Z""#, false),
            (r#"meta.created gt "1970-01-01T00:00:00Z""#, false),
            (r#"meta.created ne "1970-01-01T00:00:00Z""#, true),
            ("meta.created pr", true),
        ],
    );
}

#[test]
fn multi_valued_any_match_versus_same_element_value_path() {
    let bob = two_emails();
    check(
        &bob,
        &[
            (r#"emails[type eq "work" and value co "y.com"]"#, false),
            (r#"emails.type eq "work" and emails.value co "y.com""#, true),
            (r#"emails[type eq "work" and value co "x.com"]"#, true),
            (
                r#"emails[type eq "home"] and emails[value co "x.com"]"#,
                true,
            ),
            (r#"emails[type eq "work" or value co "y.com"]"#, true),
            (r#"emails[not (type eq "work")]"#, true),
            (
                r#"emails[not (type eq "work") and value co "x.com"]"#,
                false,
            ),
            (r#"emails co "y.com""#, true),
            (r#"emails ne "bob@y.com""#, false),
            (r#"emails ne "bob@z.com""#, true),
            (r#"emails[type ne "work"]"#, true),
            (r#"emails[type pr and primary pr]"#, false),
            (r#"emails[primary eq false]"#, false),
            (r#"not (emails[primary eq true])"#, true),
        ],
    );
}

#[test]
fn present_requires_a_non_empty_value() {
    let sparse = resource(
        "User",
        json!({
            "userName": "",
            "title": "Boss",
            "nickName": null,
            "name": {"givenName": "", "familyName": null},
            "emails": [],
            "phoneNumbers": [{"value": "", "type": ""}],
            "ims": [{"primary": false}],
            "active": false,
            urn::ENTERPRISE_USER: {}
        }),
    );
    check(
        &sparse,
        &[
            ("userName pr", false),
            ("title pr", true),
            ("nickName pr", false),
            ("displayName pr", false),
            ("name pr", false),
            ("name.givenName pr", false),
            ("emails pr", false),
            ("emails.value pr", false),
            ("phoneNumbers pr", false),
            ("phoneNumbers.value pr", false),
            ("ims pr", true),
            ("ims.value pr", false),
            ("active pr", true),
            ("userName eq null", true),
            ("name ne null", false),
            ("ims ne null", true),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr"#,
                false,
            ),
        ],
    );
}

#[test]
fn ne_matches_missing_attributes() {
    let bob = two_emails();
    check(
        &bob,
        &[
            (r#"title ne "Boss""#, true),
            (r#"title eq "Boss""#, false),
            (r#"title co """#, false),
            (r#"title ne """#, true),
            (r#"name.givenName ne "Bob""#, true),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber ne "1""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value ne "1""#,
                true,
            ),
            ("active ne true", true),
            ("active eq false", false),
            (r#"emails[display ne "x"]"#, true),
        ],
    );
}

#[test]
fn booleans_accept_string_literals() {
    check(
        &babs(),
        &[
            (r#"active eq "True""#, true),
            (r#"active eq "false""#, false),
            ("active ne false", true),
            (r#"emails[primary eq "TRUE"]"#, true),
        ],
    );
}

#[test]
fn custom_types_numbers_and_multi_valued_sub_attributes() {
    let device = device();
    check(
        &device,
        &[
            ("rank eq 7", true),
            ("rank gt 6", true),
            ("rank ge 8", false),
            ("rank lt 7", false),
            ("rank le 7", true),
            ("weight eq 2.5", true),
            ("weight gt 2", true),
            ("weight lt 2.4999", false),
            ("weight ge 2.5 and weight le 2.5", true),
            (r#"serial eq "SN-42a""#, true),
            (r#"serial eq "sn-42a""#, false),
            (r#"tags eq "lab""#, true),
            ("tags pr", true),
            ("ports.numbers eq 443", true),
            ("ports.numbers gt 1000", false),
            ("ports[name eq \"eth0\" and numbers eq 443]", false),
            ("ports[name eq \"eth1\" and numbers eq 443]", true),
            ("ports[numbers eq 22 and numbers eq 80]", true),
            (r#"location.since lt "2023-03-01T08:30:00Z""#, true),
            (r#"location[site sw "ly" and since pr]"#, true),
            (
                "urn:example:params:scim:schemas:extension:audit:1.0:Device:score gt 9.5",
                true,
            ),
            (
                r#"urn:example:params:scim:schemas:extension:audit:1.0:Device:auditor eq "acme""#,
                true,
            ),
        ],
    );
    // Values of the wrong JSON type never match.
    let odd = resource(
        "Device",
        json!({"rank": "7", "weight": "2.5", "tags": "lab", "ports": {"name": "eth0"}}),
    );
    check(
        &odd,
        &[
            ("rank eq 7", false),
            ("weight eq 2.5", false),
            (r#"tags eq "lab""#, false),
            (r#"ports.name eq "eth0""#, false),
            ("rank pr", true),
        ],
    );
    // A decimal attribute holding a whole number compares numerically.
    let whole = resource("Device", json!({"weight": 3}));
    check(&whole, &[("weight eq 3.0", true), ("weight gt 2.5", true)]);
}

#[test]
fn group_members() {
    check(
        &tour_guides(),
        &[
            (
                r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
                true,
            ),
            (r#"members eq "902c246b-6245-4190-8e05-00816be7344a""#, true),
            (r#"members[display sw "mandy" and value eq "x"]"#, false),
            (r#"displayName eq "tour guides""#, true),
        ],
    );
}

#[test]
fn element_matching_for_patch_targets() {
    let inner = filter(r#"type eq "work" and value ew "@example.com""#);
    let vp = resolve_value_path(&AttrPath::name("emails"), &inner, &registry(), &users()).unwrap();
    assert!(vp.matches_element(&json!({"type": "Work", "value": "a@EXAMPLE.com"})));
    assert!(!vp.matches_element(&json!({"type": "home", "value": "a@example.com"})));
    assert!(!vp.matches_element(&json!({"value": "a@example.com"})));
    assert!(!vp.matches_element(&json!("a@example.com")));
    assert!(!vp.matches_element(&json!([{"type": "work", "value": "a@example.com"}])));
    assert!(vp.matches(&babs()));
    assert!(!vp.matches(&two_emails()));
    let selected: Vec<_> = babs().as_json()["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| vp.matches_element(e))
        .cloned()
        .collect();
    assert_eq!(
        selected,
        vec![json!({"value": "bjensen@example.com", "type": "work", "primary": true})]
    );
}

// Generated filters over generated users: negation and the connectives behave as boolean logic.

const LEAVES: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"userName sw "B""#,
    r#"userName gt "m""#,
    r#"title ne "Boss""#,
    "title pr",
    "title eq null",
    r#"emails co "x.com""#,
    r#"emails.type eq "work""#,
    "emails pr",
    r#"emails[type eq "work" and value ew "y.com"]"#,
    r#"emails[not (primary eq true)]"#,
    "active eq true",
    r#"active ne "false""#,
    r#"meta.created gt "2024-01-01T00:00:00+01:00""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "42""#,
];

fn arb_filter() -> impl Strategy<Value = Filter<'static>> {
    let leaf = prop::sample::select(LEAVES).prop_map(filter);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| Filter::And(Junction {
                operands,
                span: Span::default()
            })),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| Filter::Or(Junction {
                operands,
                span: Span::default()
            })),
            inner.prop_map(|f| Filter::Not(Not {
                inner: Box::new(f),
                span: Span::default()
            })),
        ]
    })
}

fn arb_user() -> impl Strategy<Value = Resource> {
    let email = (
        prop::option::of(prop::sample::select(vec![
            "bob@x.com",
            "bob@y.com",
            "BOB@Y.COM",
            "",
        ])),
        prop::option::of(prop::sample::select(vec!["work", "Work", "home"])),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(value, kind, primary)| {
            let mut element = serde_json::Map::new();
            if let Some(v) = value {
                element.insert("value".into(), json!(v));
            }
            if let Some(t) = kind {
                element.insert("type".into(), json!(t));
            }
            if let Some(p) = primary {
                element.insert("primary".into(), json!(p));
            }
            serde_json::Value::Object(element)
        });
    (
        prop::option::of(prop::sample::select(vec![
            "bjensen", "BJensen", "mike", "Zed",
        ])),
        prop::option::of(prop::sample::select(vec!["Boss", "boss", ""])),
        prop::collection::vec(email, 0..3),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![
            "2023-12-31T23:30:00Z",
            "2024-01-01T00:30:00+01:00",
            "2024-01-01T00:30:00Z",
            "not a date",
        ])),
        prop::option::of(prop::sample::select(vec!["42", "7"])),
    )
        .prop_map(|(user_name, title, emails, active, created, employee)| {
            let mut body = json!({"schemas": [urn::USER]});
            let object = body.as_object_mut().unwrap();
            if let Some(v) = user_name {
                object.insert("userName".into(), json!(v));
            }
            if let Some(v) = title {
                object.insert("title".into(), json!(v));
            }
            if !emails.is_empty() {
                object.insert("emails".into(), json!(emails));
            }
            if let Some(v) = active {
                object.insert("active".into(), json!(v));
            }
            if let Some(v) = created {
                object.insert("meta".into(), json!({"created": v}));
            }
            if let Some(v) = employee {
                object.insert(urn::ENTERPRISE_USER.into(), json!({"employeeNumber": v}));
            }
            resource("User", body)
        })
}

fn matches(f: &Filter<'static>, user: &Resource) -> bool {
    resolve(f, &registry(), &users()).unwrap().matches(user)
}

proptest! {
    #[test]
    fn negation_is_complement(f in arb_filter(), user in arb_user()) {
        let negated = Filter::Not(Not { inner: Box::new(f.clone()), span: Span::default() });
        prop_assert_eq!(matches(&negated, &user), !matches(&f, &user));
    }

    #[test]
    fn junctions_follow_boolean_logic(fs in prop::collection::vec(arb_filter(), 2..4), user in arb_user()) {
        let each: Vec<bool> = fs.iter().map(|f| matches(f, &user)).collect();
        let and = Filter::And(Junction { operands: fs.clone(), span: Span::default() });
        let or = Filter::Or(Junction { operands: fs, span: Span::default() });
        prop_assert_eq!(matches(&and, &user), each.iter().all(|b| *b));
        prop_assert_eq!(matches(&or, &user), each.iter().any(|b| *b));
    }

    #[test]
    fn ne_is_not_eq_and_null_is_absence(user in arb_user(), leaf in prop::sample::select(vec![
        ("title", r#""Boss""#), ("userName", r#""mike""#), ("emails", r#""bob@y.com""#),
        ("emails.type", r#""work""#), ("active", "true"), ("meta.created", r#""2024-01-01T00:30:00Z""#),
    ])) {
        let (path, value) = leaf;
        let eq = matches(&filter(&format!("{path} eq {value}")), &user);
        prop_assert_eq!(matches(&filter(&format!("{path} ne {value}")), &user), !eq);
        let present = matches(&filter(&format!("{path} pr")), &user);
        prop_assert_eq!(matches(&filter(&format!("{path} ne null")), &user), present);
        prop_assert_eq!(matches(&filter(&format!("{path} eq null")), &user), !present);
    }

    #[test]
    fn value_path_implies_the_flattened_conjunction(user in arb_user()) {
        let same = matches(&filter(r#"emails[type eq "work" and value co "y.com"]"#), &user);
        let any = matches(&filter(r#"emails.type eq "work" and emails.value co "y.com""#), &user);
        prop_assert!(!same || any);
    }
}

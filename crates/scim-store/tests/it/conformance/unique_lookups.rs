//! Lookups that at most one resource can match (an equality on `id`, or on a User's
//! `userName`) answer exactly what the same filter answers when the store cannot know that:
//! `(filter) and id pr` selects the same resources, through the general query.

use scim_store::{Query, ReadOptions, Store, TenantId};

use super::{group, id, user};
use crate::backends::tenant;

/// The windows a lookup's page can be asked for: index pages from the first and second
/// position, only the total, cursor pages from the start and after `after`.
fn windows(after: &str) -> Vec<Query> {
    let window = |start_index, count, cursor: Option<&str>| Query {
        start_index,
        count,
        cursor: cursor.map(str::to_owned),
        ..Query::default()
    };
    vec![
        window(None, None, None),
        window(Some(1), Some(1), None),
        window(Some(2), None, None),
        window(None, Some(0), None),
        window(Some(2), Some(0), None),
        window(None, None, Some("")),
        window(None, Some(0), Some("")),
        window(None, Some(1), Some(after)),
        window(Some(3), None, Some(after)),
    ]
}

const OPTIONS: [ReadOptions; 3] = [
    ReadOptions::FULL,
    ReadOptions::DOCUMENT_ONLY,
    ReadOptions {
        members: false,
        groups: true,
        ..ReadOptions::DOCUMENT_ONLY
    },
];

/// Checks `filter` on `resource_type` against the general query in every window and with
/// every [`ReadOptions`]; returns the total.
fn same_as_general(
    store: &dyn Store,
    tenant: &TenantId,
    resource_type: &str,
    filter: &str,
    after: &str,
) -> u64 {
    let mut total = None;
    for window in windows(after) {
        for options in OPTIONS {
            let lookup = Query {
                filter: Query::filtered(filter).unwrap().filter,
                ..window.clone()
            };
            let general = Query {
                filter: Query::filtered(&format!("({filter}) and id pr"))
                    .unwrap()
                    .filter,
                ..window.clone()
            };
            let expected = store
                .query(tenant, resource_type, &general, options)
                .unwrap();
            let answer = store
                .query(tenant, resource_type, &lookup, options)
                .unwrap();
            assert_eq!(answer, expected, "{filter} {window:?} {options:?}");
            if let Some(at_once) = store.query_at_once(tenant, resource_type, &lookup, options) {
                assert_eq!(
                    at_once.unwrap(),
                    expected,
                    "{filter} {window:?} {options:?}"
                );
            }
            total = Some(expected.total_results);
        }
    }
    total.unwrap_or_default()
}

fn unique_lookups_answer_what_the_general_query_answers(store: &dyn Store) {
    let tenant = tenant(store);
    let first = user(store, &tenant, "first@example.com");
    let ada = user(store, &tenant, "Ada@Example.com");
    let grace = user(store, &tenant, "grace@example.com");
    let team = group(store, &tenant, "team", &[&id(&ada), &id(&grace)]);
    group(store, &tenant, "admins", &[&id(&ada)]);
    let other = crate::backends::tenant(store);
    let stranger = user(store, &other, "stranger@example.com");

    // A cursor just past `first`: `ada` and `grace` come after it.
    let after = store
        .query(
            &tenant,
            "User",
            &Query {
                count: Some(1),
                cursor: Some(String::new()),
                ..Query::default()
            },
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap()
        .next_cursor
        .unwrap();

    // (type, filter, how many match): case-insensitive userNames, ids of each type, and what
    // no lookup may find: another tenant's user, an id of the other type.
    let lookups = [
        ("User", r#"userName eq "ada@example.COM""#.to_owned(), 1),
        ("User", r#"USERNAME EQ "GRACE@EXAMPLE.COM""#.to_owned(), 1),
        ("User", format!(r#"id eq "{}""#, id(&ada)), 1),
        ("User", format!(r#"id eq "{}""#, id(&first)), 1),
        ("Group", format!(r#"id eq "{}""#, id(&team)), 1),
        ("User", r#"userName eq "nobody@example.com""#.to_owned(), 0),
        (
            "User",
            r#"userName eq "stranger@example.com""#.to_owned(),
            0,
        ),
        ("User", format!(r#"id eq "{}""#, id(&stranger)), 0),
        ("User", format!(r#"id eq "{}""#, id(&team)), 0),
        ("Group", format!(r#"id eq "{}""#, id(&ada)), 0),
        ("User", r#"id eq "no such id""#.to_owned(), 0),
    ];
    for (resource_type, filter, matches) in &lookups {
        assert_eq!(
            same_as_general(store, &tenant, resource_type, filter, &after),
            *matches,
            "{filter}"
        );
    }
}

crate::on_every_backend!(unique_lookups_answer_what_the_general_query_answers);

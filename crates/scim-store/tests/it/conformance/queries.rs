use scim_core::ScimType;
use scim_store::{Query, ReadOptions, Store, StoreError, TenantId};

use super::{group, id, user};
use crate::backends::tenant;

fn names(store: &dyn Store, tenant: &TenantId, query: &Query) -> Vec<String> {
    store
        .query(tenant, "User", query, ReadOptions::DOCUMENT_ONLY)
        .unwrap()
        .resources
        .iter()
        .map(|r| {
            r.resource.as_json()["userName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn filter(text: &str) -> Query {
    Query::filtered(text).unwrap()
}

fn user_name_lookups_ignore_case(store: &dyn Store) {
    let tenant = tenant(store);
    user(store, &tenant, "Okta.User@Example.com");
    user(store, &tenant, "other@example.com");
    assert_eq!(
        names(
            store,
            &tenant,
            &filter(r#"userName eq "okta.user@example.com""#)
        ),
        ["Okta.User@Example.com"]
    );
    assert_eq!(
        names(
            store,
            &tenant,
            &filter(r#"USERNAME EQ "OKTA.USER@EXAMPLE.COM""#)
        ),
        ["Okta.User@Example.com"]
    );
    assert!(
        names(
            store,
            &tenant,
            &filter(r#"userName eq "nobody@example.com""#)
        )
        .is_empty()
    );
    assert_eq!(
        names(store, &tenant, &filter(r#"userName sw "okta""#)).len(),
        1
    );
    assert_eq!(
        names(
            store,
            &tenant,
            &filter(r#"userName ne "other@example.com""#)
        ),
        ["Okta.User@Example.com"]
    );
}

fn index_pages_are_stable_and_full(store: &dyn Store) {
    let tenant = tenant(store);
    for i in 0..25 {
        user(store, &tenant, &format!("user{i:02}@example.com"));
    }
    let page = |start: u64| {
        store
            .query(
                &tenant,
                "User",
                &Query {
                    start_index: Some(start),
                    count: Some(10),
                    ..Query::default()
                },
                ReadOptions::DOCUMENT_ONLY,
            )
            .unwrap()
    };
    let first = page(1);
    assert_eq!(first.total_results, 25);
    assert_eq!(first.resources.len(), 10);
    assert_eq!(first.start_index, 1);
    let third = page(21);
    assert_eq!(third.resources.len(), 5);
    assert_eq!(third.start_index, 21);
    let mut seen: Vec<String> = [page(1), page(11), page(21)]
        .iter()
        .flat_map(|p| {
            p.resources
                .iter()
                .map(|r| r.resource.id().unwrap().to_owned())
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25, "pages neither repeat nor skip");
    let only_total = store
        .query(
            &tenant,
            "User",
            &Query {
                count: Some(0),
                ..Query::default()
            },
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    assert_eq!(only_total.total_results, 25);
    assert!(only_total.resources.is_empty());
}

fn cursor_pages_survive_concurrent_inserts(store: &dyn Store) {
    let tenant = tenant(store);
    for i in 0..7 {
        user(store, &tenant, &format!("c{i}@example.com"));
    }
    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let page = store
            .query(
                &tenant,
                "User",
                &Query {
                    cursor: Some(cursor.clone()),
                    count: Some(3),
                    ..Query::default()
                },
                ReadOptions::DOCUMENT_ONLY,
            )
            .unwrap();
        seen.extend(page.resources.iter().map(|r| {
            r.resource.as_json()["userName"]
                .as_str()
                .unwrap()
                .to_owned()
        }));
        if seen.len() == 3 {
            // A user created mid-iteration comes after everything already listed.
            user(store, &tenant, "late@example.com");
        }
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    assert_eq!(seen.last().unwrap(), "late@example.com");
    let bad = store
        .query(
            &tenant,
            "User",
            &Query {
                cursor: Some("garbage".into()),
                ..Query::default()
            },
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap_err();
    assert_eq!(
        scim_core::ScimError::from(bad).scim_type(),
        Some(ScimType::InvalidCursor)
    );
}

fn sorting_follows_the_attribute_and_puts_missing_values_last(store: &dyn Store) {
    let tenant = tenant(store);
    for (name, title) in [
        ("b", Some("Zed")),
        ("a", None),
        ("c", Some("alpha")),
        ("d", Some("Beta")),
    ] {
        let mut body = serde_json::json!({"userName": name});
        if let Some(title) = title {
            body["title"] = title.into();
        }
        store
            .create(scim_store::Actor::tenant(&tenant), "User", &body)
            .unwrap();
    }
    let sorted = |descending| {
        names(
            store,
            &tenant,
            &Query {
                sort_by: Some(
                    scim_core::filter::parse_sort_by("title")
                        .unwrap()
                        .into_owned(),
                ),
                descending,
                ..Query::default()
            },
        )
    };
    assert_eq!(
        sorted(false),
        ["c", "d", "b", "a"],
        "case-insensitive, missing last"
    );
    assert_eq!(
        sorted(true),
        ["a", "b", "d", "c"],
        "descending puts missing first"
    );
    assert_eq!(
        names(
            store,
            &tenant,
            &Query {
                sort_by: Some(
                    scim_core::filter::parse_sort_by("userName")
                        .unwrap()
                        .into_owned()
                ),
                ..Query::default()
            }
        ),
        ["a", "b", "c", "d"]
    );
}

fn bad_filters_are_invalid_filter_errors(store: &dyn Store) {
    let tenant = tenant(store);
    let unparsable = Query::filtered("userName eq").unwrap_err();
    assert_eq!(unparsable.scim_type(), Some(ScimType::InvalidFilter));
    for text in [
        r#"nosuch eq "x""#,
        r#"active gt true"#,
        r#"password eq "x""#,
    ] {
        let err = store
            .query(&tenant, "User", &filter(text), ReadOptions::FULL)
            .unwrap_err();
        let StoreError::Scim(scim) = err else {
            panic!("{text}: {err}")
        };
        assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter), "{text}");
    }
}

fn group_filters_read_memberships(store: &dyn Store) {
    let tenant = tenant(store);
    let a = user(store, &tenant, "a@example.com");
    let b = user(store, &tenant, "b@example.com");
    let g1 = group(store, &tenant, "One", &[&id(&a)]);
    group(store, &tenant, "Two", &[&id(&b)]);
    let groups = |text: &str| -> Vec<String> {
        store
            .query(&tenant, "Group", &filter(text), ReadOptions::DOCUMENT_ONLY)
            .unwrap()
            .resources
            .iter()
            .map(|r| {
                r.resource.as_json()["displayName"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        groups(&format!(r#"members[value eq "{}"]"#, id(&a))),
        ["One"]
    );
    assert_eq!(
        groups(&format!(r#"members.value eq "{}""#, id(&b))),
        ["Two"]
    );
    assert_eq!(groups(r#"displayName eq "one""#), ["One"]);
    let users = store
        .query(
            &tenant,
            "User",
            &filter(&format!(r#"groups.value eq "{}""#, id(&g1))),
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    assert_eq!(users.total_results, 1);
    assert_eq!(users.resources[0].resource.id(), a.resource.id());
}

crate::on_every_backend!(
    user_name_lookups_ignore_case,
    index_pages_are_stable_and_full,
    cursor_pages_survive_concurrent_inserts,
    sorting_follows_the_attribute_and_puts_missing_values_last,
    bad_filters_are_invalid_filter_errors,
    group_filters_read_memberships,
);

//! Reads answered on the calling thread (`get_at_once`, `query_at_once`): when a store answers
//! at all, it answers exactly what the ordinary call answers; it declines what could wait.

use scim_core::ScimType;
use scim_store::{Query, ReadOptions, Store, StoreError};

use super::{group, id, user};
use crate::backends::tenant;

fn filtered(filter: &str) -> Query {
    Query::filtered(filter).unwrap()
}

/// Whether the store answers point reads at once at all: SQLite does, PostgreSQL (another
/// process, so every statement waits for a reply) never does.
fn answers_at_once(store: &dyn Store) -> bool {
    let tenant = tenant(store);
    store
        .query_at_once(&tenant, "User", &filtered("id eq \"x\""), ReadOptions::FULL)
        .is_some()
}

fn point_reads_answer_what_ordinary_reads_answer(store: &dyn Store) {
    let tenant = tenant(store);
    let ada = user(store, &tenant, "Ada@Example.com");
    let grace = user(store, &tenant, "grace@example.com");
    let team = group(store, &tenant, "team", &[&id(&ada), &id(&grace)]);
    let at_once = answers_at_once(store);
    for options in [ReadOptions::FULL, ReadOptions::DOCUMENT_ONLY] {
        let expected = store.get(&tenant, "User", &id(&ada), options).unwrap();
        match store.get_at_once(&tenant, "User", &id(&ada), options) {
            Some(read) => assert_eq!(read.unwrap(), expected),
            None => assert!(!at_once),
        }
    }
    for filter in [
        r#"userName eq "ada@example.COM""#.to_owned(),
        format!(r#"id eq "{}""#, id(&grace)),
        r#"externalId eq "none""#.to_owned(),
        r#"userName eq "nobody""#.to_owned(),
    ] {
        let query = filtered(&filter);
        let expected = store
            .query(&tenant, "User", &query, ReadOptions::FULL)
            .unwrap();
        match store.query_at_once(&tenant, "User", &query, ReadOptions::FULL) {
            Some(page) => assert_eq!(page.unwrap(), expected, "{filter}"),
            None => assert!(!at_once, "{filter}"),
        }
    }
    // A group without its members is a point read; with them, it could be of any size.
    let expected = store
        .get(&tenant, "Group", &id(&team), ReadOptions::DOCUMENT_ONLY)
        .unwrap();
    match store.get_at_once(&tenant, "Group", &id(&team), ReadOptions::DOCUMENT_ONLY) {
        Some(read) => assert_eq!(read.unwrap(), expected),
        None => assert!(!at_once),
    }
    assert!(
        store
            .get_at_once(&tenant, "Group", &id(&team), ReadOptions::FULL)
            .is_none()
    );
    let by_id = filtered(&format!(r#"id eq "{}""#, id(&team)));
    assert!(
        store
            .query_at_once(&tenant, "Group", &by_id, ReadOptions::FULL)
            .is_none()
    );
}

fn other_reads_are_declined(store: &dyn Store) {
    let tenant = tenant(store);
    user(store, &tenant, "ada@example.com");
    for filter in [
        r#"userName sw "ada""#,
        r#"userName eq "ada@example.com" or userName eq "b""#,
        r#"name.familyName eq "Lovelace""#,
        r#"emails.value eq "ada@example.com""#,
        "userName pr",
    ] {
        assert!(
            store
                .query_at_once(&tenant, "User", &filtered(filter), ReadOptions::FULL)
                .is_none(),
            "{filter}"
        );
    }
    assert!(
        store
            .query_at_once(&tenant, "User", &Query::default(), ReadOptions::FULL)
            .is_none()
    );
    let sorted = Query {
        sort_by: Some(
            scim_core::filter::parse_sort_by("userName")
                .unwrap()
                .into_owned(),
        ),
        ..filtered(r#"userName eq "ada@example.com""#)
    };
    assert!(
        store
            .query_at_once(&tenant, "User", &sorted, ReadOptions::FULL)
            .is_none()
    );
}

fn point_read_errors_are_the_ordinary_errors(store: &dyn Store) {
    let tenant = tenant(store);
    if let Some(read) = store.get_at_once(&tenant, "User", "missing", ReadOptions::FULL) {
        assert!(matches!(read, Err(StoreError::NotFound { .. })));
    }
    // A filter naming no attribute is refused before anything could wait, on every backend.
    let refused = store
        .query_at_once(
            &tenant,
            "User",
            &filtered(r#"nosuch eq "x""#),
            ReadOptions::FULL,
        )
        .expect("a filter error needs no database")
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Scim(e) if e.scim_type() == Some(ScimType::InvalidFilter)),
        "{refused:?}"
    );
}

crate::on_every_backend!(
    point_reads_answer_what_ordinary_reads_answer,
    other_reads_are_declined,
    point_read_errors_are_the_ordinary_errors,
);

/// SQLite, a file of this process, answers point reads at once; PostgreSQL never does.
#[test]
fn only_the_embedded_database_answers_at_once() {
    assert!(answers_at_once(&*crate::backends::sqlite()));
    if let Some(store) = crate::backends::postgres() {
        assert!(!answers_at_once(&*store));
    }
}

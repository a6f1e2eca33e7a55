//! Unit tests of resolution and evaluation, on parsed filters and the resources of
//! `test_fixtures`.

mod evaluating;
mod resolving;

use super::{Filter, ResolveError, ResolvedFilter, parse_filter, resolve};
use crate::schema::ResourceType;
use crate::test_fixtures::registry;

/// Realistic filters (RFC 7644 §3.4.2.2 and what identity providers send) that are valid for
/// `User`.
const CORPUS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    "title pr",
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    r#"active eq true and meta.created gt "2024-01-01T00:00:00Z" and meta.created lt "2025-01-01T00:00:00Z""#,
    r#"not (active eq false) and displayName ew "Smith""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"externalId eq "ext-42" or (name.givenName sw "Ba" and name.familyName ew "son")"#,
    r#"emails[type eq "work"] and emails[value ew "@example.com"]"#,
];

/// The parsed filter, detached from its text.
#[track_caller]
pub(crate) fn filter(text: &str) -> Filter<'static> {
    parse_filter(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .into_owned()
}

fn resource_type(name: &str) -> ResourceType {
    registry().resource_type(name).unwrap().clone()
}

fn users() -> ResourceType {
    resource_type("User")
}

fn device_type() -> ResourceType {
    resource_type("Device")
}

fn try_resolve(text: &str, resource_type: &str) -> Result<ResolvedFilter, ResolveError> {
    resolve(
        &filter(text),
        &registry(),
        &self::resource_type(resource_type),
    )
}

#[track_caller]
fn resolve_ok(text: &str, resource_type: &str) -> ResolvedFilter {
    try_resolve(text, resource_type).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[track_caller]
fn resolve_user(text: &str) -> ResolvedFilter {
    resolve_ok(text, "User")
}

#[track_caller]
fn resolve_err(text: &str, resource_type: &str) -> ResolveError {
    match try_resolve(text, resource_type) {
        Ok(f) => panic!("{text} resolved: {f:?}"),
        Err(e) => e,
    }
}

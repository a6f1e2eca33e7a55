//! Stored rows back into resources: the document, `id`, `meta` and the memberships.

use chrono::SecondsFormat;
use scim_core::resource::Resource;
use scim_core::schema::ResourceKind;
use serde_json::{Map, Value, json};

use crate::StoreError;
use crate::backend::ResourceRow;
use crate::clock::from_micros;
use crate::links::{Link, Linked, Links};
use crate::model::{Memberships, ReadOptions, StoredResource};

/// The stored document of a row with its `id`: what validation and PATCH start from.
pub(crate) fn stored_body(row: &ResourceRow) -> Result<Map<String, Value>, StoreError> {
    let mut data: Map<String, Value> = serde_json::from_str(&row.data)
        .map_err(|e| StoreError::Corrupt(format!("document of {}: {e}", row.id)))?;
    data.insert("id".to_owned(), Value::String(row.id.clone()));
    Ok(data)
}

fn timestamp(micros: i64) -> Value {
    Value::String(from_micros(micros).to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// Turns rows into resources. The memberships `options` asks for come with each row (its
/// `links`, loaded by the same statement), so rendering needs no further query.
pub(crate) fn render(
    rows: Vec<ResourceRow>,
    options: ReadOptions,
) -> Result<Vec<StoredResource>, StoreError> {
    rows.into_iter()
        .map(|row| render_one(row, options))
        .collect()
}

pub(crate) fn render_one(
    row: ResourceRow,
    options: ReadOptions,
) -> Result<StoredResource, StoreError> {
    let version = super::resources::stored_version(row.version)?;
    let mut body: Map<String, Value> = serde_json::from_str(&row.data)
        .map_err(|e| StoreError::Corrupt(format!("document of {}: {e}", row.id)))?;
    // `schemas` first and `id` after it; the other attributes keep their stored order. Moved in
    // place: building a second map would hash every key again.
    if body.keys().next().is_some_and(|key| key != "schemas")
        && let Some(schemas) = body.shift_remove("schemas")
    {
        body.shift_insert(0, "schemas".to_owned(), schemas);
    }
    let after_schemas = usize::from(body.contains_key("schemas"));
    body.shift_insert(
        after_schemas,
        "id".to_owned(),
        Value::String(row.id.clone()),
    );
    let related = match ResourceKind::of(&row.resource_type) {
        ResourceKind::Group if options.members => Some(Linked::Members),
        ResourceKind::User if options.groups => Some(Linked::Groups),
        _ => None,
    };
    let mut links = None;
    if let (Some(attribute), Some(text)) = (related, &row.links) {
        let items = parse_links(text)
            .map_err(|e| StoreError::Corrupt(format!("memberships of {}: {e}", row.id)))?;
        if !items.is_empty() {
            let found = Links { attribute, items };
            match options.memberships {
                Memberships::Inline => {
                    body.insert(attribute.name().to_owned(), found.into_json());
                }
                Memberships::Apart => links = Some(found),
            }
        }
    }
    body.insert(
        "meta".to_owned(),
        json!({
            "resourceType": row.resource_type,
            "created": timestamp(row.created_at),
            "lastModified": timestamp(row.updated_at),
            "version": version.etag().to_string(),
        }),
    );
    Ok(StoredResource {
        id: row.id,
        resource: Resource::from_trusted_json(row.resource_type, body),
        version,
        links,
        members_left_out: false,
    })
}

/// The links column: one `[id, type, display]` array per membership, display possibly null,
/// in whatever order the database aggregated them. Returned sorted by id (byte order, as
/// PostgreSQL's `COLLATE "C"` and SQLite's `BINARY` compare): an id occurs once per resource.
fn parse_links(text: &str) -> Result<Vec<Link>, serde_json::Error> {
    let rows: Vec<(String, String, Option<String>)> = serde_json::from_str(text)?;
    let mut links: Vec<Link> = rows
        .into_iter()
        .map(|(value, kind, display)| Link {
            value,
            kind,
            display,
        })
        .collect();
    links.sort_unstable_by(|a, b| a.value.cmp(&b.value));
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_come_back_sorted_by_id_in_byte_order_whatever_order_the_database_gave() {
        let text = r#"[["b-2","User",null],["B-1","Group","Admins"],["a-3","User","Ann"]]"#;
        let links = parse_links(text).expect("well-formed links");
        let ids: Vec<&str> = links.iter().map(|link| link.value.as_str()).collect();
        assert_eq!(ids, ["B-1", "a-3", "b-2"]);
        assert_eq!(links[0].kind, "Group");
        assert_eq!(links[0].display.as_deref(), Some("Admins"));
        assert_eq!(links[2].display, None);
    }

    fn row(data: &str) -> ResourceRow {
        ResourceRow {
            resource_type: "User".to_owned(),
            id: "u-1".to_owned(),
            seq: 1,
            version: 3,
            created_at: 0,
            updated_at: 0,
            protected: false,
            data: data.to_owned(),
            links: None,
            last_event: None,
        }
    }

    fn keys(stored: &StoredResource) -> Vec<&str> {
        stored
            .resource
            .as_json()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn a_resource_lists_schemas_then_id_then_its_stored_attributes_in_order_then_meta() {
        let stored = render_one(
            row(r#"{"schemas":["s"],"userName":"a","name":{"givenName":"A"},"active":true,"emails":[]}"#),
            ReadOptions::FULL,
        )
        .expect("a well-formed row");
        assert_eq!(
            keys(&stored),
            [
                "schemas", "id", "userName", "name", "active", "emails", "meta"
            ]
        );
        assert_eq!(stored.resource.as_json()["id"], "u-1");
        assert_eq!(stored.version, crate::Version::new(3));

        let late = render_one(
            row(r#"{"userName":"a","schemas":["s"],"active":true}"#),
            ReadOptions::FULL,
        )
        .expect("a well-formed row");
        assert_eq!(keys(&late), ["schemas", "id", "userName", "active", "meta"]);
        let without =
            render_one(row(r#"{"userName":"a"}"#), ReadOptions::FULL).expect("a well-formed row");
        assert_eq!(keys(&without), ["id", "userName", "meta"]);
    }

    #[test]
    fn a_row_whose_document_is_not_json_is_corrupt() {
        assert!(matches!(
            render_one(row("{not json"), ReadOptions::FULL),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn a_row_whose_version_is_not_positive_is_corrupt_not_w0() {
        for version in [0, -1, i64::MIN] {
            let mut bad = row(r#"{"userName":"a"}"#);
            bad.version = version;
            assert!(
                matches!(
                    render_one(bad, ReadOptions::FULL),
                    Err(StoreError::Corrupt(_))
                ),
                "version {version}"
            );
        }
    }

    #[test]
    fn no_links_is_an_empty_list_and_malformed_links_are_an_error() {
        assert!(parse_links("[]").expect("an empty array").is_empty());
        assert!(parse_links(r#"[["only-an-id"]]"#).is_err());
    }
}

//! Stored rows back into resources: the document, `id`, `meta` and the memberships.

use chrono::SecondsFormat;
use scim_core::resource::Resource;
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
    let mut data: Map<String, Value> = serde_json::from_str(&row.data)
        .map_err(|e| StoreError::Corrupt(format!("document of {}: {e}", row.id)))?;
    let mut body = Map::with_capacity(data.len() + 4);
    if let Some(schemas) = data.remove("schemas") {
        body.insert("schemas".to_owned(), schemas);
    }
    body.insert("id".to_owned(), Value::String(row.id.clone()));
    body.extend(data);
    let related = match row.resource_type.as_str() {
        "Group" if options.members => Some(Linked::Members),
        "User" if options.groups => Some(Linked::Groups),
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
            "version": format!("W/\"{}\"", row.version),
        }),
    );
    Ok(StoredResource {
        resource: Resource::from_trusted_json(row.resource_type, body),
        version: row.version,
        links,
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

    #[test]
    fn no_links_is_an_empty_list_and_malformed_links_are_an_error() {
        assert!(parse_links("[]").expect("an empty array").is_empty());
        assert!(parse_links(r#"[["only-an-id"]]"#).is_err());
    }
}

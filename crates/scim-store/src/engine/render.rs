//! Stored rows back into resources: the document, `id`, `meta` and the memberships.

use chrono::SecondsFormat;
use scim_core::resource::Resource;
use serde_json::{Map, Value, json};

use crate::StoreError;
use crate::backend::ResourceRow;
use crate::clock::from_micros;
use crate::model::{ReadOptions, StoredResource};

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
        "Group" if options.members => Some("members"),
        "User" if options.groups => Some("groups"),
        _ => None,
    };
    if let (Some(attribute), Some(links)) = (related, &row.links) {
        let links: Vec<Link> = serde_json::from_str(links)
            .map_err(|e| StoreError::Corrupt(format!("memberships of {}: {e}", row.id)))?;
        if !links.is_empty() {
            body.insert(
                attribute.to_owned(),
                Value::Array(links.into_iter().map(element).collect()),
            );
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
    })
}

/// One membership as the links column lists it: the far side's id, its type and its display
/// name.
type Link = (String, String, Option<String>);

/// One `members` (or `groups`) element.
fn element((value, kind, display): Link) -> Value {
    let mut element = Map::with_capacity(3);
    element.insert("value".to_owned(), Value::String(value));
    if let Some(display) = display {
        element.insert("display".to_owned(), Value::String(display));
    }
    element.insert("type".to_owned(), Value::String(kind));
    Value::Object(element)
}

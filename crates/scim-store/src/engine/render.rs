//! Stored rows back into resources: the document, `id`, `meta` and the memberships.

use std::collections::HashMap;

use chrono::SecondsFormat;
use scim_core::resource::Resource;
use serde_json::{Map, Value, json};

use super::tables;
use crate::backend::{MemberRow, ResourceRow, SqlConn};
use crate::clock::from_micros;
use crate::model::{ReadOptions, StoredResource};
use crate::{StoreError, TenantId};

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

/// Turns rows into resources, loading the memberships `options` asks for in one query per
/// kind, whatever the number of rows.
pub(crate) fn render(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    rows: Vec<ResourceRow>,
    options: ReadOptions,
) -> Result<Vec<StoredResource>, StoreError> {
    let ids_of = |kind: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| r.resource_type == kind)
            .map(|r| r.id.as_str())
            .collect()
    };
    let members = if options.members {
        tables::members_of(conn, tenant, &ids_of("Group"))?
    } else {
        Vec::new()
    };
    let groups = if options.groups {
        tables::groups_of(conn, tenant, &ids_of("User"))?
    } else {
        Vec::new()
    };
    let members = by_owner(&members);
    let groups = by_owner(&groups);
    rows.iter()
        .map(|row| {
            let mut data: Map<String, Value> = serde_json::from_str(&row.data)
                .map_err(|e| StoreError::Corrupt(format!("document of {}: {e}", row.id)))?;
            let mut body = Map::with_capacity(data.len() + 4);
            if let Some(schemas) = data.remove("schemas") {
                body.insert("schemas".to_owned(), schemas);
            }
            body.insert("id".to_owned(), Value::String(row.id.clone()));
            body.extend(data);
            let related = match row.resource_type.as_str() {
                "Group" if options.members => Some(("members", &members)),
                "User" if options.groups => Some(("groups", &groups)),
                _ => None,
            };
            if let Some(links) =
                related.and_then(|(a, links)| Some((a, links.get(row.id.as_str())?)))
            {
                let (attribute, links) = links;
                body.insert(
                    attribute.to_owned(),
                    Value::Array(links.iter().map(|l| element(l)).collect()),
                );
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
                resource: Resource::from_trusted_json(row.resource_type.clone(), body),
                version: row.version,
            })
        })
        .collect()
}

fn by_owner(links: &[MemberRow]) -> HashMap<&str, Vec<&MemberRow>> {
    let mut owners: HashMap<&str, Vec<&MemberRow>> = HashMap::new();
    for link in links {
        owners.entry(link.group_id.as_str()).or_default().push(link);
    }
    owners
}

/// One `members` (or `groups`) element.
fn element(link: &MemberRow) -> Value {
    let mut element = Map::with_capacity(3);
    element.insert("value".to_owned(), Value::String(link.member_id.clone()));
    if let Some(display) = &link.display {
        element.insert("display".to_owned(), Value::String(display.clone()));
    }
    element.insert("type".to_owned(), Value::String(link.member_type.clone()));
    Value::Object(element)
}

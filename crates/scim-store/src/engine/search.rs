//! The search document: the copy of a resource that filters read (`data_ci`).

use chrono::{DateTime, Utc};
use scim_core::fold_case;
use scim_core::schema::{Attribute, AttributeType, ResourceType, SchemaRegistry};
use serde_json::{Map, Value};

use crate::sql::date_time_key;

/// `body` with every string of a case-insensitive string or reference attribute folded with
/// [`fold_case`], and every dateTime rewritten by [`date_time_key`]; everything else unchanged.
///
/// Filters compare against this copy, so case-insensitive equality and ordering are plain text
/// comparisons in SQL, computed by the same Rust function the evaluator uses.
pub(crate) fn search_document(
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
    body: &Map<String, Value>,
) -> Map<String, Value> {
    body.iter()
        .map(|(key, value)| {
            let transformed = match (resource_type.extension(key), value) {
                (Some(extension), Value::Object(members)) => {
                    let schema = registry.schema(&extension.schema);
                    Value::Object(
                        members
                            .iter()
                            .map(|(name, v)| {
                                let attribute = schema.and_then(|s| s.attribute(name));
                                (name.clone(), transform(attribute, v))
                            })
                            .collect(),
                    )
                }
                _ => {
                    let found = registry.find_attribute(resource_type, None, key);
                    transform(found.map(|f| f.attribute()), value)
                }
            };
            (key.clone(), transformed)
        })
        .collect()
}

fn transform(attribute: Option<&Attribute>, value: &Value) -> Value {
    let Some(attribute) = attribute else {
        return value.clone();
    };
    match value {
        Value::Array(items) if attribute.is_multi_valued() => Value::Array(
            items
                .iter()
                .map(|item| transform_one(attribute, item))
                .collect(),
        ),
        other => transform_one(attribute, other),
    }
}

fn transform_one(attribute: &Attribute, value: &Value) -> Value {
    match (attribute.kind(), value) {
        (AttributeType::String | AttributeType::Reference, Value::String(text))
            if !attribute.is_case_exact() =>
        {
            Value::String(fold_case(text).into_owned())
        }
        (AttributeType::DateTime, Value::String(text)) => {
            match DateTime::parse_from_rfc3339(text) {
                Ok(at) => Value::String(date_time_key(&at.with_timezone(&Utc))),
                Err(_) => value.clone(),
            }
        }
        (AttributeType::Complex, Value::Object(members)) => Value::Object(
            members
                .iter()
                .map(|(name, v)| (name.clone(), transform(attribute.sub_attribute(name), v)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn folds_case_insensitive_strings_and_normalises_date_times() {
        let registry = SchemaRegistry::standard();
        let users = registry.resource_type("User").unwrap();
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "BJensen@Example.COM",
            "externalId": "ExT-1",
            "emails": [{"value": "BJ@Example.com", "type": "Work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "R&D Ü", "manager": {"value": "ID-1", "displayName": "Boss"}
            }
        });
        let search = search_document(&registry, users, body.as_object().unwrap());
        assert_eq!(search["userName"], "bjensen@example.com");
        assert_eq!(search["externalId"], "ExT-1", "externalId is case-exact");
        assert_eq!(
            search["schemas"][0],
            "urn:ietf:params:scim:schemas:core:2.0:User"
        );
        assert_eq!(
            search["emails"][0],
            json!({"value": "bj@example.com", "type": "work", "primary": true})
        );
        let enterprise = &search["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
        assert_eq!(enterprise["department"], "r&d ü");
        assert_eq!(enterprise["manager"]["value"], "id-1");
    }
}

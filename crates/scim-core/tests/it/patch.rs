//! The PATCH engine against `test_data/patch/NNNN_name/`: `before.json` (a client document,
//! validated as on create; its `id` is kept), `patch.json` (a PatchOp message), and either
//! `after.json` (the expected canonical resource) or `error.json` (`status`, `scimType` and
//! optionally the failing `operation`). Optional: `options.json` (`{"detach": ["members"]}`),
//! `detached.json` (the expected detached changes), `changed.json` (the expected changed
//! attributes).

use std::fs;
use std::path::{Path, PathBuf};

use scim_core::ScimError;
use scim_core::message::PatchRequest;
use scim_core::patch::{ElementChange, PatchOptions, PatchOutcome, apply_patch};
use scim_core::resource::Resource;
use scim_core::schema::{ResourceType, SchemaRegistry};
use scim_core::validate::Validator;
use serde_json::{Value, json};

fn read(dir: &Path, name: &str) -> Option<Value> {
    let text = fs::read_to_string(dir.join(name)).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display())))
}

/// The resource type whose core schema is the first of `schemas`.
pub(crate) fn resource_type<'r>(registry: &'r SchemaRegistry, body: &Value) -> &'r ResourceType {
    let core = body["schemas"][0]
        .as_str()
        .expect("before.json names its core schema first");
    registry
        .resource_types()
        .iter()
        .find(|t| t.schema().eq_ignore_ascii_case(core))
        .expect("a registered resource type")
}

/// A canonical resource from a client document, keeping its `id`.
pub(crate) fn resource(registry: &SchemaRegistry, body: &Value) -> Resource {
    let rt = resource_type(registry, body);
    let mut resource = Validator::new(registry, rt)
        .unwrap()
        .create(body)
        .unwrap()
        .resource;
    if let Some(id) = body["id"].as_str() {
        resource.set_id(id);
    }
    resource
}

fn options(dir: &Path) -> PatchOptions {
    let mut options = PatchOptions::new();
    if let Some(json) = read(dir, "options.json") {
        for name in json["detach"].as_array().into_iter().flatten() {
            options = options.detach(name.as_str().unwrap());
        }
    }
    options
}

fn detached_json(outcome: &PatchOutcome) -> Value {
    let changes = outcome.detached.iter().map(|c| {
        let change = match &c.change {
            ElementChange::Add(elements) => json!({"add": elements}),
            ElementChange::Remove(ids) => json!({"remove": ids}),
            ElementChange::RemoveMatching(_) => json!({"removeMatching": true}),
            ElementChange::Replace(elements) => json!({"replace": elements}),
            ElementChange::Clear => json!({"clear": true}),
        };
        json!({"attribute": c.attribute, "change": change})
    });
    Value::Array(changes.collect())
}

fn run(dir: &Path) -> Result<(), String> {
    let registry = SchemaRegistry::standard();
    let before_json = read(dir, "before.json").ok_or("no before.json")?;
    let message = read(dir, "patch.json").ok_or("no patch.json")?;
    let before = resource(&registry, &before_json);
    let rt = resource_type(&registry, &before_json);
    let snapshot = serde_json::to_string(&before).unwrap();
    // Through the real message reader, as a server would.
    let result = PatchRequest::from_value(message)
        .map_err(|e| (None, ScimError::from(e)))
        .and_then(|request| {
            apply_patch(
                &registry,
                rt,
                &before,
                request.as_operations(),
                &options(dir),
            )
            .map_err(|e| (e.operation(), ScimError::from(e)))
        });
    if serde_json::to_string(&before).unwrap() != snapshot {
        return Err("the input resource changed".into());
    }
    match (result, read(dir, "after.json"), read(dir, "error.json")) {
        (Ok(outcome), Some(after), None) => {
            let got = Value::Object(outcome.resource.clone().into_json());
            if got != after {
                return Err(format!("resource:\n  got      {got}\n  expected {after}"));
            }
            if let Some(expected) = read(dir, "detached.json") {
                let got = detached_json(&outcome);
                if got != expected {
                    return Err(format!(
                        "detached:\n  got      {got}\n  expected {expected}"
                    ));
                }
            } else if !outcome.detached.is_empty() {
                return Err(format!(
                    "unexpected detached changes {:?}",
                    outcome.detached
                ));
            }
            if let Some(expected) = read(dir, "changed.json") {
                let got = json!(outcome.changed_attributes);
                if got != expected {
                    return Err(format!("changed:\n  got      {got}\n  expected {expected}"));
                }
            }
            // The result is canonical: validating it again changes nothing.
            let again = Validator::new(&registry, rt)
                .unwrap()
                .replace(
                    &Value::Object(outcome.resource.as_json().clone()),
                    &outcome.resource,
                )
                .map_err(|e| format!("result does not re-validate: {e}"))?;
            // Compared serialised, so the order of keys counts too.
            if serde_json::to_string(&again.resource).unwrap()
                != serde_json::to_string(&outcome.resource).unwrap()
            {
                return Err(format!("result is not canonical: {:?}", again.resource));
            }
            Ok(())
        }
        (Err((operation, scim)), None, Some(expected)) => {
            let got = json!({
                "status": scim.status(),
                "scimType": scim.scim_type().map(|t| t.as_str()),
            });
            let mut expected_core = expected.clone();
            let expected_operation = expected_core
                .as_object_mut()
                .and_then(|o| o.remove("operation"));
            if got != expected_core {
                return Err(format!("error: got {got} ({scim}), expected {expected}"));
            }
            if let Some(index) = expected_operation
                && json!(operation) != index
            {
                return Err(format!(
                    "error at operation {operation:?}, expected {index}"
                ));
            }
            Ok(())
        }
        (Ok(outcome), _, Some(expected)) => Err(format!(
            "expected error {expected}, got {}",
            Value::Object(outcome.resource.into_json())
        )),
        (Err((_, scim)), _, _) => Err(format!("unexpected error: {scim}")),
        (Ok(_), None, None) => Err("neither after.json nor error.json".into()),
    }
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/patch");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn patch_cases() {
    let dirs = cases();
    assert!(dirs.len() >= 40, "only {} cases", dirs.len());
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|dir| {
            run(dir)
                .err()
                .map(|e| format!("{}: {e}", dir.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

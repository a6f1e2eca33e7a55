//! The recorded Okta request sequences (the same files the server's end-to-end suite replays)
//! against the axum application, in process: the embedding answers Okta as the server does.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use axum_embed::{App, router};
use scim_core::schema::SchemaRegistry;
use scim_service::{Caller, ScimService, Settings};
use scim_store::{StoreBuilder, TenantId, TenantSettings};
use serde_json::Value;
use tower::ServiceExt;

const KEY: &str = "okta-key-for-tests";
const PUBLIC_URL: &str = "http://scim.test";

fn app() -> App {
    let store = StoreBuilder::new(SchemaRegistry::standard())
        .open("sqlite::memory:")
        .unwrap();
    let acme = TenantId::new("acme").unwrap();
    store
        .create_tenant(&acme, &TenantSettings::default())
        .unwrap();
    App {
        scim: Arc::new(ScimService::new(store, Settings::default())),
        keys: Arc::new(HashMap::from([(
            KEY.to_owned(),
            Caller::new(acme).with_token("okta"),
        )])),
        public_url: PUBLIC_URL.to_owned(),
    }
}

fn recording(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../bins/scim-server/tests/idp/okta")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The values a scenario captured so far, and the collections it gathered.
#[derive(Default)]
struct Vars {
    values: BTreeMap<String, String>,
    collections: BTreeMap<String, BTreeSet<String>>,
}

impl Vars {
    fn substitute(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, value) in &self.values {
            out = out.replace(&format!("{{{{{name}}}}}"), value);
        }
        assert!(!out.contains("{{"), "uncaptured value in {text}");
        out
    }

    fn substitute_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.substitute(s)),
            Value::Array(items) => items.iter().map(|v| self.substitute_json(v)).collect(),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.substitute_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

async fn replay(name: &str) {
    let scenario = recording(name);
    assert!(
        scenario.get("setup").is_none(),
        "{name}: setup commands are the server's"
    );
    let router = router(app());
    let mut vars = Vars::default();
    vars.values.insert("base".into(), PUBLIC_URL.into());
    for step in scenario["steps"].as_array().unwrap() {
        let runs: Vec<Option<u64>> = match step.get("repeat") {
            Some(repeat) => (repeat["from"].as_u64().unwrap()..=repeat["to"].as_u64().unwrap())
                .map(Some)
                .collect(),
            None => vec![None],
        };
        for value in runs {
            if let (Some(value), Some(repeat)) = (value, step.get("repeat")) {
                let var = repeat["var"].as_str().unwrap().to_owned();
                vars.values.insert(var, value.to_string());
            }
            run_step(&router, &mut vars, name, step).await;
        }
    }
}

async fn run_step(router: &axum::Router, vars: &mut Vars, name: &str, step: &Value) {
    let context = format!("{name}: {}", step["name"]);
    let request = &step["request"];
    let mut builder = Request::builder()
        .method(request["method"].as_str().unwrap())
        .uri(vars.substitute(request["path"].as_str().unwrap()));
    if let Some(headers) = request.get("headers").and_then(Value::as_object) {
        for (header, value) in headers {
            builder = builder.header(header, vars.substitute(value.as_str().unwrap()));
        }
    }
    if request.get("auth").and_then(Value::as_bool) != Some(false) {
        builder = builder.header("Authorization", format!("Bearer {KEY}"));
    }
    let body = match (request.get("body"), request.get("raw_body")) {
        (Some(json), _) => Body::from(vars.substitute_json(json).to_string()),
        (None, Some(raw)) => Body::from(vars.substitute(raw.as_str().unwrap())),
        (None, None) => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(builder.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    let expect = &step["expect"];
    assert_eq!(
        Some(u64::from(status)),
        expect["status"].as_u64(),
        "{context}: {body}"
    );
    for (header, value) in expect
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let actual = headers.get(header.as_str()).and_then(|v| v.to_str().ok());
        assert_eq!(
            actual,
            Some(vars.substitute(value.as_str().unwrap()).as_str()),
            "{context}: header {header}"
        );
    }
    for (pointer, value) in expect
        .get("json")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        assert_eq!(
            body.pointer(pointer),
            Some(&vars.substitute_json(value)),
            "{context}: {pointer} in {body}"
        );
    }
    for pointer in expect
        .get("absent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pointer = pointer.as_str().unwrap();
        assert!(
            body.pointer(pointer).is_none(),
            "{context}: {pointer} present"
        );
    }
    for (pointer, len) in expect
        .get("len")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let actual = body
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(
            Some(actual as u64),
            len.as_u64(),
            "{context}: length of {pointer}"
        );
    }
    for (var, source) in expect
        .get("capture")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let source = source.as_str().unwrap();
        let value = match source.strip_prefix("header:") {
            Some(header) => headers[header].to_str().unwrap().to_owned(),
            None => body
                .pointer(source)
                .and_then(Value::as_str)
                .unwrap()
                .to_owned(),
        };
        vars.values.insert(var.clone(), value);
    }
    for (collection, pattern) in expect
        .get("collect")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let pattern = pattern.as_str().unwrap();
        let (array, rest) = pattern.split_once("/*").unwrap();
        for item in body
            .pointer(array)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(Value::String(value)) = item.pointer(rest) {
                vars.collections
                    .entry(collection.clone())
                    .or_default()
                    .insert(value.clone());
            }
        }
    }
    for (collection, count) in expect
        .get("distinct")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let actual = vars.collections.get(collection).map_or(0, BTreeSet::len);
        assert_eq!(
            Some(actual as u64),
            count.as_u64(),
            "{context}: {collection}"
        );
    }
}

#[tokio::test]
async fn okta_test_connector() {
    replay("0001_test_connector.json").await;
}

#[tokio::test]
async fn okta_user_lifecycle() {
    replay("0002_user_lifecycle.json").await;
}

#[tokio::test]
async fn okta_import_paging() {
    replay("0003_import_paging.json").await;
}

#[tokio::test]
async fn the_applications_own_routes_still_answer() {
    let response = router(app())
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

//! The OpenAPI document is true: it lists exactly the routes the server mounts, and every
//! operation's answer validates against the schema the document gives for it.

use std::collections::BTreeSet;

use actix_web::http::Method;
use scim_server::http::manage::OPERATIONS;
use serde_json::{Value, json};

use super::super::support::TestApp;
use super::document;

#[test]
fn the_document_lists_exactly_the_mounted_routes() {
    let mounted: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|o| (o.path.to_owned(), o.method.as_str().to_ascii_lowercase()))
        .collect();
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let documented: BTreeSet<(String, String)> = document()["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| methods.contains(&k.as_str()))
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    assert_eq!(mounted, documented);
    assert_eq!(document()["openapi"], "3.1.0");
    // Every operation has an id, a success answer and a problem for the rest.
    for (path, method) in &documented {
        let operation = &document()["paths"][path][method];
        assert!(operation["operationId"].is_string(), "{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}"
        );
        assert!(responses.contains_key("default"), "{method} {path}");
    }
}

/// Calls every operation once with input that succeeds; `TestApp::admin` checks each answer
/// against the document.
#[actix_web::test]
async fn every_operation_answers_as_the_document_says() {
    let app = TestApp::new();
    let mut answered = BTreeSet::new();
    let mut call = async |method: Method, path: String, body: Option<Value>| {
        let reply = app.admin(method.clone(), &path, body.as_ref()).await;
        assert!(
            reply.status.is_success(),
            "{method} {path}: {}",
            reply.text()
        );
        let path = path.strip_prefix("/admin/v1").unwrap();
        let template = super::template_of(path.split('?').next().unwrap()).unwrap();
        answered.insert((template.to_owned(), method.as_str().to_ascii_lowercase()));
        if reply.body.is_empty() {
            Value::Null
        } else {
            reply.json()
        }
    };
    call(Method::GET, "/admin/v1/openapi.json".into(), None).await;
    call(
        Method::POST,
        "/admin/v1/tenants".into(),
        Some(json!({"id": "acme", "projects": ["Web"], "roles": ["Admin"]})),
    )
    .await;
    call(Method::GET, "/admin/v1/tenants".into(), None).await;
    let t = "/admin/v1/tenants/acme";
    call(Method::GET, t.into(), None).await;
    call(
        Method::PATCH,
        t.into(),
        Some(json!({"policies": {"group_rename": true}})),
    )
    .await;
    let acme = scim_store::TenantId::new("acme").unwrap();
    app.state
        .store
        .create(
            scim_store::Actor::tenant(&acme),
            "User",
            &json!({"userName": "ada"}),
        )
        .unwrap();
    call(
        Method::PUT,
        format!("{t}/owner"),
        Some(json!({"user_name": "ada"})),
    )
    .await;
    call(Method::GET, format!("{t}/access"), None).await;
    call(Method::GET, format!("{t}/summary"), None).await;
    let people = call(Method::GET, format!("{t}/users?q=ad&limit=10"), None).await;
    let ada = people["people"][0]["id"].as_str().unwrap().to_owned();
    call(Method::GET, format!("{t}/users/{ada}"), None).await;
    let groups = call(Method::GET, format!("{t}/groups"), None).await;
    let group = groups["groups"][0]["id"].as_str().unwrap().to_owned();
    call(Method::GET, format!("{t}/groups/{group}"), None).await;
    call(Method::GET, format!("{t}/groups/{group}/members"), None).await;
    call(Method::GET, format!("{t}/matrix"), None).await;
    call(
        Method::GET,
        format!("{t}/activity?type=user.created&type=tenant.updated&person=ada&limit=5"),
        None,
    )
    .await;
    call(
        Method::POST,
        format!("{t}/console-links"),
        Some(json!({"expires_in": "30m"})),
    )
    .await;
    call(Method::GET, format!("{t}/events?full=true"), None).await;
    let key = call(Method::POST, format!("{t}/tokens"), Some(json!({}))).await;
    let key = key["id"].as_str().unwrap().to_owned();
    call(Method::GET, format!("{t}/tokens"), None).await;
    call(Method::GET, format!("{t}/tokens/{key}"), None).await;
    call(Method::DELETE, format!("{t}/tokens/{key}"), None).await;
    let subscription = call(
        Method::POST,
        format!("{t}/subscriptions"),
        // `.invalid` never resolves (RFC 6761): the test delivery below fails at once, offline.
        Some(json!({"url": "https://receiver.invalid/hooks"})),
    )
    .await;
    let s = format!("{t}/subscriptions/{}", subscription["id"].as_str().unwrap());
    call(Method::GET, format!("{t}/subscriptions"), None).await;
    call(Method::GET, s.clone(), None).await;
    call(Method::PATCH, s.clone(), Some(json!({"full": true}))).await;
    call(Method::POST, format!("{s}/rotate-secret"), None).await;
    call(Method::GET, format!("{s}/deliveries"), None).await;
    call(
        Method::POST,
        format!("{s}/redeliver"),
        Some(json!({"after": 0})),
    )
    .await;
    let attempt = call(Method::POST, format!("{s}/test"), None).await;
    assert_eq!(attempt["delivered"], false, "{attempt}");
    assert!(attempt["error"].is_string(), "{attempt}");
    call(Method::DELETE, s, None).await;
    call(Method::DELETE, t.into(), None).await;

    let all: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|o| (o.path.to_owned(), o.method.as_str().to_ascii_lowercase()))
        .collect();
    assert_eq!(answered, all, "every operation was called");
}

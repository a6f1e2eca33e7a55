//! `POST /Bulk` (RFC 7644 §3.7).

use actix_web::http::{Method, header};
use serde_json::{Value, json};

use super::support::{
    BASE, MAX_OPERATIONS, MAX_PAYLOAD, SCIM_JSON, SwitchableStore, TestApp, config, id_of,
    memory_store, request, user,
};

fn bulk(operations: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": operations
    })
}

/// The results of a bulk response, asserting its envelope.
fn results(body: &Value) -> &Vec<Value> {
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    body["Operations"].as_array().unwrap()
}

async fn total(app: &TestApp, endpoint: &str) -> u64 {
    app.get(&format!("/scim/v2/{endpoint}?count=0"), &app.a.read)
        .await
        .assert_scim(200)["totalResults"]
        .as_u64()
        .unwrap()
}

#[actix_web::test]
async fn operations_run_in_order_and_bulk_ids_resolve_anywhere() {
    let app = TestApp::new();
    let request = bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "ada", "data": user("ada@example.com")},
        {"method": "POST", "path": "/Groups", "bulkId": "team",
         "data": {"displayName": "Team", "members": [{"value": "bulkId:ada", "type": "User"}]}},
        {"method": "PATCH", "path": "/Groups/bulkId:team",
         "data": {"Operations": [{"op": "replace", "path": "displayName", "value": "Team 2"}]}},
        {"method": "PUT", "path": "/Users/bulkId:ada",
         "data": {"userName": "ada@example.com", "displayName": "Ada"}},
        {"method": "DELETE", "path": "/Groups/bulkId:team"}
    ]));
    let reply = app.post("/scim/v2/Bulk", &app.a.write, &request).await;
    let body = reply.assert_scim(200);
    let results = results(&body);
    assert_eq!(results.len(), 5);
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "201", "200", "200", "204"]);

    let ada = id_of(&results[0]["response"]);
    let team = id_of(&results[1]["response"]);
    assert_eq!(results[0]["bulkId"], "ada");
    assert_eq!(results[0]["method"], "POST");
    assert_eq!(
        results[0]["location"],
        format!("{BASE}/scim/v2/Users/{ada}")
    );
    assert_eq!(
        results[0]["response"]["meta"]["location"],
        results[0]["location"]
    );
    assert_eq!(results[0]["version"], "W/\"1\"");
    assert_eq!(
        results[1]["response"]["members"][0]["value"], ada,
        "the member reference resolved to the created id"
    );
    assert_eq!(results[2]["response"]["displayName"], "Team 2");
    assert!(results[2]["response"].get("members").is_none());
    assert_eq!(
        results[2]["location"],
        format!("{BASE}/scim/v2/Groups/{team}")
    );
    assert_eq!(results[3]["response"]["displayName"], "Ada");
    assert_eq!(results[3]["version"], "W/\"2\"");
    assert_eq!(
        results[4]["location"],
        format!("{BASE}/scim/v2/Groups/{team}")
    );
    assert!(results[4].get("response").is_none());

    app.get(&format!("/scim/v2/Groups/{team}"), &app.a.read)
        .await
        .assert_error(404, None);
    let user = app
        .get(&format!("/scim/v2/Users/{ada}"), &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(user["displayName"], "Ada");
}

#[actix_web::test]
async fn unresolvable_and_circular_references_fail_their_operation_only() {
    let app = TestApp::new();
    let request = bulk(json!([
        // Refers to itself.
        {"method": "POST", "path": "/Groups", "bulkId": "self",
         "data": {"displayName": "Self", "members": [{"value": "bulkId:self"}]}},
        // Two groups containing each other: the first refers to a later operation.
        {"method": "POST", "path": "/Groups", "bulkId": "g1",
         "data": {"displayName": "G1", "members": [{"value": "bulkId:g2"}]}},
        {"method": "POST", "path": "/Groups", "bulkId": "g2",
         "data": {"displayName": "G2", "members": [{"value": "bulkId:g1"}]}},
        // No operation has this bulkId.
        {"method": "PATCH", "path": "/Groups/bulkId:nobody",
         "data": {"Operations": [{"op": "add", "path": "externalId", "value": "x"}]}},
        // Still runs: nothing stops a request without failOnErrors.
        {"method": "POST", "path": "/Users", "bulkId": "fine", "data": user("fine@example.com")}
    ]));
    let body = app
        .post("/scim/v2/Bulk", &app.a.write, &request)
        .await
        .assert_scim(200);
    let results = results(&body);
    assert_eq!(results.len(), 5);
    for result in &results[..4] {
        assert_eq!(result["status"], "400", "{result}");
        let error = &result["response"];
        assert_eq!(
            error["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(error["scimType"], "invalidValue", "{result}");
        assert_eq!(error["status"], "400");
    }
    assert!(
        results[0].get("location").is_none(),
        "a failed POST has no location"
    );
    assert_eq!(results[4]["status"], "201");
    assert_eq!(total(&app, "Groups").await, 0);
    assert_eq!(total(&app, "Users").await, 1);
}

#[actix_web::test]
async fn fail_on_errors_stops_after_that_many_failures() {
    let app = TestApp::new();
    let operations = json!([
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("a@example.com")},
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": user("A@example.com")},
        {"method": "DELETE", "path": "/Users/no-such-id"},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": user("c@example.com")}
    ]);
    let mut request = bulk(operations.clone());
    request["failOnErrors"] = json!(2);
    let body = app
        .post("/scim/v2/Bulk", &app.a.write, &request)
        .await
        .assert_scim(200);
    let statuses: Vec<&str> = results(&body)
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "409", "404"]);
    assert_eq!(results(&body)[1]["response"]["scimType"], "uniqueness");
    assert_eq!(
        total(&app, "Users").await,
        1,
        "the fourth operation did not run"
    );

    let mut request = bulk(json!([
        {"method": "DELETE", "path": "/Users/no-such-id"},
        {"method": "POST", "path": "/Users", "bulkId": "d", "data": user("d@example.com")}
    ]));
    request["failOnErrors"] = json!(1);
    let body = app
        .post("/scim/v2/Bulk", &app.a.write, &request)
        .await
        .assert_scim(200);
    assert_eq!(results(&body).len(), 1);
    app.post(
        "/scim/v2/Bulk",
        &app.a.write,
        &json!({"failOnErrors": 0, "Operations": []}),
    )
    .await
    .assert_error(400, Some("invalidValue"));
}

#[actix_web::test]
async fn an_operation_version_is_its_if_match() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "v@example.com").await;
    let path = format!("/Users/{}", id_of(&created));
    let patch = json!({"Operations": [{"op": "replace", "path": "displayName", "value": "V"}]});
    let request = bulk(json!([
        {"method": "PATCH", "path": path, "version": "W/\"9\"", "data": patch},
        {"method": "PATCH", "path": path, "version": "W/\"1\"", "data": patch},
        {"method": "DELETE", "path": path, "version": "W/\"1\""},
        {"method": "DELETE", "path": path, "version": "W/\"2\""}
    ]));
    let body = app
        .post("/scim/v2/Bulk", &app.a.write, &request)
        .await
        .assert_scim(200);
    let results = results(&body);
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["412", "200", "412", "204"]);
    assert_eq!(results[1]["version"], "W/\"2\"");
    assert_eq!(results[0]["location"], format!("{BASE}/scim/v2{path}"));
}

#[actix_web::test]
async fn malformed_paths_and_unknown_targets_fail_their_operation() {
    let app = TestApp::new();
    let request = bulk(json!([
        {"method": "POST", "path": "/Users/123", "bulkId": "x", "data": user("x@example.com")},
        {"method": "PUT", "path": "/Users", "data": user("y@example.com")},
        {"method": "DELETE", "path": "/Users/"},
        {"method": "DELETE", "path": "/Devices/1"},
        {"method": "DELETE", "path": "/Users/no-such-id"},
        {"method": "PATCH", "path": "/Users/no-such-id", "data": {"Operations": "not a list"}}
    ]));
    let body = app
        .post("/scim/v2/Bulk", &app.a.write, &request)
        .await
        .assert_scim(200);
    let results = results(&body);
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["400", "400", "400", "404", "404", "400"]);
    assert_eq!(results[0]["response"]["scimType"], "invalidValue");
    assert_eq!(results[5]["response"]["scimType"], "invalidSyntax");
}

#[actix_web::test]
async fn requests_over_the_limits_are_413_before_anything_runs() {
    let app = TestApp::new();
    let operations: Vec<Value> = (0..=MAX_OPERATIONS)
        .map(|n| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{n}"),
                   "data": user(&format!("u{n}@example.com"))})
        })
        .collect();
    let reply = app
        .post(
            "/scim/v2/Bulk",
            &app.a.write,
            &bulk(Value::Array(operations)),
        )
        .await;
    let error = reply.assert_error(413, None);
    assert!(error["detail"].as_str().unwrap().contains("maxOperations"));

    let mut big = user("big@example.com");
    big["displayName"] = json!("x".repeat(MAX_PAYLOAD));
    let oversized =
        bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "big", "data": big}]));
    let reply = app.post("/scim/v2/Bulk", &app.a.write, &oversized).await;
    let error = reply.assert_error(413, None);
    assert!(error["detail"].as_str().unwrap().contains("maxPayloadSize"));

    // Without a Content-Length the limit holds while the body streams in.
    let req = request(Method::POST, "/scim/v2/Bulk", &app.a.write)
        .insert_header((header::CONTENT_TYPE, SCIM_JSON))
        .set_payload(oversized.to_string());
    app.send_without_length(req).await.assert_error(413, None);
    assert_eq!(total(&app, "Users").await, 0);

    // Exactly the limit passes.
    let operations: Vec<Value> = (0..MAX_OPERATIONS)
        .map(|n| json!({"method": "DELETE", "path": format!("/Users/missing-{n}")}))
        .collect();
    let body = app
        .post(
            "/scim/v2/Bulk",
            &app.a.write,
            &bulk(Value::Array(operations)),
        )
        .await
        .assert_scim(200);
    assert_eq!(results(&body).len(), MAX_OPERATIONS);
}

#[actix_web::test]
async fn malformed_bulk_requests_are_400() {
    let app = TestApp::new();
    let cases = [
        (json!({}), "invalidSyntax"),
        (json!({"Operations": {}}), "invalidSyntax"),
        (
            json!({"Operations": [{"method": "POST", "path": "/Users", "data": {}}]}),
            "invalidSyntax",
        ),
        (
            json!({"Operations": [{"method": "GET", "path": "/Users"}]}),
            "invalidSyntax",
        ),
        (json!({"Operations": [], "extra": 1}), "invalidSyntax"),
        (
            json!({"Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "same", "data": user("a@example.com")},
                {"method": "POST", "path": "/Users", "bulkId": "same", "data": user("b@example.com")}
            ]}),
            "invalidValue",
        ),
    ];
    for (body, scim_type) in cases {
        app.post("/scim/v2/Bulk", &app.a.write, &body)
            .await
            .assert_error(400, Some(scim_type));
    }
    assert_eq!(total(&app, "Users").await, 0);
}

/// An unavailable database stops a Bulk request at its first operation: the others would meet
/// the same outage, each after its own wait. Nothing was done, so the whole request is a 503
/// the client can send again as it is.
#[actix_web::test]
async fn a_bulk_request_the_database_cannot_start_is_503_as_a_whole() {
    let store = SwitchableStore::new(memory_store());
    let app = TestApp::with(config(), store.clone());
    // The key is verified (and cached) while the database answers.
    assert_eq!(total(&app, "Users").await, 0);
    app.get("/scim/v2/Users", &app.a.write)
        .await
        .assert_scim(200);
    store.set_down(true);
    let request = bulk(json!([
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("ada@example.com")},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("bob@example.com")}
    ]));
    let reply = app.post("/scim/v2/Bulk", &app.a.write, &request).await;
    reply.assert_error(503, None);
    assert!(reply.header("retry-after").is_some());
    store.set_down(false);
    assert_eq!(total(&app, "Users").await, 0);
}

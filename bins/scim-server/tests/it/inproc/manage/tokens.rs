//! `/admin/v1/tenants/{tenant}/tokens`: issue (the key shown once), list with the last use,
//! show, revoke; a key of another tenant is not found.

use actix_web::http::Method;
use serde_json::{Value, json};

use super::super::support::TestApp;

#[actix_web::test]
async fn keys_are_issued_once_listed_without_secrets_and_revoked() {
    let app = TestApp::new();
    let tokens = "/admin/v1/tenants/tenant-a/tokens";
    let reply = app
        .admin(
            Method::POST,
            tokens,
            Some(
                &json!({"description": "Okta production", "expires_in": "90d", "read_only": true}),
            ),
        )
        .await;
    let issued = reply.expect(201);
    let id = issued["id"].as_str().unwrap().to_owned();
    let key = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.header("location"),
        Some(format!("{tokens}/{id}").as_str())
    );
    assert_eq!(issued["scopes"], json!(["read"]));
    assert_eq!(issued["state"], "active");
    assert_eq!(issued["last_used_at"], Value::Null);

    // The key works, and its use is recorded.
    app.get("/scim/v2/Users", &key).await.assert_scim(200);
    app.post("/scim/v2/Users", &key, &json!({"userName": "x"}))
        .await
        .assert_error(403, None);
    let listed = app.admin(Method::GET, tokens, None).await.expect(200);
    let records = listed["tokens"].as_array().unwrap();
    assert_eq!(
        records.len(),
        3,
        "the two keys of the test setup and this one"
    );
    let record = records.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert!(record["last_used_at"].is_string(), "{record}");
    assert!(
        !listed.to_string().contains(&key),
        "a list never holds the key"
    );
    let shown = app
        .admin(Method::GET, &format!("{tokens}/{id}"), None)
        .await
        .expect(200);
    assert!(shown.get("token").is_none());
    assert_eq!(shown["description"], "Okta production");

    app.admin(Method::DELETE, &format!("{tokens}/{id}"), None)
        .await
        .expect(204);
    app.get("/scim/v2/Users", &key).await.assert_unauthorized();
    let shown = app
        .admin(Method::GET, &format!("{tokens}/{id}"), None)
        .await
        .expect(200);
    assert_eq!(shown["state"], "revoked");
    // Revoking again changes nothing, and is no error.
    app.admin(Method::DELETE, &format!("{tokens}/{id}"), None)
        .await
        .expect(204);

    // Tenant b's URL does not reach tenant a's key.
    let other = format!("/admin/v1/tenants/tenant-b/tokens/{id}");
    app.admin(Method::GET, &other, None)
        .await
        .assert_problem(404, Some("id"));
    app.admin(Method::DELETE, &other, None)
        .await
        .assert_problem(404, Some("id"));
    app.admin(
        Method::POST,
        "/admin/v1/tenants/nobody/tokens",
        Some(&json!({})),
    )
    .await
    .assert_problem(404, Some("tenant"));
}

#[actix_web::test]
async fn a_key_with_defaults_may_write_for_a_year() {
    let app = TestApp::new();
    let issued = app
        .admin(Method::POST, "/admin/v1/tenants/tenant-b/tokens", None)
        .await
        .expect(201);
    assert_eq!(issued["scopes"], json!(["read", "write"]));
    let key = issued["token"].as_str().unwrap();
    app.post("/scim/v2/Users", key, &json!({"userName": "grace"}))
        .await
        .assert_scim(201);
}

#[actix_web::test]
async fn bad_key_requests_name_the_field() {
    let app = TestApp::new();
    let tokens = "/admin/v1/tenants/tenant-a/tokens";
    for (body, status, field) in [
        (json!({"expires_in": "soon"}), 422, "expires_in"),
        (json!({"expires_in": "0d"}), 422, "expires_in"),
        (json!({"expires_in": "3651d"}), 422, "expires_in"),
        (json!({"expires_in": 90}), 400, "expires_in"),
        (json!({"read_only": 1}), 400, "read_only"),
        // null is not the same as leaving a member out (found by schemathesis).
        (json!({"read_only": null}), 400, "read_only"),
        (json!({"description": "x".repeat(501)}), 422, "description"),
        (json!({"scopes": ["write"]}), 400, "scopes"),
    ] {
        app.admin(Method::POST, tokens, Some(&body))
            .await
            .assert_problem(status, Some(field));
    }
    app.admin(Method::GET, &format!("{tokens}/no-such-key"), None)
        .await
        .assert_problem(404, Some("id"));
}

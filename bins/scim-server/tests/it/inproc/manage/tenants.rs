//! `/admin/v1/tenants`: create, list, show, change policies, set the owner, delete; the access
//! report; and the errors every admin route shares.

use actix_web::http::Method;
use scim_server::config::Config;
use serde_json::{Value, json};

use super::super::support::{ADMIN_TOKEN, MAX_BODY, TestApp, config, request};

#[actix_web::test]
async fn tenants_are_created_listed_shown_changed_and_deleted() {
    let app = TestApp::new();
    let new = json!({"id": "acme", "projects": ["Web", "App"], "roles": ["Admin"]});
    let reply = app
        .admin(Method::POST, "/admin/v1/tenants", Some(&new))
        .await;
    let created = reply.expect(201);
    assert_eq!(reply.header("location"), Some("/admin/v1/tenants/acme"));
    assert_eq!(created["id"], "acme");
    assert_eq!(created["group_prefix"], "acme");
    assert_eq!(
        created["created_groups"],
        json!(["acme-Web-Admin", "acme-App-Admin"])
    );
    assert_eq!(
        created["policies"]["group_create"], false,
        "the product's policies"
    );
    app.admin(Method::POST, "/admin/v1/tenants", Some(&new))
        .await
        .assert_problem(409, Some("id"));

    // Pages in id order, continued with next_after, cover every tenant once.
    let mut seen = Vec::new();
    let mut path = "/admin/v1/tenants?limit=2".to_owned();
    loop {
        let page = app.admin(Method::GET, &path, None).await.expect(200);
        let ids = page["tenants"].as_array().unwrap();
        assert!(ids.len() <= 2);
        seen.extend(ids.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        match page["next_after"].as_str() {
            Some(after) => path = format!("/admin/v1/tenants?limit=2&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen, ["acme", "tenant-a", "tenant-b"]);

    let shown = app
        .admin(Method::GET, "/admin/v1/tenants/acme", None)
        .await
        .expect(200);
    assert_eq!(shown["projects"], json!(["Web", "App"]));

    let change = json!({"policies": {"group_create": true, "email_changes": false}, "add_projects": ["Data"]});
    let changed = app
        .admin(Method::PATCH, "/admin/v1/tenants/acme", Some(&change))
        .await
        .expect(200);
    assert_eq!(changed["policies"]["group_create"], true);
    assert_eq!(changed["policies"]["email_changes"], false);
    assert_eq!(changed["policies"]["group_delete"], false, "unnamed stay");
    assert_eq!(changed["created_groups"], json!(["acme-Data-Admin"]));
    assert_eq!(changed["projects"], json!(["Web", "App", "Data"]));

    // The owner is a user of the tenant, named by userName.
    let tenant = scim_store::TenantId::new("acme").unwrap();
    let ada = app
        .state
        .store
        .create(
            scim_store::Actor::tenant(&tenant),
            "User",
            &json!({"userName": "ada@acme.test"}),
        )
        .unwrap();
    let owner = app
        .admin(
            Method::PUT,
            "/admin/v1/tenants/acme/owner",
            Some(&json!({"user_name": "ADA@acme.test"})),
        )
        .await
        .expect(200);
    assert_eq!(owner["id"], ada.resource.id().unwrap());
    let shown = app
        .admin(Method::GET, "/admin/v1/tenants/acme", None)
        .await
        .expect(200);
    assert_eq!(shown["owner_id"], owner["id"]);
    app.admin(
        Method::PUT,
        "/admin/v1/tenants/acme/owner",
        Some(&json!({"user_name": "nobody@acme.test"})),
    )
    .await
    .assert_problem(422, Some("user_name"));
    let access = app
        .admin(Method::GET, "/admin/v1/tenants/acme/access", None)
        .await
        .expect(200);
    assert_eq!(access["users"][0]["owner"], true);

    app.admin(Method::DELETE, "/admin/v1/tenants/acme", None)
        .await
        .expect(204);
    for (method, path) in [
        (Method::GET, "/admin/v1/tenants/acme"),
        (Method::DELETE, "/admin/v1/tenants/acme"),
        (Method::GET, "/admin/v1/tenants/acme/access"),
        (Method::GET, "/admin/v1/tenants/acme/tokens"),
        (Method::GET, "/admin/v1/tenants/not%20a%20tenant!"),
    ] {
        app.admin(method, path, None)
            .await
            .assert_problem(404, Some("tenant"));
    }
}

#[actix_web::test]
async fn deleting_a_tenant_ends_its_keys_at_once() {
    let app = TestApp::new();
    app.get("/scim/v2/Users", &app.a.read)
        .await
        .assert_scim(200);
    app.admin(Method::DELETE, "/admin/v1/tenants/tenant-a", None)
        .await
        .expect(204);
    app.get("/scim/v2/Users", &app.a.read)
        .await
        .assert_unauthorized();
    app.get("/scim/v2/Users", &app.b.read)
        .await
        .assert_scim(200);
}

#[actix_web::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = TestApp::new();
    let tenants = "/admin/v1/tenants";
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!([1]), 400, "body"),
        (json!({}), 400, "id"),
        (json!({"id": 7}), 400, "id"),
        (json!({"id": "a b"}), 422, "id"),
        (json!({"id": "x", "nope": true}), 400, "nope"),
        (json!({"id": "x", "projects": "Web"}), 400, "projects"),
        (
            json!({"id": "x", "projects": ["Web", 3]}),
            400,
            "projects[1]",
        ),
        (json!({"id": "x", "roles": [" "]}), 422, "roles[0]"),
        (
            json!({"id": "x", "group_prefix": "a\u{1}b"}),
            422,
            "group_prefix",
        ),
        (json!({"id": "x", "plain": "yes"}), 400, "plain"),
    ];
    for (body, status, field) in cases {
        app.admin(Method::POST, tenants, Some(&body))
            .await
            .assert_problem(status, Some(field));
    }
    let mut not_json = request(Method::POST, tenants, ADMIN_TOKEN).set_payload("{\"id\": ");
    not_json = not_json.insert_header(("content-type", "application/json"));
    let reply = app.send(not_json).await;
    super::assert_conforms(&Method::POST, tenants, &reply);
    reply.assert_problem(400, Some("body"));

    let patch = "/admin/v1/tenants/tenant-a";
    for (body, status, field) in [
        (
            json!({"policies": {"group_create": "yes"}}),
            400,
            "policies.group_create",
        ),
        (
            json!({"policies": {"renamed": true}}),
            400,
            "policies.renamed",
        ),
        (json!({"policies": true}), 400, "policies"),
        (json!({"add_roles": ["", "x"]}), 422, "add_roles[0]"),
        (
            json!({"add_projects": (0..21).map(|i| format!("p{i}")).collect::<Vec<_>>()}),
            422,
            "add_projects",
        ),
    ] {
        app.admin(Method::PATCH, patch, Some(&body))
            .await
            .assert_problem(status, Some(field));
    }
    for query in ["limit=0", "limit=1001", "limit=x"] {
        app.admin(Method::GET, &format!("{tenants}?{query}"), None)
            .await
            .assert_problem(400, Some("limit"));
    }
    app.admin(
        Method::PUT,
        "/admin/v1/tenants/tenant-a/owner",
        Some(&json!({})),
    )
    .await
    .assert_problem(400, Some("user_name"));
    // A body over the limit is refused before it is read.
    let big = json!({"id": "big", "projects": ["x".repeat(MAX_BODY)]});
    app.admin(Method::POST, tenants, Some(&big))
        .await
        .assert_problem(413, Some("body"));
}

#[actix_web::test]
async fn the_admin_credential_and_the_routes_answer_problems() {
    let app = TestApp::new();
    let path = "/admin/v1/tenants";
    for token in ["", "wrong", &app.a.write] {
        let reply = app.admin_as(token, Method::GET, path, None).await;
        reply.assert_problem(401, None);
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|c| c.starts_with("Bearer realm=\"admin\""))
        );
    }
    let reply = app.admin(Method::PUT, path, None).await;
    reply.assert_problem(405, None);
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    app.admin(Method::GET, "/admin/v1/nothing/here", None)
        .await
        .assert_problem(404, None);
    // The document needs no credential.
    let reply = app
        .admin_as("", Method::GET, "/admin/v1/openapi.json", None)
        .await;
    assert_eq!(reply.expect(200)["openapi"], "3.1.0");

    // Over the admin rate limit: 429 with Retry-After, as a problem.
    let mut limited = config();
    limited.rate_limit.admin_requests_per_second = 0.01;
    limited.rate_limit.admin_burst = 1;
    let app = TestApp::with_config(limited);
    app.admin(Method::GET, path, None).await.expect(200);
    let reply = app.admin(Method::GET, path, None).await;
    reply.assert_problem(429, None);
    assert!(reply.header("retry-after").is_some());
}

#[actix_web::test]
async fn without_an_admin_token_every_admin_route_is_absent() {
    let mut off: Config = config();
    off.admin.token = None;
    let app = TestApp::with_config(off);
    for path in [
        "/admin/v1/openapi.json",
        "/admin/v1/tenants",
        "/admin/v1/tenants/tenant-a/events",
    ] {
        app.admin(Method::GET, path, None)
            .await
            .assert_problem(404, None);
    }
}

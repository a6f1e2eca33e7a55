//! The protocol around the resources: media types, bodies, query strings as identity providers
//! write them, bad filters, unknown endpoints, methods and `/Me`.

use actix_web::http::{Method, header};
use serde_json::json;

use super::support::{MAX_BODY, SCIM_JSON, TestApp, id_of, request, user, with_json};

#[actix_web::test]
async fn json_bodies_are_accepted_as_scim_json_json_or_untyped() {
    let app = TestApp::new();
    for (n, content_type) in [
        Some("application/scim+json"),
        Some("application/scim+json; charset=utf-8"),
        Some("application/json"),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        let mut req = request(Method::POST, "/scim/v2/Users", &app.a.write)
            .set_payload(user(&format!("typed{n}@example.com")).to_string());
        if let Some(content_type) = content_type {
            req = req.insert_header((header::CONTENT_TYPE, content_type));
        }
        let reply = app.send(req).await;
        let created = reply.assert_scim(201);
        let path = format!("/scim/v2/Users/{}", id_of(&created));
        // PATCH and .search take the same three forms.
        let mut req = request(Method::PATCH, &path, &app.a.write).set_payload(
            json!({"Operations": [{"op": "replace", "value": {"active": false}}]}).to_string(),
        );
        let mut search = request(Method::POST, "/scim/v2/Users/.search", &app.a.read)
            .set_payload(json!({"count": 1}).to_string());
        if let Some(content_type) = content_type {
            req = req.insert_header((header::CONTENT_TYPE, content_type));
            search = search.insert_header((header::CONTENT_TYPE, content_type));
        }
        app.send(req).await.assert_scim(200);
        app.send(search).await.assert_scim(200);
    }
}

#[actix_web::test]
async fn other_media_types_are_415() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "typed@example.com").await;
    let path = format!("/scim/v2/Users/{}", id_of(&created));
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        for (method, path) in [
            (Method::POST, "/scim/v2/Users"),
            (Method::PUT, path.as_str()),
            (Method::PATCH, path.as_str()),
            (Method::POST, "/scim/v2/Users/.search"),
            (Method::POST, "/scim/v2/.search"),
            (Method::POST, "/scim/v2/Bulk"),
        ] {
            let req = request(method.clone(), path, &app.a.write)
                .insert_header((header::CONTENT_TYPE, content_type))
                .set_payload("{}");
            app.send(req).await.assert_error(415, None);
        }
    }
}

#[actix_web::test]
async fn a_body_over_the_limit_is_a_413_error_document() {
    let app = TestApp::new();
    let mut body = user("big@example.com");
    body["displayName"] = json!("x".repeat(MAX_BODY));
    app.post("/scim/v2/Users", &app.a.write, &body)
        .await
        .assert_error(413, None);
    let page = app
        .get("/scim/v2/Users", &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(page["totalResults"], 0);
}

#[actix_web::test]
async fn malformed_json_is_400_invalid_syntax() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "syntax@example.com").await;
    let path = format!("/scim/v2/Users/{}", id_of(&created));
    for payload in ["{", "{\"userName\": }", "", "   ", "null x", "\u{0}"] {
        for (method, path) in [
            (Method::POST, "/scim/v2/Users"),
            (Method::PUT, path.as_str()),
            (Method::PATCH, path.as_str()),
            (Method::POST, "/scim/v2/Users/.search"),
            (Method::POST, "/scim/v2/.search"),
            (Method::POST, "/scim/v2/Bulk"),
        ] {
            let req = request(method.clone(), path, &app.a.write)
                .insert_header((header::CONTENT_TYPE, SCIM_JSON))
                .set_payload(payload);
            let reply = app.send(req).await;
            reply.assert_error(400, Some("invalidSyntax"));
        }
    }
}

#[actix_web::test]
async fn bad_filters_are_400_invalid_filter_never_an_empty_200() {
    let app = TestApp::new();
    app.create_user(&app.a.write, "filtered@example.com").await;
    let deep = format!("{}userName pr{}", "(".repeat(500), ")".repeat(500));
    let long = format!("userName eq \"{}\"", "x".repeat(10_000));
    let filters = [
        "userName eq",
        "userName xx \"a\"",
        "userName eq \"unterminated",
        "(userName eq \"a\"",
        "password eq \"secret\"",
        "nosuchattribute eq \"x\"",
        "name.nosuch eq \"x\"",
        "active gt true",
        "emails[type eq \"work\"",
        "and",
        deep.as_str(),
    ];
    for filter in filters {
        let reply = app
            .post(
                "/scim/v2/Users/.search",
                &app.a.read,
                &json!({"filter": filter}),
            )
            .await;
        reply.assert_error(400, Some("invalidFilter"));
        let reply = app
            .post("/scim/v2/.search", &app.a.read, &json!({"filter": filter}))
            .await;
        reply.assert_error(400, Some("invalidFilter"));
    }
    for filter in ["userName%20eq", "userName+xx+%22a%22", "members%20pr"] {
        app.get(&format!("/scim/v2/Users?filter={filter}"), &app.a.read)
            .await
            .assert_error(400, Some("invalidFilter"));
    }
    app.get(
        "/scim/v2/Groups?filter=userName%20eq%20%22x%22",
        &app.a.read,
    )
    .await
    .assert_error(400, Some("invalidFilter"));
    // Longer than the parser takes (8 KiB): refused, not truncated.
    app.post(
        "/scim/v2/Users/.search",
        &app.a.read,
        &json!({"filter": long}),
    )
    .await
    .assert_error(400, Some("invalidFilter"));
}

#[actix_web::test]
async fn query_strings_as_identity_providers_write_them() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "ol@example.com").await;
    let id = id_of(&created);

    // OneLogin: `+` for spaces and a trailing `&`.
    let reply = app
        .get(
            "/scim/v2/Users?filter=userName+eq+%22ol%40example.com%22&",
            &app.a.read,
        )
        .await;
    assert_eq!(reply.ids(), [id.as_str()]);
    // OneLogin: `PUT /Users/{id}?` and `PATCH /Groups/{id}?` with an empty query.
    let mut body = created.clone();
    body["displayName"] = json!("OneLogin");
    let reply = app
        .put(&format!("/scim/v2/Users/{id}?"), &app.a.write, &body)
        .await;
    assert_eq!(reply.assert_scim(200)["displayName"], "OneLogin");
    let group = app.create_group(&app.a.write, "OL", &[]).await;
    let req = request(
        Method::PATCH,
        &format!("/scim/v2/Groups/{}?", id_of(&group)),
        &app.a.write,
    )
    .insert_header((header::CONTENT_TYPE, "application/json"))
    .set_payload(
        json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]})
            .to_string(),
    );
    assert_eq!(app.send(req).await.status.as_u16(), 200);

    // Okta's lookup before a create: 200 with an empty list.
    let page = app
        .get(
            "/scim/v2/Users?filter=userName%20eq%20%22new%40example.com%22&startIndex=1&count=100",
            &app.a.read,
        )
        .await
        .assert_scim(200);
    assert_eq!(
        page,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0,
            "itemsPerPage": 0,
            "startIndex": 1,
            "Resources": []
        })
    );
    // Google: startIndex without count.
    let page = app
        .get("/scim/v2/Users?startIndex=1", &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(page["totalResults"], 1);
    // Entra's test connection: a random id, 200 with an empty list.
    let page = app
        .get(
            "/scim/v2/Users?filter=id%20eq%20%22d8a9b3c1-0000-4000-8000-000000000000%22",
            &app.a.read,
        )
        .await
        .assert_scim(200);
    assert_eq!(page["totalResults"], 0);
    // Parameter names ignore case; a repeated parameter is refused.
    let page = app
        .get("/scim/v2/Users?STARTINDEX=1&Count=1", &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(page["itemsPerPage"], 1);
    app.get("/scim/v2/Users?count=1&count=2", &app.a.read)
        .await
        .assert_error(400, Some("invalidValue"));
    app.get("/scim/v2/Users?count=many", &app.a.read)
        .await
        .assert_scim(400);
    app.get("/scim/v2/Users?sortOrder=sideways", &app.a.read)
        .await
        .assert_scim(400);
}

#[actix_web::test]
async fn unsupported_methods_are_405_with_allow() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "methods@example.com").await;
    let item = format!("/scim/v2/Users/{}", id_of(&created));
    let cases = [
        (Method::DELETE, "/scim/v2/Users", "GET, POST"),
        (Method::PUT, "/scim/v2/Groups", "GET, POST"),
        (Method::POST, item.as_str(), "GET, PUT, PATCH, DELETE"),
        (Method::GET, "/scim/v2/Users/.search", "POST"),
        (Method::GET, "/scim/v2/.search", "POST"),
        (Method::POST, "/scim/v2", "GET"),
        (Method::DELETE, "/scim/v2/", "GET"),
        (Method::GET, "/scim/v2/Bulk", "POST"),
        (Method::DELETE, "/scim/v2/Bulk", "POST"),
        (Method::POST, "/scim/v2/ServiceProviderConfig", "GET"),
        (Method::POST, "/scim/v2/ResourceTypes", "GET"),
        (Method::POST, "/scim/v2/Schemas", "GET"),
        (
            Method::DELETE,
            "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            "GET",
        ),
        (Method::PUT, "/scim/v2/ResourceTypes/User", "GET"),
        (Method::POST, "/healthz", "GET"),
        (Method::POST, "/metrics", "GET"),
    ];
    for (method, path, allow) in cases {
        let reply = app
            .send(request(method.clone(), path, &app.a.write).set_payload("{}"))
            .await;
        reply.assert_error(405, None);
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }
}

#[actix_web::test]
async fn unknown_endpoints_are_404_error_documents() {
    let app = TestApp::new();
    for (method, path) in [
        (Method::GET, "/scim/v2/Devices"),
        (Method::POST, "/scim/v2/Devices"),
        (Method::GET, "/scim/v2/Devices/1"),
        (Method::POST, "/scim/v2/Devices/1"),
        (Method::POST, "/scim/v2/Devices/.search"),
        (Method::GET, "/scim/v2/Users/1/extra"),
        (Method::GET, "/scim/v1/Users"),
        (Method::GET, "/Users"),
    ] {
        let reply = app
            .send(
                with_json(request(method.clone(), path, &app.a.write), &json!({}))
                    .insert_header((header::ACCEPT, SCIM_JSON)),
            )
            .await;
        reply.assert_error(404, None);
    }
    // Under /admin/v1, errors are problem documents (decision 0003).
    app.get("/admin/v1/nothing", super::support::ADMIN_TOKEN)
        .await
        .assert_problem(404, None);
}

/// actix routes by the path with its escapes decoded and the service by the path as sent: an
/// escaped mount reached the service as an empty path, which is its root listing.
#[actix_web::test]
async fn an_escaped_mount_is_a_404_not_the_root() {
    let app = TestApp::new();
    app.create_user(&app.a.write, "escaped@example.com").await;
    for path in ["/scim/%762/Users", "/scim/v%32", "/%73cim/v2/Users/.search"] {
        let reply = app.get(path, &app.a.read).await;
        let error = reply.assert_error(404, None);
        assert!(
            error["detail"]
                .as_str()
                .is_some_and(|d| d.contains("/scim/v2")),
            "{path}: {error}"
        );
    }
}

#[actix_web::test]
async fn me_is_501_for_an_authenticated_caller_and_401_otherwise() {
    let app = TestApp::new();
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ] {
        let reply = app
            .send(with_json(
                request(method.clone(), "/scim/v2/Me", &app.a.write),
                &json!({}),
            ))
            .await;
        reply.assert_error(501, None);
        let reply = app.send(request(method.clone(), "/scim/v2/Me", "")).await;
        reply.assert_unauthorized();
    }
}

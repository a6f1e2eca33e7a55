//! Versions: ETags on every resource response, `If-Match` on writes, `If-None-Match` on reads.

use actix_web::http::{Method, StatusCode, header};
use serde_json::json;

use super::support::{TestApp, id_of, request, with_json};

#[actix_web::test]
async fn if_match_guards_replace_patch_and_delete() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "etag@example.com").await;
    let path = format!("/scim/v2/Users/{}", id_of(&created));
    let mut body = created.clone();
    body["displayName"] = json!("One");
    let patch = json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Two"}]});

    // A stale version fails every write with 412 and changes nothing.
    for (method, payload) in [
        (Method::PUT, Some(&body)),
        (Method::PATCH, Some(&patch)),
        (Method::DELETE, None),
    ] {
        let mut req = request(method.clone(), &path, &app.a.write)
            .insert_header((header::IF_MATCH, "W/\"7\""));
        if let Some(payload) = payload {
            req = with_json(req, payload);
        }
        app.send(req).await.assert_error(412, None);
    }
    // A tag that is no version of this server's cannot match either.
    let req = with_json(request(Method::PUT, &path, &app.a.write), &body)
        .insert_header((header::IF_MATCH, "\"abc\""));
    app.send(req).await.assert_error(412, None);
    // Malformed If-Match is a bad request.
    let req = with_json(request(Method::PUT, &path, &app.a.write), &body)
        .insert_header((header::IF_MATCH, "W/unquoted"));
    app.send(req).await.assert_scim(400);

    // The current version, as a single tag, in a list, or `*`, lets the write through.
    let req = with_json(request(Method::PUT, &path, &app.a.write), &body)
        .insert_header((header::IF_MATCH, "W/\"1\""));
    let reply = app.send(req).await;
    reply.assert_scim(200);
    assert_eq!(reply.header("etag"), Some("W/\"2\""));
    let req = with_json(request(Method::PATCH, &path, &app.a.write), &patch)
        .insert_header((header::IF_MATCH, "W/\"9\", W/\"2\""));
    let reply = app.send(req).await;
    assert_eq!(reply.assert_scim(200)["displayName"], "Two");
    assert_eq!(reply.header("etag"), Some("W/\"3\""));
    let req = with_json(request(Method::PATCH, &path, &app.a.write), &patch)
        .insert_header((header::IF_MATCH, "W/\"9\", W/\"2\""));
    app.send(req).await.assert_error(412, None);
    let req = request(Method::DELETE, &path, &app.a.write).insert_header((header::IF_MATCH, "*"));
    assert_eq!(app.send(req).await.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn if_none_match_answers_304_while_the_version_is_current() {
    let app = TestApp::new();
    let group = app.create_group(&app.a.write, "Cached", &[]).await;
    let path = format!("/scim/v2/Groups/{}", id_of(&group));
    let etag = group["meta"]["version"].as_str().unwrap().to_owned();

    for condition in [etag.as_str(), "*", "W/\"5\", W/\"1\""] {
        let req = request(Method::GET, &path, &app.a.read)
            .insert_header((header::IF_NONE_MATCH, condition));
        let reply = app.send(req).await;
        assert_eq!(reply.status, StatusCode::NOT_MODIFIED, "{condition}");
        assert_eq!(reply.header("etag"), Some(etag.as_str()));
        assert!(reply.body.is_empty());
    }
    let req =
        request(Method::GET, &path, &app.a.read).insert_header((header::IF_NONE_MATCH, "W/\"0\""));
    let reply = app.send(req).await;
    assert_eq!(reply.assert_scim(200)["id"], group["id"]);
    let req =
        request(Method::GET, &path, &app.a.read).insert_header((header::IF_NONE_MATCH, "garbage"));
    app.send(req).await.assert_scim(400);
}

#[actix_web::test]
async fn every_resource_response_carries_the_etag_of_meta_version() {
    let app = TestApp::new();
    let reply = app
        .post(
            "/scim/v2/Groups",
            &app.a.write,
            &json!({"displayName": "Versioned"}),
        )
        .await;
    let body = reply.assert_scim(201);
    let path = format!("/scim/v2/Groups/{}", id_of(&body));
    let mut replies = vec![reply];
    replies.push(app.get(&path, &app.a.read).await);
    replies.push(
        app.put(&path, &app.a.write, &json!({"displayName": "Versioned 2"}))
            .await,
    );
    replies.push(
        app.patch(
            &format!("{path}?excludedAttributes=members"),
            &app.a.write,
            &json!({"Operations": [{"op": "add", "path": "externalId", "value": "x"}]}),
        )
        .await,
    );
    replies.push(
        app.patch(
            &path,
            &app.a.write,
            &json!({"Operations": [{"op": "add", "path": "externalId", "value": "y"}]}),
        )
        .await,
    );
    for reply in replies {
        let body = reply.json();
        assert_eq!(
            reply.header("etag"),
            body["meta"]["version"].as_str(),
            "{body}"
        );
    }
}

//! `/Users`: create, read, list, search, replace, patch and delete.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use super::support::{BASE, TestApp, id_of, user};

#[actix_web::test]
async fn create_answers_201_with_the_resource_its_location_and_its_etag() {
    let app = TestApp::new();
    let mut body = user("ada@example.com");
    body["password"] = json!("Tr0ub4dor&3-never-returned");
    body["groups"] = json!([]);
    let reply = app.post("/scim/v2/Users", &app.a.write, &body).await;
    let created = reply.assert_scim(201);
    let id = id_of(&created);
    let location = reply.header("location").unwrap();
    assert_eq!(location, format!("{BASE}/scim/v2/Users/{id}"));
    assert_eq!(created["meta"]["location"], location);
    assert_eq!(created["meta"]["resourceType"], "User");
    assert_eq!(reply.header("etag"), created["meta"]["version"].as_str());
    assert_eq!(created["userName"], "ada@example.com");
    assert_eq!(created["name"]["givenName"], "Test");
    assert!(created.get("password").is_none(), "{created}");
    assert!(!reply.text().contains("Tr0ub4dor"));
}

#[actix_web::test]
async fn a_user_is_read_found_replaced_patched_and_deleted() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "Grace@Example.com").await;
    let id = id_of(&created);
    let path = format!("/scim/v2/Users/{id}");

    let read = app.get(&path, &app.a.read).await;
    let body = read.assert_scim(200);
    assert_eq!(body, created);
    assert_eq!(read.header("etag"), Some("W/\"1\""));

    // userName is not case-exact: the lookup ignores case.
    let found = app
        .get(
            "/scim/v2/Users?filter=userName%20eq%20%22grace@EXAMPLE.com%22",
            &app.a.read,
        )
        .await;
    let list = found.assert_scim(200);
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["itemsPerPage"], 1);
    assert_eq!(list["startIndex"], 1);
    assert_eq!(list["Resources"][0], created);

    let searched = app
        .post(
            "/scim/v2/Users/.search",
            &app.a.read,
            &json!({"filter": "emails.value co \"grace\"", "attributes": ["userName"]}),
        )
        .await;
    let list = searched.assert_scim(200);
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["userName"], "Grace@Example.com");
    assert!(list["Resources"][0].get("emails").is_none());

    // Okta's profile update: the whole resource back, with id, meta and groups.
    let mut replacement = created.clone();
    replacement["displayName"] = json!("Grace Hopper");
    replacement["groups"] = json!([]);
    let replaced = app.put(&path, &app.a.write, &replacement).await;
    let body = replaced.assert_scim(200);
    assert_eq!(body["displayName"], "Grace Hopper");
    assert_eq!(replaced.header("etag"), Some("W/\"2\""));
    assert_eq!(body["meta"]["location"], created["meta"]["location"]);

    // Okta's deactivation: a replace without a path.
    let patched = app
        .patch(
            &path,
            &app.a.write,
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": false}}]
            }),
        )
        .await;
    let body = patched.assert_scim(200);
    assert_eq!(body["active"], false);
    assert_eq!(body["displayName"], "Grace Hopper");
    assert_eq!(patched.header("etag"), Some("W/\"3\""));

    // A deactivated user stays readable and findable.
    let found = app
        .get("/scim/v2/Users?filter=active%20eq%20false", &app.a.read)
        .await;
    assert_eq!(found.ids(), [id.as_str()]);

    let deleted = app.delete(&path, &app.a.write).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    app.get(&path, &app.a.read).await.assert_error(404, None);
    app.delete(&path, &app.a.write)
        .await
        .assert_error(404, None);
}

#[actix_web::test]
async fn a_user_name_differing_only_in_case_is_a_uniqueness_conflict() {
    let app = TestApp::new();
    app.create_user(&app.a.write, "bjensen@example.com").await;
    app.post("/scim/v2/Users", &app.a.write, &user("BJensen@Example.COM"))
        .await
        .assert_error(409, Some("uniqueness"));
    // Renaming another user onto the name conflicts too.
    let other = app.create_user(&app.a.write, "other@example.com").await;
    let mut renamed = other.clone();
    renamed["userName"] = json!("BJENSEN@example.com");
    app.put(
        &format!("/scim/v2/Users/{}", id_of(&other)),
        &app.a.write,
        &renamed,
    )
    .await
    .assert_error(409, Some("uniqueness"));
}

#[actix_web::test]
async fn unknown_ids_are_404_for_every_method() {
    let app = TestApp::new();
    for endpoint in ["Users", "Groups"] {
        let path = format!("/scim/v2/{endpoint}/010101010101-0101-0101-010101010101");
        app.get(&path, &app.a.read).await.assert_error(404, None);
        let document = if endpoint == "Users" {
            user("x@example.com")
        } else {
            json!({"displayName": "x"})
        };
        app.put(&path, &app.a.write, &document)
            .await
            .assert_error(404, None);
        let patch = json!({"Operations": [{"op": "replace", "value": {"externalId": "x"}}]});
        app.patch(&path, &app.a.write, &patch)
            .await
            .assert_error(404, None);
        app.delete(&path, &app.a.write)
            .await
            .assert_error(404, None);
    }
}

#[actix_web::test]
async fn invalid_documents_are_400_with_the_reason() {
    let app = TestApp::new();
    let missing = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
    let body = app
        .post("/scim/v2/Users", &app.a.write, &missing)
        .await
        .assert_scim(400);
    assert!(body["scimType"].is_string(), "{body}");
    let wrong_type = json!({"userName": "x", "active": "maybe"});
    app.post("/scim/v2/Users", &app.a.write, &wrong_type)
        .await
        .assert_scim(400);
    let not_an_object = json!(["userName"]);
    app.post("/scim/v2/Users", &app.a.write, &not_an_object)
        .await
        .assert_scim(400);
}

#[actix_web::test]
async fn index_and_cursor_pagination_return_every_user_once() {
    let app = TestApp::new();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(id_of(
            &app.create_user(&app.a.write, &format!("user{n}@example.com"))
                .await,
        ));
    }
    // Okta imports with startIndex and count.
    let mut seen = Vec::new();
    for start in [1, 3, 5] {
        let reply = app
            .get(
                &format!("/scim/v2/Users?startIndex={start}&count=2"),
                &app.a.read,
            )
            .await;
        let page = reply.assert_scim(200);
        assert_eq!(page["totalResults"], 5);
        assert_eq!(page["startIndex"], start);
        assert_eq!(
            page["itemsPerPage"],
            page["Resources"].as_array().unwrap().len()
        );
        seen.extend(reply.ids());
    }
    assert_eq!(seen, ids);

    // Google sends startIndex without count.
    let reply = app.get("/scim/v2/Users?startIndex=4", &app.a.read).await;
    assert_eq!(reply.ids(), ids[3..]);

    // count=0 asks for the total only.
    let page = app
        .get("/scim/v2/Users?count=0", &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(page["totalResults"], 5);
    assert_eq!(page["Resources"], json!([]));

    // RFC 9865 cursors.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = app
            .get(
                &format!("/scim/v2/Users?count=2&cursor={cursor}"),
                &app.a.read,
            )
            .await;
        let page = reply.assert_scim(200);
        assert!(page.get("startIndex").is_none(), "{page}");
        seen.extend(reply.ids());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    app.get("/scim/v2/Users?cursor=garbage", &app.a.read)
        .await
        .assert_error(400, Some("invalidCursor"));
}

#[actix_web::test]
async fn sorting_and_projection_apply_to_lists_and_reads() {
    let app = TestApp::new();
    for name in ["b@example.com", "c@example.com", "a@example.com"] {
        app.create_user(&app.a.write, name).await;
    }
    let page = app
        .get(
            "/scim/v2/Users?sortBy=userName&sortOrder=descending&attributes=userName",
            &app.a.read,
        )
        .await
        .assert_scim(200);
    let names: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c@example.com", "b@example.com", "a@example.com"]);
    for resource in page["Resources"].as_array().unwrap() {
        let keys: Vec<&String> = resource.as_object().unwrap().keys().collect();
        assert!(
            keys.iter()
                .all(|k| ["schemas", "id", "userName"].contains(&k.as_str())),
            "{resource}"
        );
    }
    app.get("/scim/v2/Users?sortBy=nope", &app.a.read)
        .await
        .assert_error(400, Some("invalidValue"));

    let one = app.create_user(&app.a.write, "d@example.com").await;
    let read = app
        .get(
            &format!(
                "/scim/v2/Users/{}?excludedAttributes=emails,name",
                id_of(&one)
            ),
            &app.a.read,
        )
        .await
        .assert_scim(200);
    assert!(read.get("emails").is_none() && read.get("name").is_none());
    assert_eq!(read["userName"], "d@example.com");
    app.get(
        &format!("/scim/v2/Users/{}?attributes=a.b.c", id_of(&one)),
        &app.a.read,
    )
    .await
    .assert_error(400, Some("invalidValue"));
}

#[actix_web::test]
async fn a_malformed_attributes_parameter_fails_a_write_before_it_acts() {
    let app = TestApp::new();
    app.post(
        "/scim/v2/Users?attributes=a.b.c",
        &app.a.write,
        &user("early@example.com"),
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let page = app
        .get("/scim/v2/Users", &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(page["totalResults"], 0, "nothing was created: {page}");

    let created = app.create_user(&app.a.write, "late@example.com").await;
    let mut changed = created.clone();
    changed["displayName"] = json!("Changed");
    app.put(
        &format!(
            "/scim/v2/Users/{}?excludedAttributes=a.b.c",
            id_of(&created)
        ),
        &app.a.write,
        &changed,
    )
    .await
    .assert_error(400, Some("invalidValue"));
    let read = app
        .get(&format!("/scim/v2/Users/{}", id_of(&created)), &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(read["meta"]["version"], created["meta"]["version"]);
    assert!(read.get("displayName").is_none());
}

#[actix_web::test]
async fn null_attributes_in_a_replace_are_unassigned() {
    let app = TestApp::new();
    let mut body = user("nulls@example.com");
    body["displayName"] = json!("Shown");
    let created = app
        .post("/scim/v2/Users", &app.a.write, &body)
        .await
        .assert_scim(201);
    let mut replacement: Value = created.clone();
    replacement["displayName"] = Value::Null;
    let replaced = app
        .put(
            &format!("/scim/v2/Users/{}", id_of(&created)),
            &app.a.write,
            &replacement,
        )
        .await
        .assert_scim(200);
    assert!(replaced.get("displayName").is_none(), "{replaced}");
}

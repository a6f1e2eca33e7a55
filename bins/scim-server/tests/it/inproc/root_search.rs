//! `POST /.search` at the root (RFC 7644 §3.4.3): every resource type at once.

use serde_json::{Value, json};

use super::support::{BASE, TestApp, id_of};

/// Three users and two groups; returns (user ids, group ids) in creation order.
async fn populate(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let mut users = Vec::new();
    for name in ["ann@example.com", "ben@example.com", "cat@example.com"] {
        users.push(id_of(&app.create_user(&app.a.write, name).await));
    }
    let mut groups = Vec::new();
    for name in ["Alpha", "Beta"] {
        groups.push(id_of(
            &app.create_group(&app.a.write, name, &[&users[0]]).await,
        ));
    }
    (users, groups)
}

#[actix_web::test]
async fn without_a_filter_every_resource_comes_back_users_first() {
    let app = TestApp::new();
    let (users, groups) = populate(&app).await;
    let reply = app.post("/scim/v2/.search", &app.a.read, &json!({})).await;
    let body = reply.assert_scim(200);
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["startIndex"], 1);
    assert_eq!(body["itemsPerPage"], 5);
    let expected: Vec<String> = users.iter().chain(&groups).cloned().collect();
    assert_eq!(reply.ids(), expected);
    let resources = body["Resources"].as_array().unwrap();
    assert_eq!(
        resources[0]["meta"]["location"],
        format!("{BASE}/scim/v2/Users/{}", users[0])
    );
    assert_eq!(
        resources[3]["meta"]["location"],
        format!("{BASE}/scim/v2/Groups/{}", groups[0])
    );
}

#[actix_web::test]
async fn pages_cut_the_merged_sequence_and_can_span_two_types() {
    let app = TestApp::new();
    let (users, groups) = populate(&app).await;
    let expected: Vec<String> = users.iter().chain(&groups).cloned().collect();
    for count in 1..=6u64 {
        let mut seen = Vec::new();
        let mut start = 1u64;
        while start <= 5 {
            let reply = app
                .post(
                    "/scim/v2/.search",
                    &app.a.read,
                    &json!({"startIndex": start, "count": count}),
                )
                .await;
            let body = reply.assert_scim(200);
            assert_eq!(body["totalResults"], 5);
            assert_eq!(body["startIndex"], start);
            let ids = reply.ids();
            assert_eq!(body["itemsPerPage"], ids.len());
            assert_eq!(
                ids.len() as u64,
                count.min(6 - start),
                "start {start} count {count}"
            );
            seen.extend(ids);
            start += count;
        }
        assert_eq!(seen, expected, "count {count}");
    }
    // Past the end: an empty page with the right total.
    let body = app
        .post("/scim/v2/.search", &app.a.read, &json!({"startIndex": 9}))
        .await
        .assert_scim(200);
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["Resources"], json!([]));
    let body = app
        .post("/scim/v2/.search", &app.a.read, &json!({"count": 0}))
        .await
        .assert_scim(200);
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["itemsPerPage"], 0);
}

#[actix_web::test]
async fn a_filter_takes_the_types_it_resolves_for() {
    let app = TestApp::new();
    let (users, groups) = populate(&app).await;
    let search = |filter: &str| json!({"filter": filter});

    // userName is a User attribute only.
    let reply = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &search("userName sw \"b\""),
        )
        .await;
    assert_eq!(reply.ids(), [users[1].clone()]);
    // members is a Group attribute only.
    let reply = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &search(&format!("members.value eq \"{}\"", users[0])),
        )
        .await;
    assert_eq!(reply.ids(), groups);
    // displayName belongs to both; meta.resourceType too.
    let reply = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &search("displayName eq \"beta\" or meta.resourceType eq \"User\""),
        )
        .await;
    let expected: Vec<String> = users.iter().chain(&groups[1..]).cloned().collect();
    assert_eq!(reply.ids(), expected);
    // Resolving for no type is an invalid filter.
    app.post("/scim/v2/.search", &app.a.read, &search("nothing eq 1"))
        .await
        .assert_error(400, Some("invalidFilter"));
}

#[actix_web::test]
async fn sorting_applies_within_each_type() {
    let app = TestApp::new();
    let (users, groups) = populate(&app).await;
    // Users sort by userName; Groups lack it and keep their order.
    let reply = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &json!({"sortBy": "userName", "sortOrder": "descending"}),
        )
        .await;
    let expected: Vec<String> = users.iter().rev().chain(&groups).cloned().collect();
    assert_eq!(reply.ids(), expected);
    // Both types have displayName (no user has one: missing values sort last).
    let reply = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &json!({"sortBy": "displayName", "sortOrder": "descending", "startIndex": 4}),
        )
        .await;
    assert_eq!(reply.ids(), [groups[1].clone(), groups[0].clone()]);
    // A sortBy no type has is refused, even when nothing matches.
    for body in [
        json!({"sortBy": "nothing"}),
        json!({"sortBy": "nothing", "filter": "userName eq \"nobody\""}),
    ] {
        app.post("/scim/v2/.search", &app.a.read, &body)
            .await
            .assert_error(400, Some("invalidValue"));
    }
}

#[actix_web::test]
async fn projection_applies_per_type() {
    let app = TestApp::new();
    populate(&app).await;
    let body = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &json!({"attributes": ["userName", "displayName"], "sortBy": "meta.created"}),
        )
        .await
        .assert_scim(200);
    for resource in body["Resources"].as_array().unwrap() {
        let keys: Vec<&str> = resource
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let allowed = ["schemas", "id", "userName", "displayName"];
        assert!(keys.iter().all(|k| allowed.contains(k)), "{resource}");
        assert!(resource.get("userName").is_some() || resource.get("displayName").is_some());
    }
    let body: Value = app
        .post(
            "/scim/v2/.search",
            &app.a.read,
            &json!({"excludedAttributes": ["members", "emails"]}),
        )
        .await
        .assert_scim(200);
    for resource in body["Resources"].as_array().unwrap() {
        assert!(resource.get("members").is_none() && resource.get("emails").is_none());
        assert!(resource.get("meta").is_some());
    }
}

#[actix_web::test]
async fn a_get_at_the_root_is_the_same_search() {
    let app = TestApp::new();
    let (users, groups) = populate(&app).await;
    for root in ["/scim/v2", "/scim/v2/"] {
        let reply = app
            .get(
                &format!(
                    "{root}?filter=id+eq+%22{}%22+or+id+eq+%22{}%22&count=5",
                    groups[1], users[1]
                ),
                &app.a.read,
            )
            .await;
        assert_eq!(reply.ids(), [users[1].as_str(), groups[1].as_str()]);
        let body = reply.json();
        assert_eq!(body["totalResults"], 2);
        app.get(root, "").await.assert_unauthorized();
        app.get(&format!("{root}?cursor="), &app.a.read)
            .await
            .assert_error(400, Some("invalidValue"));
    }
}

#[actix_web::test]
async fn cursors_and_unknown_members_are_refused() {
    let app = TestApp::new();
    app.post("/scim/v2/.search", &app.a.read, &json!({"cursor": ""}))
        .await
        .assert_error(400, Some("invalidValue"));
    app.post("/scim/v2/.search", &app.a.read, &json!({"filterr": "x"}))
        .await
        .assert_error(400, Some("invalidSyntax"));
}

//! What the console shows, through the admin API: people and groups a page at a time, a
//! group's members, the matrix, activity newest first with its filters, sign-in links; and
//! nothing of one tenant through another's path.

use actix_web::http::Method;
use serde_json::{Value, json};

use super::super::support::{TestApp, id_of};

async fn people(app: &TestApp, tenant: &str, query: &str) -> Value {
    app.admin(
        Method::GET,
        &format!("/admin/v1/tenants/{tenant}/users?{query}"),
        None,
    )
    .await
    .expect(200)
}

#[actix_web::test]
async fn people_are_found_by_text_or_filter_a_page_at_a_time() {
    let app = TestApp::new();
    for name in ["ada@acme.test", "grace@acme.test", "linus@other.test"] {
        app.create_user(&app.a.write, name).await;
    }
    let found = people(&app, "tenant-a", "q=ACME").await;
    assert_eq!(found["total"], 2, "plain text ignores case");
    let filtered = people(&app, "tenant-a", "filter=userName%20sw%20%22linus%22").await;
    assert_eq!(filtered["people"][0]["user_name"], "linus@other.test");

    let first = people(&app, "tenant-a", "limit=2").await;
    assert_eq!(first["people"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = people(&app, "tenant-a", &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(second["people"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], Value::Null);

    let bad = app
        .admin(
            Method::GET,
            "/admin/v1/tenants/tenant-a/users?filter=userName%20eq",
            None,
        )
        .await;
    bad.assert_problem(400, Some("filter"));
    app.admin(
        Method::GET,
        "/admin/v1/tenants/tenant-a/users?q=a&filter=userName%20pr",
        None,
    )
    .await
    .assert_problem(400, Some("filter"));
    app.admin(
        Method::GET,
        "/admin/v1/tenants/tenant-a/users?limit=201",
        None,
    )
    .await
    .assert_problem(400, Some("limit"));
    app.admin(
        Method::GET,
        "/admin/v1/tenants/tenant-a/users?q=ada&cursor=not-a-cursor",
        None,
    )
    .await
    .assert_problem(400, Some("cursor"));
}

#[actix_web::test]
async fn a_group_shows_its_members_a_page_at_a_time_and_the_matrix_its_cells() {
    let app = TestApp::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(id_of(
            &app.create_user(&app.a.write, &format!("u{i}")).await,
        ));
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let group = id_of(&app.create_group(&app.a.write, "Team", &refs).await);
    let base = format!("/admin/v1/tenants/tenant-a/groups/{group}");
    let shown = app.admin(Method::GET, &base, None).await.expect(200);
    assert_eq!(shown["members"], 5);
    assert_eq!(shown["linked"], true, "created with a SCIM key");

    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let page = app
            .admin(Method::GET, &format!("{base}/members?limit=2{next}"), None)
            .await
            .expect(200);
        assert_eq!(page["total"], 5);
        for member in page["members"].as_array().unwrap() {
            seen.push(member["id"].as_str().unwrap().to_owned());
        }
        match page["next_after"].as_str() {
            Some(after) => next = format!("&after={after}"),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(seen, expected);

    // Another tenant's path finds nothing of it.
    app.admin(
        Method::GET,
        &format!("/admin/v1/tenants/tenant-b/groups/{group}/members"),
        None,
    )
    .await
    .assert_problem(404, Some("id"));
    app.admin(
        Method::GET,
        &format!("/admin/v1/tenants/tenant-b/users/{}", ids[0]),
        None,
    )
    .await
    .assert_problem(404, Some("id"));

    app.admin(
        Method::POST,
        "/admin/v1/tenants",
        Some(&json!({"id": "acme", "projects": ["Web", "Data"], "roles": ["Admin"]})),
    )
    .await
    .expect(201);
    let matrix = app
        .admin(Method::GET, "/admin/v1/tenants/acme/matrix", None)
        .await
        .expect(200);
    assert_eq!(matrix["projects"], json!(["Web", "Data"]));
    let cells = matrix["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    assert_eq!(cells[0]["name"], "acme-Web-Admin");
    assert_eq!(
        (&cells[0]["members"], &cells[0]["linked"]),
        (&json!(0), &json!(false)),
        "pre-created, and no identity provider pushed to it yet"
    );
}

#[actix_web::test]
async fn activity_comes_newest_first_filtered_by_type_person_and_key() {
    let app = TestApp::new();
    let ada = id_of(&app.create_user(&app.a.write, "ada").await);
    app.create_user(&app.a.write, "grace").await;
    app.patch(
        &format!("/scim/v2/Users/{ada}"),
        &app.a.write,
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}]}),
    )
    .await;
    let activity = |query: &'static str| {
        let app = &app;
        async move {
            app.admin(
                Method::GET,
                &format!("/admin/v1/tenants/tenant-a/activity?{query}"),
                None,
            )
            .await
            .expect(200)
        }
    };
    let all = activity("").await;
    let seqs: Vec<i64> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    let about_ada = activity("person=ADA").await;
    let types: Vec<&str> = about_ada["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["user.deactivated", "user.created"]);
    let created = activity("type=user.created&limit=1").await;
    assert_eq!(created["events"][0]["resource"]["userName"], "grace");
    let older = created["next_before"].as_i64().unwrap();
    let next = app
        .admin(
            Method::GET,
            &format!("/admin/v1/tenants/tenant-a/activity?type=user.created&before={older}"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(next["events"][0]["resource"]["userName"], "ada");
    assert_eq!(
        activity("key=cli").await["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "user.created")
            .count(),
        0,
        "the users were created with a SCIM key"
    );
    app.admin(
        Method::GET,
        "/admin/v1/tenants/tenant-a/activity?type=user.exploded",
        None,
    )
    .await
    .assert_problem(422, Some("type"));
}

#[actix_web::test]
async fn sign_in_links_are_shown_once_and_last_at_most_a_week() {
    let app = TestApp::new();
    let links = "/admin/v1/tenants/tenant-a/console-links";
    let link = app
        .admin(Method::POST, links, Some(&json!({})))
        .await
        .expect(201);
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://scim.example.test/console/link/"),
        "{url}"
    );
    app.admin(Method::POST, links, Some(&json!({"expires_in": "8d"})))
        .await
        .assert_problem(422, Some("expires_in"));
    app.admin(Method::POST, links, Some(&json!({"expires": "1h"})))
        .await
        .assert_problem(400, Some("expires"));
    app.admin(
        Method::POST,
        "/admin/v1/tenants/nobody/console-links",
        Some(&json!({})),
    )
    .await
    .assert_problem(404, Some("tenant"));
}

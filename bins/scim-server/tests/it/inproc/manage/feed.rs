//! `GET /admin/v1/tenants/{tenant}/events`: pages after a sequence number, the long poll, and
//! the events of admin API changes naming the actor `admin`.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use scim_store::Actor;
use serde_json::{Value, json};

use super::super::support::TestApp;

fn seqs(page: &Value) -> Vec<i64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_feed_pages_through_the_log_in_order_and_resumes_after_a_seq() {
    let app = TestApp::new();
    let events = "/admin/v1/tenants/tenant-a/events";
    // The setup issued two keys: token.issued twice.
    for n in 0..3 {
        app.create_user(&app.a.write, &format!("u{n}@example.com"))
            .await;
    }
    let first = app
        .admin(Method::GET, &format!("{events}?limit=2"), None)
        .await
        .expect(200);
    assert_eq!(seqs(&first), [1, 2]);
    assert_eq!(first["next_after"], 2);
    let rest = app
        .admin(Method::GET, &format!("{events}?after=2&full=true"), None)
        .await
        .expect(200);
    assert_eq!(seqs(&rest), [3, 4, 5]);
    assert_eq!(rest["next_after"], 5);
    let created = &rest["events"][0];
    assert_eq!(created["type"], "user.created");
    assert_eq!(created["data"]["userName"], "u0@example.com", "full=true");
    let ids: std::collections::HashSet<&str> = rest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    // Nothing after the last: an empty page keeps `after` as next_after.
    let none = app
        .admin(Method::GET, &format!("{events}?after=5"), None)
        .await
        .expect(200);
    assert_eq!(none, json!({"events": [], "next_after": 5}));
    // Tenant b's feed holds none of tenant a's events.
    let other = app
        .admin(
            Method::GET,
            "/admin/v1/tenants/tenant-b/events?after=2",
            None,
        )
        .await
        .expect(200);
    assert_eq!(seqs(&other), Vec::<i64>::new());

    for (query, field) in [
        ("after=-1", "after"),
        ("after=x", "after"),
        ("limit=0", "limit"),
        ("wait=31", "wait"),
        ("wait=-1", "wait"),
        ("full=maybe", "full"),
    ] {
        app.admin(Method::GET, &format!("{events}?{query}"), None)
            .await
            .assert_problem(400, Some(field));
    }
    app.admin(Method::GET, "/admin/v1/tenants/nobody/events?wait=5", None)
        .await
        .assert_problem(404, Some("tenant"));
}

#[actix_web::test]
async fn a_waiting_request_answers_when_an_event_commits() {
    let app = TestApp::new();
    let (store, tenant) = (app.state.store.clone(), app.a.id.clone());
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        store
            .create(
                Actor::tenant(&tenant),
                "User",
                &json!({"userName": "late@example.com"}),
            )
            .unwrap();
    });
    let started = Instant::now();
    let page = app
        .admin(
            Method::GET,
            "/admin/v1/tenants/tenant-a/events?after=2&wait=30",
            None,
        )
        .await
        .expect(200);
    writer.join().unwrap();
    assert_eq!(seqs(&page), [3]);
    assert_eq!(
        page["events"][0]["resource"]["userName"],
        "late@example.com"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "answered before the wait ran out"
    );
}

#[actix_web::test]
async fn a_waiting_request_without_events_answers_empty_once_the_wait_has_passed() {
    let app = TestApp::new();
    let started = Instant::now();
    let page = app
        .admin(
            Method::GET,
            "/admin/v1/tenants/tenant-a/events?after=2&wait=1",
            None,
        )
        .await
        .expect(200);
    assert_eq!(page, json!({"events": [], "next_after": 2}));
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[actix_web::test]
async fn changes_made_through_the_admin_api_are_attributed_to_admin() {
    let app = TestApp::new();
    app.admin(
        Method::PATCH,
        "/admin/v1/tenants/tenant-a",
        Some(&json!({"policies": {"group_create": false}, "add_projects": ["Web"], "add_roles": ["Admin"]})),
    )
    .await
    .expect(200);
    let issued = app
        .admin(Method::POST, "/admin/v1/tenants/tenant-a/tokens", None)
        .await
        .expect(201);
    let id = issued["id"].as_str().unwrap().to_owned();
    app.admin(
        Method::DELETE,
        &format!("/admin/v1/tenants/tenant-a/tokens/{id}"),
        None,
    )
    .await
    .expect(204);
    let page = app
        .admin(
            Method::GET,
            "/admin/v1/tenants/tenant-a/events?after=2",
            None,
        )
        .await
        .expect(200);
    let seen: Vec<(&str, &str)> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("tenant.updated", "admin"),
            ("group.created", "admin"),
            ("token.issued", "admin"),
            ("token.revoked", "admin"),
        ]
    );
}

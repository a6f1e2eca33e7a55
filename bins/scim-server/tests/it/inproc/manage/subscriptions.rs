//! `/admin/v1/tenants/{tenant}/subscriptions`: create (the secret shown), list and show
//! (never the secret), update, rotate the secret, the delivery log, redeliver, delete; a
//! subscription of another tenant is not found.

use actix_web::http::Method;
use chrono::Utc;
use scim_store::{Actor, DeliveryAttempt};
use serde_json::{Value, json};

use super::super::support::{TestApp, config};

const SUBSCRIPTIONS: &str = "/admin/v1/tenants/tenant-a/subscriptions";

async fn create(app: &TestApp, body: &Value) -> Value {
    app.admin(Method::POST, SUBSCRIPTIONS, Some(body))
        .await
        .expect(201)
}

#[actix_web::test]
async fn subscriptions_are_managed_and_their_secret_shown_only_on_create_and_rotate() {
    let app = TestApp::new();
    let reply = app
        .admin(
            Method::POST,
            SUBSCRIPTIONS,
            Some(&json!({
                "url": "https://product.example.com/scim-events",
                "events": ["user.deactivated", "access.revoked"],
                "description": "product"
            })),
        )
        .await;
    let created = reply.expect(201);
    let id = created["id"].as_str().unwrap().to_owned();
    let item = format!("{SUBSCRIPTIONS}/{id}");
    assert_eq!(reply.header("location"), Some(item.as_str()));
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["format"], "json");
    assert_eq!(created["delivery"], "push");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["state"], "healthy");

    let listed = app
        .admin(Method::GET, SUBSCRIPTIONS, None)
        .await
        .expect(200);
    assert_eq!(listed["subscriptions"].as_array().unwrap().len(), 1);
    let shown = app.admin(Method::GET, &item, None).await.expect(200);
    for body in [&listed, &shown] {
        assert!(!body.to_string().contains(&secret), "{body}");
    }
    assert!(shown.get("secret").is_none());

    let updated = app
        .admin(
            Method::PATCH,
            &item,
            Some(&json!({"events": [], "full": true, "enabled": false, "audience": "urn:product"})),
        )
        .await
        .expect(200);
    assert_eq!(updated["events"], json!([]));
    assert_eq!(updated["full"], true);
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["audience"], "urn:product");
    assert_eq!(updated["url"], created["url"], "unnamed settings stay");
    let updated = app
        .admin(Method::PATCH, &item, Some(&json!({"audience": null})))
        .await
        .expect(200);
    assert_eq!(updated["audience"], Value::Null);

    let rotated = app
        .admin(Method::POST, &format!("{item}/rotate-secret"), None)
        .await
        .expect(200);
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);

    // The delivery log, newest first, as the delivery workers record it.
    let stored = app
        .state
        .store
        .subscription(&app.a.id, &id)
        .unwrap()
        .unwrap();
    let attempts: Vec<DeliveryAttempt> = (1..=3)
        .map(|n| DeliveryAttempt {
            id: format!("attempt-{n}"),
            at: Utc::now() + chrono::Duration::seconds(n),
            event_id: None,
            seq: Some(n),
            status: Some(500),
            latency_micros: 1500,
            delivered: false,
            error: Some("500 Internal Server Error".into()),
            response_excerpt: None,
        })
        .collect();
    app.state.store.record_attempts(&stored, &attempts).unwrap();
    let log = app
        .admin(Method::GET, &format!("{item}/deliveries?limit=2"), None)
        .await
        .expect(200);
    let ids: Vec<&str> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["attempt-3", "attempt-2"]);
    assert_eq!(log["deliveries"][0]["latency_ms"], 1.5);

    // Redeliver: the cursor moves back to `after`, never beyond the last event.
    for n in 0..3 {
        app.create_user(&app.a.write, &format!("u{n}@example.com"))
            .await;
    }
    let rewound = app
        .admin(
            Method::POST,
            &format!("{item}/redeliver"),
            Some(&json!({"after": 1})),
        )
        .await
        .expect(200);
    assert_eq!(rewound["cursor"], 1);
    let beyond = app
        .admin(
            Method::POST,
            &format!("{item}/redeliver"),
            Some(&json!({"after": 999})),
        )
        .await
        .expect(200);
    let last = app.state.store.events(&app.a.id, 0, 1000).unwrap();
    assert_eq!(beyond["cursor"], last.last().unwrap().seq);

    app.admin(Method::DELETE, &item, None).await.expect(204);
    for (method, path) in [
        (Method::GET, item.clone()),
        (Method::DELETE, item.clone()),
        (Method::GET, format!("{item}/deliveries")),
    ] {
        app.admin(method, &path, None)
            .await
            .assert_problem(404, Some("id"));
    }
}

#[actix_web::test]
async fn a_subscription_of_tenant_a_is_not_found_through_tenant_b() {
    let app = TestApp::new();
    let id = create(&app, &json!({"url": "https://a.example.com/hooks"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = format!("/admin/v1/tenants/tenant-b/subscriptions/{id}");
    let cases = [
        (Method::GET, other.clone(), None),
        (
            Method::PATCH,
            other.clone(),
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, other.clone(), None),
        (Method::POST, format!("{other}/rotate-secret"), None),
        (Method::GET, format!("{other}/deliveries"), None),
        (
            Method::POST,
            format!("{other}/redeliver"),
            Some(json!({"after": 0})),
        ),
    ];
    for (method, path, body) in cases {
        app.admin(method, &path, body.as_ref())
            .await
            .assert_problem(404, Some("id"));
    }
    let listed = app
        .admin(
            Method::GET,
            "/admin/v1/tenants/tenant-b/subscriptions",
            None,
        )
        .await
        .expect(200);
    assert_eq!(listed["subscriptions"], json!([]));
    // Still there, unchanged, for tenant a.
    let shown = app
        .admin(Method::GET, &format!("{SUBSCRIPTIONS}/{id}"), None)
        .await
        .expect(200);
    assert_eq!(shown["enabled"], true);
}

#[actix_web::test]
async fn bad_subscriptions_are_refused_naming_the_field() {
    let app = TestApp::new();
    for (body, status, field) in [
        (json!({}), 400, "url"),
        (json!({"url": "http://plain.example.com/"}), 422, "url"),
        (json!({"url": "not a url"}), 422, "url"),
        (json!({"url": "https://u:p@example.com/"}), 422, "url"),
        (
            json!({"url": "https://e.example.com/", "format": "xml"}),
            422,
            "format",
        ),
        (
            json!({"url": "https://e.example.com/", "delivery": "carrier pigeon"}),
            422,
            "delivery",
        ),
        (
            json!({"url": "https://e.example.com/", "events": ["user.created", "user.exploded"]}),
            422,
            "events[1]",
        ),
        (
            json!({"url": "https://e.example.com/", "events": "user.created"}),
            400,
            "events",
        ),
        (
            json!({"url": "https://e.example.com/", "after": -1}),
            422,
            "after",
        ),
        (
            json!({"url": "https://e.example.com/", "after": 1.5}),
            400,
            "after",
        ),
        (
            json!({"url": "https://e.example.com/", "secret": "mine"}),
            400,
            "secret",
        ),
    ] {
        app.admin(Method::POST, SUBSCRIPTIONS, Some(&body))
            .await
            .assert_problem(status, Some(field));
    }
    let id = create(&app, &json!({"url": "https://e.example.com/"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let item = format!("{SUBSCRIPTIONS}/{id}");
    for (body, status, field) in [
        (json!({"url": "ftp://e.example.com/"}), 422, "url"),
        (json!({"enabled": "no"}), 400, "enabled"),
        (json!({"audience": 5}), 400, "audience"),
        (json!({"cursor": 0}), 400, "cursor"),
    ] {
        app.admin(Method::PATCH, &item, Some(&body))
            .await
            .assert_problem(status, Some(field));
    }
    for (body, status, field) in [
        (json!({}), 400, "after"),
        (json!({"after": -5}), 422, "after"),
    ] {
        app.admin(Method::POST, &format!("{item}/redeliver"), Some(&body))
            .await
            .assert_problem(status, Some(field));
    }
    app.admin(Method::GET, &format!("{item}/deliveries?limit=201"), None)
        .await
        .assert_problem(400, Some("limit"));
}

#[actix_web::test]
async fn plain_http_receivers_need_allow_http() {
    let mut lax = config();
    lax.webhooks.allow_http = true;
    let app = TestApp::with_config(lax);
    let created = create(&app, &json!({"url": "http://receiver.example.com/hooks"})).await;
    assert_eq!(created["url"], "http://receiver.example.com/hooks");
    // And the subscription starts after the tenant's last event unless told otherwise.
    app.state
        .store
        .create(
            Actor::tenant(&app.a.id),
            "User",
            &json!({"userName": "later@example.com"}),
        )
        .unwrap();
    let replay = create(
        &app,
        &json!({"url": "https://receiver.example.com/hooks", "after": 0, "delivery": "poll", "format": "set"}),
    )
    .await;
    assert_eq!(replay["cursor"], 0);
    assert_eq!(replay["delivery"], "poll");
    assert_eq!(replay["format"], "set");
}

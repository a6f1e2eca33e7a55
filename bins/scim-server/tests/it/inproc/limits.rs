//! Rate limits: per tenant for SCIM, for the admin API as a whole, and for failed admin
//! authentications per client address. An exceeded limit is 429 with a SCIM body and
//! `Retry-After`, and is counted in the metrics.

use actix_web::http::{Method, header};
use scim_server::config::Config;

use super::support::{ADMIN_TOKEN, TestApp, config, request};

fn limited(configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = config();
    configure(&mut config);
    TestApp::with_config(config)
}

fn throttled_count(app: &TestApp, limit: &str) -> u64 {
    app.state
        .metrics
        .throttled
        .with_label_values(&[limit])
        .get()
}

#[actix_web::test]
async fn a_tenant_over_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let app = limited(|c| {
        c.rate_limit.tenant_requests_per_second = 0.5;
        c.rate_limit.tenant_burst = 3;
    });
    for _ in 0..3 {
        app.get("/scim/v2/Users", &app.a.read)
            .await
            .assert_scim(200);
    }
    // Both keys of a tenant share its bucket.
    let refused = app.get("/scim/v2/Users", &app.a.write).await;
    refused.assert_error(429, None);
    let retry: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!(
        (1..=2).contains(&retry),
        "a token is back within 2 s at 0.5/s: {retry}"
    );
    // Another tenant has its own bucket.
    app.get("/scim/v2/Users", &app.b.read)
        .await
        .assert_scim(200);
    assert_eq!(throttled_count(&app, "tenant"), 1);
    // Writes are limited alike, and a refused write changes nothing.
    let create = super::support::with_json(
        request(Method::POST, "/scim/v2/Users", &app.a.write),
        &serde_json::json!({"userName": "late@example.com"}),
    );
    app.send(create).await.assert_error(429, None);
    let b = app
        .get(
            "/scim/v2/Users?filter=userName%20eq%20%22late%40example.com%22",
            &app.b.read,
        )
        .await;
    assert_eq!(b.assert_scim(200)["totalResults"], 0);
}

#[actix_web::test]
async fn failed_admin_authentications_are_limited_per_address() {
    let app = limited(|c| c.rate_limit.admin_auth_failures_per_minute = 2);
    let access = "/admin/v1/tenants/tenant-a/access";
    for _ in 0..2 {
        app.get(access, "wrong-admin-token")
            .await
            .assert_problem(401, None);
    }
    // Past the limit, even the right credential waits: guessing is slowed for the address.
    let refused = app.get(access, "wrong-admin-token").await;
    refused.assert_problem(429, None);
    assert!(refused.header("retry-after").is_some());
    app.get(access, ADMIN_TOKEN).await.assert_problem(429, None);
    assert_eq!(throttled_count(&app, "admin_auth"), 2);
}

#[actix_web::test]
async fn the_admin_api_has_a_rate_of_its_own() {
    let app = limited(|c| {
        c.rate_limit.admin_requests_per_second = 0.1;
        c.rate_limit.admin_burst = 2;
    });
    let access = "/admin/v1/tenants/tenant-a/access";
    for _ in 0..2 {
        let reply = app.get(access, ADMIN_TOKEN).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text());
    }
    let refused = app.get(access, ADMIN_TOKEN).await;
    refused.assert_problem(429, None);
    assert!(refused.header(header::RETRY_AFTER.as_str()).is_some());
    // SCIM requests are not held back by the admin API's limit.
    app.get("/scim/v2/Users", &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(throttled_count(&app, "admin"), 1);
}

//! `/healthz`, `/readyz` and `/metrics`, and a database that stops answering.

use actix_web::http::StatusCode;

use super::support::{SwitchableStore, TestApp, config, memory_store};

#[actix_web::test]
async fn liveness_and_readiness_follow_the_process_and_the_database() {
    let store = SwitchableStore::new(memory_store());
    let app = TestApp::with(config(), store.clone());
    // The write key is verified (and cached) now; the read key is not.
    app.get("/scim/v2/Users", &app.a.write)
        .await
        .assert_scim(200);
    let live = app.get("/healthz", "").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.text(), "ok\n");
    assert_eq!(app.get("/readyz", "").await.status, StatusCode::OK);

    store.set_down(true);
    // Liveness does not touch the database; readiness and SCIM requests report it.
    assert_eq!(app.get("/healthz", "").await.status, StatusCode::OK);
    let ready = app.get("/readyz", "").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        ready
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    // A cached key reaches the store, which fails; a key that cannot be checked is no bad
    // key either: both are 503, so the client retries instead of doubting its key.
    app.get("/scim/v2/Users", &app.a.write)
        .await
        .assert_error(503, None);
    let reply = app.get("/scim/v2/Users", &app.a.read).await;
    reply.assert_error(503, None);
    assert!(reply.header("www-authenticate").is_none());

    store.set_down(false);
    assert_eq!(app.get("/readyz", "").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn metrics_count_requests_and_time_store_calls() {
    let app = TestApp::new();
    app.create_user(&app.a.write, "metered@example.com").await;
    app.get("/scim/v2/Users", &app.a.read)
        .await
        .assert_scim(200);
    app.get("/scim/v2/Users/unknown", &app.a.read)
        .await
        .assert_error(404, None);
    app.get("/scim/v2/Users/unknown/deeper", &app.a.read)
        .await
        .assert_error(404, None);
    app.get("/readyz", "").await;
    let reply = app.get("/metrics", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = reply.text();
    for expected in [
        r#"scim_http_requests_total{method="POST",route="/scim/v2/{endpoint}",status="201"} 1"#,
        r#"scim_http_requests_total{method="GET",route="/scim/v2/{endpoint}",status="200"} 1"#,
        r#"scim_http_requests_total{method="GET",route="/scim/v2/{endpoint}/{id}",status="404"} 1"#,
        // A path no route takes is not a label of its own, however many there are.
        r#"scim_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"scim_http_request_duration_seconds_count{method="GET",route="/scim/v2/{endpoint}"} 1"#,
        r#"scim_store_call_duration_seconds_count{operation="create"} 1"#,
        r#"scim_store_call_duration_seconds_count{operation="query"} 1"#,
        r#"scim_store_call_duration_seconds_count{operation="get"} 1"#,
        r#"scim_store_call_duration_seconds_count{operation="ping"} 1"#,
        // Each of the two keys verified once, then cached.
        r#"scim_store_call_duration_seconds_count{operation="authenticate"} 2"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    // Labels are route patterns: no id, tenant or user data.
    assert!(!text.contains("unknown"));
    assert!(!text.contains("tenant-a"));
}

//! `/healthz`, `/readyz` and `/metrics`, and a database that stops answering.

use std::time::{Duration, Instant};

use actix_web::App;
use actix_web::http::{Method, StatusCode};
use actix_web::test;
use scim_server::config::Config;

use super::support::{SwitchableStore, TestApp, config, memory_store, request};

/// How long the stalled store hangs: far longer than any answer may take.
const STALL: Duration = Duration::from_secs(2);

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
    // A 503 says when to come back.
    assert!(
        reply
            .header("retry-after")
            .is_some_and(|v| v.parse::<u32>().is_ok())
    );

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

#[actix_web::test]
async fn readiness_answers_503_in_time_when_the_database_hangs() {
    let store = SwitchableStore::new(memory_store());
    let app = TestApp::with(config(), store.clone());
    store.set_stall(STALL);
    // The second probe finds the first one's ping still hanging, and does not wait for it.
    for _ in 0..2 {
        let started = Instant::now();
        let ready = app.get("/readyz", "").await;
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.get("/healthz", "").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_request_behind_a_hanging_store_call_answers_503_after_the_database_wait() {
    let store = SwitchableStore::new(memory_store());
    let app = TestApp::with(
        Config {
            max_connections: 1,
            database_wait_ms: 200,
            ..config()
        },
        store.clone(),
    );
    store.set_stall(STALL);
    // The first request takes the only connection's turn and hangs with it...
    let state = app.state.clone();
    let first = request(Method::GET, "/scim/v2/Users", &app.a.write).to_request();
    actix_web::rt::spawn(async move {
        let service = test::init_service(
            App::new().configure(|cfg| scim_server::http::configure(cfg, state)),
        )
        .await;
        test::call_service(&service, first).await.status()
    });
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    // ...and the next one does not wait with it.
    let started = Instant::now();
    let reply = app.get("/scim/v2/Users", &app.a.write).await;
    reply.assert_error(503, None);
    assert!(reply.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

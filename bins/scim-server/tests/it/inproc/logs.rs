//! Tokens and passwords never reach the logs.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use actix_web::http::{Method, header};
use serde_json::json;

use super::support::{ADMIN_TOKEN, SCIM_JSON, TestApp, id_of, request, user};

/// Everything any test of this binary logs, once this module's subscriber is installed.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = LOGS.lock() {
            logs.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a global subscriber at the most verbose level, so that every thread's events (the
/// blocking pool's included) and the `log` records of actix are captured.
fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init();
    });
}

fn logged() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

#[actix_web::test]
async fn tokens_and_passwords_are_never_logged() {
    capture_logs();
    let app = TestApp::new();
    let password = "Pa55word-that-must-never-be-logged";
    let mut body = user("logged@example.com");
    body["password"] = json!(password);
    let reply = app.post("/scim/v2/Users", &app.a.write, &body).await;
    let created = reply.assert_scim(201);
    assert!(!reply.text().contains(password));
    let path = format!("/scim/v2/Users/{}", id_of(&created));

    // A replace and a patch that set the password; a create that fails with it.
    body["id"] = created["id"].clone();
    app.put(&path, &app.a.write, &body).await.assert_scim(200);
    let patch = json!({"Operations": [{"op": "replace", "path": "password", "value": password}]});
    app.patch(&path, &app.a.write, &patch)
        .await
        .assert_scim(200);
    app.post("/scim/v2/Users", &app.a.write, &body)
        .await
        .assert_error(409, Some("uniqueness"));
    let mut broken = body.clone();
    broken["active"] = json!({"password": password});
    app.post("/scim/v2/Users", &app.a.write, &broken)
        .await
        .assert_scim(400);
    let bulk = json!({"Operations": [{"method": "POST", "path": "/Users", "bulkId": "p",
                                      "data": {"userName": "bulk@example.com", "password": password}}]});
    app.post("/scim/v2/Bulk", &app.a.write, &bulk)
        .await
        .assert_scim(200);

    // Refused credentials: a forged key, a malformed one, the admin token.
    let forged = format!("{}x", app.a.write);
    app.get("/scim/v2/Users", &forged)
        .await
        .assert_unauthorized();
    let malformed = "not-a-jwt-but-a-secret-all-the-same";
    app.get("/scim/v2/Users", malformed)
        .await
        .assert_unauthorized();
    app.get("/scim/v2/Users", ADMIN_TOKEN)
        .await
        .assert_unauthorized();
    app.get(
        "/admin/v1/tenants/tenant-a/access",
        "wrong-admin-token-value",
    )
    .await
    .assert_problem(401, None);
    app.get("/admin/v1/tenants/tenant-a/access", ADMIN_TOKEN)
        .await;
    // A password in a body actix refuses before any handler.
    let req = request(Method::POST, "/scim/v2/Users", &app.a.write)
        .insert_header((header::CONTENT_TYPE, SCIM_JSON))
        .set_payload(format!("{{\"password\": \"{password}\", "));
    app.send(req).await.assert_scim(400);

    let logs = logged();
    assert!(logs.contains("handled"), "the requests were logged: {logs}");
    for secret in [
        password,
        app.a.write.as_str(),
        app.a.read.as_str(),
        forged.as_str(),
        malformed,
        ADMIN_TOKEN,
        "wrong-admin-token-value",
    ] {
        assert!(!logs.contains(secret), "{secret} was logged");
    }
    // A token's signature alone is as secret as the token.
    let signature = app.a.write.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature));
}

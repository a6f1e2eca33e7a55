//! Authentication and scopes: every bad credential is a 401 with an error document and a
//! challenge, on every authenticated endpoint; a read-only key cannot write.

use actix_web::http::{Method, header};
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scim_server::auth::Claims;
use serde_json::json;

use super::support::{SECRET, TestApp, id_of, issue, request, user, with_json};

/// The claims of a key `TestApp` issued.
fn claims_of(token: &str) -> Claims {
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let key = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .unwrap()
        .claims
}

fn sign(claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

/// The bad credentials that present no bearer token at all.
const NO_BEARER_TOKEN: [&str; 5] = [
    "no header",
    "empty bearer",
    "bearer of spaces",
    "no scheme",
    "basic",
];

/// Every `Authorization` header value that must not authenticate, by name.
fn bad_credentials(app: &TestApp) -> Vec<(&'static str, Option<String>)> {
    let good = &app.a.write;
    let claims = claims_of(good);
    let payload = good.split('.').nth(1).unwrap();
    let expired = issue(&app.state, &app.a.id, true, Utc::now() - Duration::days(2));
    let revoked = issue(&app.state, &app.a.id, true, Utc::now());
    app.state
        .store
        .revoke_token(&claims_of(&revoked).jti, &scim_store::EventActor::Cli)
        .unwrap();
    let other_issuer = Claims {
        iss: "someone-else".into(),
        ..claims.clone()
    };
    let other_tenant = Claims {
        tenant: app.b.id.to_string(),
        ..claims.clone()
    };
    vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("bearer of spaces", Some("Bearer    ".into())),
        ("no scheme", Some(good.clone())),
        ("basic", Some("Basic dXNlcjpwYXNz".into())),
        ("malformed", Some("Bearer not-a-jwt".into())),
        ("three garbage parts", Some("Bearer a.b.c".into())),
        (
            "wrongly signed",
            Some(format!(
                "Bearer {}",
                sign(&claims, b"another-secret-of-at-least-32-bytes!")
            )),
        ),
        (
            "alg none",
            Some(format!(
                "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}."
            )),
        ),
        (
            "another issuer",
            Some(format!("Bearer {}", sign(&other_issuer, SECRET.as_bytes()))),
        ),
        (
            "tenant claim changed",
            Some(format!("Bearer {}", sign(&other_tenant, SECRET.as_bytes()))),
        ),
        ("expired", Some(format!("Bearer {expired}"))),
        ("revoked", Some(format!("Bearer {revoked}"))),
    ]
}

#[actix_web::test]
async fn bad_credentials_are_401_with_an_error_document_and_a_challenge() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "victim@example.com").await;
    let item = format!("/scim/v2/Users/{}", id_of(&created));
    let body = json!({"Operations": []});
    let endpoints = [
        (Method::GET, "/scim/v2/Users"),
        (Method::POST, "/scim/v2/Users"),
        (Method::GET, item.as_str()),
        (Method::PUT, item.as_str()),
        (Method::PATCH, item.as_str()),
        (Method::DELETE, item.as_str()),
        (Method::POST, "/scim/v2/Users/.search"),
        (Method::GET, "/scim/v2/Groups"),
        (Method::POST, "/scim/v2/.search"),
        (Method::POST, "/scim/v2/Bulk"),
        (Method::GET, "/scim/v2/Me"),
    ];
    for (name, credential) in bad_credentials(&app) {
        for (method, path) in &endpoints {
            let mut req = with_json(request(method.clone(), path, ""), &body);
            if let Some(credential) = &credential {
                req = req.insert_header((header::AUTHORIZATION, credential.clone()));
            }
            let reply = app.send(req).await;
            assert_eq!(reply.status.as_u16(), 401, "{name}: {method} {path}");
            reply.assert_unauthorized();
            // RFC 6750 §3.1: `invalid_token` only when a bearer token was presented.
            let challenge = reply.header("www-authenticate").unwrap();
            let missing = NO_BEARER_TOKEN.contains(&name);
            assert_eq!(challenge.contains("invalid_token"), !missing, "{name}");
        }
    }
    // Nothing was changed by any of them.
    let read = app.get(&item, &app.a.read).await.assert_scim(200);
    assert_eq!(read, created);
}

#[actix_web::test]
async fn a_revoked_key_stops_working_even_once_cached() {
    let app = TestApp::new();
    let token = issue(&app.state, &app.a.id, true, Utc::now());
    app.get("/scim/v2/Users", &token).await.assert_scim(200);
    app.state
        .store
        .revoke_token(&claims_of(&token).jti, &scim_store::EventActor::Cli)
        .unwrap();
    // Verified keys are cached; the revocation poller evicts revoked ones.
    app.state
        .auth
        .poll_revocations(Utc::now() - Duration::minutes(1), Utc::now())
        .unwrap();
    app.get("/scim/v2/Users", &token)
        .await
        .assert_unauthorized();
}

#[actix_web::test]
async fn a_read_only_key_reads_but_cannot_write() {
    let app = TestApp::new();
    let created = app.create_user(&app.a.write, "ro@example.com").await;
    let item = format!("/scim/v2/Users/{}", id_of(&created));
    let read_only = &app.a.read;
    app.get(&item, read_only).await.assert_scim(200);
    app.get("/scim/v2/Users", read_only).await.assert_scim(200);
    app.post("/scim/v2/Users/.search", read_only, &json!({}))
        .await
        .assert_scim(200);
    app.post("/scim/v2/.search", read_only, &json!({}))
        .await
        .assert_scim(200);

    app.post("/scim/v2/Users", read_only, &user("new@example.com"))
        .await
        .assert_error(403, None);
    app.put(&item, read_only, &created)
        .await
        .assert_error(403, None);
    app.patch(
        &item,
        read_only,
        &json!({"Operations": [{"op": "replace", "value": {"active": false}}]}),
    )
    .await
    .assert_error(403, None);
    app.delete(&item, read_only).await.assert_error(403, None);
    let bulk = json!({"Operations": [{"method": "DELETE", "path": format!("/Users/{}", id_of(&created))}]});
    app.post("/scim/v2/Bulk", read_only, &bulk)
        .await
        .assert_error(403, None);

    let read = app.get(&item, read_only).await.assert_scim(200);
    assert_eq!(read, created, "nothing changed");
}

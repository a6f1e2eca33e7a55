//! RFC 8936 polling for SETs (`POST /events/v1/tenants/{tenant}/subscriptions/{id}/poll`) and
//! the key set SETs verify with (`GET /.well-known/jwks.json`).

use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use scim_store::{
    Actor, DeliveryMethod, EventFormat, NewSubscription, Subscription, SubscriptionChange,
};
use serde_json::{Value, json};

use super::support::*;

fn subscribe(app: &TestApp, delivery: DeliveryMethod, format: EventFormat) -> Subscription {
    app.state
        .store
        .create_subscription(&NewSubscription {
            id: uuid::Uuid::new_v4().to_string(),
            tenant: app.a.id.clone(),
            url: "https://receiver.example.com/events".into(),
            format,
            delivery,
            event_types: Vec::new(),
            full: false,
            secret: scim_server::delivery::new_secret().unwrap(),
            audience: None,
            description: String::new(),
            enabled: true,
            after: None,
        })
        .unwrap()
}

fn poll_path(subscription: &Subscription) -> String {
    format!(
        "/events/v1/tenants/{}/subscriptions/{}/poll",
        subscription.tenant, subscription.id
    )
}

async fn poll(app: &TestApp, subscription: &Subscription, body: &Value) -> Reply {
    app.send(
        request(Method::POST, &poll_path(subscription), &subscription.secret)
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string()),
    )
    .await
}

async fn jwks(app: &TestApp) -> JwkSet {
    let reply = app.get("/.well-known/jwks.json", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    serde_json::from_slice(&reply.body).unwrap()
}

/// The verified claims of every SET of a poll answer, checking that each is filed under its
/// `jti`.
fn verified(answer: &Value, jwks: &JwkSet, audience: &str) -> Vec<Value> {
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.set_audience(&[audience]);
    validation.set_issuer(&[BASE]);
    answer["sets"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(jti, token)| {
            let token = token.as_str().unwrap();
            let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
            let key = DecodingKey::from_jwk(jwks.find(&kid).unwrap()).unwrap();
            let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
                .unwrap()
                .claims;
            assert_eq!(claims["jti"], jti.as_str());
            claims
        })
        .collect()
}

fn cursor(app: &TestApp, subscription: &Subscription) -> i64 {
    app.state
        .store
        .subscription(&subscription.tenant, &subscription.id)
        .unwrap()
        .unwrap()
        .cursor
}

#[actix_rt::test]
async fn polls_return_pending_sets_in_order_and_acknowledgements_move_the_cursor() {
    let app = TestApp::new();
    let sub = subscribe(&app, DeliveryMethod::Poll, EventFormat::Set);
    let start = sub.cursor;
    for name in ["ada@example.com", "grace@example.com", "alan@example.com"] {
        app.create_user(&app.a.write, name).await;
    }
    let events = app.state.store.events(&app.a.id, start, 10).unwrap();
    assert_eq!(events.len(), 3);
    let keys = jwks(&app).await;

    let first = poll(
        &app,
        &sub,
        &json!({"maxEvents": 2, "returnImmediately": true}),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("content-type"), Some("application/json"));
    let first = first.json();
    assert_eq!(first["moreAvailable"], true);
    let claims = verified(&first, &keys, &sub.url);
    let jtis: Vec<&str> = claims.iter().map(|c| c["jti"].as_str().unwrap()).collect();
    assert_eq!(jtis, [events[0].id.as_str(), events[1].id.as_str()]);
    assert_eq!(cursor(&app, &sub), start, "nothing acknowledged yet");

    // Unacknowledged SETs come again; acknowledged ones never.
    let second = poll(
        &app,
        &sub,
        &json!({"ack": [events[0].id, events[1].id], "returnImmediately": true}),
    )
    .await
    .json();
    assert_eq!(second["moreAvailable"], false);
    let claims = verified(&second, &keys, &sub.url);
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0]["jti"], events[2].id.as_str());
    assert_eq!(cursor(&app, &sub), start + 2);

    // An error report acknowledges too, and is in the delivery log.
    let third = poll(
        &app,
        &sub,
        &json!({
            "setErrs": {events[2].id.clone(): {"err": "invalid_request", "description": "unexpected attribute"}},
            "maxEvents": 0
        }),
    )
    .await
    .json();
    assert_eq!(third, json!({"sets": {}, "moreAvailable": false}));
    assert_eq!(cursor(&app, &sub), start + 3);
    let log = app.state.store.deliveries(&app.a.id, &sub.id, 10).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].event_id.as_deref(), Some(events[2].id.as_str()));
    assert_eq!(
        log[0].error.as_deref(),
        Some("invalid_request: unexpected attribute")
    );
    assert!(!log[0].delivered);

    let empty = poll(&app, &sub, &json!({"returnImmediately": true}))
        .await
        .json();
    assert_eq!(empty, json!({"sets": {}, "moreAvailable": false}));
}

#[actix_rt::test]
async fn a_poll_without_return_immediately_answers_when_an_event_commits() {
    let app = TestApp::new();
    let sub = subscribe(&app, DeliveryMethod::Poll, EventFormat::Set);
    let store = app.state.store.clone();
    let tenant = app.a.id.clone();
    // The write commits while the poll waits (and wakes it through the commit signals).
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
    let answer = poll(&app, &sub, &json!({})).await;
    writer.join().unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    let answer = answer.json();
    assert_eq!(answer["sets"].as_object().unwrap().len(), 1);
}

#[actix_rt::test]
async fn polls_need_the_subscription_secret_and_a_poll_subscription() {
    let app = TestApp::new();
    let sub = subscribe(&app, DeliveryMethod::Poll, EventFormat::Set);
    let path = poll_path(&sub);
    let body = json!({"returnImmediately": true}).to_string();
    for token in ["", "whsec_wrong", app.a.write.as_str()] {
        let reply = app
            .send(request(Method::POST, &path, token).set_payload(body.clone()))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"events\"")
        );
        assert_eq!(reply.json()["err"], "authentication_failed");
    }
    let unknown = app
        .send(
            request(
                Method::POST,
                &format!("/events/v1/tenants/{}/subscriptions/nope/poll", sub.tenant),
                &sub.secret,
            )
            .set_payload(body.clone()),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    let malformed = app
        .send(request(Method::POST, &path, &sub.secret).set_payload("{\"ack\": 7}"))
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["err"], "invalid_request");

    let push = subscribe(&app, DeliveryMethod::Push, EventFormat::Set);
    let reply = poll(&app, &push, &json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["err"], "invalid_request");

    app.state
        .store
        .update_subscription(
            &sub.tenant,
            &sub.id,
            &SubscriptionChange {
                enabled: Some(false),
                ..SubscriptionChange::default()
            },
        )
        .unwrap();
    let disabled = poll(&app, &sub, &json!({"returnImmediately": true})).await;
    assert_eq!(disabled.status, StatusCode::FORBIDDEN);
    assert_eq!(disabled.json()["err"], "access_denied");

    let get = app.send(request(Method::GET, &path, &sub.secret)).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_rt::test]
async fn the_key_set_is_public_and_holds_public_keys_only() {
    let app = TestApp::new();
    let reply = app.get("/.well-known/jwks.json", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    let set = reply.json();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    for member in ["kty", "crv", "x", "y", "kid", "alg", "use"] {
        assert!(key.get(member).is_some(), "{member}");
    }
    assert_eq!(key["alg"], "ES256");
    assert_eq!(key["use"], "sig");
    assert!(key.get("d").is_none());
    let again = app.get("/.well-known/jwks.json", "").await.json();
    assert_eq!(again, set, "one key, generated once");
}

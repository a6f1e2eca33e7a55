//! Push deliveries as a receiver sees them: Standard Webhooks JSON and RFC 8935 SETs, in `seq`
//! order, signed; test deliveries; 410 Gone; and the SSRF guard's refusals by default.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use scim_store::{EventType, SubscriptionState};
use serde_json::{Value, json};

use super::*;

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Some of every kind of SCIM write: creates, a group with members, a deactivation, a delete.
fn provision(client: &Client) {
    let users = create_users(client, 3);
    let group = client
        .json(
            "POST",
            "/scim/v2/Groups",
            &json!({"schemas": [GROUP], "displayName": unique("g"), "members": [{"value": users[0]}, {"value": users[1]}]}),
        )
        .expect(201)
        .json()["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    client
        .json(
            "PATCH",
            &format!("/scim/v2/Users/{}", users[1]),
            &json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        )
        .expect(200);
    client
        .json(
            "PATCH",
            &format!("/scim/v2/Groups/{group}"),
            &json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": format!("members[value eq \"{}\"]", users[0])}]}),
        )
        .expect(200);
    client
        .send("DELETE", &format!("/scim/v2/Users/{}", users[2]), &[], None)
        .expect(204);
}

/// The claims of a SET, verified with the key the server publishes.
fn verified_claims(token: &str, jwks: &JwkSet, audience: &str) -> (jsonwebtoken::Header, Value) {
    let header = jsonwebtoken::decode_header(token).expect("a JWS header");
    let kid = header.kid.clone().expect("a kid");
    let key = DecodingKey::from_jwk(jwks.find(&kid).expect("the kid is in the JWKS"))
        .expect("a usable key");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.set_audience(&[audience]);
    validation.set_issuer(&["scim-server"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("a SET signed with a published key")
        .claims;
    (header, claims)
}

#[test]
fn webhooks_and_sets_arrive_in_order_with_valid_signatures() {
    let Setup {
        deployment: _deployment,
        server,
        store,
        tenant,
        token,
        ..
    } = setup("");
    let receiver = Receiver::start();
    let json_sub = subscribe(
        &*store,
        &tenant,
        &receiver.url("/json"),
        Wanted::json().full(),
    );
    let set_sub = subscribe(&*store, &tenant, &receiver.url("/set"), Wanted::set());
    provision(&server.client(&token));

    let expected = events_after(&*store, &tenant, json_sub.cursor);
    let ids: Vec<String> = expected.iter().map(|e| e.id.clone()).collect();
    assert!(
        receiver.wait_until(PATIENCE, |r| {
            let count = |p: &str| r.iter().filter(|r| r.path == p && r.accepted()).count();
            count("/json") >= ids.len() && count("/set") >= ids.len()
        }),
        "deliveries missing: {} JSON, {} SET of {}",
        receiver.accepted("/json").len(),
        receiver.accepted("/set").len(),
        ids.len()
    );

    // JSON: the event's wire form, in seq order, signed by the Standard Webhooks scheme.
    let json = receiver.accepted("/json");
    assert_eq!(json_ids(&receiver, "/json"), ids, "each once, in order");
    for (request, event) in json.iter().zip(&expected) {
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body = request.json();
        assert_eq!(body, event.to_json(true));
        let timestamp: i64 = request
            .header("webhook-timestamp")
            .and_then(|t| t.parse().ok())
            .expect("a webhook-timestamp");
        let expected_signature = scim_server::delivery::webhooks::signature(
            &json_sub.secret,
            &event.id,
            timestamp,
            &request.body,
        )
        .unwrap();
        assert_eq!(
            request.header("webhook-signature"),
            Some(expected_signature.as_str())
        );
    }

    // SETs: RFC 8935 requests, signed with a key of the JWKS, RFC 9967 claims.
    let jwks: JwkSet = serde_json::from_str(
        &server
            .anonymous()
            .get("/.well-known/jwks.json")
            .expect(200)
            .body,
    )
    .expect("a JWK Set");
    let sets = receiver.accepted("/set");
    for (request, event) in sets.iter().zip(&expected) {
        assert_eq!(
            request.header("content-type"),
            Some("application/secevent+jwt")
        );
        let token = std::str::from_utf8(&request.body).unwrap();
        let (header, claims) = verified_claims(token, &jwks, &set_sub.url);
        assert_eq!(header.typ.as_deref(), Some("secevent+jwt"));
        assert_eq!(claims["jti"], event.id.as_str());
        assert_eq!(claims["txn"], event.txn.as_str());
        let uri = claims["events"]
            .as_object()
            .and_then(|e| e.keys().next())
            .expect("one event")
            .clone();
        let expected_uri = match event.event_type {
            EventType::UserCreated | EventType::GroupCreated => "prov:create:notice",
            EventType::UserUpdated | EventType::GroupUpdated => "prov:put:notice",
            EventType::GroupMembersAdded | EventType::GroupMembersRemoved => "prov:patch:notice",
            EventType::UserDeactivated => "prov:deactivate",
            EventType::UserDeleted | EventType::GroupDeleted => "prov:delete",
            other => panic!("unexpected event {other}"),
        };
        assert_eq!(uri, format!("urn:ietf:params:scim:event:{expected_uri}"));
        let endpoint = if event.resource.resource_type == "User" {
            "Users"
        } else {
            "Groups"
        };
        assert_eq!(claims["sub_id"]["format"], "scim");
        assert_eq!(
            claims["sub_id"]["uri"],
            format!("/{endpoint}/{}", event.resource.id)
        );
    }

    // The capability is advertised as RFC 9967 §4 defines it.
    let spc = server
        .anonymous()
        .get("/scim/v2/ServiceProviderConfig")
        .expect(200)
        .json();
    assert_eq!(spc["securityEvents"]["asyncRequest"], "none");
    assert!(
        spc["securityEvents"]["eventUris"]
            .as_array()
            .unwrap()
            .contains(&json!("urn:ietf:params:scim:event:prov:create:notice"))
    );
}

#[test]
fn a_test_delivery_is_signed_logged_and_leaves_the_cursor_alone() {
    let Setup {
        deployment: _deployment,
        server,
        store,
        tenant,
        token: _,
        ..
    } = setup("[admin]\ntoken = \"admin-token-for-tests\"\n");
    let receiver = Receiver::start();
    let json_sub = subscribe(&*store, &tenant, &receiver.url("/json"), Wanted::json());
    let set_sub = subscribe(&*store, &tenant, &receiver.url("/set"), Wanted::set());
    let admin = server.anonymous().with_token("admin-token-for-tests");
    let test = |id: &str| {
        admin.send(
            "POST",
            &format!("/admin/v1/tenants/{tenant}/subscriptions/{id}/test"),
            &[],
            None,
        )
    };

    let attempt = test(&json_sub.id).expect(200).json();
    assert_eq!(attempt["delivered"], true);
    assert_eq!(attempt["status"], 200);
    assert_eq!(attempt["event_id"], Value::Null);
    let request = &receiver.accepted("/json")[0];
    let body = request.json();
    assert_eq!(body["type"], "test");
    assert_eq!(body["subscription"], json_sub.id.as_str());
    let id = request.header("webhook-id").unwrap();
    assert_eq!(body["id"], id);
    let timestamp: i64 = request
        .header("webhook-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        request.header("webhook-signature").unwrap(),
        scim_server::delivery::webhooks::signature(&json_sub.secret, id, timestamp, &request.body)
            .unwrap()
    );

    test(&set_sub.id).expect(200);
    let token = String::from_utf8(receiver.accepted("/set")[0].body.clone()).unwrap();
    let jwks: JwkSet =
        serde_json::from_str(&server.anonymous().get("/.well-known/jwks.json").body).unwrap();
    let (_, claims) = verified_claims(&token, &jwks, &set_sub.url);
    assert!(
        claims["events"]
            .get("https://schemas.openid.net/secevent/ssf/event-type/verification")
            .is_some()
    );

    // Logged, and the cursor did not move.
    let log = store.deliveries(&tenant, &json_sub.id, 10).unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].delivered && log[0].event_id.is_none());
    assert_eq!(
        store
            .subscription(&tenant, &json_sub.id)
            .unwrap()
            .unwrap()
            .cursor,
        json_sub.cursor
    );
    // Unknown subscriptions are 404; a poll subscription has nothing pushed to it (409, as a
    // problem document); the admin credential is required.
    test("no-such-subscription").expect(404);
    let polled = subscribe(
        &*store,
        &tenant,
        &receiver.url("/poll"),
        Wanted {
            delivery: DeliveryMethod::Poll,
            ..Wanted::set()
        },
    );
    let refused = test(&polled.id).expect(409);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("polling")
    );
    server
        .anonymous()
        .send(
            "POST",
            &format!(
                "/admin/v1/tenants/{tenant}/subscriptions/{}/test",
                json_sub.id
            ),
            &[],
            None,
        )
        .expect(401);
}

#[test]
fn a_410_gone_disables_the_subscription() {
    let Setup {
        deployment: _deployment,
        server,
        store,
        tenant,
        token,
        ..
    } = setup("");
    let leaving = Receiver::start();
    leaving.answer(Answer::Fail(410));
    let staying = Receiver::start();
    let gone = subscribe(&*store, &tenant, &leaving.url("/gone"), Wanted::json());
    let healthy = subscribe(&*store, &tenant, &staying.url("/ok"), Wanted::json());
    let client = server.client(&token);
    create_users(&client, 1);
    assert!(leaving.wait_until(PATIENCE, |r| !r.is_empty()));
    let state = eventually(&*store, &gone, |s| s.state == SubscriptionState::Gone);
    assert_eq!(state.state, SubscriptionState::Gone);
    assert!(!state.enabled);
    assert_eq!(state.cursor, gone.cursor, "nothing was delivered");

    // Later events go to the healthy subscription only.
    create_users(&client, 1);
    let all = events_after(&*store, &tenant, healthy.cursor);
    assert!(staying.wait_until(PATIENCE, |r| {
        r.iter().filter(|r| r.accepted()).count() >= all.len()
    }));
    assert_eq!(
        leaving.received().len(),
        1,
        "one attempt, answered 410, then none"
    );
}

#[test]
fn the_ssrf_guard_refuses_loopback_and_plain_http_by_default() {
    let deployment = Deployment::new(crate::harness::Backend::Sqlite).expect("SQLite");
    // The defaults: no private networks, no plain http.
    let config = deployment
        .log_dir()
        .join(format!("{}.toml", unique("config")));
    std::fs::write(&config, "[admin]\ntoken = \"admin-token-for-tests\"\n").unwrap();
    let server = start(&deployment, Some(&config));
    let (tenant, token) = tenant(&deployment);
    let store = store(&deployment);
    let receiver = Receiver::start();
    let plain = subscribe(&*store, &tenant, &receiver.url("/plain"), Wanted::json());
    let loopback = subscribe(
        &*store,
        &tenant,
        &receiver.url("/tls").replace("http://", "https://"),
        Wanted::json(),
    );
    let metadata = subscribe(
        &*store,
        &tenant,
        "https://169.254.169.254/latest/meta-data",
        Wanted::json(),
    );
    let admin = server.anonymous().with_token("admin-token-for-tests");
    for (subscription, reason) in [
        (&plain, "plain http"),
        (&loopback, "loopback"),
        (&metadata, "link-local"),
    ] {
        let attempt = admin
            .send(
                "POST",
                &format!(
                    "/admin/v1/tenants/{tenant}/subscriptions/{}/test",
                    subscription.id
                ),
                &[],
                None,
            )
            .expect(200)
            .json();
        assert_eq!(attempt["delivered"], false);
        assert_eq!(attempt["status"], Value::Null);
        let error = attempt["error"].as_str().unwrap();
        assert!(
            error.contains("refused") && error.contains(reason),
            "{error}"
        );
    }

    // Events are not delivered either: the attempts fail and are retried later.
    create_users(&server.client(&token), 1);
    let current = eventually(&*store, &plain, |s| s.state == SubscriptionState::Retrying);
    let log = store.deliveries(&tenant, &plain.id, 10).unwrap();
    assert!(log.len() >= 2 && !log[0].delivered, "{log:?}");
    assert_eq!(current.state, SubscriptionState::Retrying);
    assert_eq!(current.cursor, plain.cursor);
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

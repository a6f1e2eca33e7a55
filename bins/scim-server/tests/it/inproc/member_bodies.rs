//! Members written straight into the body: `GET /Groups/{id}` and a `GET /Groups` page write a
//! group's members (and `GET /Users/{id}` a user's groups) without a JSON map per element. The
//! search at the root still takes the general path (memberships inline, projected, serialised
//! as JSON maps), so every body here must equal, byte for byte, the root search's.

use scim_server::config::Config;
use serde_json::json;

use super::support::{TestApp, config, id_of};

/// The projections a client may ask for, as query parameters.
const PROJECTIONS: [&str; 10] = [
    "",
    "attributes=members",
    "attributes=displayName,members",
    "attributes=members.value",
    "attributes=members.%24ref,members.type",
    "excludedAttributes=members.display",
    "excludedAttributes=members",
    "excludedAttributes=meta,externalId",
    "attributes=groups",
    "excludedAttributes=groups.type",
];

/// Ada (added with a display of her own), Bob (no display: his userName) and a nested group
/// in "Outer"; Bob is also in "Inner". Returns (outer, inner, bob).
async fn populate(app: &TestApp) -> (String, String, String) {
    let token = &app.a.write;
    let ada = id_of(&app.create_user(token, "ada@example.com").await);
    let bob = id_of(&app.create_user(token, "bob@example.com").await);
    let inner = id_of(&app.create_group(token, "Inner \"nested\" é", &[&bob]).await);
    let outer = app
        .post(
            "/scim/v2/Groups",
            token,
            &json!({
                "displayName": "Outer",
                "externalId": "outer-1",
                "members": [
                    {"value": ada, "display": "Ada \"A\" Lovelace ✓ \\ </>"},
                    {"value": bob},
                    {"value": inner, "type": "Group"},
                ],
            }),
        )
        .await
        .assert_scim(201);
    (id_of(&outer), inner, bob)
}

/// The body of `path`, asserting 200.
async fn body(app: &TestApp, path: &str) -> String {
    let reply = app.get(path, &app.a.read).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    reply.text()
}

/// The one resource of a root search for `id`, as the general path writes it.
async fn general(app: &TestApp, id: &str, projection: &str) -> String {
    let list = body(
        app,
        &format!("/scim/v2?filter=id+eq+%22{id}%22&{projection}"),
    )
    .await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["totalResults"], 1);
    list["Resources"][0].to_string()
}

/// Compares every body; returns the outer group's.
async fn every_body_is_the_general_one(app: &TestApp) -> String {
    let (outer, inner, bob) = populate(app).await;
    for projection in PROJECTIONS {
        for (endpoint, id) in [("Groups", &outer), ("Groups", &inner), ("Users", &bob)] {
            let read = body(app, &format!("/scim/v2/{endpoint}/{id}?{projection}")).await;
            assert_eq!(
                read,
                general(app, id, projection).await,
                "{endpoint} {projection}"
            );
        }
        // A page of groups, and the same page from the root: whole bodies, byte for byte.
        let filter = "filter=members.value+pr";
        let page = body(app, &format!("/scim/v2/Groups?{filter}&{projection}")).await;
        let root = body(app, &format!("/scim/v2?{filter}&{projection}")).await;
        assert_eq!(page, root, "{projection}");
    }
    let read = body(app, &format!("/scim/v2/Groups/{outer}")).await;
    for expected in [
        r#""display":"Ada \"A\" Lovelace ✓ \\ </>","type":"User"}"#,
        r#""display":"bob@example.com","type":"User"}"#,
        r#""display":"Inner \"nested\" é","type":"Group"}"#,
    ] {
        assert!(read.contains(expected), "{expected} in {read}");
    }
    read
}

#[actix_web::test]
async fn members_under_the_configured_base_url_are_written_as_the_general_path_writes_them() {
    let app = TestApp::new();
    let read = every_body_is_the_general_one(&app).await;
    assert!(read.contains(r#""$ref":"https://scim.example.test/scim/v2/Users/"#));
}

#[actix_web::test]
async fn members_under_the_address_reached_are_written_as_the_general_path_writes_them() {
    let app = TestApp::with_config(Config {
        base_url: None,
        ..config()
    });
    let read = every_body_is_the_general_one(&app).await;
    assert!(
        read.contains(r#""$ref":"http://localhost:8080/scim/v2/Users/"#),
        "{read}"
    );
}

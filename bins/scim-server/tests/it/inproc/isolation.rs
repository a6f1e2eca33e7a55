//! Tenant isolation: a key of one tenant never reads, lists, searches, changes or deletes
//! another tenant's resources, through any endpoint or verb. A cross-tenant id is a 404, never
//! a 403, so that ids of other tenants cannot even be confirmed.

use actix_web::http::{Method, header};
use serde_json::{Value, json};

use super::support::{Tenant, TestApp, id_of, request, user, with_json};

/// What one tenant owns: a user in a group.
struct Owned {
    user: Value,
    group: Value,
}

async fn populate(app: &TestApp, tenant: &Tenant, prefix: &str) -> Owned {
    let user = app
        .create_user(&tenant.write, &format!("{prefix}@example.com"))
        .await;
    let group = app
        .create_group(&tenant.write, &format!("{prefix} group"), &[&id_of(&user)])
        .await;
    Owned { user, group }
}

/// Reads a resource as its owner: it must be exactly as it was.
async fn assert_unchanged(app: &TestApp, owner: &Tenant, endpoint: &str, before: &Value) {
    let after = app
        .get(
            &format!("/scim/v2/{endpoint}/{}", id_of(before)),
            &owner.read,
        )
        .await
        .assert_scim(200);
    assert_eq!(&after, before, "{endpoint} changed through another tenant");
}

/// Every way a key of `attacker` could reach `victim`'s resources.
async fn attack(app: &TestApp, attacker: &Tenant, theirs: &Owned, mine: &Owned) {
    let token = &attacker.write;
    let their_user = id_of(&theirs.user);
    let their_group = id_of(&theirs.group);
    let their_name = theirs.user["userName"].as_str().unwrap();
    let targets = [
        ("Users", &their_user, user("taken-over@example.com")),
        ("Groups", &their_group, json!({"displayName": "taken over"})),
    ];
    for (endpoint, id, document) in &targets {
        let path = format!("/scim/v2/{endpoint}/{id}");
        app.get(&path, token).await.assert_error(404, None);
        app.get(&path, &attacker.read).await.assert_error(404, None);
        let conditional =
            request(Method::GET, &path, token).insert_header((header::IF_NONE_MATCH, "*"));
        app.send(conditional).await.assert_error(404, None);
        app.put(&path, token, document)
            .await
            .assert_error(404, None);
        let patch = json!({"Operations": [{"op": "replace", "value": {"externalId": "mine"}}]});
        app.patch(&path, token, &patch)
            .await
            .assert_error(404, None);
        let guarded = with_json(request(Method::PATCH, &path, token), &patch)
            .insert_header((header::IF_MATCH, "W/\"1\""));
        app.send(guarded).await.assert_error(404, None);
        app.delete(&path, token).await.assert_error(404, None);
        let guarded = request(Method::DELETE, &path, token).insert_header((header::IF_MATCH, "*"));
        app.send(guarded).await.assert_error(404, None);
    }

    // Lists, filters and searches see only the attacker's own resources.
    let own_users = [id_of(&mine.user)];
    let own_groups = [id_of(&mine.group)];
    assert_eq!(app.get("/scim/v2/Users", token).await.ids(), own_users);
    assert_eq!(app.get("/scim/v2/Groups", token).await.ids(), own_groups);
    let by_name = format!("/scim/v2/Users?filter=userName%20eq%20%22{their_name}%22");
    assert!(app.get(&by_name, token).await.ids().is_empty());
    let by_id = format!("/scim/v2/Users?filter=id%20eq%20%22{their_user}%22");
    assert!(app.get(&by_id, token).await.ids().is_empty());
    let by_member = json!({"filter": format!("members.value eq \"{their_user}\"")});
    let reply = app.post("/scim/v2/Groups/.search", token, &by_member).await;
    assert!(reply.ids().is_empty());
    let reply = app.post("/scim/v2/Users/.search", token, &json!({})).await;
    assert_eq!(reply.ids(), own_users);
    let reply = app.post("/scim/v2/.search", token, &json!({})).await;
    let everything: Vec<String> = own_users.iter().chain(&own_groups).cloned().collect();
    assert_eq!(reply.ids(), everything);
    assert_eq!(reply.json()["totalResults"], 2);
    let reply = app
        .post(
            "/scim/v2/.search",
            token,
            &json!({"filter": format!("id eq \"{their_user}\" or id eq \"{their_group}\"")}),
        )
        .await;
    assert!(reply.ids().is_empty());

    // Their user cannot be added to the attacker's group, nor their group nested in it.
    for member in [&their_user, &their_group] {
        let add =
            json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": member}]}]});
        app.patch(
            &format!("/scim/v2/Groups/{}", id_of(&mine.group)),
            token,
            &add,
        )
        .await
        .assert_error(400, Some("invalidValue"));
        let group =
            json!({"displayName": format!("with {member}"), "members": [{"value": member}]});
        app.post("/scim/v2/Groups", token, &group)
            .await
            .assert_error(400, Some("invalidValue"));
    }

    // Bulk reaches nothing of theirs either.
    let bulk = json!({"Operations": [
        {"method": "PUT", "path": format!("/Users/{their_user}"), "data": user("bulk@example.com")},
        {"method": "PATCH", "path": format!("/Groups/{their_group}"),
         "data": {"Operations": [{"op": "replace", "path": "displayName", "value": "x"}]}},
        {"method": "DELETE", "path": format!("/Groups/{their_group}")},
        {"method": "DELETE", "path": format!("/Users/{their_user}")},
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"displayName": "bulk group", "members": [{"value": their_user}]}}
    ]});
    let body = app
        .post("/scim/v2/Bulk", token, &bulk)
        .await
        .assert_scim(200);
    let statuses: Vec<&str> = body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["404", "404", "404", "404", "400"]);
}

/// The owner's current view of what it owns.
async fn snapshot(app: &TestApp, owner: &Tenant, owned: &Owned) -> Owned {
    let read = |endpoint: &'static str, resource: &Value| {
        let path = format!("/scim/v2/{endpoint}/{}", id_of(resource));
        async move { app.get(&path, &owner.read).await.assert_scim(200) }
    };
    Owned {
        user: read("Users", &owned.user).await,
        group: read("Groups", &owned.group).await,
    }
}

#[actix_web::test]
async fn no_key_reaches_another_tenants_resources() {
    let app = TestApp::new();
    let a = populate(&app, &app.a, "alpha").await;
    let b = populate(&app, &app.b, "beta").await;
    let a = snapshot(&app, &app.a, &a).await;
    let b = snapshot(&app, &app.b, &b).await;

    attack(&app, &app.a, &b, &a).await;
    attack(&app, &app.b, &a, &b).await;

    for (owner, owned) in [(&app.a, &a), (&app.b, &b)] {
        assert_unchanged(&app, owner, "Users", &owned.user).await;
        assert_unchanged(&app, owner, "Groups", &owned.group).await;
    }
    // userName is unique per tenant, not across tenants.
    app.create_user(&app.a.write, "beta@example.com").await;
}

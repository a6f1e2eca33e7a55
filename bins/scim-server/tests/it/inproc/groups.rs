//! `/Groups`: create, read, list, search, replace, patch and delete, and membership.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use actix_web::http::Method;
use scim_server::config::Config;

use super::support::{BASE, TestApp, config, id_of, request, with_json};

fn member_ids(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_group_is_created_read_found_replaced_and_deleted() {
    let app = TestApp::new();
    let ada = id_of(&app.create_user(&app.a.write, "ada@example.com").await);
    let reply = app
        .post(
            "/scim/v2/Groups",
            &app.a.write,
            &json!({"displayName": "Engineering", "members": [{"value": ada}]}),
        )
        .await;
    let group = reply.assert_scim(201);
    let id = id_of(&group);
    let path = format!("/scim/v2/Groups/{id}");
    assert_eq!(
        reply.header("location"),
        Some(format!("{BASE}/scim/v2/Groups/{id}").as_str())
    );
    assert_eq!(group["meta"]["location"], reply.header("location").unwrap());
    assert!(reply.header("etag").is_some());
    assert_eq!(member_ids(&group), [ada.as_str()]);

    let read = app.get(&path, &app.a.read).await;
    assert_eq!(member_ids(&read.assert_scim(200)), [ada.as_str()]);
    assert!(read.header("etag").is_some());

    // Entra reads groups without their members.
    let slim = app
        .get(&format!("{path}?excludedAttributes=members"), &app.a.read)
        .await
        .assert_scim(200);
    assert!(slim.get("members").is_none(), "{slim}");

    // The user's groups are derived from the memberships.
    let user = app
        .get(&format!("/scim/v2/Users/{ada}"), &app.a.read)
        .await
        .assert_scim(200);
    assert_eq!(user["groups"][0]["value"], id);

    // Okta links a pre-existing group by its name.
    let found = app
        .get(
            "/scim/v2/Groups?filter=displayName%20eq%20%22Engineering%22&excludedAttributes=members",
            &app.a.read,
        )
        .await;
    assert_eq!(found.ids(), [id.as_str()]);
    let searched = app
        .post(
            "/scim/v2/Groups/.search",
            &app.a.read,
            &json!({"filter": "displayName sw \"eng\""}),
        )
        .await;
    assert_eq!(searched.ids(), [id.as_str()]);

    let replaced = app
        .put(
            &path,
            &app.a.write,
            &json!({"displayName": "Engineering", "members": []}),
        )
        .await;
    let body = replaced.assert_scim(200);
    assert!(member_ids(&body).is_empty());
    assert!(replaced.header("etag").is_some());

    let deleted = app.delete(&path, &app.a.write).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&path, &app.a.read).await.assert_error(404, None);
    app.delete(&path, &app.a.write)
        .await
        .assert_error(404, None);
}

#[actix_web::test]
async fn a_group_patch_answers_the_group_as_asked() {
    let app = TestApp::new();
    let ada = id_of(&app.create_user(&app.a.write, "ada@example.com").await);
    let bob = id_of(&app.create_user(&app.a.write, "bob@example.com").await);
    let group = app.create_group(&app.a.write, "Team", &[&ada]).await;
    let path = format!("/scim/v2/Groups/{}", id_of(&group));

    // Okta's membership push: a remove by filter and an add in one request.
    let change = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "remove", "path": format!("members[value eq \"{ada}\"]")},
            {"op": "add", "path": "members", "value": [{"value": bob}]}
        ]
    });
    // Regression: a group PATCH answered 204, and clients that parse the answer broke. The
    // whole group comes back, members included, with the new version's ETag.
    let reply = app.patch(&path, &app.a.write, &change).await;
    let body = reply.assert_scim(200);
    assert_eq!(member_ids(&body), [bob.as_str()]);
    assert_eq!(body["displayName"], "Team");
    assert_eq!(reply.header("etag"), Some("W/\"2\""));

    // Asked for without the members, the rest comes back.
    let body = app
        .patch(
            &format!("{path}?excludedAttributes=members"),
            &app.a.write,
            &change,
        )
        .await
        .assert_scim(200);
    assert_eq!(body["displayName"], "Team");
    assert!(body.get("members").is_none(), "members left out: {body}");

    // Asked for by name, the members come back.
    let readd =
        json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": ada}]}]});
    let body = app
        .patch(&format!("{path}?attributes=members"), &app.a.write, &readd)
        .await
        .assert_scim(200);
    let mut members = member_ids(&body);
    members.sort();
    let mut expected = vec![ada.clone(), bob.clone()];
    expected.sort();
    assert_eq!(members, expected);

    // Entra's removal: a value array without a filter, capitalised op.
    let remove =
        json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": bob}]}]});
    let body = app
        .patch(
            &format!("{path}?attributes=displayName,members"),
            &app.a.write,
            &remove,
        )
        .await
        .assert_scim(200);
    assert_eq!(member_ids(&body), [ada.as_str()]);

    // Okta sends the same id and name with every push; replace with [] empties the group.
    let push = json!({"Operations": [
        {"op": "replace", "value": {"id": id_of(&group), "displayName": "Team"}},
        {"op": "replace", "path": "members", "value": []}
    ]});
    let body = app.patch(&path, &app.a.write, &push).await.assert_scim(200);
    assert!(member_ids(&body).is_empty(), "{body}");
    let read = app.get(&path, &app.a.read).await.assert_scim(200);
    assert!(member_ids(&read).is_empty(), "{read}");
}

/// `Prefer: return=minimal` (RFC 7240), or a group larger than `patch_response_max_members`,
/// gets 204 with the ETag alone: a one-member change to a huge group stays as cheap as the
/// change.
#[actix_web::test]
async fn a_group_patch_answers_204_when_minimal_is_preferred_or_the_group_is_large() {
    let app = TestApp::with_config(Config {
        patch_response_max_members: 2,
        ..config()
    });
    let ada = id_of(&app.create_user(&app.a.write, "ada@example.com").await);
    let bob = id_of(&app.create_user(&app.a.write, "bob@example.com").await);
    let cy = id_of(&app.create_user(&app.a.write, "cy@example.com").await);
    let group = app.create_group(&app.a.write, "Team", &[&ada]).await;
    let path = format!("/scim/v2/Groups/{}", id_of(&group));
    let add = |id: &str| json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]});

    let minimal = app
        .send(
            with_json(request(Method::PATCH, &path, &app.a.write), &add(&bob))
                .insert_header(("Prefer", "handling=lenient, return=minimal")),
        )
        .await;
    assert_eq!(minimal.status.as_u16(), 204, "{}", minimal.text());
    assert!(minimal.body.is_empty());
    assert_eq!(minimal.header("etag"), Some("W/\"2\""));
    assert_eq!(minimal.header("preference-applied"), Some("return=minimal"));

    // Two members: at the limit, the group comes back whole.
    let whole = app
        .patch(
            &path,
            &app.a.write,
            &json!({"Operations": [
                {"op": "replace", "path": "displayName", "value": "Team 2"}
            ]}),
        )
        .await
        .assert_scim(200);
    assert_eq!(member_ids(&whole).len(), 2);

    // Three: past it, 204 with the new ETag; the change is made.
    let large = app.patch(&path, &app.a.write, &add(&cy)).await;
    assert_eq!(large.status.as_u16(), 204, "{}", large.text());
    assert_eq!(large.header("etag"), Some("W/\"4\""));
    assert!(large.header("preference-applied").is_none());
    assert_eq!(
        member_ids(&app.get(&path, &app.a.read).await.assert_scim(200)).len(),
        3
    );

    // Without the members, nothing limits the answer.
    let projected = app
        .patch(
            &format!("{path}?excludedAttributes=members"),
            &app.a.write,
            &add(&cy),
        )
        .await
        .assert_scim(200);
    assert_eq!(projected["displayName"], "Team 2");

    // Users are never limited, and honour the preference too.
    let user_path = format!("/scim/v2/Users/{ada}");
    let title = json!({"Operations": [{"op": "add", "path": "title", "value": "Engineer"}]});
    let user_minimal = app
        .send(
            with_json(request(Method::PATCH, &user_path, &app.a.write), &title)
                .insert_header(("Prefer", "return=\"minimal\"")),
        )
        .await;
    assert_eq!(user_minimal.status.as_u16(), 204);
}

#[actix_web::test]
async fn bad_patches_are_refused_and_change_nothing() {
    let app = TestApp::new();
    let group = app.create_group(&app.a.write, "Stable", &[]).await;
    let path = format!("/scim/v2/Groups/{}", id_of(&group));
    let cases = [
        (
            json!({"Operations": [{"op": "move", "path": "displayName"}]}),
            "invalidSyntax",
        ),
        (
            json!({"Operations": [{"op": "replace", "path": "displayName[", "value": "x"}]}),
            "invalidPath",
        ),
        (
            json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "no-such-id"}]}]}),
            "invalidValue",
        ),
        (json!({"Operations": "nope"}), "invalidSyntax"),
    ];
    for (patch, scim_type) in cases {
        let reply = app.patch(&path, &app.a.write, &patch).await;
        let body = reply.assert_scim(400);
        assert_eq!(body["scimType"], scim_type, "{patch}: {body}");
    }
    let read = app.get(&path, &app.a.read).await.assert_scim(200);
    assert_eq!(read["meta"]["version"], group["meta"]["version"]);
}

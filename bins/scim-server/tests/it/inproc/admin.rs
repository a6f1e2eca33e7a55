//! `GET /admin/v1/tenants/{tenant}/access`, behind the admin token; its errors are problem
//! documents like every admin answer.

use actix_web::http::{Method, header};
use scim_core::patch::{OpKind, Operation};
use scim_server::config::Config;
use scim_server::organisation::{self, Organisation};
use scim_store::{Actor, ReadOptions};
use serde_json::json;

use super::support::{ADMIN_TOKEN, TestApp, config, id_of, request};

const ACCESS: &str = "/admin/v1/tenants/tenant-a/access";

#[actix_web::test]
async fn effective_access_is_reported_with_the_admin_token() {
    let app = TestApp::new();
    let store = &*app.state.store;
    let organisation = Organisation {
        group_prefix: "acme".into(),
        projects: vec!["Web".into()],
        roles: vec!["Admin".into(), "Viewer".into()],
    };
    let mut settings = store.tenant(&app.a.id).unwrap().unwrap().settings;
    organisation.store_in(&mut settings);
    store
        .update_tenant_settings(&app.a.id, &settings, &scim_store::EventActor::Cli)
        .unwrap();
    organisation::ensure_groups(store, &app.a.id, &organisation).unwrap();
    let ada = id_of(&app.create_user(&app.a.write, "ada@example.com").await);
    app.create_user(&app.a.write, "bob@example.com").await;
    let group = app
        .get(
            "/scim/v2/Groups?filter=displayName%20eq%20%22acme-Web-Admin%22",
            &app.a.read,
        )
        .await
        .ids()
        .remove(0);
    let value = json!([{"value": ada}]);
    store
        .patch(
            Actor::tenant(&app.a.id),
            "Group",
            &group,
            &[Operation {
                op: OpKind::Add,
                path: Some("members"),
                value: Some(&value),
            }],
            None,
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();

    let reply = app.get(ACCESS, ADMIN_TOKEN).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text());
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = reply.json();
    assert_eq!(body["tenant"], "tenant-a");
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    let ada_access = users.iter().find(|u| u["id"] == ada.as_str()).unwrap();
    assert_eq!(ada_access["userName"], "ada@example.com");
    assert_eq!(ada_access["access"], json!({"Web": ["Admin"]}));
    assert_eq!(ada_access["active"], true);

    // Tenant b's report holds none of tenant a's users.
    let other = app
        .get("/admin/v1/tenants/tenant-b/access", ADMIN_TOKEN)
        .await
        .json();
    assert_eq!(other["users"], json!([]));
    app.get("/admin/v1/tenants/no-such-tenant/access", ADMIN_TOKEN)
        .await
        .assert_problem(404, Some("tenant"));
    app.get("/admin/v1/tenants/not%20a%20tenant!/access", ADMIN_TOKEN)
        .await
        .assert_problem(404, Some("tenant"));
}

#[actix_web::test]
async fn anything_but_the_admin_token_is_401() {
    let app = TestApp::new();
    for token in ["", "wrong", "admin-token-for-tests-012345678", &app.a.write] {
        let reply = app.get(ACCESS, token).await;
        reply.assert_problem(401, None);
        assert!(
            reply
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer realm=\"admin\"")
        );
    }
    for header_value in ["Bearer ", "Basic YWRtaW46YWRtaW4=", ADMIN_TOKEN] {
        let req =
            request(Method::GET, ACCESS, "").insert_header((header::AUTHORIZATION, header_value));
        let reply = app.send(req).await;
        reply.assert_problem(401, None);
        assert!(reply.header("www-authenticate").is_some());
    }
    // Other methods are 405, once authenticated or not.
    let reply = app.send(request(Method::POST, ACCESS, ADMIN_TOKEN)).await;
    reply.assert_problem(405, None);
    assert_eq!(reply.header("allow"), Some("GET"));
}

#[actix_web::test]
async fn without_an_admin_token_the_admin_api_does_not_exist() {
    for token in [None, Some(String::new())] {
        let mut config: Config = config();
        config.admin.token = token;
        let app = TestApp::with_config(config);
        for credential in ["", ADMIN_TOKEN, "anything"] {
            app.get(ACCESS, credential).await.assert_problem(404, None);
        }
    }
}

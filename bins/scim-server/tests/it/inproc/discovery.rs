//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4).

use actix_web::http::{Method, header};
use scim_server::config::Config;
use serde_json::{Value, json};

use super::support::{BASE, MAX_OPERATIONS, MAX_PAYLOAD, TestApp, config, request};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[actix_web::test]
async fn the_service_provider_config_advertises_what_the_server_does() {
    let app = TestApp::new();
    let body = app
        .get("/scim/v2/ServiceProviderConfig", "")
        .await
        .assert_scim(200);
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(body["patch"], json!({"supported": true}));
    assert_eq!(
        body["bulk"],
        json!({"supported": true, "maxOperations": MAX_OPERATIONS, "maxPayloadSize": MAX_PAYLOAD})
    );
    assert_eq!(
        body["filter"],
        json!({"supported": true, "maxResults": scim_store::MAX_PAGE_SIZE})
    );
    assert_eq!(body["changePassword"], json!({"supported": false}));
    assert_eq!(body["sort"], json!({"supported": true}));
    assert_eq!(body["etag"], json!({"supported": true}));
    let schemes = body["authenticationSchemes"].as_array().unwrap();
    assert_eq!(schemes.len(), 1);
    assert_eq!(schemes[0]["type"], "oauthbearertoken");
    assert_eq!(schemes[0]["primary"], true);
    assert_eq!(
        body["pagination"],
        json!({
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": scim_store::DEFAULT_PAGE_SIZE,
            "maxPageSize": scim_store::MAX_PAGE_SIZE
        })
    );
    assert_eq!(
        body["meta"],
        json!({
            "resourceType": "ServiceProviderConfig",
            "location": format!("{BASE}/scim/v2/ServiceProviderConfig")
        })
    );
}

#[actix_web::test]
async fn resource_types_are_a_list_response_and_each_is_readable() {
    let app = TestApp::new();
    let list = app.get("/scim/v2/ResourceTypes", "").await.assert_scim(200);
    assert_eq!(
        list["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(list["totalResults"], 2);
    assert_eq!(list["itemsPerPage"], 2);
    assert_eq!(list["startIndex"], 1);
    let resources = list["Resources"].as_array().unwrap();
    let ids: Vec<&str> = resources
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["User", "Group"]);
    for resource in resources {
        let id = resource["id"].as_str().unwrap();
        let location = format!("{BASE}/scim/v2/ResourceTypes/{id}");
        assert_eq!(resource["meta"]["location"], location);
        let one = app
            .get(&format!("/scim/v2/ResourceTypes/{id}"), "")
            .await
            .assert_scim(200);
        assert_eq!(&one, resource);
    }
    assert_eq!(resources[0]["endpoint"], "/Users");
    assert_eq!(resources[0]["schema"], USER);
    assert_eq!(resources[0]["schemaExtensions"][0]["schema"], ENTERPRISE);
    app.get("/scim/v2/ResourceTypes/Device", "")
        .await
        .assert_error(404, None);
}

#[actix_web::test]
async fn schemas_are_a_list_response_and_each_is_readable_by_urn() {
    let app = TestApp::new();
    let list = app.get("/scim/v2/Schemas", "").await.assert_scim(200);
    assert_eq!(list["totalResults"], 3);
    assert_eq!(list["itemsPerPage"], 3);
    let resources = list["Resources"].as_array().unwrap();
    let ids: Vec<&str> = resources
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [USER, ENTERPRISE, GROUP]);
    for resource in resources {
        let id = resource["id"].as_str().unwrap();
        assert_eq!(
            resource["meta"]["location"],
            format!("{BASE}/scim/v2/Schemas/{id}")
        );
        let one = app
            .get(&format!("/scim/v2/Schemas/{id}"), "")
            .await
            .assert_scim(200);
        assert_eq!(&one, resource);
    }
    let user = &resources[0];
    let user_name = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["caseExact"], false);
    app.get("/scim/v2/Schemas/urn:example:nothing", "")
        .await
        .assert_error(404, None);
}

#[actix_web::test]
async fn discovery_cannot_be_filtered() {
    let app = TestApp::new();
    for path in ["/scim/v2/Schemas", "/scim/v2/ResourceTypes"] {
        app.get(&format!("{path}?filter=id%20eq%20%22User%22"), "")
            .await
            .assert_error(403, None);
    }
}

#[actix_web::test]
async fn discovery_needs_no_key_but_refuses_a_bad_one() {
    let app = TestApp::new();
    let paths = [
        "/scim/v2/ServiceProviderConfig",
        "/scim/v2/ResourceTypes",
        "/scim/v2/ResourceTypes/User",
        "/scim/v2/Schemas",
        "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
    ];
    for path in paths {
        let anonymous = app.get(path, "").await.assert_scim(200);
        let authenticated = app.get(path, &app.b.read).await.assert_scim(200);
        assert_eq!(anonymous, authenticated, "the same for everyone");
        app.get(path, "not-a-key").await.assert_unauthorized();
        let req = request(Method::GET, path, "").insert_header((header::AUTHORIZATION, "Bearer "));
        app.send(req).await.assert_unauthorized();
    }
}

#[actix_web::test]
async fn every_other_method_is_405() {
    let app = TestApp::new();
    let paths = [
        "/scim/v2/ServiceProviderConfig",
        "/scim/v2/ResourceTypes",
        "/scim/v2/ResourceTypes/User",
        "/scim/v2/Schemas",
        "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    ];
    for path in paths {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let reply = app
                .send(request(method, path, &app.a.write).set_payload("{}"))
                .await;
            reply.assert_error(405, None);
            assert_eq!(reply.header("allow"), Some("GET"));
        }
    }
}

#[actix_web::test]
async fn locations_follow_the_host_when_no_base_url_is_configured() {
    let app = TestApp::with_config(Config {
        base_url: None,
        ..config()
    });
    let req = request(Method::GET, "/scim/v2/ServiceProviderConfig", "")
        .insert_header((header::HOST, "idp-facing.example.org"));
    let body: Value = app.send(req).await.assert_scim(200);
    assert_eq!(
        body["meta"]["location"],
        "http://idp-facing.example.org/scim/v2/ServiceProviderConfig"
    );
    let created = app
        .send(super::support::with_json(
            request(Method::POST, "/scim/v2/Groups", &app.a.write)
                .insert_header((header::HOST, "idp-facing.example.org")),
            &json!({"displayName": "Hosted"}),
        ))
        .await;
    let location = created.header("location").unwrap().to_owned();
    assert!(location.starts_with("http://idp-facing.example.org/scim/v2/Groups/"));
    assert_eq!(created.json()["meta"]["location"], location);
}

#[actix_web::test]
async fn an_invalid_base_url_is_refused_at_start() {
    for bad in [
        "scim.example.com",
        "ftp://scim.example.com",
        "https://x/?q=1",
    ] {
        let config = Config {
            base_url: Some(bad.into()),
            ..config()
        };
        let result = scim_server::serve::app_state(
            config,
            super::support::memory_store(),
            std::sync::Arc::default(),
        );
        assert!(
            matches!(result, Err(scim_server::serve::StartError::BaseUrl(_))),
            "{bad}"
        );
    }
}

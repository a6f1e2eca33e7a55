//! Discovery documents against the RFC 7643 §8.5-§8.7.1 examples.

use scim_core::resource::{BaseUrl, Reference};
use scim_core::schema::{
    AuthenticationScheme, AuthenticationSchemeKind, BulkSupport, FilterSupport, ResourceType,
    Schema, SchemaRegistry, ServiceProviderConfig, urn,
};
use serde_json::{Value, json};

use crate::test_data;

fn base() -> BaseUrl {
    "https://example.com/v2".parse().unwrap()
}

fn reference(text: &str) -> Option<Reference> {
    Some(text.parse().unwrap())
}

/// The §8.5 configuration, built by hand.
fn rfc_config() -> ServiceProviderConfig {
    let bearer = AuthenticationScheme {
        kind: AuthenticationSchemeKind::OAuthBearerToken,
        name: "OAuth Bearer Token".into(),
        description: "Authentication scheme using the OAuth Bearer Token Standard".into(),
        spec_uri: reference("http://www.rfc-editor.org/info/rfc6750"),
        documentation_uri: reference("http://example.com/help/oauth.html"),
        primary: Some(true),
    };
    let basic = AuthenticationScheme {
        kind: AuthenticationSchemeKind::HttpBasic,
        name: "HTTP Basic".into(),
        description: "Authentication scheme using the HTTP Basic Standard".into(),
        spec_uri: reference("http://www.rfc-editor.org/info/rfc2617"),
        documentation_uri: reference("http://example.com/help/httpBasic.html"),
        primary: None,
    };
    let mut config = ServiceProviderConfig::new(vec![bearer, basic]);
    config.documentation_uri = reference("http://example.com/help/scim.html");
    config.patch = true;
    config.bulk = BulkSupport::Supported {
        max_operations: 1000,
        max_payload_size: 1_048_576,
    };
    config.filter = FilterSupport::Supported { max_results: 200 };
    config.change_password = true;
    config.sort = true;
    config.etag = true;
    config
}

#[test]
fn rfc_service_provider_config_reads_and_renders() {
    let mut rfc = test_data("discovery/rfc7643-8.5-service-provider-config.json");
    assert_eq!(
        ServiceProviderConfig::from_value(rfc.clone()).unwrap(),
        rfc_config()
    );
    // This crate never reads the clock, so its documents carry no timestamps or version.
    let meta = rfc["meta"].as_object_mut().unwrap();
    for member in ["created", "lastModified", "version"] {
        meta.remove(member);
    }
    let rendered = serde_json::to_value(rfc_config().document(&base())).unwrap();
    assert_eq!(rendered, rfc);
}

#[test]
fn rfc_resource_types_render_from_a_registry() {
    let rfc = test_data("discovery/rfc7643-8.6-resource-types.json");
    // §8.6 requires the enterprise extension; build the registry it describes.
    let mut registry = SchemaRegistry::empty();
    for schema in SchemaRegistry::standard().schemas() {
        registry.add_schema(schema.clone()).unwrap();
    }
    registry
        .add_resource_type(
            ResourceType::new("User", "/Users", urn::USER)
                .with_description("User Account")
                .with_extension(urn::ENTERPRISE_USER, true),
        )
        .unwrap();
    registry
        .add_resource_type(
            ResourceType::new("Group", "/Groups", urn::GROUP).with_description("Group"),
        )
        .unwrap();
    let rendered = serde_json::to_value(registry.resource_type_documents(&base())).unwrap();
    assert_eq!(rendered, rfc);

    // The standard registry differs in one characteristic only.
    let mut standard =
        serde_json::to_value(SchemaRegistry::standard().resource_type_documents(&base())).unwrap();
    assert_eq!(standard[0]["schemaExtensions"][0]["required"], false);
    standard[0]["schemaExtensions"][0]["required"] = json!(true);
    assert_eq!(standard, rfc);
}

/// Reads an RFC schema listing through the same code `add_schema_json` uses, and writes it back
/// in this crate's form (defaults applied, empty descriptions left out).
fn normalised(json: &Value) -> Value {
    let mut registry = SchemaRegistry::empty();
    let schema = registry.add_schema_json(&json.to_string()).unwrap();
    serde_json::to_value(schema).unwrap()
}

#[test]
fn builtin_schemas_match_rfc_listings() {
    let registry = SchemaRegistry::standard();
    for (file, id) in [
        ("discovery/rfc7643-8.7.1-schema-user.json", urn::USER),
        (
            "discovery/rfc7643-8.7.1-schema-enterprise-user.json",
            urn::ENTERPRISE_USER,
        ),
        ("discovery/rfc7643-8.7.1-schema-group.json", urn::GROUP),
    ] {
        let rfc = test_data(file);
        let mut expected = normalised(&rfc);
        if id == urn::GROUP {
            // The two documented additions of builtin.rs: a required displayName, and a
            // `display` sub-attribute on members (Okta and Entra send one).
            expected["attributes"][0]["required"] = json!(true);
            let display = serde_json::to_value(
                Schema::new(
                    "urn:x",
                    "x",
                    vec![scim_core::schema::Attribute::new(
                        "display",
                        scim_core::schema::AttributeType::String,
                    )],
                )
                .unwrap(),
            )
            .unwrap()["attributes"][0]
                .clone();
            expected["attributes"][1]["subAttributes"]
                .as_array_mut()
                .unwrap()
                .insert(2, display);
        }
        let builtin = serde_json::to_value(registry.schema(id).unwrap()).unwrap();
        assert_eq!(builtin, expected, "{file}");

        // The served document is the same schema with `schemas` and `meta` around it.
        let document = serde_json::to_value(registry.schema_document(id, &base())).unwrap();
        assert_eq!(document["schemas"], json!([urn::SCHEMA]));
        assert_eq!(
            document["meta"]["resourceType"],
            rfc["meta"]["resourceType"]
        );
        let location = document["meta"]["location"].as_str().unwrap();
        assert!(location.ends_with(rfc["meta"]["location"].as_str().unwrap()));
        assert_eq!(normalised(&document), builtin);
    }
}

#[test]
fn default_server_configuration_offers_bearer_tokens_and_cursors() {
    use scim_core::schema::{Pagination, PaginationMethod};

    let mut config = ServiceProviderConfig::new(vec![AuthenticationScheme::oauth_bearer_token()]);
    config.patch = true;
    config.filter = FilterSupport::Supported { max_results: 200 };
    config.pagination = Some(Pagination {
        default_pagination_method: Some(PaginationMethod::Index),
        default_page_size: Some(100),
        max_page_size: Some(200),
        cursor_timeout: Some(3600),
        ..Pagination::new(true, true)
    });
    let json = serde_json::to_value(config.document(&base())).unwrap();
    assert_eq!(json["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(json["authenticationSchemes"][0]["primary"], true);
    assert_eq!(
        json["pagination"],
        json!({"cursor": true, "index": true, "defaultPaginationMethod": "index",
               "defaultPageSize": 100, "maxPageSize": 200, "cursorTimeout": 3600})
    );
    assert_eq!(
        ServiceProviderConfig::from_value(json).unwrap(),
        config,
        "a client reads back what a server writes"
    );
}

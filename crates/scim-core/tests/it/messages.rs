//! Protocol messages against the RFC 7644 examples and identity-provider shapes.

use scim_core::message::{
    BulkMethod, BulkRequest, BulkResponse, ErrorResponse, ListResponse, MessageError, PatchRequest,
    SearchRequest,
};
use scim_core::patch::{OpKind, PatchOptions, apply_patch};
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use scim_core::{ScimError, ScimType};
use serde_json::{Value, json};

use crate::test_data;

/// Every file of `test_data/messages` whose name starts with `prefix`.
fn messages(prefix: &str) -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/messages");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no test data for {prefix}");
    names
        .into_iter()
        .map(|n| {
            let json = test_data(&format!("messages/{n}"));
            (n, json)
        })
        .collect()
}

fn bytes(json: &Value) -> Vec<u8> {
    serde_json::to_vec(json).unwrap()
}

#[test]
fn rfc_list_responses_read_and_write_back() {
    let plain: ListResponse<Value> =
        ListResponse::from_value(test_data("messages/rfc7644-3.4.2-list-response.json")).unwrap();
    assert_eq!(plain.total_results(), 2);
    assert_eq!(plain.items_per_page(), None);
    assert_eq!(plain.resources()[1]["userName"], "jsmith");

    for (name, json) in messages("rfc7644-3.4.") {
        if name.contains("search-request") {
            continue;
        }
        let page = ListResponse::<Value>::from_slice(&bytes(&json)).unwrap();
        assert_eq!(serde_json::to_value(&page).unwrap(), json, "{name}");
    }
}

#[test]
fn rfc_search_request_reads_and_writes_back() {
    let json = test_data("messages/rfc7644-3.4.3-search-request.json");
    let request = SearchRequest::from_slice(&bytes(&json)).unwrap();
    assert_eq!(request.attributes, ["displayName", "userName"]);
    assert_eq!(request.filter.as_deref(), Some(r#"displayName sw "smith""#));
    assert_eq!((request.start_index, request.count), (Some(1), Some(10)));
    assert_eq!(serde_json::to_value(&request).unwrap(), json);
}

#[test]
fn every_patch_example_reads_and_writes_back() {
    for prefix in ["rfc7644-3.5.2", "idp-"] {
        for (name, json) in messages(prefix) {
            let request =
                PatchRequest::from_slice(&bytes(&json)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let expected = json["Operations"].as_array().unwrap();
            assert_eq!(request.operations().len(), expected.len(), "{name}");
            // Entra's capitalised ops are written back in lower case.
            let mut lowered = json.clone();
            for op in lowered["Operations"].as_array_mut().unwrap() {
                let text = op["op"].as_str().unwrap().to_ascii_lowercase();
                op["op"] = json!(text);
                if op.get("value") == Some(&Value::Null) {
                    op.as_object_mut().unwrap().remove("value");
                }
            }
            assert_eq!(serde_json::to_value(&request).unwrap(), lowered, "{name}");
        }
    }
}

#[test]
fn patch_requests_feed_the_patch_engine() {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").unwrap();
    let user = Validator::new(&registry, users)
        .unwrap()
        .create(&test_data("resources/rfc7643-8.2-user-full.json"))
        .unwrap()
        .resource;

    let street = PatchRequest::from_value(test_data(
        "messages/rfc7644-3.5.2.3-replace-street-address.json",
    ))
    .unwrap();
    let outcome = apply_patch(
        &registry,
        users,
        &user,
        street.as_operations(),
        &PatchOptions::new(),
    )
    .unwrap();
    assert_eq!(
        outcome.resource.as_json()["addresses"][0]["streetAddress"],
        "1010 Broadway Ave"
    );

    let entra = PatchRequest::from_value(test_data("messages/idp-entra-patch-user.json")).unwrap();
    assert!(entra.operations().iter().all(|o| o.op != OpKind::Remove));
    let outcome = apply_patch(
        &registry,
        users,
        &user,
        entra.as_operations(),
        &PatchOptions::new(),
    )
    .unwrap();
    let json = outcome.resource.as_json();
    assert_eq!(json["active"], false);
    assert_eq!(
        json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        "26118915-6090-4610-87e4-49d8ca9f808d"
    );
}

#[test]
fn rfc_bulk_requests_read_and_write_back() {
    for (name, json) in messages("rfc7644-3.7.") {
        if !name.contains("bulk-request") {
            continue;
        }
        let request = BulkRequest::from_slice(&bytes(&json)).unwrap();
        assert_eq!(serde_json::to_value(&request).unwrap(), json, "{name}");
    }
    let request =
        BulkRequest::from_value(test_data("messages/rfc7644-3.7.3-bulk-request.json")).unwrap();
    let methods: Vec<_> = request.operations.iter().map(|o| o.method).collect();
    assert_eq!(
        methods,
        [
            BulkMethod::Post,
            BulkMethod::Put,
            BulkMethod::Patch,
            BulkMethod::Delete
        ]
    );
    let patch = request.operations[2].data.clone().unwrap();
    assert_eq!(
        PatchRequest::from_value(patch).unwrap().operations().len(),
        2
    );
}

#[test]
fn rfc_bulk_responses_read_and_write_back() {
    for (name, json) in messages("rfc7644-3.7.3-bulk-response") {
        let response = BulkResponse::from_slice(&bytes(&json)).unwrap();
        assert_eq!(serde_json::to_value(&response).unwrap(), json, "{name}");
        for op in &response.operations {
            if op.status >= 400 {
                let error = ErrorResponse::from_value(op.response.clone().unwrap()).unwrap();
                assert_eq!(error.status(), op.status, "{name}");
            }
        }
    }
    let errors = BulkResponse::from_value(test_data(
        "messages/rfc7644-3.7.3-bulk-response-errors.json",
    ))
    .unwrap();
    let statuses: Vec<_> = errors.operations.iter().map(|o| o.status).collect();
    assert_eq!(statuses, [400, 412, 412, 404]);
}

#[test]
fn rfc_errors_read_write_back_and_match_scim_errors() {
    for (name, json) in messages("rfc7644-3.12")
        .into_iter()
        .chain(messages("rfc7644-3.7.4"))
    {
        let error = ErrorResponse::from_slice(&bytes(&json)).unwrap();
        assert_eq!(serde_json::to_value(&error).unwrap(), json, "{name}");
    }
    let ours = ErrorResponse::from(ScimError::new(
        ScimType::Mutability,
        "Attribute 'id' is readOnly",
    ));
    assert_eq!(
        serde_json::to_value(&ours).unwrap(),
        test_data("messages/rfc7644-3.12-error-mutability.json")
    );
    let not_found = ErrorResponse::from(ScimError::not_found(
        "Resource 2819c223-7f76-453a-919d-413861904646 not found",
    ));
    assert_eq!(
        serde_json::to_value(&not_found).unwrap(),
        test_data("messages/rfc7644-3.12-error-not-found.json")
    );
}

#[test]
fn garbage_bodies_map_to_scim_errors() {
    let cases: [(&[u8], ScimType); 5] = [
        (b"not json", ScimType::InvalidSyntax),
        (b"[]", ScimType::InvalidSyntax),
        (
            br#"{"Operations": [{"op": "move"}]}"#,
            ScimType::InvalidSyntax,
        ),
        (br#"{"Operations": []}"#, ScimType::InvalidValue),
        (
            br#"{"Operations": [{"op": "add", "value": 1}], "Schemas": 5}"#,
            ScimType::InvalidSyntax,
        ),
    ];
    for (body, scim_type) in cases {
        let err: ScimError = PatchRequest::from_slice(body).unwrap_err().into();
        assert_eq!(
            err.scim_type(),
            Some(scim_type),
            "{}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(err.status(), 400);
    }
    assert!(matches!(
        BulkRequest::from_slice(br#"{"Operations": [{"method": "POST", "path": "/Users", "data": {}}]}"#),
        Err(MessageError::MissingMember { member }) if member == "Operations[0].bulkId"
    ));
}

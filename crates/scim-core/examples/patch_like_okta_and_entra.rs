//! Apply the PATCH bodies Okta and Microsoft Entra ID send to a user and a group.
//!
//! ```sh
//! cargo run -p scim-core --example patch_like_okta_and_entra
//! ```
#![expect(clippy::print_stdout, reason = "an example shows its results")]

use scim_core::message::PatchRequest;
use scim_core::patch::{PatchOptions, apply_patch};
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").ok_or("no User type")?;
    let groups = registry.resource_type("Group").ok_or("no Group type")?;
    let ada = Validator::new(&registry, users)?
        .create(&json!({
            "userName": "ada@example.com",
            "active": true,
            "emails": [{"type": "work", "value": "ada@example.com", "primary": true}]
        }))?
        .resource;

    // Okta deactivates with a `replace` and no path.
    let okta = PatchRequest::from_slice(
        br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "replace", "value": {"active": false}}]}"#,
    )?;
    let deactivated = apply_patch(
        &registry,
        users,
        &ada,
        okta.as_operations(),
        &PatchOptions::new(),
    )?;
    println!(
        "Okta:  active = {}",
        deactivated.resource.as_json()["active"]
    );

    // Entra capitalises operations, sends booleans as strings and filters inside paths.
    let entra = PatchRequest::from_slice(
        br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [
               {"op": "Replace", "path": "active", "value": "True"},
               {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada@contoso.com"},
               {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "701984"}
             ]}"#,
    )?;
    let updated = apply_patch(
        &registry,
        users,
        &deactivated.resource,
        entra.as_operations(),
        &PatchOptions::new(),
    )?;
    println!("Entra: changed {:?}", updated.changed_attributes);
    println!(
        "       {}",
        serde_json::to_string(updated.resource.as_json())?
    );

    // A group's members can be kept elsewhere (a membership table): detached, the engine hands
    // each membership change back instead of needing every member in memory.
    let group = Validator::new(&registry, groups)?
        .create(&json!({"displayName": "acme-Website-Admin"}))?
        .resource;
    let push = PatchRequest::from_slice(
        br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [
               {"op": "remove", "path": "members[value eq \"2819c223\"]"},
               {"op": "add", "path": "members", "value": [{"value": "902c246b"}]}
             ]}"#,
    )?;
    let outcome = apply_patch(
        &registry,
        groups,
        &group,
        push.as_operations(),
        &PatchOptions::new().detach("members"),
    )?;
    for change in &outcome.detached {
        println!("Okta push: {:?}", change.change);
    }

    // Every bad request is refused with the SCIM error it deserves, and changes nothing.
    let bad = PatchRequest::from_slice(
        br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "replace", "path": "emails[type eq ", "value": "x"}]}"#,
    )?;
    let error = apply_patch(
        &registry,
        users,
        &ada,
        bad.as_operations(),
        &PatchOptions::new(),
    )
    .map(|_| ())
    .map_err(scim_core::ScimError::from);
    if let Err(error) = error {
        println!("refused: {} {:?}", error.status(), error.scim_type());
    }
    Ok(())
}

//! Validate and coerce a user as Microsoft Entra ID creates it: string booleans, unknown schema
//! URNs, a manager given as a bare id.
//!
//! ```sh
//! cargo run -p scim-core --example validate_entra_create
//! ```
#![expect(clippy::print_stdout, reason = "an example shows its results")]

use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = SchemaRegistry::standard();
    let users = registry.resource_type("User").ok_or("no User type")?;
    let entra = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": "9f3b7c1e-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
        "userName": "AdeleV@contoso.com",
        "active": "True",
        "displayName": "Adele Vance",
        "emails": [{"primary": "true", "type": "work", "value": "AdeleV@contoso.com"}],
        "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Retail",
            "manager": "26118915-6090-4c9b-a6d4-4b3f5b3bcd79"
        },
        "password": "only-on-create"
    });
    let validated = Validator::new(&registry, users)?.create(&entra)?;
    println!(
        "{}",
        serde_json::to_string_pretty(validated.resource.as_json())?
    );
    // writeOnly values never enter the resource; they are handed back beside it.
    let write_only: Vec<&str> = validated.write_only.iter().map(|v| v.attribute()).collect();
    println!("write-only values: {write_only:?}");

    // A required attribute missing, or a value of the wrong type, is an error naming it.
    let error = Validator::new(&registry, users)?
        .create(&json!({"displayName": "no userName"}))
        .map(|_| ())
        .map_err(scim_core::ScimError::from);
    if let Err(error) = error {
        println!(
            "refused: {} {:?}: {}",
            error.status(),
            error.scim_type(),
            error.detail()
        );
    }
    Ok(())
}

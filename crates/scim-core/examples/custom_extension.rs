//! Declare a schema extension of your own, attach it to Users, validate a user that uses it,
//! and see it in the discovery documents (`/Schemas`, `/ResourceTypes`).
//!
//! ```sh
//! cargo run -p scim-core --example custom_extension
//! ```
#![expect(clippy::print_stdout, reason = "an example shows its results")]

use scim_core::resource::BaseUrl;
use scim_core::schema::{ResourceType, SchemaRegistry};
use scim_core::validate::Validator;
use serde_json::json;

const BADGE: &str = "urn:example:params:scim:schemas:extension:badge:2.0:User";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The standard schemas, one more, and resource types that use it.
    let mut registry = SchemaRegistry::empty();
    for schema in SchemaRegistry::standard().schemas() {
        registry.add_schema(schema.clone())?;
    }
    registry.add_schema_json(&format!(
        r#"{{"id": "{BADGE}", "name": "Badge", "description": "Door badges",
             "attributes": [
               {{"name": "badgeNumber", "type": "integer", "required": true}},
               {{"name": "floors", "type": "string", "multiValued": true}}
             ]}}"#
    ))?;
    registry.add_resource_type(
        ResourceType::new("User", "/Users", USER)
            .with_extension(ENTERPRISE, false)
            .with_extension(BADGE, false),
    )?;
    registry.add_resource_type(ResourceType::new("Group", "/Groups", GROUP))?;

    let users = registry.resource_type("User").ok_or("no User type")?;
    let user = Validator::new(&registry, users)?.create(&json!({
        "schemas": [USER, BADGE],
        "userName": "ada@example.com",
        BADGE: {"badgeNumber": 1815, "floors": "3"}
    }))?;
    // The single floor became a list.
    println!(
        "{}",
        serde_json::to_string(&user.resource.as_json()[BADGE])?
    );

    let base = BaseUrl::new("https://scim.example.com/scim/v2")?;
    let schema = registry
        .schema_document(BADGE, &base)
        .ok_or("the new schema is discoverable")?;
    println!(
        "/Schemas/{BADGE}:\n{}",
        serde_json::to_string_pretty(&schema)?
    );
    let resource_type = registry
        .resource_type_document("User", &base)
        .ok_or("Users are discoverable")?;
    println!(
        "/ResourceTypes/User:\n{}",
        serde_json::to_string_pretty(&resource_type)?
    );
    Ok(())
}

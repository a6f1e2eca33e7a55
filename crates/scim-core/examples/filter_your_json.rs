//! Parse a SCIM filter once, check it against a schema, and evaluate it against your own JSON.
//!
//! ```sh
//! cargo run -p scim-core --example filter_your_json
//! ```
#![expect(clippy::print_stdout, reason = "an example shows its results")]

use scim_core::filter::{parse_filter, resolve};
use scim_core::schema::SchemaRegistry;
use scim_core::validate::Validator;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = SchemaRegistry::standard();
    let users = registry
        .resource_type("User")
        .ok_or("the standard registry has Users")?;

    // Entra's lookup shape: a value path with a sub-attribute, and a case-insensitive userName.
    let text = r#"userName eq "ADA@example.com" and emails[type eq "work"].value co "example""#;
    let filter = resolve(&parse_filter(text)?, &registry, users)?;

    // Your own records, brought into canonical form by the validator (string booleans,
    // single objects for multi-valued attributes and the like are coerced on the way).
    let people = [
        json!({"userName": "ada@example.com", "emails": [{"type": "work", "value": "ada@example.com"}]}),
        json!({"userName": "grace@example.com", "emails": [{"type": "home", "value": "grace@example.com"}]}),
    ];
    let validator = Validator::new(&registry, users)?;
    for person in &people {
        let resource = validator.create(person)?.resource;
        println!(
            "{:<20} matches: {}",
            person["userName"],
            filter.matches(&resource)
        );
    }

    // A filter naming an attribute the schema lacks is refused before it runs.
    let unknown = resolve(&parse_filter(r#"shoeSize gt 40"#)?, &registry, users);
    println!(
        "shoeSize gt 40: {}",
        unknown.map(|_| "resolves").unwrap_or("invalidFilter")
    );
    Ok(())
}

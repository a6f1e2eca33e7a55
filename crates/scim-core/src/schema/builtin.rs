//! The schemas RFC 7643 defines: the common attributes (§3.1), User (§4.1), Group (§4.2) and the
//! enterprise User extension (§4.3), as in the §8.7.1 schema representation.
//!
//! Two deliberate additions, both for real identity providers: Group `members` also accepts a
//! `display` sub-attribute (Okta and Entra send one), and Group `displayName` is required, as
//! §4.2's text says (the §8.7.1 listing marks it optional). Otherwise the definitions match
//! §8.7.1 characteristic for characteristic (descriptions aside); `tests/it/discovery.rs`
//! checks it against the RFC listing in `test_data/discovery/`.

use super::urn;
use super::{Attribute, AttributeType as T, Mutability, Returned, Schema, Uniqueness};

fn string(name: &str) -> Attribute {
    Attribute::new(name, T::String)
}

fn boolean(name: &str) -> Attribute {
    Attribute::new(name, T::Boolean)
}

fn external_reference(name: &str) -> Attribute {
    Attribute::new(name, T::Reference).reference_types(["external"])
}

/// `value`, `display`, `type` and `primary`: the shape every multi-valued "plural" attribute of
/// the User schema shares (RFC 7643 §2.4), with `value` of the given type.
fn plural(name: &str, value: Attribute, types: &[&str]) -> Attribute {
    let mut kind = string("type");
    if !types.is_empty() {
        kind = kind.canonical_values(types.iter().copied());
    }
    Attribute::complex(
        name,
        vec![value, string("display"), kind, boolean("primary")],
    )
    .multi_valued()
}

fn schema(id: &str, name: &str, description: &str, attributes: Vec<Attribute>) -> Schema {
    // The definitions in this file are static; `builtin_schemas_are_well_formed` checks them.
    Schema::new_unchecked(id, name, attributes).with_description(description)
}

/// The attributes every resource has, whatever its schema (RFC 7643 §3.1): `id`, `externalId`,
/// `meta` and the `schemas` list itself.
pub fn common_attributes() -> Vec<Attribute> {
    vec![
        string("schemas")
            .multi_valued()
            .required()
            .case_exact()
            .returned(Returned::Always)
            .description("The schema URNs the resource conforms to."),
        string("id")
            .case_exact()
            .mutability(Mutability::ReadOnly)
            .returned(Returned::Always)
            .uniqueness(Uniqueness::Server)
            .description("The service provider's unique, stable identifier for the resource."),
        string("externalId")
            .case_exact()
            .description("The provisioning client's identifier for the resource."),
        Attribute::complex(
            "meta",
            vec![
                string("resourceType")
                    .case_exact()
                    .mutability(Mutability::ReadOnly),
                Attribute::new("created", T::DateTime).mutability(Mutability::ReadOnly),
                Attribute::new("lastModified", T::DateTime).mutability(Mutability::ReadOnly),
                Attribute::new("location", T::Reference)
                    .reference_types(["uri"])
                    .case_exact()
                    .mutability(Mutability::ReadOnly),
                string("version")
                    .case_exact()
                    .mutability(Mutability::ReadOnly),
            ],
        )
        .mutability(Mutability::ReadOnly)
        .description("Resource metadata maintained by the service provider."),
    ]
}

/// The core User schema, `urn:ietf:params:scim:schemas:core:2.0:User`.
pub fn user() -> Schema {
    let name = Attribute::complex(
        "name",
        vec![
            string("formatted"),
            string("familyName"),
            string("givenName"),
            string("middleName"),
            string("honorificPrefix"),
            string("honorificSuffix"),
        ],
    );
    let addresses = Attribute::complex(
        "addresses",
        vec![
            string("formatted"),
            string("streetAddress"),
            string("locality"),
            string("region"),
            string("postalCode"),
            string("country"),
            string("type").canonical_values(["work", "home", "other"]),
            boolean("primary"),
        ],
    )
    .multi_valued();
    let groups = Attribute::complex(
        "groups",
        vec![
            string("value").mutability(Mutability::ReadOnly),
            Attribute::new("$ref", T::Reference)
                .reference_types(["User", "Group"])
                .mutability(Mutability::ReadOnly),
            string("display").mutability(Mutability::ReadOnly),
            string("type")
                .canonical_values(["direct", "indirect"])
                .mutability(Mutability::ReadOnly),
        ],
    )
    .multi_valued()
    .mutability(Mutability::ReadOnly);
    schema(
        urn::USER,
        "User",
        "User Account",
        vec![
            string("userName").required().uniqueness(Uniqueness::Server),
            name,
            string("displayName"),
            string("nickName"),
            external_reference("profileUrl"),
            string("title"),
            string("userType"),
            string("preferredLanguage"),
            string("locale"),
            string("timezone"),
            boolean("active"),
            string("password")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never),
            plural("emails", string("value"), &["work", "home", "other"]),
            plural(
                "phoneNumbers",
                string("value"),
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            plural(
                "ims",
                string("value"),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            // §8.7.1 marks photo URLs and certificates case-exact.
            plural(
                "photos",
                external_reference("value").case_exact(),
                &["photo", "thumbnail"],
            ),
            addresses,
            groups,
            plural("entitlements", string("value"), &[]),
            plural("roles", string("value"), &[]),
            plural(
                "x509Certificates",
                Attribute::new("value", T::Binary).case_exact(),
                &[],
            ),
        ],
    )
}

/// The enterprise User extension, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
pub fn enterprise_user() -> Schema {
    schema(
        urn::ENTERPRISE_USER,
        "EnterpriseUser",
        "Enterprise User",
        vec![
            string("employeeNumber"),
            string("costCenter"),
            string("organization"),
            string("division"),
            string("department"),
            Attribute::complex(
                "manager",
                vec![
                    string("value"),
                    Attribute::new("$ref", T::Reference).reference_types(["User"]),
                    string("displayName").mutability(Mutability::ReadOnly),
                ],
            ),
        ],
    )
}

/// The core Group schema, `urn:ietf:params:scim:schemas:core:2.0:Group`.
pub fn group() -> Schema {
    schema(
        urn::GROUP,
        "Group",
        "Group",
        vec![
            string("displayName").required(),
            Attribute::complex(
                "members",
                vec![
                    string("value").mutability(Mutability::Immutable),
                    Attribute::new("$ref", T::Reference)
                        .reference_types(["User", "Group"])
                        .mutability(Mutability::Immutable),
                    string("display"),
                    string("type")
                        .canonical_values(["User", "Group"])
                        .mutability(Mutability::Immutable),
                ],
            )
            .multi_valued(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schemas_are_well_formed() {
        for s in [user(), enterprise_user(), group()] {
            for a in s.attributes() {
                a.check().unwrap();
            }
        }
        for a in common_attributes() {
            a.check().unwrap();
        }
    }

    #[test]
    fn user_schema_matches_rfc_characteristics() {
        let user = user();
        let user_name = user.attribute("username").unwrap();
        assert!(user_name.is_required());
        assert!(!user_name.is_case_exact());
        assert_eq!(user_name.uniqueness_kind(), Uniqueness::Server);
        let password = user.attribute("password").unwrap();
        assert_eq!(password.returned_kind(), Returned::Never);
        assert_eq!(password.mutability_kind(), Mutability::WriteOnly);
        let groups = user.attribute("groups").unwrap();
        assert_eq!(groups.mutability_kind(), Mutability::ReadOnly);
        let certificate = user.attribute("x509certificates").unwrap();
        assert_eq!(
            certificate.sub_attribute("value").unwrap().kind(),
            T::Binary
        );
        assert_eq!(user.attributes().len(), 21);
    }

    #[test]
    fn schemas_survive_their_json_form() {
        for s in [user(), enterprise_user(), group()] {
            let json = serde_json::to_value(&s).unwrap();
            let back: Schema = serde_json::from_value(json).unwrap();
            assert_eq!(back, s);
        }
    }
}

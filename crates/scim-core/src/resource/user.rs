//! The typed User resource (RFC 7643 §4.1) with the enterprise extension (§4.3).

use std::fmt;

use serde_json::{Map, Value};

use super::enterprise::EnterpriseUser;
use super::error::{Loc, ResourceError};
use super::extensions::{Extensions, split_extensions};
use super::json::{FromJson, Object, ToJson, Writer, read_schemas, serde_via_json};
use super::multi::{
    Address, Email, Entitlement, GroupRef, Im, PhoneNumber, Photo, Role, X509Certificate,
};
use super::{Meta, Reference, Resource};
use crate::schema::urn;

/// A User (`urn:ietf:params:scim:schemas:core:2.0:User`), for code that embeds this crate and
/// wants fields rather than JSON.
///
/// Everything optional is a public field. `userName` is required and must not be empty, so it
/// is set through [`User::new`] and [`User::set_user_name`]. The enterprise extension has its own
/// type in [`User::enterprise`]; any other extension object is kept in [`User::extensions`], so
/// converting a [`Resource`] into a `User` and back loses nothing.
///
/// Written out, a `User` is canonical: `schemas` lists the core schema and the extensions
/// present, unassigned attributes are left out, at most one element of each list is
/// `primary: true` (the first one claiming it, as validation does), and the `password` is never
/// written, neither by `Serialize` nor into a [`Resource`] (a `writeOnly` value never enters one).
///
/// Reading expects attribute names spelled as RFC 7643 spells them, as this crate and
/// conformant service providers write them. Input from identity providers, with its
/// case-insensitive names, string booleans and other quirks, should go through validation
/// into a [`Resource`] first.
///
/// ```
/// use scim_core::resource::{Email, EmailKind, Name, Resource, User};
///
/// let mut user = User::new("bjensen@example.com")?;
/// user.name = Some(Name { given_name: Some("Barbara".into()), family_name: Some("Jensen".into()), ..Name::default() });
/// user.emails.push(Email::new("bjensen@example.com").with_kind(EmailKind::Work).with_primary(true));
/// user.active = Some(true);
///
/// let resource = Resource::from(user.clone());
/// assert_eq!(resource.as_json()["schemas"], serde_json::json!(["urn:ietf:params:scim:schemas:core:2.0:User"]));
/// assert_eq!(User::try_from(&resource)?, user);
/// # Ok::<(), scim_core::resource::ResourceError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The service provider's id (assigned on creation).
    pub id: Option<String>,
    /// The identity provider's id for the User.
    pub external_id: Option<String>,
    user_name: String,
    /// The components of the User's real name.
    pub name: Option<Name>,
    /// The name to display.
    pub display_name: Option<String>,
    /// A casual name ("Babs").
    pub nick_name: Option<String>,
    /// A URL of the User's online profile.
    pub profile_url: Option<Reference>,
    /// The User's title ("Vice President").
    pub title: Option<String>,
    /// The relationship to the organisation ("Employee", "Contractor"...).
    pub user_type: Option<String>,
    /// The preferred written or spoken language (`en-US`).
    pub preferred_language: Option<String>,
    /// The default location for localisation (`en-US`).
    pub locale: Option<String>,
    /// The time zone, in IANA form (`America/Los_Angeles`).
    pub timezone: Option<String>,
    /// The administrative status.
    pub active: Option<bool>,
    /// The clear-text password, as sent on create or replace. Never returned.
    pub password: Option<Password>,
    /// E-mail addresses.
    pub emails: Vec<Email>,
    /// Phone numbers.
    pub phone_numbers: Vec<PhoneNumber>,
    /// Instant-messaging addresses.
    pub ims: Vec<Im>,
    /// URLs of photos.
    pub photos: Vec<Photo>,
    /// Postal addresses.
    pub addresses: Vec<Address>,
    /// The groups the User belongs to; read-only, maintained by the service provider.
    pub groups: Vec<GroupRef>,
    /// Entitlements.
    pub entitlements: Vec<Entitlement>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Certificates.
    pub x509_certificates: Vec<X509Certificate>,
    /// The enterprise extension, written under
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (left out when empty).
    pub enterprise: Option<EnterpriseUser>,
    /// Every other extension object. An entry for the core or the enterprise URN is not
    /// written (those attributes have fields of their own).
    pub extensions: Extensions,
    /// The metadata the service provider maintains.
    pub meta: Option<Meta>,
}

impl User {
    /// A User with the given `userName` and nothing else.
    ///
    /// The name must not be empty or blank (RFC 7643 §4.1.1: "Each User MUST include a
    /// non-empty userName value").
    pub fn new(user_name: impl Into<String>) -> Result<Self, ResourceError> {
        Ok(Self {
            id: None,
            external_id: None,
            user_name: check_user_name(user_name.into(), &Loc::Root.field("userName"))?,
            name: None,
            display_name: None,
            nick_name: None,
            profile_url: None,
            title: None,
            user_type: None,
            preferred_language: None,
            locale: None,
            timezone: None,
            active: None,
            password: None,
            emails: Vec::new(),
            phone_numbers: Vec::new(),
            ims: Vec::new(),
            photos: Vec::new(),
            addresses: Vec::new(),
            groups: Vec::new(),
            entitlements: Vec::new(),
            roles: Vec::new(),
            x509_certificates: Vec::new(),
            enterprise: None,
            extensions: Extensions::default(),
            meta: None,
        })
    }

    /// The `userName`.
    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// Changes the `userName`, which must not be empty or blank.
    pub fn set_user_name(&mut self, user_name: impl Into<String>) -> Result<(), ResourceError> {
        self.user_name = check_user_name(user_name.into(), &Loc::Root.field("userName"))?;
        Ok(())
    }

    /// The canonical JSON object, without the password.
    fn to_object(&self) -> Map<String, Value> {
        let mut out = Writer::new();
        let enterprise = self.enterprise.as_ref().filter(|e| !e.is_empty());
        // `schemas` goes first; its content is only known once the extensions are written.
        out.put("schemas", Value::Null);
        out.opt("id", self.id.as_ref());
        out.opt("externalId", self.external_id.as_ref());
        out.put("userName", self.user_name.to_json());
        out.opt("name", self.name.as_ref().filter(|n| !n.is_empty()));
        out.opt("displayName", self.display_name.as_ref());
        out.opt("nickName", self.nick_name.as_ref());
        out.opt("profileUrl", self.profile_url.as_ref());
        out.opt("title", self.title.as_ref());
        out.opt("userType", self.user_type.as_ref());
        out.opt("preferredLanguage", self.preferred_language.as_ref());
        out.opt("locale", self.locale.as_ref());
        out.opt("timezone", self.timezone.as_ref());
        out.opt("active", self.active.as_ref());
        out.list("emails", &self.emails);
        out.list("phoneNumbers", &self.phone_numbers);
        out.list("ims", &self.ims);
        out.list("photos", &self.photos);
        out.list("addresses", &self.addresses);
        out.list("groups", &self.groups);
        out.list("entitlements", &self.entitlements);
        out.list("roles", &self.roles);
        out.list("x509Certificates", &self.x509_certificates);
        out.opt(urn::ENTERPRISE_USER, enterprise);
        let mut object = out.finish();
        let written = self
            .extensions
            .write_into(&mut object, &[urn::USER, urn::ENTERPRISE_USER]);
        let schemas = std::iter::once(urn::USER)
            .chain(enterprise.map(|_| urn::ENTERPRISE_USER))
            .chain(written)
            .map(|s| Value::String(s.to_owned()))
            .collect();
        object.insert("schemas".to_owned(), Value::Array(schemas));
        if let Some(meta) = self.meta.as_ref().filter(|m| !m.is_empty()) {
            object.insert("meta".to_owned(), meta.to_json());
        }
        object
    }
}

/// Required means assigned and not blank, as in validation.
fn check_user_name(user_name: String, loc: &Loc<'_>) -> Result<String, ResourceError> {
    if user_name.trim().is_empty() {
        return Err(loc.invalid_value("userName must not be empty or blank"));
    }
    Ok(user_name)
}

impl FromJson for User {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        read_schemas(&mut object)?;
        let user_name = object.required::<String>("userName")?;
        let mut user = User {
            id: object.optional("id")?,
            external_id: object.optional("externalId")?,
            user_name: check_user_name(user_name, &loc.field("userName"))?,
            name: object.optional("name")?,
            display_name: object.optional("displayName")?,
            nick_name: object.optional("nickName")?,
            profile_url: object.optional("profileUrl")?,
            title: object.optional("title")?,
            user_type: object.optional("userType")?,
            preferred_language: object.optional("preferredLanguage")?,
            locale: object.optional("locale")?,
            timezone: object.optional("timezone")?,
            active: object.optional("active")?,
            password: object.optional("password")?,
            emails: object.list("emails")?,
            phone_numbers: object.list("phoneNumbers")?,
            ims: object.list("ims")?,
            photos: object.list("photos")?,
            addresses: object.list("addresses")?,
            groups: object.list("groups")?,
            entitlements: object.list("entitlements")?,
            roles: object.list("roles")?,
            x509_certificates: object.list("x509Certificates")?,
            enterprise: None,
            extensions: Extensions::default(),
            meta: object.optional("meta")?,
        };
        user.name = user.name.filter(|n| !n.is_empty());
        let (enterprise, extensions) = split_extensions(
            object.into_rest(),
            loc,
            urn::USER,
            Some(urn::ENTERPRISE_USER),
        )?;
        if let Some(value) = enterprise {
            let enterprise = EnterpriseUser::from_json(value, &loc.field(urn::ENTERPRISE_USER))?;
            user.enterprise = Some(enterprise).filter(|e| !e.is_empty());
        }
        user.extensions = extensions;
        Ok(user)
    }
}

impl ToJson for User {
    fn to_json(&self) -> Value {
        Value::Object(self.to_object())
    }
}

serde_via_json!(User);

impl TryFrom<Value> for User {
    type Error = ResourceError;

    /// Reads a User from JSON (with the password, if one is given).
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        Self::from_json(value, &Loc::Root)
    }
}

impl TryFrom<&Resource> for User {
    type Error = ResourceError;

    fn try_from(resource: &Resource) -> Result<Self, Self::Error> {
        if !resource.has_schema(urn::USER) {
            return Err(ResourceError::WrongSchema {
                expected: urn::USER,
            });
        }
        Self::from_json(Value::Object(resource.as_json().clone()), &Loc::Root)
    }
}

impl TryFrom<Resource> for User {
    type Error = ResourceError;

    fn try_from(resource: Resource) -> Result<Self, Self::Error> {
        if !resource.has_schema(urn::USER) {
            return Err(ResourceError::WrongSchema {
                expected: urn::USER,
            });
        }
        Self::from_json(Value::Object(resource.into_json()), &Loc::Root)
    }
}

impl From<User> for Resource {
    /// The canonical generic form. The password is not part of it (a `writeOnly` value never
    /// enters a `Resource`); take it out of [`User::password`] first if it is needed.
    fn from(user: User) -> Self {
        Resource::from_canonical("User", user.to_object())
    }
}

/// The components of a User's real name (`name`). All are optional; an empty `Name` is not
/// written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    /// The full name, formatted for display ("Ms. Barbara J Jensen, III").
    pub formatted: Option<String>,
    /// The family (last) name.
    pub family_name: Option<String>,
    /// The given (first) name.
    pub given_name: Option<String>,
    /// The middle name(s).
    pub middle_name: Option<String>,
    /// Honorific prefixes ("Ms.").
    pub honorific_prefix: Option<String>,
    /// Honorific suffixes ("III").
    pub honorific_suffix: Option<String>,
}

impl Name {
    /// Whether no component is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl FromJson for Name {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        let name = Self {
            formatted: object.optional("formatted")?,
            family_name: object.optional("familyName")?,
            given_name: object.optional("givenName")?,
            middle_name: object.optional("middleName")?,
            honorific_prefix: object.optional("honorificPrefix")?,
            honorific_suffix: object.optional("honorificSuffix")?,
        };
        object.finish()?;
        Ok(name)
    }
}

impl ToJson for Name {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.opt("formatted", self.formatted.as_ref());
        out.opt("familyName", self.family_name.as_ref());
        out.opt("givenName", self.given_name.as_ref());
        out.opt("middleName", self.middle_name.as_ref());
        out.opt("honorificPrefix", self.honorific_prefix.as_ref());
        out.opt("honorificSuffix", self.honorific_suffix.as_ref());
        out.into_value()
    }
}

serde_via_json!(Name);

/// A clear-text password, as a client sends it on create or replace.
///
/// It has no `Serialize` implementation and its `Debug` form hides the text, so it cannot end up
/// in a response or a log by accident.
///
/// ```
/// use scim_core::resource::Password;
///
/// let password = Password::new("t1meMa$heen");
/// assert_eq!(password.expose(), "t1meMa$heen");
/// assert_eq!(format!("{password:?}"), "Password(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a clear-text password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The clear text, for hashing or handing to an identity store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl FromJson for Password {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        String::from_json(value, loc).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn user_name_is_required_and_non_empty() {
        assert_eq!(
            User::try_from(json!({"displayName": "x"})).unwrap_err(),
            ResourceError::Missing {
                path: "userName".into()
            }
        );
        assert_eq!(
            User::try_from(json!({"userName": null})).unwrap_err(),
            ResourceError::Missing {
                path: "userName".into()
            }
        );
        assert!(matches!(
            User::try_from(json!({"userName": ""})),
            Err(ResourceError::InvalidValue { path, .. }) if path == "userName"
        ));
        assert!(User::new("").is_err());
        assert!(User::new(" \t").is_err());
        let mut user = User::new("a").unwrap();
        assert!(user.set_user_name("").is_err());
        assert_eq!(user.user_name(), "a");
    }

    #[test]
    fn password_is_read_but_never_written() {
        let user = User::try_from(json!({"userName": "a", "password": "secret"})).unwrap();
        assert_eq!(user.password.as_ref().unwrap().expose(), "secret");
        let out = serde_json::to_value(&user).unwrap();
        assert!(out.get("password").is_none());
        assert!(!format!("{user:?}").contains("secret"));
        let resource = Resource::from(user);
        assert!(resource.as_json().get("password").is_none());
    }

    #[test]
    fn only_the_first_primary_survives_output() {
        let mut user = User::new("a").unwrap();
        user.emails = vec![
            Email::new("x").with_primary(false),
            Email::new("y").with_primary(true),
            Email::new("z").with_primary(true),
        ];
        let out = serde_json::to_value(&user).unwrap();
        let primaries: Vec<_> = out["emails"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["primary"].clone())
            .collect();
        assert_eq!(primaries, [json!(false), json!(true), json!(false)]);
    }

    #[test]
    fn schemas_are_recomputed_from_content() {
        let user = User::try_from(json!({
            "schemas": ["urn:scim:schemas:core:2.0", crate::schema::urn::ENTERPRISE_USER],
            "userName": "a",
            "name": {},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": null},
            "urn:example:badge": {"number": 7},
        }))
        .unwrap();
        assert_eq!(user.name, None);
        assert_eq!(user.enterprise, None);
        let out = serde_json::to_value(&user).unwrap();
        assert_eq!(
            out,
            json!({
                "schemas": [crate::schema::urn::USER, "urn:example:badge"],
                "userName": "a",
                "urn:example:badge": {"number": 7},
            })
        );
    }

    #[test]
    fn unknown_and_malformed_members_are_refused() {
        let err = User::try_from(json!({"userName": "a", "nickname": "b"})).unwrap_err();
        assert_eq!(
            err,
            ResourceError::UnknownAttribute {
                path: "nickname".into()
            }
        );
        let err = User::try_from(json!({"userName": "a", "schemas": "urn:x"})).unwrap_err();
        assert!(matches!(err, ResourceError::InvalidType { path, .. } if path == "schemas"));
        let err = User::try_from(json!({
            "userName": "a",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"id": "x"}}
        }))
        .unwrap_err();
        assert_eq!(
            err,
            ResourceError::Missing {
                path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value"
                    .into()
            }
        );
        assert!(matches!(
            User::try_from(json!([1])),
            Err(ResourceError::InvalidType { .. })
        ));
    }

    #[test]
    fn reserved_extension_entries_are_not_written() {
        let mut user = User::new("a").unwrap();
        user.extensions
            .insert(
                crate::schema::urn::ENTERPRISE_USER,
                json!({"department": "x"}).as_object().unwrap().clone(),
            )
            .unwrap();
        let out = serde_json::to_value(&user).unwrap();
        assert_eq!(
            out,
            json!({"schemas": [crate::schema::urn::USER], "userName": "a"})
        );
    }
}

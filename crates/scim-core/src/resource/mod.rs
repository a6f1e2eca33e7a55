//! Resources: the generic, schema-checked form every part of the library works on, and typed
//! views of the standard resources for code that embeds this crate.
//!
//! [`Resource`] is what validation produces, what PATCH and projection transform and what the
//! store keeps. [`User`] and [`Group`] are typed equivalents: converting between the two forms
//! is lossless, extension data included.

mod binary;
mod enterprise;
mod error;
mod extensions;
mod group;
pub(crate) mod json;
pub(crate) mod kinds;
mod meta;
mod multi;
mod reference;
mod user;

pub use binary::{Binary, BinaryError};
pub use enterprise::{EnterpriseUser, Manager};
pub use error::ResourceError;
pub use extensions::Extensions;
pub use group::{Group, Member};
pub use kinds::{
    AddressKind, EmailKind, GroupRefKind, ImKind, MemberKind, PhoneNumberKind, PhotoKind,
};
pub use meta::Meta;
pub use multi::{
    Address, Email, Entitlement, GroupRef, Im, PhoneNumber, Photo, Role, X509Certificate,
};
pub use reference::{BaseUrl, Reference, ReferenceError, ReferenceErrorKind};
pub use user::{Name, Password, User};

use serde::Serialize;
use serde_json::{Map, Value};

pub(crate) use self::error::Loc;
use self::json::{FromJson, ToJson};

/// A resource in canonical JSON form, as it was checked against its resource type's schemas.
///
/// Canonical means: attribute names are spelled as the schema spells them, values have the
/// schema's types (booleans are booleans even if an identity provider sent `"True"`), unassigned
/// attributes (`null`, empty arrays) are absent, extension attributes sit under their schema URN
/// and `schemas` lists exactly the core schema and the extensions present.
///
/// A `Resource` can only be obtained from the validation functions of this crate (or from the
/// typed resources, which go through them), so code that receives one can rely on that shape.
/// Server-maintained attributes (`id`, `meta`) are set with the methods below.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Resource {
    #[serde(skip)]
    resource_type: String,
    body: Map<String, Value>,
}

impl Resource {
    /// Wraps a body that has already been brought into canonical form.
    pub(crate) fn from_canonical(
        resource_type: impl Into<String>,
        body: Map<String, Value>,
    ) -> Self {
        Self {
            resource_type: resource_type.into(),
            body,
        }
    }

    /// The resource type's name (`User`, `Group`...).
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The service provider's id, once one has been assigned.
    pub fn id(&self) -> Option<&str> {
        self.body.get("id").and_then(Value::as_str)
    }

    /// The client's `externalId`, if any.
    pub fn external_id(&self) -> Option<&str> {
        self.body.get("externalId").and_then(Value::as_str)
    }

    /// The canonical JSON body.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.body
    }

    /// Consumes the resource, returning its canonical JSON body.
    pub fn into_json(self) -> Map<String, Value> {
        self.body
    }

    /// Assigns the service provider's id.
    pub fn set_id(&mut self, id: impl Into<String>) {
        self.body.insert("id".to_owned(), Value::String(id.into()));
    }

    /// The schema URNs listed in `schemas`: the core schema first, then the extensions present.
    pub fn schemas(&self) -> impl Iterator<Item = &str> {
        self.body
            .get("schemas")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Whether `schemas` lists `urn`, ignoring case.
    pub fn has_schema(&self, urn: &str) -> bool {
        self.schemas().any(|s| s.eq_ignore_ascii_case(urn))
    }

    /// The typed `meta`, if the resource has one.
    ///
    /// A resource that came out of validation or the store always reads; an error means the
    /// body was given a `meta` this crate cannot read (a malformed `version`, say).
    ///
    /// ```
    /// use scim_core::message::Version;
    /// use scim_core::resource::{Meta, Resource, User};
    ///
    /// let mut resource = Resource::from(User::new("bjensen")?);
    /// assert_eq!(resource.meta()?, None);
    /// resource.set_meta(Meta::new("User").with_version(Version::new(2).etag()));
    /// let meta = resource.meta()?.unwrap();
    /// assert_eq!(Version::try_from(meta.version.as_ref().unwrap())?, Version::new(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn meta(&self) -> Result<Option<Meta>, ResourceError> {
        match self.body.get("meta") {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                let root = Loc::Root;
                Meta::from_json(value.clone(), &root.field("meta")).map(Some)
            }
        }
    }

    /// Sets `meta.location` (and the `meta` object if there is none), leaving the other
    /// sub-attributes as they are: stores keep `meta` without the location, which depends on the
    /// address the server is reached at.
    ///
    /// ```
    /// use scim_core::resource::{BaseUrl, Resource, User};
    ///
    /// let base: BaseUrl = "https://example.com/v2".parse()?;
    /// let mut resource = Resource::from(User::new("bjensen")?);
    /// resource.set_id("2819c223");
    /// resource.set_location(base.location("/Users", "2819c223"));
    /// assert_eq!(resource.as_json()["meta"]["location"], "https://example.com/v2/Users/2819c223");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_location(&mut self, location: Reference) {
        let location = Value::String(location.into_string());
        match self.body.get_mut("meta") {
            Some(Value::Object(meta)) => {
                meta.insert("location".to_owned(), location);
            }
            _ => {
                let mut meta = Map::new();
                meta.insert("location".to_owned(), location);
                self.body.insert("meta".to_owned(), Value::Object(meta));
            }
        }
    }

    /// Replaces `meta`; an empty [`Meta`] removes it, keeping the body canonical.
    pub fn set_meta(&mut self, meta: Meta) {
        if meta.is_empty() {
            self.body.remove("meta");
        } else {
            self.body.insert("meta".to_owned(), meta.to_json());
        }
    }

    /// Rebuilds a resource from a body that an earlier `Resource` produced (through
    /// [`Resource::into_json`] or [`Resource::as_json`]), such as one read back from storage.
    ///
    /// Nothing is checked: the caller vouches that `body` is canonical for `resource_type`.
    /// Client input must go through [`crate::validate::Validator`] instead.
    pub fn from_trusted_json(resource_type: impl Into<String>, body: Map<String, Value>) -> Self {
        Self::from_canonical(resource_type, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_accessors_read_and_write_the_body() {
        let mut resource = Resource::from(User::new("a").unwrap());
        assert_eq!(resource.resource_type(), "User");
        assert!(resource.has_schema("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"));
        let meta = Meta::new("User").with_location("https://x/Users/1".parse().unwrap());
        resource.set_meta(meta.clone());
        assert_eq!(resource.meta().unwrap(), Some(meta));
        resource.set_meta(Meta::default());
        assert!(resource.as_json().get("meta").is_none());
        let location: Reference = "https://x/Users/2".parse().unwrap();
        resource.set_location(location.clone());
        resource.set_meta(
            resource
                .meta()
                .unwrap()
                .unwrap()
                .with_version(crate::message::Version::new(4).etag()),
        );
        resource.set_location("https://y/Users/2".parse().unwrap());
        let meta = resource.meta().unwrap().unwrap();
        assert_eq!(meta.location.unwrap().as_str(), "https://y/Users/2");
        assert_eq!(meta.version.unwrap().tag(), "4");
        let mut body = resource.into_json();
        body.insert("meta".into(), serde_json::json!({"version": 3}));
        let resource = Resource::from_canonical("User", body);
        assert!(matches!(
            resource.meta(),
            Err(ResourceError::InvalidType { path, .. }) if path == "meta.version"
        ));
    }
}

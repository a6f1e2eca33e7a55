//! The elements of the User's multi-valued attributes (RFC 7643 §4.1.2).

use serde_json::Value;

use super::error::{Loc, ResourceError};
use super::json::{FromJson, Object, ToJson, Writer, serde_via_json};
use super::kinds::{AddressKind, EmailKind, GroupRefKind, ImKind, PhoneNumberKind, PhotoKind};
use super::{Binary, Reference};

/// Defines an element with the `value`, `display`, `type` and `primary` sub-attributes every
/// "plural" attribute shares (RFC 7643 §2.4).
macro_rules! plural {
    (
        $(#[$meta:meta])*
        $name:ident { value: $value:ty, kind: $kind:ty }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// The value itself.
            pub value: $value,
            /// A human-readable name for the value.
            pub display: Option<String>,
            /// What the value is for (`type` in JSON).
            pub kind: Option<$kind>,
            /// Whether this is the primary value of its list. `Some(false)` and `None` are kept
            /// apart, so a document is written back as it was read.
            pub primary: Option<bool>,
        }

        impl $name {
            /// An element holding `value` and nothing else.
            pub fn new(value: impl Into<$value>) -> Self {
                Self {
                    value: value.into(),
                    display: None,
                    kind: None,
                    primary: None,
                }
            }

            /// Sets `type`.
            #[must_use]
            pub fn with_kind(mut self, kind: impl Into<$kind>) -> Self {
                self.kind = Some(kind.into());
                self
            }

            /// Sets `display`.
            #[must_use]
            pub fn with_display(mut self, display: impl Into<String>) -> Self {
                self.display = Some(display.into());
                self
            }

            /// Sets `primary`.
            #[must_use]
            pub fn with_primary(mut self, primary: bool) -> Self {
                self.primary = Some(primary);
                self
            }
        }

        impl FromJson for $name {
            fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
                let mut object = Object::new(value, loc)?;
                let element = Self {
                    value: object.required("value")?,
                    display: object.optional("display")?,
                    kind: object.optional("type")?,
                    primary: object.optional("primary")?,
                };
                object.finish()?;
                Ok(element)
            }
        }

        impl ToJson for $name {
            fn to_json(&self) -> Value {
                let mut out = Writer::new();
                out.put("value", self.value.to_json());
                out.opt("display", self.display.as_ref());
                out.opt("type", self.kind.as_ref());
                out.opt("primary", self.primary.as_ref());
                out.into_value()
            }
        }

        serde_via_json!($name);
    };
}

plural! {
    /// An e-mail address (`emails`).
    ///
    /// ```
    /// use scim_core::resource::{Email, EmailKind};
    ///
    /// let work = Email::new("bjensen@example.com").with_kind(EmailKind::Work).with_primary(true);
    /// assert_eq!(
    ///     serde_json::to_value(&work)?,
    ///     serde_json::json!({"value": "bjensen@example.com", "type": "work", "primary": true})
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    Email { value: String, kind: EmailKind }
}

plural! {
    /// A phone number (`phoneNumbers`); RFC 7643 suggests the RFC 3966 form (`tel:+1-201-555-0123`)
    /// but does not require it.
    PhoneNumber { value: String, kind: PhoneNumberKind }
}

plural! {
    /// An instant-messaging address (`ims`).
    Im { value: String, kind: ImKind }
}

plural! {
    /// The URL of an image of the User (`photos`).
    Photo { value: Reference, kind: PhotoKind }
}

plural! {
    /// An entitlement: something the User has (`entitlements`). There are no canonical types.
    Entitlement { value: String, kind: String }
}

plural! {
    /// A role: something the User is (`roles`). There are no canonical types.
    Role { value: String, kind: String }
}

plural! {
    /// A certificate issued to the User (`x509Certificates`), as base64 DER.
    X509Certificate { value: Binary, kind: String }
}

/// A postal address (`addresses`).
///
/// Every sub-attribute is optional; an address with none set has no members when written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// The full address, formatted for display; may contain newlines.
    pub formatted: Option<String>,
    /// Street, house number, P.O. box...; may contain newlines.
    pub street_address: Option<String>,
    /// City or locality.
    pub locality: Option<String>,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country (RFC 7643 suggests ISO 3166-1 alpha-2 codes, but RFC 7643 §8.2 itself uses `USA`).
    pub country: Option<String>,
    /// What the address is for (`type` in JSON).
    pub kind: Option<AddressKind>,
    /// Whether this is the primary address.
    pub primary: Option<bool>,
}

impl FromJson for Address {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        let address = Self {
            formatted: object.optional("formatted")?,
            street_address: object.optional("streetAddress")?,
            locality: object.optional("locality")?,
            region: object.optional("region")?,
            postal_code: object.optional("postalCode")?,
            country: object.optional("country")?,
            kind: object.optional("type")?,
            primary: object.optional("primary")?,
        };
        object.finish()?;
        Ok(address)
    }
}

impl ToJson for Address {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.opt("formatted", self.formatted.as_ref());
        out.opt("streetAddress", self.street_address.as_ref());
        out.opt("locality", self.locality.as_ref());
        out.opt("region", self.region.as_ref());
        out.opt("postalCode", self.postal_code.as_ref());
        out.opt("country", self.country.as_ref());
        out.opt("type", self.kind.as_ref());
        out.opt("primary", self.primary.as_ref());
        out.into_value()
    }
}

serde_via_json!(Address);

/// A group the User belongs to (`groups`). The whole attribute is read-only: the service
/// provider derives it from group memberships and ignores it on input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The group's `id`.
    pub value: String,
    /// The group's URI (`$ref` in JSON).
    pub reference: Option<Reference>,
    /// The group's display name.
    pub display: Option<String>,
    /// Direct or indirect membership (`type` in JSON).
    pub kind: Option<GroupRefKind>,
}

impl GroupRef {
    /// A reference to the group with id `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            reference: None,
            display: None,
            kind: None,
        }
    }
}

impl FromJson for GroupRef {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        let group = Self {
            value: object.required("value")?,
            reference: object.optional("$ref")?,
            display: object.optional("display")?,
            kind: object.optional("type")?,
        };
        object.finish()?;
        Ok(group)
    }
}

impl ToJson for GroupRef {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put("value", self.value.to_json());
        out.opt("$ref", self.reference.as_ref());
        out.opt("display", self.display.as_ref());
        out.opt("type", self.kind.as_ref());
        out.into_value()
    }
}

serde_via_json!(GroupRef);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn elements_round_trip_and_keep_custom_kinds() {
        let json = json!({"value": "555-555-4444", "type": "Mobile", "primary": false});
        let phone: PhoneNumber = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(phone.kind, Some(PhoneNumberKind::Custom("Mobile".into())));
        assert_eq!(phone.primary, Some(false));
        assert_eq!(serde_json::to_value(&phone).unwrap(), json);
    }

    #[test]
    fn elements_need_a_value_and_known_sub_attributes() {
        let missing = Email::from_json(json!({"type": "work"}), &Loc::Root).unwrap_err();
        assert_eq!(
            missing,
            ResourceError::Missing {
                path: "value".into()
            }
        );
        let unknown =
            Email::from_json(json!({"value": "a", "verified": true}), &Loc::Root).unwrap_err();
        assert_eq!(
            unknown,
            ResourceError::UnknownAttribute {
                path: "verified".into()
            }
        );
        let bad_photo = Photo::from_json(json!({"value": "not a url"}), &Loc::Root).unwrap_err();
        assert!(matches!(bad_photo, ResourceError::InvalidValue { path, .. } if path == "value"));
        let bad_cert = X509Certificate::from_json(json!({"value": "!!"}), &Loc::Root).unwrap_err();
        assert!(matches!(bad_cert, ResourceError::InvalidValue { .. }));
    }

    #[test]
    fn nulls_are_unassigned() {
        let email = Email::from_json(
            json!({"value": "a@b", "display": null, "type": null}),
            &Loc::Root,
        )
        .unwrap();
        assert_eq!(email, Email::new("a@b"));
        assert_eq!(email.to_json(), json!({"value": "a@b"}));
    }

    #[test]
    fn addresses_map_every_sub_attribute() {
        let json = json!({
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "type": "work",
            "primary": true
        });
        let address: Address = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(address.kind, Some(AddressKind::Work));
        assert_eq!(address.postal_code.as_deref(), Some("91608"));
        assert_eq!(serde_json::to_value(&address).unwrap(), json);
    }

    #[test]
    fn group_refs_read_dollar_ref() {
        let json = json!({
            "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
            "display": "Tour Guides",
            "type": "direct"
        });
        let group: GroupRef = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(group.kind, Some(GroupRefKind::Direct));
        assert_eq!(serde_json::to_value(&group).unwrap(), json);
    }
}

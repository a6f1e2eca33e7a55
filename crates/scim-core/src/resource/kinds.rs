//! The `type` sub-attributes with canonical values (RFC 7643 §4.1.2, §4.2), as enums that keep
//! any other value exactly as written.

/// Defines an enum of canonical values plus `Custom(String)`.
///
/// Reading maps the exact canonical spelling to its variant and keeps anything else (including
/// another capitalisation) in `Custom`, so the value is written back exactly as it came in.
/// Equality and hashing compare the text, so a hand-built `Custom("work")` equals `Work`.
macro_rules! canonical_values {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Eq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// Any other value, kept exactly as received.
            Custom(String),
        }

        impl $name {
            /// The canonical values, in the order the RFC lists them.
            pub const CANONICAL: &'static [&'static str] = &[$($text),+];

            /// The value as it appears in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Custom(text) => text,
                }
            }

            /// Whether the value is not one of the canonical values (spelled exactly).
            pub fn is_custom(&self) -> bool {
                Self::CANONICAL.iter().all(|c| *c != self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )+
                    other => Self::Custom(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $( $text => Self::$variant, )+
                    _ => Self::Custom(text),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(text))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::resource::json::FromJson for $name {
            fn from_json(
                value: serde_json::Value,
                loc: &$crate::resource::Loc<'_>,
            ) -> Result<Self, $crate::resource::ResourceError> {
                <String as $crate::resource::json::FromJson>::from_json(value, loc).map(Self::from)
            }
        }

        impl $crate::resource::json::ToJson for $name {
            fn to_json(&self) -> serde_json::Value {
                serde_json::Value::String(self.as_str().to_owned())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    };
}
pub(crate) use canonical_values;

canonical_values! {
    /// The `type` of an e-mail address.
    ///
    /// ```
    /// use scim_core::resource::EmailKind;
    ///
    /// assert_eq!(EmailKind::from("work"), EmailKind::Work);
    /// // Other spellings are kept verbatim, so they are written back unchanged.
    /// assert_eq!(EmailKind::from("Work"), EmailKind::Custom("Work".into()));
    /// assert_eq!(EmailKind::from("Work").as_str(), "Work");
    /// assert_eq!(serde_json::to_string(&EmailKind::Home)?, r#""home""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    EmailKind {
        /// `work`
        Work => "work",
        /// `home`
        Home => "home",
        /// `other`
        Other => "other",
    }
}

canonical_values! {
    /// The `type` of a phone number.
    PhoneNumberKind {
        /// `work`
        Work => "work",
        /// `home`
        Home => "home",
        /// `mobile`
        Mobile => "mobile",
        /// `fax`
        Fax => "fax",
        /// `pager`
        Pager => "pager",
        /// `other`
        Other => "other",
    }
}

canonical_values! {
    /// The `type` of an instant-messaging address.
    ImKind {
        /// `aim`
        Aim => "aim",
        /// `gtalk`
        Gtalk => "gtalk",
        /// `icq`
        Icq => "icq",
        /// `xmpp`
        Xmpp => "xmpp",
        /// `msn`
        Msn => "msn",
        /// `skype`
        Skype => "skype",
        /// `qq`
        Qq => "qq",
        /// `yahoo`
        Yahoo => "yahoo",
    }
}

canonical_values! {
    /// The `type` of a photo.
    PhotoKind {
        /// `photo`: a full-size image.
        Photo => "photo",
        /// `thumbnail`: a small image.
        Thumbnail => "thumbnail",
    }
}

canonical_values! {
    /// The `type` of a postal address.
    AddressKind {
        /// `work`
        Work => "work",
        /// `home`
        Home => "home",
        /// `other`
        Other => "other",
    }
}

canonical_values! {
    /// How a User belongs to a group (the `type` of a `groups` entry).
    GroupRefKind {
        /// `direct`: the User is a member of the group itself.
        Direct => "direct",
        /// `indirect`: the User is a member through a nested group.
        Indirect => "indirect",
    }
}

canonical_values! {
    /// What a Group member is (the `type` of a `members` entry).
    MemberKind {
        /// `User`
        User => "User",
        /// `Group`: a nested group.
        Group => "Group",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    use super::*;

    #[test]
    fn canonical_spellings_pick_variants_and_others_are_kept() {
        assert_eq!(PhoneNumberKind::from("mobile"), PhoneNumberKind::Mobile);
        let custom = PhoneNumberKind::from("MOBILE");
        assert!(matches!(&custom, PhoneNumberKind::Custom(t) if t == "MOBILE"));
        assert!(custom.is_custom());
        assert_eq!(custom.to_string(), "MOBILE");
        assert!(!MemberKind::Group.is_custom());
        assert_eq!(MemberKind::from("user").as_str(), "user");
    }

    #[test]
    fn equality_and_hashing_follow_the_text() {
        let hand_built = EmailKind::Custom("work".into());
        assert_eq!(hand_built, EmailKind::Work);
        assert!(!hand_built.is_custom());
        let set: HashSet<EmailKind> = [EmailKind::Work, hand_built].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn kinds_round_trip_through_serde() {
        for text in ["thumbnail", "Thumbnail", ""] {
            let json = Value::String(text.into());
            let kind: PhotoKind = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(serde_json::to_value(&kind).unwrap(), json);
        }
        assert!(serde_json::from_value::<PhotoKind>(serde_json::json!(1)).is_err());
    }
}

//! `meta`: the resource metadata the service provider maintains (RFC 7643 §3.1).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Reference;
use super::error::{Loc, ResourceError};
use super::json::{FromJson, Object, ToJson, Writer, serde_via_json};
use crate::message::ETag;

/// The `meta` attribute: resource type, timestamps, canonical location and version.
///
/// Every sub-attribute is optional, so an empty `Meta` is a legitimate value ("nothing known
/// yet"); written out it has no members and a [`Resource`](super::Resource) drops it.
///
/// ```
/// use scim_core::message::Version;
/// use scim_core::resource::{BaseUrl, Meta};
///
/// let base: BaseUrl = "https://example.com/v2".parse()?;
/// let created = "2010-01-23T04:56:22Z".parse()?;
/// let meta = Meta::new("User")
///     .with_created(created)
///     .with_last_modified(created)
///     .with_location(base.location("/Users", "2819c223"))
///     .with_version(Version::new(1).etag());
/// assert_eq!(
///     serde_json::to_value(&meta)?,
///     serde_json::json!({
///         "resourceType": "User",
///         "created": "2010-01-23T04:56:22Z",
///         "lastModified": "2010-01-23T04:56:22Z",
///         "location": "https://example.com/v2/Users/2819c223",
///         "version": "W/\"1\"",
///     })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The name of the resource type, such as `User`.
    pub resource_type: Option<String>,
    /// When the resource was created.
    pub created: Option<DateTime<Utc>>,
    /// When the resource was last changed.
    pub last_modified: Option<DateTime<Utc>>,
    /// The canonical URL of the resource (also the `Location` header of a 201).
    pub location: Option<Reference>,
    /// The version, as an entity tag (also the `ETag` header).
    pub version: Option<ETag>,
}

impl Meta {
    /// Metadata naming the resource type and nothing else yet.
    pub fn new(resource_type: impl Into<String>) -> Self {
        Self {
            resource_type: Some(resource_type.into()),
            ..Self::default()
        }
    }

    /// Sets `created`.
    #[must_use]
    pub fn with_created(mut self, created: DateTime<Utc>) -> Self {
        self.created = Some(created);
        self
    }

    /// Sets `lastModified`.
    #[must_use]
    pub fn with_last_modified(mut self, last_modified: DateTime<Utc>) -> Self {
        self.last_modified = Some(last_modified);
        self
    }

    /// Sets `location`.
    #[must_use]
    pub fn with_location(mut self, location: Reference) -> Self {
        self.location = Some(location);
        self
    }

    /// Sets `version`.
    #[must_use]
    pub fn with_version(mut self, version: ETag) -> Self {
        self.version = Some(version);
        self
    }

    /// Whether no sub-attribute is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl FromJson for Meta {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        let meta = Meta {
            resource_type: object.optional("resourceType")?,
            created: object.optional("created")?,
            last_modified: object.optional("lastModified")?,
            location: object.optional("location")?,
            version: object.optional("version")?,
        };
        object.finish()?;
        Ok(meta)
    }
}

impl ToJson for Meta {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.opt("resourceType", self.resource_type.as_ref());
        out.opt("created", self.created.as_ref());
        out.opt("lastModified", self.last_modified.as_ref());
        out.opt("location", self.location.as_ref());
        out.opt("version", self.version.as_ref());
        out.into_value()
    }
}

serde_via_json!(Meta);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rfc_meta_round_trips() {
        let json = json!({
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff590\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
        });
        let meta: Meta = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(meta.version.as_ref().unwrap().tag(), "3694e05e9dff590");
        assert_eq!(serde_json::to_value(&meta).unwrap(), json);
    }

    #[test]
    fn bad_meta_is_refused_with_its_path() {
        let err = Meta::from_json(json!({"version": "3"}), &Loc::Root).unwrap_err();
        assert!(matches!(err, ResourceError::InvalidValue { path, .. } if path == "version"));
        let err = Meta::from_json(json!({"etag": "3"}), &Loc::Root).unwrap_err();
        assert!(matches!(err, ResourceError::UnknownAttribute { path } if path == "etag"));
        assert!(Meta::default().is_empty());
        assert_eq!(Meta::default().to_json(), json!({}));
    }
}

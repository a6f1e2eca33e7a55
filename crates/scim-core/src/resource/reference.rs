//! URI values: `$ref`, `profileUrl`, `photos.value`, `meta.location`, and the service provider's
//! base URL.
//!
//! SCIM references are kept exactly as written. A URL library would normalise them (lower-case
//! hosts, add a trailing `/`, re-encode), which breaks the lossless round trip and cannot hold the
//! relative references the RFC itself uses (`"$ref": "../Users/2618..."`, RFC 7643 §8.3), so
//! [`Reference`] checks the RFC 3986 shape and stores the text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ScimError, ScimType};

/// Why a text is not a URI reference (or not a usable base URL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid {what}: {kind}")]
pub struct ReferenceError {
    input: String,
    what: &'static str,
    kind: ReferenceErrorKind,
}

impl ReferenceError {
    fn new(input: &str, what: &'static str, kind: ReferenceErrorKind) -> Self {
        Self {
            input: input.to_owned(),
            what,
            kind,
        }
    }

    /// What is wrong with the text.
    pub fn kind(&self) -> ReferenceErrorKind {
        self.kind
    }

    /// The refused text.
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// What is wrong with a URI reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceErrorKind {
    /// The text is empty.
    #[error("it is empty")]
    Empty,
    /// The text contains a space or a control character, which URIs never do (they are
    /// percent-encoded).
    #[error("it contains whitespace or a control character")]
    Whitespace,
    /// A `%` is not followed by two hexadecimal digits.
    #[error("it contains a malformed percent-escape")]
    BadPercentEscape,
    /// The part before the first `:` is not a valid URI scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
    #[error("its scheme is malformed")]
    BadScheme,
    /// A base URL must be an absolute `http` or `https` URL.
    #[error("it is not an absolute http(s) URL")]
    NotHttp,
    /// A base URL cannot carry a query or a fragment.
    #[error("it has a query or a fragment")]
    QueryOrFragment,
}

impl From<ReferenceError> for ScimError {
    fn from(err: ReferenceError) -> Self {
        ScimError::new(ScimType::InvalidValue, err.to_string())
    }
}

/// A URI reference (RFC 3986 §4.1): an absolute URI such as
/// `https://example.com/v2/Users/2819c223` or `urn:ietf:params:scim:schemas:core:2.0:User`, or a
/// relative reference such as `../Users/2819c223`.
///
/// The text is kept exactly as given. Construction checks that it is non-empty, has no
/// whitespace or control characters, has well-formed percent-escapes and, when it has a scheme,
/// that the scheme is well formed. Non-ASCII characters are allowed (IRIs, RFC 3987).
///
/// ```
/// use scim_core::resource::Reference;
///
/// let manager: Reference = "../Users/26118915-6090-4610-87e4-49d8ca9f808d".parse()?;
/// assert!(!manager.is_absolute());
/// let location: Reference = "https://example.com/v2/Users/2819c223".parse()?;
/// assert_eq!(location.scheme(), Some("https"));
/// assert!("not a uri".parse::<Reference>().is_err());
/// # Ok::<(), scim_core::resource::ReferenceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

impl Reference {
    /// Checks `text` and wraps it.
    pub fn new(text: impl Into<String>) -> Result<Self, ReferenceError> {
        let text = text.into();
        check_reference(&text).map_err(|kind| ReferenceError::new(&text, "URI reference", kind))?;
        Ok(Self(text))
    }

    /// The reference as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the reference, returning its text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The scheme (`https`, `urn`...), if the reference is absolute.
    pub fn scheme(&self) -> Option<&str> {
        scheme_end(&self.0).map(|end| &self.0[..end])
    }

    /// Whether the reference has a scheme (an absolute URI rather than a relative reference).
    pub fn is_absolute(&self) -> bool {
        self.scheme().is_some()
    }
}

/// Where the scheme's `:` is, if a colon comes before any `/`, `?` or `#`.
fn scheme_end(text: &str) -> Option<usize> {
    let end = text.find([':', '/', '?', '#'])?;
    (text.as_bytes().get(end) == Some(&b':')).then_some(end)
}

fn check_reference(text: &str) -> Result<(), ReferenceErrorKind> {
    if text.is_empty() {
        return Err(ReferenceErrorKind::Empty);
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ReferenceErrorKind::Whitespace);
    }
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(ReferenceErrorKind::BadPercentEscape);
            }
        }
    }
    if let Some(end) = scheme_end(text) {
        // A relative reference cannot have a colon in its first segment (RFC 3986 §4.2), so
        // whatever precedes this colon must be a scheme.
        let scheme = &text[..end];
        let mut chars = scheme.chars();
        let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !well_formed {
            return Err(ReferenceErrorKind::BadScheme);
        }
    }
    Ok(())
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Reference {
    type Error = ReferenceError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl AsRef<str> for Reference {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(text).map_err(serde::de::Error::custom)
    }
}

/// The absolute `http(s)` URL under which a service provider's endpoints live, such as
/// `https://example.com/scim/v2`; it is what `meta.location` values are built from.
///
/// A trailing `/` is removed, so joining never doubles it.
///
/// ```
/// use scim_core::resource::BaseUrl;
///
/// let base: BaseUrl = "https://example.com/v2/".parse()?;
/// assert_eq!(base.as_str(), "https://example.com/v2");
/// assert_eq!(base.location("/Users", "2819c223").as_str(), "https://example.com/v2/Users/2819c223");
/// assert!("/v2".parse::<BaseUrl>().is_err());
/// # Ok::<(), scim_core::resource::ReferenceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks `text` (an absolute `http` or `https` URL without query or fragment) and wraps it.
    pub fn new(text: &str) -> Result<Self, ReferenceError> {
        let error = |kind| ReferenceError::new(text, "base URL", kind);
        let reference = Reference::new(text).map_err(|e| error(e.kind()))?;
        let http = reference
            .scheme()
            .is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
        let rest = text.split_once(':').map_or("", |(_, rest)| rest);
        if !http || !rest.starts_with("//") || rest.len() <= 2 {
            return Err(error(ReferenceErrorKind::NotHttp));
        }
        if text.contains(['?', '#']) {
            return Err(error(ReferenceErrorKind::QueryOrFragment));
        }
        Ok(Self(text.trim_end_matches('/').to_owned()))
    }

    /// The base URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of `endpoint` (such as `/Users` or `ServiceProviderConfig`) under this base.
    pub fn endpoint(&self, endpoint: &str) -> Reference {
        let endpoint = endpoint.trim_start_matches('/');
        Reference(format!("{}/{endpoint}", self.0))
    }

    /// The `meta.location` of the resource `id` served at `endpoint`.
    ///
    /// The id is inserted as is: service-provider ids are URL-safe by construction (the store
    /// generates them), and schema URNs only contain characters a path segment allows.
    pub fn location(&self, endpoint: &str, id: &str) -> Reference {
        let endpoint = endpoint.trim_matches('/');
        Reference(format!("{}/{endpoint}/{id}", self.0))
    }
}

impl FromStr for BaseUrl {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<ReferenceErrorKind> {
        Reference::new(text).err().map(|e| e.kind())
    }

    #[test]
    fn absolute_and_relative_references_are_kept_verbatim() {
        for text in [
            "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "HTTPS://Example.COM",
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
            "/Groups/e9e30dba",
            "e9e30dba",
            "https://example.com/a%20b?x=1#frag",
            "https://exämple.com/ü",
        ] {
            let reference = Reference::new(text).unwrap();
            assert_eq!(reference.as_str(), text);
        }
        assert_eq!(Reference::new("urn:x:y").unwrap().scheme(), Some("urn"));
        assert_eq!(Reference::new("a/b:c").unwrap().scheme(), None);
    }

    #[test]
    fn malformed_references_are_refused_with_a_reason() {
        assert_eq!(kind(""), Some(ReferenceErrorKind::Empty));
        assert_eq!(kind("a b"), Some(ReferenceErrorKind::Whitespace));
        assert_eq!(kind("https://x\n"), Some(ReferenceErrorKind::Whitespace));
        assert_eq!(
            kind("https://x/%zz"),
            Some(ReferenceErrorKind::BadPercentEscape)
        );
        assert_eq!(
            kind("https://x/%4"),
            Some(ReferenceErrorKind::BadPercentEscape)
        );
        assert_eq!(kind("1http://x"), Some(ReferenceErrorKind::BadScheme));
        assert_eq!(kind(":x"), Some(ReferenceErrorKind::BadScheme));
        assert_eq!(kind("ht_tp://x"), Some(ReferenceErrorKind::BadScheme));
    }

    #[test]
    fn references_serialise_as_strings() {
        let reference = Reference::new("../Users/1").unwrap();
        let json = serde_json::to_string(&reference).unwrap();
        assert_eq!(json, r#""../Users/1""#);
        assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), reference);
        assert!(serde_json::from_str::<Reference>(r#""a b""#).is_err());
    }

    #[test]
    fn base_urls_must_be_absolute_http() {
        let base = BaseUrl::new("https://example.com/scim/v2//").unwrap();
        assert_eq!(base.as_str(), "https://example.com/scim/v2");
        assert_eq!(
            base.endpoint("/ServiceProviderConfig").as_str(),
            "https://example.com/scim/v2/ServiceProviderConfig"
        );
        assert_eq!(
            base.location("Schemas/", "urn:ietf:params:scim:schemas:core:2.0:User")
                .as_str(),
            "https://example.com/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
        );
        let refused = |text: &str| BaseUrl::new(text).err().map(|e| e.kind());
        assert_eq!(refused("/v2"), Some(ReferenceErrorKind::NotHttp));
        assert_eq!(refused("ftp://x"), Some(ReferenceErrorKind::NotHttp));
        assert_eq!(refused("https:x"), Some(ReferenceErrorKind::NotHttp));
        assert_eq!(refused("https://"), Some(ReferenceErrorKind::NotHttp));
        assert_eq!(
            refused("https://x/v2?a=b"),
            Some(ReferenceErrorKind::QueryOrFragment)
        );
        assert_eq!(refused(""), Some(ReferenceErrorKind::Empty));
    }
}

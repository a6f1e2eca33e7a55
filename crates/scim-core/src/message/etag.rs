//! Entity tags (RFC 7644 §3.14, RFC 9110 §8.8.3): resource versions, the `ETag` header and
//! `meta.version`, and the `If-Match` / `If-None-Match` preconditions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ScimError, ScimType};

/// Why a text is not an entity tag or an entity-tag list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid entity tag: {kind}")]
pub struct ETagError {
    input: String,
    kind: ETagErrorKind,
}

impl ETagError {
    fn new(input: &str, kind: ETagErrorKind) -> Self {
        Self {
            input: input.to_owned(),
            kind,
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> ETagErrorKind {
        self.kind
    }

    /// The refused text.
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// What is wrong with an entity tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ETagErrorKind {
    /// Nothing but whitespace (or commas).
    #[error("it is empty")]
    Empty,
    /// The opaque tag does not start with `"` (after an optional `W/`).
    #[error("the tag is not enclosed in double quotes")]
    Unquoted,
    /// The closing `"` is missing.
    #[error("the closing double quote is missing")]
    Unterminated,
    /// A space, control character or `"` inside the tag.
    #[error("the tag contains a character entity tags cannot hold")]
    InvalidCharacter,
    /// Something other than `,` follows a tag.
    #[error("unexpected text after a tag")]
    TrailingText,
    /// `*` must stand alone.
    #[error("\"*\" cannot be combined with tags")]
    WildcardInList,
    /// A single tag was expected, but the text holds a list or `*`.
    #[error("expected exactly one tag")]
    NotSingle,
    /// The tag is not one this service provider issued (`W/"<n>"` with a decimal `n`).
    #[error("it is not a version issued by this service provider")]
    NotAVersion,
}

impl From<ETagError> for ScimError {
    fn from(err: ETagError) -> Self {
        ScimError::new(ScimType::InvalidValue, err.to_string())
    }
}

/// An entity tag: an opaque tag, weak (`W/"3"`) or strong (`"3"`).
///
/// Its text form is what `meta.version` and the `ETag` header hold.
///
/// ```
/// use scim_core::message::ETag;
///
/// let tag: ETag = r#"W/"3694e05e9dff591""#.parse()?;
/// assert!(tag.is_weak());
/// assert_eq!(tag.tag(), "3694e05e9dff591");
/// assert_eq!(tag.to_string(), r#"W/"3694e05e9dff591""#);
/// assert!(tag.weak_eq(&ETag::strong("3694e05e9dff591")?));
/// # Ok::<(), scim_core::message::ETagError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag {
    weak: bool,
    tag: String,
}

impl ETag {
    /// A weak tag; `tag` is the opaque text without quotes.
    pub fn weak(tag: impl Into<String>) -> Result<Self, ETagError> {
        Self::build(true, tag.into())
    }

    /// A strong tag; `tag` is the opaque text without quotes.
    pub fn strong(tag: impl Into<String>) -> Result<Self, ETagError> {
        Self::build(false, tag.into())
    }

    fn build(weak: bool, tag: String) -> Result<Self, ETagError> {
        if !tag.chars().all(is_etagc) {
            return Err(ETagError::new(&tag, ETagErrorKind::InvalidCharacter));
        }
        Ok(Self { weak, tag })
    }

    /// Whether the tag is weak (`W/` prefix).
    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// The opaque tag, without quotes or `W/`.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Weak comparison (RFC 9110 §8.8.3.2): the opaque tags are equal, whatever their weakness.
    pub fn weak_eq(&self, other: &ETag) -> bool {
        self.tag == other.tag
    }

    /// Strong comparison: both tags are strong and equal.
    pub fn strong_eq(&self, other: &ETag) -> bool {
        !self.weak && !other.weak && self.tag == other.tag
    }
}

/// `etagc = %x21 / %x23-7E / obs-text` (RFC 9110 §8.8.3).
fn is_etagc(c: char) -> bool {
    c == '!' || ('#'..='~').contains(&c) || u32::from(c) >= 0x80
}

/// Parses one entity tag at the start of `text` (no leading whitespace), returning it and the
/// rest of the text.
fn parse_one(text: &str) -> Result<(ETag, &str), ETagErrorKind> {
    let (weak, rest) = match text.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.strip_prefix('"').ok_or(ETagErrorKind::Unquoted)?;
    let end = rest.find('"').ok_or(ETagErrorKind::Unterminated)?;
    let tag = &rest[..end];
    if !tag.chars().all(is_etagc) {
        return Err(ETagErrorKind::InvalidCharacter);
    }
    let etag = ETag {
        weak,
        tag: tag.to_owned(),
    };
    Ok((etag, &rest[end + 1..]))
}

fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

impl FromStr for ETag {
    type Err = ETagError;

    /// Parses a single entity tag, such as the value of `meta.version` or of a bulk
    /// operation's `version`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |kind| ETagError::new(text, kind);
        let trimmed = trim_ows(text);
        if trimmed.is_empty() {
            return Err(error(ETagErrorKind::Empty));
        }
        if trimmed == "*" {
            return Err(error(ETagErrorKind::NotSingle));
        }
        let (etag, rest) = parse_one(trimmed).map_err(error)?;
        match trim_ows(rest) {
            "" => Ok(etag),
            rest if rest.starts_with(',') => Err(error(ETagErrorKind::NotSingle)),
            _ => Err(error(ETagErrorKind::TrailingText)),
        }
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.weak {
            f.write_str("W/")?;
        }
        write!(f, "\"{}\"", self.tag)
    }
}

impl Serialize for ETag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ETag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The version of a stored resource: a counter the store increments on every change, shown to
/// clients as the weak entity tag `W/"<n>"`.
///
/// ```
/// use scim_core::message::{ETag, Version};
///
/// let v = Version::new(7);
/// assert_eq!(v.etag().to_string(), r#"W/"7""#);
/// assert_eq!(Version::try_from(&v.etag()), Ok(v));
/// assert_eq!(v.next(), Some(Version::new(8)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version(u64);

impl Version {
    /// The version a resource gets when it is created.
    pub const FIRST: Version = Version(1);

    /// The version numbered `n`.
    pub fn new(n: u64) -> Self {
        Self(n)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The version after this one, unless the counter is exhausted.
    pub fn next(self) -> Option<Self> {
        self.0.checked_add(1).map(Self)
    }

    /// The weak entity tag `W/"<n>"` for this version.
    pub fn etag(self) -> ETag {
        ETag {
            weak: true,
            tag: self.0.to_string(),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<Version> for ETag {
    fn from(version: Version) -> Self {
        version.etag()
    }
}

impl TryFrom<&ETag> for Version {
    type Error = ETagError;

    /// Reads back a version from its tag, weak or strong. Only the exact decimal form this type
    /// writes is accepted (no sign, no leading zeros), so distinct tags never name the same
    /// version.
    fn try_from(etag: &ETag) -> Result<Self, Self::Error> {
        let tag = etag.tag();
        let canonical = !tag.is_empty()
            && tag.bytes().all(|b| b.is_ascii_digit())
            && (tag == "0" || !tag.starts_with('0'));
        let n = if canonical { tag.parse().ok() } else { None };
        n.map(Version)
            .ok_or_else(|| ETagError::new(&etag.to_string(), ETagErrorKind::NotAVersion))
    }
}

/// The value of an `If-Match` or `If-None-Match` header: `*` or a list of entity tags.
///
/// Tags are compared weakly. RFC 9110 asks for strong comparison in `If-Match`, but SCIM
/// versions are weak tags and RFC 7644 §3.14 sends them in `If-Match`; under strong comparison
/// every such precondition would fail.
///
/// ```
/// use scim_core::message::{ETagCondition, Version};
///
/// let if_match = ETagCondition::parse(r#"W/"1", W/"2""#)?;
/// assert!(if_match.matches(Some(&Version::new(2).etag())));
/// assert!(!if_match.matches(Some(&Version::new(3).etag())));
/// assert!(!if_match.matches(None));
///
/// let any = ETagCondition::parse("*")?;
/// assert!(any.matches(Some(&Version::new(3).etag())));
/// # Ok::<(), scim_core::message::ETagError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ETagCondition {
    /// `*`: any current representation.
    Any,
    /// One or more entity tags.
    Tags(Vec<ETag>),
}

impl ETagCondition {
    /// Parses a header value (several header lines are joined with `,` first, as HTTP allows).
    pub fn parse(header: &str) -> Result<Self, ETagError> {
        let error = |kind| ETagError::new(header, kind);
        let trimmed = trim_ows(header);
        if trimmed == "*" {
            return Ok(Self::Any);
        }
        let mut tags = Vec::new();
        let mut rest = trimmed;
        loop {
            // The list rule allows empty elements (`a, , b`).
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                break;
            }
            if rest.starts_with('*') {
                return Err(error(ETagErrorKind::WildcardInList));
            }
            let (tag, after) = parse_one(rest).map_err(error)?;
            tags.push(tag);
            let after = after.trim_start_matches([' ', '\t']);
            if !(after.is_empty() || after.starts_with(',')) {
                return Err(error(ETagErrorKind::TrailingText));
            }
            rest = after;
        }
        if tags.is_empty() {
            return Err(error(ETagErrorKind::Empty));
        }
        Ok(Self::Tags(tags))
    }

    /// Whether the condition holds for a resource whose current tag is `current` (`None` when
    /// the resource does not exist).
    ///
    /// For `If-Match`, proceed only when this is true (else 412). For `If-None-Match`, proceed
    /// only when it is false (else 304 for reads, 412 for writes).
    pub fn matches(&self, current: Option<&ETag>) -> bool {
        match (self, current) {
            (_, None) => false,
            (Self::Any, Some(_)) => true,
            (Self::Tags(tags), Some(current)) => tags.iter().any(|t| t.weak_eq(current)),
        }
    }
}

impl FromStr for ETagCondition {
    type Err = ETagError;

    fn from_str(header: &str) -> Result<Self, Self::Err> {
        Self::parse(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(text: &str) -> Option<ETagErrorKind> {
        ETagCondition::parse(text).err().map(|e| e.kind())
    }

    #[test]
    fn single_tags_parse_in_both_forms() {
        let weak: ETag = r#"W/"a330bc54f0671c9""#.parse().unwrap();
        assert!(weak.is_weak());
        let strong: ETag = r#" "xyzzy" "#.parse().unwrap();
        assert!(!strong.is_weak());
        assert_eq!(strong.to_string(), r#""xyzzy""#);
        let empty: ETag = r#""""#.parse().unwrap();
        assert_eq!(empty.tag(), "");
        let err = |t: &str| t.parse::<ETag>().unwrap_err().kind();
        assert_eq!(err("xyzzy"), ETagErrorKind::Unquoted);
        assert_eq!(err(r#"w/"x""#), ETagErrorKind::Unquoted);
        assert_eq!(err(r#""x"#), ETagErrorKind::Unterminated);
        assert_eq!(err(r#""a b""#), ETagErrorKind::InvalidCharacter);
        assert_eq!(err(r#""a"b"#), ETagErrorKind::TrailingText);
        assert_eq!(err(r#""a", "b""#), ETagErrorKind::NotSingle);
        assert_eq!(err("*"), ETagErrorKind::NotSingle);
        assert_eq!(err("  "), ETagErrorKind::Empty);
    }

    #[test]
    fn constructors_refuse_characters_tags_cannot_hold() {
        assert!(ETag::weak("abc").is_ok());
        assert!(ETag::weak("ab\"c").is_err());
        assert!(ETag::strong("a b").is_err());
        assert!(ETag::strong("ü").is_ok());
    }

    #[test]
    fn header_lists_parse_with_optional_whitespace_and_empty_elements() {
        let condition = ETagCondition::parse(r#" "a" ,W/"b",, "c""#).unwrap();
        let ETagCondition::Tags(tags) = condition else {
            panic!("expected tags")
        };
        let texts: Vec<_> = tags.iter().map(ToString::to_string).collect();
        assert_eq!(texts, [r#""a""#, r#"W/"b""#, r#""c""#]);
        assert_eq!(ETagCondition::parse(" * ").unwrap(), ETagCondition::Any);
        assert_eq!(kind_of(""), Some(ETagErrorKind::Empty));
        assert_eq!(kind_of(" , "), Some(ETagErrorKind::Empty));
        assert_eq!(kind_of(r#""a", *"#), Some(ETagErrorKind::WildcardInList));
        assert_eq!(kind_of(r#""a" "b""#), Some(ETagErrorKind::TrailingText));
        assert_eq!(kind_of("W/abc"), Some(ETagErrorKind::Unquoted));
    }

    #[test]
    fn conditions_compare_weakly() {
        let condition = ETagCondition::parse(r#""5""#).unwrap();
        assert!(condition.matches(Some(&Version::new(5).etag())));
        assert!(!ETagCondition::Any.matches(None));
        let a = ETag::weak("1").unwrap();
        let b = ETag::strong("1").unwrap();
        assert!(a.weak_eq(&b));
        assert!(!a.strong_eq(&b));
        assert!(b.strong_eq(&b.clone()));
    }

    #[test]
    fn versions_read_back_only_their_own_form() {
        for tag in ["1", "0", "18446744073709551615"] {
            let etag = ETag::weak(tag).unwrap();
            assert_eq!(Version::try_from(&etag).unwrap().etag(), etag);
        }
        for tag in ["", "01", "+1", "-1", "1.0", "abc", "18446744073709551616"] {
            assert!(
                Version::try_from(&ETag::weak(tag).unwrap()).is_err(),
                "{tag}"
            );
        }
        assert_eq!(Version::new(u64::MAX).next(), None);
        assert_eq!(Version::FIRST.get(), 1);
    }

    #[test]
    fn etags_serialise_as_their_header_text() {
        let etag = Version::new(3).etag();
        let json = serde_json::to_string(&etag).unwrap();
        assert_eq!(json, r#""W/\"3\"""#);
        assert_eq!(serde_json::from_str::<ETag>(&json).unwrap(), etag);
        assert!(serde_json::from_str::<ETag>(r#""3""#).is_err());
    }
}

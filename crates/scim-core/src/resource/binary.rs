//! The SCIM `binary` type: base64 text (RFC 7643 §2.3.6).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ScimError, ScimType};

/// Why a text is not base64 as RFC 4648 §4 defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    /// A character outside `A-Z a-z 0-9 + /` and the trailing `=` padding.
    #[error("base64 text contains {0:?} at byte {1}")]
    InvalidCharacter(char, usize),
    /// The length is not a multiple of four, or there are more than two `=`.
    #[error("base64 text has an impossible length or padding")]
    BadLength,
}

impl From<BinaryError> for ScimError {
    fn from(err: BinaryError) -> Self {
        ScimError::new(ScimType::InvalidValue, err.to_string())
    }
}

/// Binary data as base64 text, kept exactly as received (RFC 7643 §2.3.6 asks for the base64
/// alphabet of RFC 4648 §4; `x509Certificates.value` is the standard attribute of this type).
///
/// The text is checked, not decoded: SCIM never interprets the bytes, and keeping the text keeps
/// the round trip exact. The check is validation's (padding required, no line breaks), so a
/// value accepted there reads here and the other way round.
///
/// ```
/// use scim_core::resource::Binary;
///
/// assert!("TWFu".parse::<Binary>().is_ok());
/// assert!("TWE=".parse::<Binary>().is_ok());
/// assert!("TWE".parse::<Binary>().is_err());
/// assert!("not base64!".parse::<Binary>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binary(String);

impl Binary {
    /// Checks `text` and wraps it.
    pub fn new(text: impl Into<String>) -> Result<Self, BinaryError> {
        let text = text.into();
        check_base64(&text)?;
        Ok(Self(text))
    }

    /// The base64 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value, returning its base64 text.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn check_base64(text: &str) -> Result<(), BinaryError> {
    let data = text.trim_end_matches('=');
    let padding = text.len() - data.len();
    for (i, c) in data.char_indices() {
        if !(c.is_ascii_alphanumeric() || c == '+' || c == '/') {
            return Err(BinaryError::InvalidCharacter(c, i));
        }
    }
    // RFC 4648 §4 pads every group to four characters; a final group has at least two data
    // characters, so at most two `=`.
    if text.len().is_multiple_of(4) && padding <= 2 {
        Ok(())
    } else {
        Err(BinaryError::BadLength)
    }
}

impl FromStr for Binary {
    type Err = BinaryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_and_lengths_follow_rfc_4648() {
        for ok in ["", "TWFu", "TWE=", "TQ==", "a+b/"] {
            assert!(Binary::new(ok).is_ok(), "{ok}");
        }
        assert_eq!(Binary::new("T"), Err(BinaryError::BadLength));
        assert_eq!(Binary::new("TWE"), Err(BinaryError::BadLength));
        assert_eq!(Binary::new("T==="), Err(BinaryError::BadLength));
        assert_eq!(Binary::new("TWFu="), Err(BinaryError::BadLength));
        assert_eq!(Binary::new("TQ="), Err(BinaryError::BadLength));
        assert_eq!(Binary::new("TQ==="), Err(BinaryError::BadLength));
        assert_eq!(
            Binary::new("TW-u"),
            Err(BinaryError::InvalidCharacter('-', 2))
        );
        assert_eq!(
            Binary::new("TW\nu"),
            Err(BinaryError::InvalidCharacter('\n', 2))
        );
        assert_eq!(
            Binary::new("T=Fu"),
            Err(BinaryError::InvalidCharacter('=', 1))
        );
    }
}

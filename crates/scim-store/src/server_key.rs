//! The server's own keys, kept in the database so that every process on it agrees on them.

use chrono::{DateTime, Utc};

/// What a server key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// SCIM keys: the bearer tokens identity providers present.
    ScimKey,
    /// Security Event Tokens and other documents the server sends to receivers.
    EventSigning,
}

impl KeyPurpose {
    /// The purpose's name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScimKey => "scim-key",
            Self::EventSigning => "event-signing",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "scim-key" => Some(Self::ScimKey),
            "event-signing" => Some(Self::EventSigning),
            _ => None,
        }
    }
}

/// A key the server signs or verifies with.
///
/// The store keeps the material as given and never interprets it: the algorithm names how the
/// server uses it (`HS256` for a secret, a JWS algorithm with a PEM private key otherwise).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerKey {
    /// The key id (a JWT `kid`), unique across purposes.
    pub id: String,
    /// What it signs.
    pub purpose: KeyPurpose,
    /// The JWS algorithm (`HS256`, `ES256`, ...).
    pub algorithm: String,
    /// The secret or the private key (PEM).
    pub material: String,
    /// Where it came from: `generated`, or the file it was adopted from.
    pub origin: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it stopped signing; `None` for the purpose's current key. A retired key still
    /// verifies what it signed.
    pub retired_at: Option<DateTime<Utc>>,
}

impl ServerKey {
    /// Whether new signatures use this key.
    pub fn is_current(&self) -> bool {
        self.retired_at.is_none()
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key material never reaches logs.
        f.debug_struct("ServerKey")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .field("algorithm", &self.algorithm)
            .field("origin", &self.origin)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_through_their_names() {
        for purpose in [KeyPurpose::ScimKey, KeyPurpose::EventSigning] {
            assert_eq!(KeyPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(KeyPurpose::parse("other"), None);
    }

    #[test]
    fn debug_output_leaves_the_material_out() {
        let key = ServerKey {
            id: "k1".into(),
            purpose: KeyPurpose::ScimKey,
            algorithm: "HS256".into(),
            material: "super-secret-material".into(),
            origin: "generated".into(),
            created_at: DateTime::UNIX_EPOCH,
            retired_at: None,
        };
        assert!(!format!("{key:?}").contains("super-secret"));
    }
}

//! Why a SCIM key is refused, in full: what `scim-server token check` prints. Requests get only
//! the coarse [`AuthError`], so that a caller learns nothing that helps forge a key.

use chrono::{DateTime, Utc};

use super::AuthError;

/// Exactly why a SCIM key is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No `Authorization: Bearer` header, or an empty token.
    #[error("no key: send `Authorization: Bearer <SCIM key>`")]
    Missing,
    /// Not a JWT, or its header or claims cannot be read.
    #[error("malformed: {0}")]
    Malformed(String),
    /// Signed with another algorithm than the server's.
    #[error("signed with {found}, but this server's keys are {expected}")]
    WrongAlgorithm {
        /// The header's `alg`.
        found: String,
        /// The configured algorithm.
        expected: String,
    },
    /// The header's `kid` names no key this server trusts.
    #[error(
        "signed with key {kid}, which this server does not know (its keys: {known}): issued for another database or with a secret since dropped"
    )]
    UnknownKeyId {
        /// The header's `kid`.
        kid: String,
        /// The ids of the keys this server trusts, comma-separated.
        known: String,
    },
    /// No trusted key verifies the signature.
    #[error(
        "the signature does not verify with the key it names: the key was altered or signed elsewhere"
    )]
    WrongSignature,
    /// Another issuer's key.
    #[error("issued by {found:?}, but this server issues and accepts {expected:?} (auth.issuer)")]
    WrongIssuer {
        /// The token's `iss`.
        found: String,
        /// The configured issuer.
        expected: String,
    },
    /// Past its expiry.
    #[error("expired at {at}: issue a new key")]
    Expired {
        /// When it expired.
        at: DateTime<Utc>,
    },
    /// Its tenant does not exist (any more).
    #[error("its tenant {tenant:?} does not exist in this database")]
    UnknownTenant {
        /// The token's tenant.
        tenant: String,
    },
    /// Signed by a trusted key, but no record of issuing it: issued against another database.
    #[error("key {id} was never issued in this database")]
    UnknownToken {
        /// The token's id (`jti`).
        id: String,
    },
    /// The record of its id is of another key (another tenant, or another token text).
    #[error("key {id} does not match the key issued under that id")]
    Mismatch {
        /// The token's id (`jti`).
        id: String,
    },
    /// Revoked.
    #[error("revoked at {at}")]
    Revoked {
        /// When, if the record says.
        at: String,
    },
    /// The database could not be asked.
    #[error("cannot be checked now: the database does not answer")]
    Unavailable,
}

impl From<Refusal> for AuthError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Missing => AuthError::Missing,
            Refusal::Expired { .. } => AuthError::Expired,
            Refusal::Revoked { .. } => AuthError::Revoked,
            Refusal::Unavailable => AuthError::Unavailable,
            Refusal::Malformed(_)
            | Refusal::WrongAlgorithm { .. }
            | Refusal::UnknownKeyId { .. }
            | Refusal::WrongSignature
            | Refusal::WrongIssuer { .. }
            | Refusal::UnknownTenant { .. }
            | Refusal::UnknownToken { .. }
            | Refusal::Mismatch { .. } => AuthError::Invalid,
        }
    }
}

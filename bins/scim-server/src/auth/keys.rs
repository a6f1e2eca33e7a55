//! Signing keys: an HS256 secret or an Ed25519 key pair, and the previous keys still trusted
//! while identity providers move to keys signed with the new one.
//!
//! Every key is known by a key id (`kid`): the first 16 hex digits of the SHA-256 of its
//! verifying material (the secret, or the public key's PEM without whitespace). Tokens carry the
//! id of the key that signed them, so a token is checked against that key alone. Publishing a
//! hash of an HS256 secret gives away nothing the token's own signature does not: both let an
//! attacker test guesses offline, and the secret is at least 32 bytes.

use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::{Digest, Sha256};

use scim_store::Store;

use crate::config::{AuthConfig, SigningAlgorithm};

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key or secret file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A PEM file is not an Ed25519 key.
    #[error("{path} is not an Ed25519 key in PEM form: {source}")]
    Pem {
        /// The file.
        path: String,
        /// What jsonwebtoken said.
        source: jsonwebtoken::errors::Error,
    },
    /// EdDSA was chosen without the key file it needs.
    #[error("auth.algorithm = \"EdDSA\" needs auth.{0}")]
    Missing(&'static str),
    /// The HS256 secret is too short to be safe.
    #[error("the HS256 secret must be at least 32 bytes")]
    WeakSecret,
    /// The system's random number generator failed.
    #[error("cannot generate a secret: {0}")]
    Random(String),
    /// The keys kept in the database could not be read or written.
    #[error("the signing keys in the database: {0}")]
    Store(#[from] scim_store::StoreError),
}

/// The keys tokens are signed and verified with.
pub struct SigningKeys {
    algorithm: Algorithm,
    encoding: Option<EncodingKey>,
    /// The current key, with its key id.
    current: (String, DecodingKey),
    /// Previous keys still trusted, with their ids.
    previous: Vec<(String, DecodingKey)>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key material never reaches logs.
        f.debug_struct("SigningKeys")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// An HS256 key from a secret.
    pub fn hs256(secret: &[u8]) -> Result<Self, KeyError> {
        let secret = strong(secret)?;
        Ok(Self {
            algorithm: Algorithm::HS256,
            encoding: Some(EncodingKey::from_secret(secret)),
            current: (key_id(secret), DecodingKey::from_secret(secret)),
            previous: Vec::new(),
        })
    }

    /// Also accepts tokens signed with the HS256 secret `secret` (a previous one).
    pub fn trust_previous_secret(mut self, secret: &[u8]) -> Result<Self, KeyError> {
        let secret = strong(secret)?;
        self.trust(key_id(secret), DecodingKey::from_secret(secret));
        Ok(self)
    }

    /// Also accepts tokens signed with the Ed25519 key whose public half is `public_pem`.
    pub fn trust_previous_public_key(
        mut self,
        public_pem: &[u8],
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        let decoding = DecodingKey::from_ed_pem(public_pem)?;
        self.trust(pem_key_id(public_pem), decoding);
        Ok(self)
    }

    fn trust(&mut self, id: String, decoding: DecodingKey) {
        if self.current.0 != id && self.previous.iter().all(|(known, _)| *known != id) {
            self.previous.push((id, decoding));
        }
    }

    /// Ed25519 keys from PEM text; without the private key, tokens can be verified only.
    pub fn ed25519(
        private_pem: Option<&[u8]>,
        public_pem: &[u8],
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            algorithm: Algorithm::EdDSA,
            encoding: private_pem.map(EncodingKey::from_ed_pem).transpose()?,
            current: (
                pem_key_id(public_pem),
                DecodingKey::from_ed_pem(public_pem)?,
            ),
            previous: Vec::new(),
        })
    }

    /// Loads the keys the configuration names. Without a configured HS256 secret, the secret is
    /// the one kept in the database (see `auth::stored`), so that every command and every
    /// instance on the database agree on it.
    pub fn load(auth: &AuthConfig, data_dir: &Path, store: &dyn Store) -> Result<Self, KeyError> {
        match auth.algorithm {
            SigningAlgorithm::HS256 => {
                let mut keys = match &auth.secret {
                    Some(secret) => Self::hs256(secret.as_bytes())?,
                    None => {
                        let stored = super::stored::database_secrets(store, data_dir)?;
                        let mut keys = Self::hs256(stored.current.as_bytes())?;
                        for previous in &stored.previous {
                            keys = keys.trust_previous_secret(previous.as_bytes())?;
                        }
                        keys
                    }
                };
                for previous in &auth.previous_secrets {
                    keys = keys.trust_previous_secret(previous.as_bytes())?;
                }
                Ok(keys)
            }
            SigningAlgorithm::EdDSA => {
                let public_file = auth
                    .public_key_file
                    .as_deref()
                    .ok_or(KeyError::Missing("public_key_file"))?;
                let public = read(public_file)?;
                let private = auth.private_key_file.as_deref().map(read).transpose()?;
                let pem_error = |path: &Path| {
                    let path = path.display().to_string();
                    move |source| KeyError::Pem { path, source }
                };
                let mut keys =
                    Self::ed25519(private.as_deref(), &public).map_err(pem_error(public_file))?;
                for previous in &auth.previous_public_key_files {
                    keys = keys
                        .trust_previous_public_key(&read(previous)?)
                        .map_err(pem_error(previous))?;
                }
                Ok(keys)
            }
        }
    }

    /// Whether the keys come from the database (an HS256 secret that is not configured), so
    /// that other processes may add some: worth loading again on an unknown key id.
    pub fn kept_in_database(auth: &AuthConfig) -> bool {
        auth.algorithm == SigningAlgorithm::HS256 && auth.secret.is_none()
    }

    /// The ids of the trusted keys, the current one first.
    pub fn key_ids(&self) -> Vec<&str> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The algorithm in use.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key to sign with, when this process holds it.
    pub fn encoding(&self) -> Option<&EncodingKey> {
        self.encoding.as_ref()
    }

    /// The id of the key new tokens are signed with.
    pub fn key_id(&self) -> &str {
        &self.current.0
    }

    /// The current key to verify with.
    pub fn decoding(&self) -> &DecodingKey {
        &self.current.1
    }

    /// The keys a token whose header names `kid` may have been signed with: the one with that
    /// id, or, for a token without one (issued before tokens carried it), every trusted key.
    pub fn verifying_keys<'k>(
        &'k self,
        kid: Option<&'k str>,
    ) -> impl Iterator<Item = &'k DecodingKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .filter(move |(id, _)| kid.is_none_or(|kid| kid == id))
            .map(|(_, key)| key)
    }
}

/// `secret`, if it is long enough to be safe as an HS256 key.
fn strong(secret: &[u8]) -> Result<&[u8], KeyError> {
    if secret.len() < 32 {
        return Err(KeyError::WeakSecret);
    }
    Ok(secret)
}

/// The id of a key: the first 16 hex digits of the SHA-256 of its verifying material.
pub(super) fn key_id(material: &[u8]) -> String {
    Sha256::digest(material)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The same key written with other line breaks or indentation keeps its id.
fn pem_key_id(pem: &[u8]) -> String {
    let compact: Vec<u8> = pem
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    key_id(&compact)
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.display().to_string(),
        source,
    })
}

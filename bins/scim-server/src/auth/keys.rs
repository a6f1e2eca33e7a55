//! Signing keys: an HS256 secret or an Ed25519 key pair.

use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

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
}

/// The keys tokens are signed and verified with.
pub struct SigningKeys {
    algorithm: Algorithm,
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
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
        if secret.len() < 32 {
            return Err(KeyError::WeakSecret);
        }
        Ok(Self {
            algorithm: Algorithm::HS256,
            encoding: Some(EncodingKey::from_secret(secret)),
            decoding: DecodingKey::from_secret(secret),
        })
    }

    /// Ed25519 keys from PEM text; without the private key, tokens can be verified only.
    pub fn ed25519(
        private_pem: Option<&[u8]>,
        public_pem: &[u8],
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            algorithm: Algorithm::EdDSA,
            encoding: private_pem.map(EncodingKey::from_ed_pem).transpose()?,
            decoding: DecodingKey::from_ed_pem(public_pem)?,
        })
    }

    /// Loads the keys the configuration names, generating an HS256 secret in `data_dir` the
    /// first time when none is configured.
    pub fn load(auth: &AuthConfig, data_dir: &Path) -> Result<Self, KeyError> {
        match auth.algorithm {
            SigningAlgorithm::HS256 => match &auth.secret {
                Some(secret) => Self::hs256(secret.as_bytes()),
                None => Self::hs256(&stored_secret(data_dir)?),
            },
            SigningAlgorithm::EdDSA => {
                let public_file = auth
                    .public_key_file
                    .as_deref()
                    .ok_or(KeyError::Missing("public_key_file"))?;
                let public = read(public_file)?;
                let private = auth.private_key_file.as_deref().map(read).transpose()?;
                Self::ed25519(private.as_deref(), &public).map_err(|source| KeyError::Pem {
                    path: public_file.display().to_string(),
                    source,
                })
            }
        }
    }

    /// The algorithm in use.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key to sign with, when this process holds it.
    pub fn encoding(&self) -> Option<&EncodingKey> {
        self.encoding.as_ref()
    }

    /// The key to verify with.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// The secret in `<data_dir>/jwt-secret`, created (64 random hex digits, mode 0600) if absent.
fn stored_secret(data_dir: &Path) -> Result<Vec<u8>, KeyError> {
    let path = data_dir.join("jwt-secret");
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(secret) => return Ok(secret.trim().as_bytes().to_vec()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        Err(_) => {}
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write as _;
    match options.open(&path) {
        Ok(mut file) => file.write_all(secret.as_bytes()).map_err(io)?,
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return std::fs::read_to_string(&path)
                .map(|s| s.trim().as_bytes().to_vec())
                .map_err(io);
        }
        Err(e) => return Err(io(e)),
    }
    Ok(secret.into_bytes())
}

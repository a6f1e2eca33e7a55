//! The key Security Event Tokens are signed with: an ES256 (P-256) key pair, generated the first
//! time one is needed and kept in the database (`server_keys`, purpose `event-signing`, the
//! private key as PKCS#8 PEM), so that every process on the database signs with the same key.
//! Processes that need the first key at the same time each offer one; the store keeps one
//! current key per purpose, so one offer wins and everyone reads it back.
//!
//! Receivers verify with the public keys served as a JWKS at `/.well-known/jwks.json`: the
//! current key and every retired one still in the database, each with its `kid` (its RFC 7638
//! thumbprint), `alg` and `use`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use scim_store::{KeyPurpose, ServerKey, Store, StoreError};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The JWS algorithm of event signatures.
pub(crate) const ALGORITHM: &str = "ES256";

/// How long the keys read from the database are used before being read again (a key added or
/// retired by another process is seen within this time).
const REFRESH: Duration = Duration::from_secs(60);

/// Why the event-signing key is unusable.
#[derive(Debug, thiserror::Error)]
pub enum EventKeyError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored key is not a P-256 private key in PKCS#8 PEM.
    #[error("event-signing key {0} is not a P-256 PKCS#8 private key")]
    Malformed(String),
    /// No randomness for a new key.
    #[error("no randomness for a new event-signing key: {0}")]
    Random(String),
}

/// The key that signs now. Kept parsed: deriving a signing key from PKCS#8 costs a scalar
/// multiplication, as much as the signature itself.
#[derive(Clone)]
pub(crate) struct Signing {
    pub(crate) kid: String,
    pub(crate) key: Arc<p256::ecdsa::SigningKey>,
}

struct Loaded {
    at: Instant,
    signing: Signing,
    jwks: Arc<Value>,
}

/// The event-signing keys of the database, read (and, the first time, generated) on demand.
pub struct EventKeys {
    store: Arc<dyn Store>,
    loaded: Mutex<Option<Loaded>>,
}

impl std::fmt::Debug for EventKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventKeys").finish_non_exhaustive()
    }
}

impl EventKeys {
    /// Keys kept in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            loaded: Mutex::new(None),
        }
    }

    /// The current signing key, generated if the database has none.
    pub(crate) fn signing(&self) -> Result<Signing, EventKeyError> {
        self.with_loaded(|loaded| loaded.signing.clone())
    }

    /// The public keys as a JWK Set (RFC 7517 §5).
    pub fn jwks(&self) -> Result<Arc<Value>, EventKeyError> {
        self.with_loaded(|loaded| loaded.jwks.clone())
    }

    fn with_loaded<T>(&self, f: impl FnOnce(&Loaded) -> T) -> Result<T, EventKeyError> {
        // A poisoned lock only means another thread panicked while loading: load again.
        let mut guard = self
            .loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(loaded) = guard.as_ref()
            && loaded.at.elapsed() < REFRESH
        {
            return Ok(f(loaded));
        }
        let loaded = load(&*self.store)?;
        let out = f(&loaded);
        *guard = Some(loaded);
        Ok(out)
    }
}

fn load(store: &dyn Store) -> Result<Loaded, EventKeyError> {
    let mut keys = store.server_keys(KeyPurpose::EventSigning)?;
    if !keys.iter().any(ServerKey::is_current) {
        let offered = generate()?;
        // Another process may add the first key at the same moment: then its key is used.
        if store.add_server_key(&offered)? {
            tracing::info!(kid = %offered.id, "generated the key Security Event Tokens are signed with, kept in the database");
        }
        keys = store.server_keys(KeyPurpose::EventSigning)?;
    }
    let mut jwks = Vec::new();
    let mut signing = None;
    for key in keys.iter().filter(|k| k.algorithm == ALGORITHM) {
        let secret = p256::SecretKey::from_pkcs8_pem(&key.material)
            .map_err(|_| EventKeyError::Malformed(key.id.clone()))?;
        jwks.push(public_jwk(&secret, &key.id));
        if key.is_current() && signing.is_none() {
            signing = Some(Signing {
                kid: key.id.clone(),
                key: Arc::new(p256::ecdsa::SigningKey::from(&secret)),
            });
        }
    }
    let signing = signing.ok_or_else(|| {
        EventKeyError::Store(StoreError::Corrupt(
            "no current ES256 event-signing key in server_keys".into(),
        ))
    })?;
    Ok(Loaded {
        at: Instant::now(),
        signing,
        jwks: Arc::new(json!({ "keys": jwks })),
    })
}

/// A new P-256 key, its id the RFC 7638 thumbprint of its public key.
fn generate() -> Result<ServerKey, EventKeyError> {
    let secret = loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| EventKeyError::Random(e.to_string()))?;
        // Fails only for zero or a value at least the group order: about 2^-32 of draws.
        if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
            break secret;
        }
    };
    let pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| EventKeyError::Random(e.to_string()))?;
    let (x, y) = coordinates(&secret);
    Ok(ServerKey {
        id: thumbprint(&x, &y),
        purpose: KeyPurpose::EventSigning,
        algorithm: ALGORITHM.into(),
        material: pem.to_string(),
        origin: "generated".into(),
        created_at: Utc::now(),
        retired_at: None,
    })
}

/// The public key's coordinates, base64url without padding (RFC 7518 §6.2.1).
fn coordinates(secret: &p256::SecretKey) -> (String, String) {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let point = secret.public_key().to_encoded_point(false);
    let encode =
        |c: Option<&p256::FieldBytes>| c.map(|c| URL_SAFE_NO_PAD.encode(c)).unwrap_or_default();
    (encode(point.x()), encode(point.y()))
}

/// RFC 7638: the SHA-256 of the key's required members in lexicographic order, base64url.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn public_jwk(secret: &p256::SecretKey, kid: &str) -> Value {
    let (x, y) = coordinates(secret);
    json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": ALGORITHM, "use": "sig"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_need_generates_one_key_that_everyone_then_uses() {
        let store = crate::test_store::memory_store();
        let a = EventKeys::new(store.clone());
        let b = EventKeys::new(store.clone());
        let kid = a.signing().unwrap().kid;
        assert_eq!(b.signing().unwrap().kid, kid);
        let stored = store.server_keys(KeyPurpose::EventSigning).unwrap();
        assert_eq!(stored.len(), 1);
        assert!(
            stored[0]
                .material
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        let jwks = a.jwks().unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(key["kid"], kid.as_str());
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(key["alg"], "ES256");
        assert_eq!(key["use"], "sig");
        assert!(key.get("d").is_none(), "never the private part");
        assert_eq!(
            thumbprint(key["x"].as_str().unwrap(), key["y"].as_str().unwrap()),
            kid
        );
    }

    #[test]
    fn retired_keys_stay_in_the_set() {
        let store = crate::test_store::memory_store();
        let old = EventKeys::new(store.clone()).signing().unwrap().kid;
        assert!(store.retire_server_key(&old).unwrap());
        let keys = EventKeys::new(store.clone());
        let new = keys.signing().unwrap().kid;
        assert_ne!(new, old);
        let jwks = keys.jwks().unwrap();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, [new.as_str(), old.as_str()]);
    }

    #[test]
    fn signatures_verify_with_the_published_key() {
        let keys = EventKeys::new(crate::test_store::memory_store());
        let signing = keys.signing().unwrap();
        let token = super::super::set::sign(&json!({"jti": "x"}), &signing);
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("secevent+jwt"));
        assert_eq!(header.kid.as_deref(), Some(signing.kid.as_str()));
        let jwks: jsonwebtoken::jwk::JwkSet =
            serde_json::from_value((*keys.jwks().unwrap()).clone()).unwrap();
        let jwk = jwks.find(&signing.kid).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
        assert_eq!(decoded.claims["jti"], "x");
    }
}

//! Standard Webhooks signatures (Standard Webhooks 1.0, "Signature scheme"): the symmetric
//! scheme, HMAC-SHA256 with a per-subscription secret.
//!
//! A secret is written `whsec_` followed by the base64 of its random bytes. Each request carries
//! `webhook-id` (the event's id, the same on every redelivery), `webhook-timestamp` (Unix
//! seconds of the attempt) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256, keyed with
//! the secret's bytes, of `{id}.{timestamp}.{body}`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// How many random bytes a new secret has (the scheme asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// Why a secret cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Not `whsec_` and base64.
    #[error("the signing secret is not whsec_ followed by base64")]
    Malformed,
    /// The operating system gave no random bytes.
    #[error("no randomness for a new secret: {0}")]
    Random(String),
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes. Shown to the subscriber
/// once, when the subscription is created or its secret rotated.
pub fn new_secret() -> Result<String, SecretError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(format!("{PREFIX}{}", STANDARD.encode(bytes)))
}

/// A secret's key bytes: the base64 after `whsec_` (the prefix may be left out, and padding
/// too, as the reference libraries accept).
fn key(secret: &str) -> Result<Vec<u8>, SecretError> {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    let encoded = encoded.trim_end_matches('=');
    let key = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(encoded)
        .map_err(|_| SecretError::Malformed)?;
    if key.is_empty() {
        return Err(SecretError::Malformed);
    }
    Ok(key)
}

/// The `webhook-signature` header for a message: `v1,` and the signature.
pub fn signature(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SecretError> {
    let key = key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SecretError::Malformed)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors published with the reference libraries of the specification
    /// (standard-webhooks/standard-webhooks, `libraries/python/tests/test_webhooks.py`
    /// `test_sign_function` and `libraries/rust/src/lib.rs` `test_sign`).
    #[test]
    fn signatures_match_the_published_test_vectors() {
        assert_eq!(
            signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#,
            )
            .unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(
            signature(
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1_649_367_553,
                br#"{"email":"test@example.com","username":"test_user"}"#,
            )
            .unwrap(),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn the_prefix_and_padding_are_optional() {
        let with = signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, b"{}").unwrap();
        let without = signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, b"{}").unwrap();
        assert_eq!(with, without);
        assert_eq!(
            signature("whsec_", "m", 1, b"{}"),
            Err(SecretError::Malformed)
        );
        assert_eq!(
            signature("whsec_not base64!", "m", 1, b"{}"),
            Err(SecretError::Malformed)
        );
    }

    #[test]
    fn new_secrets_are_whsec_and_32_random_bytes() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_"));
        assert_eq!(key(&a).unwrap().len(), 32);
    }
}

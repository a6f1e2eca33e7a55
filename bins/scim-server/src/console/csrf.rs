//! Cross-site request forgery: every state-changing form carries its session's token (the
//! synchronizer token pattern), and a form posted without it, or with another, is refused.
//!
//! The token is derived from the session id, which only the session's browser holds (in an
//! HttpOnly cookie): a page of another site can make the browser send the cookie (SameSite=Strict
//! already stops that in current browsers) but can neither read it nor the token. Deriving it
//! rather than storing it keeps the database free of anything a session could be used with.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The form field that carries the token.
pub(super) const FIELD: &str = "csrf";

/// The token of the session whose id is `session_id`.
pub(super) fn token(session_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"scim-console-csrf\0")
        .chain_update(session_id.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Whether `presented` is the session's token, compared in time that does not depend on where
/// they differ.
pub(super) fn matches(session_id: &str, presented: Option<&str>) -> bool {
    let Some(presented) = presented else {
        return false;
    };
    let expected = token(session_id);
    let (a, b) = (
        Sha256::digest(presented.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |diff, (x, y)| diff | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sessions_own_token_matches() {
        let token_a = token("session-a");
        assert!(matches("session-a", Some(&token_a)));
        assert!(!matches("session-b", Some(&token_a)));
        assert!(!matches("session-a", Some("")));
        assert!(!matches("session-a", None));
        assert_ne!(token("session-a"), token("session-b"));
    }
}

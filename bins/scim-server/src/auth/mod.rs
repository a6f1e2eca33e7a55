//! SCIM keys: JWTs naming a tenant, a token id and scopes, signed with the server's key, and
//! checked on every request against the token records (for revocation).
//!
//! Verification is cached: a token verified once is trusted for `auth.cache_seconds` without
//! another signature check or database read. Revocation still takes effect within
//! `auth.revocation_poll_seconds`, because a background task reads the ids of recently revoked
//! tokens and evicts them from the cache, on every instance.

mod duration;
mod keys;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Header, Validation};
use scim_store::{NewToken, Scope, Store, StoreError, TenantId, TokenRecord};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use duration::parse_duration;
pub use keys::{KeyError, SigningKeys};

/// The claims of a SCIM key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The issuer (`auth.issuer`).
    pub iss: String,
    /// The tenant the key acts for.
    pub tenant: String,
    /// The token id, also the id of its record.
    pub jti: String,
    /// Space-separated scopes: `read`, `write`.
    pub scope: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Who a verified request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant.
    pub tenant: TenantId,
    /// The token id.
    pub token_id: String,
    /// What the token may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether the token carries `scope`.
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Why a request is not authenticated. Every variant is a 401; the detail is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header, or an empty token.
    #[error("a bearer token is required (Authorization: Bearer <SCIM key>)")]
    Missing,
    /// The token is not a JWT this server signed, or its claims are malformed.
    #[error("the bearer token is not a valid SCIM key for this server")]
    Invalid,
    /// The token has expired.
    #[error("the SCIM key has expired; issue a new one")]
    Expired,
    /// The token was revoked.
    #[error("the SCIM key has been revoked")]
    Revoked,
    /// The token could not be checked because the database failed.
    #[error("the SCIM key cannot be checked right now")]
    Unavailable,
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// This process holds no private key (EdDSA configured with a public key only).
    #[error("no signing key: configure auth.private_key_file to issue tokens")]
    NoSigningKey,
    /// Signing failed.
    #[error("cannot sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
    /// Recording the token failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The SHA-256 of a token, hex-encoded: what token records keep instead of the token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token of an `Authorization: Bearer <token>` header value (the scheme ignores case); an
/// absent header, another scheme or an empty token is [`AuthError::Missing`].
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, AuthError> {
    authorization
        .and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Missing)
}

/// What `token issue` needs.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The tenant (which must exist).
    pub tenant: TenantId,
    /// How long the token is valid.
    pub valid_for: Duration,
    /// Whether it may write.
    pub write: bool,
    /// A note for operators.
    pub description: String,
}

/// Signs a new token and records it; returns the token (shown once, never stored) and its
/// record.
pub fn issue_token(
    store: &dyn Store,
    keys: &SigningKeys,
    issuer: &str,
    request: &IssueRequest,
    now: DateTime<Utc>,
) -> Result<(String, TokenRecord), IssueError> {
    let encoding = keys.encoding().ok_or(IssueError::NoSigningKey)?;
    let scopes = if request.write {
        vec![Scope::Read, Scope::Write]
    } else {
        vec![Scope::Read]
    };
    let expires_at = now + request.valid_for;
    let claims = Claims {
        iss: issuer.to_owned(),
        tenant: request.tenant.to_string(),
        jti: uuid::Uuid::new_v4().to_string(),
        scope: scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    let mut header = Header::new(keys.algorithm());
    header.kid = Some(keys.key_id().to_owned());
    let token = jsonwebtoken::encode(&header, &claims, encoding)?;
    let record = store.insert_token(&NewToken {
        id: claims.jti.clone(),
        tenant: request.tenant.clone(),
        token_hash: token_hash(&token),
        scopes,
        description: request.description.clone(),
        issued_at: now,
        expires_at: Some(expires_at),
    })?;
    Ok((token, record))
}

struct CachedToken {
    principal: Principal,
    expires_at: i64,
    checked_at: Instant,
}

/// Verifies bearer tokens, with a cache and revocation polling.
pub struct Authenticator {
    store: Arc<dyn Store>,
    keys: SigningKeys,
    validation: Validation,
    cache_for: StdDuration,
    cache: RwLock<HashMap<[u8; 32], CachedToken>>,
    revoked: RwLock<HashSet<String>>,
}

/// Entries beyond this are dropped wholesale: a flood of distinct tokens cannot grow memory.
const MAX_CACHED_TOKENS: usize = 10_000;

impl Authenticator {
    /// An authenticator that checks signatures with `keys`, the issuer, and the token records
    /// in `store`.
    pub fn new(
        store: Arc<dyn Store>,
        keys: SigningKeys,
        issuer: &str,
        cache_for: StdDuration,
    ) -> Self {
        // Only the configured algorithm is accepted: `alg: none` and algorithm confusion fail.
        let mut validation = Validation::new(keys.algorithm());
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.leeway = 0;
        Self {
            store,
            keys,
            validation,
            cache_for,
            cache: RwLock::new(HashMap::new()),
            revoked: RwLock::new(HashSet::new()),
        }
    }

    /// The signing keys (for issuing tokens from the same process).
    pub fn keys(&self) -> &SigningKeys {
        &self.keys
    }

    /// The principal of a key verified recently, found without any I/O or signature check: the
    /// fast path a request can take on the async executor. `None` means "ask
    /// [`Authenticator::authenticate`]", which may read the database.
    pub fn cached_principal(
        &self,
        authorization: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<Principal> {
        let token = bearer_token(authorization).ok()?;
        self.cached(&Sha256::digest(token.as_bytes()).into(), now)
    }

    /// Checks the value of an `Authorization` header; may read the token's record from the
    /// database, so call it off the async executor.
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Principal, AuthError> {
        let token = bearer_token(authorization)?;
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(principal) = self.cached(&key, now) {
            return Ok(principal);
        }
        let claims = self.verified_claims(token)?;
        if claims.exp <= now.timestamp() {
            return Err(AuthError::Expired);
        }
        let record = self
            .store
            .token(&claims.jti)
            .map_err(|_| AuthError::Unavailable)?
            .ok_or(AuthError::Invalid)?;
        if record.tenant.as_str() != claims.tenant || record.token_hash != token_hash(token) {
            return Err(AuthError::Invalid);
        }
        if record.revoked_at.is_some() || self.is_revoked(&claims.jti) {
            return Err(AuthError::Revoked);
        }
        if !record.is_usable_at(now) {
            return Err(AuthError::Expired);
        }
        let principal = Principal {
            tenant: record.tenant,
            token_id: record.id,
            scopes: record.scopes,
        };
        self.remember(key, &principal, claims.exp);
        Ok(principal)
    }

    /// The claims of `token` if a trusted key signed it: the key its header names, or for a
    /// token without a key id, any trusted key.
    fn verified_claims(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid)?;
        for key in self.keys.verifying_keys(header.kid.as_deref()) {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => return Ok(data.claims),
                // The signature is checked before the expiry: this key signed it.
                Err(e) if *e.kind() == jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    return Err(AuthError::Expired);
                }
                Err(_) => {}
            }
        }
        Err(AuthError::Invalid)
    }

    fn cached(&self, key: &[u8; 32], now: DateTime<Utc>) -> Option<Principal> {
        let cache = self.cache.read().ok()?;
        let entry = cache.get(key)?;
        let fresh =
            entry.checked_at.elapsed() < self.cache_for && entry.expires_at > now.timestamp();
        (fresh && !self.is_revoked(&entry.principal.token_id)).then(|| entry.principal.clone())
    }

    fn remember(&self, key: [u8; 32], principal: &Principal, expires_at: i64) {
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= MAX_CACHED_TOKENS {
                cache.clear();
            }
            cache.insert(
                key,
                CachedToken {
                    principal: principal.clone(),
                    expires_at,
                    checked_at: Instant::now(),
                },
            );
        }
    }

    fn is_revoked(&self, token_id: &str) -> bool {
        self.revoked
            .read()
            .map(|r| r.contains(token_id))
            .unwrap_or(true)
    }

    /// Marks tokens revoked and evicts them from the cache.
    pub fn note_revoked(&self, token_ids: impl IntoIterator<Item = String>) {
        let ids: Vec<String> = token_ids.into_iter().collect();
        if ids.is_empty() {
            return;
        }
        if let Ok(mut cache) = self.cache.write() {
            cache.retain(|_, entry| !ids.contains(&entry.principal.token_id));
        }
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.extend(ids);
        }
    }

    /// Reads revocations since `since` from the store; returns the time to ask from next.
    pub fn poll_revocations(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError> {
        let ids = self.store.revoked_since(since)?;
        self.note_revoked(ids);
        // Overlap the next window a little: clocks of several instances are not identical.
        Ok(now - Duration::seconds(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::schema::SchemaRegistry;
    use scim_store::{StoreBuilder, TenantSettings};

    fn setup() -> (Arc<dyn Store>, Authenticator, TenantId) {
        let store = StoreBuilder::new(SchemaRegistry::standard())
            .open("sqlite::memory:")
            .unwrap();
        let tenant = TenantId::new("acme").unwrap();
        store
            .create_tenant(&tenant, &TenantSettings::default())
            .unwrap();
        let keys = SigningKeys::hs256(&[7u8; 32]).unwrap();
        let auth = Authenticator::new(store.clone(), keys, "test", StdDuration::from_secs(60));
        (store, auth, tenant)
    }

    fn issue(store: &dyn Store, auth: &Authenticator, tenant: &TenantId, write: bool) -> String {
        let request = IssueRequest {
            tenant: tenant.clone(),
            valid_for: Duration::days(1),
            write,
            description: String::new(),
        };
        issue_token(store, auth.keys(), "test", &request, Utc::now())
            .unwrap()
            .0
    }

    #[test]
    fn issued_tokens_authenticate_with_their_tenant_and_scopes() {
        let (store, auth, tenant) = setup();
        let token = issue(&*store, &auth, &tenant, false);
        let principal = auth
            .authenticate(Some(&format!("Bearer {token}")), Utc::now())
            .unwrap();
        assert_eq!(principal.tenant, tenant);
        assert!(principal.may(Scope::Read));
        assert!(!principal.may(Scope::Write));
        // Cached now, and still right.
        assert_eq!(
            auth.authenticate(Some(&format!("bearer  {token} ")), Utc::now())
                .unwrap(),
            principal
        );
    }

    #[test]
    fn bad_tokens_are_refused() {
        let (store, auth, tenant) = setup();
        let token = issue(&*store, &auth, &tenant, true);
        let now = Utc::now();
        assert_eq!(auth.authenticate(None, now), Err(AuthError::Missing));
        assert_eq!(
            auth.authenticate(Some("Bearer "), now),
            Err(AuthError::Missing)
        );
        assert_eq!(
            auth.authenticate(Some("Basic abc"), now),
            Err(AuthError::Missing)
        );
        assert_eq!(
            auth.authenticate(Some("Bearer not.a.jwt"), now),
            Err(AuthError::Invalid)
        );
        // Signed with another key.
        let other = SigningKeys::hs256(&[8u8; 32]).unwrap();
        let forged_claims =
            jsonwebtoken::decode::<Claims>(&token, auth.keys().decoding(), &auth.validation)
                .unwrap()
                .claims;
        let forged = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &forged_claims,
            other.encoding().unwrap(),
        )
        .unwrap();
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {forged}")), now),
            Err(AuthError::Invalid)
        );
        // alg: none.
        let mut parts = token.split('.');
        let (_, payload) = (parts.next(), parts.next().unwrap());
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {none}")), now),
            Err(AuthError::Invalid)
        );
        // Expired.
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {token}")), now + Duration::days(2)),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn ed25519_keys_sign_and_a_public_key_alone_verifies() {
        let (store, _, tenant) = setup();
        let private = include_bytes!("../../test_data/keys/ed25519-private.pem");
        let public = include_bytes!("../../test_data/keys/ed25519-public.pem");
        let signer = SigningKeys::ed25519(Some(private), public).unwrap();
        let request = IssueRequest {
            tenant: tenant.clone(),
            valid_for: Duration::days(1),
            write: true,
            description: String::new(),
        };
        let (token, _) = issue_token(&*store, &signer, "test", &request, Utc::now()).unwrap();
        let verifier = SigningKeys::ed25519(None, public).unwrap();
        assert!(verifier.encoding().is_none());
        let auth = Authenticator::new(store.clone(), verifier, "test", StdDuration::from_secs(60));
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {token}")), Utc::now())
                .unwrap()
                .tenant,
            tenant
        );
        // An HS256 token signed with the public key's bytes (algorithm confusion) is refused.
        let confused = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &jsonwebtoken::decode::<Claims>(&token, auth.keys().decoding(), &auth.validation)
                .unwrap()
                .claims,
            &jsonwebtoken::EncodingKey::from_secret(public),
        )
        .unwrap();
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {confused}")), Utc::now()),
            Err(AuthError::Invalid)
        );
        let unusable = issue_token(&*store, auth.keys(), "test", &request, Utc::now());
        assert!(matches!(unusable, Err(IssueError::NoSigningKey)));
    }

    #[test]
    fn keys_of_a_previous_secret_work_while_it_is_trusted() {
        let (store, old_auth, tenant) = setup();
        let old_token = issue(&*store, &old_auth, &tenant, true);
        let header: jsonwebtoken::Header = jsonwebtoken::decode_header(&old_token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(old_auth.keys().key_id()));
        let old_secret = [7u8; 32];
        let new_secret = [9u8; 32];
        let rotated = SigningKeys::hs256(&new_secret)
            .unwrap()
            .trust_previous_secret(&old_secret)
            .unwrap();
        assert_ne!(rotated.key_id(), old_auth.keys().key_id());
        let auth = Authenticator::new(store.clone(), rotated, "test", StdDuration::from_secs(60));
        let new_token = issue(&*store, &auth, &tenant, true);
        for token in [&old_token, &new_token] {
            assert_eq!(
                auth.authenticate(Some(&format!("Bearer {token}")), Utc::now())
                    .unwrap()
                    .tenant,
                tenant
            );
        }
        // Once the previous secret is dropped, its keys stop working.
        let dropped = SigningKeys::hs256(&new_secret).unwrap();
        let auth = Authenticator::new(store.clone(), dropped, "test", StdDuration::from_secs(60));
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {old_token}")), Utc::now()),
            Err(AuthError::Invalid)
        );
        assert!(
            auth.authenticate(Some(&format!("Bearer {new_token}")), Utc::now())
                .is_ok()
        );
    }

    #[test]
    fn a_key_id_selects_the_one_key_that_may_have_signed() {
        let (store, auth, tenant) = setup();
        let token = issue(&*store, &auth, &tenant, true);
        let claims =
            jsonwebtoken::decode::<Claims>(&token, auth.keys().decoding(), &auth.validation)
                .unwrap()
                .claims;
        // A token signed with the current key and recorded like an issued one, whose header
        // names `kid`.
        let sign = |kid: Option<&str>| {
            let claims = Claims {
                jti: uuid::Uuid::new_v4().to_string(),
                ..claims.clone()
            };
            let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
            header.kid = kid.map(str::to_owned);
            let token =
                jsonwebtoken::encode(&header, &claims, auth.keys().encoding().unwrap()).unwrap();
            store
                .insert_token(&NewToken {
                    id: claims.jti.clone(),
                    tenant: tenant.clone(),
                    token_hash: token_hash(&token),
                    scopes: vec![Scope::Read],
                    description: String::new(),
                    issued_at: Utc::now(),
                    expires_at: None,
                })
                .unwrap();
            token
        };
        let now = Utc::now();
        // Tokens issued before they carried a key id still verify.
        assert!(
            auth.authenticate(Some(&format!("Bearer {}", sign(None))), now)
                .is_ok()
        );
        // A key id nobody trusts is refused, even over a good signature.
        assert_eq!(
            auth.authenticate(
                Some(&format!("Bearer {}", sign(Some("0123456789abcdef")))),
                now
            ),
            Err(AuthError::Invalid)
        );
        // Expired is still told apart from invalid.
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {token}")), now + Duration::days(2)),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn configured_previous_secrets_are_trusted() {
        let auth = crate::config::AuthConfig {
            secret: Some("n".repeat(32)),
            previous_secrets: vec!["o".repeat(32)],
            ..crate::config::AuthConfig::default()
        };
        let keys = SigningKeys::load(&auth, std::path::Path::new("unused")).unwrap();
        assert_eq!(keys.verifying_keys(None).count(), 2);
        let weak = crate::config::AuthConfig {
            previous_secrets: vec!["short".into()],
            ..auth
        };
        assert!(matches!(
            SigningKeys::load(&weak, std::path::Path::new("unused")),
            Err(KeyError::WeakSecret)
        ));
    }

    #[test]
    fn a_previous_ed25519_key_is_trusted_from_its_public_half() {
        let public = include_bytes!("../../test_data/keys/ed25519-public.pem");
        let keys = SigningKeys::hs256(&[1u8; 32]).unwrap();
        assert!(
            keys.trust_previous_secret(&[2u8; 8]).is_err(),
            "weak secrets are refused"
        );
        let private = include_bytes!("../../test_data/keys/ed25519-private.pem");
        let current = SigningKeys::ed25519(Some(private), public).unwrap();
        // The same public key re-wrapped keeps its id, so trusting it twice changes nothing.
        let rewrapped: Vec<u8> = String::from_utf8_lossy(public)
            .replace('\n', "\r\n")
            .into_bytes();
        let same = current.trust_previous_public_key(&rewrapped).unwrap();
        assert_eq!(same.verifying_keys(None).count(), 1);
        assert!(
            same.trust_previous_public_key(b"not a key").is_err(),
            "a file that is no key is refused"
        );
    }

    #[test]
    fn revocation_reaches_a_cached_token() {
        let (store, auth, tenant) = setup();
        let token = issue(&*store, &auth, &tenant, true);
        let header = format!("Bearer {token}");
        let principal = auth.authenticate(Some(&header), Utc::now()).unwrap();
        store.revoke_token(&principal.token_id).unwrap();
        auth.poll_revocations(Utc::now() - Duration::seconds(60), Utc::now())
            .unwrap();
        assert_eq!(
            auth.authenticate(Some(&header), Utc::now()),
            Err(AuthError::Revoked)
        );
    }
}

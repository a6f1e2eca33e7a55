//! SCIM keys: JWTs naming a tenant, a token id and scopes, signed with the server's key, and
//! checked on every request against the token records (for revocation).
//!
//! Verification is cached: a token verified once is trusted for `auth.cache_seconds` without
//! another signature check or database read. Revocation still takes effect within
//! `auth.revocation_poll_seconds`, because a background task reads the ids of recently revoked
//! tokens and evicts them from the cache, on every instance.

mod duration;
mod keys;
mod refusal;
mod stored;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Header, Validation};
use scim_store::{EventActor, NewToken, Scope, Store, StoreError, TenantId, TokenRecord};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use duration::parse_duration;
pub use keys::{KeyError, SigningKeys};
pub use refusal::Refusal;
pub(crate) use stored::rotate_database_secret;

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
    /// Who issues it, for the change log (`token.issued`).
    pub issued_by: EventActor,
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
    let record = store.insert_token(
        &NewToken {
            id: claims.jti.clone(),
            tenant: request.tenant.clone(),
            token_hash: token_hash(&token),
            scopes,
            description: request.description.clone(),
            issued_at: now,
            expires_at: Some(expires_at),
        },
        &request.issued_by,
    )?;
    Ok((token, record))
}

struct CachedToken {
    principal: Principal,
    expires_at: i64,
    checked_at: DateTime<Utc>,
}

/// Loads the signing keys again (from the database), when a key names a key id this process
/// does not know yet: another process may have added it.
type KeyReload = Box<dyn Fn() -> Result<SigningKeys, KeyError> + Send + Sync>;

/// How often unknown key ids may make the keys load again: a flood of forged key ids must not
/// become a flood of database reads.
const KEY_RELOAD_INTERVAL: Duration = Duration::seconds(5);

/// Verifies bearer tokens, with a cache and revocation polling.
pub struct Authenticator {
    store: Arc<dyn Store>,
    keys: RwLock<Arc<SigningKeys>>,
    reload: Option<KeyReload>,
    last_reload: Mutex<Option<DateTime<Utc>>>,
    issuer: String,
    validation: Validation,
    cache_for: Duration,
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
            keys: RwLock::new(Arc::new(keys)),
            reload: None,
            last_reload: Mutex::new(None),
            issuer: issuer.to_owned(),
            validation,
            cache_for: Duration::from_std(cache_for).unwrap_or(Duration::MAX),
            cache: RwLock::new(HashMap::new()),
            revoked: RwLock::new(HashSet::new()),
        }
    }

    /// Loads the keys again with `reload` when a token names a key id not known yet (at most
    /// every few seconds), so that keys another process added are accepted without a restart.
    #[must_use]
    pub fn with_key_reload(
        mut self,
        reload: impl Fn() -> Result<SigningKeys, KeyError> + Send + Sync + 'static,
    ) -> Self {
        self.reload = Some(Box::new(reload));
        self
    }

    /// The signing keys (for issuing tokens from the same process).
    pub fn keys(&self) -> Arc<SigningKeys> {
        match self.keys.read() {
            Ok(keys) => keys.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
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
        let (principal, expires_at) = self.check(token, now)?;
        // Recorded here, on a check without the cache, so "last used" lags real use by at most
        // `auth.cache_seconds` while costing one write per key and period, not per request. A
        // failure to record is no reason to refuse the request.
        if let Err(e) = self.store.touch_token(&principal.token_id, now) {
            tracing::warn!(error = %e, token_id = %principal.token_id, "cannot record the use of a SCIM key");
        }
        self.remember(key, &principal, expires_at, now);
        Ok(principal)
    }

    /// Checks a token without the cache and says exactly why it is refused: what
    /// `scim-server token check` reports. Requests only ever see the coarse [`AuthError`].
    pub fn diagnose(&self, token: &str, now: DateTime<Utc>) -> Result<Principal, Refusal> {
        if token.trim().is_empty() {
            return Err(Refusal::Missing);
        }
        self.check(token.trim(), now)
            .map(|(principal, _)| principal)
    }

    /// The principal of `token` and when it expires.
    fn check(&self, token: &str, now: DateTime<Utc>) -> Result<(Principal, i64), Refusal> {
        let claims = self.verified_claims(token, now)?;
        let expired = || expired_at(claims.exp);
        if claims.exp <= now.timestamp() {
            return Err(expired());
        }
        let Some(record) = self
            .store
            .token(&claims.jti)
            .map_err(|_| Refusal::Unavailable)?
        else {
            let tenant_exists = TenantId::new(claims.tenant.as_str())
                .ok()
                .map(|id| self.store.tenant(&id))
                .transpose()
                .map_err(|_| Refusal::Unavailable)?
                .flatten()
                .is_some();
            return Err(if tenant_exists {
                Refusal::UnknownToken { id: claims.jti }
            } else {
                Refusal::UnknownTenant {
                    tenant: claims.tenant,
                }
            });
        };
        if record.tenant.as_str() != claims.tenant || record.token_hash != token_hash(token) {
            return Err(Refusal::Mismatch { id: claims.jti });
        }
        if let Some(at) = record.revoked_at {
            return Err(Refusal::Revoked {
                at: at.to_rfc3339(),
            });
        }
        if self.is_revoked(&claims.jti) {
            return Err(Refusal::Revoked {
                at: "a moment ago".into(),
            });
        }
        if !record.is_usable_at(now) {
            return Err(expired());
        }
        let principal = Principal {
            tenant: record.tenant,
            token_id: record.id,
            scopes: record.scopes,
        };
        Ok((principal, claims.exp))
    }

    /// The claims of `token` if a trusted key signed it: the key its header names, or for a
    /// token without a key id, any trusted key.
    fn verified_claims(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, Refusal> {
        use jsonwebtoken::errors::ErrorKind;
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let mut keys = self.keys();
        if header.alg != keys.algorithm() {
            return Err(Refusal::WrongAlgorithm {
                found: format!("{:?}", header.alg),
                expected: format!("{:?}", keys.algorithm()),
            });
        }
        if let Some(kid) = header.kid.as_deref()
            && keys.verifying_keys(Some(kid)).next().is_none()
        {
            keys = self.reload_keys(now).unwrap_or(keys);
            if keys.verifying_keys(Some(kid)).next().is_none() {
                return Err(Refusal::UnknownKeyId {
                    kid: kid.to_owned(),
                    known: keys.key_ids().join(", "),
                });
            }
        }
        for key in keys.verifying_keys(header.kid.as_deref()) {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => match e.kind() {
                    ErrorKind::InvalidSignature => {}
                    // The signature is checked before the claims: this key signed it.
                    ErrorKind::ExpiredSignature => {
                        return Err(unverified::<Expiry>(token).map_or_else(
                            || Refusal::Malformed("expired, with an unreadable expiry".into()),
                            |claim| expired_at(claim.exp),
                        ));
                    }
                    ErrorKind::InvalidIssuer => {
                        return Err(unverified::<Issuer>(token).map_or_else(
                            || Refusal::Malformed("another issuer's, unreadable".into()),
                            |claim| Refusal::WrongIssuer {
                                found: claim.iss,
                                expected: self.issuer.clone(),
                            },
                        ));
                    }
                    _ => return Err(Refusal::Malformed(e.to_string())),
                },
            }
        }
        Err(Refusal::WrongSignature)
    }

    /// Loads the keys again, unless that was done less than [`KEY_RELOAD_INTERVAL`] ago.
    fn reload_keys(&self, now: DateTime<Utc>) -> Option<Arc<SigningKeys>> {
        {
            let mut last = self.last_reload.lock().ok()?;
            if last.is_some_and(|at| now - at < KEY_RELOAD_INTERVAL) {
                return None;
            }
            *last = Some(now);
        }
        self.refresh_keys()
    }

    /// Loads the keys again now, if they come from the database: keys another process rotated
    /// or deleted take effect here. `None` when there is nothing to load or loading failed.
    pub fn refresh_keys(&self) -> Option<Arc<SigningKeys>> {
        let reload = self.reload.as_ref()?;
        match reload() {
            Ok(keys) => {
                let keys = Arc::new(keys);
                let dropped = self
                    .keys()
                    .key_ids()
                    .iter()
                    .any(|id| !keys.key_ids().contains(id));
                if let Ok(mut current) = self.keys.write() {
                    *current = keys.clone();
                }
                if dropped {
                    // Verified keys signed with a deleted signing key must not stay cached.
                    if let Ok(mut cache) = self.cache.write() {
                        cache.clear();
                    }
                    tracing::info!(keys = %keys.key_ids().join(","), "a signing key was deleted: keys it signed are refused from now on");
                }
                tracing::debug!(keys = %keys.key_ids().join(","), "loaded the signing keys again");
                Some(keys)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot load the signing keys again");
                None
            }
        }
    }

    fn cached(&self, key: &[u8; 32], now: DateTime<Utc>) -> Option<Principal> {
        let cache = self.cache.read().ok()?;
        let entry = cache.get(key)?;
        let fresh = now - entry.checked_at < self.cache_for && entry.expires_at > now.timestamp();
        (fresh && !self.is_revoked(&entry.principal.token_id)).then(|| entry.principal.clone())
    }

    fn remember(&self, key: [u8; 32], principal: &Principal, expires_at: i64, now: DateTime<Utc>) {
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= MAX_CACHED_TOKENS {
                cache.clear();
            }
            cache.insert(
                key,
                CachedToken {
                    principal: principal.clone(),
                    expires_at,
                    checked_at: now,
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

/// A claim of a token whose signature was checked already, to say why it is refused: read
/// alone, so that saying why depends on the claim at fault only, not on the order in which
/// jsonwebtoken reads and checks the others.
fn unverified<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
    jsonwebtoken::dangerous::insecure_decode::<T>(token)
        .ok()
        .map(|data| data.claims)
}

#[derive(Deserialize)]
struct Expiry {
    exp: i64,
}

#[derive(Deserialize)]
struct Issuer {
    iss: String,
}

/// The refusal of a token past its expiry `exp` (seconds since the epoch); one too far from
/// any date to print (chrono's range is ±262,000 years) cannot say when.
fn expired_at(exp: i64) -> Refusal {
    match DateTime::from_timestamp(exp, 0) {
        Some(at) => Refusal::Expired { at },
        None => Refusal::Malformed(format!(
            "expired, at {exp} seconds from 1970, which is no date"
        )),
    }
}

#[cfg(test)]
mod tests;

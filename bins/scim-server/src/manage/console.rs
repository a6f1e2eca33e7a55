//! The web console's sign-in: one-time links for an organisation's admin (made by
//! `scim-server console-link` and `POST /admin/v1/tenants/{tenant}/console-links`), and the
//! sessions that operators and organisation admins sign in to.
//!
//! Session ids and link tokens are 32 random bytes; the database keeps only their SHA-256, so
//! a copy of it signs no one in. Sessions live in the database, so every server process on it
//! knows them: a load balancer needs no session affinity, and a sign-out ends the session on all.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use scim_store::{
    ConsoleScope, ConsoleSession, EventActor, LinkRedemption, NewConsoleLink, NewConsoleSession,
    Store, TenantId,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{ManageError, require_tenant};

/// The longest a sign-in link may be valid: a week. A link is a credential in a message; it
/// should be used soon or not at all.
pub const MAX_LINK_VALIDITY_DAYS: i64 = 7;

/// How long a link is valid unless asked otherwise.
pub const DEFAULT_LINK_VALIDITY: &str = "1h";

/// A sign-in link as the admin API and the command line answer it: shown this once (only its
/// hash is kept). Its `Debug` leaves the link out.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleLink {
    /// The tenant whose pages the link opens.
    pub tenant: String,
    /// The link: open it in a browser, once.
    pub url: String,
    /// When it stops working if unused.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ConsoleLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleLink")
            .field("tenant", &self.tenant)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A link's validity written as `1h`, `30m`, `2d`, from the input `field`.
pub fn link_validity(field: &str, text: &str) -> Result<Duration, ManageError> {
    super::duration_up_to(
        field,
        text,
        Duration::days(MAX_LINK_VALIDITY_DAYS),
        &format!("a sign-in link is valid for at most {MAX_LINK_VALIDITY_DAYS} days"),
    )
}

/// Makes a one-time sign-in link to `tenant`'s console pages. `base` is the server's public
/// address (`base_url`, or where the request came to), without a trailing slash.
pub fn create_link(
    store: &dyn Store,
    tenant: &TenantId,
    valid_for: Duration,
    base: &str,
    by: &EventActor,
) -> Result<ConsoleLink, ManageError> {
    require_tenant(store, tenant)?;
    let token = secret()?;
    let now = Utc::now();
    let expires_at = now + valid_for;
    store
        .create_console_link(&NewConsoleLink {
            token_hash: hash(&token),
            tenant: tenant.clone(),
            created_at: now,
            expires_at,
            created_by: by.clone(),
        })
        .map_err(|e| match e {
            scim_store::StoreError::TenantNotFound(id) => ManageError::TenantNotFound(id),
            e => e.into(),
        })?;
    tracing::info!(tenant = %tenant, by = by.as_str(), %expires_at, "made a console sign-in link");
    Ok(ConsoleLink {
        tenant: tenant.to_string(),
        url: format!("{}/console/link/{token}", base.trim_end_matches('/')),
        expires_at,
    })
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// From sign-in to the end, however active.
    pub lifetime: Duration,
    /// Unused this long, a session ends.
    pub idle: Duration,
}

/// A session just opened: its id, for the cookie (never stored), and its record.
pub struct Opened {
    /// The session id: the cookie's value.
    pub id: String,
    /// The record.
    pub session: ConsoleSession,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("session", &self.session.scope)
            .finish_non_exhaustive()
    }
}

/// Opens an operator session. The caller has checked the admin token.
pub fn open_operator_session(
    store: &dyn Store,
    policy: &SessionPolicy,
) -> Result<Opened, ManageError> {
    let id = secret()?;
    let now = Utc::now();
    let session = store.create_console_session(&NewConsoleSession {
        id_hash: hash(&id),
        scope: ConsoleScope::Operator,
        created_at: now,
        expires_at: now + policy.lifetime,
    })?;
    // Old sessions and links go now and then: at each operator sign-in.
    if let Err(e) = store.prune_console(now) {
        tracing::warn!(error = %e, "cannot prune expired console sessions");
    }
    Ok(Opened { id, session })
}

/// Redeems a sign-in link: a session for its tenant, or `None` when the link is unknown, used
/// or expired (which are not told apart: the answer helps no one guess).
pub fn redeem_link(
    store: &dyn Store,
    token: &str,
    policy: &SessionPolicy,
) -> Result<Option<Opened>, ManageError> {
    let id = secret()?;
    let now = Utc::now();
    let session = store.redeem_console_link(&LinkRedemption {
        token_hash: hash(token),
        session_id_hash: hash(&id),
        at: now,
        session_expires_at: now + policy.lifetime,
    })?;
    Ok(session.map(|session| Opened { id, session }))
}

/// How often a session's last use is written: no more than this often per session, so that a
/// busy page costs no write per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The live session whose id is `id`: `None` when there is none, or it expired or stayed
/// unused past the idle time (then it is deleted).
pub fn live_session(
    store: &dyn Store,
    id: &str,
    policy: &SessionPolicy,
) -> Result<Option<ConsoleSession>, ManageError> {
    let id_hash = hash(id);
    let Some(session) = store.console_session(&id_hash)? else {
        return Ok(None);
    };
    let now = Utc::now();
    if now >= session.expires_at || now - session.last_seen_at >= policy.idle {
        store.delete_console_session(&id_hash)?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        store.touch_console_session(&id_hash, now)?;
    }
    Ok(Some(session))
}

/// Ends the session whose id is `id` (sign-out), on every server process.
pub fn end_session(store: &dyn Store, id: &str) -> Result<(), ManageError> {
    store.delete_console_session(&hash(id))?;
    Ok(())
}

/// The SHA-256 of a secret, as lowercase hex: what the database keeps.
pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 32 random bytes, base64url without padding: a session id or a link token.
fn secret() -> Result<String, ManageError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        crate::delivery::SecretError::Random(format!("no randomness for a console secret: {e}"))
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_valid_for_at_most_a_week() {
        assert_eq!(
            link_validity("expires_in", "1h").unwrap(),
            Duration::hours(1)
        );
        assert!(link_validity("expires_in", "7d").is_ok());
        match link_validity("expires_in", "8d") {
            Err(ManageError::Invalid { field, .. }) => assert_eq!(field, "expires_in"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            link_validity("expires_in", "soon"),
            Err(ManageError::Invalid { .. })
        ));
    }

    #[test]
    fn secrets_are_random_and_stored_as_hashes() {
        let (a, b) = (secret().unwrap(), secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }
}

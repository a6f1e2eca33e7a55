//! SCIM keys: issue (the key is shown once), list (never the keys; with their last use), show,
//! revoke.

use chrono::{DateTime, Duration, Utc};
use scim_store::{EventActor, Store, TenantId, TokenRecord};
use serde::Serialize;

use super::{ManageError, PageRequest, Paged, check_note, paginate, require_tenant};
use crate::auth::{IssueRequest, SigningKeys, issue_token};

/// The longest a key may be issued for: ten years. A longer validity is a mistake, and an
/// unbounded one would overflow the expiry's arithmetic.
pub const MAX_VALIDITY_DAYS: i64 = 3650;

/// What issuing a key needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// How long it is valid.
    pub valid_for: Duration,
    /// Whether it may write (it may always read).
    pub write: bool,
    /// A note for operators ("Okta production").
    pub description: String,
}

/// A key's record as the admin API shows it: never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenView {
    /// The key's id (its JWT `jti`).
    pub id: String,
    /// The tenant it acts for.
    pub tenant: String,
    /// `read`, and `write` unless it is read-only.
    pub scopes: Vec<&'static str>,
    /// The operators' note.
    pub description: String,
    /// `active`, `expired` or `revoked`.
    pub state: &'static str,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a server last checked it: at most `auth.cache_seconds` behind its real last use.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenView {
    /// The view of a record, its state as of `now`.
    pub fn of(record: &TokenRecord, now: DateTime<Utc>) -> Self {
        let state = match (record.revoked_at, record.is_usable_at(now)) {
            (Some(_), _) => "revoked",
            (None, false) => "expired",
            (None, true) => "active",
        };
        Self {
            id: record.id.clone(),
            tenant: record.tenant.to_string(),
            scopes: record.scopes.iter().map(|s| s.as_str()).collect(),
            description: record.description.clone(),
            state,
            issued_at: record.issued_at,
            expires_at: record.expires_at,
            revoked_at: record.revoked_at,
            last_used_at: record.last_used_at,
        }
    }
}

/// An issued key: the key itself, shown this once, and its record. Its `Debug` leaves the key
/// out, so that it never reaches a log.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct IssuedKey {
    /// The key (a JWT). Only its hash is kept: it cannot be shown again.
    pub token: String,
    /// Its record.
    #[serde(flatten)]
    pub record: TokenView,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// A validity written as `90d`, `12h`, `30m` or `3600s`, from the input `field`.
pub fn validity(field: &str, text: &str) -> Result<Duration, ManageError> {
    super::duration_up_to(
        field,
        text,
        Duration::days(MAX_VALIDITY_DAYS),
        &format!("a key is valid for at most {MAX_VALIDITY_DAYS} days"),
    )
}

/// Issues a key for an existing tenant.
pub fn issue(
    store: &dyn Store,
    keys: &SigningKeys,
    issuer: &str,
    tenant: &TenantId,
    new: &NewKey,
    by: &EventActor,
) -> Result<IssuedKey, ManageError> {
    check_note("description", &new.description)?;
    require_tenant(store, tenant)?;
    let now = Utc::now();
    let request = IssueRequest {
        tenant: tenant.clone(),
        valid_for: new.valid_for,
        write: new.write,
        description: new.description.clone(),
        issued_by: by.clone(),
    };
    let (token, record) = issue_token(store, keys, issuer, &request, now)?;
    tracing::info!(token_id = %record.id, tenant = %tenant, expires_at = ?record.expires_at, "issued a SCIM key");
    Ok(IssuedKey {
        token,
        record: TokenView::of(&record, now),
    })
}

/// The keys of one tenant, or (`None`) of every tenant, in id order.
pub fn list(
    store: &dyn Store,
    tenant: Option<&TenantId>,
    page: &PageRequest,
) -> Result<Paged<TokenView>, ManageError> {
    if let Some(tenant) = tenant {
        require_tenant(store, tenant)?;
    }
    let now = Utc::now();
    let tokens = store
        .tokens(tenant)?
        .iter()
        .map(|record| TokenView::of(record, now))
        .collect();
    Ok(paginate(tokens, |t| &t.id, page))
}

/// One key of a tenant; a key of another tenant is not found.
pub fn show(store: &dyn Store, tenant: &TenantId, id: &str) -> Result<TokenView, ManageError> {
    Ok(TokenView::of(
        &record_of(store, Some(tenant), id)?,
        Utc::now(),
    ))
}

/// Revokes a key: it stops working within `auth.revocation_poll_seconds` on every instance.
/// With `tenant`, only a key of that tenant. Revoking a revoked key changes nothing.
pub fn revoke(
    store: &dyn Store,
    tenant: Option<&TenantId>,
    id: &str,
    by: &EventActor,
) -> Result<TokenView, ManageError> {
    let record = record_of(store, tenant, id)?;
    if record.revoked_at.is_none() {
        store.revoke_token(id, by)?;
    }
    Ok(TokenView::of(&record_of(store, tenant, id)?, Utc::now()))
}

fn record_of(
    store: &dyn Store,
    tenant: Option<&TenantId>,
    id: &str,
) -> Result<TokenRecord, ManageError> {
    if let Some(tenant) = tenant {
        require_tenant(store, tenant)?;
    }
    store
        .token(id)?
        .filter(|record| tenant.is_none_or(|t| record.tenant == *t))
        .ok_or_else(|| ManageError::NotFound {
            kind: "token",
            id: id.to_owned(),
        })
}

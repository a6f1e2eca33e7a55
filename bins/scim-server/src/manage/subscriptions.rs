//! Subscriptions to a tenant's events: create (the secret is shown in the answer), list, show,
//! update, delete, rotate the secret, the delivery log, redeliver from a sequence number.
//!
//! Delivery itself (webhooks, SETs, the test event) belongs to the delivery workers; this
//! module only manages the records they work from.

use chrono::{DateTime, Utc};
use scim_store::{
    DeliveryAttempt, DeliveryMethod, EventFormat, EventType, NewSubscription, Store, Subscription,
    SubscriptionChange, TenantId,
};
use serde::Serialize;

use super::{ManageError, PageRequest, Paged, check_note, paginate, require_tenant};
use crate::config::WebhooksConfig;

/// A subscription as the admin API shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionView {
    /// Its id.
    pub id: String,
    /// The tenant whose events it receives.
    pub tenant: String,
    /// Where events are delivered (push), or the receiver's address (poll).
    pub url: String,
    /// `json` (Standard Webhooks) or `set` (RFC 9967 Security Event Tokens).
    pub format: &'static str,
    /// `push` or `poll`.
    pub delivery: &'static str,
    /// The event types it receives; empty: every type.
    pub events: Vec<&'static str>,
    /// Whether created and updated events carry the resource as stored.
    pub full: bool,
    /// The `aud` of its SETs, when it is not the URL.
    pub audience: Option<String>,
    /// A note for operators.
    pub description: String,
    /// Whether deliveries run.
    pub enabled: bool,
    /// `healthy`, `retrying`, `failing` or `gone`.
    pub state: &'static str,
    /// The last sequence number delivered (acknowledged).
    pub cursor: i64,
    /// Consecutive failed attempts.
    pub attempts: u32,
    /// When the current run of failures began.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// What the last failure was.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When an operator last changed it.
    pub updated_at: DateTime<Utc>,
}

impl SubscriptionView {
    /// The view of a stored subscription.
    pub fn of(subscription: &Subscription) -> Self {
        Self {
            id: subscription.id.clone(),
            tenant: subscription.tenant.to_string(),
            url: subscription.url.clone(),
            format: subscription.format.as_str(),
            delivery: subscription.delivery.as_str(),
            events: subscription
                .event_types
                .iter()
                .map(|t| t.as_str())
                .collect(),
            full: subscription.full,
            audience: subscription.audience.clone(),
            description: subscription.description.clone(),
            enabled: subscription.enabled,
            state: subscription.state.as_str(),
            cursor: subscription.cursor,
            attempts: subscription.attempts,
            failing_since: subscription.failing_since,
            next_attempt_at: subscription.next_attempt_at,
            last_error: subscription.last_error.clone(),
            created_at: subscription.created_at,
            updated_at: subscription.updated_at,
        }
    }
}

/// A subscription with its secret: the answer of create and of rotating the secret, the only
/// ones that show it. Its `Debug` leaves the secret out, so that it never reaches a log.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct WithSecret {
    /// The subscription.
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// The Standard Webhooks signing secret (`whsec_` and base64), also the credential of a
    /// poll receiver.
    pub secret: String,
}

impl std::fmt::Debug for WithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSecret")
            .field("subscription", &self.subscription)
            .finish_non_exhaustive()
    }
}

/// What creating a subscription needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscriptionRequest {
    /// Where events go (push), or the receiver's address (poll).
    pub url: String,
    /// The encoding.
    pub format: EventFormat,
    /// Push or poll.
    pub delivery: DeliveryMethod,
    /// The event types it receives; empty: every type.
    pub events: Vec<EventType>,
    /// Whether created and updated events carry the resource as stored.
    pub full: bool,
    /// The `aud` of its SETs (the URL when absent).
    pub audience: Option<String>,
    /// A note for operators.
    pub description: String,
    /// Whether deliveries run from the start.
    pub enabled: bool,
    /// Deliver the events after this sequence number; `None`: from the tenant's next event.
    pub after: Option<i64>,
}

/// Event types from their names (`user.created`), each named by `field[i]` when unknown.
pub fn event_types(field: &str, names: &[String]) -> Result<Vec<EventType>, ManageError> {
    let mut types = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let event_type = EventType::parse(name).ok_or_else(|| {
            ManageError::invalid(
                format!("{field}[{i}]"),
                format!(
                    "unknown event type {name:?}; the types are {}",
                    EventType::ALL.map(EventType::as_str).join(", ")
                ),
            )
        })?;
        if !types.contains(&event_type) {
            types.push(event_type);
        }
    }
    Ok(types)
}

/// The format named `name` (`json` or `set`), from the input `field`.
pub fn format(field: &str, name: &str) -> Result<EventFormat, ManageError> {
    EventFormat::parse(name)
        .ok_or_else(|| ManageError::invalid(field, "must be \"json\" or \"set\""))
}

/// The delivery method named `name` (`push` or `poll`), from the input `field`.
pub fn delivery(field: &str, name: &str) -> Result<DeliveryMethod, ManageError> {
    DeliveryMethod::parse(name)
        .ok_or_else(|| ManageError::invalid(field, "must be \"push\" or \"poll\""))
}

/// Creates a subscription with a new id and secret.
pub fn create(
    store: &dyn Store,
    webhooks: &WebhooksConfig,
    tenant: &TenantId,
    new: &NewSubscriptionRequest,
) -> Result<WithSecret, ManageError> {
    check_url("url", &new.url, webhooks, new.delivery)?;
    if let Some(audience) = &new.audience {
        check_audience(audience)?;
    }
    check_note("description", &new.description)?;
    if new.after.is_some_and(|after| after < 0) {
        return Err(ManageError::invalid("after", "must be 0 or more"));
    }
    require_tenant(store, tenant)?;
    let secret = secret::new_secret()?;
    let created = store.create_subscription(&NewSubscription {
        // Version 7: ids sort by creation time, so lists in id order come oldest first.
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.clone(),
        url: new.url.clone(),
        format: new.format,
        delivery: new.delivery,
        event_types: new.events.clone(),
        full: new.full,
        secret: secret.clone(),
        audience: new.audience.clone(),
        description: new.description.clone(),
        enabled: new.enabled,
        after: new.after,
    })?;
    Ok(WithSecret {
        subscription: SubscriptionView::of(&created),
        secret,
    })
}

/// The subscriptions of a tenant, in id order (which is creation order).
pub fn list(
    store: &dyn Store,
    tenant: &TenantId,
    page: &PageRequest,
) -> Result<Paged<SubscriptionView>, ManageError> {
    require_tenant(store, tenant)?;
    let subscriptions = store
        .subscriptions(Some(tenant))?
        .iter()
        .map(SubscriptionView::of)
        .collect();
    Ok(paginate(subscriptions, |s| &s.id, page))
}

/// One subscription of a tenant.
pub fn show(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
) -> Result<SubscriptionView, ManageError> {
    Ok(SubscriptionView::of(&load(store, tenant, id)?))
}

/// Changes a subscription's settings (each `Some` of `change`). Enabling a subscription that
/// was disabled or gone starts it afresh.
pub fn update(
    store: &dyn Store,
    webhooks: &WebhooksConfig,
    tenant: &TenantId,
    id: &str,
    change: &SubscriptionChange,
) -> Result<SubscriptionView, ManageError> {
    let current = load(store, tenant, id)?;
    if let Some(url) = &change.url {
        check_url("url", url, webhooks, current.delivery)?;
    }
    if let Some(Some(audience)) = &change.audience {
        check_audience(audience)?;
    }
    if let Some(description) = &change.description {
        check_note("description", description)?;
    }
    let updated = store
        .update_subscription(tenant, id, change)
        .map_err(|e| not_found(e, id))?;
    Ok(SubscriptionView::of(&updated))
}

/// Deletes a subscription and its delivery log.
pub fn delete(store: &dyn Store, tenant: &TenantId, id: &str) -> Result<(), ManageError> {
    require_tenant(store, tenant)?;
    if store.delete_subscription(tenant, id)? {
        Ok(())
    } else {
        Err(missing(id))
    }
}

/// Gives a subscription a new secret; the old one stops signing at once.
pub fn rotate_secret(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
) -> Result<WithSecret, ManageError> {
    load(store, tenant, id)?;
    let secret = secret::new_secret()?;
    let updated = store
        .set_subscription_secret(tenant, id, &secret)
        .map_err(|e| not_found(e, id))?;
    Ok(WithSecret {
        subscription: SubscriptionView::of(&updated),
        secret,
    })
}

/// One attempt of the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryView {
    /// The attempt's id.
    pub id: String,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The event it carried (none for a test event).
    pub event_id: Option<String>,
    /// The event's sequence number.
    pub seq: Option<i64>,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// How long it took, in milliseconds.
    pub latency_ms: f64,
    /// Whether it counts as delivered.
    pub delivered: bool,
    /// What went wrong.
    pub error: Option<String>,
    /// The first bytes of the receiver's answer.
    pub response_excerpt: Option<String>,
}

impl DeliveryView {
    fn of(attempt: &DeliveryAttempt) -> Self {
        Self {
            id: attempt.id.clone(),
            at: attempt.at,
            event_id: attempt.event_id.clone(),
            seq: attempt.seq,
            status: attempt.status,
            // Lossless below 2^53 µs (285 years).
            latency_ms: attempt.latency_micros as f64 / 1000.0,
            delivered: attempt.delivered,
            error: attempt.error.clone(),
            response_excerpt: attempt.response_excerpt.clone(),
        }
    }
}

/// The most attempts [`deliveries`] returns: all the log keeps.
pub const MAX_DELIVERIES: u32 = scim_store::DELIVERY_LOG_LENGTH as u32;

/// The last `limit` delivery attempts of a subscription, newest first.
pub fn deliveries(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
    limit: u32,
) -> Result<Vec<DeliveryView>, ManageError> {
    load(store, tenant, id)?;
    Ok(store
        .deliveries(tenant, id, limit.min(MAX_DELIVERIES))?
        .iter()
        .map(DeliveryView::of)
        .collect())
}

/// Moves a subscription's cursor so that delivery resumes after sequence number `after` (back
/// to deliver again, or forward to skip); never beyond the tenant's last event.
pub fn redeliver(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
    after: i64,
) -> Result<SubscriptionView, ManageError> {
    if after < 0 {
        return Err(ManageError::invalid("after", "must be 0 or more"));
    }
    load(store, tenant, id)?;
    let rewound = store
        .rewind_subscription(tenant, id, after)
        .map_err(|e| not_found(e, id))?;
    Ok(SubscriptionView::of(&rewound))
}

/// Sends a test event to a subscription's receiver and returns the attempt, as its delivery
/// log records it.
///
/// THE ONE PLACE test deliveries go through (the console's "Send test" button calls it).
/// Delivery itself lives in the delivery module (`crate::delivery`, another branch): once it
/// is here, the body below becomes
/// `crate::delivery::send_test_event(state, &subscription)` with its `DeliveryAttempt` turned
/// into a [`DeliveryView`], and a poll subscription's refusal into
/// [`ManageError::invalid`]`("id", ...)`. Until then this build has no delivery workers, and
/// says so.
pub fn send_test(
    state: &crate::AppState,
    tenant: &TenantId,
    id: &str,
) -> Result<DeliveryView, ManageError> {
    let subscription = load(&*state.store, tenant, id)?;
    Err(ManageError::Unsupported(format!(
        "This build of scim-server does not deliver events yet, so no test event was sent to {}",
        subscription.url
    )))
}

fn load(store: &dyn Store, tenant: &TenantId, id: &str) -> Result<Subscription, ManageError> {
    require_tenant(store, tenant)?;
    store.subscription(tenant, id)?.ok_or_else(|| missing(id))
}

fn missing(id: &str) -> ManageError {
    ManageError::NotFound {
        kind: "subscription",
        id: id.to_owned(),
    }
}

fn not_found(e: scim_store::StoreError, id: &str) -> ManageError {
    match e {
        // Deleted between the check and the change.
        scim_store::StoreError::NotFound { .. } => missing(id),
        e => e.into(),
    }
}

/// The longest URL accepted.
const MAX_URL_LENGTH: usize = 2048;

/// Checks a receiver's URL: an absolute `https` URL with a host (or `http` when
/// `webhooks.allow_http` is on), without credentials.
///
/// The syntax and scheme only: which addresses a push may reach (loopback, private networks)
/// is the delivery workers' check, made when they connect, where the name is resolved. A poll
/// subscription's URL is never connected to, so its scheme is not restricted.
fn check_url(
    field: &str,
    text: &str,
    webhooks: &WebhooksConfig,
    delivery: DeliveryMethod,
) -> Result<(), ManageError> {
    if text.len() > MAX_URL_LENGTH {
        return Err(ManageError::invalid(
            field,
            format!("must be at most {MAX_URL_LENGTH} bytes"),
        ));
    }
    let url = url::Url::parse(text)
        .map_err(|e| ManageError::invalid(field, format!("not an absolute URL: {e}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ManageError::invalid(field, "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ManageError::invalid(
            field,
            "must not carry credentials: receivers verify the signature instead",
        ));
    }
    match (url.scheme(), delivery) {
        ("https", _) | (_, DeliveryMethod::Poll) => Ok(()),
        ("http", DeliveryMethod::Push) if webhooks.allow_http => Ok(()),
        ("http", DeliveryMethod::Push) => Err(ManageError::invalid(
            field,
            "must be https (plain http needs webhooks.allow_http)",
        )),
        _ => Err(ManageError::invalid(field, "must be an http(s) URL")),
    }
}

fn check_audience(audience: &str) -> Result<(), ManageError> {
    if audience.is_empty() || audience.len() > MAX_URL_LENGTH || audience.contains('\0') {
        return Err(ManageError::invalid(
            "audience",
            format!("must be 1 to {MAX_URL_LENGTH} bytes"),
        ));
    }
    Ok(())
}

/// Subscription secrets. Kept apart so that the delivery module's generator can replace this
/// one without touching the operations above.
mod secret {
    use base64::Engine as _;

    use super::ManageError;

    /// A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes.
    pub(super) fn new_secret() -> Result<String, ManageError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            ManageError::Store(scim_store::StoreError::Unavailable(format!(
                "no randomness for a secret: {e}"
            )))
        })?;
        Ok(format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }

    #[cfg(test)]
    mod tests {
        use base64::Engine as _;

        #[test]
        fn secrets_are_whsec_and_32_random_bytes() {
            let a = super::new_secret().unwrap();
            let b = super::new_secret().unwrap();
            assert_ne!(a, b);
            let encoded = a.strip_prefix("whsec_").unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap();
            assert_eq!(bytes.len(), 32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_are_https_unless_http_is_allowed() {
        let strict = WebhooksConfig::default();
        let lax = WebhooksConfig {
            allow_http: true,
            ..WebhooksConfig::default()
        };
        let push = DeliveryMethod::Push;
        let field = |r: Result<(), ManageError>| r.err().and_then(|e| e.field().map(str::to_owned));
        assert!(check_url("url", "https://example.com/hooks?x=1", &strict, push).is_ok());
        assert_eq!(
            field(check_url("url", "http://example.com/hooks", &strict, push)),
            Some("url".into())
        );
        assert!(check_url("url", "http://example.com/hooks", &lax, push).is_ok());
        for bad in [
            "example.com/hooks",
            "ftp://example.com/x",
            "https://user:pw@example.com/",
            "https://",
            "",
        ] {
            assert!(
                matches!(
                    check_url("url", bad, &lax, push),
                    Err(ManageError::Invalid { .. })
                ),
                "{bad}"
            );
        }
        assert!(
            check_url(
                "url",
                "http://receiver.internal/",
                &strict,
                DeliveryMethod::Poll
            )
            .is_ok(),
            "a poll receiver's URL is never connected to"
        );
    }

    #[test]
    fn unknown_event_types_are_named_by_index() {
        let names = ["user.created".to_owned(), "user.exploded".to_owned()];
        match event_types("events", &names) {
            Err(ManageError::Invalid { field, .. }) => assert_eq!(field, "events[1]"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            event_types("events", &names[..1]).unwrap(),
            [EventType::UserCreated]
        );
    }
}

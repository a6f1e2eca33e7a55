//! Test deliveries: a synthetic message, signed and sent exactly like an event, recorded in the
//! subscription's delivery log, and never moving its cursor.
//!
//! The message is `{"id", "type": "test", "tenant", "occurred_at", "subscription"}` for a JSON
//! subscription (its `webhook-id` is the fresh `id`), and an OpenID Shared Signals verification
//! event (`https://schemas.openid.net/secevent/ssf/event-type/verification`, `state: "test"`,
//! subject the subscription) for a SET subscription: RFC 9967 defines no test event.

use scim_store::{DeliveryAttempt, DeliveryMethod, Store, StoreError, Subscription};

use super::outbound::{EncodeError, Outbound};

/// Why a test event was not sent.
#[derive(Debug, thiserror::Error)]
pub enum TestEventError {
    /// A poll subscription's receiver fetches events; nothing is pushed to it.
    #[error("subscription {0} is delivered by polling (RFC 8936): nothing is sent to it")]
    Poll(String),
    /// The message could not be signed.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The attempt could not be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sends a test message to `subscription`'s receiver (enabled or not) and records the attempt
/// in its delivery log; returns the attempt, whether the receiver took the message or not.
/// Blocks for up to `webhooks.request_timeout_seconds`: call it off the async executor.
pub fn send_test_event(
    outbound: &Outbound,
    store: &dyn Store,
    subscription: &Subscription,
) -> Result<DeliveryAttempt, TestEventError> {
    if subscription.delivery == DeliveryMethod::Poll {
        return Err(TestEventError::Poll(subscription.id.clone()));
    }
    let message = outbound.test_message(subscription)?;
    let sent = outbound.send(subscription, &message);
    store.record_attempts(subscription, std::slice::from_ref(&sent.attempt))?;
    Ok(sent.attempt)
}

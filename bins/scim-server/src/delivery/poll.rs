//! RFC 8936 poll-based delivery of SETs, without the HTTP: what a poll request says and what
//! its answer holds. `http::delivery` adds the credential check and the long wait.
//!
//! A poll request acknowledges SETs (`ack`), reports SETs it could not process (`setErrs`:
//! acknowledged too, RFC 8936 §2.4, and recorded in the delivery log), and asks for at most
//! `maxEvents` more (0: acknowledge only). The answer holds the unacknowledged SETs in `seq`
//! order, keyed by `jti`, and says whether more wait (`moreAvailable`). A SET stays available
//! until it is acknowledged: at-least-once, like push. Events a poll subscription does not
//! receive (types it did not ask for, events RFC 9967 has no form for) are acknowledged on the
//! receiver's behalf as they are passed over, so that they never hold the cursor back.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use scim_store::{DeliveryAttempt, Store, StoreError, Subscription};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::outbound::{EncodeError, Outbound};

/// SETs returned when a request does not say how many (`maxEvents` absent).
pub const DEFAULT_MAX_EVENTS: u32 = 100;

/// The most SETs one answer holds, whatever `maxEvents` asks.
pub const MAX_EVENTS: u32 = 1000;

/// Events read from the log at once.
const BATCH: u32 = 500;

/// The most events one poll looks at (a long stretch of events the subscription does not
/// receive is passed over in several polls).
const SCAN_LIMIT: usize = 20_000;

/// A poll request (RFC 8936 §2.4). Members not defined there are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PollRequest {
    /// The `jti`s of SETs received and processed.
    #[serde(default)]
    pub ack: Vec<String>,
    /// SETs received but not processed, by `jti`.
    #[serde(default, rename = "setErrs")]
    pub set_errs: BTreeMap<String, SetError>,
    /// How many SETs to return at most (0: none, only acknowledge).
    #[serde(default, rename = "maxEvents")]
    pub max_events: Option<u32>,
    /// Answer at once, even with no SET (otherwise the answer waits for one, a while).
    #[serde(default, rename = "returnImmediately")]
    pub return_immediately: bool,
}

/// One entry of `setErrs` (RFC 8936 §2.4, with the error codes of RFC 8935 §2.4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetError {
    /// The error code.
    pub err: String,
    /// What went wrong, for people.
    #[serde(default)]
    pub description: Option<String>,
}

/// A poll answer (RFC 8936 §2.5).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PollResponse {
    /// The SETs, keyed by `jti`.
    pub sets: Map<String, Value>,
    /// Whether more SETs are waiting.
    #[serde(rename = "moreAvailable")]
    pub more_available: bool,
}

/// Why a poll could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A SET could not be signed.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// Applies a request's `ack` and `setErrs`; returns the subscription's cursor afterwards.
pub(crate) fn acknowledge(
    store: &dyn Store,
    subscription: &Subscription,
    request: &PollRequest,
) -> Result<i64, StoreError> {
    if request.ack.is_empty() && request.set_errs.is_empty() {
        return Ok(subscription.cursor);
    }
    let mut ids = request.ack.clone();
    ids.extend(request.set_errs.keys().cloned());
    let cursor = store.acknowledge(&subscription.tenant, &subscription.id, &ids)?;
    if !request.set_errs.is_empty() {
        let now = Utc::now();
        let errors: Vec<DeliveryAttempt> = request
            .set_errs
            .iter()
            .map(|(jti, error)| DeliveryAttempt {
                id: uuid::Uuid::now_v7().to_string(),
                at: now,
                event_id: Some(jti.clone()),
                seq: None,
                status: None,
                latency_micros: 0,
                delivered: false,
                error: Some(match &error.description {
                    Some(description) => format!("{}: {description}", error.err),
                    None => error.err.clone(),
                }),
                response_excerpt: None,
            })
            .collect();
        store.record_attempts(subscription, &errors)?;
    }
    Ok(cursor)
}

/// The SETs not yet acknowledged after `cursor`, at most `max_events`.
pub(crate) fn pending(
    outbound: &Outbound,
    store: &dyn Store,
    subscription: &Subscription,
    cursor: i64,
    max_events: u32,
) -> Result<PollResponse, PollError> {
    let max = usize::try_from(max_events.min(MAX_EVENTS)).unwrap_or(0);
    let acknowledged: HashSet<i64> = store
        .acknowledged_beyond(&subscription.tenant, &subscription.id)?
        .into_iter()
        .collect();
    let mut response = PollResponse::default();
    let mut passed_over = Vec::new();
    let mut after = cursor;
    let mut scanned = 0;
    'scan: loop {
        let batch = store.events(&subscription.tenant, after, BATCH)?;
        let full = batch.len() == BATCH as usize;
        for event in batch {
            after = event.seq;
            scanned += 1;
            if acknowledged.contains(&event.seq) {
                continue;
            }
            match outbound.message(&event, subscription)? {
                None => passed_over.push(event.id),
                Some(message) => {
                    if response.sets.len() >= max {
                        response.more_available = true;
                        break 'scan;
                    }
                    if let Some(token) = message.set_token() {
                        response
                            .sets
                            .insert(message.id.clone(), Value::String(token.to_owned()));
                    }
                }
            }
        }
        if !full {
            break;
        }
        if scanned >= SCAN_LIMIT {
            response.more_available = true;
            break;
        }
    }
    if !passed_over.is_empty() {
        store.acknowledge(&subscription.tenant, &subscription.id, &passed_over)?;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_as_rfc_8936_writes_them() {
        let request: PollRequest = serde_json::from_value(serde_json::json!({
            "ack": ["4d3559ec67504aaba65d40b0363faad8"],
            "setErrs": {
                "764f6a6a-4e1d-4f86-a1e1-58f2a4c6e1a5": {
                    "err": "authentication_failed",
                    "description": "The SET could not be authenticated"
                }
            },
            "maxEvents": 10,
            "returnImmediately": true
        }))
        .unwrap();
        assert_eq!(request.ack.len(), 1);
        assert_eq!(
            request.set_errs["764f6a6a-4e1d-4f86-a1e1-58f2a4c6e1a5"].err,
            "authentication_failed"
        );
        assert_eq!(request.max_events, Some(10));
        assert!(request.return_immediately);
        let empty: PollRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, PollRequest::default());
        assert!(serde_json::from_str::<PollRequest>(r#"{"maxEvents": -1}"#).is_err());
        assert!(serde_json::from_str::<PollRequest>(r#"{"ack": "x"}"#).is_err());
    }

    #[test]
    fn answers_are_sets_by_jti_and_more_available() {
        let mut response = PollResponse::default();
        response
            .sets
            .insert("jti-1".into(), Value::String("a.b.c".into()));
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            serde_json::json!({"sets": {"jti-1": "a.b.c"}, "moreAvailable": false})
        );
    }
}

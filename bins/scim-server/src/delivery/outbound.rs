//! One delivery attempt: an event encoded for a subscription (Standard Webhooks JSON or an
//! RFC 8935 SET), sent, and the answer judged.
//!
//! | answer | JSON (Standard Webhooks) | SET (RFC 8935) |
//! | --- | --- | --- |
//! | 2xx | delivered | delivered (202 is what RFC 8935 asks for; any 2xx is taken as a yes) |
//! | 410 Gone | the subscription is disabled | the same |
//! | 400 with an RFC 8935 error `invalid_request` | failed, retried | rejected: this SET is not sent again, the stream goes on |
//! | anything else, or no answer | failed, retried with backoff | the same |
//!
//! RFC 8935 §2.3: a SET the recipient refused is not retransmitted unless the error may be
//! recoverable. `invalid_request` says the SET itself is unacceptable, so sending it again
//! cannot help; the other codes (a key the recipient has not fetched yet, an issuer or audience
//! an operator is about to correct, credentials) can be fixed on either side, so those SETs are
//! retried, like any failure, and nothing is lost meanwhile.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use scim_store::{DeliveryAttempt, Event, EventFormat, Store, Subscription};

use super::client::{Client, Reply};
use super::keys::{EventKeyError, EventKeys};
use super::set;
use super::ssrf::check_url;
use super::webhooks::{self, SecretError};
use crate::config::{Config, WebhooksConfig};

/// Why an event cannot be encoded for a subscription.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The subscription's secret cannot sign.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The event-signing key is unavailable.
    #[error(transparent)]
    Key(#[from] EventKeyError),
}

/// An encoded message, ready to send (and to send again).
#[derive(Debug, Clone)]
pub(crate) struct Message {
    /// `webhook-id` / `jti`: the event's id, or a fresh one for a test.
    pub(crate) id: String,
    /// The event's sequence number (none for a test).
    pub(crate) seq: Option<i64>,
    /// Whether this is an event of the log (as opposed to a test).
    pub(crate) is_event: bool,
    body: Body,
}

impl Message {
    /// The signed SET, for a SET subscription.
    pub(crate) fn set_token(&self) -> Option<&str> {
        match &self.body {
            Body::Set(token) => Some(token),
            Body::Json(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
enum Body {
    /// The JSON body, signed at each attempt (the signature covers the attempt's time).
    Json(Vec<u8>),
    /// A signed SET.
    Set(String),
}

/// How an attempt turned out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The receiver took it.
    Delivered,
    /// The receiver refused this SET for good (RFC 8935 `invalid_request`): it is not sent
    /// again, and the cursor moves over it.
    Rejected(String),
    /// Try again later.
    Failed(String),
    /// 410 Gone: stop delivering to this subscription.
    Gone(String),
}

impl Verdict {
    /// The `outcome` label of the attempts metric.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Rejected(_) => "rejected",
            Self::Failed(_) => "failed",
            Self::Gone(_) => "gone",
        }
    }
}

/// An attempt made: the delivery log's record, the verdict, and when the receiver asked to be
/// tried again.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) attempt: DeliveryAttempt,
    pub(crate) verdict: Verdict,
    pub(crate) retry_after: Option<Duration>,
}

/// What every delivery needs: the HTTP client, the event-signing keys and the issuer.
pub struct Outbound {
    client: Client,
    keys: EventKeys,
    issuer: String,
    webhooks: WebhooksConfig,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// Deliveries for the server configured by `config`, signing SETs with the keys kept in
    /// `store`.
    pub fn new(config: &Config, store: Arc<dyn Store>) -> Self {
        Self {
            client: Client::new(&config.webhooks),
            keys: EventKeys::new(store),
            issuer: issuer(config),
            webhooks: config.webhooks.clone(),
        }
    }

    /// The keys SETs are signed with.
    pub fn keys(&self) -> &EventKeys {
        &self.keys
    }

    /// The `iss` of every SET.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `event` encoded for `subscription`; `None` when the subscription does not receive it
    /// (a type it did not ask for, or, for SETs, an event RFC 9967 has no form for).
    pub(crate) fn message(
        &self,
        event: &Event,
        subscription: &Subscription,
    ) -> Result<Option<Message>, EncodeError> {
        if !subscription.wants(event.event_type) {
            return Ok(None);
        }
        let body = match subscription.format {
            EventFormat::Json => Body::Json(
                serde_json::to_vec(&event.to_json(subscription.full)).unwrap_or_default(),
            ),
            EventFormat::Set => {
                let Some(claims) = set::claims(event, subscription, &self.issuer, Utc::now())
                else {
                    return Ok(None);
                };
                Body::Set(set::sign(&claims, &self.keys.signing()?))
            }
        };
        Ok(Some(Message {
            id: event.id.clone(),
            seq: Some(event.seq),
            is_event: true,
            body,
        }))
    }

    /// A test message for `subscription`: JSON `{"type": "test", ...}`, or an OpenID Shared
    /// Signals verification SET, under a fresh id.
    pub(crate) fn test_message(&self, subscription: &Subscription) -> Result<Message, EncodeError> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = Utc::now();
        let body = match subscription.format {
            EventFormat::Json => Body::Json(
                serde_json::to_vec(&serde_json::json!({
                    "id": id,
                    "type": "test",
                    "tenant": subscription.tenant.as_str(),
                    "occurred_at": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    "subscription": subscription.id,
                }))
                .unwrap_or_default(),
            ),
            EventFormat::Set => {
                let claims = set::verification_claims(subscription, &id, &self.issuer, now);
                Body::Set(set::sign(&claims, &self.keys.signing()?))
            }
        };
        Ok(Message {
            id,
            seq: None,
            is_event: false,
            body,
        })
    }

    /// Sends `message` to `subscription`'s receiver once.
    pub(crate) fn send(&self, subscription: &Subscription, message: &Message) -> Sent {
        let at = Utc::now();
        let reply = match check_url(&self.webhooks, &subscription.url) {
            Err(refusal) => Reply {
                status: None,
                latency: Duration::ZERO,
                body: None,
                retry_after: None,
                error: Some(format!("refused: {refusal}")),
            },
            Ok(url) => match &message.body {
                Body::Json(body) => match webhooks::signature(
                    &subscription.secret,
                    &message.id,
                    at.timestamp(),
                    body,
                ) {
                    Ok(signature) => {
                        let timestamp = at.timestamp().to_string();
                        self.client.post(
                            url.as_str(),
                            &[
                                ("content-type", "application/json"),
                                ("webhook-id", &message.id),
                                ("webhook-timestamp", &timestamp),
                                ("webhook-signature", &signature),
                            ],
                            body,
                        )
                    }
                    Err(e) => Reply {
                        status: None,
                        latency: Duration::ZERO,
                        body: None,
                        retry_after: None,
                        error: Some(e.to_string()),
                    },
                },
                Body::Set(token) => self.client.post(
                    url.as_str(),
                    &[
                        ("content-type", set::MEDIA_TYPE),
                        ("accept", "application/json"),
                    ],
                    token.as_bytes(),
                ),
            },
        };
        let verdict = judge(subscription.format, &reply);
        let error = match &verdict {
            Verdict::Delivered => None,
            Verdict::Rejected(why) | Verdict::Failed(why) | Verdict::Gone(why) => Some(why.clone()),
        };
        Sent {
            attempt: DeliveryAttempt {
                id: uuid::Uuid::now_v7().to_string(),
                at,
                event_id: message.is_event.then(|| message.id.clone()),
                seq: message.seq,
                status: reply.status,
                latency_micros: i64::try_from(reply.latency.as_micros()).unwrap_or(i64::MAX),
                delivered: verdict == Verdict::Delivered,
                error,
                response_excerpt: reply.body.filter(|b| !b.is_empty()),
            },
            verdict,
            retry_after: reply.retry_after,
        }
    }
}

/// `base_url` without a trailing slash, or else `auth.issuer`.
fn issuer(config: &Config) -> String {
    match &config.base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => config.auth.issuer.clone(),
    }
}

/// What an answer means for the delivery (see the module documentation).
fn judge(format: EventFormat, reply: &Reply) -> Verdict {
    let Some(status) = reply.status else {
        return Verdict::Failed(reply.error.clone().unwrap_or_else(|| "no answer".into()));
    };
    match status {
        200..=299 => Verdict::Delivered,
        410 => Verdict::Gone("410 Gone".into()),
        400 if format == EventFormat::Set => match rfc8935_error(reply.body.as_deref()) {
            Some((code, description)) if code == "invalid_request" => Verdict::Rejected(format!(
                "the receiver rejected the SET: {code}{}",
                description.map(|d| format!(" ({d})")).unwrap_or_default()
            )),
            Some((code, description)) => Verdict::Failed(format!(
                "400 {code}{}",
                description.map(|d| format!(" ({d})")).unwrap_or_default()
            )),
            None => Verdict::Failed("400 without an RFC 8935 error".into()),
        },
        300..=399 => Verdict::Failed(format!("{status}: redirects are not followed")),
        _ => Verdict::Failed(format!("HTTP {status}")),
    }
}

/// The `err` and `description` of an RFC 8935 §2.3 error document.
fn rfc8935_error(body: Option<&str>) -> Option<(String, Option<String>)> {
    let document: serde_json::Value = serde_json::from_str(body?).ok()?;
    let code = document.get("err")?.as_str()?.to_owned();
    let description = document
        .get("description")
        .and_then(|d| d.as_str())
        .map(str::to_owned);
    Some((code, description))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: Some(status),
            latency: Duration::from_millis(3),
            body: Some(body.into()),
            retry_after: None,
            error: None,
        }
    }

    #[test]
    fn answers_are_judged_as_the_specifications_say() {
        for format in [EventFormat::Json, EventFormat::Set] {
            assert_eq!(judge(format, &reply(200, "")), Verdict::Delivered);
            assert_eq!(judge(format, &reply(202, "")), Verdict::Delivered);
            assert_eq!(judge(format, &reply(204, "")), Verdict::Delivered);
            assert!(matches!(judge(format, &reply(410, "")), Verdict::Gone(_)));
            assert!(matches!(judge(format, &reply(500, "")), Verdict::Failed(_)));
            assert!(matches!(judge(format, &reply(301, "")), Verdict::Failed(_)));
            assert!(matches!(judge(format, &reply(429, "")), Verdict::Failed(_)));
        }
        let invalid = r#"{"err":"invalid_request","description":"bad payload"}"#;
        assert_eq!(
            judge(EventFormat::Set, &reply(400, invalid)),
            Verdict::Rejected(
                "the receiver rejected the SET: invalid_request (bad payload)".into()
            )
        );
        assert!(matches!(
            judge(EventFormat::Json, &reply(400, invalid)),
            Verdict::Failed(_)
        ));
        for recoverable in [
            r#"{"err":"invalid_key"}"#,
            r#"{"err":"invalid_audience","description":"x"}"#,
            r#"{"err":"authentication_failed"}"#,
            "not json",
        ] {
            assert!(
                matches!(
                    judge(EventFormat::Set, &reply(400, recoverable)),
                    Verdict::Failed(_)
                ),
                "{recoverable}"
            );
        }
        let down = Reply {
            status: None,
            latency: Duration::ZERO,
            body: None,
            retry_after: None,
            error: Some("connection refused".into()),
        };
        assert_eq!(
            judge(EventFormat::Json, &down),
            Verdict::Failed("connection refused".into())
        );
    }

    #[test]
    fn the_issuer_is_the_base_url_or_the_configured_issuer() {
        let mut config = Config::default();
        assert_eq!(issuer(&config), "scim-server");
        config.base_url = Some("https://scim.example.com/".into());
        assert_eq!(issuer(&config), "https://scim.example.com");
    }
}

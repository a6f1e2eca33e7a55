//! Security Event Tokens (RFC 8417) in the SCIM profile of RFC 9967: which of our events become
//! which RFC 9967 event, and the claims of the token.
//!
//! The mapping (docs/decisions/0006-security-event-tokens.md gives the reasons):
//!
//! | event | RFC 9967 event URI | payload |
//! | --- | --- | --- |
//! | `user.created`, `group.created` | `prov:create:full` / `prov:create:notice` | `data`: the resource as stored / `attributes`: those it has |
//! | `user.updated`, `group.updated` | `prov:put:full` / `prov:put:notice` | `data`: the resource after the write / `attributes`: those changed; `version` |
//! | `group.members_added`, `group.members_removed` | `prov:patch:full` / `prov:patch:notice` | `data`: the PATCH request that makes the change / `attributes: ["members"]`; `version` |
//! | `user.deleted`, `group.deleted` | `prov:delete` | none |
//! | `user.deactivated` | `prov:deactivate` | none |
//! | `user.reactivated` | `prov:activate` | none |
//! | `access.*`, `token.*`, `tenant.*` | (not sent as SETs) | |
//!
//! `full` or `notice` is the subscription's `full` setting. Every token carries `iss` (the
//! server's base URL, or `auth.issuer` without one), `iat`, `jti` (the event's id, the same on
//! every redelivery), `aud` (the subscription's audience), `txn` (shared by every event of one
//! write), `toe` (when the write committed), `sub_id` (RFC 9967 §2.1: format `scim`, the
//! resource's relative `uri`, its `id` and its `externalId`) and `events`, keyed by the URI.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Signer as _;
use scim_store::{Event, EventType, Subscription};
use serde_json::{Map, Value, json};

use super::keys::Signing;

/// The prefix of RFC 9967's provisioning events.
const PROV: &str = "urn:ietf:params:scim:event:prov:";

/// The media type of a SET (RFC 8417 §2.3), also its JWT `typ`.
pub(crate) const MEDIA_TYPE: &str = "application/secevent+jwt";

/// The `typ` header RFC 8417 §2.3 recommends.
const TYP: &str = "secevent+jwt";

/// The OpenID Shared Signals verification event: what a test delivery to a SET receiver is
/// (RFC 9967 defines no test event).
pub(crate) const VERIFICATION_EVENT: &str =
    "https://schemas.openid.net/secevent/ssf/event-type/verification";

/// Every event URI the server generates, for `/ServiceProviderConfig` (`securityEvents`).
pub const EVENT_URIS: [&str; 9] = [
    "urn:ietf:params:scim:event:prov:create:notice",
    "urn:ietf:params:scim:event:prov:create:full",
    "urn:ietf:params:scim:event:prov:put:notice",
    "urn:ietf:params:scim:event:prov:put:full",
    "urn:ietf:params:scim:event:prov:patch:notice",
    "urn:ietf:params:scim:event:prov:patch:full",
    "urn:ietf:params:scim:event:prov:delete",
    "urn:ietf:params:scim:event:prov:activate",
    "urn:ietf:params:scim:event:prov:deactivate",
];

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The RFC 9967 operation an event type is, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Create,
    Put,
    Patch,
    Delete,
    Activate,
    Deactivate,
}

fn operation(event_type: EventType) -> Option<Operation> {
    Some(match event_type {
        EventType::UserCreated | EventType::GroupCreated => Operation::Create,
        EventType::UserUpdated | EventType::GroupUpdated => Operation::Put,
        EventType::GroupMembersAdded | EventType::GroupMembersRemoved => Operation::Patch,
        EventType::UserDeleted | EventType::GroupDeleted => Operation::Delete,
        EventType::UserReactivated => Operation::Activate,
        EventType::UserDeactivated => Operation::Deactivate,
        // Access, keys and settings are not SCIM resources: RFC 9967 has no event for them.
        _ => return None,
    })
}

/// Whether events of this type are sent as SETs at all.
#[cfg(test)]
fn has_set_form(event_type: EventType) -> bool {
    operation(event_type).is_some()
}

/// The event URI and payload of `event` for a subscription that wants `full` events, or `None`
/// for an event with no SET form.
fn event_member(event: &Event, full: bool) -> Option<(String, Value)> {
    let operation = operation(event.event_type)?;
    let version = event
        .resource
        .version
        .map(|v| Value::String(format!("W/\"{v}\"")));
    let mut payload = Map::new();
    let name = match operation {
        Operation::Delete => "delete",
        Operation::Activate => "activate",
        Operation::Deactivate => "deactivate",
        Operation::Create | Operation::Put | Operation::Patch => {
            let verb = match operation {
                Operation::Create => "create",
                Operation::Put => "put",
                _ => "patch",
            };
            if operation != Operation::Create
                && let Some(version) = version
            {
                payload.insert("version".into(), version);
            }
            // RFC 9967 §2.4: exactly one of `data` (`full`) and `attributes` (`notice`).
            let data = full.then(|| data(event, operation)).flatten();
            let form = match data {
                Some(data) => {
                    payload.insert("data".into(), data);
                    "full"
                }
                None => {
                    let attributes = if operation == Operation::Patch {
                        vec![Value::String("members".into())]
                    } else {
                        event.changed.iter().cloned().map(Value::String).collect()
                    };
                    payload.insert("attributes".into(), Value::Array(attributes));
                    "notice"
                }
            };
            return Some((format!("{PROV}{verb}:{form}"), Value::Object(payload)));
        }
    };
    Some((format!("{PROV}{name}"), Value::Object(payload)))
}

/// The `data` of a `full` event: the resource as stored for a create or a replace, the PATCH
/// request that makes a membership change (as RFC 9967's Figure 6 shows).
fn data(event: &Event, operation: Operation) -> Option<Value> {
    match operation {
        Operation::Patch => {
            let members = event.members.iter();
            let operations: Vec<Value> = if event.event_type == EventType::GroupMembersAdded {
                vec![json!({
                    "op": "add",
                    "path": "members",
                    "value": members.map(|id| json!({"value": id})).collect::<Vec<_>>(),
                })]
            } else {
                members
                    .map(|id| {
                        // A member id is a stored resource id: quotes and backslashes cannot
                        // occur in one, but a filter must stay well-formed whatever it holds.
                        let escaped = id.replace('\\', "\\\\").replace('"', "\\\"");
                        json!({"op": "remove", "path": format!("members[value eq \"{escaped}\"]")})
                    })
                    .collect()
            };
            Some(json!({"schemas": [PATCH_OP], "Operations": operations}))
        }
        _ => event.full_resource().map(Value::Object),
    }
}

/// RFC 9967 §2.1: the subject, format `scim`.
fn subject(event: &Event) -> Value {
    let resource = &event.resource;
    let endpoint = match resource.resource_type.as_str() {
        "User" => "Users",
        "Group" => "Groups",
        other => other,
    };
    let mut sub_id = json!({
        "format": "scim",
        "uri": format!("/{endpoint}/{}", resource.id),
        "id": resource.id,
    });
    if let (Some(external_id), Some(map)) = (&resource.external_id, sub_id.as_object_mut()) {
        map.insert("externalId".into(), Value::String(external_id.clone()));
    }
    sub_id
}

/// The claims of the SET for `event`, or `None` for an event with no SET form.
pub(crate) fn claims(
    event: &Event,
    subscription: &Subscription,
    issuer: &str,
    issued_at: DateTime<Utc>,
) -> Option<Value> {
    let (uri, payload) = event_member(event, subscription.full)?;
    let mut events = Map::new();
    events.insert(uri, payload);
    Some(json!({
        "iss": issuer,
        "iat": issued_at.timestamp(),
        "jti": event.id,
        "aud": subscription.audience(),
        "txn": event.txn,
        "toe": event.occurred_at.timestamp(),
        "sub_id": subject(event),
        "events": events,
    }))
}

/// The claims of a test delivery: an OpenID Shared Signals verification event about the
/// subscription itself (RFC 9493 `opaque` subject), under a fresh `jti`.
pub(crate) fn verification_claims(
    subscription: &Subscription,
    jti: &str,
    issuer: &str,
    issued_at: DateTime<Utc>,
) -> Value {
    json!({
        "iss": issuer,
        "iat": issued_at.timestamp(),
        "jti": jti,
        "aud": subscription.audience(),
        "txn": jti,
        "sub_id": {"format": "opaque", "id": subscription.id},
        "events": {VERIFICATION_EVENT: {"state": "test"}},
    })
}

/// Signs `claims` into a compact JWS (RFC 7515 §7.1) with the event-signing key: ES256, the
/// signature being R and S as two 32-byte big-endian integers (RFC 7518 §3.4).
pub(crate) fn sign(claims: &Value, key: &Signing) -> String {
    let header = json!({"alg": "ES256", "typ": TYP, "kid": key.kid});
    let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature: p256::ecdsa::Signature = key.key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    token
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::{
        DeliveryMethod, EventActor, EventFormat, EventResource, SubscriptionState, TenantId,
    };

    fn event(event_type: EventType) -> Event {
        Event {
            id: "0193a6f2-0000-7000-8000-000000000001".into(),
            txn: "0193a6f2-0000-7000-8000-0000000000aa".into(),
            seq: 7,
            tenant: TenantId::new("acme").unwrap(),
            event_type,
            occurred_at: DateTime::from_timestamp(1_765_000_000, 0).unwrap(),
            actor: EventActor::Token("tok-1".into()),
            resource: EventResource {
                resource_type: "User".into(),
                id: "u1".into(),
                external_id: Some("ada@corp".into()),
                name: Some("ada".into()),
                version: Some(scim_store::Version::new(3)),
            },
            changed: vec!["userName".into(), "name".into()],
            members: vec!["m1".into(), "m2".into()],
            access: None,
            part: None,
            snapshot: serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada"})
                .as_object()
                .cloned(),
        }
    }

    fn subscription(full: bool) -> Subscription {
        let now = Utc::now();
        Subscription {
            id: "sub-1".into(),
            tenant: TenantId::new("acme").unwrap(),
            url: "https://receiver.example.com/events".into(),
            format: EventFormat::Set,
            delivery: DeliveryMethod::Push,
            event_types: Vec::new(),
            full,
            secret: "whsec_x".into(),
            audience: None,
            description: String::new(),
            enabled: true,
            state: SubscriptionState::Healthy,
            cursor: 0,
            attempts: 0,
            failing_since: None,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn member(event_type: EventType, full: bool) -> (String, Value) {
        event_member(&event(event_type), full).unwrap()
    }

    #[test]
    fn every_scim_event_maps_to_an_advertised_rfc_9967_uri() {
        for event_type in EventType::ALL {
            for full in [false, true] {
                match event_member(&event(event_type), full) {
                    Some((uri, _)) => {
                        assert!(EVENT_URIS.contains(&uri.as_str()), "{uri}");
                        assert!(has_set_form(event_type));
                    }
                    None => assert!(!has_set_form(event_type), "{event_type}"),
                }
            }
        }
        for skipped in [
            EventType::AccessGranted,
            EventType::AccessRevoked,
            EventType::TokenIssued,
            EventType::TokenRevoked,
            EventType::TenantUpdated,
        ] {
            assert!(!has_set_form(skipped));
        }
    }

    #[test]
    fn creates_and_replaces_carry_the_resource_or_the_attributes() {
        let (uri, payload) = member(EventType::UserCreated, true);
        assert_eq!(uri, "urn:ietf:params:scim:event:prov:create:full");
        assert_eq!(payload["data"]["userName"], "ada");
        assert_eq!(payload["data"]["id"], "u1");
        assert!(payload.get("attributes").is_none());
        let (uri, payload) = member(EventType::UserCreated, false);
        assert_eq!(uri, "urn:ietf:params:scim:event:prov:create:notice");
        assert_eq!(payload, json!({"attributes": ["userName", "name"]}));
        let (uri, payload) = member(EventType::UserUpdated, true);
        assert_eq!(uri, "urn:ietf:params:scim:event:prov:put:full");
        assert_eq!(payload["version"], "W/\"3\"");
        let (uri, payload) = member(EventType::GroupUpdated, false);
        assert_eq!(uri, "urn:ietf:params:scim:event:prov:put:notice");
        assert_eq!(
            payload,
            json!({"version": "W/\"3\"", "attributes": ["userName", "name"]})
        );
    }

    #[test]
    fn membership_changes_are_patches() {
        let (uri, payload) = member(EventType::GroupMembersAdded, true);
        assert_eq!(uri, "urn:ietf:params:scim:event:prov:patch:full");
        assert_eq!(
            payload["data"],
            json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": "m1"}, {"value": "m2"}]}
            ]})
        );
        let (_, payload) = member(EventType::GroupMembersRemoved, true);
        assert_eq!(
            payload["data"]["Operations"],
            json!([
                {"op": "remove", "path": "members[value eq \"m1\"]"},
                {"op": "remove", "path": "members[value eq \"m2\"]"}
            ])
        );
        let (uri, payload) = member(EventType::GroupMembersRemoved, false);
        assert_eq!(uri, "urn:ietf:params:scim:event:prov:patch:notice");
        assert_eq!(
            payload,
            json!({"version": "W/\"3\"", "attributes": ["members"]})
        );
    }

    #[test]
    fn deletes_and_activation_have_no_payload_and_no_qualifier() {
        for (event_type, uri) in [
            (
                EventType::UserDeleted,
                "urn:ietf:params:scim:event:prov:delete",
            ),
            (
                EventType::UserDeactivated,
                "urn:ietf:params:scim:event:prov:deactivate",
            ),
            (
                EventType::UserReactivated,
                "urn:ietf:params:scim:event:prov:activate",
            ),
        ] {
            for full in [false, true] {
                assert_eq!(member(event_type, full), (uri.to_owned(), json!({})));
            }
        }
    }

    #[test]
    fn claims_name_the_issuer_audience_transaction_and_subject() {
        let at = DateTime::from_timestamp(1_765_000_100, 0).unwrap();
        let set = claims(
            &event(EventType::UserCreated),
            &subscription(false),
            "https://scim.example.com",
            at,
        )
        .unwrap();
        assert_eq!(
            set,
            json!({
                "iss": "https://scim.example.com",
                "iat": 1_765_000_100,
                "jti": "0193a6f2-0000-7000-8000-000000000001",
                "aud": "https://receiver.example.com/events",
                "txn": "0193a6f2-0000-7000-8000-0000000000aa",
                "toe": 1_765_000_000,
                "sub_id": {"format": "scim", "uri": "/Users/u1", "id": "u1", "externalId": "ada@corp"},
                "events": {"urn:ietf:params:scim:event:prov:create:notice": {"attributes": ["userName", "name"]}},
            })
        );
        assert!(set.get("sub").is_none(), "RFC 9967 §2.1: never `sub`");
        assert!(
            claims(
                &event(EventType::AccessGranted),
                &subscription(true),
                "x",
                at
            )
            .is_none()
        );
    }
}

//! The change log: typed events, appended in the transaction of the write that caused them.
//!
//! One write may yield several events, in a fixed order: the resource's own event first (a
//! user's `user.updated` before its `user.deactivated`), then the membership changes it made
//! (`group.members_added`/`group.members_removed`, one event per group, in chunks of at most
//! [`MEMBERS_PER_EVENT`] ids), then what those mean for access to the product's projects
//! (`access.granted`/`access.revoked`, for project x role groups only).

use crate::Version;
use chrono::{DateTime, SecondsFormat, Utc};
use scim_core::schema::ResourceKind;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::TenantId;

/// The most member ids one event lists: a change to 100,000 members is 100 events, never one
/// giant document.
pub const MEMBERS_PER_EVENT: usize = 1000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EventType {
    /// A user was created.
    UserCreated,
    /// A user's attributes changed (other than `active`).
    UserUpdated,
    /// A user's `active` went from true to false: the user left the organisation.
    UserDeactivated,
    /// A user's `active` went from false to true.
    UserReactivated,
    /// A user was deleted.
    UserDeleted,
    /// A group was created.
    GroupCreated,
    /// A group's own attributes changed (not its members).
    GroupUpdated,
    /// A group was deleted.
    GroupDeleted,
    /// Members joined a group.
    GroupMembersAdded,
    /// Members left a group.
    GroupMembersRemoved,
    /// Users joined a project x role group: they have that role in that project now.
    AccessGranted,
    /// Users left a project x role group (or it was deleted): they lost that role.
    AccessRevoked,
    /// A SCIM key was issued.
    TokenIssued,
    /// A SCIM key was revoked.
    TokenRevoked,
    /// The organisation's settings or policies changed.
    TenantUpdated,
}

impl EventType {
    /// Every type, in a stable order.
    pub const ALL: [EventType; 15] = [
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDeactivated,
        Self::UserReactivated,
        Self::UserDeleted,
        Self::GroupCreated,
        Self::GroupUpdated,
        Self::GroupDeleted,
        Self::GroupMembersAdded,
        Self::GroupMembersRemoved,
        Self::AccessGranted,
        Self::AccessRevoked,
        Self::TokenIssued,
        Self::TokenRevoked,
        Self::TenantUpdated,
    ];

    /// The type's name, as consumers see it (`user.created`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserDeactivated => "user.deactivated",
            Self::UserReactivated => "user.reactivated",
            Self::UserDeleted => "user.deleted",
            Self::GroupCreated => "group.created",
            Self::GroupUpdated => "group.updated",
            Self::GroupDeleted => "group.deleted",
            Self::GroupMembersAdded => "group.members_added",
            Self::GroupMembersRemoved => "group.members_removed",
            Self::AccessGranted => "access.granted",
            Self::AccessRevoked => "access.revoked",
            Self::TokenIssued => "token.issued",
            Self::TokenRevoked => "token.revoked",
            Self::TenantUpdated => "tenant.updated",
        }
    }

    /// The type named `name`, if any.
    ///
    /// ```
    /// use scim_store::EventType;
    /// assert_eq!(EventType::parse("access.revoked"), Some(EventType::AccessRevoked));
    /// assert_eq!(EventType::parse("user.exploded"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made the change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventActor {
    /// A SCIM key, by its id: an identity provider.
    Token(String),
    /// The admin API (the product or an operator through it).
    Admin,
    /// The command line, or an embedding application acting on its own.
    Cli,
}

impl EventActor {
    /// The actor as stored and shown: the token id, `admin` or `cli`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Token(id) => id,
            Self::Admin => "admin",
            Self::Cli => "cli",
        }
    }

    /// The actor [`EventActor::as_str`] names: `admin`, `cli`, or else a token id.
    pub fn parse(text: &str) -> Self {
        match text {
            "admin" => Self::Admin,
            "cli" => Self::Cli,
            id => Self::Token(id.to_owned()),
        }
    }
}

/// The resource an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventResource {
    /// `User`, `Group`, `Token` or `Tenant`.
    pub resource_type: String,
    /// Its id.
    pub id: String,
    /// Its `externalId`, if it has one.
    pub external_id: Option<String>,
    /// A User's `userName` or a Group's `displayName` (after the write; before it, for a
    /// delete), or a token's description.
    pub name: Option<String>,
    /// Its version after the write (its last, for a delete); none for tokens and tenants.
    pub version: Option<Version>,
}

/// Which part of a change too large for one event this event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPart {
    /// 1-based.
    pub index: u32,
    /// How many parts the change has.
    pub of: u32,
}

/// One entry of a tenant's change log.
///
/// Sequence numbers start at 1 and increase by one per event within a tenant, in commit order,
/// so a reader that remembers the last `seq` it saw never misses an event. The `id` is a UUID
/// that stays the same however often the event is delivered: consumers deduplicate by it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// A UUID, stable across redeliveries.
    pub id: String,
    /// The write it came from: every event of one write has the same (an RFC 8417 `txn`).
    pub txn: String,
    /// The position in the tenant's log.
    pub seq: i64,
    /// The tenant.
    pub tenant: TenantId,
    /// What happened.
    pub event_type: EventType,
    /// When the write committed (its transaction's time).
    pub occurred_at: DateTime<Utc>,
    /// Who did it.
    pub actor: EventActor,
    /// What it happened to.
    pub resource: EventResource,
    /// The attributes the write changed (top-level names; all present ones for a create).
    pub changed: Vec<String>,
    /// Member events: the ids of the members that joined or left. Access events: the users
    /// who gained or lost the role.
    pub members: Vec<String>,
    /// Access events: the project and the role.
    pub access: Option<(String, String)>,
    /// For a change split over several events, which part this is.
    pub part: Option<EventPart>,
    /// The resource as stored after the write (without memberships), for the "full" form of
    /// created and updated events.
    pub snapshot: Option<Map<String, Value>>,
}

impl Event {
    /// The event as JSON: `full` adds the resource as stored after the write (`data`), when
    /// the event carries it.
    pub fn to_json(&self, full: bool) -> Value {
        serde_json::to_value(EventJson { event: self, full }).unwrap_or(Value::Null)
    }

    /// The stored resource of the "full" form, with its id and `meta` (`lastModified` is the
    /// event's time).
    pub fn full_resource(&self) -> Option<Map<String, Value>> {
        let snapshot = self.snapshot.as_ref()?;
        let mut body = Map::with_capacity(snapshot.len() + 2);
        if let Some(schemas) = snapshot.get("schemas") {
            body.insert("schemas".into(), schemas.clone());
        }
        body.insert("id".into(), Value::String(self.resource.id.clone()));
        for (key, value) in snapshot {
            if key != "schemas" {
                body.insert(key.clone(), value.clone());
            }
        }
        let mut meta = Map::new();
        meta.insert(
            "resourceType".into(),
            Value::String(self.resource.resource_type.clone()),
        );
        meta.insert(
            "lastModified".into(),
            Value::String(timestamp(self.occurred_at)),
        );
        if let Some(version) = self.resource.version {
            meta.insert("version".into(), Value::String(format!("W/\"{version}\"")));
        }
        body.insert("meta".into(), Value::Object(meta));
        Some(body)
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The wire form of an event (docs/events.md).
struct EventJson<'e> {
    event: &'e Event,
    full: bool,
}

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.event;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &e.id)?;
        map.serialize_entry("txn", &e.txn)?;
        map.serialize_entry("seq", &e.seq)?;
        map.serialize_entry("tenant", e.tenant.as_str())?;
        map.serialize_entry("type", e.event_type.as_str())?;
        map.serialize_entry("occurred_at", &timestamp(e.occurred_at))?;
        map.serialize_entry("actor", e.actor.as_str())?;
        map.serialize_entry("resource", &ResourceJson(&e.resource))?;
        map.serialize_entry("changed", &e.changed)?;
        if let Some((project, role)) = &e.access {
            map.serialize_entry("project", project)?;
            map.serialize_entry("role", role)?;
            map.serialize_entry("users", &e.members)?;
        } else if matches!(
            e.event_type,
            EventType::GroupMembersAdded | EventType::GroupMembersRemoved
        ) {
            map.serialize_entry("members", &e.members)?;
        }
        if let Some(part) = e.part {
            map.serialize_entry(
                "part",
                &serde_json::json!({"index": part.index, "of": part.of}),
            )?;
        }
        if self.full
            && let Some(resource) = e.full_resource()
        {
            map.serialize_entry("data", &resource)?;
        }
        map.end()
    }
}

struct ResourceJson<'r>(&'r EventResource);

impl Serialize for ResourceJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", &r.resource_type)?;
        map.serialize_entry("id", &r.id)?;
        if let Some(external_id) = &r.external_id {
            map.serialize_entry("externalId", external_id)?;
        }
        if let Some(name) = &r.name {
            let key = match ResourceKind::of(&r.resource_type) {
                ResourceKind::User => "userName",
                ResourceKind::Group => "displayName",
                ResourceKind::Other => "name",
            };
            map.serialize_entry(key, name)?;
        }
        if let Some(version) = r.version {
            map.serialize_entry("version", &version.get())?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: EventType) -> Event {
        Event {
            id: "0193a6f2-0000-7000-8000-000000000001".into(),
            txn: "0193a6f2-0000-7000-8000-0000000000aa".into(),
            seq: 7,
            tenant: TenantId::new("acme").unwrap(),
            event_type,
            occurred_at: DateTime::from_timestamp(1_765_000_000, 123_456_000).unwrap(),
            actor: EventActor::Token("tok-1".into()),
            resource: EventResource {
                resource_type: "Group".into(),
                id: "g1".into(),
                external_id: None,
                name: Some("acme-Website-Admin".into()),
                version: Some(Version::new(3)),
            },
            changed: vec!["members".into()],
            members: vec!["u1".into(), "u2".into()],
            access: None,
            part: None,
            snapshot: None,
        }
    }

    #[test]
    fn type_names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn actors_are_a_token_id_admin_or_cli() {
        for actor in [
            EventActor::Token("3f1c".into()),
            EventActor::Admin,
            EventActor::Cli,
        ] {
            assert_eq!(EventActor::parse(actor.as_str()), actor);
        }
    }

    #[test]
    fn member_events_list_members_and_access_events_their_project_role_and_users() {
        let members = event(EventType::GroupMembersAdded).to_json(false);
        assert_eq!(
            members,
            json!({
                "id": "0193a6f2-0000-7000-8000-000000000001",
                "txn": "0193a6f2-0000-7000-8000-0000000000aa",
                "seq": 7,
                "tenant": "acme",
                "type": "group.members_added",
                "occurred_at": "2025-12-06T05:46:40.123456Z",
                "actor": "tok-1",
                "resource": {"type": "Group", "id": "g1", "displayName": "acme-Website-Admin", "version": 3},
                "changed": ["members"],
                "members": ["u1", "u2"]
            })
        );
        let mut access = event(EventType::AccessRevoked);
        access.access = Some(("Website".into(), "Admin".into()));
        access.part = Some(EventPart { index: 2, of: 3 });
        let json = access.to_json(false);
        assert_eq!(json["project"], "Website");
        assert_eq!(json["role"], "Admin");
        assert_eq!(json["users"], json!(["u1", "u2"]));
        assert_eq!(json["part"], json!({"index": 2, "of": 3}));
        assert!(json.get("members").is_none());
    }

    #[test]
    fn the_full_form_carries_the_resource_as_stored() {
        let mut created = event(EventType::UserCreated);
        created.resource.resource_type = "User".into();
        created.snapshot =
            json!({"userName": "ada", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]})
                .as_object()
                .cloned();
        assert!(created.to_json(false).get("data").is_none());
        let full = created.to_json(true);
        assert_eq!(full["resource"]["userName"], "acme-Website-Admin");
        let data = &full["data"];
        assert_eq!(data["id"], "g1");
        assert_eq!(data["userName"], "ada");
        assert_eq!(data["meta"]["version"], "W/\"3\"");
        assert_eq!(
            data.as_object().unwrap().keys().next().map(String::as_str),
            Some("schemas")
        );
    }
}

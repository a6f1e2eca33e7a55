//! The events of one write, collected while it runs and appended before it commits.
//!
//! A write holds its tenant's lock from its first statement, so the sequence numbers handed out
//! here, all at once when the write is done, follow the previous write's with no gap and in
//! commit order. A create reserves the number of its own event when it takes the lock (one
//! statement for both); the rest are handed out at the end.

use scim_core::schema::ResourceKind;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::backend::{ResourceRow, SqlConn};
use crate::event::{EventPart, EventType, MEMBERS_PER_EVENT};
use crate::model::Actor;
use crate::organisation::Organisation;
use crate::sql::{Bind, Sql};
use crate::{IdGenerator, StoreError, TenantId};

/// An event about to be written.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    pub(crate) event_type: EventType,
    pub(crate) resource_type: String,
    pub(crate) resource_id: String,
    pub(crate) external_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) version: Option<i64>,
    pub(crate) changed: Vec<String>,
    pub(crate) members: Vec<String>,
    pub(crate) access: Option<(String, String)>,
    pub(crate) part: Option<EventPart>,
    /// The document as stored (JSON text), for created and updated events.
    pub(crate) snapshot: Option<String>,
}

impl NewEvent {
    /// An event about a resource row as it is now written.
    pub(crate) fn about(event_type: EventType, row: &ResourceRow) -> Self {
        match serde_json::from_str::<Map<String, Value>>(&row.data) {
            Ok(document) => Self::about_document(event_type, row, &document),
            Err(_) => Self::about_document(event_type, row, &Map::new()),
        }
    }

    /// [`NewEvent::about`] a row whose document the caller holds already.
    pub(crate) fn about_document(
        event_type: EventType,
        row: &ResourceRow,
        document: &Map<String, Value>,
    ) -> Self {
        let (external_id, name) = identity(&row.resource_type, document);
        Self {
            event_type,
            resource_type: row.resource_type.clone(),
            resource_id: row.id.clone(),
            external_id,
            name,
            version: Some(row.version),
            changed: Vec::new(),
            members: Vec::new(),
            access: None,
            part: None,
            snapshot: None,
        }
    }

    /// An event about something that is not a resource (a token, the tenant).
    pub(crate) fn about_other(
        event_type: EventType,
        resource_type: &str,
        id: &str,
        name: Option<String>,
    ) -> Self {
        Self {
            event_type,
            resource_type: resource_type.to_owned(),
            resource_id: id.to_owned(),
            external_id: None,
            name,
            version: None,
            changed: Vec::new(),
            members: Vec::new(),
            access: None,
            part: None,
            snapshot: None,
        }
    }

    #[must_use]
    pub(crate) fn changed(mut self, changed: Vec<String>) -> Self {
        self.changed = changed;
        self
    }

    /// With the row's document, for the "full" form.
    #[must_use]
    pub(crate) fn with_snapshot(mut self, row: &ResourceRow) -> Self {
        self.snapshot = Some(row.data.clone());
        self
    }
}

/// A User's `userName` or a Group's `displayName`, and the `externalId`, from a stored
/// document.
fn identity(
    resource_type: &str,
    document: &Map<String, Value>,
) -> (Option<String>, Option<String>) {
    let text = |key: &str| document.get(key).and_then(Value::as_str).map(str::to_owned);
    let name = match ResourceKind::of(resource_type) {
        ResourceKind::User => text("userName"),
        ResourceKind::Group => text("displayName"),
        ResourceKind::Other => None,
    };
    (text("externalId"), name)
}

/// A member that joined or left a group: its id and resource type.
pub(crate) type Member = (String, String);

/// The event types of a resource's lifecycle, by its resource type.
pub(crate) fn lifecycle(resource_type: &str) -> Lifecycle {
    if ResourceKind::of(resource_type) == ResourceKind::Group {
        Lifecycle {
            created: EventType::GroupCreated,
            updated: EventType::GroupUpdated,
            deleted: EventType::GroupDeleted,
        }
    } else {
        Lifecycle {
            created: EventType::UserCreated,
            updated: EventType::UserUpdated,
            deleted: EventType::UserDeleted,
        }
    }
}

/// What creating, updating and deleting a resource of one type are called.
pub(crate) struct Lifecycle {
    pub(crate) created: EventType,
    pub(crate) updated: EventType,
    pub(crate) deleted: EventType,
}

/// Whether a User document is active: `active` unset counts as active (RFC 7643 leaves it to
/// the provider).
fn is_active(document: &Map<String, Value>) -> bool {
    document.get("active").and_then(Value::as_bool) != Some(false)
}

impl EventLog<'_> {
    /// The events of a resource's update from `before` to `after` (its documents), `written`
    /// being its row now: `*.updated` for the attributes that changed (members and `active`
    /// aside, which have events of their own), then `user.deactivated` or `user.reactivated`
    /// when `active` moved, whatever the request's shape.
    pub(crate) fn updated(
        &mut self,
        written: &ResourceRow,
        before: &Map<String, Value>,
        after: &Map<String, Value>,
        changed: &[String],
    ) {
        let is_user = ResourceKind::of(&written.resource_type) == ResourceKind::User;
        let own: Vec<String> = changed
            .iter()
            .filter(|name| {
                let own_event = name.eq_ignore_ascii_case("members")
                    || (is_user && name.eq_ignore_ascii_case("active"));
                !own_event
            })
            .cloned()
            .collect();
        if !own.is_empty() {
            let updated = lifecycle(&written.resource_type).updated;
            self.push(
                NewEvent::about_document(updated, written, after)
                    .changed(own)
                    .with_snapshot(written),
            );
        }
        if is_user && is_active(before) != is_active(after) {
            let event_type = if is_active(after) {
                EventType::UserReactivated
            } else {
                EventType::UserDeactivated
            };
            self.push(
                NewEvent::about_document(event_type, written, after)
                    .changed(vec!["active".to_owned()])
                    .with_snapshot(written),
            );
        }
    }
}

/// The events of one write.
pub(crate) struct EventLog<'a> {
    actor: Actor<'a>,
    at: i64,
    /// Sequence numbers taken with the tenant's lock: the first, and how many.
    reserved: Option<(i64, i64)>,
    events: Vec<NewEvent>,
}

impl<'a> EventLog<'a> {
    /// A log for a write that took no sequence number yet.
    pub(crate) fn new(actor: Actor<'a>, at: i64) -> Self {
        Self {
            actor,
            at,
            reserved: None,
            events: Vec::new(),
        }
    }

    /// A log for a write that took `count` numbers from `first` with its lock: it must record
    /// at least that many events.
    pub(crate) fn reserved(actor: Actor<'a>, at: i64, first: i64, count: i64) -> Self {
        Self {
            reserved: Some((first, count)),
            ..Self::new(actor, at)
        }
    }

    pub(crate) fn push(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// The write's time.
    pub(crate) fn at(&self) -> i64 {
        self.at
    }

    /// `access.revoked` for `users` of a project x role group that is gone (`group`: its
    /// event).
    pub(crate) fn access_ended(
        &mut self,
        organisation: &Organisation,
        group: NewEvent,
        users: &[Member],
    ) {
        let Some((project, role)) = group
            .name
            .as_deref()
            .and_then(|name| organisation.project_role_of(name))
        else {
            return;
        };
        let access = (project.to_owned(), role.to_owned());
        let ids: Vec<String> = users.iter().map(|(id, _)| id.clone()).collect();
        self.chunked(&group, EventType::AccessRevoked, &ids, Some(&access));
    }

    /// The member events of a group's membership change, and the access events when the group
    /// is a project x role group of `organisation`. `group` is the group's row after the write.
    pub(crate) fn members_changed(
        &mut self,
        organisation: &Organisation,
        group: &ResourceRow,
        added: &[Member],
        removed: &[Member],
    ) {
        let base = NewEvent::about(EventType::GroupMembersAdded, group);
        self.members_changed_of(organisation, base, added, removed);
    }

    /// [`EventLog::members_changed`] with the group's event made already.
    pub(crate) fn members_changed_of(
        &mut self,
        organisation: &Organisation,
        base: NewEvent,
        added: &[Member],
        removed: &[Member],
    ) {
        let access = base
            .name
            .as_deref()
            .and_then(|name| organisation.project_role_of(name))
            .map(|(project, role)| (project.to_owned(), role.to_owned()));
        for (members, member_type, access_type) in [
            (
                added,
                EventType::GroupMembersAdded,
                EventType::AccessGranted,
            ),
            (
                removed,
                EventType::GroupMembersRemoved,
                EventType::AccessRevoked,
            ),
        ] {
            let ids: Vec<String> = members.iter().map(|(id, _)| id.clone()).collect();
            self.chunked(&base, member_type, &ids, None);
            if let Some(access) = &access {
                let users: Vec<String> = members
                    .iter()
                    .filter(|(_, kind)| ResourceKind::of(kind) == ResourceKind::User)
                    .map(|(id, _)| id.clone())
                    .collect();
                self.chunked(&base, access_type, &users, Some(access));
            }
        }
    }

    fn chunked(
        &mut self,
        base: &NewEvent,
        event_type: EventType,
        ids: &[String],
        access: Option<&(String, String)>,
    ) {
        let parts = ids.len().div_ceil(MEMBERS_PER_EVENT);
        let of = u32::try_from(parts).unwrap_or(u32::MAX);
        for (index, chunk) in ids.chunks(MEMBERS_PER_EVENT).enumerate() {
            let mut event = base.clone();
            event.event_type = event_type;
            event.changed = vec!["members".to_owned()];
            event.members = chunk.to_vec();
            event.access = access.cloned();
            event.part = (parts > 1).then(|| EventPart {
                index: u32::try_from(index + 1).unwrap_or(u32::MAX),
                of,
            });
            self.events.push(event);
        }
    }

    /// Appends the events: numbers them after the tenant's last event and writes them.
    pub(crate) fn write(
        self,
        conn: &mut dyn SqlConn,
        ids: &dyn IdGenerator,
    ) -> Result<(), StoreError> {
        let count = i64::try_from(self.events.len()).unwrap_or(i64::MAX);
        let (mut seq, reserved) = self.reserved.unwrap_or((0, 0));
        if count < reserved {
            // A number handed out must be used, or the log would have a gap.
            return Err(StoreError::Corrupt(format!(
                "a write reserved {reserved} change-log numbers but recorded {count} events"
            )));
        }
        if count > reserved {
            let last = allocate(conn, self.actor.tenant, count - reserved)?;
            if reserved == 0 {
                seq = last - count + 1;
            }
        }
        if count == 0 {
            return Ok(());
        }
        let actor = self.actor.event_actor();
        let txn = ids.new_id();
        let mut rows = Vec::with_capacity(self.events.len());
        for event in self.events {
            rows.push((seq, ids.new_id(), event));
            seq += 1;
        }
        insert(
            conn,
            self.actor.tenant,
            actor.as_str(),
            self.at,
            &txn,
            &rows,
        )
    }
}

/// Hands out `n` more sequence numbers of a tenant whose lock the transaction holds; returns
/// the last.
fn allocate(conn: &mut dyn SqlConn, tenant: &TenantId, n: i64) -> Result<i64, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("UPDATE tenants SET event_seq = event_seq + ")
        .int_value(n)
        .push(" WHERE id = ")
        .text_value(tenant.as_str())
        .push(" RETURNING event_seq AS n");
    conn.integers(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::TenantNotFound(tenant.to_string()))
}

/// Rows per INSERT: 15 values each, far below both databases' bind-parameter limits.
const ROWS_PER_STATEMENT: usize = 200;

fn insert(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    actor: &str,
    at: i64,
    txn: &str,
    rows: &[(i64, String, NewEvent)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        // One row, or a full chunk: two texts.
        sql.cache_if(chunk.len() == 1 || chunk.len() == ROWS_PER_STATEMENT);
        sql.push(
            "INSERT INTO events (tenant_id, seq, id, type, at, actor, resource_type, resource_id, \
             external_id, name, version, changed, detail, snapshot, txn) VALUES ",
        );
        for (i, (seq, id, event)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.text_value(tenant.as_str()).push(", ");
            sql.int_value(*seq).push(", ");
            sql.text_value(id.as_str()).push(", ");
            sql.text_value(event.event_type.as_str()).push(", ");
            sql.int_value(at).push(", ");
            sql.text_value(actor).push(", ");
            sql.text_value(event.resource_type.as_str()).push(", ");
            sql.text_value(event.resource_id.as_str()).push(", ");
            sql.bind(Bind::OptionalText(event.external_id.clone()))
                .push(", ");
            sql.bind(Bind::OptionalText(event.name.clone())).push(", ");
            sql.bind(Bind::OptionalBigInt(event.version)).push(", ");
            sql.text_value(super::admin::to_json(&event.changed)?)
                .push(", ");
            sql.bind(Bind::OptionalText(detail(event)?)).push(", ");
            sql.bind(Bind::OptionalText(event.snapshot.clone()))
                .push(", ");
            sql.text_value(txn).push(")");
        }
        conn.execute(&sql)?;
    }
    index_members(conn, tenant, rows)
}

/// Member rows per INSERT: three values each.
const MEMBERS_PER_STATEMENT: usize = 500;

/// Records whom each event lists (`event_members`), so that a person's history finds the
/// member and access events of their groups by an index.
fn index_members(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    rows: &[(i64, String, NewEvent)],
) -> Result<(), StoreError> {
    let listed: Vec<(i64, &str)> = rows
        .iter()
        .flat_map(|(seq, _, event)| event.members.iter().map(move |m| (*seq, m.as_str())))
        .collect();
    for chunk in listed.chunks(MEMBERS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        sql.push(match conn.dialect() {
            crate::sql::Dialect::Sqlite => "INSERT OR IGNORE INTO",
            crate::sql::Dialect::Postgres => "INSERT INTO",
        })
        .push(" event_members (tenant_id, member_id, seq) VALUES ");
        for (i, (seq, member)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.text_value(tenant.as_str()).push(", ");
            sql.text_value(*member).push(", ");
            sql.int_value(*seq).push(")");
        }
        if conn.dialect() == crate::sql::Dialect::Postgres {
            sql.push(" ON CONFLICT DO NOTHING");
        }
        conn.execute(&sql)?;
    }
    Ok(())
}

/// What an event carries besides its resource: member ids, the project and role, the part.
fn detail(event: &NewEvent) -> Result<Option<String>, StoreError> {
    if event.members.is_empty() && event.access.is_none() && event.part.is_none() {
        return Ok(None);
    }
    let mut detail = BTreeMap::new();
    detail.insert(
        "members",
        serde_json::to_value(&event.members).unwrap_or_default(),
    );
    if let Some((project, role)) = &event.access {
        detail.insert("project", Value::String(project.clone()));
        detail.insert("role", Value::String(role.clone()));
    }
    if let Some(part) = event.part {
        detail.insert("part", serde_json::json!([part.index, part.of]));
    }
    super::admin::to_json(&detail).map(Some)
}

/// The stored form of [`detail`], read back.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct StoredDetail {
    pub(crate) members: Vec<String>,
    pub(crate) project: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) part: Option<(u32, u32)>,
}

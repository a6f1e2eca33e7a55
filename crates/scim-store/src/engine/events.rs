//! The events of one write, collected while it runs and appended before it commits.
//!
//! A write holds its tenant's lock from its first statement, so the sequence numbers handed out
//! here, all at once when the write is done, follow the previous write's with no gap and in
//! commit order. They follow the tenant's newest event ([`last_seq`]): handing them out writes
//! nothing, so an event costs a write only its own row and index entries.

use scim_core::schema::ResourceKind;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::history::{Heads, Previous, Seq};
use super::log_range::{MAX_SEQ, SEQ_BITS, key_of};
use crate::backend::{ResourceRow, SqlConn};
use crate::event::{EventPart, EventType, MEMBERS_PER_EVENT};
use crate::model::Actor;
use crate::organisation::Organisation;
use crate::sql::{Bind, Dialect, Sql};
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
    events: Vec<NewEvent>,
    /// The write's transaction id, once one of its statements carried events.
    txn: Option<String>,
}

impl<'a> EventLog<'a> {
    /// A log for a write that holds its tenant's lock.
    pub(crate) fn new(actor: Actor<'a>, at: i64) -> Self {
        Self {
            actor,
            at,
            events: Vec::new(),
            txn: None,
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

    /// Hands the events logged so far, all about the resource `about`, to the statement that
    /// writes that resource's row, which is about to run; that row then records the newest of
    /// them as its `last_event` (`super::history`) in the same statement, instead of in one more.
    /// - PostgreSQL: they go as the start of that statement (`WITH ...`), which the caller
    ///   completes with its `INSERT` or `UPDATE`, so that they cost the write no round trip of
    ///   their own. That statement numbers them from the tenant's last number, read in it
    ///   (after the tenant's lock was granted), so it must not write events itself.
    /// - SQLite: they are written now.
    ///
    /// Member events, and events about other resources, stay for [`EventLog::write`].
    pub(crate) fn carry(
        &mut self,
        conn: &mut dyn SqlConn,
        ids: &dyn IdGenerator,
        about: &str,
        previous: Previous,
    ) -> Result<Carried, StoreError> {
        let carriable = !self.events.is_empty()
            && self.events.len() <= CARRIED_AT_MOST
            && self
                .events
                .iter()
                .all(|event| event.members.is_empty() && event.resource_id == about);
        if !carriable {
            return Ok(Carried::Nothing);
        }
        let txn = self.txn.get_or_insert_with(|| ids.new_id()).clone();
        let actor = self.actor.event_actor();
        let tenant = self.actor.tenant;
        let (rows, _) = records(std::mem::take(&mut self.events), ids)?;
        let count = as_seq(rows.len());
        let mut heads = Heads::knowing(about, previous);
        match conn.dialect() {
            Dialect::Postgres => {
                let mut sql = Sql::new(Dialect::Postgres);
                sql.push("WITH last AS (");
                push_last_seq(&mut sql, tenant);
                sql.push("), carried_events AS (");
                push_insert(
                    &mut sql,
                    tenant,
                    actor.as_str(),
                    self.at,
                    &txn,
                    rows,
                    Numbering::AFTER_LAST,
                    &mut heads,
                )?;
                sql.push(") ");
                // One text for each number of events, and there are few.
                sql.cache_if(true);
                Ok(Carried::Insert {
                    start: sql,
                    head: Seq::AfterLast(count),
                })
            }
            Dialect::Sqlite => {
                let (first, _) = insert(conn, tenant, actor.as_str(), self.at, &txn, rows, heads)?;
                Ok(Carried::Head(Seq::Known(first + count - 1)))
            }
        }
    }

    /// Appends the events: numbers them after the tenant's last event and writes them.
    pub(crate) fn write(
        self,
        conn: &mut dyn SqlConn,
        ids: &dyn IdGenerator,
    ) -> Result<(), StoreError> {
        if self.events.is_empty() {
            return Ok(());
        }
        let actor = self.actor.event_actor();
        let txn = self.txn.unwrap_or_else(|| ids.new_id());
        let (rows, listed) = records(self.events, ids)?;
        let (first, heads) = insert(
            conn,
            self.actor.tenant,
            actor.as_str(),
            self.at,
            &txn,
            rows,
            Heads::default(),
        )?;
        heads.store(conn, self.actor.tenant)?;
        index_members(conn, self.actor.tenant, first, &listed)
    }
}

/// What the statement that writes a resource's row takes of its events ([`EventLog::carry`]).
#[derive(Debug)]
pub(crate) enum Carried {
    /// Nothing: the events, if any, wait for [`EventLog::write`].
    Nothing,
    /// PostgreSQL: the statement's start, which inserts the events and reads `last`; the row's
    /// `last_event` is `head`.
    Insert { start: Sql, head: Seq },
    /// SQLite: the events are written; the row's `last_event` is this.
    Head(Seq),
}

impl Carried {
    /// The statement's start (empty unless the events ride on it) and the row's new
    /// `last_event`, if any.
    pub(crate) fn into_parts(self, dialect: Dialect) -> (Sql, Option<Seq>) {
        match self {
            Self::Insert { start, head } => (start, Some(head)),
            Self::Head(head) => (Sql::cached(dialect), Some(head)),
            Self::Nothing => (Sql::cached(dialect), None),
        }
    }
}

/// The most events a write's own statement carries ([`EventLog::carry`]): one statement text
/// for each count, so a small number.
const CARRIED_AT_MOST: usize = 4;

/// The rows of `events`, and their member lists by position. The member lists leave the events
/// once, in `detail`: `event_members` takes them by position, and the rows take the rest by
/// value.
#[allow(clippy::type_complexity)]
fn records(
    events: Vec<NewEvent>,
    ids: &dyn IdGenerator,
) -> Result<(Vec<EventRecord>, Vec<(usize, Vec<String>)>), StoreError> {
    let mut listed = Vec::new();
    let mut rows = Vec::with_capacity(events.len());
    for (position, mut event) in events.into_iter().enumerate() {
        let detail = detail(&event)?;
        if !event.members.is_empty() {
            listed.push((position, std::mem::take(&mut event.members)));
        }
        rows.push(EventRecord {
            id: ids.new_id(),
            detail,
            event,
        });
    }
    Ok((rows, listed))
}

/// An event as its row is written: its id and `detail` made, its member ids taken out.
struct EventRecord {
    id: String,
    detail: Option<String>,
    event: NewEvent,
}

/// The tenant's last change-log number: its newest event's or, when pruning has removed that
/// one, the number pruning left on the tenant (`tenants.event_seq`, [`record_pruned`]). The next
/// event is this plus one, taken by a transaction that holds the tenant's lock; read under that
/// lock (a new statement: at PostgreSQL's READ COMMITTED it sees every write committed before
/// the lock was granted).
pub(crate) fn last_seq(conn: &mut dyn SqlConn, tenant: &TenantId) -> Result<i64, StoreError> {
    log_end(conn, tenant).map(|end| end.last)
}

/// Where a tenant's log ends: its last number ([`last_seq`]) and, on SQLite, its event space
/// (`super::log_range`).
struct LogEnd {
    last: i64,
    space: i64,
}

fn log_end(conn: &mut dyn SqlConn, tenant: &TenantId) -> Result<LogEnd, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    push_last_seq(&mut sql, tenant);
    let n = conn
        .integers(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::TenantNotFound(tenant.to_string()))?;
    match conn.dialect() {
        Dialect::Postgres => Ok(LogEnd { last: n, space: 0 }),
        Dialect::Sqlite if n < 0 => Err(StoreError::Corrupt(format!(
            "tenant {tenant} has no event space"
        ))),
        Dialect::Sqlite => Ok(LogEnd {
            last: n & MAX_SEQ,
            space: n >> SEQ_BITS,
        }),
    }
}

/// The query of [`last_seq`]: one row, `n`. On SQLite `n` holds the tenant's event space above
/// the number, as an event key does, or is -1 when the tenant has none.
fn push_last_seq(sql: &mut Sql, tenant: &TenantId) {
    match sql.dialect() {
        Dialect::Postgres => {
            sql.push(
                "SELECT CASE WHEN e.m > t.event_seq THEN e.m ELSE t.event_seq END AS n FROM \
                 tenants t, (SELECT COALESCE(MAX(seq), 0) AS m FROM events WHERE tenant_id = ",
            )
            .text_value(tenant.as_str())
            .push(") e WHERE t.id = ")
            .text_value(tenant.as_str());
        }
        Dialect::Sqlite => {
            // The newest event is the last of the tenant's range of keys.
            sql.push(
                "SELECT CASE WHEN t.event_space IS NULL THEN -1 ELSE (t.event_space << 40) | \
                 MAX(t.event_seq, COALESCE((SELECT e.seq FROM events e WHERE e.log_key > \
                 t.event_space << 40 AND e.log_key <= (t.event_space << 40) + ",
            )
            .int_value(MAX_SEQ)
            .push(" ORDER BY e.log_key DESC LIMIT 1), 0)) END AS n FROM tenants t WHERE t.id = ")
            .text_value(tenant.as_str());
        }
    }
}

/// Records on the tenant that its events up to `seq` are being pruned, so that numbering goes
/// on after them when the newest of them goes too ([`last_seq`]). Takes the tenant's lock.
pub(crate) fn record_pruned(
    conn: &mut dyn SqlConn,
    tenant: &str,
    seq: i64,
) -> Result<(), StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("UPDATE tenants SET event_seq = ")
        .int_value(seq)
        .push(" WHERE id = ")
        .text_value(tenant)
        .push(" AND event_seq < ")
        .int_value(seq);
    conn.execute(&sql)?;
    Ok(())
}

/// Rows per INSERT: 15 values each, far below both databases' bind-parameter limits.
const ROWS_PER_STATEMENT: usize = 200;

/// Inserts the events `rows`, numbered on from the tenant's last; returns the first number and
/// the newest event about each resource, to be stored ([`Heads::store`]).
///
/// On PostgreSQL each statement numbers its rows itself, from the tenant's last number read in
/// the same statement: a round trip less per write than reading it first. (Its snapshot is
/// taken after the tenant's lock was granted, and a statement does not see its own rows.) On
/// SQLite, in process, reading it first costs next to nothing.
fn insert(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    actor: &str,
    at: i64,
    txn: &str,
    rows: Vec<EventRecord>,
    mut heads: Heads,
) -> Result<(i64, Heads), StoreError> {
    let dialect = conn.dialect();
    // SQLite: the numbers, and the keys, are known before the insert. PostgreSQL: each
    // statement reads them.
    let (known_first, space) = match dialect {
        Dialect::Sqlite => {
            let end = log_end(conn, tenant)?;
            if end.last + as_seq(rows.len()) > MAX_SEQ {
                return Err(StoreError::Corrupt(format!(
                    "tenant {tenant}'s change log has used every number up to {MAX_SEQ}"
                )));
            }
            (Some(end.last + 1), Some(end.space))
        }
        Dialect::Postgres => (None, None),
    };
    let mut first = known_first;
    let mut rows = rows.into_iter().peekable();
    let mut chunk_start = 0;
    while rows.peek().is_some() {
        let chunk = rows.by_ref().take(ROWS_PER_STATEMENT);
        let mut sql = Sql::new(dialect);
        let chunk_first = known_first.map(|first| first + as_seq(chunk_start));
        if chunk_first.is_none() {
            sql.push("WITH last AS (");
            push_last_seq(&mut sql, tenant);
            sql.push(") ");
        }
        let count = push_insert(
            &mut sql,
            tenant,
            actor,
            at,
            txn,
            chunk,
            Numbering {
                first: chunk_first,
                space,
            },
            &mut heads,
        )?;
        // One row, or a full chunk: two texts.
        sql.cache_if(count == 1 || count == ROWS_PER_STATEMENT);
        chunk_start += count;
        if known_first.is_some() {
            conn.execute(&sql)?;
        } else {
            sql.push(" RETURNING seq AS n");
            // The statement's numbers run on from its lowest.
            let lowest = conn.integers(&sql)?.into_iter().min().ok_or_else(|| {
                StoreError::Corrupt("an insert of events returned no numbers".to_owned())
            })?;
            heads.settle(lowest - 1);
            first.get_or_insert(lowest);
        }
    }
    // No rows on PostgreSQL: no number was read, and none is used.
    Ok((first.unwrap_or(0), heads))
}

/// How an insert numbers its events: from `first` or, without it, from the statement's `last`
/// (PostgreSQL); with their keys in the tenant's event `space` on SQLite
/// (`super::log_range`).
#[derive(Debug, Clone, Copy)]
struct Numbering {
    first: Option<i64>,
    space: Option<i64>,
}

impl Numbering {
    const AFTER_LAST: Self = Self {
        first: None,
        space: None,
    };
}

/// Pushes `INSERT INTO events ... VALUES ...` for `rows`; returns how many. `heads` links each
/// to the previous event about its resource and keeps the newest.
#[allow(clippy::too_many_arguments)]
fn push_insert(
    sql: &mut Sql,
    tenant: &TenantId,
    actor: &str,
    at: i64,
    txn: &str,
    rows: impl IntoIterator<Item = EventRecord>,
    numbering: Numbering,
    heads: &mut Heads,
) -> Result<usize, StoreError> {
    sql.push("INSERT INTO events (");
    if numbering.space.is_some() {
        sql.push("log_key, ");
    }
    sql.push(
        "tenant_id, seq, previous, id, type, at, actor, resource_type, resource_id, \
         external_id, name, version, changed, detail, snapshot, txn) VALUES ",
    );
    let mut count = 0;
    for (i, EventRecord { id, detail, event }) in rows.into_iter().enumerate() {
        count += 1;
        sql.push(if i == 0 { "(" } else { ", (" });
        let seq = match numbering.first {
            Some(first) => Seq::Known(first + as_seq(i)),
            None => Seq::AfterLast(as_seq(i + 1)),
        };
        if let (Some(space), Seq::Known(seq)) = (numbering.space, seq) {
            sql.int_value(key_of(space, seq)).push(", ");
        }
        sql.text_value(tenant.as_str()).push(", ");
        seq.push(sql);
        sql.push(", ");
        heads
            .advance(&event.resource_id, seq)
            .push(sql, tenant, &event.resource_id);
        sql.push(", ");
        sql.text_value(id).push(", ");
        sql.text_value(event.event_type.as_str()).push(", ");
        sql.int_value(at).push(", ");
        sql.text_value(actor).push(", ");
        sql.text_value(event.resource_type).push(", ");
        sql.text_value(event.resource_id).push(", ");
        sql.bind(Bind::OptionalText(event.external_id)).push(", ");
        sql.bind(Bind::OptionalText(event.name)).push(", ");
        sql.bind(Bind::OptionalBigInt(event.version)).push(", ");
        sql.text_value(super::admin::to_json(&event.changed)?)
            .push(", ");
        sql.bind(Bind::OptionalText(detail)).push(", ");
        sql.bind(Bind::OptionalText(event.snapshot)).push(", ");
        sql.text_value(txn).push(")");
    }
    Ok(count)
}

/// A position in a write's events as an offset of sequence numbers.
fn as_seq(position: usize) -> i64 {
    i64::try_from(position).unwrap_or(i64::MAX)
}

/// Member rows per INSERT: three values each.
const MEMBERS_PER_STATEMENT: usize = 500;

/// Records whom each event lists (`event_members`; `listed`: the member ids by the event's
/// position in the write), so that a person's history finds the
/// member and access events of their groups by an index.
fn index_members(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    first: i64,
    listed: &[(usize, Vec<String>)],
) -> Result<(), StoreError> {
    let listed: Vec<(i64, &str)> = listed
        .iter()
        .flat_map(|(position, members)| {
            let seq = first + as_seq(*position);
            members.iter().map(move |m| (seq, m.as_str()))
        })
        .collect();
    for chunk in listed.chunks(MEMBERS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        sql.push(match conn.dialect() {
            Dialect::Sqlite => "INSERT OR IGNORE INTO",
            Dialect::Postgres => "INSERT INTO",
        })
        .push(" event_members (tenant_id, member_id, seq) VALUES ");
        for (i, (seq, member)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.text_value(tenant.as_str()).push(", ");
            sql.text_value(*member).push(", ");
            sql.int_value(*seq).push(")");
        }
        if conn.dialect() == Dialect::Postgres {
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

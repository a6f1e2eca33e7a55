//! Create, read, replace and delete, each one transaction.

use crate::Version;
use std::collections::{HashMap, HashSet};

use scim_core::resource::Resource;
use scim_core::schema::{ResourceKind, ResourceType};
use scim_core::validate::Validator;
use scim_core::{ScimError, ScimType, fold_case};
use serde_json::{Map, Value};

use super::events::{Carried, EventLog, Member, NewEvent, lifecycle};
use super::history::{Previous, Seq};
use super::policy::{self, MemberChange, NewMember};
use super::render::{render_one, stored_body};
use super::search::search_document;
use super::tables::{self, MemberSelection, RowWrite};
use super::{Engine, admin};
use crate::backend::{Backend, ResourceRow, SqlConn};
use crate::clock::to_micros;
use crate::model::{Actor, ReadOptions, StatementPlan, StoredResource};
use crate::organisation::Organisation;
use crate::{StoreError, Tenant, TenantId};

/// The attribute a resource type keeps in the indexed `name_ci` column, and whether the tenant's
/// policy makes it unique.
fn name_attribute(resource_type: &str, tenant: &Tenant) -> Option<(&'static str, bool)> {
    match ResourceKind::of(resource_type) {
        ResourceKind::User => Some(("userName", true)),
        ResourceKind::Group => Some(("displayName", tenant.settings.unique_group_names)),
        ResourceKind::Other => None,
    }
}

/// A row's version and times (microseconds).
#[derive(Debug, Clone, Copy)]
pub(super) struct Stamps {
    pub(super) version: i64,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
}

/// An update of an existing resource's row, inside a write transaction.
pub(super) struct Update<'a> {
    pub(super) actor: Actor<'a>,
    pub(super) tenant: &'a Tenant,
    pub(super) resource_type: &'a ResourceType,
    pub(super) row: &'a ResourceRow,
    pub(super) now: i64,
}

/// A validated document split into what goes into the row and what goes elsewhere.
pub(super) struct Prepared {
    /// The document stored in `data` (no `id`, `meta`, `members` or `groups`).
    pub(super) data: Map<String, Value>,
    /// Group members named by the document, when it names the attribute at all.
    pub(super) members: Option<Vec<NewMember>>,
}

pub(super) fn prepare(resource: Resource) -> Result<Prepared, StoreError> {
    let mut data = resource.into_json();
    refuse_nul(&data)?;
    data.remove("id");
    data.remove("meta");
    data.remove("groups");
    let members = match data.remove("members") {
        None => None,
        Some(Value::Array(items)) => Some(NewMember::from_elements(&items)?),
        Some(_) => {
            return Err(
                ScimError::new(ScimType::InvalidValue, "\"members\" must be an array").into(),
            );
        }
    };
    Ok(Prepared { data, members })
}

/// Refuses a document with U+0000 in any string.
///
/// PostgreSQL can store neither a NUL in text nor the `\u0000` escape in `jsonb`, so such a
/// value would fail there as a database error; both backends refuse it as the client's mistake
/// instead. Filters rely on it: no stored string contains a NUL (see `sql::filter`).
fn refuse_nul(data: &Map<String, Value>) -> Result<(), StoreError> {
    // Validated documents are shallow (complex attributes have simple sub-attributes), but an
    // explicit stack keeps this safe whatever the document.
    let mut pending: Vec<(&str, &Value)> = data.iter().map(|(k, v)| (k.as_str(), v)).collect();
    while let Some((attribute, value)) = pending.pop() {
        match value {
            Value::String(text) if text.contains('\0') => {
                return Err(ScimError::new(
                    ScimType::InvalidValue,
                    format!(
                        "{attribute} contains the NUL character (U+0000), which cannot be stored"
                    ),
                )
                .into());
            }
            Value::Array(items) => pending.extend(items.iter().map(|v| (attribute, v))),
            Value::Object(members) => pending.extend(members.values().map(|v| (attribute, v))),
            _ => {}
        }
    }
    Ok(())
}

impl<B: Backend> Engine<B> {
    pub(crate) fn resource_type_named(&self, name: &str) -> Result<&ResourceType, StoreError> {
        self.registry
            .resource_type(name)
            .ok_or_else(|| ScimError::not_found(format!("unknown resource type {name}")).into())
    }

    /// The row for a document: its indexed columns and both JSON forms.
    pub(super) fn row_write<'a>(
        &self,
        tenant: &'a Tenant,
        resource_type: &'a ResourceType,
        id: &'a str,
        stamps: Stamps,
        data: &Map<String, Value>,
    ) -> Result<RowWrite<'a>, StoreError> {
        let name = name_attribute(resource_type.name(), tenant).and_then(|(attribute, unique)| {
            data.get(attribute)
                .and_then(Value::as_str)
                .map(|v| (fold_case(v).into_owned(), unique))
        });
        let search = search_document(&self.registry, resource_type, data);
        Ok(RowWrite {
            tenant: &tenant.id,
            resource_type: resource_type.name(),
            id,
            version: stamps.version,
            created_at: stamps.created_at,
            updated_at: stamps.updated_at,
            unique_name: name
                .as_ref()
                .and_then(|(n, unique)| unique.then(|| n.clone())),
            name_ci: name.map(|(n, _)| n),
            external_id: data
                .get("externalId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            data: admin::to_json(data)?,
            data_ci: admin::to_json(&search)?,
        })
    }

    pub(super) fn uniqueness_error(
        resource_type: &ResourceType,
        data: &Map<String, Value>,
    ) -> StoreError {
        let attribute = match resource_type.kind() {
            ResourceKind::Group => "displayName",
            ResourceKind::User | ResourceKind::Other => "userName",
        };
        StoreError::Uniqueness {
            attribute: attribute.to_owned(),
            value: data
                .get(attribute)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }
    }

    pub(crate) fn create_impl(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        body: &Value,
    ) -> Result<StoredResource, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        let validated = Validator::new(&self.registry, resource_type)
            .and_then(|v| v.create(body))
            .map_err(ScimError::from)?;
        let prepared = prepare(validated.resource)?;
        let id = self.ids.new_id();
        let now = to_micros(self.clock.now());
        self.logged_write(actor.tenant, |conn| {
            let tenant = admin::lock_tenant(conn, actor.tenant)?;
            if resource_type.kind() == ResourceKind::Group
                && !tenant.settings.allow_group_create
                && !actor.administrative
            {
                return Err(StoreError::Forbidden(
                    "this organisation does not let identity providers create groups; link to an existing group instead"
                        .to_owned(),
                ));
            }
            let row = self.row_write(
                &tenant,
                resource_type,
                &id,
                Stamps { version: 1, created_at: now, updated_at: now },
                &prepared.data,
            )?;
            let written = row.stored(false);
            let created = lifecycle(resource_type.name()).created;
            let event = NewEvent::about_document(created, &written, &prepared.data);
            let mut changed: Vec<String> = prepared.data.keys().cloned().collect();
            let mut log = EventLog::new(actor, now);
            let with_members = prepared.members.as_ref().is_some_and(|m| !m.is_empty());
            // Without members the event is known before the row is written, and its statement
            // can carry it.
            let carried = if with_members {
                Carried::Nothing
            } else {
                log.push(event.clone().changed(changed.clone()).with_snapshot(&written));
                // A new resource: its first event has none before it.
                log.carry(conn, &*self.ids, &id, Previous::Nothing)?
            };
            let Some(seqs) = tables::insert_resource(conn, &row, carried)? else {
                return Err(Self::uniqueness_error(resource_type, &prepared.data));
            };
            tables::adjust_counts(conn, actor.tenant, resource_type.name(), &seqs, 1)?;
            let mut added = Vec::new();
            if let Some(members) = prepared.members.as_ref().filter(|_| with_members) {
                added = self.add_members(conn, actor.tenant, &id, members)?;
                if !added.is_empty() {
                    changed.push("members".to_owned());
                }
                log.push(event.clone().changed(changed).with_snapshot(&written));
            }
            if !added.is_empty() {
                log.members_changed_of(&Organisation::of(&tenant.settings), event, &added, &[]);
            }
            log.write(conn, &*self.ids)?;
            if !added.is_empty() {
                // The members' display names are in their rows.
                return self.read_in(conn, actor.tenant, resource_type, &id, ReadOptions::FULL);
            }
            // Nothing links to a resource that did not exist before this transaction.
            render_one(row.stored(false), ReadOptions::FULL)
        })
    }

    pub(crate) fn get_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        // One statement: consistent without a transaction around it.
        self.backend
            .run(|conn| self.read_in(conn, tenant, resource_type, id, options))
    }

    /// [`Self::get_impl`] on the calling thread, when that cannot wait (see
    /// [`crate::ResourceStore::get_at_once`]); a Group's members are unbounded in number, so reads that
    /// load them never qualify.
    pub(crate) fn get_at_once_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Option<Result<StoredResource, StoreError>> {
        let resource_type = match self.resource_type_named(resource_type) {
            Ok(resource_type) => resource_type,
            Err(e) => return Some(Err(e)),
        };
        if options.members && resource_type.kind() == ResourceKind::Group {
            return None;
        }
        self.backend
            .run_at_once(|conn| self.read_in(conn, tenant, resource_type, id, options))
    }

    /// The statement [`Self::get_impl`] runs for a read of `id` with every membership, with
    /// the database's plan.
    pub(crate) fn explain_get_impl(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        analyze: bool,
    ) -> Result<StatementPlan, StoreError> {
        self.resource_type_named(resource_type)?;
        self.backend.read(|conn| {
            let sql = tables::load_statement(conn.dialect(), tenant, id, ReadOptions::FULL);
            Ok(StatementPlan {
                sql: sql.text().to_owned(),
                plan: conn.plan(&sql, analyze)?,
            })
        })
    }

    pub(super) fn read_in(
        &self,
        conn: &mut dyn SqlConn,
        tenant: &TenantId,
        resource_type: &ResourceType,
        id: &str,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        let leave_out = match options.member_limit {
            Some(limit) if options.members && resource_type.kind() == ResourceKind::Group => {
                tables::has_more_members_than(conn, tenant, id, limit)?
            }
            _ => false,
        };
        let options = ReadOptions {
            members: options.members && !leave_out,
            ..options
        };
        let row = tables::load_resource(conn, tenant, resource_type.name(), id, options)?
            .ok_or_else(|| not_found(resource_type, id))?;
        let mut stored = render_one(row, options)?;
        stored.members_left_out = leave_out;
        Ok(stored)
    }

    pub(crate) fn replace_impl(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        body: &Value,
        expected_version: Option<Version>,
    ) -> Result<StoredResource, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        let validator = Validator::new(&self.registry, resource_type).map_err(ScimError::from)?;
        let now = to_micros(self.clock.now());
        self.logged_write(actor.tenant, |conn| {
            let tenant = admin::lock_tenant(conn, actor.tenant)?;
            let row = tables::load_resource(
                conn,
                actor.tenant,
                resource_type.name(),
                id,
                ReadOptions::DOCUMENT_ONLY,
            )?
            .ok_or_else(|| not_found(resource_type, id))?;
            check_version(expected_version, row.version)?;
            let before = stored_body(&row)?;
            let existing = Resource::from_trusted_json(resource_type.name(), before.clone());
            let validated = validator
                .replace(body, &existing)
                .map_err(ScimError::from)?;
            let prepared = prepare(validated.resource)?;
            let update = Update {
                actor,
                tenant: &tenant,
                resource_type,
                row: &row,
                now,
            };
            let changed = policy::changed_attributes(&before, &prepared.data);
            let mut log = EventLog::new(actor, now);
            let (written, effects) =
                self.write_update(conn, &update, &before, &prepared.data, &changed, &mut log)?;
            if resource_type.kind() == ResourceKind::Group {
                let members = prepared.members.unwrap_or_default();
                let change = MemberChange::ReplaceAll(members);
                let delta = self.apply_member_change(conn, actor.tenant, id, &change)?;
                log.members_changed(
                    &Organisation::of(&tenant.settings),
                    &written,
                    &delta.added,
                    &delta.removed,
                );
            }
            self.apply_effects(conn, actor, &tenant, id, &effects, &mut log)?;
            log.write(conn, &*self.ids)?;
            self.read_in(conn, actor.tenant, resource_type, id, ReadOptions::FULL)
        })
    }

    /// Writes the next version of a resource's document once the tenant's policies accept the
    /// change from `before` to `data` (its attributes `changed`), and logs the update's events
    /// in `log`; returns the row as written (without memberships) and what the policies add.
    pub(super) fn write_update(
        &self,
        conn: &mut dyn SqlConn,
        update: &Update<'_>,
        before: &Map<String, Value>,
        data: &Map<String, Value>,
        changed: &[String],
        log: &mut EventLog<'_>,
    ) -> Result<(ResourceRow, policy::Effects), StoreError> {
        let Update {
            actor,
            tenant,
            resource_type,
            row,
            now,
        } = *update;
        let effects = policy::check(tenant, actor, resource_type, before, data, row.protected)?;
        let version = row.version + 1;
        let stamps = Stamps {
            version,
            created_at: row.created_at,
            updated_at: now,
        };
        let write = self.row_write(tenant, resource_type, &row.id, stamps, data)?;
        let written = write.stored(row.protected);
        // The events are made from the row about to be written, so that its statement can
        // carry them.
        log.updated(&written, before, data, changed);
        let previous = row
            .last_event
            .map_or(Previous::LookedUp, |head| Previous::Is(Seq::Known(head)));
        let carried = log.carry(conn, &*self.ids, &row.id, previous)?;
        if !tables::update_resource(conn, &write, carried)? {
            return Err(Self::uniqueness_error(resource_type, data));
        }
        Ok((written, effects))
    }

    pub(crate) fn delete_impl(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        expected_version: Option<Version>,
    ) -> Result<(), StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        let now = to_micros(self.clock.now());
        self.logged_write(actor.tenant, |conn| {
            let tenant = admin::lock_tenant(conn, actor.tenant)?;
            let row = tables::load_resource(
                conn,
                actor.tenant,
                resource_type.name(),
                id,
                ReadOptions::DOCUMENT_ONLY,
            )?
            .ok_or_else(|| not_found(resource_type, id))?;
            check_version(expected_version, row.version)?;
            if row.protected {
                return Err(StoreError::Protected {
                    id: id.to_owned(),
                    action: "delete",
                });
            }
            if resource_type.kind() == ResourceKind::Group
                && !tenant.settings.allow_group_delete
                && !actor.administrative
            {
                return Err(StoreError::Forbidden(
                    "this organisation does not let identity providers delete groups".to_owned(),
                ));
            }
            let deleted = tables::delete_resource(conn, actor.tenant, id)?;
            tables::adjust_counts(conn, actor.tenant, resource_type.name(), &deleted.seqs, -1)?;
            let mut log = EventLog::new(actor, now);
            let event = NewEvent::about(lifecycle(resource_type.name()).deleted, &row);
            log.push(event.clone());
            let organisation = Organisation::of(&tenant.settings);
            if !deleted.members.is_empty() {
                // The members' access through a project x role group ends with the group.
                let users: Vec<_> = deleted
                    .members
                    .into_iter()
                    .filter(|(_, kind)| ResourceKind::of(kind) == ResourceKind::User)
                    .collect();
                log.access_ended(&organisation, event, &users);
            }
            let member = (id.to_owned(), resource_type.name().to_owned());
            self.touch_groups(
                conn,
                actor,
                &organisation,
                &deleted.groups,
                &member,
                &mut log,
            )?;
            log.write(conn, &*self.ids)
        })
    }

    pub(crate) fn set_protected_impl(
        &self,
        tenant: &TenantId,
        id: &str,
        protected: bool,
    ) -> Result<(), StoreError> {
        self.backend.write(|conn| {
            if tables::set_protected(conn, tenant, id, protected)? {
                Ok(())
            } else {
                Err(StoreError::NotFound {
                    resource_type: "resource".to_owned(),
                    id: id.to_owned(),
                })
            }
        })
    }

    /// Adds members that exist in the tenant; an unknown id is an `invalidValue` error.
    /// Returns the members that joined (not those that were members already).
    pub(super) fn add_members(
        &self,
        conn: &mut dyn SqlConn,
        tenant: &TenantId,
        group_id: &str,
        members: &[NewMember],
    ) -> Result<Vec<Member>, StoreError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let ids = NewMember::ids(members);
        let existing = tables::existing_resources(conn, tenant, &ids)?;
        let found: HashSet<&str> = existing.iter().map(|(id, _)| id.as_str()).collect();
        if let Some(missing) = ids.iter().find(|id| !found.contains(**id)) {
            return Err(ScimError::new(
                ScimType::InvalidValue,
                format!("member {missing} does not exist: add the user or group first"),
            )
            .into());
        }
        for (member, kind) in &existing {
            if ResourceKind::of(kind) == ResourceKind::Group
                && (member == group_id || tables::reaches(conn, tenant, member, group_id)?)
            {
                return Err(ScimError::new(
                    ScimType::InvalidValue,
                    format!("adding group {member} to group {group_id} would make a group contain itself"),
                )
                .into());
            }
        }
        let displays: HashMap<&str, &str> = members
            .iter()
            .filter_map(|m| Some((m.id.as_str(), m.display.as_deref()?)))
            .collect();
        let rows: Vec<tables::MembershipWrite<'_>> = existing
            .iter()
            .map(|(id, kind)| tables::MembershipWrite {
                member_id: id,
                member_type: kind,
                display: displays.get(id.as_str()).copied(),
            })
            .collect();
        tables::insert_memberships(conn, tenant, group_id, &rows)
    }

    /// Applies one membership change; returns the members that joined and left.
    pub(super) fn apply_member_change(
        &self,
        conn: &mut dyn SqlConn,
        tenant: &TenantId,
        group_id: &str,
        change: &MemberChange,
    ) -> Result<MemberDelta, StoreError> {
        let removal = |conn: &mut dyn SqlConn,
                       selection: &MemberSelection<'_>|
         -> Result<Vec<Member>, StoreError> {
            if let Some(id) = tables::protected_members(conn, tenant, group_id, selection)?
                .into_iter()
                .next()
            {
                return Err(StoreError::Protected {
                    id,
                    action: "remove from a group",
                });
            }
            tables::delete_memberships(conn, tenant, group_id, selection)
        };
        if let MemberChange::Add(members) | MemberChange::ReplaceAll(members) = change
            && let Some(id) = members
                .iter()
                .map(|m| &m.id)
                .find(|id| !tables::storable(id))
        {
            return Err(ScimError::new(
                ScimType::InvalidValue,
                format!("member {id:?} does not exist: add the user or group first"),
            )
            .into());
        }
        Ok(match change {
            MemberChange::Add(members) => MemberDelta {
                added: self.add_members(conn, tenant, group_id, members)?,
                removed: Vec::new(),
            },
            MemberChange::Remove(ids) => {
                // An id that cannot be stored names no member.
                let ids: Vec<&str> = ids
                    .iter()
                    .map(String::as_str)
                    .filter(|id| tables::storable(id))
                    .collect();
                MemberDelta {
                    added: Vec::new(),
                    removed: removal(conn, &MemberSelection::Ids(&ids))?,
                }
            }
            MemberChange::RemoveAll => MemberDelta {
                added: Vec::new(),
                removed: removal(conn, &MemberSelection::All)?,
            },
            MemberChange::ReplaceAll(members) => {
                let ids = NewMember::ids(members);
                let removed = if ids.len() <= tables::MAX_LISTED_IDS {
                    removal(conn, &MemberSelection::AllBut(&ids))?
                } else {
                    // `NOT IN` a list this long would exceed the bind-parameter limits: remove
                    // the difference instead, listed in bounded statements.
                    let keep: HashSet<&str> = ids.iter().copied().collect();
                    let current = tables::member_ids_of(conn, tenant, group_id)?;
                    let gone: Vec<&str> = current
                        .iter()
                        .map(String::as_str)
                        .filter(|id| !keep.contains(id))
                        .collect();
                    removal(conn, &MemberSelection::Ids(&gone))?
                };
                MemberDelta {
                    added: self.add_members(conn, tenant, group_id, members)?,
                    removed,
                }
            }
        })
    }

    /// Carries out what the tenant's policies add to a write, and records its events.
    pub(super) fn apply_effects(
        &self,
        conn: &mut dyn SqlConn,
        actor: Actor<'_>,
        tenant: &Tenant,
        id: &str,
        effects: &policy::Effects,
        log: &mut EventLog<'_>,
    ) -> Result<(), StoreError> {
        if effects.leave_all_groups {
            let groups = tables::delete_memberships_of_member(conn, actor.tenant, id)?;
            let member = (id.to_owned(), "User".to_owned());
            let organisation = Organisation::of(&tenant.settings);
            self.touch_groups(conn, actor, &organisation, &groups, &member, log)?;
        }
        Ok(())
    }

    /// Records that `member` left `groups` as a side effect of another write: each group moves
    /// to a new version (so its ETag changes), and the member's leaving is logged as
    /// `group.members_removed` (and `access.revoked` for a project x role group).
    pub(super) fn touch_groups(
        &self,
        conn: &mut dyn SqlConn,
        actor: Actor<'_>,
        organisation: &Organisation,
        groups: &[String],
        member: &Member,
        log: &mut EventLog<'_>,
    ) -> Result<(), StoreError> {
        let now = log.at();
        for group in groups {
            let row = tables::bump_version(conn, actor.tenant, group, now)?;
            log.members_changed(organisation, &row, &[], std::slice::from_ref(member));
        }
        Ok(())
    }
}

/// The members that joined and left a group in one change.
#[derive(Debug, Default)]
pub(super) struct MemberDelta {
    pub(super) added: Vec<Member>,
    pub(super) removed: Vec<Member>,
}

impl MemberDelta {
    /// What the steps of one request did in all: a member removed and added again by the same
    /// request (or added, then removed) did not change. Each step records only what it changed,
    /// so the balance of an id is -1, 0 or 1.
    pub(super) fn net(self) -> (Vec<Member>, Vec<Member>) {
        let mut balance: HashMap<String, i32> = HashMap::new();
        for (id, _) in &self.added {
            *balance.entry(id.clone()).or_default() += 1;
        }
        for (id, _) in &self.removed {
            *balance.entry(id.clone()).or_default() -= 1;
        }
        let keep = |members: Vec<Member>, sign: i32| -> Vec<Member> {
            let mut seen = HashSet::new();
            members
                .into_iter()
                .filter(|(id, _)| balance.get(id) == Some(&sign) && seen.insert(id.clone()))
                .collect()
        };
        (keep(self.added, 1), keep(self.removed, -1))
    }
}

pub(super) fn not_found(resource_type: &ResourceType, id: &str) -> StoreError {
    StoreError::NotFound {
        resource_type: resource_type.name().to_owned(),
        id: id.to_owned(),
    }
}

/// Whether the caller's expected version (If-Match) is the stored one. An expected version beyond
/// what a stored counter can hold is simply not the current one.
pub(super) fn check_version(expected: Option<Version>, current: i64) -> Result<(), StoreError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    if i64::try_from(expected.get()).is_ok_and(|expected| expected == current) {
        return Ok(());
    }
    Err(StoreError::VersionMismatch {
        expected,
        current: stored_version(current)?,
    })
}

/// A version column read back: versions start at 1, so anything else is a corrupt row, never a
/// tag to show (it used to render as `W/"0"`).
pub(crate) fn stored_version(stored: i64) -> Result<Version, StoreError> {
    u64::try_from(stored)
        .ok()
        .filter(|n| *n >= 1)
        .map(Version::new)
        .ok_or_else(|| StoreError::Corrupt(format!("version {stored} is not a version")))
}

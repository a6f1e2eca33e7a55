//! PATCH: read, apply with scim-core's engine, write, in one transaction.

use crate::Version;
use scim_core::ScimError;
use scim_core::patch::{ElementChange, Operation, PatchOptions, apply_patch};
use scim_core::resource::Resource;
use scim_core::schema::{ResourceKind, ResourceType};

use super::events::EventLog;
use super::policy::{MemberChange, NewMember};
use super::render::{render_one, stored_body};
use super::resources::MemberDelta;
use super::resources::{Update, check_version, not_found, prepare};
use super::tables;
use super::{Engine, admin};
use crate::backend::{Backend, ResourceRow, SqlConn};
use crate::clock::to_micros;
use crate::model::{Actor, ReadOptions, StoredResource};
use crate::organisation::Organisation;
use crate::{StoreError, TenantId};

impl<B: Backend> Engine<B> {
    pub(crate) fn patch_impl(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        operations: &[Operation<'_>],
        expected_version: Option<Version>,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        let is_group = resource_type.kind() == ResourceKind::Group;
        // Memberships live in their own table: the engine hands their changes back instead of
        // needing the group's members in memory.
        let patch_options = if is_group {
            PatchOptions::new().detach("members")
        } else {
            PatchOptions::new()
        };
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
            let current = Resource::from_trusted_json(resource_type.name(), before.clone());
            let outcome = apply_patch(
                &self.registry,
                resource_type,
                &current,
                operations.iter().copied(),
                &patch_options,
            )
            .map_err(ScimError::from)?;
            if !outcome.is_changed() {
                return self.answer(conn, actor.tenant, resource_type, row, options);
            }
            let prepared = prepare(outcome.resource)?;
            let update = Update {
                actor,
                tenant: &tenant,
                resource_type,
                row: &row,
                now,
            };
            let mut log = EventLog::new(actor, now);
            let (written, effects) = self.write_update(
                conn,
                &update,
                &before,
                &prepared.data,
                &outcome.changed_attributes,
                &mut log,
            )?;
            let mut delta = MemberDelta::default();
            // By value: each change's elements (a copy of the request's, as large) are freed
            // before its rows are written.
            for detached in outcome.detached {
                let change = self.apply_element_change(conn, actor.tenant, id, detached.change)?;
                delta.added.extend(change.added);
                delta.removed.extend(change.removed);
            }
            if !delta.added.is_empty() || !delta.removed.is_empty() {
                let (added, removed) = delta.net();
                log.members_changed(
                    &Organisation::of(&tenant.settings),
                    &written,
                    &added,
                    &removed,
                );
            }
            self.apply_effects(conn, actor, &tenant, id, &effects, &mut log)?;
            log.write(conn, &*self.ids)?;
            self.answer(conn, actor.tenant, resource_type, written, options)
        })
    }

    /// The resource a PATCH returns: `row` as it is, unless `options` asks for memberships,
    /// which are read.
    fn answer(
        &self,
        conn: &mut dyn SqlConn,
        tenant: &TenantId,
        resource_type: &ResourceType,
        row: ResourceRow,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        let linked = match resource_type.kind() {
            ResourceKind::Group => options.members,
            ResourceKind::User => options.groups,
            ResourceKind::Other => false,
        };
        if linked {
            self.read_in(conn, tenant, resource_type, &row.id, options)
        } else {
            render_one(row, options)
        }
    }

    fn apply_element_change(
        &self,
        conn: &mut dyn SqlConn,
        tenant: &TenantId,
        group_id: &str,
        change: ElementChange,
    ) -> Result<MemberDelta, StoreError> {
        let change = match change {
            ElementChange::Add(elements) => MemberChange::Add(NewMember::from_elements(&elements)?),
            ElementChange::Remove(ids) => MemberChange::Remove(ids),
            ElementChange::RemoveMatching(value_path) => MemberChange::Remove(
                tables::matching_members(conn, tenant, group_id, &value_path)?,
            ),
            ElementChange::Replace(elements) => {
                MemberChange::ReplaceAll(NewMember::from_elements(&elements)?)
            }
            ElementChange::Clear => MemberChange::RemoveAll,
        };
        self.apply_member_change(conn, tenant, group_id, &change)
    }
}

//! Creating many resources in one transaction.
//!
//! The guarantees are those of one `create` per resource; what is shared is the transaction
//! (one commit, one wait for the tenant's write lock) and the statements, which carry hundreds
//! of rows each.

use scim_core::schema::ResourceKind;
use std::collections::HashMap;

use scim_core::ScimError;
use scim_core::validate::Validator;
use serde_json::Value;

use super::events::{EventLog, NewEvent, lifecycle};
use super::render::render_one;
use super::resources::{Prepared, Stamps, prepare};
use super::tables;
use super::{Engine, admin};
use crate::StoreError;
use crate::backend::{Backend, SqlConn};
use crate::clock::to_micros;
use crate::model::{Actor, ReadOptions, StoredResource};
use crate::organisation::Organisation;
use crate::sql::{Dialect, Sql};

/// Rows below which statistics do not matter: any plan is fast.
const SMALL_TABLE: i64 = 10_000;

/// Analyzes `resources` on PostgreSQL when it holds more than twice the rows its statistics
/// say, as after a bulk load.
///
/// PostgreSQL chooses indexes by these statistics, which autovacuum refreshes in time; until
/// then (and for good when autovacuum is off) a table that has grown a hundredfold is planned
/// as if it were small, and a lookup by id can scan a whole tenant through the wrong index.
/// `create_many` is the bulk load, so it does what the PostgreSQL manual asks after one. The
/// check is two small reads; the `ANALYZE` samples a bounded number of rows, and runs each
/// time the table doubles.
fn refresh_statistics(conn: &mut dyn SqlConn) -> Result<(), StoreError> {
    if conn.dialect() != Dialect::Postgres {
        // SQLite's planner prefers the index that matches the most columns without statistics.
        return Ok(());
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push(
        "SELECT CAST(GREATEST(c.reltuples, 0) AS BIGINT) AS n FROM pg_class c WHERE c.oid = 'resources'::regclass",
    );
    let planned = conn.integers(&sql)?.first().copied().unwrap_or(0);
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM resource_counts");
    let rows = conn.integers(&sql)?.first().copied().unwrap_or(0);
    if rows > SMALL_TABLE && rows > planned.saturating_mul(2) {
        let mut sql = Sql::new(conn.dialect());
        sql.push("ANALYZE resources");
        conn.execute(&sql)?;
    }
    Ok(())
}

/// Says which of the call's resources an error is about.
fn at_index(index: usize, err: ScimError) -> ScimError {
    let detail = format!("resource {index}: {}", err.detail());
    match err.scim_type() {
        Some(scim_type) => ScimError::new(scim_type, detail),
        None => ScimError::with_status(err.status(), detail),
    }
}

impl<B: Backend> Engine<B> {
    pub(crate) fn create_many_impl(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        bodies: &[Value],
    ) -> Result<Vec<StoredResource>, StoreError> {
        let resource_type = self.resource_type_named(resource_type)?;
        if bodies.is_empty() {
            return Ok(Vec::new());
        }
        let validator = Validator::new(&self.registry, resource_type).map_err(ScimError::from)?;
        let prepared: Vec<Prepared> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let validated = validator
                    .create(body)
                    .map_err(|e| at_index(i, ScimError::from(e)))?;
                prepare(validated.resource).map_err(|e| match e {
                    StoreError::Scim(e) => StoreError::Scim(at_index(i, e)),
                    other => other,
                })
            })
            .collect::<Result<_, _>>()?;
        let ids: Vec<String> = prepared.iter().map(|_| self.ids.new_id()).collect();
        let now = to_micros(self.clock.now());
        let created = self.logged_write(actor.tenant, |conn| {
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
            let stamps = Stamps {
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let rows = prepared
                .iter()
                .zip(&ids)
                .map(|(p, id)| self.row_write(&tenant, resource_type, id, stamps, &p.data))
                .collect::<Result<Vec<_>, _>>()?;
            // The unique index would refuse a taken name too, but could not say which: look
            // first (the tenant's write lock keeps the answer true until the commit).
            let mut first_holder: HashMap<&str, usize> = HashMap::new();
            for (i, row) in rows.iter().enumerate() {
                if let Some(name) = row.unique_name.as_deref()
                    && first_holder.insert(name, i).is_some()
                {
                    return Err(Self::uniqueness_error(resource_type, &prepared[i].data));
                }
            }
            let names: Vec<&str> = first_holder.keys().copied().collect();
            if let Some(taken) = tables::taken_names(conn, actor.tenant, resource_type.name(), &names)?
                .first()
                .and_then(|name| first_holder.get(name.as_str()))
            {
                return Err(Self::uniqueness_error(resource_type, &prepared[*taken].data));
            }
            let Some(seqs) = tables::insert_resources(conn, &rows)? else {
                // The names were free, so only a generated id can have collided.
                return Err(StoreError::database(
                    "a new resource id collided with an existing one".to_owned(),
                ));
            };
            tables::adjust_counts(conn, actor.tenant, resource_type.name(), &seqs, 1)?;
            let mut log = EventLog::new(actor, now);
            let lifecycle = lifecycle(resource_type.name());
            let mut member_events = Vec::new();
            for ((p, row), i) in prepared.iter().zip(&rows).zip(0..) {
                let mut names: Vec<String> = p.data.keys().cloned().collect();
                let written = row.stored(false);
                let event = NewEvent::about_document(lifecycle.created, &written, &p.data);
                if let Some(members) = &p.members {
                    let added = self
                        .add_members(conn, actor.tenant, row.id, members)
                        .map_err(|e| match e {
                            StoreError::Scim(e) => StoreError::Scim(at_index(i, e)),
                            other => other,
                        })?;
                    if !added.is_empty() {
                        names.push("members".to_owned());
                        member_events.push((event.clone(), added));
                    }
                }
                log.push(event.changed(names).with_snapshot(&written));
            }
            // Each resource's own event first, in the order of `bodies`; then the members.
            let organisation = Organisation::of(&tenant.settings);
            for (event, added) in member_events {
                log.members_changed_of(&organisation, event, &added, &[]);
            }
            log.write(conn, &*self.ids)?;
            // What was written is known: answer without reading it back, except for the members
            // of new groups, whose display names are in the members' rows. (Nothing links to a
            // resource that did not exist before this transaction.)
            rows.iter()
                .zip(&prepared)
                .map(|(row, p)| {
                    if p.members.as_ref().is_some_and(|m| !m.is_empty()) {
                        self.read_in(conn, actor.tenant, resource_type, row.id, ReadOptions::FULL)
                    } else {
                        render_one(row.stored(false), ReadOptions::FULL)
                    }
                })
                .collect()
        })?;
        // A failed refresh leaves the planner as autovacuum would have: it is no reason to
        // report the resources, which are committed, as not created.
        let _ = self.backend.run(refresh_statistics);
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::ScimType;

    #[test]
    fn errors_name_the_resource_they_are_about() {
        let err = at_index(
            3,
            ScimError::new(ScimType::InvalidValue, "userName is required"),
        );
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert_eq!(err.status(), 400);
        let err = at_index(0, ScimError::not_found("gone"));
        assert_eq!((err.status(), err.scim_type()), (404, None));
    }
}

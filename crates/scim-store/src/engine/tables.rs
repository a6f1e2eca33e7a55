//! The statements on `resources`, `memberships` and `events`, one function each.

use crate::backend::{MemberRow, ResourceRow, SqlConn};
use crate::sql::{Bind, Dialect, Sql};
use crate::{StoreError, TenantId};

/// The columns every resource read selects, in the order `ResourceRow` names them.
fn resource_columns(sql: &mut Sql, table: &str) {
    sql.push(table)
        .push(".resource_type, ")
        .push(table)
        .push(".id, ");
    sql.push(table)
        .push(".seq, ")
        .push(table)
        .push(".version, ");
    sql.push(table)
        .push(".created_at, ")
        .push(table)
        .push(".updated_at, ");
    sql.push(table).push(".protected, ");
    sql.json_column_as_text(&format!("{table}.data"))
        .push(" AS data");
}

/// Takes the tenant's write lock and hands out the next change-log sequence number.
///
/// Every write transaction calls this first, so a tenant's writes are serialised (on PostgreSQL
/// by the row lock, on SQLite by the database lock) and the log has no gaps.
pub(crate) fn next_event_seq(conn: &mut dyn SqlConn, tenant: &TenantId) -> Result<i64, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("UPDATE tenants SET event_seq = event_seq + 1 WHERE id = ")
        .text_value(tenant.as_str())
        .push(" RETURNING event_seq AS n");
    conn.integers(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::TenantNotFound(tenant.to_string()))
}

/// Takes the tenant's write lock without handing out a sequence number, for a write that reads
/// before it knows whether it changes anything (a PATCH).
///
/// The resource must be read under the lock: read before it, at PostgreSQL's READ COMMITTED, two
/// concurrent PATCHes would both start from the same version and the second would overwrite the
/// first (same version number, first change lost, a stale `expected_version` accepted).
pub(crate) fn lock_tenant(conn: &mut dyn SqlConn, tenant: &TenantId) -> Result<(), StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT event_seq AS n FROM tenants WHERE id = ")
        .text_value(tenant.as_str());
    if conn.dialect() == Dialect::Postgres {
        // SQLite's write transactions hold the database lock from their BEGIN IMMEDIATE.
        sql.push(" FOR UPDATE");
    }
    if conn.integers(&sql)?.is_empty() {
        return Err(StoreError::TenantNotFound(tenant.to_string()));
    }
    Ok(())
}

/// A resource row about to be written.
pub(crate) struct RowWrite<'a> {
    pub(crate) tenant: &'a TenantId,
    pub(crate) resource_type: &'a str,
    pub(crate) id: &'a str,
    pub(crate) version: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) name_ci: Option<String>,
    pub(crate) unique_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) data: String,
    pub(crate) data_ci: String,
}

/// Inserts a resource; `Ok(false)` when its unique name is taken.
pub(crate) fn insert_resource(
    conn: &mut dyn SqlConn,
    row: &RowWrite<'_>,
) -> Result<bool, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push(
        "INSERT INTO resources (tenant_id, resource_type, id, version, created_at, updated_at, \
         name_ci, unique_name, external_id, data, data_ci) VALUES (",
    );
    sql.text_value(row.tenant.as_str()).push(", ");
    sql.text_value(row.resource_type).push(", ");
    sql.text_value(row.id).push(", ");
    sql.int_value(row.version).push(", ");
    sql.int_value(row.created_at).push(", ");
    sql.int_value(row.updated_at).push(", ");
    sql.bind(Bind::OptionalText(row.name_ci.clone())).push(", ");
    sql.bind(Bind::OptionalText(row.unique_name.clone()))
        .push(", ");
    sql.bind(Bind::OptionalText(row.external_id.clone()))
        .push(", ");
    sql.bind(Bind::Json(row.data.clone())).push(", ");
    sql.bind(Bind::Json(row.data_ci.clone())).push(")");
    Ok(conn.execute_unique(&sql)?.is_some())
}

/// Rewrites a resource's row; `Ok(false)` when its new unique name is taken.
pub(crate) fn update_resource(
    conn: &mut dyn SqlConn,
    row: &RowWrite<'_>,
) -> Result<bool, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("UPDATE resources SET version = ")
        .int_value(row.version);
    sql.push(", updated_at = ").int_value(row.updated_at);
    sql.push(", name_ci = ")
        .bind(Bind::OptionalText(row.name_ci.clone()));
    sql.push(", unique_name = ")
        .bind(Bind::OptionalText(row.unique_name.clone()));
    sql.push(", external_id = ")
        .bind(Bind::OptionalText(row.external_id.clone()));
    sql.push(", data = ").bind(Bind::Json(row.data.clone()));
    sql.push(", data_ci = ")
        .bind(Bind::Json(row.data_ci.clone()));
    sql.push(" WHERE tenant_id = ")
        .text_value(row.tenant.as_str());
    sql.push(" AND id = ").text_value(row.id);
    Ok(conn.execute_unique(&sql)?.is_some())
}

/// Whether `id` can name a stored row. No stored text contains U+0000 (writes refuse it;
/// PostgreSQL can neither store nor even bind it), so an id with one names nothing and is never
/// sent to the database.
pub(crate) fn storable(id: &str) -> bool {
    !id.contains('\0')
}

pub(crate) fn load_resource(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
) -> Result<Option<ResourceRow>, StoreError> {
    if !storable(id) {
        return Ok(None);
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT ");
    resource_columns(&mut sql, "r");
    sql.push(" FROM resources r WHERE r.tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND r.id = ").text_value(id);
    sql.push(" AND r.resource_type = ")
        .text_value(resource_type);
    Ok(conn.resources(&sql)?.into_iter().next())
}

/// Loads the rows whose `seq` is listed, in the order given.
pub(crate) fn load_resources_by_seq(
    conn: &mut dyn SqlConn,
    seqs: &[i64],
) -> Result<Vec<ResourceRow>, StoreError> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT ");
    resource_columns(&mut sql, "r");
    sql.push(" FROM resources r WHERE r.seq IN (");
    for (i, seq) in seqs.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.int_value(*seq);
    }
    sql.push(")");
    let mut rows = conn.resources(&sql)?;
    rows.sort_by_key(|row| seqs.iter().position(|s| *s == row.seq));
    Ok(rows)
}

/// Deletes a resource and its memberships, both as a group and as a member; returns the groups
/// it was a member of.
pub(crate) fn delete_resource(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND group_id = ").text_value(id);
    conn.execute(&sql)?;
    let groups = delete_memberships_of_member(conn, tenant, id)?;
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM resources WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND id = ").text_value(id);
    conn.execute(&sql)?;
    Ok(groups)
}

/// Moves a resource to its next version; returns the new version.
pub(crate) fn bump_version(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
    updated_at: i64,
) -> Result<i64, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("UPDATE resources SET version = version + 1, updated_at = ")
        .int_value(updated_at);
    sql.push(" WHERE tenant_id = ").text_value(tenant.as_str());
    sql.push(" AND id = ")
        .text_value(id)
        .push(" RETURNING version AS n");
    conn.integers(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::NotFound {
            resource_type: "resource".to_owned(),
            id: id.to_owned(),
        })
}

pub(crate) fn set_protected(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
    protected: bool,
) -> Result<bool, StoreError> {
    if !storable(id) {
        return Ok(false);
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("UPDATE resources SET protected = ")
        .bind(Bind::Bool(protected));
    sql.push(" WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND id = ")
        .text_value(id);
    Ok(conn.execute(&sql)? > 0)
}

/// A JSON text member of `data`, as SQL text (`NULL` when absent).
fn json_text(sql: &mut Sql, column: &str, key: &str) {
    match sql.dialect() {
        Dialect::Sqlite => sql
            .push("json_extract(")
            .push(column)
            .push(", '$.")
            .push(key)
            .push("')"),
        Dialect::Postgres => sql.push(column).push(" ->> '").push(key).push("'"),
    };
}

/// The ids among `ids` that name resources of the tenant, with their resource types.
pub(crate) fn existing_resources(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    ids: &[&str],
) -> Result<Vec<(String, String)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT r.id AS group_id, r.id AS member_id, r.resource_type AS member_type, ");
    sql.push("NULL AS display FROM resources r WHERE r.tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND r.id IN ").text_list(ids.iter().copied());
    Ok(conn
        .members(&sql)?
        .into_iter()
        .map(|m| (m.member_id, m.member_type))
        .collect())
}

/// Inserts memberships (already checked to exist), ignoring ones already present.
pub(crate) fn insert_memberships(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    members: &[(String, String)],
) -> Result<(), StoreError> {
    // Bounded statements keep the number of bind parameters well inside both databases' limits.
    for chunk in members.chunks(200) {
        let mut sql = Sql::new(conn.dialect());
        sql.push("INSERT INTO memberships (tenant_id, group_id, member_id, member_type) VALUES ");
        for (i, (member_id, member_type)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .text_value(tenant.as_str())
                .push(", ")
                .text_value(group_id);
            sql.push(", ")
                .text_value(member_id.as_str())
                .push(", ")
                .text_value(member_type.as_str());
            sql.push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING");
        conn.execute(&sql)?;
    }
    Ok(())
}

/// Which memberships of a group a removal selects.
pub(crate) enum MemberSelection<'a> {
    All,
    Ids(&'a [&'a str]),
    AllBut(&'a [&'a str]),
}

fn push_selection(sql: &mut Sql, column: &str, selection: &MemberSelection<'_>) {
    match selection {
        MemberSelection::All => {}
        MemberSelection::Ids(ids) => {
            sql.push(" AND ")
                .push(column)
                .push(" IN ")
                .text_list(ids.iter().copied());
        }
        MemberSelection::AllBut([]) => {}
        MemberSelection::AllBut(ids) => {
            sql.push(" AND ")
                .push(column)
                .push(" NOT IN ")
                .text_list(ids.iter().copied());
        }
    }
}

/// The protected members a removal would take out of the group.
pub(crate) fn protected_members(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    selection: &MemberSelection<'_>,
) -> Result<Vec<String>, StoreError> {
    if matches!(selection, MemberSelection::Ids(ids) if ids.is_empty()) {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT m.member_id AS s FROM memberships m JOIN resources r ON r.tenant_id = m.tenant_id AND r.id = m.member_id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.group_id = ")
        .text_value(group_id)
        .push(" AND r.protected = ")
        .bind(Bind::Bool(true));
    push_selection(&mut sql, "m.member_id", selection);
    conn.strings(&sql)
}

/// Removes memberships of a group; returns how many went.
pub(crate) fn delete_memberships(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    selection: &MemberSelection<'_>,
) -> Result<usize, StoreError> {
    if matches!(selection, MemberSelection::Ids(ids) if ids.is_empty()) {
        return Ok(0);
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND group_id = ").text_value(group_id);
    push_selection(&mut sql, "member_id", selection);
    conn.execute(&sql)
}

/// Removes a member from every group it belongs to (a deactivated user leaving the organisation).
pub(crate) fn delete_memberships_of_member(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    member_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND member_id = ")
        .text_value(member_id)
        .push(" RETURNING group_id AS s");
    conn.strings(&sql)
}

/// The members of a group that a `members[...]` value path selects.
pub(crate) fn matching_members(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    value_path: &scim_core::filter::ResolvedValuePath,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT m.member_id AS s FROM memberships m LEFT JOIN resources mr ON mr.tenant_id = m.tenant_id AND mr.id = m.member_id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.group_id = ")
        .text_value(group_id)
        .push(" AND ");
    crate::sql::push_member_filter(&mut sql, value_path.filter())?;
    conn.strings(&sql)
}

/// The members of the listed groups, with a display name taken from each member's document.
pub(crate) fn members_of(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_ids: &[&str],
) -> Result<Vec<MemberRow>, StoreError> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT m.group_id, m.member_id, m.member_type, COALESCE(");
    json_text(&mut sql, "r.data", "displayName");
    sql.push(", ");
    json_text(&mut sql, "r.data", "userName");
    sql.push(") AS display FROM memberships m LEFT JOIN resources r ON r.tenant_id = m.tenant_id AND r.id = m.member_id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.group_id IN ")
        .text_list(group_ids.iter().copied())
        .push(" ORDER BY ")
        .text_order("m.group_id")
        .push(", ")
        .text_order("m.member_id");
    conn.members(&sql)
}

/// The groups the listed members belong to directly: rows with `group_id` the member and
/// `member_id` the group, and the group's display name.
pub(crate) fn groups_of(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    member_ids: &[&str],
) -> Result<Vec<MemberRow>, StoreError> {
    if member_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.push("SELECT m.member_id AS group_id, m.group_id AS member_id, 'direct' AS member_type, ");
    json_text(&mut sql, "g.data", "displayName");
    sql.push(" AS display FROM memberships m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.member_id IN ")
        .text_list(member_ids.iter().copied())
        .push(" ORDER BY ")
        .text_order("m.member_id")
        .push(", ")
        .text_order("m.group_id");
    conn.members(&sql)
}

/// Whether `group_id` is reachable from `start` by following group memberships downwards
/// (that is, whether adding `start` as a member of `group_id` would close a cycle).
pub(crate) fn reaches(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    start: &str,
    group_id: &str,
) -> Result<bool, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("WITH RECURSIVE below(id) AS (SELECT ")
        .text_value(start);
    sql.push(" UNION SELECT m.member_id FROM memberships m JOIN below b ON m.group_id = b.id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.member_type = 'Group') SELECT COUNT(*) AS n FROM below WHERE id = ")
        .text_value(group_id);
    Ok(conn.integers(&sql)?.into_iter().next().unwrap_or(0) > 0)
}

/// An entry for the change log.
pub(crate) struct EventWrite<'a> {
    pub(crate) tenant: &'a TenantId,
    pub(crate) seq: i64,
    pub(crate) resource_type: &'a str,
    pub(crate) resource_id: &'a str,
    pub(crate) operation: crate::Operation,
    pub(crate) version: i64,
    pub(crate) token_id: Option<&'a str>,
    pub(crate) at: i64,
    pub(crate) changed: &'a [String],
}

impl<'a> EventWrite<'a> {
    /// An entry for `operation` on a resource, by `actor`, at sequence number `seq`.
    pub(crate) fn new(
        actor: crate::model::Actor<'a>,
        seq: i64,
        resource_type: &'a str,
        resource_id: &'a str,
        at: i64,
    ) -> Self {
        Self {
            tenant: actor.tenant,
            seq,
            resource_type,
            resource_id,
            operation: crate::Operation::Patch,
            version: 0,
            token_id: actor.token_id,
            at,
            changed: &[],
        }
    }

    /// What the write did and the resource's version after it.
    pub(crate) fn recording(
        mut self,
        operation: crate::Operation,
        version: i64,
        changed: &'a [String],
    ) -> Self {
        self.operation = operation;
        self.version = version;
        self.changed = changed;
        self
    }
}

pub(crate) fn append_event(
    conn: &mut dyn SqlConn,
    event: &EventWrite<'_>,
) -> Result<(), StoreError> {
    let changed = super::admin::to_json(&event.changed)?;
    let mut sql = Sql::new(conn.dialect());
    sql.push(
        "INSERT INTO events (tenant_id, seq, resource_type, resource_id, operation, version, \
         token_id, at, changed) VALUES (",
    );
    sql.text_value(event.tenant.as_str()).push(", ");
    sql.int_value(event.seq).push(", ");
    sql.text_value(event.resource_type).push(", ");
    sql.text_value(event.resource_id).push(", ");
    sql.text_value(event.operation.as_str()).push(", ");
    sql.int_value(event.version).push(", ");
    sql.bind(Bind::OptionalText(event.token_id.map(str::to_owned)))
        .push(", ");
    sql.int_value(event.at).push(", ");
    sql.bind(Bind::Json(changed)).push(")");
    conn.execute(&sql)?;
    Ok(())
}

//! The statements on `resources` and `memberships`, one function each.

use std::collections::BTreeMap;

use super::events::{Carried, Member};
use super::history::Seq;
use crate::backend::{ResourceRow, SqlConn};
use crate::model::ReadOptions;
use crate::sql::{Bind, Dialect, Sql};
use crate::{StoreError, TenantId};

/// The columns of `resources` that a `ResourceRow` takes as they are (`data` and `links` are
/// made by the statement that reads them).
const ROW_COLUMNS: [&str; 8] = [
    "resource_type",
    "id",
    "seq",
    "version",
    "created_at",
    "updated_at",
    "protected",
    "last_event",
];

/// The columns every resource read selects, in the order `ResourceRow` names them: the row's
/// own columns, then the memberships `options` asks for.
pub(crate) fn resource_columns(sql: &mut Sql, table: &str, options: ReadOptions) {
    for column in ROW_COLUMNS {
        sql.push(table).push(".").push(column).push(", ");
    }
    sql.json_column_as_text(&format!("{table}.data"))
        .push(" AS data, ");
    links(sql, table, options);
    sql.push(" AS links");
}

/// The memberships of the row `table` as one JSON array of `[value, type, display]`: a Group's
/// members or a User's groups, as far as `options` asks for them (`NULL` otherwise, and `NULL`
/// or `[]` when there are none). A member's display is the one it was added with, else its own
/// `displayName` or `userName`; a group's is its `displayName`.
///
/// A correlated subquery rather than a second statement: a read is then one statement, which
/// needs no transaction to be consistent and costs one round trip. The array comes in no
/// particular order: the reader sorts it by the far side's id (`render::parse_links`). An
/// `ORDER BY` inside the aggregate made the database build a sorter on every read (about 6% of
/// the server's CPU per read of a user, on either backend) and hold every member of a large
/// group in it.
fn links(sql: &mut Sql, table: &str, options: ReadOptions) {
    if !options.members && !options.groups {
        sql.push("NULL");
        return;
    }
    let postgres = sql.dialect() == Dialect::Postgres;
    let (aggregate, array) = if postgres {
        ("json_agg(", "json_build_array(")
    } else {
        ("json_group_array(", "json_array(")
    };
    sql.push("CASE");
    if options.members {
        sql.push(" WHEN ")
            .push(table)
            .push(".resource_type = 'Group' THEN (SELECT ");
        sql.push(aggregate)
            .push(array)
            .push("m.member_id, m.member_type, COALESCE(m.display, ");
        json_text(sql, "mr.data", "displayName");
        sql.push(", ");
        json_text(sql, "mr.data", "userName");
        sql.push(")))");
        if postgres {
            sql.push("::text");
        }
        sql.push(" FROM memberships m LEFT JOIN resources mr ON mr.tenant_id = m.tenant_id AND mr.id = m.member_id WHERE m.tenant_id = ");
        sql.push(table)
            .push(".tenant_id AND m.group_id = ")
            .push(table)
            .push(".id)");
    }
    if options.groups {
        sql.push(" WHEN ")
            .push(table)
            .push(".resource_type = 'User' THEN (SELECT ");
        sql.push(aggregate)
            .push(array)
            .push("m.group_id, 'direct', ");
        json_text(sql, "g.data", "displayName");
        sql.push("))");
        if postgres {
            sql.push("::text");
        }
        sql.push(" FROM memberships m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE m.tenant_id = ");
        sql.push(table)
            .push(".tenant_id AND m.member_id = ")
            .push(table)
            .push(".id)");
    }
    sql.push(" END");
}

/// The insertion sequence numbers one row of `resource_counts` covers (`block = seq / BLOCK`;
/// the migration that fills the table uses the same number).
pub(crate) const BLOCK: i64 = 1024;

/// Counts resources that were created (`delta` 1) or deleted (`delta` -1) in the blocks of
/// their sequence numbers, in the write that creates or deletes them.
///
/// Every write holds the tenant's write lock, and readers see the counts and the rows in one
/// snapshot, so the counts are exact at every commit.
pub(crate) fn adjust_counts(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    resource_type: &str,
    seqs: &[i64],
    delta: i64,
) -> Result<(), StoreError> {
    let mut by_block: BTreeMap<i64, i64> = BTreeMap::new();
    for seq in seqs {
        *by_block.entry(seq.div_euclid(BLOCK)).or_default() += delta;
    }
    let blocks: Vec<(i64, i64)> = by_block.into_iter().collect();
    for chunk in blocks.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        // One row, or a full chunk: two texts.
        sql.cache_if(chunk.len() == 1 || chunk.len() == ROWS_PER_STATEMENT);
        sql.push("INSERT INTO resource_counts (tenant_id, resource_type, block, n) VALUES ");
        for (i, (block, n)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.text_value(tenant.as_str()).push(", ");
            sql.text_value(resource_type).push(", ");
            sql.int_value(*block).push(", ").int_value(*n).push(")");
        }
        sql.push(
            " ON CONFLICT (tenant_id, resource_type, block) DO UPDATE SET n = resource_counts.n + excluded.n",
        );
        conn.execute(&sql)?;
    }
    Ok(())
}

/// A resource row about to be written.
///
/// [`RowWrite::stored`] turns it into the row a read would load, so a write can answer
/// without reading back what it wrote.
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

impl RowWrite<'_> {
    /// The row as stored, without memberships.
    pub(crate) fn stored(&self, protected: bool) -> ResourceRow {
        ResourceRow {
            resource_type: self.resource_type.to_owned(),
            id: self.id.to_owned(),
            seq: 0,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            protected,
            data: self.data.clone(),
            links: None,
            last_event: None,
        }
    }
}

/// Rows per multi-row statement: keeps the bind parameters (11 a row here) well inside both
/// databases' limits.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts resources, several per statement, and returns their sequence numbers; `Ok(None)`
/// when a unique name is taken (the transaction must then be abandoned).
pub(crate) fn insert_resources(
    conn: &mut dyn SqlConn,
    rows: &[RowWrite<'_>],
) -> Result<Option<Vec<i64>>, StoreError> {
    let mut seqs = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        // One row, or a full chunk: two texts.
        sql.cache_if(chunk.len() == 1 || chunk.len() == ROWS_PER_STATEMENT);
        match insert_statement(conn, sql, chunk, None)? {
            Some(inserted) => seqs.extend(inserted),
            None => return Ok(None),
        }
    }
    Ok(Some(seqs))
}

/// Inserts one resource with its events (`carried`, [`super::events::EventLog::carry`]) and
/// returns its sequence numbers, as [`insert_resources`] does.
pub(crate) fn insert_resource(
    conn: &mut dyn SqlConn,
    row: &RowWrite<'_>,
    carried: Carried,
) -> Result<Option<Vec<i64>>, StoreError> {
    let (sql, head) = carried.into_parts(conn.dialect());
    insert_statement(conn, sql, std::slice::from_ref(row), head)
}

/// Completes `sql` with the `INSERT` of `rows`, each taking `head` as its `last_event`, and runs
/// it: the rows' sequence numbers, or `None` when a unique name is taken.
fn insert_statement(
    conn: &mut dyn SqlConn,
    mut sql: Sql,
    rows: &[RowWrite<'_>],
    head: Option<Seq>,
) -> Result<Option<Vec<i64>>, StoreError> {
    sql.push(
        "INSERT INTO resources (tenant_id, resource_type, id, version, created_at, updated_at, \
         name_ci, unique_name, external_id, data, data_ci",
    )
    .push(if head.is_some() {
        ", last_event) VALUES "
    } else {
        ") VALUES "
    });
    for (i, row) in rows.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
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
        sql.bind(Bind::Json(row.data_ci.clone()));
        if let Some(head) = head {
            sql.push(", ");
            head.push(&mut sql);
        }
        sql.push(")");
    }
    sql.push(" RETURNING seq AS n");
    conn.integers_unique(&sql)
}

/// The unique names among `names` that resources of the type already hold in the tenant.
pub(crate) fn taken_names(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    resource_type: &str,
    names: &[&str],
) -> Result<Vec<String>, StoreError> {
    let mut taken = Vec::new();
    for chunk in names.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        // One row, or a full chunk: two texts.
        sql.cache_if(chunk.len() == 1 || chunk.len() == ROWS_PER_STATEMENT);
        sql.push("SELECT unique_name AS s FROM resources WHERE tenant_id = ")
            .text_value(tenant.as_str());
        sql.push(" AND resource_type = ").text_value(resource_type);
        sql.push(" AND unique_name IN ")
            .text_list(chunk.iter().copied());
        taken.extend(conn.strings(&sql)?);
    }
    Ok(taken)
}

/// Rewrites a resource's row; `Ok(false)` when its new unique name is taken.
///
/// On SQLite the indexed key columns (`name_ci`, `unique_name`, `external_id`) are written by
/// a second statement, and only when one of them changes. SQLite rewrites the index entries of
/// every column an `UPDATE` assigns, equal or not, and most updates (a deactivation, a new
/// title) change no key: the key indexes' leaves, scattered over a large tenant, were read
/// and written again by every PATCH (docs/benchmarks.md, "Writes on a large tenant"). On
/// PostgreSQL one statement does: an update that changes `data_ci`, which a GIN index covers,
/// adds entries to every index of the row whatever it assigns.
///
/// `carried`: the row's events ([`super::events::EventLog::carry`]).
pub(crate) fn update_resource(
    conn: &mut dyn SqlConn,
    row: &RowWrite<'_>,
    carried: Carried,
) -> Result<bool, StoreError> {
    let keys_apart = conn.dialect() == Dialect::Sqlite;
    let (mut sql, head) = carried.into_parts(conn.dialect());
    sql.push("UPDATE resources SET version = ")
        .int_value(row.version);
    if let Some(head) = head {
        sql.push(", last_event = ");
        head.push(&mut sql);
    }
    sql.push(", updated_at = ").int_value(row.updated_at);
    if !keys_apart {
        sql.push(", ");
        push_keys(&mut sql, row);
    }
    sql.push(", data = ").bind(Bind::Json(row.data.clone()));
    sql.push(", data_ci = ")
        .bind(Bind::Json(row.data_ci.clone()));
    sql.push(" WHERE tenant_id = ")
        .text_value(row.tenant.as_str());
    sql.push(" AND id = ").text_value(row.id);
    let written = conn.execute_unique(&sql)?.is_some();
    if !written || !keys_apart {
        return Ok(written);
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push("UPDATE resources SET ");
    push_keys(&mut sql, row);
    sql.push(" WHERE tenant_id = ")
        .text_value(row.tenant.as_str());
    sql.push(" AND id = ").text_value(row.id);
    sql.push(" AND (name_ci IS NOT ")
        .bind(Bind::OptionalText(row.name_ci.clone()));
    sql.push(" OR unique_name IS NOT ")
        .bind(Bind::OptionalText(row.unique_name.clone()));
    sql.push(" OR external_id IS NOT ")
        .bind(Bind::OptionalText(row.external_id.clone()))
        .push(")");
    Ok(conn.execute_unique(&sql)?.is_some())
}

/// `name_ci = ?, unique_name = ?, external_id = ?` for `row`.
fn push_keys(sql: &mut Sql, row: &RowWrite<'_>) {
    sql.push("name_ci = ")
        .bind(Bind::OptionalText(row.name_ci.clone()));
    sql.push(", unique_name = ")
        .bind(Bind::OptionalText(row.unique_name.clone()));
    sql.push(", external_id = ")
        .bind(Bind::OptionalText(row.external_id.clone()));
}

/// Whether `id` can name a stored row. No stored text contains U+0000 (writes refuse it;
/// PostgreSQL can neither store nor even bind it), so an id with one names nothing and is never
/// sent to the database.
pub(crate) fn storable(id: &str) -> bool {
    !id.contains('\0')
}

/// A resource with the memberships `options` asks for, in one statement.
pub(crate) fn load_resource(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    options: ReadOptions,
) -> Result<Option<ResourceRow>, StoreError> {
    if !storable(id) {
        return Ok(None);
    }
    let sql = load_statement(conn.dialect(), tenant, id, options);
    // The type is checked here rather than in SQL: with `resource_type = ?` in the statement,
    // SQLite's (tenant, type, seq) index matches as many columns as the (tenant, id) one, and a
    // planner without statistics may scan the whole tenant through it.
    Ok(conn
        .resources(&sql)?
        .into_iter()
        .find(|row| row.resource_type == resource_type))
}

/// The statement [`load_resource`] runs.
pub(crate) fn load_statement(
    dialect: Dialect,
    tenant: &TenantId,
    id: &str,
    options: ReadOptions,
) -> Sql {
    let mut sql = Sql::cached(dialect);
    sql.push("SELECT ");
    resource_columns(&mut sql, "r", options);
    sql.push(" FROM resources r WHERE r.tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND r.id = ").text_value(id);
    sql
}

/// What deleting a resource removed besides its row.
pub(crate) struct Deleted {
    /// The groups it was a member of.
    pub(crate) groups: Vec<String>,
    /// The sequence number its row had.
    pub(crate) seqs: Vec<i64>,
    /// Its members, if it was a group.
    pub(crate) members: Vec<Member>,
}

/// Deletes a resource and its memberships, both as a group and as a member.
pub(crate) fn delete_resource(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
) -> Result<Deleted, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("DELETE FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND group_id = ")
        .text_value(id)
        .push(" RETURNING member_id, member_type");
    let members = members_of(conn.members(&sql)?);
    let groups = delete_memberships_of_member(conn, tenant, id)?;
    super::history::keep_head_of_deleted(conn, tenant, id)?;
    let mut sql = Sql::cached(conn.dialect());
    sql.push("DELETE FROM resources WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND id = ")
        .text_value(id)
        .push(" RETURNING seq AS n");
    let seqs = conn.integers(&sql)?;
    Ok(Deleted {
        groups,
        seqs,
        members,
    })
}

fn members_of(rows: Vec<crate::backend::MemberRow>) -> Vec<Member> {
    rows.into_iter()
        .map(|m| (m.member_id, m.member_type))
        .collect()
}

/// Moves a resource to its next version; returns its row as it is now (without memberships).
pub(crate) fn bump_version(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
    updated_at: i64,
) -> Result<ResourceRow, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("UPDATE resources SET version = version + 1, updated_at = ")
        .int_value(updated_at);
    sql.push(" WHERE tenant_id = ").text_value(tenant.as_str());
    sql.push(" AND id = ").text_value(id).push(" RETURNING ");
    for column in ROW_COLUMNS {
        sql.push(column).push(", ");
    }
    sql.json_column_as_text("data")
        .push(" AS data, CAST(NULL AS TEXT) AS links");
    conn.resources(&sql)?
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
    let mut sql = Sql::cached(conn.dialect());
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
    let mut existing = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        // One row, or a full chunk: two texts.
        sql.cache_if(chunk.len() == 1 || chunk.len() == ROWS_PER_STATEMENT);
        sql.push("SELECT r.id AS member_id, r.resource_type AS member_type FROM resources r WHERE r.tenant_id = ")
            .text_value(tenant.as_str());
        sql.push(" AND r.id IN ").text_list(chunk.iter().copied());
        existing.extend(
            conn.members(&sql)?
                .into_iter()
                .map(|m| (m.member_id, m.member_type)),
        );
    }
    Ok(existing)
}

/// A membership about to be inserted.
pub(crate) struct MembershipWrite<'a> {
    pub(crate) member_id: &'a str,
    pub(crate) member_type: &'a str,
    /// The display name the client gave, if any.
    pub(crate) display: Option<&'a str>,
}

/// Inserts memberships (already checked to exist), ignoring ones already present: a member
/// added again keeps the display it was added with. Returns the members that joined.
pub(crate) fn insert_memberships(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    members: &[MembershipWrite<'_>],
) -> Result<Vec<Member>, StoreError> {
    let mut added = Vec::new();
    for chunk in members.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(conn.dialect());
        // One row, or a full chunk: two texts.
        sql.cache_if(chunk.len() == 1 || chunk.len() == ROWS_PER_STATEMENT);
        sql.push(
            "INSERT INTO memberships (tenant_id, group_id, member_id, member_type, display, display_ci) VALUES ",
        );
        for (i, member) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .text_value(tenant.as_str())
                .push(", ")
                .text_value(group_id);
            sql.push(", ")
                .text_value(member.member_id)
                .push(", ")
                .text_value(member.member_type);
            sql.push(", ")
                .bind(Bind::OptionalText(member.display.map(str::to_owned)))
                .push(", ")
                .bind(Bind::OptionalText(
                    member.display.map(|d| scim_core::fold_case(d).into_owned()),
                ));
            sql.push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING RETURNING member_id, member_type");
        added.extend(members_of(conn.members(&sql)?));
    }
    Ok(added)
}

/// The most ids one statement lists: far below SQLite's and PostgreSQL's bind-parameter limits
/// (32,766 and 65,535), so that a removal or replacement of any size runs in bounded statements.
pub(crate) const MAX_LISTED_IDS: usize = 500;

/// The ids of a group's members.
pub(crate) fn member_ids_of(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT member_id AS s FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND group_id = ")
        .text_value(group_id);
    conn.strings(&sql)
}

/// Which memberships of a group a removal selects.
pub(crate) enum MemberSelection<'a> {
    All,
    Ids(&'a [&'a str]),
    AllBut(&'a [&'a str]),
}

impl MemberSelection<'_> {
    /// Whether the statements for this selection have a fixed text (see [`Sql::cache_if`]).
    fn is_bounded(&self) -> bool {
        match self {
            Self::All | Self::AllBut([]) => true,
            Self::Ids(ids) | Self::AllBut(ids) => ids.len() == 1,
        }
    }
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
    if let MemberSelection::Ids(ids) = selection
        && ids.len() > MAX_LISTED_IDS
    {
        let mut found = Vec::new();
        for chunk in ids.chunks(MAX_LISTED_IDS) {
            found.extend(protected_members(
                conn,
                tenant,
                group_id,
                &MemberSelection::Ids(chunk),
            )?);
        }
        return Ok(found);
    }
    if matches!(selection, MemberSelection::Ids(ids) if ids.is_empty()) {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.cache_if(selection.is_bounded());
    sql.push("SELECT m.member_id AS s FROM memberships m JOIN resources r ON r.tenant_id = m.tenant_id AND r.id = m.member_id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.group_id = ")
        .text_value(group_id)
        .push(" AND r.protected = ")
        .bind(Bind::Bool(true));
    push_selection(&mut sql, "m.member_id", selection);
    conn.strings(&sql)
}

/// Removes memberships of a group; returns the members that left.
pub(crate) fn delete_memberships(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    selection: &MemberSelection<'_>,
) -> Result<Vec<Member>, StoreError> {
    if let MemberSelection::Ids(ids) = selection
        && ids.len() > MAX_LISTED_IDS
    {
        let mut removed = Vec::new();
        for chunk in ids.chunks(MAX_LISTED_IDS) {
            removed.extend(delete_memberships(
                conn,
                tenant,
                group_id,
                &MemberSelection::Ids(chunk),
            )?);
        }
        return Ok(removed);
    }
    if matches!(selection, MemberSelection::Ids(ids) if ids.is_empty()) {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.dialect());
    sql.cache_if(selection.is_bounded());
    sql.push("DELETE FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str());
    sql.push(" AND group_id = ").text_value(group_id);
    push_selection(&mut sql, "member_id", selection);
    sql.push(" RETURNING member_id, member_type");
    Ok(members_of(conn.members(&sql)?))
}

/// Removes a member from every group it belongs to (a deactivated user leaving the organisation).
pub(crate) fn delete_memberships_of_member(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    member_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
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
    sql.cache_if(crate::sql::is_simple(value_path.filter()));
    sql.push("SELECT m.member_id AS s FROM memberships m LEFT JOIN resources mr ON mr.tenant_id = m.tenant_id AND mr.id = m.member_id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.group_id = ")
        .text_value(group_id)
        .push(" AND ");
    crate::sql::push_member_filter(&mut sql, value_path.filter())?;
    conn.strings(&sql)
}

/// Whether `group_id` is reachable from `start` by following group memberships downwards
/// (that is, whether adding `start` as a member of `group_id` would close a cycle).
pub(crate) fn reaches(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    start: &str,
    group_id: &str,
) -> Result<bool, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("WITH RECURSIVE below(id) AS (SELECT ")
        .text_value(start);
    sql.push(" UNION SELECT m.member_id FROM memberships m JOIN below b ON m.group_id = b.id WHERE m.tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND m.member_type = 'Group') SELECT COUNT(*) AS n FROM below WHERE id = ")
        .text_value(group_id);
    Ok(conn.integers(&sql)?.into_iter().next().unwrap_or(0) > 0)
}

/// Whether group `group_id` has more than `limit` members; reads at most `limit + 1` entries of
/// the membership index, whatever the group's size.
pub(crate) fn has_more_members_than(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    group_id: &str,
    limit: u32,
) -> Result<bool, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT COUNT(*) AS n FROM (SELECT 1 FROM memberships WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND group_id = ")
        .text_value(group_id)
        .push(" LIMIT ")
        .limit_value(i64::from(limit) + 1)
        .push(") AS probe");
    Ok(conn.integers(&sql)?.into_iter().next().unwrap_or(0) > i64::from(limit))
}

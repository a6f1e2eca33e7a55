//! The web console's sessions and sign-in links, the change log newest first, and a group's
//! members a page at a time.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::Engine;
use super::admin::{EVENT_COLUMNS, event_from_row, load_tenant};
use super::log_range::{self, LogOwner, MAX_SEQ, NumberAfter};
use crate::backend::{Backend, ConsoleSessionRow, SqlConn};
use crate::clock::{from_micros, to_micros};
use crate::console::{
    ActorFilter, ConsoleScope, ConsoleSession, EventQuery, GroupMember, LinkRedemption,
    MAX_EVENT_PAGE, MemberPage, NewConsoleLink, NewConsoleSession,
};
use crate::sql::Sql;
use crate::{Event, StoreError, TenantId};

const SESSION_COLUMNS: &str = "id_hash, kind, tenant_id, created_at, expires_at, last_seen_at";

impl<B: Backend> Engine<B> {
    pub(crate) fn create_console_session_impl(
        &self,
        session: &NewConsoleSession,
    ) -> Result<ConsoleSession, StoreError> {
        self.backend.write(|conn| insert_session(conn, session))
    }

    pub(crate) fn console_session_impl(
        &self,
        id_hash: &str,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        if !super::tables::storable(id_hash) {
            return Ok(None);
        }
        self.backend.run(|conn| load_session(conn, id_hash))
    }

    pub(crate) fn touch_console_session_impl(
        &self,
        id_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !super::tables::storable(id_hash) {
            return Ok(());
        }
        self.backend.run(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            sql.push("UPDATE console_sessions SET last_seen_at = ")
                .int_value(to_micros(at))
                .push(" WHERE id_hash = ")
                .text_value(id_hash)
                .push(" AND last_seen_at < ")
                .int_value(to_micros(at));
            conn.execute(&sql).map(|_| ())
        })
    }

    pub(crate) fn delete_console_session_impl(&self, id_hash: &str) -> Result<bool, StoreError> {
        if !super::tables::storable(id_hash) {
            return Ok(false);
        }
        self.backend.run(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            sql.push("DELETE FROM console_sessions WHERE id_hash = ")
                .text_value(id_hash);
            conn.execute(&sql).map(|n| n > 0)
        })
    }

    pub(crate) fn create_console_link_impl(&self, link: &NewConsoleLink) -> Result<(), StoreError> {
        self.backend.write(|conn| {
            if load_tenant(conn, &link.tenant)?.is_none() {
                return Err(StoreError::TenantNotFound(link.tenant.to_string()));
            }
            let mut sql = Sql::new(conn.dialect());
            sql.push(
                "INSERT INTO console_links (token_hash, tenant_id, created_at, expires_at, \
                 created_by, used_at) VALUES (",
            )
            .text_value(&link.token_hash)
            .push(", ")
            .text_value(link.tenant.as_str())
            .push(", ")
            .int_value(to_micros(link.created_at))
            .push(", ")
            .int_value(to_micros(link.expires_at))
            .push(", ")
            .text_value(link.created_by.as_str())
            .push(", NULL)");
            match conn.execute_unique(&sql)? {
                Some(_) => Ok(()),
                None => Err(StoreError::database(
                    "a console link with this token exists already",
                )),
            }
        })
    }

    pub(crate) fn redeem_console_link_impl(
        &self,
        redemption: &LinkRedemption,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        if !super::tables::storable(&redemption.token_hash) {
            return Ok(None);
        }
        let at = to_micros(redemption.at);
        self.backend.write(|conn| {
            // Marking it used and reading its tenant is one statement: of two instances
            // redeeming the same link at once, one updates the row and the other finds it used.
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE console_links SET used_at = ")
                .int_value(at)
                .push(" WHERE token_hash = ")
                .text_value(&redemption.token_hash)
                .push(" AND used_at IS NULL AND expires_at > ")
                .int_value(at)
                .push(" RETURNING tenant_id AS s");
            let Some(tenant) = conn.strings(&sql)?.into_iter().next() else {
                return Ok(None);
            };
            let tenant = TenantId::new(tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if load_tenant(conn, &tenant)?.is_none() {
                return Ok(None);
            }
            insert_session(
                conn,
                &NewConsoleSession {
                    id_hash: redemption.session_id_hash.clone(),
                    scope: ConsoleScope::Tenant(tenant),
                    created_at: redemption.at,
                    expires_at: redemption.session_expires_at,
                },
            )
            .map(Some)
        })
    }

    pub(crate) fn prune_console_impl(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = to_micros(now);
        self.backend.write(|conn| {
            let mut removed = 0;
            for statement in [
                "DELETE FROM console_sessions WHERE expires_at <= ",
                "DELETE FROM console_links WHERE expires_at <= ",
            ] {
                let mut sql = Sql::new(conn.dialect());
                sql.push(statement).int_value(now);
                removed += conn.execute(&sql)?;
            }
            let mut sql = Sql::new(conn.dialect());
            sql.push("DELETE FROM console_links WHERE used_at IS NOT NULL");
            removed += conn.execute(&sql)?;
            Ok(u64::try_from(removed).unwrap_or(u64::MAX))
        })
    }

    pub(crate) fn recent_events_impl(
        &self,
        tenant: &TenantId,
        query: &EventQuery,
    ) -> Result<Vec<Event>, StoreError> {
        if [&query.resource_id, &query.subject]
            .into_iter()
            .flatten()
            .any(|id| !super::tables::storable(id))
        {
            return Ok(Vec::new());
        }
        self.backend.run(|conn| {
            let dialect = conn.dialect();
            let position = log_range::order_column(dialect, "");
            let history = query.resource_id.is_some() || query.subject.is_some();
            let mut sql = Sql::new(dialect);
            sql.push("SELECT ")
                .push(EVENT_COLUMNS)
                .push(" FROM events WHERE ");
            if history {
                // A history's events are found by their identities, each a lookup by the key;
                // its bounds are then tests of the rows found (`+seq`: no range scan of the log).
                sql.push("tenant_id = ").text_value(tenant.as_str());
                if let Some(before) = query.before {
                    sql.push(" AND +seq < ").int_value(before);
                }
                if let Some(after) = query.after {
                    sql.push(" AND +seq > ").int_value(after);
                }
            } else {
                log_range::push_numbered(
                    &mut sql,
                    "",
                    LogOwner::Is(tenant.as_str()),
                    NumberAfter::Is(query.after.unwrap_or(0)),
                    query
                        .before
                        .map_or(MAX_SEQ, |before| before.saturating_sub(1)),
                );
            }
            if !query.types.is_empty() {
                sql.push(" AND type IN ")
                    .text_list(query.types.iter().map(|t| t.as_str()));
            }
            if let Some(id) = &query.resource_id {
                sql.push(" AND ").push(&position).push(" IN (");
                super::history::push_events_about(&mut sql, tenant, id);
                sql.push(")");
            }
            if let Some(id) = &query.subject {
                // Both halves are lookups by a key; the outer query then reads only their rows.
                sql.push(" AND ").push(&position).push(" IN (");
                super::history::push_events_about(&mut sql, tenant, id);
                sql.push(" UNION SELECT ");
                log_range::push_identity(&mut sql, tenant, "seq");
                sql.push(" FROM event_members WHERE tenant_id = ")
                    .text_value(tenant.as_str())
                    .push(" AND member_id = ")
                    .text_value(id.as_str())
                    .push(")");
            }
            match &query.actor {
                Some(ActorFilter::Is(actor)) => {
                    sql.push(" AND actor = ").text_value(actor.as_str());
                }
                Some(ActorFilter::AnyKey) => {
                    sql.push(" AND actor NOT IN ('admin', 'cli')");
                }
                None => {}
            }
            sql.push(" ORDER BY ")
                .push(&position)
                .push(" DESC LIMIT ")
                .limit_value(i64::from(query.limit.min(MAX_EVENT_PAGE)));
            conn.events(&sql)?.into_iter().map(event_from_row).collect()
        })
    }

    pub(crate) fn group_members_impl(
        &self,
        tenant: &TenantId,
        group_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<MemberPage, StoreError> {
        let missing = || StoreError::NotFound {
            resource_type: "Group".into(),
            id: group_id.to_owned(),
        };
        if !super::tables::storable(group_id) || after.is_some_and(|a| !super::tables::storable(a))
        {
            return Err(missing());
        }
        let limit = limit.min(MAX_EVENT_PAGE);
        // Three statements that must agree: one snapshot.
        self.backend.read(|conn| {
            let mut exists = Sql::cached(conn.dialect());
            exists
                .push("SELECT COUNT(*) AS n FROM resources WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND resource_type = 'Group' AND id = ")
                .text_value(group_id);
            if conn.integers(&exists)?.first().copied().unwrap_or(0) == 0 {
                return Err(missing());
            }
            let mut count = Sql::cached(conn.dialect());
            count
                .push("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND group_id = ")
                .text_value(group_id);
            let total = conn.integers(&count)?.first().copied().unwrap_or(0);
            if limit == 0 {
                return Ok(MemberPage {
                    members: Vec::new(),
                    total: u64::try_from(total).unwrap_or(0),
                    next_after: None,
                });
            }
            let mut page = Sql::new(conn.dialect());
            page.push("SELECT m.member_id AS member_id, m.member_type AS member_type, ")
                .json_column_as_text("r.data")
                .push(
                    " AS data FROM memberships m LEFT JOIN resources r ON r.tenant_id = \
                     m.tenant_id AND r.id = m.member_id WHERE m.tenant_id = ",
                )
                .text_value(tenant.as_str())
                .push(" AND m.group_id = ")
                .text_value(group_id);
            if let Some(after) = after {
                page.push(" AND ")
                    .text_order("m.member_id")
                    .push(" > ")
                    .text_value(after);
            }
            page.push(" ORDER BY ")
                .text_order("m.member_id")
                .push(" LIMIT ")
                .limit_value(i64::from(limit) + 1);
            let mut rows = conn.member_data(&page)?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let members: Vec<GroupMember> = rows
                .into_iter()
                .map(|row| member(row.member_id, row.member_type, row.data.as_deref()))
                .collect();
            let next_after = more.then(|| members.last().map(|m| m.id.clone())).flatten();
            Ok(MemberPage {
                members,
                total: u64::try_from(total).unwrap_or(0),
                next_after,
            })
        })
    }
}

/// A member from its membership row and its resource's stored document.
fn member(id: String, member_type: String, data: Option<&str>) -> GroupMember {
    let document: Map<String, Value> = data
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let text = |key: &str| document.get(key).and_then(Value::as_str).map(str::to_owned);
    let is_user = member_type == "User";
    GroupMember {
        name: if is_user {
            text("userName")
        } else {
            text("displayName")
        },
        display_name: if is_user { text("displayName") } else { None },
        active: is_user.then(|| document.get("active").and_then(Value::as_bool) != Some(false)),
        id,
        member_type,
    }
}

fn insert_session(
    conn: &mut dyn SqlConn,
    session: &NewConsoleSession,
) -> Result<ConsoleSession, StoreError> {
    if let ConsoleScope::Tenant(tenant) = &session.scope
        && load_tenant(conn, tenant)?.is_none()
    {
        return Err(StoreError::TenantNotFound(tenant.to_string()));
    }
    let (kind, tenant) = match &session.scope {
        ConsoleScope::Operator => ("operator", None),
        ConsoleScope::Tenant(tenant) => ("tenant", Some(tenant.to_string())),
    };
    let mut sql = Sql::new(conn.dialect());
    sql.push("INSERT INTO console_sessions (")
        .push(SESSION_COLUMNS)
        .push(") VALUES (")
        .text_value(&session.id_hash)
        .push(", ")
        .text_value(kind)
        .push(", ")
        .bind(crate::sql::Bind::OptionalText(tenant))
        .push(", ")
        .int_value(to_micros(session.created_at))
        .push(", ")
        .int_value(to_micros(session.expires_at))
        .push(", ")
        .int_value(to_micros(session.created_at))
        .push(")");
    if conn.execute_unique(&sql)?.is_none() {
        return Err(StoreError::database(
            "a console session with this id exists already",
        ));
    }
    load_session(conn, &session.id_hash)?
        .ok_or_else(|| StoreError::Corrupt("a console session vanished".into()))
}

fn load_session(
    conn: &mut dyn SqlConn,
    id_hash: &str,
) -> Result<Option<ConsoleSession>, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT ")
        .push(SESSION_COLUMNS)
        .push(" FROM console_sessions WHERE id_hash = ")
        .text_value(id_hash);
    conn.console_sessions(&sql)?
        .into_iter()
        .next()
        .map(session_from_row)
        .transpose()
}

fn session_from_row(row: ConsoleSessionRow) -> Result<ConsoleSession, StoreError> {
    let scope = match (row.kind.as_str(), row.tenant_id) {
        ("operator", None) => ConsoleScope::Operator,
        ("tenant", Some(tenant)) => ConsoleScope::Tenant(
            TenantId::new(tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ),
        (kind, _) => {
            return Err(StoreError::Corrupt(format!(
                "a console session of kind {kind:?}"
            )));
        }
    };
    Ok(ConsoleSession {
        id_hash: row.id_hash,
        scope,
        created_at: from_micros(row.created_at),
        expires_at: from_micros(row.expires_at),
        last_seen_at: from_micros(row.last_seen_at),
    })
}

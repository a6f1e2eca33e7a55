//! Tenants, tokens and the change log.

use super::events::{EventLog, NewEvent, StoredDetail};
use super::log_range::{self, LogOwner, MAX_SEQ, NumberAfter};
use crate::backend::{Backend, EventRow, SqlConn, TenantRow, TokenRow};
use crate::clock::{from_micros, to_micros};
use crate::event::{Event, EventActor, EventPart, EventResource, EventType};
use crate::model::Actor;
use crate::organisation::Organisation;
use crate::sql::{Bind, Dialect, Sql};
use crate::token::{NewToken, TokenRecord, scopes_from_text, scopes_to_text};
use crate::{StoreError, Tenant, TenantId, TenantSettings};

use super::Engine;

/// What a token read selects: the columns written at issue, and when it was last used.
const TOKEN_SELECT: &str = "id, tenant_id, token_hash, scopes, description, issued_at, expires_at, \
     revoked_at, last_used_at";
const TOKEN_COLUMNS: &str =
    "id, tenant_id, token_hash, scopes, description, issued_at, expires_at, revoked_at";

impl<B: Backend> Engine<B> {
    pub(crate) fn create_tenant_impl(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
    ) -> Result<Tenant, StoreError> {
        let now = self.clock.now();
        let settings_json = to_json(settings)?;
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("INSERT INTO tenants (id, created_at, settings) VALUES (")
                .text_value(id.as_str())
                .push(", ")
                .int_value(to_micros(now))
                .push(", ")
                .bind(Bind::Json(settings_json.clone()))
                .push(")");
            match conn.execute_unique(&sql)? {
                Some(_) => Ok(()),
                None => Err(StoreError::TenantExists(id.to_string())),
            }
        })?;
        Ok(Tenant {
            id: id.clone(),
            created_at: from_micros(to_micros(now)),
            settings: settings.clone(),
        })
    }

    pub(crate) fn tenant_impl(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.backend.read(|conn| load_tenant(conn, id))
    }

    pub(crate) fn tenants_impl(&self) -> Result<Vec<Tenant>, StoreError> {
        self.backend.read(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT id, created_at, ")
                .json_column_as_text("settings")
                .push(" AS settings FROM tenants ORDER BY ")
                .text_order("id");
            conn.tenants(&sql)?
                .into_iter()
                .map(tenant_from_row)
                .collect()
        })
    }

    pub(crate) fn delete_tenant_impl(&self, id: &TenantId) -> Result<bool, StoreError> {
        self.logged_write(id, |conn| {
            // The tenant's lock first, so that no write of the tenant runs alongside.
            match lock_tenant(conn, id) {
                Ok(_) => {}
                Err(StoreError::TenantNotFound(_)) => return Ok(false),
                Err(e) => return Err(e),
            }
            // Its log, while the tenant's row still says where it is.
            let mut events = Sql::new(conn.dialect());
            events.push("DELETE FROM events WHERE ");
            log_range::push_numbered(
                &mut events,
                "",
                LogOwner::Is(id.as_str()),
                NumberAfter::Is(0),
                MAX_SEQ,
            );
            conn.execute(&events)?;
            // Children before parents, and every table named: memberships and events have no
            // foreign key to the tenant, and the others' cascades would run row by row. Each
            // statement is (text before the tenant id, text after it).
            let mut statements = vec![
                (
                    "DELETE FROM deliveries WHERE subscription_id IN \
                     (SELECT id FROM subscriptions WHERE tenant_id = ",
                    ")",
                ),
                ("DELETE FROM subscriptions WHERE tenant_id = ", ""),
                ("DELETE FROM memberships WHERE tenant_id = ", ""),
                ("DELETE FROM event_members WHERE tenant_id = ", ""),
                ("DELETE FROM event_heads WHERE tenant_id = ", ""),
                ("DELETE FROM tokens WHERE tenant_id = ", ""),
                ("DELETE FROM resource_counts WHERE tenant_id = ", ""),
                ("DELETE FROM console_sessions WHERE tenant_id = ", ""),
                ("DELETE FROM console_links WHERE tenant_id = ", ""),
            ];
            if conn.dialect() == Dialect::Sqlite {
                // Kept by triggers from `resources`; its index on (tenant_id, ...) finds them.
                statements.push(("DELETE FROM resource_values WHERE tenant_id = ", ""));
            }
            statements.extend([
                ("DELETE FROM resources WHERE tenant_id = ", ""),
                ("DELETE FROM tenants WHERE id = ", ""),
            ]);
            for (before, after) in statements {
                let mut sql = Sql::new(conn.dialect());
                sql.push(before).text_value(id.as_str()).push(after);
                conn.execute(&sql)?;
            }
            Ok(true)
        })
    }

    pub(crate) fn update_tenant_settings_impl(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
        by: &EventActor,
    ) -> Result<Tenant, StoreError> {
        self.modify_tenant_settings_impl(id, by, &mut |current| {
            *current = settings.clone();
            Ok(())
        })
    }

    pub(crate) fn modify_tenant_settings_impl(
        &self,
        id: &TenantId,
        by: &EventActor,
        change: &mut dyn FnMut(&mut TenantSettings) -> Result<(), StoreError>,
    ) -> Result<Tenant, StoreError> {
        let now = to_micros(self.clock.now());
        self.logged_write(id, |conn| {
            let before = lock_tenant(conn, id)?.settings;
            let mut settings = before.clone();
            change(&mut settings)?;
            let changed = changed_settings(&before, &settings)?;
            let tenant = store_settings(conn, id, to_json(&settings)?)?;
            if !changed.is_empty() {
                let mut log = EventLog::new(acting(id, by), now);
                log.push(
                    NewEvent::about_other(EventType::TenantUpdated, "Tenant", id.as_str(), None)
                        .changed(changed),
                );
                log.write(conn, &*self.ids)?;
            }
            Ok(tenant)
        })
    }

    /// Makes the User `user_id` the organisation's protected owner, in one transaction under
    /// the tenant's lock: the new owner protected, the previous one (if another user, and still
    /// there) unprotected, and `application.ownerId` written, so concurrent changes of owner
    /// serialise and the last one's owner is the only one protected.
    pub(crate) fn set_owner_impl(
        &self,
        tenant: &TenantId,
        user_id: &str,
        by: &EventActor,
    ) -> Result<Option<String>, StoreError> {
        let now = to_micros(self.clock.now());
        self.logged_write(tenant, |conn| {
            let before = lock_tenant(conn, tenant)?.settings;
            let user = super::tables::load_resource(
                conn,
                tenant,
                "User",
                user_id,
                crate::ReadOptions::DOCUMENT_ONLY,
            )?;
            if user.is_none() {
                return Err(StoreError::NotFound {
                    resource_type: "User".to_owned(),
                    id: user_id.to_owned(),
                });
            }
            super::tables::set_protected(conn, tenant, user_id, true)?;
            let previous = Organisation::owner_of(&before).filter(|p| p != user_id);
            if let Some(previous) = &previous {
                // Deleted since it became the owner: nothing to unprotect.
                super::tables::set_protected(conn, tenant, previous, false)?;
            }
            let mut settings = before.clone();
            Organisation::write_owner(&mut settings, user_id);
            let changed = changed_settings(&before, &settings)?;
            store_settings(conn, tenant, to_json(&settings)?)?;
            if !changed.is_empty() {
                let mut log = EventLog::new(acting(tenant, by), now);
                log.push(
                    NewEvent::about_other(
                        EventType::TenantUpdated,
                        "Tenant",
                        tenant.as_str(),
                        None,
                    )
                    .changed(changed),
                );
                log.write(conn, &*self.ids)?;
            }
            Ok(previous)
        })
    }

    pub(crate) fn insert_token_impl(
        &self,
        token: &NewToken,
        by: &EventActor,
    ) -> Result<TokenRecord, StoreError> {
        let now = to_micros(self.clock.now());
        self.logged_write(&token.tenant, |conn| {
            lock_tenant(conn, &token.tenant)?;
            let mut sql = Sql::new(conn.dialect());
            sql.push("INSERT INTO tokens (")
                .push(TOKEN_COLUMNS)
                .push(") VALUES (")
                .text_value(&token.id)
                .push(", ")
                .text_value(token.tenant.as_str())
                .push(", ")
                .text_value(&token.token_hash)
                .push(", ")
                .text_value(scopes_to_text(&token.scopes))
                .push(", ")
                .text_value(&token.description)
                .push(", ")
                .int_value(to_micros(token.issued_at))
                .push(", ")
                .bind(Bind::OptionalBigInt(token.expires_at.map(to_micros)))
                .push(", NULL)");
            if conn.execute_unique(&sql)?.is_none() {
                return Err(StoreError::database(format!(
                    "token id {} is taken",
                    token.id
                )));
            }
            let mut log = EventLog::new(acting(&token.tenant, by), now);
            log.push(token_event(
                EventType::TokenIssued,
                &token.id,
                &token.description,
            ));
            log.write(conn, &*self.ids)?;
            load_token(conn, &token.id)?
                .ok_or_else(|| StoreError::Corrupt(format!("token {} vanished", token.id)))
        })
    }

    pub(crate) fn token_impl(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.backend.run(|conn| load_token(conn, id))
    }

    pub(crate) fn tokens_impl(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        self.backend.read(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT ").push(TOKEN_SELECT).push(" FROM tokens");
            if let Some(tenant) = tenant {
                sql.push(" WHERE tenant_id = ").text_value(tenant.as_str());
            }
            sql.push(" ORDER BY issued_at, ").text_order("id");
            conn.tokens(&sql)?.into_iter().map(token_from_row).collect()
        })
    }

    pub(crate) fn revoke_token_impl(&self, id: &str, by: &EventActor) -> Result<bool, StoreError> {
        if !super::tables::storable(id) {
            return Ok(false);
        }
        let now = to_micros(self.clock.now());
        let revoked = self.backend.write(|conn| {
            let Some(token) = load_token(conn, id)? else {
                return Ok(None);
            };
            // The tenant's lock first, as every write that logs an event takes it.
            lock_tenant(conn, &token.tenant)?;
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE tokens SET revoked_at = ")
                .int_value(now)
                .push(" WHERE id = ")
                .text_value(id)
                .push(" AND revoked_at IS NULL");
            if conn.execute(&sql)? == 0 {
                return Ok(None);
            }
            let mut log = EventLog::new(acting(&token.tenant, by), now);
            log.push(token_event(EventType::TokenRevoked, id, &token.description));
            log.write(conn, &*self.ids)?;
            Ok(Some(token.tenant))
        })?;
        if let (Some(tenant), Some(listener)) = (&revoked, &self.commits) {
            listener(tenant);
        }
        Ok(revoked.is_some())
    }

    pub(crate) fn touch_token_impl(
        &self,
        id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        if !super::tables::storable(id) {
            return Ok(());
        }
        let at = to_micros(at);
        self.backend.run(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            sql.push("UPDATE tokens SET last_used_at = ")
                .int_value(at)
                .push(" WHERE id = ")
                .text_value(id)
                .push(" AND (last_used_at IS NULL OR last_used_at < ")
                .int_value(at)
                .push(")");
            conn.execute(&sql).map(|_| ())
        })
    }

    pub(crate) fn revoked_since_impl(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.backend.run(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT id AS s FROM tokens WHERE revoked_at >= ")
                .int_value(to_micros(since));
            conn.strings(&sql)
        })
    }

    pub(crate) fn events_impl(
        &self,
        tenant: &TenantId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        self.backend.run(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            sql.push("SELECT ")
                .push(EVENT_COLUMNS)
                .push(" FROM events WHERE ");
            log_range::push_numbered(
                &mut sql,
                "",
                LogOwner::Is(tenant.as_str()),
                NumberAfter::Is(after),
                MAX_SEQ,
            );
            sql.push(" ORDER BY ")
                .push(&log_range::order_column(conn.dialect(), ""))
                .push(" LIMIT ")
                .limit_value(i64::from(limit));
            conn.events(&sql)?.into_iter().map(event_from_row).collect()
        })
    }
}

/// The columns of an event row.
pub(crate) const EVENT_COLUMNS: &str = "tenant_id, seq, id, type, at, actor, resource_type, \
     resource_id, external_id, name, version, changed, detail, snapshot, txn";

/// The actor of a change to a tenant's settings or keys, as the change log names it.
fn acting<'a>(tenant: &'a TenantId, by: &'a EventActor) -> Actor<'a> {
    match by {
        EventActor::Token(id) => Actor::administrator(tenant).with_token(id),
        EventActor::Admin => Actor::administrator(tenant).through_admin_api(),
        EventActor::Cli => Actor::administrator(tenant),
    }
}

fn token_event(event_type: EventType, id: &str, description: &str) -> NewEvent {
    let name = (!description.is_empty()).then(|| description.to_owned());
    NewEvent::about_other(event_type, "Token", id, name)
}

/// The settings that differ, by their JSON names; within `application`, by
/// `application.<name>`.
fn changed_settings(
    before: &TenantSettings,
    after: &TenantSettings,
) -> Result<Vec<String>, StoreError> {
    let as_map = |settings: &TenantSettings| match serde_json::to_value(settings) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Ok(serde_json::Map::new()),
        Err(e) => Err(StoreError::Corrupt(e.to_string())),
    };
    let (before, after) = (as_map(before)?, as_map(after)?);
    let mut changed = Vec::new();
    for (key, value) in &after {
        let old = before.get(key);
        if old == Some(value) {
            continue;
        }
        match (old, value) {
            (Some(serde_json::Value::Object(old)), serde_json::Value::Object(new)) => {
                let keys: std::collections::BTreeSet<&String> =
                    old.keys().chain(new.keys()).collect();
                changed.extend(
                    keys.into_iter()
                        .filter(|k| old.get(*k) != new.get(*k))
                        .map(|k| format!("{key}.{k}")),
                );
            }
            _ => changed.push(key.clone()),
        }
    }
    Ok(changed)
}

fn store_settings(
    conn: &mut dyn SqlConn,
    id: &TenantId,
    settings_json: String,
) -> Result<Tenant, StoreError> {
    let mut sql = Sql::new(conn.dialect());
    sql.push("UPDATE tenants SET settings = ")
        .bind(Bind::Json(settings_json))
        .push(" WHERE id = ")
        .text_value(id.as_str());
    if conn.execute(&sql)? == 0 {
        return Err(StoreError::TenantNotFound(id.to_string()));
    }
    load_tenant(conn, id)?.ok_or_else(|| StoreError::TenantNotFound(id.to_string()))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn load_tenant(
    conn: &mut dyn SqlConn,
    id: &TenantId,
) -> Result<Option<Tenant>, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT id, created_at, ")
        .json_column_as_text("settings")
        .push(" AS settings FROM tenants WHERE id = ")
        .text_value(id.as_str());
    conn.tenants(&sql)?
        .into_iter()
        .next()
        .map(tenant_from_row)
        .transpose()
}

/// Takes the tenant's write lock and loads the tenant, in one statement. The write's events are
/// numbered after the tenant's newest when it records them ([`super::events::EventLog::write`]).
///
/// Every write transaction takes the lock before it reads what it changes, so a tenant's writes
/// are serialised (on PostgreSQL by the row lock, on SQLite by the database lock) and the log
/// has no gaps.
///
/// The resource must be read under the lock: read before it, at PostgreSQL's READ COMMITTED, two
/// concurrent PATCHes would both start from the same version and the second would overwrite the
/// first (same version number, first change lost, a stale `expected_version` accepted).
pub(crate) fn lock_tenant(conn: &mut dyn SqlConn, id: &TenantId) -> Result<Tenant, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT id, created_at, ")
        .json_column_as_text("settings")
        .push(" AS settings FROM tenants WHERE id = ")
        .text_value(id.as_str());
    if conn.dialect() == Dialect::Postgres {
        // SQLite's write transactions hold the database lock from their BEGIN IMMEDIATE.
        sql.push(" FOR UPDATE");
    }
    let row = conn
        .tenants(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::TenantNotFound(id.to_string()))?;
    tenant_from_row(row)
}

fn load_token(conn: &mut dyn SqlConn, id: &str) -> Result<Option<TokenRecord>, StoreError> {
    if !super::tables::storable(id) {
        return Ok(None);
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT ")
        .push(TOKEN_SELECT)
        .push(" FROM tokens WHERE id = ")
        .text_value(id);
    conn.tokens(&sql)?
        .into_iter()
        .next()
        .map(token_from_row)
        .transpose()
}

fn tenant_from_row(row: TenantRow) -> Result<Tenant, StoreError> {
    let settings: TenantSettings = serde_json::from_str(&row.settings)
        .map_err(|e| StoreError::Corrupt(format!("settings of tenant {}: {e}", row.id)))?;
    Ok(Tenant {
        id: tenant_id(row.id)?,
        created_at: from_micros(row.created_at),
        settings,
    })
}

fn token_from_row(row: TokenRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        tenant: tenant_id(row.tenant_id)?,
        scopes: scopes_from_text(&row.scopes),
        id: row.id,
        token_hash: row.token_hash,
        description: row.description,
        issued_at: from_micros(row.issued_at),
        expires_at: row.expires_at.map(from_micros),
        revoked_at: row.revoked_at.map(from_micros),
        last_used_at: row.last_used_at.map(from_micros),
    })
}

pub(crate) fn event_from_row(row: EventRow) -> Result<Event, StoreError> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::Corrupt(format!(
            "event {} of {}: {what}: {e}",
            row.seq, row.tenant_id
        ))
    };
    let event_type =
        EventType::parse(&row.event_type).ok_or_else(|| corrupt("type", &row.event_type))?;
    let changed: Vec<String> =
        serde_json::from_str(&row.changed).map_err(|e| corrupt("changed", &e))?;
    let detail: StoredDetail = match &row.detail {
        Some(text) => serde_json::from_str(text).map_err(|e| corrupt("detail", &e))?,
        None => StoredDetail::default(),
    };
    let snapshot = row
        .snapshot
        .as_deref()
        .map(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>)
        .transpose()
        .map_err(|e| corrupt("snapshot", &e))?;
    Ok(Event {
        tenant: tenant_id(row.tenant_id)?,
        txn: row.txn.unwrap_or_else(|| row.id.clone()),
        id: row.id,
        seq: row.seq,
        event_type,
        occurred_at: from_micros(row.at),
        actor: EventActor::parse(&row.actor),
        resource: EventResource {
            resource_type: row.resource_type,
            id: row.resource_id,
            external_id: row.external_id,
            name: row.name,
            version: row
                .version
                .map(super::resources::stored_version)
                .transpose()?,
        },
        changed,
        members: detail.members,
        access: detail.project.zip(detail.role),
        part: detail.part.map(|(index, of)| EventPart { index, of }),
        snapshot,
    })
}

fn tenant_id(id: String) -> Result<TenantId, StoreError> {
    TenantId::new(id).map_err(|e| StoreError::Corrupt(e.to_string()))
}

//! Tenants, tokens and the change log.

use crate::backend::{Backend, EventRow, SqlConn, TenantRow, TokenRow};
use crate::clock::{from_micros, to_micros};
use crate::event::{Event, Operation};
use crate::sql::{Bind, Dialect, Sql};
use crate::token::{NewToken, TokenRecord, scopes_from_text, scopes_to_text};
use crate::{StoreError, Tenant, TenantId, TenantSettings};

use super::Engine;

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
            sql.push("SELECT id, created_at, event_seq, ")
                .json_column_as_text("settings")
                .push(" AS settings FROM tenants ORDER BY ")
                .text_order("id");
            conn.tenants(&sql)?
                .into_iter()
                .map(tenant_from_row)
                .collect()
        })
    }

    pub(crate) fn update_tenant_settings_impl(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
    ) -> Result<Tenant, StoreError> {
        let settings_json = to_json(settings)?;
        self.backend
            .write(|conn| store_settings(conn, id, settings_json.clone()))
    }

    pub(crate) fn modify_tenant_settings_impl(
        &self,
        id: &TenantId,
        change: &mut dyn FnMut(&mut TenantSettings) -> Result<(), StoreError>,
    ) -> Result<Tenant, StoreError> {
        self.backend.write(|conn| {
            let mut settings = lock_tenant(conn, id)?.settings;
            change(&mut settings)?;
            store_settings(conn, id, to_json(&settings)?)
        })
    }

    pub(crate) fn insert_token_impl(&self, token: &NewToken) -> Result<TokenRecord, StoreError> {
        self.backend.write(|conn| {
            if load_tenant(conn, &token.tenant)?.is_none() {
                return Err(StoreError::TenantNotFound(token.tenant.to_string()));
            }
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
                return Err(StoreError::Database(format!(
                    "token id {} is taken",
                    token.id
                )));
            }
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
            sql.push("SELECT ").push(TOKEN_COLUMNS).push(" FROM tokens");
            if let Some(tenant) = tenant {
                sql.push(" WHERE tenant_id = ").text_value(tenant.as_str());
            }
            sql.push(" ORDER BY issued_at, ").text_order("id");
            conn.tokens(&sql)?.into_iter().map(token_from_row).collect()
        })
    }

    pub(crate) fn revoke_token_impl(&self, id: &str) -> Result<bool, StoreError> {
        if !super::tables::storable(id) {
            return Ok(false);
        }
        let now = to_micros(self.clock.now());
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE tokens SET revoked_at = ")
                .int_value(now)
                .push(" WHERE id = ")
                .text_value(id)
                .push(" AND revoked_at IS NULL");
            Ok(conn.execute(&sql)? > 0)
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
        self.backend.read(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            sql.push(
                "SELECT tenant_id, seq, resource_type, resource_id, operation, version, token_id, at, ",
            )
            .json_column_as_text("changed")
            .push(" AS changed FROM events WHERE tenant_id = ")
            .text_value(tenant.as_str())
            .push(" AND seq > ")
            .int_value(after)
            .push(" ORDER BY seq LIMIT ")
            .limit_value(i64::from(limit));
            conn.events(&sql)?.into_iter().map(event_from_row).collect()
        })
    }
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
    sql.push("SELECT id, created_at, event_seq, ")
        .json_column_as_text("settings")
        .push(" AS settings FROM tenants WHERE id = ")
        .text_value(id.as_str());
    conn.tenants(&sql)?
        .into_iter()
        .next()
        .map(tenant_from_row)
        .transpose()
}

/// Takes the tenant's write lock and loads the tenant, in one statement, without handing out
/// a change-log sequence number: for a write that reads before it knows whether it changes
/// anything (a PATCH), and takes its number with [`super::tables::next_event_seq`] if it does.
///
/// The resource must be read under the lock: read before it, at PostgreSQL's READ COMMITTED, two
/// concurrent PATCHes would both start from the same version and the second would overwrite the
/// first (same version number, first change lost, a stale `expected_version` accepted).
pub(crate) fn lock_tenant(conn: &mut dyn SqlConn, id: &TenantId) -> Result<Tenant, StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT id, created_at, event_seq, ")
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

/// Takes the tenant's write lock, hands out `n` consecutive change-log sequence numbers and
/// loads the tenant, in one statement; returns the first number and the tenant.
///
/// Every write transaction takes the lock (this way, or with [`lock_tenant`]) before it reads
/// what it changes, so a tenant's writes are serialised (on PostgreSQL by the row lock, on
/// SQLite by the database lock) and the log has no gaps.
pub(crate) fn lock_tenant_for_events(
    conn: &mut dyn SqlConn,
    id: &TenantId,
    n: i64,
) -> Result<(i64, Tenant), StoreError> {
    let mut sql = Sql::cached(conn.dialect());
    sql.push("UPDATE tenants SET event_seq = event_seq + ")
        .int_value(n)
        .push(" WHERE id = ")
        .text_value(id.as_str())
        .push(" RETURNING id, created_at, event_seq, ")
        .json_column_as_text("settings")
        .push(" AS settings");
    let row = conn
        .tenants(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::TenantNotFound(id.to_string()))?;
    let first = row.event_seq - n + 1;
    Ok((first, tenant_from_row(row)?))
}

fn load_token(conn: &mut dyn SqlConn, id: &str) -> Result<Option<TokenRecord>, StoreError> {
    if !super::tables::storable(id) {
        return Ok(None);
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT ")
        .push(TOKEN_COLUMNS)
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
    })
}

fn event_from_row(row: EventRow) -> Result<Event, StoreError> {
    let operation = Operation::parse(&row.operation)
        .ok_or_else(|| StoreError::Corrupt(format!("event operation {:?}", row.operation)))?;
    let changed: Vec<String> = serde_json::from_str(&row.changed)
        .map_err(|e| StoreError::Corrupt(format!("event {} changed list: {e}", row.seq)))?;
    Ok(Event {
        tenant: tenant_id(row.tenant_id)?,
        seq: row.seq,
        resource_type: row.resource_type,
        resource_id: row.resource_id,
        operation,
        version: row.version,
        token_id: row.token_id,
        at: from_micros(row.at),
        changed,
    })
}

fn tenant_id(id: String) -> Result<TenantId, StoreError> {
    TenantId::new(id).map_err(|e| StoreError::Corrupt(e.to_string()))
}

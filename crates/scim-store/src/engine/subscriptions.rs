//! Subscriptions, their leases and cursors, their delivery log, and the pruning of old events.

use chrono::{DateTime, Utc};

use super::Engine;
use super::admin::{lock_tenant, to_json};
use super::log_range::{self, LogOwner, MAX_SEQ, NumberAfter};
use crate::backend::{Backend, DeliveryRow, SqlConn, SubscriptionRow};
use crate::clock::{from_micros, to_micros};
use crate::sql::{Bind, Dialect, Sql};
use crate::subscription::{
    DELIVERY_LOG_LENGTH, DeliveryAttempt, DeliveryEnd, DeliveryMethod, EventFormat,
    NewSubscription, Subscription, SubscriptionChange, SubscriptionState,
};
use crate::{EventType, StoreError, TenantId};

const SUBSCRIPTION_COLUMNS: &str = "id, tenant_id, url, format, delivery, event_types, full_form, \
     secret, audience, description, enabled, state, cursor_seq, acked_beyond, attempts, \
     failing_since, next_attempt_at, last_error, created_at, updated_at";

impl<B: Backend> Engine<B> {
    pub(crate) fn create_subscription_impl(
        &self,
        new: &NewSubscription,
    ) -> Result<Subscription, StoreError> {
        let now = to_micros(self.clock.now());
        self.backend.write(|conn| {
            let tenant = lock_tenant(conn, &new.tenant)?;
            let last = super::events::last_seq(conn, &tenant.id)?;
            let cursor = new.after.map_or(last, |after| after.clamp(0, last));
            let mut sql = Sql::new(conn.dialect());
            sql.push("INSERT INTO subscriptions (")
                .push(SUBSCRIPTION_COLUMNS)
                .push(") VALUES (")
                .text_value(&new.id)
                .push(", ")
                .text_value(new.tenant.as_str())
                .push(", ")
                .text_value(&new.url)
                .push(", ")
                .text_value(new.format.as_str())
                .push(", ")
                .text_value(new.delivery.as_str())
                .push(", ")
                .text_value(types_json(&new.event_types)?)
                .push(", ")
                .bind(Bind::Bool(new.full))
                .push(", ")
                .text_value(&new.secret)
                .push(", ")
                .bind(Bind::OptionalText(new.audience.clone()))
                .push(", ")
                .text_value(&new.description)
                .push(", ")
                .bind(Bind::Bool(new.enabled))
                .push(", ")
                .text_value(SubscriptionState::Healthy.as_str())
                .push(", ")
                .int_value(cursor)
                .push(", '[]', 0, NULL, ")
                .int_value(now)
                .push(", NULL, ")
                .int_value(now)
                .push(", ")
                .int_value(now)
                .push(")");
            if conn.execute_unique(&sql)?.is_none() {
                return Err(StoreError::database(format!(
                    "subscription id {} is taken",
                    new.id
                )));
            }
            load(conn, &new.tenant, &new.id)?.ok_or_else(|| gone(&new.id))
        })
    }

    pub(crate) fn subscription_impl(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        self.backend.run(|conn| load(conn, tenant, id))
    }

    pub(crate) fn subscriptions_impl(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<Subscription>, StoreError> {
        self.backend.run(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT ")
                .push(SUBSCRIPTION_COLUMNS)
                .push(" FROM subscriptions");
            if let Some(tenant) = tenant {
                sql.push(" WHERE tenant_id = ").text_value(tenant.as_str());
            }
            sql.push(" ORDER BY created_at, ").text_order("id");
            conn.subscriptions(&sql)?
                .into_iter()
                .map(from_row)
                .collect()
        })
    }

    pub(crate) fn update_subscription_impl(
        &self,
        tenant: &TenantId,
        id: &str,
        change: &SubscriptionChange,
    ) -> Result<Subscription, StoreError> {
        let now = to_micros(self.clock.now());
        self.backend.write(|conn| {
            let current = load(conn, tenant, id)?.ok_or_else(|| not_found(id))?;
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE subscriptions SET updated_at = ")
                .int_value(now);
            if let Some(url) = &change.url {
                sql.push(", url = ").text_value(url.as_str());
            }
            if let Some(types) = &change.event_types {
                sql.push(", event_types = ").text_value(types_json(types)?);
            }
            if let Some(full) = change.full {
                sql.push(", full_form = ").bind(Bind::Bool(full));
            }
            if let Some(audience) = &change.audience {
                sql.push(", audience = ")
                    .bind(Bind::OptionalText(audience.clone()));
            }
            if let Some(description) = &change.description {
                sql.push(", description = ")
                    .text_value(description.as_str());
            }
            if let Some(enabled) = change.enabled {
                sql.push(", enabled = ").bind(Bind::Bool(enabled));
                if enabled && (!current.enabled || current.state == SubscriptionState::Gone) {
                    // Enabled again: a clean start, due now.
                    sql.push(", state = ")
                        .text_value(SubscriptionState::Healthy.as_str())
                        .push(", attempts = 0, failing_since = NULL, last_error = NULL, next_attempt_at = ")
                        .int_value(now);
                }
            }
            sql.push(" WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND id = ")
                .text_value(id);
            conn.execute(&sql)?;
            load(conn, tenant, id)?.ok_or_else(|| not_found(id))
        })
    }

    pub(crate) fn delete_subscription_impl(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<bool, StoreError> {
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("DELETE FROM subscriptions WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND id = ")
                .text_value(id);
            Ok(conn.execute(&sql)? > 0)
        })
    }

    pub(crate) fn set_subscription_secret_impl(
        &self,
        tenant: &TenantId,
        id: &str,
        secret: &str,
    ) -> Result<Subscription, StoreError> {
        let now = to_micros(self.clock.now());
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE subscriptions SET secret = ")
                .text_value(secret)
                .push(", updated_at = ")
                .int_value(now)
                .push(" WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND id = ")
                .text_value(id);
            if conn.execute(&sql)? == 0 {
                return Err(not_found(id));
            }
            load(conn, tenant, id)?.ok_or_else(|| not_found(id))
        })
    }

    pub(crate) fn rewind_subscription_impl(
        &self,
        tenant: &TenantId,
        id: &str,
        after: i64,
    ) -> Result<Subscription, StoreError> {
        let now = to_micros(self.clock.now());
        self.backend.write(|conn| {
            let last = super::events::last_seq(conn, tenant)?;
            let mut sql = Sql::new(conn.dialect());
            // The lease goes too: a delivery in progress can no longer record its (later)
            // cursor over the rewound one, and stops; the next claim starts from `after`.
            sql.push("UPDATE subscriptions SET cursor_seq = ")
                .int_value(after.clamp(0, last))
                .push(", acked_beyond = '[]', lease_owner = NULL, lease_until = NULL, next_attempt_at = ")
                .int_value(now)
                .push(" WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND id = ")
                .text_value(id);
            if conn.execute(&sql)? == 0 {
                return Err(not_found(id));
            }
            load(conn, tenant, id)?.ok_or_else(|| not_found(id))
        })
    }

    pub(crate) fn push_subscription_tenants_impl(&self) -> Result<Vec<TenantId>, StoreError> {
        self.backend.run(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            sql.push("SELECT DISTINCT tenant_id AS s FROM subscriptions WHERE enabled = ")
                .bind(Bind::Bool(true))
                .push(" AND delivery = 'push'");
            conn.strings(&sql)?
                .into_iter()
                .map(|id| {
                    TenantId::new(id)
                        .map_err(|e| StoreError::Corrupt(format!("a subscription's tenant: {e}")))
                })
                .collect()
        })
    }

    pub(crate) fn claim_subscriptions_impl(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError> {
        let now = to_micros(self.clock.now());
        let until = to_micros(lease_until);
        self.backend.write(|conn| {
            let mut due = Sql::new(conn.dialect());
            due.push("SELECT s.id AS s FROM subscriptions s WHERE s.enabled = ")
                .bind(Bind::Bool(true))
                .push(" AND s.delivery = 'push' AND s.next_attempt_at <= ")
                .int_value(now)
                .push(" AND (s.lease_until IS NULL OR s.lease_until < ")
                .int_value(now)
                .push(" OR s.lease_owner = ")
                .text_value(owner)
                .push(") AND EXISTS (SELECT 1 FROM events e WHERE ");
            log_range::push_numbered(
                &mut due,
                "e.",
                LogOwner::Column("s.tenant_id"),
                NumberAfter::Column("s.cursor_seq"),
                MAX_SEQ,
            );
            due.push(") ORDER BY s.next_attempt_at LIMIT ")
                .limit_value(i64::from(limit));
            if conn.dialect() == Dialect::Postgres {
                // Instances claiming at once take different subscriptions, without waiting.
                due.push(" FOR UPDATE OF s SKIP LOCKED");
            }
            let ids = conn.strings(&due)?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut claim = Sql::new(conn.dialect());
            claim
                .push("UPDATE subscriptions SET lease_owner = ")
                .text_value(owner)
                .push(", lease_until = ")
                .int_value(until)
                .push(" WHERE id IN ")
                .text_list(ids.iter().map(String::as_str))
                .push(" RETURNING ")
                .push(SUBSCRIPTION_COLUMNS);
            conn.subscriptions(&claim)?
                .into_iter()
                .map(from_row)
                .collect()
        })
    }

    pub(crate) fn finish_delivery_impl(
        &self,
        owner: Option<&str>,
        subscription: &Subscription,
        cursor: i64,
        attempts: &[DeliveryAttempt],
        end: &DeliveryEnd,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE subscriptions SET cursor_seq = ")
                .push("CASE WHEN cursor_seq < ")
                .int_value(cursor)
                .push(" THEN ")
                .int_value(cursor)
                .push(" ELSE cursor_seq END");
            match end {
                DeliveryEnd::Delivered { lease_until } => {
                    sql.push(", state = ")
                        .text_value(SubscriptionState::Healthy.as_str())
                        .push(", attempts = 0, failing_since = NULL, last_error = NULL, next_attempt_at = ")
                        .int_value(to_micros(now))
                        .push(", lease_until = ")
                        .bind(Bind::OptionalBigInt(lease_until.map(to_micros)));
                    if lease_until.is_none() {
                        sql.push(", lease_owner = NULL");
                    }
                }
                DeliveryEnd::Failed {
                    retry_at,
                    error,
                    failing_after,
                } => {
                    let failing_since = subscription.failing_since.unwrap_or(now);
                    let state = if now - failing_since >= *failing_after {
                        SubscriptionState::Failing
                    } else {
                        SubscriptionState::Retrying
                    };
                    sql.push(", state = ")
                        .text_value(state.as_str())
                        .push(", attempts = attempts + 1, failing_since = ")
                        .int_value(to_micros(failing_since))
                        .push(", last_error = ")
                        .text_value(excerpt(error))
                        .push(", next_attempt_at = ")
                        .int_value(to_micros(*retry_at))
                        .push(", lease_owner = NULL, lease_until = NULL");
                }
                DeliveryEnd::Gone { error } => {
                    sql.push(", state = ")
                        .text_value(SubscriptionState::Gone.as_str())
                        .push(", enabled = ")
                        .bind(Bind::Bool(false))
                        .push(", last_error = ")
                        .text_value(excerpt(error))
                        .push(", lease_owner = NULL, lease_until = NULL");
                }
            }
            sql.push(" WHERE tenant_id = ")
                .text_value(subscription.tenant.as_str())
                .push(" AND id = ")
                .text_value(subscription.id.as_str());
            if let Some(owner) = owner {
                // A process whose lease ran out and was taken over records nothing: the new
                // holder owns the cursor now.
                sql.push(" AND lease_owner = ").text_value(owner);
            }
            if conn.execute(&sql)? == 0 {
                return Ok(false);
            }
            insert_attempts(conn, &subscription.id, attempts)?;
            Ok(true)
        })
    }

    pub(crate) fn record_attempts_impl(
        &self,
        subscription: &Subscription,
        attempts: &[DeliveryAttempt],
    ) -> Result<(), StoreError> {
        self.backend
            .write(|conn| insert_attempts(conn, &subscription.id, attempts))
    }

    pub(crate) fn deliveries_impl(
        &self,
        tenant: &TenantId,
        id: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        self.backend.run(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT d.id, d.at, d.event_id, d.seq, d.status, d.latency_us, d.delivered, d.error, d.response_excerpt FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND s.id = ")
                .text_value(id)
                .push(" ORDER BY d.at DESC, d.id DESC LIMIT ")
                .limit_value(i64::from(limit));
            Ok(conn
                .deliveries(&sql)?
                .into_iter()
                .map(attempt_from_row)
                .collect())
        })
    }

    pub(crate) fn acknowledge_impl(
        &self,
        tenant: &TenantId,
        id: &str,
        event_ids: &[String],
    ) -> Result<i64, StoreError> {
        self.backend.write(|conn| {
            let subscription = load_with_acks(conn, tenant, id)?;
            let (cursor, mut acked) = subscription;
            for chunk in event_ids.chunks(super::tables::MAX_LISTED_IDS) {
                // Only events after the cursor can still be acknowledged: read by the primary
                // key from there (event ids have no index; writes would pay for it).
                let mut sql = Sql::new(conn.dialect());
                sql.push("SELECT seq AS n FROM events WHERE ");
                log_range::push_numbered(
                    &mut sql,
                    "",
                    LogOwner::Is(tenant.as_str()),
                    NumberAfter::Is(cursor),
                    MAX_SEQ,
                );
                sql.push(" AND id IN ")
                    .text_list(chunk.iter().map(String::as_str));
                acked.extend(conn.integers(&sql)?);
            }
            acked.sort_unstable();
            acked.dedup();
            // The cursor moves over acknowledged events with no unacknowledged one between.
            let mut next = cursor;
            let mut beyond = Vec::new();
            for seq in acked {
                if seq == next + 1 {
                    next = seq;
                } else {
                    beyond.push(seq);
                }
            }
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE subscriptions SET cursor_seq = ")
                .int_value(next)
                .push(", acked_beyond = ")
                .text_value(to_json(&beyond)?)
                .push(" WHERE tenant_id = ")
                .text_value(tenant.as_str())
                .push(" AND id = ")
                .text_value(id);
            conn.execute(&sql)?;
            Ok(next)
        })
    }

    pub(crate) fn unacknowledged_beyond_impl(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Vec<i64>, StoreError> {
        self.backend
            .run(|conn| load_with_acks(conn, tenant, id).map(|(_, acked)| acked))
    }

    pub(crate) fn prune_events_impl(&self, older_than: DateTime<Utc>) -> Result<u64, StoreError> {
        let cutoff = to_micros(older_than);
        let tenants = self.backend.run(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("SELECT id AS s FROM tenants");
            conn.strings(&sql)
        })?;
        let mut pruned = 0;
        for tenant in tenants {
            // Never past what an enabled subscription has not received yet.
            let bound = self.backend.run(|conn| {
                let mut old = Sql::new(conn.dialect());
                old.push("SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE ");
                log_range::push_numbered(
                    &mut old,
                    "",
                    LogOwner::Is(&tenant),
                    NumberAfter::Is(0),
                    MAX_SEQ,
                );
                old.push(" AND at < ").int_value(cutoff);
                let old = conn.integers(&old)?.into_iter().next().unwrap_or(0);
                let mut pending = Sql::new(conn.dialect());
                pending
                    .push("SELECT MIN(cursor_seq) AS n FROM subscriptions WHERE tenant_id = ")
                    .text_value(tenant.as_str())
                    .push(" AND enabled = ")
                    .bind(Bind::Bool(true))
                    .push(" HAVING COUNT(*) > 0");
                let pending = conn.integers(&pending)?.into_iter().next();
                Ok(pending.map_or(old, |cursor| old.min(cursor)))
            })?;
            // In slices, so that no transaction holds many rows.
            let mut from = 0;
            while from < bound {
                let to = (from + 10_000).min(bound);
                let deleted = self.backend.write(|conn| {
                    super::events::record_pruned(conn, &tenant, to)?;
                    super::history::forget_pruned(conn, &tenant, to)?;
                    let mut members = Sql::new(conn.dialect());
                    members
                        .push("DELETE FROM event_members WHERE tenant_id = ")
                        .text_value(tenant.as_str())
                        .push(" AND seq > ")
                        .int_value(from)
                        .push(" AND seq <= ")
                        .int_value(to);
                    conn.execute(&members)?;
                    let mut sql = Sql::new(conn.dialect());
                    sql.push("DELETE FROM events WHERE ");
                    log_range::push_numbered(
                        &mut sql,
                        "",
                        LogOwner::Is(&tenant),
                        NumberAfter::Is(from),
                        to,
                    );
                    conn.execute(&sql)
                })?;
                pruned += u64::try_from(deleted).unwrap_or(u64::MAX);
                from = to;
            }
        }
        Ok(pruned)
    }
}

fn load(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<Subscription>, StoreError> {
    if !super::tables::storable(id) {
        return Ok(None);
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT ")
        .push(SUBSCRIPTION_COLUMNS)
        .push(" FROM subscriptions WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND id = ")
        .text_value(id);
    conn.subscriptions(&sql)?
        .into_iter()
        .next()
        .map(from_row)
        .transpose()
}

/// A poll subscription's cursor and the events acknowledged beyond it.
fn load_with_acks(
    conn: &mut dyn SqlConn,
    tenant: &TenantId,
    id: &str,
) -> Result<(i64, Vec<i64>), StoreError> {
    if !super::tables::storable(id) {
        return Err(not_found(id));
    }
    let mut sql = Sql::cached(conn.dialect());
    sql.push("SELECT ")
        .push(SUBSCRIPTION_COLUMNS)
        .push(" FROM subscriptions WHERE tenant_id = ")
        .text_value(tenant.as_str())
        .push(" AND id = ")
        .text_value(id);
    let row = conn
        .subscriptions(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| not_found(id))?;
    let acked: Vec<i64> = serde_json::from_str(&row.acked_beyond)
        .map_err(|e| StoreError::Corrupt(format!("acknowledgements of {id}: {e}")))?;
    Ok((row.cursor_seq, acked))
}

fn insert_attempts(
    conn: &mut dyn SqlConn,
    subscription: &str,
    attempts: &[DeliveryAttempt],
) -> Result<(), StoreError> {
    for chunk in attempts.chunks(100) {
        let mut sql = Sql::new(conn.dialect());
        sql.push("INSERT INTO deliveries (subscription_id, id, at, event_id, seq, status, latency_us, delivered, error, response_excerpt) VALUES ");
        for (i, attempt) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.text_value(subscription).push(", ");
            sql.text_value(attempt.id.as_str()).push(", ");
            sql.int_value(to_micros(attempt.at)).push(", ");
            sql.bind(Bind::OptionalText(attempt.event_id.clone()))
                .push(", ");
            sql.bind(Bind::OptionalBigInt(attempt.seq)).push(", ");
            sql.bind(Bind::OptionalBigInt(attempt.status.map(i64::from)))
                .push(", ");
            sql.int_value(attempt.latency_micros).push(", ");
            sql.bind(Bind::Bool(attempt.delivered)).push(", ");
            sql.bind(Bind::OptionalText(attempt.error.as_deref().map(excerpt)))
                .push(", ");
            sql.bind(Bind::OptionalText(
                attempt.response_excerpt.as_deref().map(excerpt),
            ))
            .push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING");
        conn.execute(&sql)?;
    }
    if attempts.is_empty() {
        return Ok(());
    }
    // Keep the last attempts only.
    let mut sql = Sql::new(conn.dialect());
    sql.push("DELETE FROM deliveries WHERE subscription_id = ")
        .text_value(subscription)
        .push(" AND at < (SELECT at FROM deliveries WHERE subscription_id = ")
        .text_value(subscription)
        .push(" ORDER BY at DESC LIMIT 1 OFFSET ")
        .limit_value(DELIVERY_LOG_LENGTH - 1)
        .push(")");
    conn.execute(&sql)?;
    Ok(())
}

/// At most 512 bytes of `text`, cut at a character boundary.
fn excerpt(text: &str) -> String {
    let mut end = text.len().min(512);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn types_json(types: &[EventType]) -> Result<String, StoreError> {
    to_json(&types.iter().map(|t| t.as_str()).collect::<Vec<_>>())
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        resource_type: "Subscription".to_owned(),
        id: id.to_owned(),
    }
}

fn gone(id: &str) -> StoreError {
    StoreError::Corrupt(format!("subscription {id} vanished"))
}

fn from_row(row: SubscriptionRow) -> Result<Subscription, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("subscription {}: {what}", row.id));
    let names: Vec<String> =
        serde_json::from_str(&row.event_types).map_err(|_| corrupt("event types"))?;
    let event_types = names
        .iter()
        .map(|n| EventType::parse(n).ok_or_else(|| corrupt("event type")))
        .collect::<Result<_, _>>()?;
    Ok(Subscription {
        tenant: TenantId::new(row.tenant_id.as_str()).map_err(|_| corrupt("tenant"))?,
        format: EventFormat::parse(&row.format).ok_or_else(|| corrupt("format"))?,
        delivery: DeliveryMethod::parse(&row.delivery).ok_or_else(|| corrupt("delivery"))?,
        state: SubscriptionState::parse(&row.state).ok_or_else(|| corrupt("state"))?,
        event_types,
        url: row.url,
        full: row.full_form,
        secret: row.secret,
        audience: row.audience,
        description: row.description,
        enabled: row.enabled,
        cursor: row.cursor_seq,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        failing_since: row.failing_since.map(from_micros),
        next_attempt_at: from_micros(row.next_attempt_at),
        last_error: row.last_error,
        created_at: from_micros(row.created_at),
        updated_at: from_micros(row.updated_at),
        id: row.id,
    })
}

fn attempt_from_row(row: DeliveryRow) -> DeliveryAttempt {
    DeliveryAttempt {
        id: row.id,
        at: from_micros(row.at),
        event_id: row.event_id,
        seq: row.seq,
        status: row.status.and_then(|s| u16::try_from(s).ok()),
        latency_micros: row.latency_us,
        delivered: row.delivered,
        error: row.error,
        response_excerpt: row.response_excerpt,
    }
}

//! The two database backends behind one small, object-safe interface.
//!
//! The store's logic is written once against [`SqlConn`]: a connection inside a transaction that
//! runs [`Sql`] statements and loads a handful of row shapes. Each backend supplies connections,
//! pooling, transactions with the right locking, migrations and error mapping.

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod rows;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

pub(crate) use rows::{
    ConsoleSessionRow, DeliveryRow, EventRow, MemberDataRow, MemberRow, PageRow, ResourceRow,
    ServerKeyRow, SubscriptionRow, TenantRow, TokenRow,
};

use std::time::Duration;

use crate::StoreError;
use crate::sql::{Dialect, Sql};

/// How long opening a store waits for the database: a server starting beside its database (or
/// while another process migrates it) should wait for it, where a call fails fast.
pub(crate) const OPEN_WAIT: Duration = Duration::from_secs(30);

/// A transaction's error, as diesel's `Connection::transaction` wants it: convertible from
/// diesel's own error (a failed `BEGIN`, `COMMIT` or rollback), which [`StoreError`] is not, so
/// that diesel stays out of its public API. Classified there as any failed statement is.
pub(crate) struct TxError(pub(crate) StoreError);

impl TxError {
    pub(crate) fn into_inner(self) -> StoreError {
        self.0
    }
}

impl From<diesel::result::Error> for TxError {
    fn from(err: diesel::result::Error) -> Self {
        Self(StoreError::from_diesel(err))
    }
}

/// A connection the store's logic runs statements on.
pub(crate) trait SqlConn {
    fn dialect(&self) -> Dialect;
    fn execute(&mut self, sql: &Sql) -> Result<usize, StoreError>;
    /// Like `execute`, but a unique-constraint violation is `Ok(None)` rather than an error.
    /// The transaction must then be abandoned (PostgreSQL has already aborted it).
    fn execute_unique(&mut self, sql: &Sql) -> Result<Option<usize>, StoreError>;
    /// Like `integers`, but a unique-constraint violation is `Ok(None)` (for `INSERT ...
    /// RETURNING`); the transaction must then be abandoned.
    fn integers_unique(&mut self, sql: &Sql) -> Result<Option<Vec<i64>>, StoreError>;
    fn resources(&mut self, sql: &Sql) -> Result<Vec<ResourceRow>, StoreError>;
    fn page(&mut self, sql: &Sql) -> Result<Vec<PageRow>, StoreError>;
    fn members(&mut self, sql: &Sql) -> Result<Vec<MemberRow>, StoreError>;
    fn events(&mut self, sql: &Sql) -> Result<Vec<EventRow>, StoreError>;
    fn tokens(&mut self, sql: &Sql) -> Result<Vec<TokenRow>, StoreError>;
    fn tenants(&mut self, sql: &Sql) -> Result<Vec<TenantRow>, StoreError>;
    fn server_keys(&mut self, sql: &Sql) -> Result<Vec<ServerKeyRow>, StoreError>;
    fn subscriptions(&mut self, sql: &Sql) -> Result<Vec<SubscriptionRow>, StoreError>;
    fn deliveries(&mut self, sql: &Sql) -> Result<Vec<DeliveryRow>, StoreError>;
    fn console_sessions(&mut self, sql: &Sql) -> Result<Vec<ConsoleSessionRow>, StoreError>;
    fn member_data(&mut self, sql: &Sql) -> Result<Vec<MemberDataRow>, StoreError>;
    /// Loads a single `BIGINT` column named `n`.
    fn integers(&mut self, sql: &Sql) -> Result<Vec<i64>, StoreError>;
    /// Loads a single text column named `s`.
    fn strings(&mut self, sql: &Sql) -> Result<Vec<String>, StoreError>;
    /// The database's plan for `sql`, one line per step; `analyze` also runs it and reports
    /// what happened (PostgreSQL only: SQLite cannot).
    fn plan(&mut self, sql: &Sql, analyze: bool) -> Result<Vec<String>, StoreError>;
}

/// A database: pooled connections and transactions.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Runs `f` in a read-only transaction that sees one consistent snapshot. `f` may run a
    /// second time, on another connection, when the first one turns out to be lost.
    fn read<R>(
        &self,
        f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;

    /// Runs `f` in a write transaction; an error rolls everything back. `f` may run more than
    /// once when the database asks for a retry (a PostgreSQL serialization failure or deadlock).
    fn write<R>(
        &self,
        f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;

    /// Runs `f` on a connection outside any transaction (single-statement reads, health
    /// checks). Like [`Backend::read`], `f` may run a second time when a connection is lost, so
    /// it must not write.
    fn run<R>(
        &self,
        f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;

    /// Like [`Backend::run`], but only if `f` can start at once and its statements cannot wait
    /// for anything but the CPU and the local page cache: `None` otherwise (every connection is
    /// in use, or the database is another process, where each statement waits for a reply).
    fn run_at_once<R>(
        &self,
        f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Option<Result<R, StoreError>> {
        let _ = f;
        None
    }
}

/// Defines `SqlConn` for a diesel connection type: binds every [`crate::sql::Bind`] in order and
/// loads rows by name. Both backends share this; only the diesel types differ.
macro_rules! impl_sql_conn {
    ($conn:ty, $db:ty, $dialect:expr) => {
        impl crate::backend::SqlConn for $conn {
            fn dialect(&self) -> crate::sql::Dialect {
                $dialect
            }

            fn execute(&mut self, sql: &crate::sql::Sql) -> Result<usize, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .execute(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn execute_unique(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Option<usize>, crate::StoreError> {
                use diesel::RunQueryDsl;
                use diesel::result::{DatabaseErrorKind, Error};
                match bound(sql).execute(self) {
                    Ok(n) => Ok(Some(n)),
                    Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
                    Err(e) => Err(crate::StoreError::from_diesel(e)),
                }
            }

            fn integers_unique(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Option<Vec<i64>>, crate::StoreError> {
                use diesel::RunQueryDsl;
                use diesel::result::{DatabaseErrorKind, Error};
                let rows: Result<Vec<crate::backend::rows::IntegerRow>, _> = bound(sql).load(self);
                match rows {
                    Ok(rows) => Ok(Some(rows.into_iter().map(|r| r.n).collect())),
                    Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
                    Err(e) => Err(crate::StoreError::from_diesel(e)),
                }
            }

            fn resources(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::ResourceRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn page(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::PageRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn members(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::MemberRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn events(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::EventRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn tokens(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::TokenRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn tenants(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::TenantRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn server_keys(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::ServerKeyRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn subscriptions(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::SubscriptionRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn deliveries(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::DeliveryRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn console_sessions(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::ConsoleSessionRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn member_data(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::MemberDataRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)
            }

            fn integers(&mut self, sql: &crate::sql::Sql) -> Result<Vec<i64>, crate::StoreError> {
                use diesel::RunQueryDsl;
                let rows: Vec<crate::backend::rows::IntegerRow> = bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)?;
                Ok(rows.into_iter().map(|r| r.n).collect())
            }

            fn strings(&mut self, sql: &crate::sql::Sql) -> Result<Vec<String>, crate::StoreError> {
                use diesel::RunQueryDsl;
                let rows: Vec<crate::backend::rows::StringRow> = bound(sql)
                    .load(self)
                    .map_err(crate::StoreError::from_diesel)?;
                Ok(rows.into_iter().map(|r| r.s).collect())
            }

            fn plan(
                &mut self,
                sql: &crate::sql::Sql,
                analyze: bool,
            ) -> Result<Vec<String>, crate::StoreError> {
                use diesel::RunQueryDsl;
                let mut explain = crate::sql::Sql::new(sql.dialect());
                match sql.dialect() {
                    crate::sql::Dialect::Sqlite => explain.push("EXPLAIN QUERY PLAN "),
                    crate::sql::Dialect::Postgres if analyze => {
                        explain.push("EXPLAIN (ANALYZE, BUFFERS) ")
                    }
                    crate::sql::Dialect::Postgres => explain.push("EXPLAIN "),
                };
                explain.append(sql);
                Ok(match sql.dialect() {
                    crate::sql::Dialect::Sqlite => {
                        let rows: Vec<crate::backend::rows::SqlitePlanRow> = bound(&explain)
                            .load(self)
                            .map_err(crate::StoreError::from_diesel)?;
                        crate::backend::rows::sqlite_plan_lines(&rows)
                    }
                    crate::sql::Dialect::Postgres => {
                        let rows: Vec<crate::backend::rows::PostgresPlanRow> = bound(&explain)
                            .load(self)
                            .map_err(crate::StoreError::from_diesel)?;
                        rows.into_iter().map(|r| r.line).collect()
                    }
                })
            }
        }

        /// The statement with every value bound, ready to run.
        fn bound(sql: &crate::sql::Sql) -> crate::backend::Bound<'_> {
            crate::backend::Bound(sql)
        }
    };
}

pub(crate) use impl_sql_conn;

/// A [`Sql`] statement as diesel runs it: the text between placeholders, and each value bound
/// where its placeholder was (diesel writes the placeholders itself).
///
/// Unlike `diesel::sql_query`, which never lets a connection keep its statement prepared, a
/// statement marked with [`Sql::cache_if`] is kept in the connection's statement cache, keyed by
/// its text.
pub(crate) struct Bound<'s>(pub(crate) &'s Sql);

impl<DB> diesel::query_builder::QueryFragment<DB> for Bound<'_>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Double>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Bool>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    Option<String>:
        diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    Option<i64>:
        diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::BigInt>, DB>,
    f64: diesel::serialize::ToSql<diesel::sql_types::Double, DB>,
    bool: diesel::serialize::ToSql<diesel::sql_types::Bool, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        use crate::sql::Bind;
        use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};
        if !self.0.is_cacheable() {
            out.unsafe_to_cache_prepared();
        }
        let text = self.0.text();
        let slice = |range: std::ops::Range<usize>| {
            text.get(range).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError("a placeholder is out of place".into())
            })
        };
        let mut last = 0;
        for (bind, placeholder) in self.0.binds().iter().zip(self.0.placeholders()) {
            out.push_sql(slice(last..placeholder.start)?);
            match bind {
                Bind::Text(v) | Bind::Json(v) => out.push_bind_param::<Text, str>(v.as_str())?,
                Bind::OptionalText(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Bind::BigInt(v) => out.push_bind_param::<BigInt, _>(v)?,
                Bind::OptionalBigInt(v) => out.push_bind_param::<Nullable<BigInt>, _>(v)?,
                Bind::Double(v) => out.push_bind_param::<Double, _>(v)?,
                Bind::Bool(v) => out.push_bind_param::<Bool, _>(v)?,
            }
            last = placeholder.end;
        }
        out.push_sql(slice(last..text.len())?);
        Ok(())
    }
}

impl diesel::query_builder::QueryId for Bound<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for Bound<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Conn> diesel::RunQueryDsl<Conn> for Bound<'_> {}

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

pub(crate) use rows::{EventRow, MemberRow, ResourceRow, TenantRow, TokenRow};

use crate::StoreError;
use crate::sql::{Dialect, Sql};

/// A connection the store's logic runs statements on.
pub(crate) trait SqlConn {
    fn dialect(&self) -> Dialect;
    fn execute(&mut self, sql: &Sql) -> Result<usize, StoreError>;
    /// Like `execute`, but a unique-constraint violation is `Ok(None)` rather than an error.
    /// The transaction must then be abandoned (PostgreSQL has already aborted it).
    fn execute_unique(&mut self, sql: &Sql) -> Result<Option<usize>, StoreError>;
    fn resources(&mut self, sql: &Sql) -> Result<Vec<ResourceRow>, StoreError>;
    fn members(&mut self, sql: &Sql) -> Result<Vec<MemberRow>, StoreError>;
    fn events(&mut self, sql: &Sql) -> Result<Vec<EventRow>, StoreError>;
    fn tokens(&mut self, sql: &Sql) -> Result<Vec<TokenRow>, StoreError>;
    fn tenants(&mut self, sql: &Sql) -> Result<Vec<TenantRow>, StoreError>;
    /// Loads a single `BIGINT` column named `n`.
    fn integers(&mut self, sql: &Sql) -> Result<Vec<i64>, StoreError>;
    /// Loads a single text column named `s`.
    fn strings(&mut self, sql: &Sql) -> Result<Vec<String>, StoreError>;
}

/// A database: pooled connections and transactions.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Runs `f` in a read-only transaction that sees one consistent snapshot.
    fn read<R>(
        &self,
        f: impl FnOnce(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;

    /// Runs `f` in a write transaction; an error rolls everything back. `f` may run more than
    /// once when the database asks for a retry (a PostgreSQL serialization failure or deadlock).
    fn write<R>(
        &self,
        f: impl FnMut(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;

    /// Runs `f` on a connection outside any transaction (schema set-up, health checks).
    fn run<R>(
        &self,
        f: impl FnOnce(&mut dyn SqlConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError>;
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
                Ok(bound::<$db>(sql).execute(self)?)
            }

            fn execute_unique(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Option<usize>, crate::StoreError> {
                use diesel::RunQueryDsl;
                use diesel::result::{DatabaseErrorKind, Error};
                match bound::<$db>(sql).execute(self) {
                    Ok(n) => Ok(Some(n)),
                    Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
                    Err(e) => Err(e.into()),
                }
            }

            fn resources(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::ResourceRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                Ok(bound::<$db>(sql).load(self)?)
            }

            fn members(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::MemberRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                Ok(bound::<$db>(sql).load(self)?)
            }

            fn events(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::EventRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                Ok(bound::<$db>(sql).load(self)?)
            }

            fn tokens(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::TokenRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                Ok(bound::<$db>(sql).load(self)?)
            }

            fn tenants(
                &mut self,
                sql: &crate::sql::Sql,
            ) -> Result<Vec<crate::backend::TenantRow>, crate::StoreError> {
                use diesel::RunQueryDsl;
                Ok(bound::<$db>(sql).load(self)?)
            }

            fn integers(&mut self, sql: &crate::sql::Sql) -> Result<Vec<i64>, crate::StoreError> {
                use diesel::RunQueryDsl;
                let rows: Vec<crate::backend::rows::IntegerRow> = bound::<$db>(sql).load(self)?;
                Ok(rows.into_iter().map(|r| r.n).collect())
            }

            fn strings(&mut self, sql: &crate::sql::Sql) -> Result<Vec<String>, crate::StoreError> {
                use diesel::RunQueryDsl;
                let rows: Vec<crate::backend::rows::StringRow> = bound::<$db>(sql).load(self)?;
                Ok(rows.into_iter().map(|r| r.s).collect())
            }
        }

        /// The statement with every value bound, ready to run.
        fn bound<'s, DB>(
            sql: &'s crate::sql::Sql,
        ) -> diesel::query_builder::BoxedSqlQuery<'s, DB, diesel::query_builder::SqlQuery>
        where
            DB: diesel::backend::Backend
                + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
                + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>
                + diesel::sql_types::HasSqlType<diesel::sql_types::Double>
                + diesel::sql_types::HasSqlType<diesel::sql_types::Bool>,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
            f64: diesel::serialize::ToSql<diesel::sql_types::Double, DB>,
            bool: diesel::serialize::ToSql<diesel::sql_types::Bool, DB>,
        {
            use crate::sql::Bind;
            use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};
            let mut query = diesel::sql_query(sql.text()).into_boxed::<'s, DB>();
            for bind in sql.binds() {
                query = match bind {
                    Bind::Text(v) | Bind::Json(v) => query.bind::<Text, _>(v.as_str()),
                    Bind::OptionalText(v) => query.bind::<Nullable<Text>, _>(v.as_deref()),
                    Bind::BigInt(v) => query.bind::<BigInt, _>(*v),
                    Bind::OptionalBigInt(v) => query.bind::<Nullable<BigInt>, _>(*v),
                    Bind::Double(v) => query.bind::<Double, _>(*v),
                    Bind::Bool(v) => query.bind::<Bool, _>(*v),
                };
            }
            query
        }
    };
}

pub(crate) use impl_sql_conn;

//! The server's keys (`server_keys`).

use crate::StoreError;
use crate::backend::{Backend, ServerKeyRow};
use crate::clock::{from_micros, to_micros};
use crate::server_key::{KeyPurpose, ServerKey};
use crate::sql::{Bind, Sql};

use super::Engine;

const KEY_COLUMNS: &str = "id, purpose, algorithm, material, origin, created_at, retired_at";

impl<B: Backend> Engine<B> {
    pub(crate) fn server_keys_impl(
        &self,
        purpose: KeyPurpose,
    ) -> Result<Vec<ServerKey>, StoreError> {
        self.backend.run(|conn| {
            let mut sql = Sql::cached(conn.dialect());
            // The current key (no retirement) first, then the most recently retired.
            sql.push("SELECT ")
                .push(KEY_COLUMNS)
                .push(" FROM server_keys WHERE purpose = ")
                .text_value(purpose.as_str())
                .push(" ORDER BY retired_at IS NOT NULL, retired_at DESC, created_at DESC");
            conn.server_keys(&sql)?
                .into_iter()
                .map(key_from_row)
                .collect()
        })
    }

    pub(crate) fn add_server_key_impl(&self, key: &ServerKey) -> Result<bool, StoreError> {
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("INSERT INTO server_keys (")
                .push(KEY_COLUMNS)
                .push(") VALUES (")
                .text_value(&key.id)
                .push(", ")
                .text_value(key.purpose.as_str())
                .push(", ")
                .text_value(&key.algorithm)
                .push(", ")
                .text_value(&key.material)
                .push(", ")
                .text_value(&key.origin)
                .push(", ")
                .int_value(to_micros(key.created_at))
                .push(", ")
                .bind(Bind::OptionalBigInt(key.retired_at.map(to_micros)))
                // Taken id, or a current key exists already: the caller reads what won.
                .push(") ON CONFLICT DO NOTHING");
            Ok(conn.execute(&sql)? == 1)
        })
    }

    pub(crate) fn retire_server_key_impl(&self, id: &str) -> Result<bool, StoreError> {
        let now = to_micros(self.clock.now());
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("UPDATE server_keys SET retired_at = ")
                .int_value(now)
                .push(" WHERE id = ")
                .text_value(id)
                .push(" AND retired_at IS NULL");
            Ok(conn.execute(&sql)? == 1)
        })
    }

    pub(crate) fn delete_server_key_impl(&self, id: &str) -> Result<bool, StoreError> {
        self.backend.write(|conn| {
            let mut sql = Sql::new(conn.dialect());
            sql.push("DELETE FROM server_keys WHERE id = ")
                .text_value(id)
                .push(" AND retired_at IS NOT NULL");
            Ok(conn.execute(&sql)? == 1)
        })
    }
}

fn key_from_row(row: ServerKeyRow) -> Result<ServerKey, StoreError> {
    let purpose = KeyPurpose::parse(&row.purpose).ok_or_else(|| {
        StoreError::Corrupt(format!("server key {} purpose {:?}", row.id, row.purpose))
    })?;
    Ok(ServerKey {
        id: row.id,
        purpose,
        algorithm: row.algorithm,
        material: row.material,
        origin: row.origin,
        created_at: from_micros(row.created_at),
        retired_at: row.retired_at.map(from_micros),
    })
}

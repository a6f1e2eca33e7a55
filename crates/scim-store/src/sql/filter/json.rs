//! JSON access per dialect: a location's type, its value as text or as a typed scalar, and
//! whether it counts as present for `pr`.

use super::{Dialect, Location, Translator, sqlite_path};

impl Translator<'_> {
    /// The JSON type of a location: SQLite's `json_type` names, PostgreSQL's `jsonb_typeof`.
    pub(super) fn json_type(&mut self, location: &Location) {
        match (self.dialect(), location) {
            (Dialect::Sqlite, Location::Root(keys)) => {
                self.sql
                    .push("json_type(r.data_ci, ")
                    .text_value(sqlite_path(keys))
                    .push(")");
            }
            (Dialect::Sqlite, Location::Item(alias)) => {
                self.sql.push(alias).push(".type");
            }
            (Dialect::Sqlite, Location::ItemKeys(alias, keys)) => {
                self.sql
                    .push("CASE WHEN ")
                    .push(alias)
                    .push(".type = 'object' THEN json_type(");
                self.sql
                    .push(alias)
                    .push(".value, ")
                    .text_value(sqlite_path(keys))
                    .push(") END");
            }
            (Dialect::Postgres, _) => {
                self.sql.push("jsonb_typeof(");
                self.jsonb(location);
                self.sql.push(")");
            }
        }
    }

    /// SQLite: the location's SQL value (JSON text for arrays and objects).
    pub(super) fn json_text(&mut self, location: &Location) {
        match location {
            Location::Root(keys) => {
                self.sql
                    .push("json_extract(r.data_ci, ")
                    .text_value(sqlite_path(keys))
                    .push(")");
            }
            Location::Item(alias) => {
                self.sql.push(alias).push(".value");
            }
            Location::ItemKeys(alias, keys) => {
                self.sql
                    .push("CASE WHEN ")
                    .push(alias)
                    .push(".type = 'object' THEN json_extract(");
                self.sql
                    .push(alias)
                    .push(".value, ")
                    .text_value(sqlite_path(keys))
                    .push(") END");
            }
        }
    }

    /// PostgreSQL: the location as a `jsonb` expression (NULL when absent).
    pub(super) fn jsonb(&mut self, location: &Location) {
        let (base, keys): (&str, &[String]) = match location {
            Location::Root(keys) => ("r.data_ci", keys),
            Location::Item(alias) => {
                self.sql.push(alias).push(".v");
                return;
            }
            Location::ItemKeys(alias, keys) => (alias, keys),
        };
        self.sql.push("jsonb_extract_path(").push(base);
        if matches!(location, Location::ItemKeys(..)) {
            self.sql.push(".v");
        }
        for key in keys {
            self.sql.push(", ").text_value(key.as_str());
        }
        self.sql.push(")");
    }

    /// `<location is a JSON object>`, never NULL.
    pub(super) fn is_object(&mut self, location: &Location) {
        self.sql.push("COALESCE(");
        self.json_type(location);
        self.sql.push(" = 'object', FALSE)");
    }

    /// The location's value as a SQL scalar when its JSON type is `kind`, else NULL.
    pub(super) fn typed_scalar(&mut self, location: &Location, kind: JsonKind) {
        let dialect = self.dialect();
        self.sql.push("CASE WHEN ");
        self.json_type(location);
        self.sql.push(match (dialect, kind) {
            (Dialect::Sqlite, JsonKind::String) => " = 'text'",
            (Dialect::Sqlite, JsonKind::Boolean) => " IN ('true', 'false')",
            (Dialect::Sqlite, JsonKind::Integer) => " = 'integer'",
            (Dialect::Sqlite, JsonKind::Number) => " IN ('integer', 'real')",
            (Dialect::Postgres, JsonKind::String) => " = 'string'",
            (Dialect::Postgres, JsonKind::Boolean) => " = 'boolean'",
            (Dialect::Postgres, JsonKind::Integer | JsonKind::Number) => " = 'number'",
        });
        self.sql.push(" THEN ");
        match dialect {
            // The evaluator takes every decimal as an f64; SQLite would compare an integer
            // beyond 2^53 with a REAL exactly, so the integer is rounded to an f64 first.
            Dialect::Sqlite if kind == JsonKind::Number => {
                self.sql.push("CAST(");
                self.json_text(location);
                self.sql.push(" AS REAL)");
            }
            Dialect::Sqlite => self.json_text(location),
            Dialect::Postgres => {
                self.sql.push("(");
                self.jsonb(location);
                self.sql.push(" #>> '{}')");
                self.sql.push(match kind {
                    JsonKind::String => "",
                    JsonKind::Boolean => "::boolean",
                    JsonKind::Integer => "::numeric",
                    JsonKind::Number => "::float8",
                });
            }
        }
        self.sql.push(" END");
    }

    /// Whether the value at `location` counts as present for `pr`; never NULL.
    pub(super) fn present_value(&mut self, location: &Location) {
        let alias = self.next_alias();
        self.sql.push("COALESCE(CASE ");
        self.json_type(location);
        match self.dialect() {
            Dialect::Sqlite => {
                self.sql.push(" WHEN 'text' THEN ");
                self.json_text(location);
                self.sql
                    .push(" <> '' WHEN 'true' THEN 1 WHEN 'false' THEN 1");
                self.sql.push(" WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'array' THEN json_array_length(");
                self.json_text(location);
                self.sql
                    .push(") > 0 WHEN 'object' THEN EXISTS (SELECT 1 FROM json_each(");
                self.json_text(location);
                let o = alias.as_str();
                self.sql.push(") ").push(o).push(" WHERE ");
                self.sql
                    .push(o)
                    .push(".type IN ('true', 'false', 'integer', 'real') OR (");
                self.sql
                    .push(o)
                    .push(".type = 'text' AND ")
                    .push(o)
                    .push(".value <> '') OR (");
                self.sql
                    .push(o)
                    .push(".type = 'array' AND json_array_length(")
                    .push(o);
                self.sql
                    .push(".value) > 0) OR (")
                    .push(o)
                    .push(".type = 'object' AND ");
                self.sql.push(o).push(".value <> '{}')) ELSE 0 END, 0)");
            }
            Dialect::Postgres => {
                self.sql.push(" WHEN 'string' THEN (");
                self.jsonb(location);
                self.sql
                    .push(" #>> '{}') <> '' WHEN 'boolean' THEN TRUE WHEN 'number' THEN TRUE");
                self.sql.push(" WHEN 'array' THEN jsonb_array_length(");
                self.jsonb(location);
                self.sql
                    .push(") > 0 WHEN 'object' THEN EXISTS (SELECT 1 FROM jsonb_each(");
                self.jsonb(location);
                let o = alias.as_str();
                self.sql
                    .push(") ")
                    .push(o)
                    .push("(k, v) WHERE jsonb_typeof(")
                    .push(o);
                self.sql
                    .push(".v) IN ('boolean', 'number') OR (jsonb_typeof(")
                    .push(o);
                self.sql
                    .push(".v) = 'string' AND (")
                    .push(o)
                    .push(".v #>> '{}') <> '') OR (jsonb_typeof(");
                self.sql
                    .push(o)
                    .push(".v) = 'array' AND jsonb_array_length(")
                    .push(o);
                self.sql
                    .push(".v) > 0) OR (jsonb_typeof(")
                    .push(o)
                    .push(".v) = 'object' AND ");
                self.sql
                    .push(o)
                    .push(".v <> '{}'::jsonb)) ELSE FALSE END, FALSE)");
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JsonKind {
    String,
    Boolean,
    Integer,
    Number,
}

use std::fmt::Write as _;

/// The SQL dialects the store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    OptionalText(Option<String>),
    BigInt(i64),
    OptionalBigInt(Option<i64>),
    Double(f64),
    Bool(bool),
    /// A JSON document, bound as text and cast where the dialect stores JSON natively.
    Json(String),
}

/// A statement under construction: SQL text and its bound values, in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sql {
    dialect: Dialect,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: String::with_capacity(256),
            binds: Vec::new(),
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn binds(&self) -> &[Bind] {
        &self.binds
    }

    /// Appends trusted SQL text (never anything a request supplied).
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder for `bind`.
    pub(crate) fn bind(&mut self, bind: Bind) -> &mut Self {
        self.binds.push(bind);
        match self.dialect {
            Dialect::Sqlite => self.text.push('?'),
            Dialect::Postgres => {
                // Writing to a String cannot fail.
                let _ = write!(self.text, "${}", self.binds.len());
                if matches!(self.binds.last(), Some(Bind::Json(_))) {
                    self.text.push_str("::jsonb");
                }
            }
        }
        self
    }

    pub(crate) fn text_value(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(value.into()))
    }

    pub(crate) fn int_value(&mut self, value: i64) -> &mut Self {
        self.bind(Bind::BigInt(value))
    }

    /// Appends `(?, ?, ...)` for a non-empty list of text values.
    pub(crate) fn text_list<'v>(&mut self, values: impl IntoIterator<Item = &'v str>) -> &mut Self {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text_value(value);
        }
        self.push(")")
    }

    /// A text column as an `ORDER BY` key: byte order on both databases. PostgreSQL would
    /// otherwise order by the database's default collation, which is often linguistic
    /// (`en_US`: `dIfF067` before `DiFf076`), so results would depend on how it was created.
    pub(crate) fn text_order(&mut self, column: &str) -> &mut Self {
        self.push(column);
        match self.dialect {
            Dialect::Sqlite => self,
            Dialect::Postgres => self.push(" COLLATE \"C\""),
        }
    }

    /// A JSON column read back as text.
    pub(crate) fn json_column_as_text(&mut self, column: &str) -> &mut Self {
        match self.dialect {
            Dialect::Sqlite => self.push(column),
            Dialect::Postgres => self.push(column).push("::text"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect() {
        for (dialect, expected) in [
            (Dialect::Sqlite, "SELECT ? WHERE x IN (?, ?) AND j = ?"),
            (
                Dialect::Postgres,
                "SELECT $1 WHERE x IN ($2, $3) AND j = $4::jsonb",
            ),
        ] {
            let mut sql = Sql::new(dialect);
            sql.push("SELECT ")
                .int_value(1)
                .push(" WHERE x IN ")
                .text_list(["a", "b"]);
            sql.push(" AND j = ").bind(Bind::Json("{}".into()));
            assert_eq!(sql.text(), expected);
            assert_eq!(sql.binds().len(), 4);
        }
    }
}

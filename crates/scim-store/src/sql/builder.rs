use std::fmt::Write as _;
use std::ops::Range;

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
    /// Where each bind's placeholder is in `text`, in bind order.
    placeholders: Vec<Range<usize>>,
    /// Whether the connection may keep the statement prepared (see [`Sql::cache_if`]).
    cacheable: bool,
}

impl Sql {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: String::with_capacity(256),
            binds: Vec::new(),
            placeholders: Vec::new(),
            cacheable: false,
        }
    }

    /// A new statement the connection may keep prepared (see [`Sql::cache_if`]).
    pub(crate) fn cached(dialect: Dialect) -> Self {
        let mut sql = Self::new(dialect);
        sql.cacheable = true;
        sql
    }

    /// Lets the connection keep this statement prepared and reuse it whenever the same text
    /// comes again, if `bounded`. That saves SQLite's parser and planner (most of a small
    /// statement's cost) and PostgreSQL's parse and plan.
    ///
    /// Each connection keeps every cached statement until it closes, so `bounded` must only
    /// be true when the text comes from a small, fixed set: fixed statements, and shapes that
    /// do not grow with the request (a filter of one comparison, a single-row insert). Never
    /// for a text that grows with a list or a filter a client wrote.
    pub(crate) fn cache_if(&mut self, bounded: bool) -> &mut Self {
        self.cacheable |= bounded;
        self
    }

    pub(crate) fn is_cacheable(&self) -> bool {
        self.cacheable
    }

    /// Where each bind's placeholder is in [`Sql::text`], in the order of [`Sql::binds`].
    pub(crate) fn placeholders(&self) -> &[Range<usize>] {
        &self.placeholders
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

    /// Appends a whole statement, with its binds (for wrapping one, as `EXPLAIN` does). Its
    /// PostgreSQL placeholder numbers are left as they are: they only matter for display, as
    /// the connection numbers placeholders itself when it runs a statement.
    pub(crate) fn append(&mut self, other: &Sql) -> &mut Self {
        let offset = self.text.len();
        self.text.push_str(&other.text);
        self.binds.extend(other.binds.iter().cloned());
        self.placeholders.extend(
            other
                .placeholders
                .iter()
                .map(|r| r.start + offset..r.end + offset),
        );
        self
    }

    /// Appends trusted SQL text (never anything a request supplied).
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder for `bind`.
    pub(crate) fn bind(&mut self, bind: Bind) -> &mut Self {
        let json = matches!(bind, Bind::Json(_));
        self.binds.push(bind);
        let start = self.text.len();
        match self.dialect {
            Dialect::Sqlite => self.text.push('?'),
            Dialect::Postgres => {
                // Writing to a String cannot fail.
                let _ = write!(self.text, "${}", self.binds.len());
            }
        }
        self.placeholders.push(start..self.text.len());
        if json && self.dialect == Dialect::Postgres {
            self.text.push_str("::jsonb");
        }
        self
    }

    pub(crate) fn text_value(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(value.into()))
    }

    pub(crate) fn int_value(&mut self, value: i64) -> &mut Self {
        self.bind(Bind::BigInt(value))
    }

    /// A bound `LIMIT` or `OFFSET` value.
    ///
    /// SQLite folds a bare placeholder there into the statement's program, which makes it
    /// prepare the statement again whenever the value is bound; behind a cast, the value is
    /// read when the statement runs, and a cached statement stays prepared.
    pub(crate) fn limit_value(&mut self, value: i64) -> &mut Self {
        match self.dialect {
            Dialect::Sqlite => self.push("CAST(").int_value(value).push(" AS INTEGER)"),
            Dialect::Postgres => self.int_value(value),
        }
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

/// A SQLite JSON path naming `keys` one below the other, each quoted: `$."a"."b"`.
pub(crate) fn sqlite_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        path.push_str(".\"");
        path.push_str(key);
        path.push('"');
    }
    path
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
            let placeholders: Vec<&str> = sql
                .placeholders()
                .iter()
                .map(|r| &sql.text()[r.clone()])
                .collect();
            assert_eq!(placeholders.len(), 4);
            assert!(placeholders.iter().all(|p| p.starts_with(['?', '$'])));
        }
    }
}

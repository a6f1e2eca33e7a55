//! Translation of resolved filters into SQL conditions on the `resources` table (alias `r`).
//!
//! The translation reproduces, exactly, the semantics `scim_core::filter` documents for its
//! evaluator (a differential test holds the two together). Three things make that possible:
//!
//! - Filters read `data_ci`, a copy of the document in which every case-insensitive string is
//!   already folded with [`scim_core::fold_case`] and every dateTime is rewritten in one
//!   fixed-width UTC form (see [`crate::engine::search_document`]). Case-insensitive comparison is
//!   then plain equality, ordering is byte order (`COLLATE "C"` on PostgreSQL), and dateTimes
//!   order as text. No SQL-side case mapping is involved, so both databases agree with Rust.
//! - Every leaf condition is wrapped so that it is `TRUE` or `FALSE`, never `NULL`: `not` then
//!   means what it says for absent attributes.
//! - JSON values are type-checked before use, so a value of the wrong JSON type never matches.
//!
//! Attributes the store keeps outside the document are read where they live: `id`,
//! `externalId`, `meta.created`, `meta.lastModified`, `meta.resourceType` and `meta.version`
//! from columns, `userName` (User) and `displayName` (Group) from the indexed `name_ci` column,
//! Group `members` and User `groups` from the `memberships` table. Values are always bound
//! parameters; JSON paths are bound too.

use chrono::{DateTime, SecondsFormat, Utc};
use scim_core::filter::{
    ComparisonValue, ResolvedCompare, ResolvedFilter, ResolvedOp, ResolvedPath, ResolvedValuePath,
};
use scim_core::{ScimError, ScimType};

use super::{Bind, Dialect, Sql};

/// The one text form of a dateTime in `data_ci` and in bound comparison values: UTC, nine
/// fractional digits, `Z`. Fixed width makes text order chronological order.
///
/// RFC 3339 years have four digits, but in UTC `0000-01-01T00:00:00+01:00` is in year -1 and
/// `9999-12-31T23:30:00-01:00` in year 10000. chrono writes the first `-0001-...`, and `-` sorts
/// before every digit, as it should; it writes the second `+10000-...`, and `+` also sorts
/// before the digits, so that year's `+` becomes `~`, which sorts after them.
pub(crate) fn date_time_key(at: &DateTime<Utc>) -> String {
    let key = at.to_rfc3339_opts(SecondsFormat::Nanos, true);
    match key.strip_prefix('+') {
        Some(year_after_9999) => format!("~{year_after_9999}"),
        None => key,
    }
}

/// What the SQL translation is being done for: the resource type whose rows are filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The built-in User type: `userName` and `groups` are special.
    User,
    /// The built-in Group type: `displayName` and `members` are special.
    Group,
    /// Any other resource type: only the common columns are special.
    Other,
}

impl Target {
    pub(crate) fn of(resource_type: &str) -> Self {
        match resource_type {
            "User" => Self::User,
            "Group" => Self::Group,
            _ => Self::Other,
        }
    }
}

/// Whether `filter` is a single comparison or presence test: the SQL text of such a filter
/// comes from a set bounded by the schema, so statements with it may be cached (see
/// [`Sql::cache_if`]).
pub(crate) fn is_simple(filter: &ResolvedFilter) -> bool {
    matches!(
        filter,
        ResolvedFilter::Compare(_) | ResolvedFilter::Present(_)
    )
}

/// Appends the SQL condition equivalent to `filter` for rows of `r`.
///
/// In front of the exact condition go the facts every match must have (see
/// [`super::implied`]), which an index (PostgreSQL) or a plain text search (SQLite) checks
/// without walking the row's JSON.
pub(crate) fn push_filter(
    sql: &mut Sql,
    target: Target,
    filter: &ResolvedFilter,
) -> Result<(), ScimError> {
    let implied = super::implied::implied(filter, target);
    let mut prefix = false;
    match (sql.dialect(), &implied.contained) {
        (Dialect::Postgres, Some(document)) => {
            sql.push("(r.data_ci @> ")
                .bind(Bind::Json(document.to_string()))
                .push(" AND ");
            prefix = true;
        }
        (Dialect::Sqlite, _) if !implied.needles.is_empty() => {
            sql.push("(");
            for needle in implied.needles {
                sql.push("instr(r.data_ci, ")
                    .text_value(needle)
                    .push(") > 0 AND ");
            }
            prefix = true;
        }
        _ => {}
    }
    Translator {
        sql,
        target,
        aliases: 0,
    }
    .filter(filter, &Scope::Row)?;
    if prefix {
        sql.push(")");
    }
    Ok(())
}

/// Appends the condition a `members[...]` value path's inner filter puts on the membership row
/// `m` (joined to its member's row as `mr`).
pub(crate) fn push_member_filter(sql: &mut Sql, filter: &ResolvedFilter) -> Result<(), ScimError> {
    let scope = Scope::Membership {
        alias: "m".to_owned(),
        kind: MembershipKind::Members,
    };
    Translator {
        sql,
        target: Target::Group,
        aliases: 0,
    }
    .filter(filter, &scope)
}

/// Where the paths of the filter being translated are looked up.
#[derive(Debug, Clone)]
enum Scope {
    /// The row's document.
    Row,
    /// One element of a value path's attribute: a JSON location.
    Element(Location),
    /// One membership row `m` (inside Group `members[...]` or User `groups[...]`).
    Membership { alias: String, kind: MembershipKind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MembershipKind {
    /// The row is a group; the membership's `member_id` is the element's `value`.
    Members,
    /// The row is a member; the membership's `group_id` is the element's `value`.
    Groups,
}

/// A JSON value somewhere in the row's `data_ci`.
#[derive(Debug, Clone)]
enum Location {
    /// `r.data_ci` at the given keys.
    Root(Vec<String>),
    /// The current item of the set-returning JSON function aliased so.
    Item(String),
    /// The given keys below the current item (which must be an object).
    ItemKeys(String, Vec<String>),
}

struct Translator<'s> {
    sql: &'s mut Sql,
    target: Target,
    aliases: u32,
}

fn unsupported(what: impl Into<String>) -> ScimError {
    ScimError::new(ScimType::InvalidFilter, what)
}

fn keys(path: &ResolvedPath, with_sub: bool) -> Vec<String> {
    let mut keys = Vec::with_capacity(3);
    if let Some(extension) = path.extension() {
        keys.push(extension.to_owned());
    }
    keys.push(path.attribute().to_owned());
    if with_sub && let Some(sub) = path.sub_attribute() {
        keys.push(sub.to_owned());
    }
    keys
}

/// A SQLite JSON path for `keys`: `$."a"."b"`.
fn sqlite_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        path.push_str(".\"");
        path.push_str(key);
        path.push('"');
    }
    path
}

impl Translator<'_> {
    fn dialect(&self) -> Dialect {
        self.sql.dialect()
    }

    fn next_alias(&mut self) -> String {
        self.aliases += 1;
        format!("j{}", self.aliases)
    }

    fn filter(&mut self, filter: &ResolvedFilter, scope: &Scope) -> Result<(), ScimError> {
        match filter {
            ResolvedFilter::Compare(compare) => self.compare(compare, scope),
            ResolvedFilter::Present(path) => self.present(path, scope),
            ResolvedFilter::And(junction) | ResolvedFilter::Or(junction) => {
                let joiner = if matches!(filter, ResolvedFilter::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                self.sql.push("(");
                for (i, operand) in junction.operands().iter().enumerate() {
                    if i > 0 {
                        self.sql.push(joiner);
                    }
                    self.filter(operand, scope)?;
                }
                self.sql.push(")");
                Ok(())
            }
            ResolvedFilter::Not(not) => {
                self.sql.push("(NOT ");
                self.filter(not.inner(), scope)?;
                self.sql.push(")");
                Ok(())
            }
            ResolvedFilter::ValuePath(value_path) => self.value_path(value_path, scope),
        }
    }

    // ----- value paths -----

    fn value_path(
        &mut self,
        value_path: &ResolvedValuePath,
        scope: &Scope,
    ) -> Result<(), ScimError> {
        if !matches!(scope, Scope::Row) {
            return Err(unsupported("value paths cannot be nested"));
        }
        let attribute = value_path.attribute();
        if attribute.extension().is_none() && attribute.attribute() == "meta" {
            // `meta` lives in columns and every row has it, so `meta[f]` is `f` on the row
            // (whose paths are all `meta.<sub>`).
            return self.filter(value_path.filter(), &Scope::Row);
        }
        if let Some(kind) = self.membership_kind(attribute) {
            return self.membership_exists(kind, |t, scope| t.filter(value_path.filter(), scope));
        }
        let root = Location::Root(keys(attribute, false));
        if attribute.is_multi_valued() {
            self.each_item(&root, |t, item| {
                t.is_object(item);
                t.sql.push(" AND ");
                t.filter(value_path.filter(), &Scope::Element(item.clone()))
            })
        } else {
            self.sql.push("(");
            self.is_object(&root);
            self.sql.push(" AND ");
            self.filter(value_path.filter(), &Scope::Element(root))?;
            self.sql.push(")");
            Ok(())
        }
    }

    /// `EXISTS (... every item of the array at `array` ... WHERE <body>)`; not an array: false.
    fn each_item(
        &mut self,
        array: &Location,
        body: impl FnOnce(&mut Self, &Location) -> Result<(), ScimError>,
    ) -> Result<(), ScimError> {
        let alias = self.next_alias();
        match self.dialect() {
            Dialect::Sqlite => {
                // The CASE keeps json_each from ever parsing a scalar.
                self.sql.push("EXISTS (SELECT 1 FROM json_each(CASE WHEN ");
                self.json_type(array);
                self.sql.push(" = 'array' THEN ");
                self.json_text(array);
                self.sql
                    .push(" ELSE '[]' END) ")
                    .push(&alias)
                    .push(" WHERE ");
            }
            Dialect::Postgres => {
                self.sql
                    .push("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(");
                self.jsonb(array);
                self.sql.push(") = 'array' THEN ");
                self.jsonb(array);
                self.sql
                    .push(" ELSE '[]'::jsonb END) ")
                    .push(&alias)
                    .push("(v) WHERE ");
            }
        }
        body(self, &Location::Item(alias))?;
        self.sql.push(")");
        Ok(())
    }

    // ----- comparisons and presence -----

    /// Runs `leaf` once for every value of `path` in `scope`, joined by "some value matches".
    fn for_some_value(
        &mut self,
        path: &ResolvedPath,
        scope: &Scope,
        leaf: &dyn Fn(&mut Self, &Location) -> Result<(), ScimError>,
    ) -> Result<(), ScimError> {
        match scope {
            Scope::Row => {
                let top = Location::Root(keys(path, false));
                match (path.is_multi_valued(), path.sub_attribute()) {
                    (false, None) => leaf(self, &top),
                    (false, Some(_)) => {
                        let value = Location::Root(keys(path, true));
                        self.sub_values(path, &value, leaf)
                    }
                    (true, None) => self.each_item(&top, |t, item| leaf(t, item)),
                    (true, Some(sub)) => {
                        let sub = sub.to_owned();
                        self.each_item(&top, |t, item| {
                            let Location::Item(alias) = item else {
                                return Err(unsupported("internal: item expected"));
                            };
                            let value = Location::ItemKeys(alias.clone(), vec![sub]);
                            t.sub_values(path, &value, leaf)
                        })
                    }
                }
            }
            Scope::Element(element) => {
                let Some(sub) = path.sub_attribute() else {
                    return Err(unsupported(
                        "a path inside a value path needs a sub-attribute",
                    ));
                };
                let value = match element {
                    Location::Root(keys) => {
                        let mut keys = keys.clone();
                        keys.push(sub.to_owned());
                        Location::Root(keys)
                    }
                    Location::Item(alias) => {
                        Location::ItemKeys(alias.clone(), vec![sub.to_owned()])
                    }
                    Location::ItemKeys(alias, keys) => {
                        let mut keys = keys.clone();
                        keys.push(sub.to_owned());
                        Location::ItemKeys(alias.clone(), keys)
                    }
                };
                self.sub_values(path, &value, leaf)
            }
            Scope::Membership { .. } => Err(unsupported("internal: membership scope")),
        }
    }

    /// The values at a sub-attribute location: its items when the sub-attribute is multi-valued.
    fn sub_values(
        &mut self,
        path: &ResolvedPath,
        value: &Location,
        leaf: &dyn Fn(&mut Self, &Location) -> Result<(), ScimError>,
    ) -> Result<(), ScimError> {
        if path.is_sub_attribute_multi_valued() {
            self.each_item(value, |t, item| leaf(t, item))
        } else {
            leaf(self, value)
        }
    }

    fn present(&mut self, path: &ResolvedPath, scope: &Scope) -> Result<(), ScimError> {
        if let Some(done) = self.special_present(path, scope)? {
            return Ok(done);
        }
        self.for_some_value(path, scope, &|t, value| {
            t.present_value(value);
            Ok(())
        })
    }

    fn compare(&mut self, compare: &ResolvedCompare, scope: &Scope) -> Result<(), ScimError> {
        if let Some(done) = self.special_compare(compare, scope)? {
            return Ok(done);
        }
        self.for_some_value(compare.path(), scope, &|t, value| {
            t.compare_value(compare, value)
        })
    }

    /// One JSON value compared; the condition is never NULL.
    fn compare_value(
        &mut self,
        compare: &ResolvedCompare,
        value: &Location,
    ) -> Result<(), ScimError> {
        let op = compare.op();
        self.sql.push("COALESCE(");
        match compare.value() {
            ComparisonValue::String(expected) => {
                self.string_condition(&|t| t.typed_scalar(value, JsonKind::String), op, expected);
            }
            ComparisonValue::DateTime(at) => {
                let key = date_time_key(at);
                self.string_condition(&|t| t.typed_scalar(value, JsonKind::String), op, &key);
            }
            ComparisonValue::Boolean(expected) => {
                self.typed_scalar(value, JsonKind::Boolean);
                self.sql.push(" = ");
                match self.dialect() {
                    Dialect::Sqlite => self.sql.int_value(i64::from(*expected)),
                    Dialect::Postgres => self.sql.bind(Bind::Bool(*expected)),
                };
            }
            ComparisonValue::Integer(expected) => {
                self.typed_scalar(value, JsonKind::Integer);
                self.sql.push(ordering_operator(op)?);
                self.sql.int_value(*expected);
            }
            ComparisonValue::Decimal(expected) => {
                self.typed_scalar(value, JsonKind::Number);
                self.sql.push(ordering_operator(op)?);
                self.sql.bind(Bind::Double(*expected));
            }
        }
        self.sql.push(", FALSE)");
        Ok(())
    }

    /// A string test of the text `lhs` writes against `expected`; NULL when `lhs` is NULL.
    fn string_condition(&mut self, lhs: &dyn Fn(&mut Self), op: ResolvedOp, expected: &str) {
        if let Some(nul) = expected.find('\0') {
            // No stored string contains U+0000 (writes refuse it; PostgreSQL cannot even bind
            // it). Against such strings a value with a NUL is never equal nor contained, and it
            // orders like its part before the NUL, p: x > v and x >= v mean x > p, x < v and
            // x <= v mean x <= p.
            let before = &expected[..nul];
            match op {
                ResolvedOp::Gt | ResolvedOp::Ge => {
                    self.string_condition(lhs, ResolvedOp::Gt, before);
                }
                ResolvedOp::Lt | ResolvedOp::Le => {
                    self.string_condition(lhs, ResolvedOp::Le, before);
                }
                ResolvedOp::Eq | ResolvedOp::Co | ResolvedOp::Sw | ResolvedOp::Ew => {
                    self.sql.push("FALSE");
                }
            }
            return;
        }
        let chars = i64::try_from(expected.chars().count()).unwrap_or(i64::MAX);
        let dialect = self.dialect();
        match op {
            ResolvedOp::Co | ResolvedOp::Sw | ResolvedOp::Ew if expected.is_empty() => {
                self.sql.push("(");
                lhs(self);
                self.sql.push(") IS NOT NULL");
            }
            ResolvedOp::Co => {
                self.sql.push(match dialect {
                    Dialect::Sqlite => "instr(",
                    Dialect::Postgres => "strpos(",
                });
                lhs(self);
                self.sql.push(", ").text_value(expected).push(") > 0");
            }
            ResolvedOp::Sw => match dialect {
                Dialect::Sqlite => {
                    self.sql.push("substr(");
                    lhs(self);
                    self.sql
                        .push(", 1, ")
                        .int_value(chars)
                        .push(") = ")
                        .text_value(expected);
                }
                Dialect::Postgres => {
                    self.sql.push("starts_with(");
                    lhs(self);
                    self.sql.push(", ").text_value(expected).push(")");
                }
            },
            ResolvedOp::Ew => {
                match dialect {
                    Dialect::Sqlite => {
                        self.sql.push("substr(");
                        lhs(self);
                        self.sql.push(", -").int_value(chars);
                    }
                    Dialect::Postgres => {
                        // right() takes an int4; a bare BIGINT parameter has no such function.
                        self.sql.push("right(");
                        lhs(self);
                        self.sql
                            .push(", CAST(")
                            .int_value(chars)
                            .push(" AS INTEGER)");
                    }
                }
                self.sql.push(") = ").text_value(expected);
            }
            ResolvedOp::Eq | ResolvedOp::Gt | ResolvedOp::Ge | ResolvedOp::Lt | ResolvedOp::Le => {
                self.sql.push("(");
                lhs(self);
                self.sql.push(")");
                if dialect == Dialect::Postgres && op != ResolvedOp::Eq {
                    self.sql.push(" COLLATE \"C\"");
                }
                // Only `co`, `sw` and `ew` fail here, and they were handled above.
                self.sql.push(ordering_operator(op).unwrap_or(" = "));
                self.sql.text_value(expected);
            }
        }
    }

    // ----- JSON access -----

    /// The JSON type of a location: SQLite's `json_type` names, PostgreSQL's `jsonb_typeof`.
    fn json_type(&mut self, location: &Location) {
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
    fn json_text(&mut self, location: &Location) {
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
    fn jsonb(&mut self, location: &Location) {
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
    fn is_object(&mut self, location: &Location) {
        self.sql.push("COALESCE(");
        self.json_type(location);
        self.sql.push(" = 'object', FALSE)");
    }

    /// The location's value as a SQL scalar when its JSON type is `kind`, else NULL.
    fn typed_scalar(&mut self, location: &Location, kind: JsonKind) {
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
    fn present_value(&mut self, location: &Location) {
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

    // ----- attributes kept outside the document -----

    fn column_of(&self, path: &ResolvedPath) -> Option<Column> {
        column_of(self.target, path)
    }

    fn membership_kind(&self, path: &ResolvedPath) -> Option<MembershipKind> {
        membership_kind(self.target, path)
    }

    /// `EXISTS (membership rows of this row WHERE <body>)`.
    fn membership_exists(
        &mut self,
        kind: MembershipKind,
        body: impl FnOnce(&mut Self, &Scope) -> Result<(), ScimError>,
    ) -> Result<(), ScimError> {
        let m = self.next_alias();
        let other = format!("{m}r");
        let (own, far) = match kind {
            MembershipKind::Members => ("group_id", "member_id"),
            MembershipKind::Groups => ("member_id", "group_id"),
        };
        self.sql.push("EXISTS (SELECT 1 FROM memberships ").push(&m);
        self.sql
            .push(" LEFT JOIN resources ")
            .push(&other)
            .push(" ON ")
            .push(&other);
        self.sql
            .push(".tenant_id = ")
            .push(&m)
            .push(".tenant_id AND ")
            .push(&other);
        self.sql.push(".id = ").push(&m).push(".").push(far);
        self.sql
            .push(" WHERE ")
            .push(&m)
            .push(".tenant_id = r.tenant_id AND ");
        self.sql.push(&m).push(".").push(own).push(" = r.id AND ");
        body(self, &Scope::Membership { alias: m, kind })?;
        self.sql.push(")");
        Ok(())
    }

    /// `pr` on a column or membership attribute; `None` when the path lives in the document.
    fn special_present(
        &mut self,
        path: &ResolvedPath,
        scope: &Scope,
    ) -> Result<Option<()>, ScimError> {
        match scope {
            Scope::Row => {
                if let Some(kind) = self.membership_kind(path) {
                    let path = path.clone();
                    self.membership_exists(kind, move |t, scope| match path.sub_attribute() {
                        None => {
                            t.sql.push("TRUE");
                            Ok(())
                        }
                        Some(_) => t.membership_present(&path, scope),
                    })?;
                    return Ok(Some(()));
                }
                match self.column_of(path) {
                    Some(Column::Text(_) | Column::Micros(_) | Column::Version | Column::Meta) => {
                        // The store always sets these.
                        self.sql.push("TRUE");
                        Ok(Some(()))
                    }
                    Some(Column::Location) => Err(location_error()),
                    Some(Column::OptionalText(column)) => {
                        self.sql
                            .push("COALESCE(")
                            .push(column)
                            .push(" <> '', FALSE)");
                        Ok(Some(()))
                    }
                    None => Ok(None),
                }
            }
            Scope::Membership { .. } => {
                self.membership_present(path, scope)?;
                Ok(Some(()))
            }
            Scope::Element(_) => Ok(None),
        }
    }

    fn membership_present(&mut self, path: &ResolvedPath, scope: &Scope) -> Result<(), ScimError> {
        let Scope::Membership { alias, kind } = scope else {
            return Err(unsupported("internal: membership scope expected"));
        };
        match membership_field(*kind, path)? {
            MembershipField::Column(_) | MembershipField::Literal(_) => {
                self.sql.push("TRUE");
            }
            MembershipField::Display => {
                self.sql.push("COALESCE(");
                self.membership_display(alias, *kind);
                self.sql.push(" <> '', FALSE)");
            }
        }
        Ok(())
    }

    /// A comparison on a column or membership attribute; `None` when the path lives in the
    /// document.
    fn special_compare(
        &mut self,
        compare: &ResolvedCompare,
        scope: &Scope,
    ) -> Result<Option<()>, ScimError> {
        let path = compare.path();
        match scope {
            Scope::Row => {
                if let Some(kind) = self.membership_kind(path) {
                    let compare = compare.clone();
                    self.membership_exists(kind, move |t, scope| {
                        t.membership_compare(&compare, scope)
                    })?;
                    return Ok(Some(()));
                }
                let Some(column) = self.column_of(path) else {
                    return Ok(None);
                };
                self.column_compare(column, compare)?;
                Ok(Some(()))
            }
            Scope::Membership { .. } => {
                self.membership_compare(compare, scope)?;
                Ok(Some(()))
            }
            Scope::Element(_) => Ok(None),
        }
    }

    fn column_compare(
        &mut self,
        column: Column,
        compare: &ResolvedCompare,
    ) -> Result<(), ScimError> {
        let op = compare.op();
        match (column, compare.value()) {
            // No COALESCE around indexed columns, so that the index serves `userName eq`,
            // `externalId eq` and `id eq`: a NOT NULL column needs no guard, and a nullable one
            // gets `AND col IS NOT NULL`, which is false (not NULL) when the column is.
            (Column::Text(name), ComparisonValue::String(expected)) => {
                self.sql.push("(");
                self.string_condition(
                    &|t| {
                        t.sql.push(name);
                    },
                    op,
                    expected,
                );
                self.sql.push(")");
            }
            (Column::OptionalText(name), ComparisonValue::String(expected)) => {
                self.sql.push("(");
                self.string_condition(
                    &|t| {
                        t.sql.push(name);
                    },
                    op,
                    expected,
                );
                self.sql.push(" AND ").push(name).push(" IS NOT NULL)");
            }
            (Column::Micros(name), ComparisonValue::DateTime(at)) => {
                self.micros_condition(name, op, at)?;
            }
            (Column::Version, ComparisonValue::String(expected)) => {
                let dialect = self.dialect();
                self.sql.push("COALESCE(");
                self.string_condition(
                    &|t| {
                        t.sql.push(match dialect {
                            Dialect::Sqlite => "'W/\"' || r.version || '\"'",
                            Dialect::Postgres => "'W/\"' || r.version::text || '\"'",
                        });
                    },
                    op,
                    expected,
                );
                self.sql.push(", FALSE)");
            }
            (Column::Location, _) => return Err(location_error()),
            (_, value) => {
                return Err(unsupported(format!(
                    "{} cannot be compared with {value}",
                    compare.path()
                )));
            }
        }
        Ok(())
    }

    /// Compares a microsecond column with an instant that may carry nanoseconds, exactly.
    fn micros_condition(
        &mut self,
        column: &str,
        op: ResolvedOp,
        at: &DateTime<Utc>,
    ) -> Result<(), ScimError> {
        let nanos =
            i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos());
        let floor = nanos.div_euclid(1000);
        let exact = nanos.rem_euclid(1000) == 0;
        let ceil = if exact { floor } else { floor + 1 };
        let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
        match op {
            ResolvedOp::Eq if !exact => {
                self.sql.push("FALSE");
                return Ok(());
            }
            ResolvedOp::Eq => self.sql.push(column).push(" = ").int_value(clamp(floor)),
            // m > x  <=>  m > floor(x);   m >= x  <=>  m >= ceil(x)
            ResolvedOp::Gt => self.sql.push(column).push(" > ").int_value(clamp(floor)),
            ResolvedOp::Ge => self.sql.push(column).push(" >= ").int_value(clamp(ceil)),
            // m < x  <=>  m < ceil(x);    m <= x  <=>  m <= floor(x)
            ResolvedOp::Lt => self.sql.push(column).push(" < ").int_value(clamp(ceil)),
            ResolvedOp::Le => self.sql.push(column).push(" <= ").int_value(clamp(floor)),
            ResolvedOp::Co | ResolvedOp::Sw | ResolvedOp::Ew => {
                return Err(unsupported(format!(
                    "{op} does not apply to dateTime values"
                )));
            }
        };
        Ok(())
    }

    fn membership_compare(
        &mut self,
        compare: &ResolvedCompare,
        scope: &Scope,
    ) -> Result<(), ScimError> {
        let Scope::Membership { alias, kind } = scope else {
            return Err(unsupported("internal: membership scope expected"));
        };
        let ComparisonValue::String(expected) = compare.value() else {
            return Err(unsupported(format!("{} holds strings", compare.path())));
        };
        let case_exact = compare.path().is_case_exact();
        let field = membership_field(*kind, compare.path())?;
        let alias = alias.clone();
        let kind = *kind;
        self.sql.push("COALESCE(");
        self.string_condition(
            &|t| match &field {
                // Ids and type names are ASCII, for which lower() is exactly fold_case.
                MembershipField::Column(column) if case_exact => {
                    t.sql.push(&alias).push(".").push(column);
                }
                MembershipField::Column(column) => {
                    t.sql
                        .push("lower(")
                        .push(&alias)
                        .push(".")
                        .push(column)
                        .push(")");
                }
                MembershipField::Literal(literal) => {
                    t.sql.push("'").push(literal).push("'");
                }
                MembershipField::Display => t.membership_display(&alias, kind),
            },
            compare.op(),
            expected,
        );
        self.sql.push(", FALSE)");
        Ok(())
    }

    /// The folded display name of the far side of a membership: for a member, the one it was
    /// added with, else its document's (from `data_ci`), as `members_of` shows it.
    fn membership_display(&mut self, alias: &str, kind: MembershipKind) {
        let other = format!("{alias}r");
        let field = |sql: &mut Sql, key: &str| match sql.dialect() {
            Dialect::Sqlite => {
                sql.push("json_extract(").push(&other).push(".data_ci, ");
                sql.text_value(format!("$.\"{key}\"")).push(")");
            }
            Dialect::Postgres => {
                sql.push("(")
                    .push(&other)
                    .push(".data_ci ->> ")
                    .text_value(key)
                    .push(")");
            }
        };
        match kind {
            MembershipKind::Members => {
                self.sql.push("COALESCE(").push(alias).push(".display_ci, ");
                field(self.sql, "displayName");
                self.sql.push(", ");
                field(self.sql, "userName");
                self.sql.push(")");
            }
            MembershipKind::Groups => field(self.sql, "displayName"),
        }
    }
}

/// The column holding a top-level, core attribute, if the store keeps it in one.
fn column_of(target: Target, path: &ResolvedPath) -> Option<Column> {
    if path.extension().is_some() {
        return None;
    }
    let attribute = path.attribute();
    match (attribute, path.sub_attribute()) {
        ("id", None) => Some(Column::Text("r.id")),
        ("externalId", None) => Some(Column::OptionalText("r.external_id")),
        ("userName", None) if target == Target::User && !path.is_case_exact() => {
            Some(Column::OptionalText("r.name_ci"))
        }
        ("displayName", None) if target == Target::Group && !path.is_case_exact() => {
            Some(Column::OptionalText("r.name_ci"))
        }
        ("meta", Some("created")) => Some(Column::Micros("r.created_at")),
        ("meta", Some("lastModified")) => Some(Column::Micros("r.updated_at")),
        ("meta", Some("resourceType")) => Some(Column::Text("r.resource_type")),
        ("meta", Some("version")) => Some(Column::Version),
        ("meta", Some("location")) => Some(Column::Location),
        ("meta", None) => Some(Column::Meta),
        _ => None,
    }
}

/// Whether `path` names the memberships of `target` rows (kept in their own table).
fn membership_kind(target: Target, path: &ResolvedPath) -> Option<MembershipKind> {
    if path.extension().is_some() {
        return None;
    }
    match (target, path.attribute()) {
        (Target::Group, "members") => Some(MembershipKind::Members),
        (Target::User, "groups") => Some(MembershipKind::Groups),
        _ => None,
    }
}

/// Whether the row's `data_ci` holds `path`'s values, rather than a column or the membership
/// table.
pub(super) fn in_document(target: Target, path: &ResolvedPath) -> bool {
    column_of(target, path).is_none() && membership_kind(target, path).is_none()
}

/// A column that holds a core attribute.
#[derive(Debug, Clone, Copy)]
enum Column {
    /// Always set.
    Text(&'static str),
    /// May be NULL.
    OptionalText(&'static str),
    /// An instant in microseconds.
    Micros(&'static str),
    /// `meta.version`, rendered from the integer version.
    Version,
    /// `meta.location`: built by the server from its address, unknown to the store.
    Location,
    /// `meta` as a whole: always present, never compared (resolution refuses that).
    Meta,
}

/// The store does not know the address the server is reached at, so it cannot say what
/// `meta.location` is, not even whether it is present: refusing beats a wrong answer.
fn location_error() -> ScimError {
    unsupported(
        "meta.location cannot be filtered: it depends on the address the server is reached at",
    )
}

/// Where a membership sub-attribute is read from.
#[derive(Debug, Clone)]
enum MembershipField {
    Column(&'static str),
    Literal(&'static str),
    Display,
}

fn membership_field(
    kind: MembershipKind,
    path: &ResolvedPath,
) -> Result<MembershipField, ScimError> {
    match (kind, path.sub_attribute()) {
        (MembershipKind::Members, Some("value")) => Ok(MembershipField::Column("member_id")),
        (MembershipKind::Members, Some("type")) => Ok(MembershipField::Column("member_type")),
        (MembershipKind::Groups, Some("value")) => Ok(MembershipField::Column("group_id")),
        (MembershipKind::Groups, Some("type")) => Ok(MembershipField::Literal("direct")),
        (_, Some("display")) => Ok(MembershipField::Display),
        (_, Some(other)) => Err(unsupported(format!(
            "{}.{other} cannot be filtered: it depends on the address the server is reached at",
            path.attribute()
        ))),
        (_, None) => Err(unsupported(format!(
            "{} needs a sub-attribute here",
            path.attribute()
        ))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonKind {
    String,
    Boolean,
    Integer,
    Number,
}

fn ordering_operator(op: ResolvedOp) -> Result<&'static str, ScimError> {
    Ok(match op {
        ResolvedOp::Eq => " = ",
        ResolvedOp::Gt => " > ",
        ResolvedOp::Ge => " >= ",
        ResolvedOp::Lt => " < ",
        ResolvedOp::Le => " <= ",
        ResolvedOp::Co | ResolvedOp::Sw | ResolvedOp::Ew => {
            return Err(unsupported(format!("{op} applies to strings only")));
        }
    })
}

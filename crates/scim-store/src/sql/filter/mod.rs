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

use super::{Bind, Dialect, Sql, sqlite_path};
pub(super) use columns::{in_document, is_key};
use json::JsonKind;
pub(crate) use scim_core::schema::ResourceKind;

mod columns;
mod json;

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

/// Whether `filter` is a single comparison or presence test: the SQL text of such a filter
/// comes from a set bounded by the schema, so statements with it may be cached (see
/// [`Sql::cache_if`]).
pub(crate) fn is_simple(filter: &ResolvedFilter) -> bool {
    matches!(
        filter,
        ResolvedFilter::Compare(_) | ResolvedFilter::Present(_)
    )
}

/// The rows a filter is translated for: one tenant's resources of one type (the statement
/// restricts `r` to them; an index lookup in front of the filter needs them too).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub(crate) tenant: &'a str,
    pub(crate) resource_type: &'a str,
    /// What is special about the type (`ResourceKind::of(resource_type)`).
    pub(crate) target: ResourceKind,
}

/// Appends the SQL condition equivalent to `filter` for `rows`, aliased `r`.
///
/// In front of the exact condition go the facts every match must have (see
/// [`super::implied`]), which an index (PostgreSQL's on `data_ci`, SQLite's on
/// `resource_values`) or a plain text search (SQLite) checks without walking the row's JSON.
pub(crate) fn push_filter(
    sql: &mut Sql,
    rows: Rows<'_>,
    filter: &ResolvedFilter,
) -> Result<(), ScimError> {
    let target = rows.target;
    let implied = super::implied::implied(filter, target);
    let mut prefix = false;
    match (sql.dialect(), &implied.contained) {
        (Dialect::Postgres, Some(document)) => {
            sql.push("(r.data_ci @> ")
                .bind(Bind::Json(document.to_string()))
                .push(" AND ");
            prefix = true;
        }
        (Dialect::Sqlite, _) if implied.indexed.is_some() || !implied.needles.is_empty() => {
            sql.push("(");
            if let Some(indexed) = implied.indexed {
                sql.push("r.seq IN (SELECT v.seq FROM resource_values v WHERE v.tenant_id = ")
                    .text_value(rows.tenant)
                    .push(" AND v.resource_type = ")
                    .text_value(rows.resource_type);
                sql.push(" AND v.attribute = ")
                    .text_value(indexed.attribute)
                    .push(" AND v.value = ")
                    .text_value(indexed.value)
                    .push(") AND ");
            }
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
        target: ResourceKind::Group,
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
    target: ResourceKind,
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

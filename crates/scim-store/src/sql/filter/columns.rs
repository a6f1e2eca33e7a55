//! Attributes the store keeps outside the document: columns (`id`, `externalId`, the name,
//! `meta`) and the membership table (Group `members`, User `groups`).

use chrono::{DateTime, Utc};
use scim_core::ScimError;
use scim_core::filter::{ComparisonValue, ResolvedCompare, ResolvedOp, ResolvedPath};

use super::{Dialect, MembershipKind, ResourceKind, Scope, Sql, Translator, unsupported};

impl Translator<'_> {
    fn column_of(&self, path: &ResolvedPath) -> Option<Column> {
        column_of(self.target, path)
    }

    pub(super) fn membership_kind(&self, path: &ResolvedPath) -> Option<MembershipKind> {
        membership_kind(self.target, path)
    }

    /// `EXISTS (membership rows of this row WHERE <body>)`.
    pub(super) fn membership_exists(
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
    pub(super) fn special_present(
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

    pub(super) fn membership_present(
        &mut self,
        path: &ResolvedPath,
        scope: &Scope,
    ) -> Result<(), ScimError> {
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
    pub(super) fn special_compare(
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

    pub(super) fn column_compare(
        &mut self,
        column: Column,
        compare: &ResolvedCompare,
    ) -> Result<(), ScimError> {
        let op = compare.op();
        match (column, compare.value()) {
            // No COALESCE around indexed columns, so that the index serves `userName eq`,
            // `externalId eq` and `id eq`: a NOT NULL column needs no guard, and a nullable one
            // gets `AND col IS NOT NULL`, which is false (not NULL) when the column is.
            (
                Column::Text(name) | Column::OptionalText(name),
                ComparisonValue::String(expected),
            ) => {
                self.sql.push("(");
                self.string_condition(
                    &|t| {
                        t.sql.push(name);
                    },
                    op,
                    expected,
                );
                if matches!(column, Column::OptionalText(_)) {
                    self.sql.push(" AND ").push(name).push(" IS NOT NULL");
                }
                self.sql.push(")");
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
    pub(super) fn micros_condition(
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

    pub(super) fn membership_compare(
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
    pub(super) fn membership_display(&mut self, alias: &str, kind: MembershipKind) {
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
fn column_of(target: ResourceKind, path: &ResolvedPath) -> Option<Column> {
    if path.extension().is_some() {
        return None;
    }
    let attribute = path.attribute();
    match (attribute, path.sub_attribute()) {
        ("id", None) => Some(Column::Text("r.id")),
        ("externalId", None) => Some(Column::OptionalText("r.external_id")),
        ("userName", None) if target == ResourceKind::User && !path.is_case_exact() => {
            Some(Column::OptionalText("r.name_ci"))
        }
        ("displayName", None) if target == ResourceKind::Group && !path.is_case_exact() => {
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
fn membership_kind(target: ResourceKind, path: &ResolvedPath) -> Option<MembershipKind> {
    if path.extension().is_some() {
        return None;
    }
    match (target, path.attribute()) {
        (ResourceKind::Group, "members") => Some(MembershipKind::Members),
        (ResourceKind::User, "groups") => Some(MembershipKind::Groups),
        _ => None,
    }
}

/// Whether `path` is kept in a column with an index of its own: `id`, `externalId`, or the
/// case-folded name (a User's `userName`, a Group's `displayName`). An `eq` on it finds its
/// rows through that index.
pub(in crate::sql) fn is_key(target: ResourceKind, path: &ResolvedPath) -> bool {
    matches!(
        column_of(target, path),
        Some(Column::Text("r.id") | Column::OptionalText("r.external_id" | "r.name_ci"))
    )
}

/// Whether the row's `data_ci` holds `path`'s values, rather than a column or the membership
/// table.
pub(in crate::sql) fn in_document(target: ResourceKind, path: &ResolvedPath) -> bool {
    column_of(target, path).is_none() && membership_kind(target, path).is_none()
}

/// A column that holds a core attribute.
#[derive(Debug, Clone, Copy)]
pub(super) enum Column {
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

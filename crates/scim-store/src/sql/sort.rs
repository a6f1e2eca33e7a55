//! The sort key of a `sortBy` attribute, as one SQL expression.
//!
//! RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first one;
//! case-insensitive strings sort by their folded form (read from `data_ci`), in code point order.
//! A multi-valued sub-attribute sorts by its first value. Group `members` and User `groups` have
//! no primary: their first element is the one a read lists first, the lowest id.

use scim_core::filter::ResolvedPath;
use scim_core::schema::AttributeType;

use super::{Dialect, ResourceKind, Sql, sqlite_path};

/// Appends the sort key of `path` for the row `r`; NULL when the row has no value.
pub(crate) fn push_sort_key(sql: &mut Sql, target: ResourceKind, path: &ResolvedPath) {
    if let Some(column) = column(target, path) {
        sql.push(column);
        if sql.dialect() == Dialect::Postgres && column_is_text(column) {
            sql.push(" COLLATE \"C\"");
        }
        return;
    }
    if path.extension().is_none() {
        match (target, path.attribute()) {
            (ResourceKind::Group, "members") => {
                return membership_key(sql, Membership::Members, path.sub_attribute());
            }
            (ResourceKind::User, "groups") => {
                return membership_key(sql, Membership::Groups, path.sub_attribute());
            }
            _ => {}
        }
    }
    let mut top = Vec::with_capacity(2);
    if let Some(extension) = path.extension() {
        top.push(extension.to_owned());
    }
    top.push(path.attribute().to_owned());
    match sql.dialect() {
        Dialect::Sqlite => sqlite_key(sql, path, &top),
        Dialect::Postgres => postgres_key(sql, path, &top),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    Members,
    Groups,
}

/// The sort key of `members.<sub>` or `groups.<sub>`: that sub-attribute of the first element,
/// folded as filters fold it (ids and type names are ASCII, for which `lower()` is the fold).
fn membership_key(sql: &mut Sql, kind: Membership, sub: Option<&str>) {
    let (far, own) = match kind {
        Membership::Members => ("m.member_id", "m.group_id"),
        Membership::Groups => ("m.group_id", "m.member_id"),
    };
    let postgres = sql.dialect() == Dialect::Postgres;
    sql.push("(SELECT ");
    match (kind, sub) {
        (Membership::Members, Some("display")) => {
            sql.push("COALESCE(");
            member_field(sql, "displayName");
            sql.push(", ");
            member_field(sql, "userName");
            sql.push(")");
        }
        (Membership::Groups, Some("display")) => member_field(sql, "displayName"),
        (Membership::Members, Some("type")) => {
            sql.push("lower(m.member_type)");
        }
        (Membership::Groups, Some("type")) => {
            sql.push("'direct'");
        }
        // Like `meta.location`, a reference sorts as the id it ends in.
        (_, Some("$ref")) => {
            sql.push(far);
        }
        _ => {
            sql.push("lower(").push(far).push(")");
        }
    }
    sql.push(
        " FROM memberships m LEFT JOIN resources mr ON mr.tenant_id = m.tenant_id AND mr.id = ",
    )
    .push(far);
    sql.push(" WHERE m.tenant_id = r.tenant_id AND ")
        .push(own)
        .push(" = r.id ORDER BY ")
        .push(far);
    if postgres {
        sql.push(" COLLATE \"C\"");
    }
    sql.push(" LIMIT 1)");
    if postgres {
        sql.push(" COLLATE \"C\"");
    }
}

/// A text member of the far resource's `data_ci` (`mr`).
fn member_field(sql: &mut Sql, key: &str) {
    match sql.dialect() {
        Dialect::Sqlite => {
            sql.push("json_extract(mr.data_ci, ")
                .text_value(sqlite_path(&[key.to_owned()]))
                .push(")");
        }
        Dialect::Postgres => {
            sql.push("(mr.data_ci ->> ").text_value(key).push(")");
        }
    }
}

fn column(target: ResourceKind, path: &ResolvedPath) -> Option<&'static str> {
    if path.extension().is_some() {
        return None;
    }
    match (path.attribute(), path.sub_attribute()) {
        ("id", None) => Some("r.id"),
        ("externalId", None) => Some("r.external_id"),
        ("userName", None) if target == ResourceKind::User && !path.is_case_exact() => {
            Some("r.name_ci")
        }
        ("displayName", None) if target == ResourceKind::Group && !path.is_case_exact() => {
            Some("r.name_ci")
        }
        ("meta", Some("created")) => Some("r.created_at"),
        ("meta", Some("lastModified")) => Some("r.updated_at"),
        ("meta", Some("resourceType")) => Some("r.resource_type"),
        ("meta", Some("version")) => Some("r.version"),
        // The location is the base URL, the endpoint and the id: it orders as the id does.
        ("meta", Some("location")) => Some("r.id"),
        _ => None,
    }
}

fn column_is_text(column: &str) -> bool {
    !matches!(column, "r.created_at" | "r.updated_at" | "r.version")
}

fn sqlite_key(sql: &mut Sql, path: &ResolvedPath, top: &[String]) {
    let top_path = sqlite_path(top);
    // A multi-valued sub-attribute sorts by its first value.
    let first = if path.is_sub_attribute_multi_valued() {
        "[0]"
    } else {
        ""
    };
    match (path.is_multi_valued(), path.sub_attribute()) {
        (false, sub) => {
            let mut keys = top.to_vec();
            keys.extend(sub.map(str::to_owned));
            sql.push("json_extract(r.data_ci, ")
                .text_value(format!("{}{first}", sqlite_path(&keys)))
                .push(")");
        }
        (true, None) => {
            sql.push("json_extract(r.data_ci, ")
                .text_value(format!("{top_path}[0]"))
                .push(")");
        }
        (true, Some(sub)) => {
            let sub_path = format!("{}{first}", sqlite_path(&[sub.to_owned()]));
            sql.push("COALESCE((SELECT CASE WHEN s.type = 'object' THEN json_extract(s.value, ");
            sql.text_value(sub_path.as_str());
            sql.push(") END FROM json_each(CASE WHEN json_type(r.data_ci, ")
                .text_value(top_path.as_str());
            sql.push(") = 'array' THEN json_extract(r.data_ci, ")
                .text_value(top_path.as_str());
            sql.push(") ELSE '[]' END) s WHERE s.type = 'object' AND json_type(s.value, '$.\"primary\"') = 'true'");
            sql.push(" ORDER BY s.key LIMIT 1), json_extract(r.data_ci, ");
            sql.text_value(format!("{top_path}[0]{}", &sub_path[1..]))
                .push("))");
        }
    }
}

fn postgres_key(sql: &mut Sql, path: &ResolvedPath, top: &[String]) {
    // The whole expression is parenthesised before the cast or collation, which would
    // otherwise bind to its last operand.
    let close = match path.kind() {
        AttributeType::Integer | AttributeType::Decimal => ")::numeric",
        AttributeType::Boolean => ")::boolean",
        _ => ") COLLATE \"C\"",
    };
    let top_json = |sql: &mut Sql| {
        sql.push("jsonb_extract_path(r.data_ci");
        for key in top {
            sql.push(", ").text_value(key.as_str());
        }
        sql.push(")");
    };
    // `-> sub ->> 0` for a multi-valued sub-attribute (its first value), else `->> sub`.
    let sub_text = |sql: &mut Sql, sub: &str| {
        if path.is_sub_attribute_multi_valued() {
            sql.push(" -> ").text_value(sub).push(" ->> 0");
        } else {
            sql.push(" ->> ").text_value(sub);
        }
    };
    sql.push("(");
    match (path.is_multi_valued(), path.sub_attribute()) {
        (false, None) => {
            top_json(sql);
            sql.push(" #>> '{}'");
        }
        (false, Some(sub)) => {
            top_json(sql);
            sub_text(sql, sub);
        }
        (true, None) => {
            top_json(sql);
            sql.push(" ->> 0");
        }
        (true, Some(sub)) => {
            sql.push("COALESCE((SELECT s.v");
            sub_text(sql, sub);
            sql.push(" FROM jsonb_array_elements(CASE WHEN jsonb_typeof(");
            top_json(sql);
            sql.push(") = 'array' THEN ");
            top_json(sql);
            sql.push(" ELSE '[]'::jsonb END) WITH ORDINALITY s(v, i) WHERE s.v -> 'primary' = 'true'::jsonb ORDER BY s.i LIMIT 1), ");
            top_json(sql);
            sql.push(" -> 0");
            sub_text(sql, sub);
            sql.push(")");
        }
    }
    sql.push(close);
}

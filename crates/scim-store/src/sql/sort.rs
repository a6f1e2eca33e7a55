//! The sort key of a `sortBy` attribute, as one SQL expression.
//!
//! RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first one;
//! case-insensitive strings sort by their folded form (read from `data_ci`), in code point order.

use scim_core::filter::ResolvedPath;
use scim_core::schema::AttributeType;

use super::{Dialect, Sql, Target};

/// Appends the sort key of `path` for the row `r`; NULL when the row has no value.
pub(crate) fn push_sort_key(sql: &mut Sql, target: Target, path: &ResolvedPath) {
    if let Some(column) = column(target, path) {
        sql.push(column);
        if sql.dialect() == Dialect::Postgres && column_is_text(column) {
            sql.push(" COLLATE \"C\"");
        }
        return;
    }
    if path.extension().is_none() {
        let membership = match (target, path.attribute()) {
            (Target::Group, "members") => Some(("member_id", "group_id")),
            (Target::User, "groups") => Some(("group_id", "member_id")),
            _ => None,
        };
        if let Some((far, own)) = membership {
            // Memberships have no order and no primary: the smallest id stands for the set.
            sql.push("(SELECT MIN(m.")
                .push(far)
                .push(") FROM memberships m WHERE m.tenant_id = r.tenant_id AND m.");
            sql.push(own).push(" = r.id)");
            if sql.dialect() == Dialect::Postgres {
                sql.push(" COLLATE \"C\"");
            }
            return;
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

fn column(target: Target, path: &ResolvedPath) -> Option<&'static str> {
    if path.extension().is_some() {
        return None;
    }
    match (path.attribute(), path.sub_attribute()) {
        ("id", None) => Some("r.id"),
        ("externalId", None) => Some("r.external_id"),
        ("userName", None) if target == Target::User && !path.is_case_exact() => Some("r.name_ci"),
        ("displayName", None) if target == Target::Group && !path.is_case_exact() => {
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

fn sqlite_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        path.push_str(".\"");
        path.push_str(key);
        path.push('"');
    }
    path
}

fn sqlite_key(sql: &mut Sql, path: &ResolvedPath, top: &[String]) {
    let top_path = sqlite_path(top);
    match (path.is_multi_valued(), path.sub_attribute()) {
        (false, sub) => {
            let mut keys = top.to_vec();
            keys.extend(sub.map(str::to_owned));
            sql.push("json_extract(r.data_ci, ")
                .text_value(sqlite_path(&keys))
                .push(")");
        }
        (true, None) => {
            sql.push("json_extract(r.data_ci, ")
                .text_value(format!("{top_path}[0]"))
                .push(")");
        }
        (true, Some(sub)) => {
            let sub_path = sqlite_path(&[sub.to_owned()]);
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
    let (open, close) = match path.kind() {
        AttributeType::Integer | AttributeType::Decimal => ("(", ")::numeric"),
        AttributeType::Boolean => ("(", ")::boolean"),
        _ => ("", " COLLATE \"C\""),
    };
    let top_json = |sql: &mut Sql| {
        sql.push("jsonb_extract_path(r.data_ci");
        for key in top {
            sql.push(", ").text_value(key.as_str());
        }
        sql.push(")");
    };
    sql.push(open);
    match (path.is_multi_valued(), path.sub_attribute()) {
        (false, None) => {
            top_json(sql);
            sql.push(" #>> '{}'");
        }
        (false, Some(sub)) => {
            top_json(sql);
            sql.push(" ->> ").text_value(sub);
        }
        (true, None) => {
            top_json(sql);
            sql.push(" ->> 0");
        }
        (true, Some(sub)) => {
            sql.push("COALESCE((SELECT s.v ->> ").text_value(sub);
            sql.push(" FROM jsonb_array_elements(CASE WHEN jsonb_typeof(");
            top_json(sql);
            sql.push(") = 'array' THEN ");
            top_json(sql);
            sql.push(" ELSE '[]'::jsonb END) WITH ORDINALITY s(v, i) WHERE s.v -> 'primary' = 'true'::jsonb ORDER BY s.i LIMIT 1), ");
            top_json(sql);
            sql.push(" -> 0 ->> ").text_value(sub).push(")");
        }
    }
    sql.push(close);
}

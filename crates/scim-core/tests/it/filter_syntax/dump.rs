//! A stable, indented dump of syntax trees (with spans) for the expectation files.

use std::fmt::Write as _;

use scim_core::filter::{AttrPath, CompValue, Filter, ParseError, PatchPath};

pub(crate) fn filter(tree: &Filter<'_>) -> String {
    let mut out = String::new();
    write_filter(&mut out, tree, 0);
    out
}

pub(crate) fn path(tree: &PatchPath<'_>) -> String {
    let mut out = String::new();
    match tree {
        PatchPath::Attr(attr) => {
            out.push_str("Attr\n");
            write_attr(&mut out, "path", attr, 1);
        }
        PatchPath::Filtered {
            attr,
            filter,
            sub_attr,
            span,
        } => {
            writeln!(out, "Filtered {span:?}").unwrap();
            write_attr(&mut out, "attr", attr, 1);
            out.push_str("  filter\n");
            write_filter(&mut out, filter, 2);
            if let Some(sub) = sub_attr {
                writeln!(out, "  sub_attr {sub:?}").unwrap();
            }
        }
    }
    out
}

pub(crate) fn error(err: &ParseError) -> String {
    format!("kind: {:?}\nspan: {:?}\n", err.kind(), err.span())
}

fn write_filter(out: &mut String, tree: &Filter<'_>, depth: usize) {
    let pad = "  ".repeat(depth);
    match tree {
        Filter::Compare(c) => {
            writeln!(out, "{pad}Compare {:?}", c.span).unwrap();
            write_attr(out, "path", &c.path, depth + 1);
            writeln!(out, "{pad}  op {}", c.op).unwrap();
            writeln!(out, "{pad}  value {}", value(&c.value)).unwrap();
        }
        Filter::Present(p) => {
            writeln!(out, "{pad}Present {:?}", p.span).unwrap();
            write_attr(out, "path", &p.path, depth + 1);
        }
        Filter::And(j) | Filter::Or(j) => {
            let name = if matches!(tree, Filter::And(_)) {
                "And"
            } else {
                "Or"
            };
            writeln!(out, "{pad}{name} {:?}", j.span).unwrap();
            for operand in &j.operands {
                write_filter(out, operand, depth + 1);
            }
        }
        Filter::Not(n) => {
            writeln!(out, "{pad}Not {:?}", n.span).unwrap();
            write_filter(out, &n.inner, depth + 1);
        }
        Filter::ValuePath(v) => {
            writeln!(out, "{pad}ValuePath {:?}", v.span).unwrap();
            write_attr(out, "path", &v.path, depth + 1);
            write_filter(out, &v.filter, depth + 1);
        }
    }
}

fn write_attr(out: &mut String, label: &str, path: &AttrPath<'_>, depth: usize) {
    let pad = "  ".repeat(depth);
    write!(out, "{pad}{label} {:?}", path.span).unwrap();
    if let Some(uri) = &path.uri {
        write!(out, " uri={uri:?}").unwrap();
    }
    write!(out, " name={:?}", path.name).unwrap();
    if let Some(sub) = &path.sub_attr {
        write!(out, " sub={sub:?}").unwrap();
    }
    out.push('\n');
}

fn value(v: &CompValue<'_>) -> String {
    match v {
        CompValue::Null => "null".to_owned(),
        CompValue::Bool(b) => format!("bool {b}"),
        CompValue::Number(n) if n.is_f64() => format!("decimal {n}"),
        CompValue::Number(n) => format!("integer {n}"),
        CompValue::String(s) => format!("string {s:?}"),
    }
}

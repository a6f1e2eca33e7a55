//! The canonical printer: `Display` for filters, paths and values.
//!
//! It writes lower-case operators and keywords, single spaces, JSON-escaped strings, and
//! parentheses exactly where the tree needs them: around an `and` or `or` chain that is an operand
//! of an `and` chain, and around an `or` chain that is an operand of an `or` chain. `not` always
//! prints as `not (...)`. For every tree the parser produces, parsing the printed text gives the
//! same tree back.
//!
//! Filters print with an explicit stack instead of recursion, so even a hand-built tree of any
//! depth prints without exhausting the thread's stack. A hand-built tree the parser could not
//! have produced (a chain of fewer than two operands, a name that is not an `ATTRNAME`, a value
//! path inside a value path, a tree deeper than the parse limits) prints text that does not parse
//! back into the same tree.

use std::fmt::{self, Write as _};

use super::ast::{AttrPath, CompValue, Filter, PatchPath};

/// What is left to print: a node, or a piece of punctuation after a node's children.
enum Step<'t, 'a> {
    Node(&'t Filter<'a>),
    Text(&'static str),
}

impl fmt::Display for Filter<'_> {
    /// Prints the filter in canonical form.
    ///
    /// ```
    /// use scim_core::filter::parse_filter;
    ///
    /// let filter = parse_filter(r#"(a PR  and b Eq 1) AND NOT(c pr OR (d pr or e pr))"#)?;
    /// assert_eq!(filter.to_string(), "(a pr and b eq 1) and not (c pr or (d pr or e pr))");
    /// # Ok::<(), scim_core::filter::ParseError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut stack = vec![Step::Node(self)];
        while let Some(step) = stack.pop() {
            let node = match step {
                Step::Text(text) => {
                    f.write_str(text)?;
                    continue;
                }
                Step::Node(node) => node,
            };
            match node {
                Filter::Compare(c) => write!(f, "{} {} {}", c.path, c.op, c.value)?,
                Filter::Present(p) => write!(f, "{} pr", p.path)?,
                Filter::Not(n) => {
                    f.write_str("not (")?;
                    stack.push(Step::Text(")"));
                    stack.push(Step::Node(&n.inner));
                }
                Filter::ValuePath(v) => {
                    write!(f, "{}[", v.path)?;
                    stack.push(Step::Text("]"));
                    stack.push(Step::Node(&v.filter));
                }
                Filter::And(chain) | Filter::Or(chain) => {
                    let is_and = matches!(node, Filter::And(_));
                    let separator = if is_and { " and " } else { " or " };
                    // Children are pushed last-first so that they pop in order.
                    for (k, operand) in chain.operands.iter().enumerate().rev() {
                        let grouped = match operand {
                            Filter::Or(_) => true,
                            Filter::And(_) => is_and,
                            _ => false,
                        };
                        if grouped {
                            stack.push(Step::Text(")"));
                            stack.push(Step::Node(operand));
                            stack.push(Step::Text("("));
                        } else {
                            stack.push(Step::Node(operand));
                        }
                        if k > 0 {
                            stack.push(Step::Text(separator));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for AttrPath<'_> {
    /// Prints `[uri ":"] name ["." subAttr]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompValue<'_> {
    /// Prints the value as JSON: `null`, `true`, `false`, a number, or an escaped string.
    ///
    /// ```
    /// use scim_core::filter::CompValue;
    ///
    /// assert_eq!(CompValue::String("say \"hi\"\n".into()).to_string(), r#""say \"hi\"\n""#);
    /// assert_eq!(CompValue::Number(serde_json::Number::from(-7)).to_string(), "-7");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write_json_string(f, s),
        }
    }
}

impl fmt::Display for PatchPath<'_> {
    /// Prints `attrPath`, `attrPath[filter]` or `attrPath[filter].subAttr`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attr(attr) => write!(f, "{attr}"),
            Self::Filtered {
                attr,
                filter,
                sub_attr,
                ..
            } => {
                write!(f, "{attr}[{filter}]")?;
                if let Some(sub) = sub_attr {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}

/// Writes `s` as a JSON string: `"` and `\` escaped, control characters as their short escape or
/// `\u00XX`, everything else as it is.
fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut run = 0;
    for (pos, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `pos` is an ASCII byte, so both slices end on char boundaries.
        f.write_str(s.get(run..pos).unwrap_or_default())?;
        if short.is_empty() {
            write!(f, "\\u{b:04x}")?;
        } else {
            f.write_str(short)?;
        }
        run = pos + 1;
    }
    f.write_str(s.get(run..).unwrap_or_default())?;
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::super::ast::{Compare, CompareOp, Junction, Not, Present, Span};
    use super::super::parse_filter;
    use super::*;

    fn present(name: &str) -> Filter<'_> {
        Filter::Present(Present {
            path: AttrPath::name(name),
            span: Span::default(),
        })
    }

    fn junction<'a>(and: bool, operands: Vec<Filter<'a>>) -> Filter<'a> {
        let chain = Junction {
            operands,
            span: Span::default(),
        };
        if and {
            Filter::And(chain)
        } else {
            Filter::Or(chain)
        }
    }

    #[test]
    fn parentheses_only_where_the_tree_needs_them() {
        let cases = [
            ("a pr and b pr and c pr", "a pr and b pr and c pr"),
            ("(a pr and b pr) and c pr", "(a pr and b pr) and c pr"),
            ("a pr or b pr and c pr", "a pr or b pr and c pr"),
            ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
            ("(a pr and b pr) or c pr", "a pr and b pr or c pr"),
            ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
            ("((a pr))", "a pr"),
            ("not(a pr)", "not (a pr)"),
            ("x[(a pr or b pr) and c pr]", "x[(a pr or b pr) and c pr]"),
        ];
        for (input, printed) in cases {
            let tree = parse_filter(input).unwrap();
            assert_eq!(tree.to_string(), printed, "{input}");
            assert_eq!(parse_filter(printed).unwrap(), tree, "{input}");
        }
    }

    #[test]
    fn strings_are_json_escaped() {
        let value = CompValue::String("q\"b\\s/\u{1}\u{8}\u{c}\t\r\né😀".into());
        assert_eq!(value.to_string(), r#""q\"b\\s/\u0001\b\f\t\r\né😀""#);
        let filter = Filter::Compare(Compare {
            path: AttrPath::name("n"),
            op: CompareOp::Eq,
            value,
            span: Span::default(),
        });
        assert_eq!(parse_filter(&filter.to_string()).unwrap(), filter);
    }

    #[test]
    fn hand_built_deep_trees_print_without_recursion() {
        let mut tree = present("a");
        for _ in 0..200_000 {
            tree = Filter::Not(Not {
                inner: Box::new(tree),
                span: Span::default(),
            });
        }
        let printed = tree.to_string();
        assert_eq!(printed.len(), 200_000 * "not ()".len() + "a pr".len());
    }

    #[test]
    fn nested_chains_print_with_groups() {
        let tree = junction(
            true,
            vec![
                junction(false, vec![present("a"), present("b")]),
                junction(true, vec![present("c"), present("d")]),
            ],
        );
        assert_eq!(tree.to_string(), "(a pr or b pr) and (c pr and d pr)");
    }
}

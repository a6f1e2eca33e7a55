use super::*;
use crate::filter::{CompValue, CompareOp};

fn kind_and_span(input: &str) -> (ParseErrorKind, Span) {
    let err = parse_filter(input).unwrap_err();
    assert_eq!(err.grammar(), Grammar::Filter);
    (err.kind(), err.span())
}

fn path_of<'t, 'a>(filter: &'t Filter<'a>) -> &'t AttrPath<'a> {
    match filter {
        Filter::Compare(c) => &c.path,
        Filter::Present(p) => &p.path,
        other => panic!("not an attribute expression: {other:?}"),
    }
}

fn operands<'t, 'a>(filter: &'t Filter<'a>) -> (&'static str, &'t [Filter<'a>]) {
    match filter {
        Filter::And(j) => ("and", &j.operands),
        Filter::Or(j) => ("or", &j.operands),
        other => panic!("not a chain: {other:?}"),
    }
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let tree = parse_filter("a pr or b pr and c pr").unwrap();
    let (kind, ops) = operands(&tree);
    assert_eq!(kind, "or");
    assert_eq!(path_of(&ops[0]).name, "a");
    assert_eq!(operands(&ops[1]).0, "and");

    let tree = parse_filter("a pr and b pr or c pr and d pr").unwrap();
    let (kind, ops) = operands(&tree);
    assert_eq!((kind, ops.len()), ("or", 2));
    assert_eq!(operands(&ops[0]).1.len(), 2);
    assert_eq!(operands(&ops[1]).1.len(), 2);

    let tree = parse_filter("not (a pr) and b pr").unwrap();
    let (kind, ops) = operands(&tree);
    assert_eq!(kind, "and");
    assert!(matches!(ops[0], Filter::Not(_)));
}

#[test]
fn chains_keep_the_grouping_written() {
    let flat = parse_filter("a pr and b pr and c pr").unwrap();
    assert_eq!(operands(&flat).1.len(), 3);
    let grouped = parse_filter("(a pr and b pr) and c pr").unwrap();
    let (_, ops) = operands(&grouped);
    assert_eq!(ops.len(), 2);
    assert_eq!(operands(&ops[0]).1.len(), 2);
    assert_ne!(flat, grouped);
}

#[test]
fn keywords_and_operators_ignore_case_and_extra_space() {
    let a = parse_filter("  userName  EQ\t\"x\"  AnD  NOT(\ttitle Pr )  ").unwrap();
    let b = parse_filter("userName eq \"x\" and not (title pr)").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.span(), Span::new(2, 40));
}

#[test]
fn not_without_parenthesis_is_an_attribute() {
    let tree = parse_filter("not pr").unwrap();
    assert_eq!(path_of(&tree).name, "not");
    let tree = parse_filter("NOT eq 1").unwrap();
    assert_eq!(path_of(&tree).name, "NOT");
}

#[test]
fn urn_paths_split_at_the_last_colon() {
    let tree = parse_filter(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"x\"",
    )
    .unwrap();
    let path = path_of(&tree);
    assert_eq!(
        path.uri.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    );
    assert_eq!(path.name, "manager");
    assert_eq!(path.sub_attr.as_deref(), Some("value"));
    assert_eq!(path.span, Span::new(0, 72));

    let PatchPath::Attr(ext) =
        parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap()
    else {
        panic!("not a plain path");
    };
    assert_eq!(
        ext.uri.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0")
    );
    assert_eq!(ext.name, "User");
    assert_eq!(ext.sub_attr, None);
}

#[test]
fn malformed_attribute_paths() {
    for bad in [
        "9a pr", "a.b.c pr", "a. pr", "urn: pr", ":a pr", "a/b pr", "$x pr",
    ] {
        assert_eq!(
            kind_and_span(bad).0,
            ParseErrorKind::InvalidAttrPath,
            "{bad}"
        );
    }
    assert_eq!(
        parse_filter("$ref pr")
            .map(|f| path_of(&f).name.to_string())
            .unwrap(),
        "$ref"
    );
    let tree = parse_filter("members.$ref eq \"x\"").unwrap();
    assert_eq!(path_of(&tree).sub_attr.as_deref(), Some("$ref"));
}

#[test]
fn entra_value_path_with_sub_attribute() {
    let entra = parse_filter(r#"emails[type eq "work"].value eq "a@example.com""#).unwrap();
    let standard = parse_filter(r#"emails[type eq "work" and value eq "a@example.com"]"#).unwrap();
    assert_eq!(entra, standard);
    let Filter::ValuePath(vp) = &entra else {
        panic!("not a value path")
    };
    assert_eq!(vp.span, Span::new(0, 47));
    assert_eq!(vp.filter.span(), Span::new(7, 47));

    let with_and = parse_filter(r#"emails[type eq "work" and primary eq true].value pr"#).unwrap();
    let Filter::ValuePath(vp) = &with_and else {
        panic!("not a value path")
    };
    assert_eq!(operands(&vp.filter).1.len(), 3);

    let in_chain =
        parse_filter(r#"emails[type eq "work"].value eq "x" and active eq true"#).unwrap();
    assert_eq!(operands(&in_chain).1.len(), 2);
}

#[test]
fn values() {
    let value = |input: &str| match parse_filter(input).unwrap() {
        Filter::Compare(c) => c.value.into_owned(),
        other => panic!("not a comparison: {other:?}"),
    };
    assert_eq!(value("a eq TRUE"), CompValue::Bool(true));
    assert_eq!(value("a eq False"), CompValue::Bool(false));
    assert_eq!(value("a eq null"), CompValue::Null);
    assert_eq!(value("a eq -12"), CompValue::Number((-12).into()));
    assert_eq!(value("a eq \"\\u00e9\""), CompValue::String("é".into()));
    assert!(matches!(value("a ge 1.5e3"), CompValue::Number(n) if n.is_f64()));
    assert_eq!(
        kind_and_span("a eq truex"),
        (ParseErrorKind::UnquotedValue, Span::new(5, 10))
    );
    assert_eq!(
        kind_and_span("a eq 1x"),
        (ParseErrorKind::InvalidNumber, Span::new(5, 7))
    );
    assert_eq!(
        kind_and_span("a eq \"x\"y"),
        (ParseErrorKind::UnexpectedChar, Span::new(8, 9))
    );
}

#[test]
fn every_operator_parses() {
    for op in CompareOp::ALL {
        let text = format!("a {op} 1");
        let tree = parse_filter(&text).unwrap();
        assert!(matches!(tree, Filter::Compare(c) if c.op == op));
        let upper = op.as_str().to_ascii_uppercase();
        assert!(parse_filter(&format!("a {upper} 1")).is_ok());
    }
}

#[test]
fn nested_and_sub_attribute_value_paths_are_refused() {
    assert_eq!(
        kind_and_span("a[b[c pr]]"),
        (ParseErrorKind::NestedValuePath, Span::new(3, 4))
    );
    assert_eq!(
        kind_and_span("a.b[c pr]"),
        (ParseErrorKind::SubAttrValuePath, Span::new(3, 4))
    );
}

#[test]
fn unclosed_groups_span_from_the_opening() {
    assert_eq!(
        kind_and_span("(a pr"),
        (ParseErrorKind::MissingCloseParen, Span::new(0, 5))
    );
    assert_eq!(
        kind_and_span("x[a pr "),
        (ParseErrorKind::MissingCloseBracket, Span::new(1, 7))
    );
    assert_eq!(
        kind_and_span("(a pr b"),
        (ParseErrorKind::UnexpectedChar, Span::new(6, 7))
    );
}

#[test]
fn length_is_checked_before_parsing() {
    let long = "(".repeat(1 << 20);
    let err = parse_filter(&long).unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::TooLong { limit: 8192 });
    assert_eq!(err.span(), Span::new(8192, 1 << 20));
    let opts = ParseOptions::new().with_max_len(4);
    assert!(opts.parse_filter("a pr").is_ok());
    assert_eq!(
        opts.parse_path("abcde").unwrap_err().kind(),
        ParseErrorKind::TooLong { limit: 4 }
    );
}

#[test]
fn depth_is_checked_before_recursing() {
    let opts = ParseOptions::new().with_max_len(usize::MAX);
    for open in ["(", "not (", "not(("] {
        let deep = format!("{}a pr", open.repeat(100_000));
        let err = opts.parse_filter(&deep).unwrap_err();
        assert_eq!(err.kind(), ParseErrorKind::TooDeep { limit: 64 }, "{open}");
    }
    let at_limit = format!("{}a pr{}", "(".repeat(64), ")".repeat(64));
    assert!(parse_filter(&at_limit).is_ok());
    let over = format!("{}a pr{}", "(".repeat(65), ")".repeat(65));
    assert_eq!(
        kind_and_span(&over),
        (ParseErrorKind::TooDeep { limit: 64 }, Span::new(64, 65))
    );

    let opts = ParseOptions::new().with_max_depth(1);
    assert!(opts.parse_filter("x[a pr]").is_ok());
    assert_eq!(
        opts.parse_filter("(x[a pr])").unwrap_err().kind(),
        ParseErrorKind::TooDeep { limit: 1 }
    );
    assert_eq!(
        opts.parse_path("x[(a pr)]").unwrap_err().kind(),
        ParseErrorKind::TooDeep { limit: 1 }
    );
    let none = ParseOptions::new().with_max_depth(0);
    assert!(none.parse_filter("a pr and b pr").is_ok());
    assert!(none.parse_filter("(a pr)").is_err());
}

#[test]
fn long_flat_chains_are_not_deep_but_count_nodes() {
    let chain = vec!["a pr"; 500].join(" or ");
    let opts = ParseOptions::new().with_max_len(usize::MAX);
    let Filter::Or(j) = opts.parse_filter(&chain).unwrap() else {
        panic!("not an or chain");
    };
    assert_eq!(j.operands.len(), 500);

    let chain = vec!["a pr"; 1000].join(" or ");
    let err = opts.parse_filter(&chain).unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::TooManyNodes { limit: 1000 });
    let small = ParseOptions::new().with_max_nodes(3);
    assert!(small.parse_filter("a pr and b pr").is_ok());
    assert!(small.parse_filter("a pr and b pr and c pr").is_err());
}

#[test]
fn errors_become_invalid_filter_or_invalid_path() {
    let err = parse_filter("userName eq").unwrap_err();
    assert_eq!(err.kind(), ParseErrorKind::UnexpectedEnd);
    assert_eq!(err.span(), Span::new(11, 11));
    let scim = crate::ScimError::from(err);
    assert_eq!(scim.scim_type(), Some(crate::ScimType::InvalidFilter));
    assert!(scim.detail().contains("11"));

    let err = parse_path("members[value eq").unwrap_err();
    assert_eq!(err.grammar(), Grammar::Path);
    let scim = crate::ScimError::from(err);
    assert_eq!(scim.scim_type(), Some(crate::ScimType::InvalidPath));
}

#[test]
fn patch_paths() {
    let path = parse_path(r#"members[value eq "2819c223"].displayName"#).unwrap();
    let PatchPath::Filtered {
        attr,
        filter,
        sub_attr,
        span,
    } = &path
    else {
        panic!("not a filtered path");
    };
    assert_eq!(attr.name, "members");
    assert_eq!(path_of(filter).name, "value");
    assert_eq!(sub_attr.as_deref(), Some("displayName"));
    assert_eq!(*span, Span::new(0, 40));
    assert!(matches!(
        parse_path(" name.familyName "),
        Ok(PatchPath::Attr(_))
    ));
    let trailing = parse_path("members x").unwrap_err();
    assert_eq!(trailing.kind(), ParseErrorKind::TrailingInput);
    assert_eq!(trailing.span(), Span::new(8, 9));
    assert_eq!(
        parse_path("").unwrap_err().kind(),
        ParseErrorKind::UnexpectedEnd
    );
    assert_eq!(
        parse_path("members[a pr].").unwrap_err().kind(),
        ParseErrorKind::UnexpectedEnd
    );
}

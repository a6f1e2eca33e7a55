use super::{CORPUS, device_type, resolve_err, resolve_ok, resolve_user, users};
use crate::filter::tests::filter;
use crate::filter::{
    AttrPath, CompValue, Compare, CompareOp, ComparisonValue, Filter, Junction, LiteralKind,
    MAX_DEPTH, Not, ResolveErrorKind as K, ResolvedFilter, ResolvedOp, Span, resolve,
    resolve_value_path,
};
use crate::schema::{AttributeType, urn};
use crate::test_fixtures::{AUDIT, registry};
use crate::{ScimError, ScimType};

fn compare(f: &ResolvedFilter) -> &crate::filter::ResolvedCompare {
    match f {
        ResolvedFilter::Compare(c) => c,
        other => panic!("not a comparison: {other:?}"),
    }
}

#[test]
fn comparison_carries_location_type_and_typed_value() {
    let f = resolve_user(r#"Name.FamilyName eq "O'Malley""#);
    let c = compare(&f);
    let path = c.path();
    assert_eq!(path.extension(), None);
    assert_eq!(path.attribute(), "name");
    assert_eq!(path.sub_attribute(), Some("familyName"));
    assert!(!path.is_multi_valued());
    assert_eq!(path.kind(), AttributeType::String);
    assert!(!path.is_case_exact());
    assert_eq!(c.op(), ResolvedOp::Eq);
    assert_eq!(c.value(), &ComparisonValue::String("o'malley".into()));

    let f = resolve_user(&format!(
        "{}:MANAGER.value eq \"26118915\"",
        urn::ENTERPRISE_USER.to_uppercase()
    ));
    let path = compare(&f).path();
    assert_eq!(path.extension(), Some(urn::ENTERPRISE_USER));
    assert_eq!(path.attribute(), "manager");
    assert_eq!(
        path.to_string(),
        format!("{}:manager.value", urn::ENTERPRISE_USER)
    );
}

#[test]
fn core_urn_qualification_is_optional() {
    assert_eq!(
        resolve_user(&format!("{}:userName sw \"J\"", urn::USER)),
        resolve_user(r#"username sw "j""#)
    );
}

#[test]
fn complex_attribute_without_sub_attribute_means_value() {
    assert_eq!(
        resolve_user(r#"emails co "X.com""#),
        resolve_user(r#"emails.value co "x.com""#)
    );
    let f = resolve_user(r#"emails co "x""#);
    assert!(compare(&f).path().is_multi_valued());
    let members = resolve_ok(r#"members eq "abc""#, "Group");
    assert_eq!(compare(&members).path().sub_attribute(), Some("value"));
}

#[test]
fn case_exactness_comes_from_the_leaf() {
    for (text, exact) in [
        (r#"id eq "A""#, true),
        (r#"externalId eq "A""#, true),
        (r#"userName eq "A""#, false),
        (r#"meta.resourceType eq "User""#, true),
        (r#"schemas eq "urn:X""#, true),
        (r#"x509Certificates.value eq "QUJD""#, true),
    ] {
        let f = resolve_user(text);
        assert_eq!(compare(&f).path().is_case_exact(), exact, "{text}");
    }
    let f = resolve_user(r#"id eq "AbC""#);
    assert_eq!(compare(&f).value(), &ComparisonValue::String("AbC".into()));
}

#[test]
fn literals_are_converted_to_the_attribute_type() {
    let value = |text: &str| compare(&resolve_ok(text, "Device")).value().clone();
    assert_eq!(value("rank gt 3"), ComparisonValue::Integer(3));
    assert_eq!(value("weight le 3"), ComparisonValue::Decimal(3.0));
    assert_eq!(value("weight le 2.5"), ComparisonValue::Decimal(2.5));
    let value = |text: &str| compare(&resolve_user(text)).value().clone();
    assert_eq!(value("active eq true"), ComparisonValue::Boolean(true));
    assert_eq!(
        value(r#"active eq "False""#),
        ComparisonValue::Boolean(false)
    );
    assert_eq!(value(r#"active eq "TRUE""#), ComparisonValue::Boolean(true));
    let ComparisonValue::DateTime(t) = value(r#"meta.lastModified gt "2011-05-13T06:42:34+02:00""#)
    else {
        panic!()
    };
    assert_eq!(t.to_rfc3339(), "2011-05-13T04:42:34+00:00");
}

#[test]
fn ne_and_null_are_rewritten() {
    assert_eq!(
        resolve_user(r#"title ne "Boss""#),
        resolve_user(r#"not (title eq "Boss")"#)
    );
    assert_eq!(resolve_user("title ne null"), resolve_user("title pr"));
    assert_eq!(
        resolve_user("title eq null"),
        resolve_user("not (title pr)")
    );
    assert_eq!(resolve_user("name eq null"), resolve_user("not (name pr)"));
    assert_eq!(resolve_user("emails ne null"), resolve_user("emails pr"));
    let ResolvedFilter::Present(path) = resolve_user("emails pr") else {
        panic!()
    };
    assert_eq!(path.kind(), AttributeType::Complex);
    assert_eq!(path.sub_attribute(), None);
}

#[test]
fn value_path_inner_paths_are_sub_attributes() {
    let f = resolve_user(r#"emails[type eq "work" and value co "@example.com"]"#);
    let ResolvedFilter::ValuePath(vp) = &f else {
        panic!()
    };
    assert_eq!(vp.attribute().attribute(), "emails");
    assert_eq!(vp.attribute().sub_attribute(), None);
    assert_eq!(vp.attribute().kind(), AttributeType::Complex);
    let ResolvedFilter::And(and) = vp.filter() else {
        panic!()
    };
    assert_eq!(
        compare(&and.operands()[0]).path().to_string(),
        "emails.type"
    );
    // The enclosing attribute may be repeated, with or without its URN.
    assert_eq!(
        f,
        resolve_user(r#"emails[emails.type eq "work" and EMAILS.value co "@example.com"]"#)
    );
    assert_eq!(
        f,
        resolve_user(&format!(
            r#"emails[{}:emails.type eq "work" and value co "@example.com"]"#,
            urn::USER
        ))
    );
    // Single-valued complex attributes take value paths too.
    resolve_user(r#"name[givenName eq "Barbara"]"#);
    resolve_user(&format!("{}:manager[value pr]", urn::ENTERPRISE_USER));
}

#[test]
fn common_and_meta_attributes_are_filterable() {
    for text in [
        r#"id eq "x""#,
        r#"externalId eq "x""#,
        r#"schemas eq "x""#,
        r#"meta.resourceType eq "User""#,
        r#"meta.created lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.location sw "https://""#,
        r#"meta.version eq "W/\"a\"""#,
        "meta pr",
    ] {
        resolve_user(text);
        resolve_ok(text, "Group");
    }
}

#[test]
fn every_rfc_and_corpus_filter_resolves_for_users() {
    for text in CORPUS {
        resolve_user(text);
    }
}

#[test]
fn name_errors_point_at_the_path() {
    let cases: &[(&str, K, (u32, u32))] = &[
        (
            r#"nickname eq "x" and foo eq "y""#,
            K::UnknownAttribute { name: "foo".into() },
            (20, 23),
        ),
        (
            r#"employeeNumber eq "1""#,
            K::UnknownAttribute {
                name: "employeeNumber".into(),
            },
            (0, 14),
        ),
        (
            r#"urn:example:Nope:x eq "1""#,
            K::UnknownSchema {
                urn: "urn:example:Nope".into(),
            },
            (0, 18),
        ),
        (
            r#"name.nickName eq "x""#,
            K::UnknownSubAttribute {
                attribute: "name".into(),
                sub_attribute: "nickName".into(),
            },
            (0, 13),
        ),
        (
            r#"userName.first eq "x""#,
            K::NotComplex {
                attribute: "userName".into(),
            },
            (0, 14),
        ),
        (
            r#"password eq "secret""#,
            K::NotFilterable {
                attribute: "password".into(),
            },
            (0, 8),
        ),
        (
            "password pr",
            K::NotFilterable {
                attribute: "password".into(),
            },
            (0, 8),
        ),
        (
            r#"name eq "Babs""#,
            K::ComplexComparison {
                attribute: "name".into(),
            },
            (0, 4),
        ),
        (
            r#"userName[value eq "x"]"#,
            K::ValuePathNotComplex {
                attribute: "userName".into(),
            },
            (0, 22),
        ),
        (
            r#"emails[display eq "x" and nope eq "y"]"#,
            K::UnknownSubAttribute {
                attribute: "emails".into(),
                sub_attribute: "nope".into(),
            },
            (26, 30),
        ),
        (
            r#"emails[name.givenName eq "x"]"#,
            K::OutsideValuePath {
                attribute: "emails".into(),
                path: "name.givenName".into(),
            },
            (7, 21),
        ),
        (
            r#"emails[urn:x:type eq "x"]"#,
            K::OutsideValuePath {
                attribute: "emails".into(),
                path: "urn:x:type".into(),
            },
            (7, 17),
        ),
    ];
    for (text, kind, (start, end)) in cases {
        let err = resolve_err(text, "User");
        assert_eq!(
            (err.kind(), err.span()),
            (kind, Span::new(*start, *end)),
            "{text}"
        );
    }
    let err = resolve_err(&format!("{AUDIT}:auditor eq \"x\""), "User");
    assert_eq!(err.kind(), &K::UnknownSchema { urn: AUDIT.into() });
    let err = resolve_err(r#"secret eq "x""#, "Device");
    assert_eq!(
        err.kind(),
        &K::NotFilterable {
            attribute: "secret".into()
        }
    );
    let err = resolve_err(r#"pin eq "x""#, "Device");
    assert_eq!(
        err.kind(),
        &K::NotFilterable {
            attribute: "pin".into()
        }
    );
    let err = resolve_err(r#"ports[key eq "x"]"#, "Device");
    assert_eq!(
        (err.kind(), err.span()),
        (
            &K::NotFilterable {
                attribute: "ports.key".into()
            },
            Span::new(6, 9)
        )
    );
}

#[test]
fn operator_and_value_errors_point_at_the_comparison() {
    let op = |op, attribute: &str, kind| K::OperatorNotSupported {
        op,
        attribute: attribute.into(),
        kind,
    };
    let value = |attribute: &str, expected, found| K::ValueType {
        attribute: attribute.into(),
        expected,
        found,
    };
    let cases: &[(&str, K)] = &[
        (
            "active gt true",
            op(CompareOp::Gt, "active", AttributeType::Boolean),
        ),
        (
            "active ne false and active le true",
            op(CompareOp::Le, "active", AttributeType::Boolean),
        ),
        (
            r#"active co "t""#,
            op(CompareOp::Co, "active", AttributeType::Boolean),
        ),
        (
            r#"meta.created sw "2011""#,
            op(CompareOp::Sw, "meta.created", AttributeType::DateTime),
        ),
        (
            r#"x509Certificates co "MII""#,
            op(
                CompareOp::Co,
                "x509Certificates.value",
                AttributeType::Binary,
            ),
        ),
        (
            r#"x509Certificates.value gt "MII""#,
            op(
                CompareOp::Gt,
                "x509Certificates.value",
                AttributeType::Binary,
            ),
        ),
        (
            r#"active eq "yes""#,
            value("active", AttributeType::Boolean, LiteralKind::String),
        ),
        (
            "active eq 1",
            value("active", AttributeType::Boolean, LiteralKind::Integer),
        ),
        (
            "userName eq 42",
            value("userName", AttributeType::String, LiteralKind::Integer),
        ),
        (
            "userName eq true",
            value("userName", AttributeType::String, LiteralKind::Boolean),
        ),
        (
            "meta.created gt 2011",
            value(
                "meta.created",
                AttributeType::DateTime,
                LiteralKind::Integer,
            ),
        ),
        (
            r#"meta.created gt "2011-05-13""#,
            K::InvalidDateTime {
                value: "2011-05-13".into(),
            },
        ),
        (
            r#"meta.created gt "2011-05-13T04:42:34""#,
            K::InvalidDateTime {
                value: "2011-05-13T04:42:34".into(),
            },
        ),
        ("title gt null", K::NullComparison { op: CompareOp::Gt }),
        ("title co null", K::NullComparison { op: CompareOp::Co }),
    ];
    for (text, kind) in cases {
        let err = resolve_err(text, "User");
        assert_eq!(err.kind(), kind, "{text}");
        let parsed = filter(text);
        let Filter::Compare(c) = find_compare(&parsed) else {
            panic!("{text}")
        };
        assert_eq!(err.span(), c.span, "{text}");
    }
    let device = [
        (
            "rank eq 1.5",
            value("rank", AttributeType::Integer, LiteralKind::Decimal),
        ),
        (
            "rank eq 1e3",
            value("rank", AttributeType::Integer, LiteralKind::Decimal),
        ),
        (
            r#"rank eq "1""#,
            value("rank", AttributeType::Integer, LiteralKind::String),
        ),
        (
            r#"rank co 1"#,
            op(CompareOp::Co, "rank", AttributeType::Integer),
        ),
        (
            r#"weight ew 1"#,
            op(CompareOp::Ew, "weight", AttributeType::Decimal),
        ),
        (
            r#"weight eq "1.5""#,
            value("weight", AttributeType::Decimal, LiteralKind::String),
        ),
    ];
    for (text, kind) in device {
        let err = resolve_err(text, "Device");
        assert_eq!(
            (err.kind(), err.span()),
            (&kind, Span::new(0, text.len() as u32)),
            "{text}"
        );
    }
}

/// The comparison an error is about: the last one in the text (the cases put it there).
fn find_compare<'f>(f: &'f Filter<'static>) -> &'f Filter<'static> {
    match f {
        Filter::And(j) | Filter::Or(j) => j.operands.last().map_or(f, find_compare),
        _ => f,
    }
}

#[test]
fn value_paths_do_not_nest() {
    let nested = Filter::ValuePath(crate::filter::ValuePath {
        path: AttrPath::name("emails"),
        filter: Box::new(filter(r#"type eq "work" and emails[value pr]"#)),
        span: Span::new(0, 40),
    });
    let err = resolve(&nested, &registry(), &users()).unwrap_err();
    assert_eq!(
        (err.kind(), err.span()),
        (&K::NestedValuePath, Span::new(19, 35))
    );
    // The parser refuses a value filter after a sub-attribute; a tree built in code is refused
    // here.
    let on_sub_attribute = Filter::ValuePath(crate::filter::ValuePath {
        path: AttrPath::name("emails").with_sub_attr("value"),
        filter: Box::new(filter(r#"value eq "x""#)),
        span: Span::new(0, 26),
    });
    let err = resolve(&on_sub_attribute, &registry(), &users()).unwrap_err();
    assert_eq!(
        (err.kind(), err.span()),
        (
            &K::ValuePathNotComplex {
                attribute: "emails.value".into()
            },
            Span::new(0, 26)
        )
    );
}

#[test]
fn depth_is_bounded() {
    let nest = |depth: usize| {
        let mut f = filter("title pr");
        for _ in 1..depth {
            f = Filter::Not(Not {
                inner: Box::new(f),
                span: Span::new(0, 1),
            });
        }
        f
    };
    resolve(&nest(MAX_DEPTH), &registry(), &users()).unwrap();
    let err = resolve(&nest(MAX_DEPTH + 1), &registry(), &users()).unwrap_err();
    assert_eq!(err.kind(), &K::TooDeep { limit: MAX_DEPTH });
    // Deep inside a value path counts too.
    let mut inner = filter("value pr");
    for _ in 1..MAX_DEPTH {
        inner = Filter::Not(Not {
            inner: Box::new(inner),
            span: Span::new(0, 1),
        });
    }
    let err =
        resolve_value_path(&AttrPath::name("emails"), &inner, &registry(), &users()).unwrap_err();
    assert_eq!(err.kind(), &K::TooDeep { limit: MAX_DEPTH });
}

#[test]
fn the_deepest_parsable_filter_resolves() {
    // 62 levels of `not (`, then `[` and `not (`: the parser's default limit of 64 levels, and
    // two tree nodes per level.
    let mut text = String::from(r#"emails[type pr and not (value pr)]"#);
    for _ in 0..62 {
        text = format!("not (title pr and {text})");
    }
    text = format!("title pr and {text}");
    let resolved = resolve_user(&text);
    assert!(!resolved.matches(&crate::test_fixtures::babs()));
}

#[test]
fn junctions_built_in_code_are_normalised() {
    let single = Filter::And(Junction {
        operands: vec![filter("title pr")],
        span: Span::new(0, 8),
    });
    assert_eq!(
        resolve(&single, &registry(), &users()).unwrap(),
        resolve_user("title pr")
    );
    let empty = Filter::Or(Junction {
        operands: vec![],
        span: Span::new(3, 4),
    });
    let err = resolve(&empty, &registry(), &users()).unwrap_err();
    assert_eq!(
        (err.kind(), err.span()),
        (&K::EmptyJunction, Span::new(3, 4))
    );
}

#[test]
fn resolve_errors_are_invalid_filter() {
    let err: ScimError = resolve_err(r#"foo eq "x""#, "User").into();
    assert_eq!(err.status(), 400);
    assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter));
}

#[test]
fn value_path_of_a_patch_resolves_alone() {
    let inner = Filter::Compare(Compare {
        path: AttrPath::name("Type"),
        op: CompareOp::Eq,
        value: CompValue::String("Work".into()),
        span: Span::new(7, 20),
    });
    let vp = resolve_value_path(&AttrPath::name("EMAILS"), &inner, &registry(), &users()).unwrap();
    assert_eq!(vp.attribute().attribute(), "emails");
    let err =
        resolve_value_path(&AttrPath::name("userName"), &inner, &registry(), &users()).unwrap_err();
    assert_eq!(
        err.kind(),
        &K::ValuePathNotComplex {
            attribute: "userName".into()
        }
    );
    let err = resolve_value_path(&AttrPath::name("rank"), &inner, &registry(), &device_type())
        .unwrap_err();
    assert!(matches!(err.kind(), K::ValuePathNotComplex { .. }));
}

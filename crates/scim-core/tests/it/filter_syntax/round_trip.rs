//! Property tests: printed trees parse back to themselves, and no input makes the parser panic or
//! report a span outside the input.

use std::borrow::Cow;

use proptest::prelude::*;
use scim_core::filter::{
    AttrPath, CompValue, Compare, CompareOp, Filter, Junction, Not, ParseOptions, PatchPath,
    Present, Span, ValuePath, parse_filter, parse_path,
};

fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => Just("$ref".to_owned()),
        1 => prop_oneof![Just("not".to_owned()), Just("and".to_owned()), Just("or".to_owned())],
    ]
}

fn uri() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(None),
        1 => Just(Some("urn:ietf:params:scim:schemas:core:2.0:User".to_owned())),
        1 => Just(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned())),
        1 => "[a-z]{1,5}:[a-z0-9.:-]{1,12}[a-z0-9]".prop_map(Some),
    ]
}

fn attr_path(with_sub: bool) -> impl Strategy<Value = AttrPath<'static>> {
    let sub = if with_sub {
        proptest::option::of(attr_name()).boxed()
    } else {
        Just(None).boxed()
    };
    (uri(), attr_name(), sub).prop_map(|(uri, name, sub)| AttrPath {
        uri: uri.map(Cow::Owned),
        name: Cow::Owned(name),
        sub_attr: sub.map(Cow::Owned),
        span: Span::default(),
    })
}

fn comp_value() -> impl Strategy<Value = CompValue<'static>> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(|s| CompValue::String(Cow::Owned(s))),
    ]
}

fn leaf() -> impl Strategy<Value = Filter<'static>> {
    let op = proptest::sample::select(CompareOp::ALL.to_vec());
    prop_oneof![
        (attr_path(true), op, comp_value()).prop_map(|(path, op, value)| {
            Filter::Compare(Compare {
                path,
                op,
                value,
                span: Span::default(),
            })
        }),
        attr_path(true).prop_map(|path| Filter::Present(Present {
            path,
            span: Span::default()
        })),
    ]
}

/// Trees as the parser builds them; `value_paths` says whether value paths may appear (they
/// never nest).
fn filter(value_paths: bool) -> BoxedStrategy<Filter<'static>> {
    leaf()
        .prop_recursive(6, 48, 4, move |inner| {
            let chain = prop::collection::vec(inner.clone(), 2..5);
            let mut choices = vec![
                chain
                    .clone()
                    .prop_map(|operands| {
                        Filter::And(Junction {
                            operands,
                            span: Span::default(),
                        })
                    })
                    .boxed(),
                chain
                    .prop_map(|operands| {
                        Filter::Or(Junction {
                            operands,
                            span: Span::default(),
                        })
                    })
                    .boxed(),
                inner
                    .clone()
                    .prop_map(|f| {
                        Filter::Not(Not {
                            inner: Box::new(f),
                            span: Span::default(),
                        })
                    })
                    .boxed(),
            ];
            if value_paths {
                choices.push(
                    (attr_path(false), filter(false))
                        .prop_map(|(path, f)| {
                            Filter::ValuePath(ValuePath {
                                path,
                                filter: Box::new(f),
                                span: Span::default(),
                            })
                        })
                        .boxed(),
                );
            }
            proptest::strategy::Union::new(choices)
        })
        .boxed()
}

fn patch_path() -> impl Strategy<Value = PatchPath<'static>> {
    prop_oneof![
        attr_path(true).prop_map(PatchPath::Attr),
        (
            attr_path(false),
            filter(false),
            proptest::option::of(attr_name())
        )
            .prop_map(|(attr, filter, sub)| PatchPath::Filtered {
                attr,
                filter: Box::new(filter),
                sub_attr: sub.map(Cow::Owned),
                span: Span::default(),
            }),
    ]
}

/// Words and punctuation of the grammar, so that random text often gets deep into it.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(" ".to_owned()),
        Just(".".to_owned()),
        Just("not".to_owned()),
        Just("and".to_owned()),
        Just("OR".to_owned()),
        Just("pr".to_owned()),
        Just("eq".to_owned()),
        Just("urn:x:y:".to_owned()),
        Just("\"a\\u00e9\\\"".to_owned()),
        Just("\"".to_owned()),
        Just("\\ud800".to_owned()),
        Just("-1.5e3".to_owned()),
        Just("true".to_owned()),
        "[a-zA-Z]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

/// Every node's span (and its paths' spans) lies within the input, on character boundaries.
fn assert_spans_within(tree: &Filter<'_>, input: &str) {
    let within = |span: Span| {
        assert!(span.start <= span.end, "{input:?}: {span:?}");
        assert!(input.get(span.range()).is_some(), "{input:?}: {span:?}");
    };
    let mut todo = vec![tree];
    while let Some(node) = todo.pop() {
        within(node.span());
        match node {
            Filter::Compare(c) => within(c.path.span),
            Filter::Present(p) => within(p.path.span),
            Filter::And(j) | Filter::Or(j) => todo.extend(&j.operands),
            Filter::Not(n) => todo.push(&n.inner),
            Filter::ValuePath(v) => {
                within(v.path.span);
                todo.push(&v.filter);
            }
        }
    }
}

fn check_any_input(input: &str) {
    if let Ok(tree) = parse_filter(input) {
        assert_spans_within(&tree, input);
    }
    let opts = ParseOptions::new().with_max_depth(8).with_max_nodes(50);
    for (grammar, result) in [
        ("filter", opts.parse_filter(input).map(|f| f.to_string())),
        ("path", opts.parse_path(input).map(|p| p.to_string())),
    ] {
        match result {
            Ok(printed) => {
                if grammar == "filter" {
                    let again = opts.parse_filter(&printed).unwrap();
                    assert_eq!(again, opts.parse_filter(input).unwrap());
                } else {
                    let again = opts.parse_path(&printed).unwrap();
                    assert_eq!(again, opts.parse_path(input).unwrap());
                }
            }
            Err(err) => {
                let span = err.span();
                assert!(span.start <= span.end, "{grammar} {input:?}: {span:?}");
                assert!(
                    input.get(span.range()).is_some(),
                    "{grammar} {input:?}: {span:?} is not within the input"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_filters_parse_back(tree in filter(true)) {
        let printed = tree.to_string();
        let parsed = parse_filter(&printed);
        prop_assert!(parsed.is_ok(), "{printed:?}: {:?}", parsed.err());
        prop_assert_eq!(parsed.unwrap(), tree);
    }

    #[test]
    fn printed_paths_parse_back(tree in patch_path()) {
        let printed = tree.to_string();
        let parsed = parse_path(&printed);
        prop_assert!(parsed.is_ok(), "{printed:?}: {:?}", parsed.err());
        prop_assert_eq!(parsed.unwrap(), tree);
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        check_any_input(&input);
    }

    #[test]
    fn grammar_soup_never_panics(input in token_soup()) {
        check_any_input(&input);
    }
}

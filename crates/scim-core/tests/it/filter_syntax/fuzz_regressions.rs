//! Replays every input the fuzzers ever crashed on (`fuzz/regressions/<target>/`), through the
//! same checks as the fuzz targets. See `fuzz/regressions/README.md` for what each one broke.

use std::fs;
use std::path::Path;

use scim_core::filter::{parse_filter, parse_path};

fn replay(target: &str, check: impl Fn(&str)) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    // No directory simply means no regressions yet.
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let file = entry.unwrap().path();
        let hidden = file
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !file.is_file() || hidden {
            continue;
        }
        let bytes = fs::read(&file).unwrap();
        if let Ok(input) = std::str::from_utf8(&bytes) {
            check(input);
        }
    }
}

fn span_within(input: &str, span: scim_core::filter::Span) {
    assert!(input.get(span.range()).is_some(), "{input:?}: {span:?}");
}

#[test]
fn filter_parse_regressions() {
    replay("filter_parse", |input| {
        if let Err(err) = parse_filter(input) {
            span_within(input, err.span());
        }
    });
}

#[test]
fn filter_roundtrip_regressions() {
    replay("filter_roundtrip", |input| {
        if let Ok(tree) = parse_filter(input) {
            let printed = tree.to_string();
            assert_eq!(parse_filter(&printed).unwrap(), tree, "{input:?}");
        }
    });
}

#[test]
fn path_parse_regressions() {
    replay("path_parse", |input| match parse_path(input) {
        Ok(path) => assert_eq!(parse_path(&path.to_string()).unwrap(), path, "{input:?}"),
        Err(err) => span_within(input, err.span()),
    });
}

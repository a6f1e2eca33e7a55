//! Data-driven cases: `test_data/{filter,path}/{ok,err}/NNNN_name.txt` hold one input each
//! (without its final newline). Beside each, `.ast` holds the expected tree dump (ok) and `.err`
//! the expected error kind and span (err). `UPDATE_EXPECT=1 cargo test` rewrites them.

use std::fs;
use std::path::{Path, PathBuf};

use scim_core::filter::{Grammar, parse_filter, parse_path};

use super::dump;

fn case_dir(grammar: &str, outcome: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(grammar)
        .join(outcome)
}

/// Runs `check` on every case in the directory, compares its output with the expectation file
/// with extension `ext`, and fails once at the end listing every mismatch.
fn run(grammar: &str, outcome: &str, ext: &str, check: impl Fn(&str) -> String) {
    let dir = case_dir(grammar, outcome);
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no cases in {}", dir.display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for input_file in &inputs {
        let text = fs::read_to_string(input_file).unwrap();
        let input = text.strip_suffix('\n').unwrap_or(&text);
        let actual = check(input);
        let expect_file = input_file.with_extension(ext);
        let expected = fs::read_to_string(&expect_file).ok();
        if expected.as_deref() == Some(actual.as_str()) {
            continue;
        }
        if update {
            fs::write(&expect_file, &actual).unwrap();
        } else {
            failures.push(format!(
                "{}:\n--- expected\n{}\n--- actual\n{actual}",
                input_file.display(),
                expected.as_deref().unwrap_or("(no expectation file)"),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (UPDATE_EXPECT=1 rewrites the expectations):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn filter_ok() {
    run("filter", "ok", "ast", |input| {
        let tree = parse_filter(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        // Every accepted filter also survives the printer.
        let printed = tree.to_string();
        let reparsed = parse_filter(&printed).unwrap_or_else(|e| panic!("{printed:?}: {e}"));
        assert_eq!(reparsed, tree, "{input:?} printed as {printed:?}");
        assert_eq!(reparsed.to_string(), printed);
        dump::filter(&tree)
    });
}

#[test]
fn filter_err() {
    run("filter", "err", "err", |input| {
        let err = parse_filter(input).expect_err(input);
        assert_eq!(err.grammar(), Grammar::Filter);
        dump::error(&err)
    });
}

#[test]
fn path_ok() {
    run("path", "ok", "ast", |input| {
        let tree = parse_path(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let printed = tree.to_string();
        assert_eq!(
            parse_path(&printed).unwrap(),
            tree,
            "{input:?} printed as {printed:?}"
        );
        dump::path(&tree)
    });
}

#[test]
fn path_err() {
    run("path", "err", "err", |input| {
        let err = parse_path(input).expect_err(input);
        assert_eq!(err.grammar(), Grammar::Path);
        dump::error(&err)
    });
}

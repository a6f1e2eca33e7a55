//! Every filter scim-core's tests know: its data-driven test files and the filter literals of
//! its filter tests, run against every resource type they resolve for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{TYPES, Tally, check_all, world};

fn core_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scim-core")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The string literals (`"..."` and `r#"..."#`) of a Rust source file, unescaped as far as
/// filters need (`\"` and `\\`); whatever is not a filter fails to parse and is skipped.
fn string_literals(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('"') {
        let raw = rest[..start].ends_with("r#");
        let body = &rest[start + 1..];
        if raw {
            let Some(end) = body.find("\"#") else { break };
            found.push(body[..end].to_owned());
            rest = &body[end + 2..];
            continue;
        }
        let mut text = String::new();
        let mut chars = body.char_indices();
        let mut end = body.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        match escaped {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            other => text.push(other),
                        }
                    }
                }
                '"' => {
                    end = i;
                    break;
                }
                other => text.push(other),
            }
        }
        found.push(text);
        rest = body.get(end + 1..).unwrap_or("");
    }
    found
}

/// The filter texts, each once.
fn filters() -> BTreeSet<String> {
    let mut filters = BTreeSet::new();
    let data = core_dir().join("test_data/filter");
    for entry in std::fs::read_dir(data.join("ok")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = read(&path);
            filters.insert(text.strip_suffix('\n').unwrap_or(&text).to_owned());
        }
    }
    for line in read(&data.join("corpus.txt")).lines() {
        if !line.trim().is_empty() {
            filters.insert(line.to_owned());
        }
    }
    for source in [
        "src/filter/tests/evaluating.rs",
        "src/filter/tests/resolving.rs",
        "src/filter/parse/tests.rs",
        "tests/it/filter_semantics.rs",
        "tests/it/filter_syntax/corpus.rs",
        "tests/it/filter_syntax/round_trip.rs",
    ] {
        let path = core_dir().join(source);
        if path.exists() {
            filters.extend(string_literals(&read(&path)));
        }
    }
    filters
}

#[test]
fn every_filter_of_the_core_test_data_agrees() {
    let world = world();
    let filters: Vec<String> = filters().into_iter().collect();
    let mut tally = Tally::default();
    for resource_type in TYPES {
        tally.absorb(check_all(world, resource_type, &filters));
    }
    tally.assert_no_failures();
    // The RFC examples and the evaluator's own cases: well over a hundred run per resource
    // type they resolve for, whatever else the source files contain.
    assert!(
        tally.selective >= 50,
        "only {} corpus filters select some but not all resources",
        tally.selective
    );
    assert!(
        tally.agreed >= 150,
        "only {} corpus filters ran ({} skipped)",
        tally.agreed,
        tally.skipped
    );
}

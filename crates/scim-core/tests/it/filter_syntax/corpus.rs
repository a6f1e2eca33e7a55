//! The 23 realistic filters and the 9 malformed ones that the peer parsers are measured against
//! (docs/benchmarks.md): we accept all of the former and reject all of the latter.

use scim_core::filter::parse_filter;
use scim_core::{ScimError, ScimType};

const CORPUS: &str = include_str!("../../../test_data/filter/corpus.txt");
const MALFORMED: &str = include_str!("../../../test_data/filter/malformed.txt");

#[test]
fn accepts_23_of_23_corpus_filters() {
    let lines: Vec<&str> = CORPUS.lines().collect();
    assert_eq!(lines.len(), 23);
    let accepted = lines.iter().filter(|l| parse_filter(l).is_ok()).count();
    assert_eq!(accepted, 23);
}

#[test]
fn rejects_9_of_9_malformed_filters_as_invalid_filter() {
    let lines: Vec<&str> = MALFORMED.lines().collect();
    assert_eq!(lines.len(), 9);
    for line in lines {
        let err = ScimError::from(parse_filter(line).expect_err(line));
        assert_eq!(err.status(), 400, "{line}");
        assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter), "{line}");
    }
}

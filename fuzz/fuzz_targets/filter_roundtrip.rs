//! Whatever parses must print in canonical form, and that form must parse back into the same
//! tree and print identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_core::filter::parse_filter;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tree) = parse_filter(input) else {
        return;
    };
    let printed = tree.to_string();
    let reparsed = match parse_filter(&printed) {
        Ok(reparsed) => reparsed,
        Err(err) => panic!("{input:?} printed as {printed:?}, which fails: {err}"),
    };
    assert_eq!(reparsed, tree, "{input:?} printed as {printed:?}");
    assert_eq!(reparsed.to_string(), printed);
});

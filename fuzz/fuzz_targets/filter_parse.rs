//! Arbitrary bytes into the filter parser: it must never panic, and every error must point into
//! the input and convert into a protocol error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_core::ScimError;
use scim_core::filter::{ParseOptions, parse_filter};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    // The defaults, and tight limits so that the limit paths are exercised too.
    let tight = ParseOptions::new().with_max_depth(3).with_max_nodes(8);
    for result in [parse_filter(input), tight.parse_filter(input)] {
        if let Err(err) = result {
            assert!(input.get(err.span().range()).is_some(), "{err:?}");
            let _ = ScimError::from(err);
        }
    }
});

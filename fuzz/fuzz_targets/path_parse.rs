//! Arbitrary bytes into the PATCH path parser: no panic, errors inside the input, and accepted
//! paths survive the printer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_core::ScimError;
use scim_core::filter::parse_path;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_path(input) {
        Ok(path) => {
            let printed = path.to_string();
            match parse_path(&printed) {
                Ok(again) => assert_eq!(again, path, "{input:?} printed as {printed:?}"),
                Err(err) => panic!("{input:?} printed as {printed:?}, which fails: {err}"),
            }
        }
        Err(err) => {
            assert!(input.get(err.span().range()).is_some(), "{err:?}");
            let _ = ScimError::from(err);
        }
    }
});

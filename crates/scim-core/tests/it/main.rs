//! The integration tests of `scim-core`, in one binary.

mod discovery;
mod filter_semantics;
mod filter_syntax;
mod messages;
mod patch;
mod patch_props;
mod projection;
mod resources;
mod validate;

use std::path::PathBuf;

/// Reads `test_data/<path>` as JSON.
pub(crate) fn test_data(path: &str) -> serde_json::Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()))
}

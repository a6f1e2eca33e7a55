//! The integration tests of `scim-core`, in one binary.

mod filter_syntax;
mod validate;

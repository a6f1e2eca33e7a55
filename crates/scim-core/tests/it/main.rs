//! The integration tests of `scim-core`, in one binary.

mod filter_semantics;
mod filter_syntax;
mod patch;
mod projection;
mod validate;

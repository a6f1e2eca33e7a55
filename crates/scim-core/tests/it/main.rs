//! The integration tests of `scim-core`, in one binary.

mod validate;

//! The protocol messages of RFC 7644 and the entity tags of §3.14.

mod etag;

pub use etag::{ETag, ETagCondition, ETagError, ETagErrorKind, Version};

//! The protocol messages of RFC 7644, and entity tags (§3.14).
//!
//! | message | type | read from | written by |
//! | --- | --- | --- | --- |
//! | `ListResponse` (§3.4.2, RFC 9865 cursors) | [`ListResponse`] | clients | servers |
//! | `SearchRequest` (§3.4.3) and `GET` query parameters (§3.4.2) | [`SearchRequest`] | servers | clients |
//! | `PatchOp` (§3.5.2) | [`PatchRequest`] | servers | clients |
//! | `BulkRequest`, `BulkResponse` (§3.7) | [`BulkRequest`], [`BulkResponse`] | both | both |
//! | `Error` (§3.12) | [`ErrorResponse`] | clients | servers |
//! | `ETag`, `If-Match`, `If-None-Match`, `meta.version` | [`ETag`], [`Version`], [`ETagCondition`] | both | both |
//!
//! # Reading messages
//!
//! Every message has `from_slice` (JSON text) and `from_value` (parsed JSON), which fail with a
//! [`MessageError`] naming the member at fault; it converts into a [`ScimError`](crate::ScimError)
//! with `invalidSyntax` or `invalidValue`. The `Deserialize` implementations go through the same
//! code, but serde reduces the error to text, so servers should prefer `from_slice`.
//!
//! - **Member names ignore case** (RFC 7643 §2.1): `operations`, `Operations` and `OPERATIONS`
//!   are one member; giving two of them is an error.
//! - **`null` is absent.**
//! - **`schemas` is lenient**: it may be missing or name another URN (the endpoint already says
//!   what the body is, and refusing a well-formed request over its `schemas` would only break
//!   clients), but if present it must be an array of strings.
//! - **Requests are strict about members**: an unknown member of a request (`SearchRequest`,
//!   `PatchOp`, `BulkRequest`) is refused, because acting on a request while ignoring part of it
//!   does something other than what the client asked. Responses (`ListResponse`,
//!   `BulkResponse`, `Error`), read by clients from other servers, ignore unknown members.
//!
//! Written messages always carry their `schemas` URN.

mod bulk;
mod error;
mod error_response;
mod etag;
mod list;
mod members;
mod patch_op;
mod search;

pub use bulk::{BulkMethod, BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse};
pub use error::MessageError;
pub use error_response::ErrorResponse;
pub use etag::{ETag, ETagCondition, ETagError, ETagErrorKind, Version};
pub use list::ListResponse;
pub use patch_op::{PatchOperation, PatchRequest};
pub use search::{SearchRequest, SortOrder};

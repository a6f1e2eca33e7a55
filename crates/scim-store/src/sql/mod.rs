//! SQL text with bound parameters, written once for both dialects.
//!
//! Statements are assembled as text plus a list of [`Bind`] values; the text never contains a
//! value that came from a request. The dialect only decides the spelling of placeholders, casts
//! and JSON access, so the same builder code serves SQLite and PostgreSQL, and the generated SQL
//! can be snapshot-tested without a database.

mod builder;
mod filter;
mod implied;
mod sort;
#[cfg(test)]
mod tests;

pub(crate) use builder::{Bind, Dialect, Sql, sqlite_path};
pub(crate) use filter::{
    ResourceKind, Rows, date_time_key, is_simple, push_filter, push_member_filter,
};
pub(crate) use implied::pins_key;
pub(crate) use sort::push_sort_key;

//! RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths: syntax tree, parser, printer, resolution
//! against a schema, and evaluation.
//!
//! Syntax is kept apart from meaning. The parser accepts any grammatical filter and knows no
//! schema; [`resolve`] checks a parsed filter against a resource type and produces a
//! [`ResolvedFilter`], the form that the evaluator ([`ResolvedFilter::matches`], semantics in
//! [`eval`]) and `scim-store`'s SQL translation consume.
//!
//! # Parsing
//!
//! [`parse_filter`] and [`parse_path`] turn text into a [`Filter`] or a [`PatchPath`] that
//! borrows from the text; [`ParseOptions`] parses with other limits. Errors are [`ParseError`]s
//! with a [`ParseErrorKind`] and a [`Span`]; they convert into [`ScimError`](crate::ScimError)s
//! with `scimType` `invalidFilter` or `invalidPath`.
//!
//! ```
//! use scim_core::filter::{parse_filter, parse_path, Filter, PatchPath};
//!
//! let filter = parse_filter(r#"userType eq "Employee" and emails[type eq "work"]"#)?;
//! assert!(matches!(filter, Filter::And(ref chain) if chain.operands.len() == 2));
//!
//! let path = parse_path(r#"members[value eq "2819c223"].display"#)?;
//! assert!(matches!(path, PatchPath::Filtered { .. }));
//! # Ok::<(), scim_core::filter::ParseError>(())
//! ```
//!
//! What the parser accepts beyond the letter of the RFC's ABNF:
//!
//! - operators and the keywords `and`, `or`, `not`, `pr`, `true`, `false`, `null` in any case
//!   (ABNF string literals are case-insensitive);
//! - any run of spaces, tabs, carriage returns and line feeds where the ABNF has one space, and
//!   around the whole input, inside parentheses and inside brackets;
//! - `not(` as well as `not (`;
//! - `$ref` as an attribute or sub-attribute name;
//! - Microsoft Entra ID's `emails[type eq "work"].value eq "x"` (also with `pr`), read as
//!   `emails[type eq "work" and value eq "x"]` (see [`ValuePath`]).
//!
//! What it rejects although the ABNF's loose wording might allow it: a value filter inside
//! another one (`emails[x[y pr]]`) and a value filter after a sub-attribute (`name.a[b pr]`),
//! since neither can ever match.
//!
//! A URN-qualified path is split at the last `:`, so
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` has the URI
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, the name `manager` and the
//! sub-attribute `value`. A path that is only a schema URN, such as the PATCH path
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, parses as the URI
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0` with the name `User`: whether that
//! names an attribute or a whole extension is for resolution against the schema to decide.
//!
//! # Input safety
//!
//! Filters arrive from the network, so parsing is bounded in time and stack whatever the input.
//! Every limit is a field of [`ParseOptions`]:
//!
//! - **Length** ([`ParseOptions::max_len`], default 8 KiB): checked before parsing starts, so an
//!   over-long input costs nothing. Parsing is linear in the length: no input is read twice.
//! - **Nesting** ([`ParseOptions::max_depth`], default 64): each `(`, `not (` and `[` opens one
//!   level. The parser recurses only when it opens a level and checks the limit before it does,
//!   so a filter of 100,000 `(` fails at the 65th with [`ParseErrorKind::TooDeep`]. Chains of
//!   `and` and `or` are flat lists, not nested nodes, so long chains are not deep.
//! - **Size** ([`ParseOptions::max_nodes`], default 1,000): the number of filter nodes, which
//!   bounds the work of everything that walks the tree later (evaluation, SQL translation).
//!
//! Printing a tree (its `Display`) and dropping it use an explicit stack, never recursion, so
//! they are safe for any tree, even one built by hand a million levels deep. `Clone`,
//! `PartialEq`, `Debug` and [`Filter::into_owned`] recurse once per level: a parsed tree is at
//! most `max_depth` levels deep, and code that builds trees by hand and calls them must bound
//! the depth itself.

mod ast;
mod error;
pub mod eval;
mod lex;
mod parse;
mod print;
mod resolve;
mod resolved;
mod sort;

pub use ast::{
    AttrPath, CompValue, Compare, CompareOp, Filter, Junction, Not, PatchPath, Present, Span,
    ValuePath,
};
pub use error::{Grammar, ParseError, ParseErrorKind};
pub use parse::{ParseOptions, parse_filter, parse_path};
pub use resolve::{
    LiteralKind, MAX_DEPTH, ResolveError, ResolveErrorKind, resolve, resolve_value_path,
};
pub use resolved::{
    ComparisonValue, ResolvedCompare, ResolvedFilter, ResolvedJunction, ResolvedNot, ResolvedOp,
    ResolvedPath, ResolvedValuePath,
};
pub use sort::{parse_sort_by, resolve_sort_by};

#[cfg(test)]
pub(crate) mod tests;

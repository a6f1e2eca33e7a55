//! RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths: syntax tree, parser, printer, resolution
//! against a schema, and evaluation.
//!
//! Syntax is kept apart from meaning. The parser accepts any grammatical filter and knows no
//! schema; [`resolve`] checks a parsed filter against a resource type and produces a
//! [`ResolvedFilter`], the form that the evaluator ([`ResolvedFilter::matches`], semantics in
//! [`eval`]) and `scim-store`'s SQL translation consume.

mod ast;
pub mod eval;
mod resolve;
mod resolved;

pub use ast::{
    AttrPath, CompValue, Compare, CompareOp, Filter, Junction, Not, PatchPath, Present, Span,
    ValuePath,
};
pub use resolve::{
    LiteralKind, MAX_DEPTH, ResolveError, ResolveErrorKind, resolve, resolve_value_path,
};
pub use resolved::{
    ComparisonValue, ResolvedCompare, ResolvedFilter, ResolvedJunction, ResolvedNot, ResolvedOp,
    ResolvedPath, ResolvedValuePath,
};

#[cfg(test)]
mod test_parse;
#[cfg(test)]
mod tests;

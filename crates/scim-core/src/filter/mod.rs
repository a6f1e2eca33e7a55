//! RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths: syntax tree, parser, printer, resolution
//! against a schema, and evaluation.
//!
//! Syntax is kept apart from meaning. The parser accepts any grammatical filter and knows no
//! schema; [`resolve`](self) checks a parsed filter against a resource type and produces the form
//! that the evaluator (and `scim-store`'s SQL translation) consume.

mod ast;

pub use ast::{
    AttrPath, CompValue, Compare, CompareOp, Filter, Junction, Not, PatchPath, Present, Span,
    ValuePath,
};

//! The public error of the filter and path parsers.
//!
//! The parser works with a small crate-private nom error ([`PError`]); the entry points turn the
//! one error that reaches them into a [`ParseError`], which names what went wrong
//! ([`ParseErrorKind`]), where ([`Span`]), and which grammar was being parsed ([`Grammar`]).

use std::fmt;

use super::ast::Span;
use crate::{ScimError, ScimType};

/// Which grammar an error came from: it decides the `scimType` of the protocol error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grammar {
    /// A `filter` (RFC 7644 §3.4.2.2): errors become `invalidFilter`.
    Filter,
    /// A PATCH `path` (RFC 7644 §3.5.2): errors become `invalidPath`.
    Path,
}

/// What went wrong while parsing a filter or a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input ended where more was required (`userName eq`, `a pr and`, an empty filter).
    UnexpectedEnd,
    /// A character that cannot start or continue anything at this point.
    UnexpectedChar,
    /// A word where a comparison operator or `pr` was required (`userName xx "a"`).
    UnknownOperator,
    /// A string literal without its closing `"`.
    UnterminatedString,
    /// A backslash escape that JSON does not define, or a `\u` escape that is not a scalar value
    /// (a lone surrogate).
    InvalidEscape,
    /// A control character (below U+0020) written unescaped inside a string literal.
    InvalidStringChar,
    /// A malformed JSON number, or one too large for a finite `f64` (`01`, `1.`, `1e999`).
    InvalidNumber,
    /// A word that is not a valid `[URI ":"] ATTRNAME ["." subAttr]`.
    InvalidAttrPath,
    /// A bare word where a value was required: strings must be quoted (`userName eq bjensen`).
    UnquotedValue,
    /// A `(` without its `)`; the span runs from the `(` to where the `)` was expected.
    MissingCloseParen,
    /// A `[` without its `]`; the span runs from the `[` to where the `]` was expected.
    MissingCloseBracket,
    /// A value filter inside another value filter (`emails[x[y pr]]`): sub-attributes are never
    /// multi-valued, so the inner one could never match.
    NestedValuePath,
    /// A value filter after a sub-attribute (`name.givenName[...]`): only an attribute can be
    /// filtered.
    SubAttrValuePath,
    /// Text left over after a complete filter or path (`userName pr pr`).
    TrailingInput,
    /// The input is longer than [`ParseOptions::max_len`](super::ParseOptions::max_len) bytes.
    TooLong {
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// Parentheses, `not` and brackets are nested deeper than
    /// [`ParseOptions::max_depth`](super::ParseOptions::max_depth).
    TooDeep {
        /// The limit in force.
        limit: u32,
    },
    /// The filter has more nodes than [`ParseOptions::max_nodes`](super::ParseOptions::max_nodes).
    TooManyNodes {
        /// The limit in force.
        limit: u32,
    },
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedEnd => f.write_str("unexpected end of input"),
            Self::UnexpectedChar => f.write_str("unexpected character"),
            Self::UnknownOperator => f.write_str("unknown operator"),
            Self::UnterminatedString => f.write_str("unterminated string"),
            Self::InvalidEscape => f.write_str("invalid escape sequence"),
            Self::InvalidStringChar => f.write_str("unescaped control character in a string"),
            Self::InvalidNumber => f.write_str("invalid number"),
            Self::InvalidAttrPath => f.write_str("invalid attribute path"),
            Self::UnquotedValue => f.write_str("unquoted value"),
            Self::MissingCloseParen => f.write_str("missing ')'"),
            Self::MissingCloseBracket => f.write_str("missing ']'"),
            Self::NestedValuePath => f.write_str("a value filter cannot contain another one"),
            Self::SubAttrValuePath => {
                f.write_str("a value filter must follow an attribute, not a sub-attribute")
            }
            Self::TrailingInput => f.write_str("unexpected text after the end"),
            Self::TooLong { limit } => write!(f, "input longer than the limit of {limit} bytes"),
            Self::TooDeep { limit } => write!(f, "nesting deeper than the limit of {limit}"),
            Self::TooManyNodes { limit } => {
                write!(f, "more than the limit of {limit} expressions")
            }
        }
    }
}

/// A filter or PATCH path that could not be parsed.
///
/// It converts into a [`ScimError`] with `scimType` `invalidFilter` or `invalidPath` (per its
/// [`Grammar`]) and a detail naming the position and what was expected.
///
/// ```
/// use scim_core::filter::{parse_filter, Grammar, ParseErrorKind, Span};
/// use scim_core::{ScimError, ScimType};
///
/// let err = parse_filter(r#"userName xx "a""#).unwrap_err();
/// assert_eq!(err.kind(), ParseErrorKind::UnknownOperator);
/// assert_eq!(err.span(), Span::new(9, 11));
/// assert_eq!(err.grammar(), Grammar::Filter);
///
/// let scim = ScimError::from(err);
/// assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter));
/// assert_eq!(scim.status(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    kind: ParseErrorKind,
    span: Span,
    grammar: Grammar,
    /// The offending text (shortened), for the message only.
    found: Box<str>,
    expected: Option<&'static str>,
}

impl ParseError {
    /// The longest excerpt of the input quoted in a message, in characters.
    const FOUND_CHARS: usize = 32;

    pub(super) fn new(
        kind: ParseErrorKind,
        span: Span,
        grammar: Grammar,
        input: &str,
        expected: Option<&'static str>,
    ) -> Self {
        let found = input
            .get(span.range())
            .map(|s| match s.char_indices().nth(Self::FOUND_CHARS) {
                Some((cut, _)) => format!("{}...", s.get(..cut).unwrap_or_default()),
                None => s.to_owned(),
            })
            .unwrap_or_default();
        Self {
            kind,
            span,
            grammar,
            found: found.into_boxed_str(),
            expected,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// Where it went wrong, as byte offsets into the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Whether a filter or a PATCH path was being parsed.
    pub fn grammar(&self) -> Grammar {
        self.grammar
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.grammar {
            Grammar::Filter => "filter",
            Grammar::Path => "path",
        };
        let (open, close) = match self.kind {
            ParseErrorKind::MissingCloseParen => ('(', ')'),
            ParseErrorKind::MissingCloseBracket => ('[', ']'),
            _ => {
                write!(
                    f,
                    "invalid {what} at position {}: {}",
                    self.span.start, self.kind
                )?;
                let quote_found = !matches!(
                    self.kind,
                    ParseErrorKind::NestedValuePath
                        | ParseErrorKind::SubAttrValuePath
                        | ParseErrorKind::TooLong { .. }
                        | ParseErrorKind::TooDeep { .. }
                        | ParseErrorKind::TooManyNodes { .. }
                );
                if quote_found && !self.found.is_empty() {
                    write!(f, " {:?}", &*self.found)?;
                }
                if let Some(expected) = self.expected {
                    write!(f, "; expected {expected}")?;
                }
                return Ok(());
            }
        };
        // The span runs from the opening delimiter to where the closing one was expected.
        write!(
            f,
            "invalid {what} at position {}: missing '{close}' to close the '{open}' at position {}",
            self.span.end, self.span.start
        )
    }
}

impl From<ParseError> for ScimError {
    fn from(err: ParseError) -> Self {
        let scim_type = match err.grammar {
            Grammar::Filter => ScimType::InvalidFilter,
            Grammar::Path => ScimType::InvalidPath,
        };
        ScimError::new(scim_type, err.to_string())
    }
}

/// The parser's crate-private nom error: a position, what went wrong there, and what was
/// expected. It is `Copy` and allocation-free so that building one is cheap.
#[derive(Debug, Clone, Copy)]
pub(super) struct PError<'a> {
    /// The input from the start of the problem on.
    pub(super) at: &'a str,
    /// How many bytes of `at` the problem covers.
    pub(super) len: usize,
    pub(super) kind: ParseErrorKind,
    pub(super) expected: Option<&'static str>,
}

impl<'a> PError<'a> {
    pub(super) fn new(at: &'a str, len: usize, kind: ParseErrorKind) -> Self {
        Self {
            at,
            len,
            kind,
            expected: None,
        }
    }

    /// An error about whatever starts `at`: the end of input, or its first character.
    pub(super) fn unexpected(at: &'a str) -> Self {
        match at.chars().next() {
            None => Self::new(at, 0, ParseErrorKind::UnexpectedEnd),
            Some(c) => Self::new(at, c.len_utf8(), ParseErrorKind::UnexpectedChar),
        }
    }

    pub(super) fn expected(mut self, expected: &'static str) -> Self {
        self.expected.get_or_insert(expected);
        self
    }
}

impl<'a> nom::error::ParseError<&'a str> for PError<'a> {
    fn from_error_kind(input: &'a str, kind: nom::error::ErrorKind) -> Self {
        match kind {
            nom::error::ErrorKind::Eof => {
                Self::new(input, input.len(), ParseErrorKind::TrailingInput)
            }
            _ => Self::unexpected(input),
        }
    }

    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Of two failed alternatives, the one that got further says more.
        if other.at.len() < self.at.len() {
            other
        } else {
            self
        }
    }
}

impl<'a> nom::error::ContextError<&'a str> for PError<'a> {
    fn add_context(_: &'a str, ctx: &'static str, other: Self) -> Self {
        // The innermost context is the most precise one: keep it.
        other.expected(ctx)
    }
}

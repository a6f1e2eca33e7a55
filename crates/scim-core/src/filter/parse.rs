//! The filter grammar (RFC 7644 §3.4.2.2) and the PATCH path grammar (§3.5.2).
//!
//! A recursive-descent parser over nom's `IResult` shape. Precedence is encoded in the call
//! structure: `or` chains of `and` chains of unary expressions (`not (...)`, `(...)`, value paths
//! and attribute expressions). Each decision is made by looking at the next byte or word, so no
//! input is scanned twice and the success path never builds an error. Recursion happens only when
//! entering `(`, `not (` or `[`, and each of those first checks the depth limit.
//!
//! nom provides the result and error plumbing: `all_consuming` at the two entry points turns
//! leftover text into [`ParseErrorKind::TrailingInput`], `cut` marks the commitment made by an
//! opening `(` or `[`, and `context` names what was expected where a token function does not say
//! so itself. The hot path calls the token functions of `lex` directly: wrapping every token in a
//! combinator would copy its output once more per wrapper.

use std::borrow::Cow;
use std::cell::Cell;

use nom::combinator::{all_consuming, cut};
use nom::error::context;
use nom::{Err, Parser};

use self::stack::Stack;
use super::ast::{AttrPath, Compare, Filter, Junction, Not, PatchPath, Present, Span, ValuePath};
use super::error::{Grammar, PError, ParseError, ParseErrorKind};
use super::lex::{
    self, EXPECT_ATTR, EXPECT_OPERATOR, EXPECT_VALUE, Operator, PResult, PathToken, comp_value,
    delimiter, keyword, operator, path_token, sub_attr_name, ws0, ws1,
};

const EXPECT_FILTER: &str = "a filter: an attribute path, '(' or 'not ('";
const EXPECT_CONTINUATION: &str = "'and', 'or' or the end";

/// Limits that keep parsing cheap and the stack bounded on hostile input.
///
/// The defaults ([`ParseOptions::default`], the same as [`ParseOptions::new`]) suit filters and
/// paths sent by identity providers with plenty of room; see the module's "Input safety" section
/// for what each limit bounds.
///
/// ```
/// use scim_core::filter::{ParseErrorKind, ParseOptions};
///
/// let strict = ParseOptions::new().with_max_depth(2);
/// assert!(strict.parse_filter("not ((a pr))").is_ok());
/// let err = strict.parse_filter("not (((a pr)))").unwrap_err();
/// assert_eq!(err.kind(), ParseErrorKind::TooDeep { limit: 2 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    max_len: usize,
    max_depth: u32,
    max_nodes: u32,
}

impl ParseOptions {
    /// The default [`max_len`](Self::max_len): 8 KiB, far above any filter an identity provider
    /// sends and about the largest URL a server commonly accepts.
    pub const DEFAULT_MAX_LEN: usize = 8 * 1024;
    /// The default [`max_depth`](Self::max_depth).
    pub const DEFAULT_MAX_DEPTH: u32 = 64;
    /// The default [`max_nodes`](Self::max_nodes).
    pub const DEFAULT_MAX_NODES: u32 = 1000;

    /// The default limits.
    pub const fn new() -> Self {
        Self {
            max_len: Self::DEFAULT_MAX_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_nodes: Self::DEFAULT_MAX_NODES,
        }
    }

    /// Sets the longest input accepted, in bytes. Longer input is refused before parsing starts.
    /// Values above `u32::MAX` (the range of a [`Span`]) act as `u32::MAX`.
    #[must_use]
    pub const fn with_max_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Sets how deeply `(`, `not (` and `[` may nest. Each level costs the parser under 1 KiB
    /// of stack in an optimised build (several times that in a debug build), and dropping the
    /// tree costs a little more per level, so raising this far beyond the default risks
    /// overflowing a small thread stack.
    #[must_use]
    pub const fn with_max_depth(mut self, depth: u32) -> Self {
        self.max_depth = depth;
        self
    }

    /// Sets the most filter nodes (comparisons, presence tests, `and`/`or` chains, `not`s and
    /// value paths) one filter may have. It bounds the work of evaluating the filter.
    #[must_use]
    pub const fn with_max_nodes(mut self, nodes: u32) -> Self {
        self.max_nodes = nodes;
        self
    }

    /// The longest input accepted, in bytes.
    pub const fn max_len(&self) -> usize {
        if self.max_len > u32::MAX as usize {
            u32::MAX as usize
        } else {
            self.max_len
        }
    }

    /// How deeply `(`, `not (` and `[` may nest.
    pub const fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// The most filter nodes one filter may have.
    pub const fn max_nodes(&self) -> u32 {
        self.max_nodes
    }

    /// Parses a filter (RFC 7644 §3.4.2.2) with these limits.
    ///
    /// ```
    /// use scim_core::filter::{Filter, ParseOptions};
    ///
    /// let filter = ParseOptions::new().parse_filter(r#"title pr or userType eq "Intern""#)?;
    /// assert!(matches!(filter, Filter::Or(ref j) if j.operands.len() == 2));
    /// # Ok::<(), scim_core::filter::ParseError>(())
    /// ```
    pub fn parse_filter<'a>(&self, input: &'a str) -> Result<Filter<'a>, ParseError> {
        self.check_len(input, Grammar::Filter)?;
        let state = State::new(input, self);
        let mut out = Stack::new();
        let parsed = all_consuming(|i| {
            let (rest, ()) = state.or_expr(ws0(i), 0, false, &mut out)?;
            Ok((ws0(rest), ()))
        })
        .parse(input);
        parsed
            .and_then(|(rest, ())| State::pop(&mut out, rest))
            .map_err(|e| state.error(e, Grammar::Filter))
    }

    /// Parses a PATCH operation's `path` (RFC 7644 §3.5.2) with these limits.
    ///
    /// ```
    /// use scim_core::filter::{ParseOptions, PatchPath};
    ///
    /// let path = ParseOptions::new().parse_path(r#"emails[type eq "work"].value"#)?;
    /// assert!(matches!(path, PatchPath::Filtered { sub_attr: Some(ref s), .. } if s == "value"));
    /// # Ok::<(), scim_core::filter::ParseError>(())
    /// ```
    pub fn parse_path<'a>(&self, input: &'a str) -> Result<PatchPath<'a>, ParseError> {
        self.check_len(input, Grammar::Path)?;
        let state = State::new(input, self);
        all_consuming(|i| {
            let (rest, path) = state.patch_path(ws0(i))?;
            Ok((ws0(rest), path))
        })
        .parse(input)
        .map(|(_, path)| path)
        .map_err(|e| state.error(e, Grammar::Path))
    }

    fn check_len(&self, input: &str, grammar: Grammar) -> Result<(), ParseError> {
        let limit = self.max_len();
        if input.len() <= limit {
            return Ok(());
        }
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Err(ParseError::new(
            ParseErrorKind::TooLong { limit },
            Span::new(clamp(limit), clamp(input.len())),
            grammar,
            "",
            None,
        ))
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Parses a filter with the default [`ParseOptions`].
///
/// ```
/// use scim_core::filter::{parse_filter, CompValue, CompareOp, Filter};
///
/// let filter = parse_filter(r#"userName eq "bjensen""#)?;
/// let Filter::Compare(cmp) = &filter else { panic!("not a comparison") };
/// assert_eq!(cmp.path.name, "userName");
/// assert_eq!(cmp.op, CompareOp::Eq);
/// assert_eq!(cmp.value, CompValue::String("bjensen".into()));
/// # Ok::<(), scim_core::filter::ParseError>(())
/// ```
pub fn parse_filter(input: &str) -> Result<Filter<'_>, ParseError> {
    ParseOptions::new().parse_filter(input)
}

/// Parses a PATCH `path` with the default [`ParseOptions`].
///
/// ```
/// use scim_core::filter::{parse_path, PatchPath};
///
/// let path = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
/// let PatchPath::Attr(attr) = &path else { panic!("not a plain path") };
/// assert_eq!(attr.uri.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
/// assert_eq!(attr.name, "manager");
/// assert_eq!(attr.sub_attr.as_deref(), Some("value"));
/// # Ok::<(), scim_core::filter::ParseError>(())
/// ```
pub fn parse_path(input: &str) -> Result<PatchPath<'_>, ParseError> {
    ParseOptions::new().parse_path(input)
}

/// The error for a group or bracket opened at `open` and not closed at `rest`: the whole
/// stretch when the input ran out, else the first thing that is neither `and`, `or` nor the
/// closing delimiter.
fn unclosed<'a>(open: &'a str, rest: &'a str, kind: ParseErrorKind) -> Err<PError<'a>> {
    let bracket = kind == ParseErrorKind::MissingCloseBracket;
    let err = if rest.is_empty() {
        PError::new(open, open.len(), kind).expected(if bracket { "']'" } else { "')'" })
    } else if bracket {
        PError::unexpected(rest).expected("'and', 'or' or ']'")
    } else {
        PError::unexpected(rest).expected("'and', 'or' or ')'")
    };
    Err::Failure(err)
}

/// One parse: the text (for spans), the limits and the node count so far.
///
/// The grammar functions push the nodes they parse onto an operand stack (`out`) instead of
/// returning them: a node is 120 bytes, and returning it through every level of the
/// grammar would copy it each time. A chain pops its operands off the stack into its own `Vec`.
struct State<'a> {
    src: &'a str,
    max_depth: u32,
    max_nodes: u32,
    nodes: Cell<u32>,
}

type Fail<'a> = Err<PError<'a>>;

impl<'a> State<'a> {
    fn new(src: &'a str, opts: &ParseOptions) -> Self {
        Self {
            src,
            max_depth: opts.max_depth,
            max_nodes: opts.max_nodes,
            nodes: Cell::new(0),
        }
    }

    /// The byte offset of `rest`, which is always a suffix of the parsed text.
    fn offset(&self, rest: &str) -> u32 {
        let off = self.src.len().saturating_sub(rest.len());
        u32::try_from(off).unwrap_or(u32::MAX)
    }

    /// The span from the start of `from` to the start of `to`.
    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.offset(from), self.offset(to))
    }

    fn error(&self, err: Fail<'a>, grammar: Grammar) -> ParseError {
        let e = match err {
            Err::Error(e) | Err::Failure(e) => e,
            Err::Incomplete(_) => PError::unexpected(""),
        };
        let e = if e.kind == ParseErrorKind::TrailingInput {
            e.expected(match grammar {
                Grammar::Filter => EXPECT_CONTINUATION,
                Grammar::Path => "'[', '.' or the end",
            })
        } else {
            e
        };
        let start = self.offset(e.at);
        let end = u32::try_from(e.len)
            .ok()
            .and_then(|len| start.checked_add(len))
            .unwrap_or(u32::MAX);
        ParseError::new(e.kind, Span::new(start, end), grammar, self.src, e.expected)
    }

    /// Counts one more node, written from `from` up to `to`.
    fn count_node(&self, from: &'a str, to: &str) -> Result<(), Fail<'a>> {
        let n = self.nodes.get().saturating_add(1);
        self.nodes.set(n);
        if n > self.max_nodes {
            let len = from.len().saturating_sub(to.len());
            let kind = ParseErrorKind::TooManyNodes {
                limit: self.max_nodes,
            };
            return Err(Err::Failure(PError::new(from, len, kind)));
        }
        Ok(())
    }

    /// Checks the depth limit before entering the group that opens at `open`.
    fn enter(&self, open: &'a str, depth: u32) -> Result<u32, Fail<'a>> {
        let depth = depth.saturating_add(1);
        if depth > self.max_depth {
            let kind = ParseErrorKind::TooDeep {
                limit: self.max_depth,
            };
            return Err(Err::Failure(PError::new(open, 1, kind)));
        }
        Ok(depth)
    }

    /// Takes the node a grammar function just pushed.
    fn pop(out: &mut Stack<'a>, at: &'a str) -> Result<Filter<'a>, Fail<'a>> {
        // Every successful grammar function pushes exactly one node, so this never fails; an
        // error is still better than a panic should that ever change.
        out.pop()
            .ok_or_else(|| Err::Failure(PError::unexpected(at)))
    }

    /// Replaces the operands pushed since `base` (two or more) by one chain of them.
    fn close_chain(
        &self,
        start: &'a str,
        rest: &'a str,
        base: usize,
        out: &mut Stack<'a>,
        and: bool,
    ) -> Result<(), Fail<'a>> {
        self.count_node(start, rest)?;
        let operands = out.split_off(base);
        let span = self.span(start, rest);
        out.push_with(|| {
            let chain = Junction { operands, span };
            if and {
                Filter::And(chain)
            } else {
                Filter::Or(chain)
            }
        });
        Ok(())
    }

    /// `or`-chain: `and_expr *("or" and_expr)`.
    fn or_expr(
        &self,
        i: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        let base = out.len();
        let (mut rest, ()) = self.and_expr(i, depth, in_brackets, out)?;
        let Some(mut after) = keyword(ws0(rest), "or") else {
            return Ok((rest, ()));
        };
        loop {
            (rest, ()) = self.and_expr(ws0(after), depth, in_brackets, out)?;
            match keyword(ws0(rest), "or") {
                Some(next) => after = next,
                None => break,
            }
        }
        self.close_chain(i, rest, base, out, false)?;
        Ok((rest, ()))
    }

    /// `and`-chain: `unary *("and" unary)`.
    fn and_expr(
        &self,
        i: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        let base = out.len();
        let (mut rest, ()) = self.unary(i, depth, in_brackets, out)?;
        let Some(mut after) = keyword(ws0(rest), "and") else {
            return Ok((rest, ()));
        };
        loop {
            (rest, ()) = self.unary(ws0(after), depth, in_brackets, out)?;
            match keyword(ws0(rest), "and") {
                Some(next) => after = next,
                None => break,
            }
        }
        self.close_chain(i, rest, base, out, true)?;
        Ok((rest, ()))
    }

    /// `"(" filter ")"`, `"not" "(" filter ")"`, a value path or an attribute expression.
    fn unary(
        &self,
        i: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        if i.starts_with('(') {
            return self.group(i, depth, in_brackets, out);
        }
        let (token, after_token) = path_token(i);
        if token.text.is_empty() {
            return Err(Err::Failure(PError::unexpected(i).expected(EXPECT_FILTER)));
        }
        if token.text.eq_ignore_ascii_case("not") {
            // `not` followed by `(` negates; otherwise it is an attribute called "not".
            let open = ws0(after_token);
            if open.starts_with('(') {
                let (rest, ()) = self.group(open, depth, in_brackets, out)?;
                self.negate(i, rest, out)?;
                return Ok((rest, ()));
            }
        }
        self.attr_start(i, token, after_token, depth, in_brackets, out)
    }

    /// A value path or an attribute expression, starting with the path `token`.
    ///
    /// Kept out of line: the inlined token functions give it a large stack frame, and keeping
    /// that frame out of `unary` keeps the stack cost of each nesting level small.
    #[inline(never)]
    fn attr_start(
        &self,
        i: &'a str,
        token: PathToken<'a>,
        after_token: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        let path = self.attr_path(i, token)?;
        if after_token.starts_with('[') {
            return self.value_path(i, path, after_token, depth, in_brackets, out);
        }
        self.attr_exp(i, path, after_token, out)
    }

    /// Replaces the node on top of the stack, written from `start` to `rest`, by its negation.
    ///
    /// Out of line, like [`State::attr_start`], so that its temporaries do not enlarge the
    /// stack frame that every level of nesting goes through.
    #[inline(never)]
    fn negate(&self, start: &'a str, rest: &'a str, out: &mut Stack<'a>) -> Result<(), Fail<'a>> {
        let inner = Box::new(Self::pop(out, rest)?);
        self.count_node(start, rest)?;
        let span = self.span(start, rest);
        out.push_with(|| Filter::Not(Not { inner, span }));
        Ok(())
    }

    /// `"(" filter ")"` starting at `open`; it pushes the inner filter itself.
    fn group(
        &self,
        open: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        let depth = self.enter(open, depth)?;
        let inside = ws0(open.get(1..).unwrap_or_default());
        let (rest, ()) = cut(|i| self.or_expr(i, depth, in_brackets, out)).parse(inside)?;
        let rest = ws0(rest);
        match rest.strip_prefix(')') {
            Some(after) => Ok((after, ())),
            None => Err(unclosed(open, rest, ParseErrorKind::MissingCloseParen)),
        }
    }

    /// Splits an attribute-path token into `[URI ":"] ATTRNAME ["." subAttr]`.
    ///
    /// The URI is everything before the token's last `:`, since a schema URN itself contains
    /// colons and dots (`urn:ietf:params:scim:schemas:core:2.0:User:name.givenName`). A token
    /// that is only a schema URN (`urn:...:enterprise:2.0:User`) therefore parses with the
    /// URN's last segment as the name; telling the two apart needs the schema.
    #[inline(always)]
    fn attr_path(&self, start: &'a str, token: PathToken<'a>) -> Result<AttrPath<'a>, Fail<'a>> {
        let text = token.text;
        let invalid = || {
            Err::Failure(
                PError::new(start, text.len(), ParseErrorKind::InvalidAttrPath)
                    .expected(EXPECT_ATTR),
            )
        };
        let (uri, local_from) = match token.last_colon {
            Some(colon) => match text.get(..colon) {
                Some(uri) if lex::is_uri(uri) => (Some(uri), colon + 1),
                _ => return Err(invalid()),
            },
            None => (None, 0),
        };
        let (name, sub_attr) = match token.dot {
            Some(dot) => (text.get(local_from..dot), text.get(dot + 1..)),
            None => (text.get(local_from..), None),
        };
        let Some(name) = name else {
            return Err(invalid());
        };
        let valid = if token.plain {
            let starts_alpha = |s: &str| s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
            starts_alpha(name) && sub_attr.is_none_or(starts_alpha)
        } else {
            lex::is_attr_name(name) && sub_attr.is_none_or(lex::is_attr_name)
        };
        if !valid {
            return Err(invalid());
        }
        let from = self.offset(start);
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        Ok(AttrPath {
            uri: uri.map(Cow::Borrowed),
            name: Cow::Borrowed(name),
            sub_attr: sub_attr.map(Cow::Borrowed),
            span: Span::new(from, from.saturating_add(len)),
        })
    }

    /// `attrPath SP "pr"` or `attrPath SP compareOp SP compValue`; `i` follows the path.
    #[inline(always)]
    fn attr_exp(
        &self,
        start: &'a str,
        path: AttrPath<'a>,
        i: &'a str,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        let (i, ()) = ws1(i, EXPECT_OPERATOR)?;
        let (i, op) = operator(i)?;
        match op {
            Operator::Present => {
                let (i, ()) = delimiter(i)?;
                self.count_node(start, i)?;
                let span = self.span(start, i);
                out.push_with(|| Filter::Present(Present { path, span }));
                Ok((i, ()))
            }
            Operator::Compare(op) => {
                let (i, ()) = ws1(i, EXPECT_VALUE)?;
                let (i, value) = comp_value(i)?;
                self.count_node(start, i)?;
                let span = self.span(start, i);
                out.push_with(|| {
                    Filter::Compare(Compare {
                        path,
                        op,
                        value,
                        span,
                    })
                });
                Ok((i, ()))
            }
        }
    }

    /// `attrPath "[" valFilter "]"`, where `open` is the `[`. Also accepts the form Microsoft
    /// Entra ID sends, `attrPath "[" valFilter "]" "." subAttr SP compareOp SP compValue` (and
    /// with `pr`), as the value path of `valFilter and subAttr compareOp compValue`.
    #[inline(never)]
    fn value_path(
        &self,
        start: &'a str,
        path: AttrPath<'a>,
        open: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        let (mut rest, ()) = self.bracket(&path, open, depth, in_brackets, out)?;
        let mut filter = Self::pop(out, rest)?;
        if let Some(dot) = rest.strip_prefix('.') {
            let (after_name, name) = context("a sub-attribute name", sub_attr_name).parse(dot)?;
            let sub = AttrPath {
                uri: None,
                name: Cow::Borrowed(name),
                sub_attr: None,
                span: self.span(dot, after_name),
            };
            (rest, ()) = self.attr_exp(dot, sub, after_name, out)?;
            let test = Self::pop(out, rest)?;
            let span = Span::new(filter.span().start, self.offset(rest));
            filter = match filter {
                Filter::And(mut chain) => {
                    chain.operands.push(test);
                    chain.span = span;
                    Filter::And(chain)
                }
                other => {
                    self.count_node(dot, rest)?;
                    Filter::And(Junction {
                        operands: vec![other, test],
                        span,
                    })
                }
            };
        }
        self.count_node(start, rest)?;
        let span = self.span(start, rest);
        let filter = Box::new(filter);
        out.push_with(|| Filter::ValuePath(ValuePath { path, filter, span }));
        Ok((rest, ()))
    }

    /// `"[" valFilter "]"` after `path`, where `open` is the `[`; it pushes the filter.
    fn bracket(
        &self,
        path: &AttrPath<'a>,
        open: &'a str,
        depth: u32,
        in_brackets: bool,
        out: &mut Stack<'a>,
    ) -> PResult<'a, ()> {
        if in_brackets {
            let kind = ParseErrorKind::NestedValuePath;
            return Err(Err::Failure(PError::new(open, 1, kind)));
        }
        if path.sub_attr.is_some() {
            let kind = ParseErrorKind::SubAttrValuePath;
            return Err(Err::Failure(PError::new(open, 1, kind)));
        }
        let depth = self.enter(open, depth)?;
        let inside = ws0(open.get(1..).unwrap_or_default());
        let (rest, ()) = cut(|i| self.or_expr(i, depth, true, out)).parse(inside)?;
        let rest = ws0(rest);
        match rest.strip_prefix(']') {
            Some(after) => Ok((after, ())),
            None => Err(unclosed(open, rest, ParseErrorKind::MissingCloseBracket)),
        }
    }

    /// `PATH = attrPath / valuePath [subAttr]`.
    fn patch_path(&self, i: &'a str) -> PResult<'a, PatchPath<'a>> {
        let (token, after_token) = path_token(i);
        if token.text.is_empty() {
            return Err(Err::Failure(PError::unexpected(i).expected(EXPECT_ATTR)));
        }
        let attr = self.attr_path(i, token)?;
        if !after_token.starts_with('[') {
            return Ok((after_token, PatchPath::Attr(attr)));
        }
        let mut out = Stack::new();
        let (rest, ()) = self.bracket(&attr, after_token, 0, false, &mut out)?;
        let filter = Box::new(Self::pop(&mut out, rest)?);
        let (rest, sub_attr) = match rest.strip_prefix('.') {
            Some(dot) => {
                let (rest, name) = sub_attr_name(dot)?;
                (rest, Some(Cow::Borrowed(name)))
            }
            None => (rest, None),
        };
        let span = self.span(i, rest);
        Ok((
            rest,
            PatchPath::Filtered {
                attr,
                filter,
                sub_attr,
                span,
            },
        ))
    }
}

mod stack;
#[cfg(test)]
mod tests;

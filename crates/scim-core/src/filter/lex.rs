//! The tokens of the filter grammar: whitespace, keywords, attribute paths, operators and
//! literals (JSON strings and numbers, `true`, `false`, `null`).
//!
//! Every function takes the remaining input and returns the rest after the token, in nom's
//! `IResult` shape. They work on bytes: every token boundary they cut at is an ASCII byte, so
//! slicing there always lands on a `char` boundary.

use std::borrow::Cow;

use nom::Err;

use super::ast::{CompValue, CompareOp};
use super::error::{PError, ParseErrorKind};

pub(super) type PResult<'a, T> = nom::IResult<&'a str, T, PError<'a>>;

pub(super) const EXPECT_OPERATOR: &str =
    "a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le) or pr";
pub(super) const EXPECT_VALUE: &str = "a value: a quoted string, a number, true, false or null";
pub(super) const EXPECT_ATTR: &str = "an attribute path";
pub(super) const EXPECT_DELIMITER: &str = "whitespace, ')', ']' or the end";

/// Byte classes, looked up in one table so that scanning a token is one load per byte.
const NAME: u8 = 1; // ALPHA / DIGIT / "-" / "_": nameChar of RFC 7644
const PATH: u8 = 2; // anything that may appear in `[URI ":"] ATTRNAME ["." subAttr]`
const WS: u8 = 4;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            t[b] = NAME | PATH;
        }
        // URN and URI characters that cannot be confused with the grammar's own punctuation.
        if matches!(c, b'.' | b':' | b'$' | b'/' | b'%' | b'~' | b'+' | b'@') {
            t[b] = PATH;
        }
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            t[b] = WS;
        }
        b += 1;
    }
    t
};

#[inline]
fn class(b: u8) -> u8 {
    // `CLASS` has 256 entries, so every byte indexes it.
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

#[inline]
fn is_ws(b: u8) -> bool {
    class(b) & WS != 0
}

#[inline]
fn is_path(b: u8) -> bool {
    class(b) & PATH != 0
}

#[inline]
fn is_name(b: u8) -> bool {
    class(b) & NAME != 0
}

/// The number of leading bytes of `i` that satisfy `pred`.
#[inline]
fn count(i: &(impl AsRef<[u8]> + ?Sized), pred: impl Fn(u8) -> bool) -> usize {
    i.as_ref().iter().take_while(|&&b| pred(b)).count()
}

/// Splits `i` after `n` bytes, where `n` is known to be a `char` boundary.
#[inline]
fn split(i: &str, n: usize) -> (&str, &str) {
    i.split_at_checked(n).unwrap_or((i, ""))
}

/// Skips optional whitespace (space, tab, CR, LF).
#[inline]
pub(super) fn ws0(i: &str) -> &str {
    split(i, count(i, is_ws)).1
}

/// Whether `i` starts with whitespace.
#[inline]
pub(super) fn starts_with_ws(i: &str) -> bool {
    i.bytes().next().is_some_and(is_ws)
}

/// Whether `i` is at a token boundary: the end, whitespace, `)` or `]`.
#[inline]
pub(super) fn at_delimiter(i: &str) -> bool {
    match i.bytes().next() {
        None => true,
        Some(b) => is_ws(b) || b == b')' || b == b']',
    }
}

/// Requires a token boundary after a value or `pr`.
#[inline]
pub(super) fn delimiter(i: &str) -> PResult<'_, ()> {
    if at_delimiter(i) {
        Ok((i, ()))
    } else {
        Err(Err::Failure(
            PError::unexpected(i).expected(EXPECT_DELIMITER),
        ))
    }
}

/// Requires at least one whitespace character, then skips all of it.
#[inline(always)]
pub(super) fn ws1<'a>(i: &'a str, expected: &'static str) -> PResult<'a, ()> {
    if starts_with_ws(i) {
        Ok((ws0(i), ()))
    } else {
        Err(Err::Failure(PError::unexpected(i).expected(expected)))
    }
}

/// Matches the keyword `kw` (given in lower case) case-insensitively, when it is followed by
/// whitespace, `(` or the end: `and`, `or`. Returns the input after the keyword.
#[inline]
pub(super) fn keyword<'a>(i: &'a str, kw: &str) -> Option<&'a str> {
    let (head, rest) = i.split_at_checked(kw.len())?;
    let boundary = match rest.bytes().next() {
        None => true,
        Some(b) => is_ws(b) || b == b'(',
    };
    (boundary && head.eq_ignore_ascii_case(kw)).then_some(rest)
}

/// A run of attribute-path characters, with what one pass over it learnt about its shape.
#[derive(Debug, Clone, Copy)]
pub(super) struct PathToken<'a> {
    pub(super) text: &'a str,
    /// The offset of the last `:`, where a URI ends.
    pub(super) last_colon: Option<usize>,
    /// The offset of the first `.` after the last `:`, where a sub-attribute starts.
    pub(super) dot: Option<usize>,
    /// Whether everything after the last `:` is name characters with at most one `.`; if so,
    /// checking that the name and sub-attribute start with a letter is all the validation left.
    pub(super) plain: bool,
}

/// Scans the longest run of attribute-path characters.
pub(super) fn path_token(i: &str) -> (PathToken<'_>, &str) {
    let bytes = i.as_bytes();
    let mut n = 0;
    let mut last_colon = None;
    let mut dot = None;
    let mut dots = 0u32;
    let mut other = false;
    loop {
        // Most of a path is name characters: skip them in a tight loop.
        n += count(bytes.get(n..).unwrap_or_default(), is_name);
        match bytes.get(n) {
            Some(b'.') => {
                dot.get_or_insert(n);
                dots += 1;
            }
            Some(b':') => {
                last_colon = Some(n);
                dot = None;
                dots = 0;
                other = false;
            }
            Some(&b) if is_path(b) => other = true,
            _ => break,
        }
        n += 1;
    }
    let (text, rest) = split(i, n);
    let token = PathToken {
        text,
        last_colon,
        dot,
        plain: !other && dots <= 1,
    };
    (token, rest)
}

/// `ATTRNAME = ALPHA *(nameChar)`, and `$ref`, which SCIM uses as an attribute name.
pub(super) fn is_attr_name(s: &str) -> bool {
    match s.as_bytes().split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() && rest.iter().all(|&b| is_name(b)))
                || s.eq_ignore_ascii_case("$ref")
        }
        None => false,
    }
}

/// Whether `uri` can be the URI of an attribute path: `scheme ":" something`, such as
/// `urn:ietf:params:scim:schemas:core:2.0:User`.
pub(super) fn is_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
}

/// An attribute name after `.` (the sub-attribute of the Entra form `emails[...].value`, or of a
/// PATCH path `members[...].display`).
pub(super) fn sub_attr_name(i: &str) -> PResult<'_, &str> {
    let (name, rest) = split(i, count(i, is_path));
    if is_attr_name(name) {
        Ok((rest, name))
    } else if name.is_empty() {
        Err(Err::Failure(
            PError::unexpected(i).expected("a sub-attribute name"),
        ))
    } else {
        Err(Err::Failure(
            PError::new(i, name.len(), ParseErrorKind::InvalidAttrPath)
                .expected("a sub-attribute name"),
        ))
    }
}

/// What follows an attribute path in an attribute expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operator {
    Present,
    Compare(CompareOp),
}

/// A comparison operator or `pr`, case-insensitively, followed by a token boundary.
#[inline(always)]
pub(super) fn operator(i: &str) -> PResult<'_, Operator> {
    let bytes = i.as_bytes();
    let op = match (bytes.first(), bytes.get(1)) {
        (Some(&a), Some(&b)) if bytes.get(2).is_none_or(|&c| !is_path(c)) => {
            // ASCII letters lower-case by setting bit 5; other bytes cannot match anyway.
            match [a | 0x20, b | 0x20] {
                [b'e', b'q'] => Some(Operator::Compare(CompareOp::Eq)),
                [b'n', b'e'] => Some(Operator::Compare(CompareOp::Ne)),
                [b'c', b'o'] => Some(Operator::Compare(CompareOp::Co)),
                [b's', b'w'] => Some(Operator::Compare(CompareOp::Sw)),
                [b'e', b'w'] => Some(Operator::Compare(CompareOp::Ew)),
                [b'g', b't'] => Some(Operator::Compare(CompareOp::Gt)),
                [b'l', b't'] => Some(Operator::Compare(CompareOp::Lt)),
                [b'g', b'e'] => Some(Operator::Compare(CompareOp::Ge)),
                [b'l', b'e'] => Some(Operator::Compare(CompareOp::Le)),
                [b'p', b'r'] => Some(Operator::Present),
                _ => None,
            }
        }
        _ => None,
    };
    match op {
        Some(op) => Ok((split(i, 2).1, op)),
        None => {
            let word = count(i, |b| !is_ws(b) && b != b')' && b != b']' && b != b'"');
            let err = if word == 0 {
                PError::unexpected(i)
            } else {
                // `word` ends before an ASCII byte or at the end, so it is a char boundary.
                PError::new(i, word, ParseErrorKind::UnknownOperator)
            };
            Err(Err::Failure(err.expected(EXPECT_OPERATOR)))
        }
    }
}

/// `compValue = false / null / true / number / string`, followed by a token boundary.
pub(super) fn comp_value(i: &str) -> PResult<'_, CompValue<'_>> {
    let (rest, value) = match i.bytes().next() {
        Some(b'"') => {
            let (rest, s) = string(i)?;
            (rest, CompValue::String(s))
        }
        Some(b'-' | b'0'..=b'9') => {
            let (rest, n) = number(i)?;
            (rest, CompValue::Number(n))
        }
        Some(b) if b.is_ascii_alphabetic() => {
            let (word, rest) = split(i, count(i, is_path));
            let value = if word.eq_ignore_ascii_case("true") {
                CompValue::Bool(true)
            } else if word.eq_ignore_ascii_case("false") {
                CompValue::Bool(false)
            } else if word.eq_ignore_ascii_case("null") {
                CompValue::Null
            } else {
                return Err(Err::Failure(
                    PError::new(i, word.len(), ParseErrorKind::UnquotedValue)
                        .expected(EXPECT_VALUE),
                ));
            };
            (rest, value)
        }
        _ => return Err(Err::Failure(PError::unexpected(i).expected(EXPECT_VALUE))),
    };
    delimiter(rest)?;
    Ok((rest, value))
}

/// A JSON string (RFC 8259 §7). It borrows from the input unless it contains escapes.
pub(super) fn string(i: &str) -> PResult<'_, Cow<'_, str>> {
    let bytes = i.as_bytes();
    // Skip the opening quote, then find the first byte that ends the fast path.
    let pos = 1 + special_string_byte(bytes.get(1..).unwrap_or_default());
    match bytes.get(pos) {
        Some(b'"') => {
            let body = i.get(1..pos).unwrap_or_default();
            let rest = i.get(pos + 1..).unwrap_or_default();
            Ok((rest, Cow::Borrowed(body)))
        }
        Some(b'\\') => string_with_escapes(i, pos),
        Some(_) => Err(control_char(i, pos)),
        None => Err(unterminated(i)),
    }
}

/// The offset of the first `"`, `\\` or control character in `bytes` (or its length if none),
/// eight bytes at a time: string bodies are most of a filter's bytes.
fn special_string_byte(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A high bit set in each byte of `x` that is zero; exact for the lowest such byte, which is
    // all that is used (borrows only run towards higher bytes).
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hits = zero_bytes(x ^ (ONES * u64::from(b'"')))
            | zero_bytes(x ^ (ONES * u64::from(b'\\')))
            // Bytes below 0x20: subtracting 0x20 borrows exactly where `x` is smaller.
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS);
        if hits != 0 {
            return offset + (hits.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    offset
        + chunks
            .remainder()
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(chunks.remainder().len())
}

fn unterminated(i: &str) -> Err<PError<'_>> {
    Err::Failure(PError::new(i, i.len(), ParseErrorKind::UnterminatedString).expected("'\"'"))
}

fn control_char(i: &str, pos: usize) -> Err<PError<'_>> {
    let at = i.get(pos..).unwrap_or_default();
    Err::Failure(PError::new(at, 1, ParseErrorKind::InvalidStringChar))
}

/// The slow path of [`string`]: `first` is the offset of the first backslash.
fn string_with_escapes(i: &str, first: usize) -> PResult<'_, Cow<'_, str>> {
    let bytes = i.as_bytes();
    let mut out = String::with_capacity(i.len().min(64));
    out.push_str(i.get(1..first).unwrap_or_default());
    let mut pos = first;
    // `run` is where the current stretch of unescaped text began.
    let mut run = pos;
    loop {
        match bytes.get(pos) {
            None => return Err(unterminated(i)),
            Some(b'"') => {
                out.push_str(i.get(run..pos).unwrap_or_default());
                let rest = i.get(pos + 1..).unwrap_or_default();
                return Ok((rest, Cow::Owned(out)));
            }
            Some(b'\\') => {
                out.push_str(i.get(run..pos).unwrap_or_default());
                let (len, c) = escape(i, pos)?;
                out.push(c);
                pos += len;
                run = pos;
            }
            Some(0..=0x1f) => return Err(control_char(i, pos)),
            Some(_) => pos += 1,
        }
    }
}

/// Decodes the escape at `i[pos..]` (which starts with a backslash): its length and character.
fn escape(i: &str, pos: usize) -> Result<(usize, char), Err<PError<'_>>> {
    let at = i.get(pos..).unwrap_or_default();
    let bytes = at.as_bytes();
    let invalid = |len: usize| {
        Err::Failure(
            PError::new(at, len, ParseErrorKind::InvalidEscape)
                .expected("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
        )
    };
    let simple = match bytes.get(1) {
        None => return Err(unterminated(i)),
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let high = hex4(at, 2).ok_or_else(|| invalid(hex_run(at, 2)))?;
            return match high {
                0xD800..=0xDBFF => {
                    // A high surrogate must be followed by `\u` and a low surrogate.
                    let low = match (bytes.get(6), bytes.get(7)) {
                        (Some(b'\\'), Some(b'u')) => hex4(at, 8),
                        _ => None,
                    };
                    match low {
                        Some(low @ 0xDC00..=0xDFFF) => {
                            let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                            char::from_u32(c)
                                .map(|c| (12, c))
                                .ok_or_else(|| invalid(12))
                        }
                        _ => Err(invalid(6)),
                    }
                }
                _ => char::from_u32(high)
                    .map(|c| (6, c))
                    .ok_or_else(|| invalid(6)),
            };
        }
        Some(_) => {
            let len = at.chars().nth(1).map_or(1, |c| 1 + c.len_utf8());
            return Err(invalid(len));
        }
    };
    Ok((2, simple))
}

/// Four hex digits at `s[from..]`.
fn hex4(s: &str, from: usize) -> Option<u32> {
    let digits = s.get(from..from + 4)?;
    if digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(digits, 16).ok()
    } else {
        None
    }
}

/// The length of a malformed `\u` escape for its error span: the backslash, the `u` and up to
/// four hex digits.
fn hex_run(s: &str, from: usize) -> usize {
    from + count(s.get(from..).unwrap_or_default(), |b| b.is_ascii_hexdigit()).min(4)
}

/// A JSON number (RFC 8259 §6), kept as an integer when written without fraction or exponent.
pub(super) fn number(i: &str) -> PResult<'_, serde_json::Number> {
    let bytes = i.as_bytes();
    let digits_from = |pos: usize| count(i.get(pos..).unwrap_or_default(), |b| b.is_ascii_digit());
    let mut pos = usize::from(bytes.first() == Some(&b'-'));
    let int = digits_from(pos);
    let mut ok = int > 0 && !(int > 1 && bytes.get(pos) == Some(&b'0'));
    pos += int;
    let mut integer = true;
    if ok && bytes.get(pos) == Some(&b'.') {
        integer = false;
        let frac = digits_from(pos + 1);
        ok = frac > 0;
        pos += 1 + frac;
    }
    if ok && matches!(bytes.get(pos), Some(b'e' | b'E')) {
        integer = false;
        pos += 1;
        if matches!(bytes.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        let exp = digits_from(pos);
        ok = exp > 0;
        pos += exp;
    }
    let (text, rest) = split(i, pos);
    let value = if !ok || !at_delimiter(rest) {
        None
    } else if integer {
        integer_value(text)
    } else {
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    };
    match value {
        Some(n) => Ok((rest, n)),
        None => {
            // Cover the whole malformed word, up to the next boundary.
            let word = pos + count(rest, |b| !is_ws(b) && b != b')' && b != b']');
            Err(Err::Failure(
                PError::new(i, word.min(i.len()), ParseErrorKind::InvalidNumber)
                    .expected("a JSON number"),
            ))
        }
    }
}

/// An integer literal: `i64`/`u64` when it fits, else the nearest `f64` (as `serde_json` does).
fn integer_value(text: &str) -> Option<serde_json::Number> {
    let exact = if text.starts_with('-') {
        text.parse::<i64>().ok().map(serde_json::Number::from)
    } else {
        text.parse::<u64>().ok().map(serde_json::Number::from)
    };
    exact.or_else(|| {
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_string(input: &str) -> Cow<'_, str> {
        string(input).unwrap().1
    }

    fn err_of<T: std::fmt::Debug>(r: PResult<'_, T>) -> (ParseErrorKind, usize) {
        match r {
            Err(Err::Failure(e) | Err::Error(e)) => (e.kind, e.len),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn plain_strings_borrow() {
        assert!(matches!(
            ok_string(r#""bjensen" rest"#),
            Cow::Borrowed("bjensen")
        ));
        assert!(matches!(ok_string(r#""""#), Cow::Borrowed("")));
    }

    #[test]
    fn special_bytes_are_found_at_every_offset() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        for len in 0..20 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x1f, b'!', 0x80, 0xff] {
                    let mut bytes = vec![b'a'; len];
                    // High and borderline bytes around the special one must not confuse it.
                    if at > 0 {
                        bytes[at - 1] = 0xe9;
                    }
                    if at < len {
                        bytes[at] = special;
                    }
                    assert_eq!(special_string_byte(&bytes), naive(&bytes), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn every_json_escape_decodes() {
        let s = ok_string(r#""\" \\ \/ \b \f \n \r \t \u00e9 \u20AC""#);
        assert_eq!(s, "\" \\ / \u{8} \u{c} \n \r \t é €");
        assert!(matches!(s, Cow::Owned(_)));
    }

    #[test]
    fn surrogate_pairs_combine() {
        assert_eq!(ok_string(r#""\ud83d\ude00""#), "😀");
        assert_eq!(ok_string(r#""a\uD834\uDD1Eb""#), "a𝄞b");
    }

    #[test]
    fn lone_or_reversed_surrogates_are_invalid() {
        assert_eq!(
            err_of(string(r#""\ud83d""#)),
            (ParseErrorKind::InvalidEscape, 6)
        );
        assert_eq!(
            err_of(string(r#""\ud83dx""#)),
            (ParseErrorKind::InvalidEscape, 6)
        );
        assert_eq!(
            err_of(string(r#""\ude00""#)),
            (ParseErrorKind::InvalidEscape, 6)
        );
        assert_eq!(
            err_of(string(r#""\ud83d\u0041""#)),
            (ParseErrorKind::InvalidEscape, 6)
        );
    }

    #[test]
    fn bad_escapes_are_invalid() {
        assert_eq!(
            err_of(string(r#""\x""#)),
            (ParseErrorKind::InvalidEscape, 2)
        );
        assert_eq!(
            err_of(string(r#""\é""#)),
            (ParseErrorKind::InvalidEscape, 3)
        );
        assert_eq!(
            err_of(string(r#""\u12g4""#)),
            (ParseErrorKind::InvalidEscape, 4)
        );
        assert_eq!(
            err_of(string(r#""\u12"#)),
            (ParseErrorKind::InvalidEscape, 4)
        );
    }

    #[test]
    fn unterminated_and_control_characters() {
        assert_eq!(
            err_of(string(r#""abc"#)),
            (ParseErrorKind::UnterminatedString, 4)
        );
        assert_eq!(
            err_of(string(r#""a\"#)),
            (ParseErrorKind::UnterminatedString, 3)
        );
        assert_eq!(
            err_of(string("\"a\tb\"")),
            (ParseErrorKind::InvalidStringChar, 1)
        );
    }

    #[test]
    fn numbers_keep_integer_and_decimal_apart() {
        let n = |s| number(s).unwrap().1;
        assert!(n("42").is_u64());
        assert!(n("-42").is_i64());
        assert!(n("1.0").is_f64());
        assert!(n("1e2").is_f64());
        assert_eq!(n("-1.5E-3").as_f64(), Some(-0.0015));
        assert!(n("18446744073709551616").is_f64());
    }

    #[test]
    fn malformed_numbers_are_invalid() {
        for bad in ["01", "1.", "-", "-a", "1e", "1e+", "1x", "1.5.2", "1e999"] {
            assert_eq!(
                err_of(number(bad)),
                (ParseErrorKind::InvalidNumber, bad.len()),
                "{bad}"
            );
        }
    }

    #[test]
    fn operators_are_case_insensitive_and_delimited() {
        assert_eq!(
            operator("EQ x").unwrap().1,
            Operator::Compare(CompareOp::Eq)
        );
        assert_eq!(operator("Pr").unwrap().1, Operator::Present);
        assert_eq!(
            err_of(operator("eqx 1")),
            (ParseErrorKind::UnknownOperator, 3)
        );
        assert_eq!(
            err_of(operator("xx \"a\"")),
            (ParseErrorKind::UnknownOperator, 2)
        );
        assert_eq!(err_of(operator("")).0, ParseErrorKind::UnexpectedEnd);
    }

    #[test]
    fn attribute_names() {
        assert!(is_attr_name("userName"));
        assert!(is_attr_name("x-y_z9"));
        assert!(is_attr_name("$ref"));
        assert!(!is_attr_name("9lives"));
        assert!(!is_attr_name("$other"));
        assert!(!is_attr_name(""));
        assert!(is_uri("urn:ietf:params:scim:schemas:core:2.0:User"));
        assert!(!is_uri("urn"));
        assert!(!is_uri("9rn:x"));
        assert!(!is_uri("urn:"));
    }
}

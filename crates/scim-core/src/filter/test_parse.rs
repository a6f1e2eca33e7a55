//! A minimal filter reader for the resolve and eval unit tests, until the real parser lands.
//!
//! It reads the well-formed subset the tests use (no error reporting beyond a panic) and gives
//! each node the span of the text it was read from.

use std::borrow::Cow;

use super::ast::{
    AttrPath, CompValue, Compare, CompareOp, Filter, Junction, Not, Present, Span, ValuePath,
};

pub(crate) fn filter(text: &str) -> Filter<'static> {
    let mut reader = Reader { text, pos: 0 };
    let filter = reader.or();
    reader.skip_ws();
    assert_eq!(reader.pos, text.len(), "trailing text in {text:?}");
    filter.into_owned()
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn span(start: usize, end: usize) -> Span {
        Span::new(start as u32, end as u32)
    }

    fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        let matches = rest.len() >= word.len()
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && (rest.len() == word.len() || rest[word.len()..].starts_with([' ', '(', ')', ']']));
        if matches {
            self.pos += word.len();
        }
        matches
    }

    fn junction(&mut self, word: &str, next: fn(&mut Self) -> Filter<'a>) -> Filter<'a> {
        self.skip_ws();
        let start = self.pos;
        let mut operands = vec![next(self)];
        while self.keyword(word) {
            operands.push(next(self));
        }
        if operands.len() == 1 {
            return operands.remove(0);
        }
        let junction = Junction {
            operands,
            span: Self::span(start, self.pos),
        };
        if word == "or" {
            Filter::Or(junction)
        } else {
            Filter::And(junction)
        }
    }

    fn or(&mut self) -> Filter<'a> {
        self.junction("or", Self::and)
    }

    fn and(&mut self) -> Filter<'a> {
        self.junction("and", Self::unary)
    }

    fn expect(&mut self, c: char) {
        self.skip_ws();
        assert!(self.rest().starts_with(c), "expected {c:?} at {}", self.pos);
        self.pos += 1;
    }

    fn unary(&mut self) -> Filter<'a> {
        self.skip_ws();
        let start = self.pos;
        if self.keyword("not") {
            self.expect('(');
            let inner = self.or();
            self.expect(')');
            return Filter::Not(Not {
                inner: Box::new(inner),
                span: Self::span(start, self.pos),
            });
        }
        if self.rest().starts_with('(') {
            self.pos += 1;
            let inner = self.or();
            self.expect(')');
            return inner;
        }
        let path = self.path();
        if self.rest().starts_with('[') {
            self.pos += 1;
            let inner = self.or();
            self.expect(']');
            return Filter::ValuePath(ValuePath {
                path,
                filter: Box::new(inner),
                span: Self::span(start, self.pos),
            });
        }
        if self.keyword("pr") {
            return Filter::Present(Present {
                path,
                span: Self::span(start, self.pos),
            });
        }
        self.skip_ws();
        let op = CompareOp::ALL
            .into_iter()
            .find(|op| self.rest()[..2].eq_ignore_ascii_case(op.as_str()))
            .expect("operator");
        self.pos += 2;
        self.skip_ws();
        let value = self.value();
        Filter::Compare(Compare {
            path,
            op,
            value,
            span: Self::span(start, self.pos),
        })
    }

    fn path(&mut self) -> AttrPath<'a> {
        let start = self.pos;
        let len = self
            .rest()
            .find([' ', '[', ']', ')'])
            .unwrap_or(self.rest().len());
        let written = &self.rest()[..len];
        self.pos += len;
        let (uri, local) = match written.rfind(':') {
            Some(colon) => (
                Some(Cow::Borrowed(&written[..colon])),
                &written[colon + 1..],
            ),
            None => (None, written),
        };
        let (name, sub_attr) = match local.split_once('.') {
            Some((name, sub)) => (name, Some(Cow::Borrowed(sub))),
            None => (local, None),
        };
        AttrPath {
            uri,
            name: Cow::Borrowed(name),
            sub_attr,
            span: Self::span(start, self.pos),
        }
    }

    fn value(&mut self) -> CompValue<'a> {
        let rest = self.rest();
        if let Some(body) = rest.strip_prefix('"') {
            let mut escaped = false;
            let end = body
                .char_indices()
                .find(|&(_, c)| {
                    let close = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close
                })
                .map(|(i, _)| i + 2)
                .expect("closing quote");
            self.pos += end;
            let decoded: String = serde_json::from_str(&rest[..end]).expect("string literal");
            return CompValue::String(Cow::Owned(decoded));
        }
        let len = rest.find([' ', ')', ']']).unwrap_or(rest.len());
        self.pos += len;
        match &rest[..len] {
            "null" => CompValue::Null,
            "true" => CompValue::Bool(true),
            "false" => CompValue::Bool(false),
            number => CompValue::Number(number.parse().expect("number literal")),
        }
    }
}

#[test]
fn reads_the_shapes_tests_use() {
    let f = filter(r#"userType eq "Employee" and (emails co "example.com" or not (x pr))"#);
    let Filter::And(and) = &f else { panic!() };
    assert_eq!(and.span, Span::new(0, 66));
    assert!(matches!(&and.operands[1], Filter::Or(_)));
    let f = filter(r#"emails[type eq "work"] and urn:a:b:c.d gt 1.5"#);
    let Filter::And(and) = &f else { panic!() };
    let Filter::Compare(c) = &and.operands[1] else {
        panic!()
    };
    assert_eq!(c.path.uri.as_deref(), Some("urn:a:b"));
    assert_eq!(c.path.sub_attr.as_deref(), Some("d"));
    assert_eq!(c.path.span, Span::new(27, 38));
}

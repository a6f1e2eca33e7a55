//! The parser's operand stack.

use crate::filter::ast::Filter;

/// A stack of parsed nodes. A node pushed onto an empty stack stays inline in `top`, so that a
/// filter without `and`/`or` (the commonest kind) is parsed without allocating for the stack at
/// all; as soon as a second node arrives, everything lives in `below`, and later nodes are built
/// straight into its buffer.
///
/// Invariant: when `top` is set, `below` is empty.
pub(super) struct Stack<'a> {
    top: Option<Filter<'a>>,
    below: Vec<Filter<'a>>,
}

impl<'a> Stack<'a> {
    pub(super) fn new() -> Self {
        Self {
            top: None,
            below: Vec::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.below.len() + usize::from(self.top.is_some())
    }

    /// Pushes the node `build` makes. Building it only once its slot is ready lets the compiler
    /// write the node's fields straight into place instead of copying a finished node there.
    #[inline(always)]
    pub(super) fn push_with(&mut self, build: impl FnOnce() -> Filter<'a>) {
        if self.top.is_none() && self.below.is_empty() {
            self.top = Some(build());
            return;
        }
        if let Some(first) = self.top.take() {
            self.below.reserve(4);
            self.below.push(first);
        }
        self.below.push(build());
    }

    pub(super) fn pop(&mut self) -> Option<Filter<'a>> {
        self.top.take().or_else(|| self.below.pop())
    }

    /// Removes the nodes pushed since the stack was `base` long, in the order they were pushed.
    pub(super) fn split_off(&mut self, base: usize) -> Vec<Filter<'a>> {
        if let Some(first) = self.top.take() {
            self.below.push(first);
        }
        if base == 0 {
            // The whole stack: hand over its buffer instead of copying out of it.
            std::mem::take(&mut self.below)
        } else {
            self.below.split_off(base.min(self.below.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::ast::{AttrPath, Present, Span};

    fn node(name: &str) -> Filter<'_> {
        Filter::Present(Present {
            path: AttrPath::name(name),
            span: Span::default(),
        })
    }

    fn names(nodes: &[Filter<'_>]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| match n {
                Filter::Present(p) => p.path.name.to_string(),
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn keeps_push_order() {
        let mut stack = Stack::new();
        for name in ["a", "b", "c", "d"] {
            stack.push_with(|| node(name));
        }
        assert_eq!(stack.len(), 4);
        assert_eq!(names(&stack.split_off(2)), ["c", "d"]);
        assert_eq!(stack.len(), 2);
        assert_eq!(names(&[stack.pop().unwrap()]), ["b"]);
        stack.push_with(|| node("b"));
        assert_eq!(stack.len(), 2);
        stack.push_with(|| node("e"));
        assert_eq!(names(&stack.split_off(0)), ["a", "b", "e"]);
        assert_eq!(stack.len(), 0);
        assert!(stack.pop().is_none());
        stack.push_with(|| node("f"));
        assert_eq!(names(&[stack.pop().unwrap()]), ["f"]);
    }
}

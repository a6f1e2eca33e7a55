//! The filter and PATCH path grammar, from the outside: data-driven cases, the corpus, the round
//! trip through the printer, and the fuzzers' regression inputs.

mod corpus;
mod data;
mod dump;
mod fuzz_regressions;
mod round_trip;

//! `cargo +nightly fuzz run parse_clf`: the Clf line parser (`LineParser` with `Format::Clf`, the public
//! entry point the shard calls per line) returns a record or a rejection reason for every line, never a panic.
//! The first byte picks the CSV delimiter (only CSV reads it), the rest are lines for one parser (it keeps state).
#![no_main]

use libfuzzer_sys::fuzz_target;
use logpulse_core::parse::LineParser;
use logpulse_core::{Format, ShardOptions};

#[path = "lines.rs"]
mod lines;

fuzz_target!(|data: &[u8]| {
    let Some((&delimiter, rest)) = data.split_first() else { return };
    // Only delimiters the options accept (ShardOptions::validate) reach a parser.
    let options = ShardOptions { csv_delimiter: delimiter, ..ShardOptions::default() };
    if options.validate().is_err() {
        return;
    }
    let mut parser = LineParser::new(Format::Clf, delimiter);
    lines::each_line(rest, |line| {
        let _ = parser.parse(line);
    });
});

//! `cargo +nightly fuzz run json_fast_path`: the JSON extractor's hand-written fast path and sonic-rs alone give
//! the same fields (or both say malformed) for every line — json.rs promises "results are the same either way".
//! One parser sees all the lines, so its skip/probe history (which path a line takes) varies too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logpulse_core::json::JsonParser;

#[path = "lines.rs"]
mod lines;

fuzz_target!(|data: &[u8]| {
    let mut both = JsonParser::new();
    let mut sonic = JsonParser::new();
    lines::each_line(data, |line| {
        let got = both.extract_str(line);
        let want = sonic.extract_str_sonic_only(line);
        assert_eq!(got, want, "fast path and sonic-rs disagree on {line:?}");
    });
});

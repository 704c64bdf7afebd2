//! `cargo +nightly fuzz run parse_json` (or `scripts/fuzz`): see `checks::parse` in ../checks.rs for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    assert!(checks::check("parse_json", data));
});

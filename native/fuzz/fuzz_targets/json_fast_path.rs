//! `cargo +nightly fuzz run json_fast_path` (or `scripts/fuzz`): see `checks::json_fast_path` in ../checks.rs for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    assert!(checks::check("json_fast_path", data));
});

//! `cargo +nightly fuzz run process` (or `scripts/fuzz`): see `checks::process` in ../checks.rs for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    assert!(checks::check("process", data));
});

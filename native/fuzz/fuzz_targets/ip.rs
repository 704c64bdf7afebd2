//! `cargo +nightly fuzz run ip` (or `scripts/fuzz`): see `checks::ip` in ../checks.rs for what it checks.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    assert!(checks::check("ip", data));
});

//! `cargo +nightly fuzz run timestamp`: every timestamp parser returns a value or None for any bytes, and what
//! the ISO and CLF parsers accept lies in the contract's range (years 0001–9999, ± a day of offset) and
//! survives the writer: written back as ISO with microseconds and parsed again, it is the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logpulse_core::timestamp::{
    epoch_ms_digits_to_us, epoch_ms_f64_to_us, parse_clf_time, parse_iso8601, write_iso_micros, write_iso_millis,
};

/// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in µs, widened by a day for the offsets.
const MIN_US: i64 = -62_135_596_800_000_000 - 86_400_000_000;
const MAX_US: i64 = 253_402_300_800_000_000 + 86_400_000_000;

fn round_trips(us: i64) {
    assert!((MIN_US..MAX_US).contains(&us), "{us} µs is out of range");
    let mut text = Vec::new();
    write_iso_micros(us, &mut text);
    // Past year 9999 or before 0001 in UTC (a ±offset moved it there) the writer's text is not parseable ISO.
    if let Some(again) = parse_iso8601(&text) {
        assert_eq!(again, us, "{:?} does not parse back", String::from_utf8_lossy(&text));
    }
    write_iso_millis(us, &mut text);
}

fuzz_target!(|data: &[u8]| {
    if let Some(us) = parse_iso8601(data) {
        round_trips(us);
    }
    if let Some(us) = parse_clf_time(data) {
        round_trips(us);
    }
    if let Some(us) = epoch_ms_digits_to_us(data) {
        assert!(us >= 0, "negative epoch {us}");
        round_trips(us);
    }
    if let Ok(bytes) = <[u8; 8]>::try_from(data) {
        if let Some(us) = epoch_ms_f64_to_us(f64::from_le_bytes(bytes)) {
            assert!(us >= 0, "negative epoch {us}");
            round_trips(us);
        }
    }
});

//! What each fuzz target checks, as plain functions of the input bytes: included (`#[path]`) by the targets in
//! fuzz_targets/ and by native/core/tests/fuzz_regressions.rs, which replays every input kept under regressions/
//! on the stable toolchain. Each function panics exactly when the target has found something.
#![allow(dead_code)] // each target includes them all and calls one

use std::net::{Ipv4Addr, Ipv6Addr};

use logpulse_core::ip::{parse_ip, IpKey};
use logpulse_core::json::JsonParser;
use logpulse_core::parse::LineParser;
use logpulse_core::timestamp::{
    epoch_ms_digits_to_us, epoch_ms_f64_to_us, parse_clf_time, parse_iso8601, write_iso_micros, write_iso_millis,
};
use logpulse_core::window::ip_from_bytes;
use logpulse_core::{Format, ProcessOutput, Shard, ShardOptions, WindowMerger};

const NOW_US: i64 = 1_749_462_150_000_000;

/// The target names, as `cargo fuzz list` gives them and as regressions/ names its folders.
pub const TARGETS: [&str; 9] =
    ["process", "parse_json", "parse_csv", "parse_clf", "parse_auto", "json_fast_path", "timestamp", "ip", "restore"];

/// Runs the check of `target` on `data`; false for a name that is no target.
pub fn check(target: &str, data: &[u8]) -> bool {
    match target {
        "process" => process(data),
        "parse_json" => parse(Format::Json, data),
        "parse_csv" => parse(Format::Csv, data),
        "parse_clf" => parse(Format::Clf, data),
        "parse_auto" => parse(Format::Auto, data),
        "json_fast_path" => json_fast_path(data),
        "timestamp" => timestamp(data),
        "ip" => ip(data),
        "restore" => restore(data),
        _ => return false,
    }
    true
}

/// Any bytes, cut anywhere, in any format, across several streams, through every shard call and the merger: never a
/// panic. The first byte picks the options; a 0xFE byte ends a chunk (so cuts land mid-line and mid-character).
pub fn process(data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else { return };
    let format = [Format::Auto, Format::Json, Format::Csv, Format::Clf][usize::from(ctl & 3)];
    let opts = ShardOptions {
        format,
        max_line_bytes: if ctl & 4 != 0 { 64 } else { 65_536 },
        window_us: if ctl & 8 != 0 { 1_000_000 } else { 30_000_000 },
        watermark_us: if ctl & 16 != 0 { 0 } else { 10_000_000 },
        ..ShardOptions::default()
    };
    // With bit 5 a second shard parses every call's whole lines in parts at once (`shard::parallel`), however few,
    // and must give the same outputs call for call.
    let in_parts = (ctl & 32 != 0).then(|| ShardOptions { parse_threads: 3, parallel_min_bytes: 0, ..opts.clone() });
    let Ok(mut shard) = Shard::new(opts) else { return };
    let mut parts = in_parts.and_then(|o| Shard::new(o).ok());
    let mut same = |out: &ProcessOutput, call: &mut dyn FnMut(&mut Shard) -> ProcessOutput| {
        if let Some(p) = parts.as_mut() {
            let other = call(p);
            assert_eq!(
                (&out.errors, &out.rejected, out.encode_partials(), &out.counters, out.watermark_us, out.closed_through_us),
                (&other.errors, &other.rejected, other.encode_partials(), &other.counters, other.watermark_us, other.closed_through_us),
                "parsing in parts changed a call's outputs"
            );
        }
    };
    let mut merger = WindowMerger::new(3);
    for (i, piece) in rest.split_inclusive(|&b| b == 0xFE).enumerate() {
        let stream = ["a", "b", "c"][i % 3];
        let now = NOW_US + i as i64 * 1_000_000;
        let out = shard.process(stream, piece, now);
        same(&out, &mut |p| p.process(stream, piece, now));
        let _ = merger.add(&out.encode_partials());
        if i % 5 == 4 {
            let out = shard.end_stream(stream, NOW_US);
            same(&out, &mut |p| p.end_stream(stream, NOW_US));
        }
        if i % 7 == 6 {
            let snap = shard.snapshot();
            let _ = shard.restore(&snap);
        }
    }
    let out = shard.flush(NOW_US);
    same(&out, &mut |p| p.flush(NOW_US));
    let _ = merger.add(&out.encode_partials());
    let _ = merger.drain(None);
    let _ = shard.restore(rest);
    let _ = merger.add(rest);
}

/// Calls `f` with each line as a shard hands lines to the parser: no `\n`, no trailing `\r`, UTF-8, not blank.
fn each_line(data: &[u8], mut f: impl FnMut(&str)) {
    for raw in data.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(|&b| b == b' ' || b == b'\t') {
            continue;
        }
        if let Ok(text) = std::str::from_utf8(line) {
            f(text);
        }
    }
}

/// The line parser the shard calls per line (`LineParser`, public) returns a record or a reason for every line.
/// The first byte is the CSV delimiter when the options accept it (only CSV reads it); the rest are lines for one
/// parser, which keeps state from line to line.
pub fn parse(format: Format, data: &[u8]) {
    let Some((&delimiter, rest)) = data.split_first() else { return };
    if (ShardOptions { csv_delimiter: delimiter, ..ShardOptions::default() }).validate().is_err() {
        return;
    }
    let mut parser = LineParser::new(format, delimiter);
    each_line(rest, |line| {
        let _ = parser.parse(line);
    });
}

/// The JSON extractor's fast path and sonic-rs alone agree on every line (json.rs: "results are the same either
/// way"), whichever path the parser's skip/probe history sends a line down.
pub fn json_fast_path(data: &[u8]) {
    let mut both = JsonParser::new();
    let mut sonic = JsonParser::new();
    each_line(data, |line| {
        assert_eq!(both.extract_str(line), sonic.extract_str_sonic_only(line), "fast path and sonic-rs disagree on {line:?}");
    });
}

/// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in µs, widened by a day for the offsets.
const MIN_US: i64 = -62_135_596_800_000_000 - 86_400_000_000;
const MAX_US: i64 = 253_402_300_800_000_000 + 86_400_000_000;

/// A timestamp a parser accepted: in range, and written as ISO it parses back to itself.
pub fn round_trips(us: i64) {
    assert!((MIN_US..MAX_US).contains(&us), "{us} µs is out of range");
    let mut text = Vec::new();
    write_iso_micros(us, &mut text);
    // Past year 9999 or before 0001 in UTC (an offset moved it there) the written text is not parseable ISO.
    if let Some(again) = parse_iso8601(&text) {
        assert_eq!(again, us, "{:?} does not parse back", String::from_utf8_lossy(&text));
    }
    write_iso_millis(us, &mut text);
}

/// Every timestamp parser gives a value or None; what ISO and CLF accept is in range and parses back once written.
pub fn timestamp(data: &[u8]) {
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
}

/// An accepted client IP is the address `std` reads from the same text (the IPv4 parser is hand-written), and its
/// key bytes map back to it (`ip_from_bytes`, used when a snapshot is restored).
pub fn ip(data: &[u8]) {
    let Some(key) = parse_ip(data) else { return };
    let text = std::str::from_utf8(data).expect("an accepted address is UTF-8");
    match key {
        IpKey::V4(octets) => assert_eq!(text.parse::<Ipv4Addr>().ok(), Some(Ipv4Addr::from(octets)), "{text:?}"),
        IpKey::V6(octets) => assert_eq!(text.parse::<Ipv6Addr>().ok(), Some(Ipv6Addr::from(octets)), "{text:?}"),
        // Host names are `parse_hostname`'s (CLF clients), never an address parser's answer.
        IpKey::Host(_) => panic!("parse_ip read {text:?} as a host name"),
    }
    assert_eq!(ip_from_bytes(key.as_bytes()), Some(key));
}

/// A checkpoint is read back from disk: any bytes given to `Shard::restore` and `WindowMerger::add` (the merger's
/// restore) are taken or refused as data; what is taken snapshots to bytes that restore the same again, and runs.
pub fn restore(data: &[u8]) {
    let mut shard = Shard::new(ShardOptions::default()).expect("default options are valid");
    if shard.restore(data).is_ok() {
        let snap = shard.snapshot();
        let mut again = Shard::new(ShardOptions::default()).expect("default options are valid");
        again.restore(&snap).expect("a shard's own snapshot restores");
        assert_eq!(again.snapshot(), snap, "snapshot → restore → snapshot changed the state");
        let _ = shard.tick(NOW_US);
        let _ = shard.process("s", b"1.2.3.4 - - [09/Jun/2025:09:42:45 +0000] \"GET / HTTP/1.1\" 200 -\n", NOW_US);
        let _ = shard.flush(NOW_US);
    }
    let mut merger = WindowMerger::new(5);
    if merger.add(data).is_ok() {
        let snap = merger.snapshot();
        let mut again = WindowMerger::new(5);
        again.add(&snap).expect("a merger's own snapshot restores");
        assert_eq!(again.snapshot(), snap, "merger snapshot → add → snapshot changed the state");
        let _ = merger.drain(None);
    }
}

//! Property tests on the stable toolchain (the cargo-fuzz target needs nightly): arbitrary bytes in arbitrary
//! chunks never panic, and the results never depend on where the chunks were cut, nor on parsing each call's
//! lines in parts (`parseThreads`).

use logpulse_core::{Format, ProcessOutput, Shard, ShardOptions, WindowMerger};
use proptest::prelude::*;

const NOW: i64 = 1_749_462_150_000_000;

fn opts(format: Format) -> ShardOptions {
    ShardOptions { format, max_line_bytes: 120, window_us: 2_000_000, watermark_us: 1_000_000, ..ShardOptions::default() }
}

fn run(format: Format, chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    run_in_parts(format, 1, chunks)
}

/// `parse_threads` > 1: every call with a whole line is parsed in parts (`parallel_min_bytes` 0).
fn run_in_parts(format: Format, parse_threads: usize, chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut shard = Shard::new(ShardOptions { parse_threads, parallel_min_bytes: 0, ..opts(format) }).unwrap();
    let mut all = ProcessOutput::default();
    let mut merger = WindowMerger::new(5);
    for c in chunks {
        let out = shard.process("s", c, NOW);
        merger.add(&out.encode_partials()).unwrap();
        all.errors.extend(out.errors);
        all.rejected.extend(out.rejected);
    }
    let out = shard.flush(NOW);
    merger.add(&out.encode_partials()).unwrap();
    all.errors.extend(out.errors);
    all.rejected.extend(out.rejected);
    (all.errors, all.rejected, merger.drain(None).rows)
}

/// Lines that look like logs, so the parsers get past their first byte, mixed with raw noise.
fn log_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{\"timestamp\": \"2025-06-09T09:42:40.001034Z\", \"ip\": \"208.173.67.38\", \"method\": \"GET\", \"url\": \"/r/3\", \"status\": 404}\n".to_vec()),
        Just(b"2025-06-09T09:42:4".to_vec()),
        Just(b"1.000Z;142.239.108.255;POST;/resource/4;500\r\n".to_vec()),
        Just(b"1.2.3.4 - - [09/Jun/2025:09:42:45 +0000] \"GET /home HTTP/1.1\" 404 -\n".to_vec()),
        Just(b"{\"timestamp\":1749462161000,\"ip\":\"::1\",\"method\":\"GET\",\"url\":\"/\xc3\xa9\",\"status\":\"500\"}\n".to_vec()),
        Just(b"\n  \n".to_vec()),
        Just(b"\xff\xc3".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_any_cuts_same_results(data in log_like(), cuts in proptest::collection::vec(any::<usize>(), 0..12), f in 0usize..4, parts in 1usize..5) {
        let format = [Format::Auto, Format::Json, Format::Csv, Format::Clf][f];
        let whole = run(format, &[&data]);
        let mut points: Vec<usize> = cuts.iter().map(|c| if data.is_empty() { 0 } else { c % data.len() }).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&data[last..p]);
            last = p;
        }
        chunks.push(&data[last..]);
        prop_assert_eq!(whole, run_in_parts(format, parts, &chunks));
    }

    /// Garbage is refused with an `Err`, never taken for state: without the magic always; after the magic when
    /// the next byte cannot start the MessagePack array or map a snapshot or a partials list is encoded as.
    #[test]
    fn garbage_snapshots_and_partials_are_errors_not_panics(data in proptest::collection::vec(any::<u8>(), 1..400)) {
        let mut shard = Shard::new(opts(Format::Auto)).unwrap();
        let mut merger = WindowMerger::new(3);
        prop_assert!(data.starts_with(b"LPS1") || shard.restore(&data).is_err(), "accepted as a snapshot: {:?}", data);
        prop_assert!(data.starts_with(b"LPW1") || merger.add(&data).is_err(), "accepted as partials: {:?}", data);
        let container = matches!(data[0], 0x80..=0x9f | 0xdc..=0xdf);
        let with_magic = [b"LPS1".as_slice(), &data].concat();
        let partials = [b"LPW1".as_slice(), &data].concat();
        let restored = shard.restore(&with_magic);
        let added = merger.add(&partials);
        if !container {
            prop_assert!(restored.is_err(), "accepted as a snapshot: {:?}", with_magic);
            prop_assert!(added.is_err(), "accepted as partials: {:?}", partials);
        }
        // Whatever was accepted must still drain without a panic.
        let _ = merger.drain(None);
    }

    /// A real snapshot or partials list cut short anywhere (a torn checkpoint file) is an `Err`: MessagePack is
    /// prefix-free, so no strict prefix decodes.
    #[test]
    fn truncated_state_is_an_error(cut in any::<usize>()) {
        let mut shard = Shard::new(opts(Format::Json)).unwrap();
        let lines = b"{\"timestamp\": \"2025-06-09T09:42:40Z\", \"ip\": \"1.2.3.4\", \"method\": \"GET\", \"url\": \"/a\", \"status\": 500}\n{\"timestamp\": \"2025-06-09T09:42:44Z\", \"ip\": \"::1\", \"method\": \"GET\", \"url\": \"/b\", \"status\": 200}\n";
        let _ = shard.process("s", lines, NOW);
        let snapshot = shard.snapshot();
        let flushed = shard.flush(NOW).encode_partials();
        prop_assert!(Shard::new(opts(Format::Json)).unwrap().restore(&snapshot).is_ok());
        prop_assert!(WindowMerger::new(3).add(&flushed).is_ok());
        let s_cut = cut % snapshot.len();
        prop_assert!(Shard::new(opts(Format::Json)).unwrap().restore(&snapshot[..s_cut]).is_err(), "snapshot cut at {}", s_cut);
        let p_cut = 1 + cut % (flushed.len() - 1);
        prop_assert!(WindowMerger::new(3).add(&flushed[..p_cut]).is_err(), "partials cut at {}", p_cut);
    }

    /// A real snapshot or partials list with bytes after it (two writes run together) is an `Err`, not the first
    /// value restored and the rest ignored.
    #[test]
    fn state_with_trailing_bytes_is_an_error(extra in proptest::collection::vec(any::<u8>(), 1..40)) {
        let mut shard = Shard::new(opts(Format::Json)).unwrap();
        let lines = b"{\"timestamp\": \"2025-06-09T09:42:40Z\", \"ip\": \"1.2.3.4\", \"method\": \"GET\", \"url\": \"/a\", \"status\": 500}\n";
        let _ = shard.process("s", lines, NOW);
        let snapshot = [shard.snapshot(), extra.clone()].concat();
        let flushed = [shard.flush(NOW).encode_partials(), extra].concat();
        prop_assert!(Shard::new(opts(Format::Json)).unwrap().restore(&snapshot).is_err(), "snapshot with trailing bytes accepted");
        prop_assert!(WindowMerger::new(3).add(&flushed).is_err(), "partials with trailing bytes accepted");
    }
}

//! `cargo +nightly fuzz run process`: any bytes, cut anywhere, in any format, across several streams, through
//! every shard call and the merger, must never panic. The first input bytes pick the options and the cuts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logpulse_core::{Format, Shard, ShardOptions, WindowMerger};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else { return };
    let format = [Format::Auto, Format::Json, Format::Csv, Format::Clf][usize::from(ctl & 3)];
    let opts = ShardOptions {
        format,
        max_line_bytes: if ctl & 4 != 0 { 64 } else { 65_536 },
        window_us: if ctl & 8 != 0 { 1_000_000 } else { 30_000_000 },
        watermark_us: if ctl & 16 != 0 { 0 } else { 10_000_000 },
        ..ShardOptions::default()
    };
    let Ok(mut shard) = Shard::new(opts) else { return };
    let mut merger = WindowMerger::new(3);
    let now = 1_749_462_150_000_000;
    // Cut the input at every 0xFE byte's position modulo the stream count, so cuts land mid-line and mid-char.
    for (i, piece) in rest.split_inclusive(|&b| b == 0xFE).enumerate() {
        let stream = ["a", "b", "c"][i % 3];
        let out = shard.process(stream, piece, now + i as i64 * 1_000_000);
        let _ = merger.add(&out.encode_partials());
        if i % 5 == 4 {
            let _ = shard.end_stream(stream, now);
        }
        if i % 7 == 6 {
            let snap = shard.snapshot();
            let _ = shard.restore(&snap);
        }
    }
    let _ = merger.add(&shard.flush(now).encode_partials());
    let _ = merger.drain(None);
    let _ = shard.restore(rest);
    let _ = merger.add(rest);
});

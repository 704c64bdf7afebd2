//! `cargo +nightly fuzz run restore`: a checkpoint is read back from disk, so its bytes are untrusted. Any bytes
//! given to `Shard::restore` and `WindowMerger::add` (the merger's restore) are taken or refused as data, never a
//! panic; what is taken snapshots to bytes that restore into a fresh shard/merger and snapshot the same again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logpulse_core::{Shard, ShardOptions, WindowMerger};

fuzz_target!(|data: &[u8]| {
    let now = 1_749_462_150_000_000;
    let mut shard = Shard::new(ShardOptions::default()).expect("default options are valid");
    if shard.restore(data).is_ok() {
        let snap = shard.snapshot();
        let mut again = Shard::new(ShardOptions::default()).expect("default options are valid");
        again.restore(&snap).expect("a shard's own snapshot restores");
        assert_eq!(again.snapshot(), snap, "snapshot → restore → snapshot changed the state");
        // The restored state must also run: tick, a line, and a flush.
        let _ = shard.tick(now);
        let _ = shard.process("s", b"1.2.3.4 - - [09/Jun/2025:09:42:45 +0000] \"GET / HTTP/1.1\" 200 -\n", now);
        let _ = shard.flush(now);
    }
    let mut merger = WindowMerger::new(5);
    if merger.add(data).is_ok() {
        let snap = merger.snapshot();
        let mut again = WindowMerger::new(5);
        again.add(&snap).expect("a merger's own snapshot restores");
        assert_eq!(again.snapshot(), snap, "merger snapshot → add → snapshot changed the state");
        let _ = merger.drain(None);
    }
});

//! `cargo bench --bench process`: throughput of `Shard::process` alone (no N-API), on 1 MiB chunks of
//! seed-shaped lines with 10 % errors, one core. It exists to profile the hot path (`perf record` on this
//! binary; `ONLY=Json REPS=40` narrows a run for that); the numbers users see come from `npm run bench`,
//! which goes through the binding. Each format runs with the Parquet archive off and on (`ARCHIVE=off|on`
//! narrows); "on" writes into a temp dir and includes the final `archive_cut` in the time. `THREADS=N` parses
//! each chunk in N parts at once (`parseThreads`; default 1, one core).

use std::time::Instant;

use logpulse_core::{ArchiveOptions, Format, Shard, ShardOptions};

const LINES: usize = 400_000;
const T0_US: i64 = 1_749_462_150_000_000;

fn lines(format: Format) -> Vec<u8> {
    let mut x: u32 = 42;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut out = Vec::with_capacity(LINES * 130);
    for i in 0..LINES {
        let us = T0_US + i as i64 * 500;
        let (secs, micros) = (us / 1_000_000, us % 1_000_000);
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let ip = next().to_be_bytes();
        let ip = format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]);
        let url = format!("/resource/{}", 1 + next() % 1000);
        let status = match next() % 20 {
            0 => 404,
            1 => 500,
            _ => 200,
        };
        let method = ["GET", "POST", "PUT", "DELETE"][(next() % 4) as usize];
        let line = match format {
            Format::Csv => format!("2025-06-09T{h:02}:{m:02}:{s:02}.{micros:06}Z;{ip};{method};{url};{status}\n"),
            Format::Clf => format!("{ip} - - [09/Jun/2025:{h:02}:{m:02}:{s:02} +0000] \"{method} {url} HTTP/1.1\" {status} {}\n", next() % 5000),
            _ => format!("{{\"timestamp\": \"2025-06-09T{h:02}:{m:02}:{s:02}.{micros:06}Z\", \"ip\": \"{ip}\", \"method\": \"{method}\", \"url\": \"{url}\", \"status\": {status}}}\n"),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let mut end = (start + (1 << 20)).min(data.len());
        if end < data.len() {
            end = data[..end].iter().rposition(|&b| b == b'\n').map_or(end, |p| p + 1);
        }
        out.push(&data[start..end]);
        start = end;
    }
    out
}

fn main() {
    let now = T0_US + 3_600_000_000;
    let tmp = tempfile::tempdir().expect("temp dir");
    let parse_threads = std::env::var("THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    for format in [Format::Json, Format::Csv, Format::Clf].into_iter().filter(|f| std::env::var("ONLY").map_or(true, |o| format!("{f:?}") == o)) {
        let data = lines(format);
        let parts = chunks(&data);
        for archive in [false, true].into_iter().filter(|&a| std::env::var("ARCHIVE").map_or(true, |v| (v == "on") == a)) {
            let mut best = f64::MAX;
            let mut seq = 0;
            for _ in 0..std::env::var("REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(7) {
                let archive_opts = archive.then(|| ArchiveOptions { dir: tmp.path().to_path_buf(), run: "bench".into(), shard: 0 });
                let mut shard = Shard::new(ShardOptions { format, archive: archive_opts, parse_threads, ..ShardOptions::default() }).unwrap();
                let t = Instant::now();
                let mut errors = 0;
                for c in &parts {
                    errors += shard.process("bench", c, now).errors.len();
                }
                errors += shard.flush(now).errors.len();
                if archive {
                    seq += 1;
                    let files = shard.archive_cut(seq).expect("archive cut");
                    assert_eq!(files.iter().map(|f| f.rows).sum::<u64>(), LINES as u64);
                }
                best = best.min(t.elapsed().as_secs_f64());
                assert!(errors > 0);
            }
            println!(
                "{format:?} archive={} parts={parse_threads}: {:.2} M lines/s, {:.0} MB/s, {:.1} ns/line (best of 7, {} MiB)",
                if archive { "on " } else { "off" },
                LINES as f64 / best / 1e6,
                data.len() as f64 / best / 1e6,
                best * 1e9 / LINES as f64,
                data.len() >> 20
            );
        }
    }
}

//! The parallel parse (`parallel`) against the sequential path: every call's output equal, field by field, over
//! inputs with every kind of line — valid in each format, late, future, blank, CRLF, overlong, not UTF-8, Apache
//! `\xhh` escapes, JSON escapes — cut anywhere, over two streams.

use super::*;

const S: i64 = 1_000_000;
const T0: i64 = 1_749_462_150 * S;
const NOW: i64 = T0 + 3600 * S;

/// A small deterministic generator (xorshift64*), so a failing seed can be run again.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn iso(ts_us: i64) -> String {
    let mut out = Vec::new();
    crate::timestamp::write_iso_micros(ts_us, &mut out);
    String::from_utf8(out).unwrap()
}

/// One line (with its terminator) of a kind drawn by `d`, at about event time `ts`.
fn any_line(d: &mut Draw, ts: i64) -> Vec<u8> {
    let ip = format!("10.{}.{}.{}", d.below(3), d.below(20), d.below(200));
    let status = [200, 200, 200, 301, 404, 500, 503][d.below(7) as usize];
    let url = format!("/resource/{}", d.below(12));
    let ms = ts / 1000;
    let text = match d.below(20) {
        0 => format!("{}Z;{ip};GET;{url};{status}", iso(ts).trim_end_matches('Z')),
        1 => format!("{ip} - - [09/Jun/2025:09:42:{:02} +0000] \"GET {url} HTTP/1.1\" {status} 12 \"-\" \"curl/8\"", d.below(60)),
        2 => String::new(),
        3 => "   \t ".to_string(),
        4 => "{broken".to_string(),
        5 => format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"/a\\u0041{url}\",\"status\":{status}}}", ms),
        6 => format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"/x\\xe9{url}\",\"status\":{status}}}", ms),
        7 => return [format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"/", ms).into_bytes(), vec![0xff, 0xfe], format!("{url}\",\"status\":{status}}}\n").into_bytes()].concat(),
        8 => format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"{}\",\"status\":{status}}}", ms, "/long".repeat(80)),
        9 => format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"{url}\",\"status\":{status}}}", (NOW + 3600 * S) / 1000),
        10 => format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"{url}\",\"status\":{status}}}", (ts - 120 * S) / 1000),
        11 => format!("{{\"timestamp\":\"{}\",\"ip\":\"web-{}.example\",\"method\":\"POST\",\"url\":\"{url}\",\"status\":{status}}}", iso(ts), d.below(4)),
        _ => format!("{{\"timestamp\":{},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"{url}\",\"status\":{status}}}", ms),
    };
    let end = if d.below(5) == 0 { "\r\n" } else { "\n" };
    format!("{text}{end}").into_bytes()
}

fn options(parse_threads: usize) -> ShardOptions {
    ShardOptions {
        max_line_bytes: 300,
        parse_threads,
        parallel_min_bytes: 0,
        group_tracking: crate::window::GroupTracking { urls: true, ips: true },
        ..ShardOptions::default()
    }
}

fn assert_same(a: &ProcessOutput, b: &ProcessOutput, what: &str) {
    assert_eq!(String::from_utf8_lossy(&a.errors), String::from_utf8_lossy(&b.errors), "errors, {what}");
    assert_eq!(String::from_utf8_lossy(&a.rejected), String::from_utf8_lossy(&b.rejected), "rejected, {what}");
    assert_eq!(a.encode_partials(), b.encode_partials(), "closed windows, {what}");
    assert_eq!(a.status_counts, b.status_counts, "status counts, {what}");
    assert_eq!(a.window_counts, b.window_counts, "window counts, {what}");
    assert_eq!((a.watermark_us, a.closed_through_us), (b.watermark_us, b.closed_through_us), "watermark, {what}");
    assert_eq!(a.counters, b.counters, "counters, {what}");
}

#[test]
fn parts_give_the_sequential_outputs_call_for_call() {
    for seed in 1..=60u64 {
        let mut d = Draw(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let streams: [Vec<u8>; 2] = std::array::from_fn(|s| {
            let mut bytes = Vec::new();
            for i in 0..(300 + d.below(900) as i64) {
                let ts = T0 + i * 150_000 + s as i64 * 7 * S - d.below(4) as i64 * S;
                bytes.extend(any_line(&mut d, ts));
            }
            bytes
        });
        let threads = [2, 3, 5][seed as usize % 3];
        let mut one = Shard::new(options(1)).unwrap();
        let mut many = Shard::new(options(threads)).unwrap();
        let mut at = [0usize; 2];
        let mut call = 0;
        while at[0] < streams[0].len() || at[1] < streams[1].len() {
            let s = d.below(2) as usize;
            let rest = &streams[s][at[s]..];
            if rest.is_empty() {
                continue;
            }
            let most = if d.below(4) == 0 { 30 } else { 6000 };
            let take = (1 + d.below(most) as usize).min(rest.len());
            let name = ["a", "b"][s];
            let now = NOW + call * 1000;
            let what = format!("seed {seed}, call {call}, {threads} parts");
            assert_same(&one.process(name, &rest[..take], now), &many.process(name, &rest[..take], now), &what);
            at[s] += take;
            call += 1;
            if call % 17 == 0 {
                assert_same(&one.tick(now), &many.tick(now), &what);
            }
        }
        assert_same(&one.end_stream("a", NOW), &many.end_stream("a", NOW), "end a");
        assert_same(&one.flush(NOW), &many.flush(NOW), "flush");
    }
}

#[test]
fn small_calls_stay_on_the_calling_thread_with_the_same_outputs() {
    let mut d = Draw(7);
    let mut bytes = Vec::new();
    for i in 0..2000 {
        bytes.extend(any_line(&mut d, T0 + i * 100_000));
    }
    let mut one = Shard::new(options(1)).unwrap();
    let mut many = Shard::new(ShardOptions { parallel_min_bytes: 4096, ..options(4) }).unwrap();
    for (i, piece) in bytes.chunks(3000).enumerate() {
        assert_same(&one.process("a", piece, NOW), &many.process("a", piece, NOW), &format!("piece {i}"));
    }
    assert_same(&one.flush(NOW), &many.flush(NOW), "flush");
}

#[test]
fn parse_threads_out_of_range_are_named() {
    for bad in [0, 65] {
        let e = Shard::new(ShardOptions { parse_threads: bad, ..ShardOptions::default() }).err().unwrap();
        assert_eq!(e.option, "parseThreads");
    }
}

#[test]
fn calls_of_more_lines_than_a_part_holds_are_parsed_in_rounds_with_the_same_outputs() {
    let mut d = Draw(11);
    let mut bytes = Vec::new();
    let lines = 3 * super::parallel::MAX_PART_LINES + 17;
    for i in 0..lines as i64 {
        match d.below(4) {
            0 => bytes.extend(any_line(&mut d, T0 + i * 2_000)),
            1 => bytes.extend_from_slice(b"\n"),
            _ => bytes.extend_from_slice(b"x\n"),
        }
    }
    for parts in [2, 3] {
        let mut one = Shard::new(options(1)).unwrap();
        let mut many = Shard::new(options(parts)).unwrap();
        assert_same(&one.process("a", &bytes, NOW), &many.process("a", &bytes, NOW), &format!("{parts} parts"));
        assert_same(&one.flush(NOW), &many.flush(NOW), "flush");
    }
}

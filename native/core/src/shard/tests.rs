use super::*;
use crate::merger::WindowMerger;
use crate::options::Format;

const S: i64 = 1_000_000;
/// A window boundary: 2025-06-09T09:42:30Z.
const T0: i64 = 1_749_462_150 * S;
const NOW: i64 = T0 + 3600 * S;

fn shard() -> Shard {
    Shard::new(ShardOptions::default()).unwrap()
}

fn line(ts_us: i64, ip: &str, status: u16) -> String {
    format!("{{\"timestamp\":{}.{:03},\"ip\":\"{ip}\",\"method\":\"GET\",\"url\":\"/r\",\"status\":{status}}}\n", ts_us / 1000, ts_us % 1000)
}

fn rows(partials: &[WindowPartial]) -> Vec<(i64, u64, u64)> {
    partials.iter().map(|w| (w.start_us, w.requests, w.errors)).collect()
}

fn reasons(out: &ProcessOutput) -> Vec<String> {
    String::from_utf8(out.rejected.clone())
        .unwrap()
        .lines()
        .map(|l| l.split('"').nth(3).unwrap().to_string())
        .collect()
}

#[test]
fn record_exactly_at_window_end_belongs_to_the_next_window() {
    let mut s = shard();
    s.process("a", format!("{}{}", line(T0 + 30 * S - 1, "1.1.1.1", 200), line(T0 + 30 * S, "1.1.1.2", 200)).as_bytes(), NOW);
    let out = s.flush(NOW);
    assert_eq!(rows(&out.closed), vec![(T0, 1, 0), (T0 + 30 * S, 1, 0)]);
}

#[test]
fn watermark_equal_to_end_closes_and_one_microsecond_less_does_not() {
    let mut s = shard();
    let end = T0 + 30 * S;
    let out = s.process("a", line(T0, "1.1.1.1", 200).as_bytes(), NOW);
    assert!(out.closed.is_empty());
    // wm = end + 10s - 1µs - 10s = end - 1µs: still open.
    let out = s.process("a", line(end + 10 * S - 1, "1.1.1.1", 200).as_bytes(), NOW);
    assert!(out.closed.is_empty());
    assert_eq!(out.watermark_us, Some(end - 1));
    // wm = end exactly: closes.
    let out = s.process("a", line(end + 10 * S, "1.1.1.1", 200).as_bytes(), NOW);
    assert_eq!(rows(&out.closed), vec![(T0, 1, 0)]);
    assert_eq!(out.closed_through_us, Some(end));
}

#[test]
fn late_by_one_microsecond_is_rejected_but_its_error_still_written() {
    let mut s = shard();
    let end = T0 + 30 * S;
    s.process("a", format!("{}{}", line(T0, "1.1.1.1", 200), line(end + 10 * S, "1.1.1.1", 200)).as_bytes(), NOW);
    let out = s.process("a", format!("{}{}", line(end - 1, "2.2.2.2", 500), line(end, "3.3.3.3", 200)).as_bytes(), NOW);
    assert_eq!(out.counters.late, 1);
    assert_eq!(out.counters.records, 1);
    assert_eq!(out.counters.errors, 1);
    assert_eq!(reasons(&out), vec!["late"]);
    assert!(String::from_utf8(out.errors).unwrap().contains("2.2.2.2"));
}

#[test]
fn every_rejection_reason_from_matching_input() {
    let mut s = Shard::new(ShardOptions { max_line_bytes: 200, ..ShardOptions::default() }).unwrap();
    let mut input = Vec::new();
    input.extend(b"{\"timestamp\": oops}\n");
    input.extend(b"{\"ip\":\"1.2.3.4\",\"method\":\"GET\",\"url\":\"/\",\"status\":200}\n");
    input.extend(b"{\"timestamp\":\"2025-06-09T09:42:40Z\",\"ip\":\"300.1.1.1\",\"method\":\"GET\",\"url\":\"/\",\"status\":200}\n");
    input.extend(b"{\"timestamp\":\"2025-02-30T09:42:40Z\",\"ip\":\"1.1.1.1\",\"method\":\"GET\",\"url\":\"/\",\"status\":200}\n");
    input.extend(format!("{}\n", "x".repeat(201)).as_bytes());
    input.extend(b"2025-06-09T09:42:40Z;\xff1.1.1.1;GET;/;200\n"); // no record even decoded lossily
    input.extend(line(NOW + 301 * S, "1.1.1.1", 200).as_bytes());
    input.extend(line(T0 + 100 * S, "1.1.1.1", 200).as_bytes());
    input.extend(line(T0, "1.1.1.1", 200).as_bytes());
    let out = s.process("src", &input, NOW);
    assert_eq!(
        reasons(&out),
        vec!["malformed", "missing_field", "invalid_field", "invalid_timestamp", "too_long", "invalid_utf8", "future", "late"]
    );
    for r in Reason::ALL {
        assert_eq!(out.counters.rejected_by(r), 1, "{r:?}");
    }
    let rejected = String::from_utf8(out.rejected).unwrap();
    assert!(rejected.contains("\"source\":\"src\""));
    assert!(rejected.contains("\"line_base64\":\"MjAyNS0wNi0wOVQwOTo0Mjo0MFo7/zEuMS4xLjE7R0VUOy87MjAw\""), "{rejected}");
    assert_eq!(out.counters.lines, 9);
}

#[test]
fn future_skew_is_inclusive() {
    let mut s = shard();
    let out = s.process("a", format!("{}{}", line(NOW + 300 * S, "1.1.1.1", 200), line(NOW + 300 * S + 1, "1.1.1.1", 200)).as_bytes(), NOW);
    assert_eq!((out.counters.records, out.counters.rejected_by(Reason::Future)), (1, 1));
}

#[test]
fn chunk_boundaries_do_not_change_results() {
    let mut input = String::new();
    for i in 0..300 {
        let ts = T0 + i * 700_000 - (i % 7) * 3 * S;
        input.push_str(&line(ts, &format!("10.0.{}.{}", i % 5, i % 50), if i % 10 == 0 { 500 } else { 200 }));
        if i % 50 == 0 {
            input.push_str("\r\n  \n{broken\r\n");
        }
    }
    input.push_str(line(T0 + 400 * S, "9.9.9.9", 404).trim_end());
    let whole = {
        let mut s = shard();
        let mut a = s.process("a", input.as_bytes(), NOW);
        let b = s.flush(NOW);
        a.errors.extend(b.errors);
        a.closed.extend(b.closed);
        (a.errors, a.closed, a.rejected)
    };
    for step in [1usize, 2, 3, 7, 64, 1000] {
        let mut s = shard();
        let (mut errors, mut closed, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
        let mut pieces: Vec<ProcessOutput> = input.as_bytes().chunks(step).map(|c| s.process("a", c, NOW)).collect();
        pieces.push(s.flush(NOW));
        for piece in pieces {
            errors.extend(piece.errors);
            closed.extend(piece.closed);
            rejected.extend(piece.rejected);
        }
        assert_eq!((&errors, &closed, &rejected), (&whole.0, &whole.1, &whole.2), "step {step}");
    }
    assert_eq!(whole.1.len(), 9, "210 s of data in 30 s windows, plus the one at +400 s");
    assert!(String::from_utf8(whole.0).unwrap().ends_with("\"status\":404}\n"));
}

#[test]
fn overlong_partial_line_is_cut_and_rejected_once() {
    let mut s = Shard::new(ShardOptions { max_line_bytes: 5000, ..ShardOptions::default() }).unwrap();
    let mut total = ProcessOutput::default();
    let long = vec![b'y'; 20_000];
    for c in long.chunks(999) {
        total.rejected.extend(s.process("a", c, NOW).rejected);
    }
    let out = s.process("a", format!("\n{}", line(T0, "1.1.1.1", 200)).as_bytes(), NOW);
    total.rejected.extend(out.rejected);
    let text = String::from_utf8(total.rejected).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("too_long"));
    assert_eq!(text.matches('y').count(), REJECT_KEEP_BYTES);
    assert_eq!(out.counters.records, 1);
    // A line exactly at the limit, with CRLF, is fine.
    let at_limit = format!("{{\"timestamp\":{},\"ip\":\"1.1.1.1\",\"method\":\"GET\",\"status\":200,\"url\":\"/", T0 / 1000);
    let at_limit = format!("{at_limit}{}\"}}\r\n", "u".repeat(5000 - at_limit.len() - 2));
    let out = s.process("b", at_limit.as_bytes(), NOW);
    assert_eq!(out.counters.records, 1, "{}", String::from_utf8_lossy(&out.rejected));
}

#[test]
fn idle_stream_stops_holding_the_watermark_back() {
    let mut s = shard();
    s.process("slow", line(T0, "1.1.1.1", 200).as_bytes(), NOW);
    let out = s.process("fast", line(T0 + 60 * S, "1.1.1.2", 200).as_bytes(), NOW);
    // slow's watermark (T0 - 10s) holds everything back.
    assert!(out.closed.is_empty());
    assert_eq!(out.watermark_us, Some(T0 - 10 * S));
    let out = s.tick(NOW + 29 * S);
    assert!(out.closed.is_empty());
    // fast is idle too by now, so the max of the idle streams counts.
    let out = s.tick(NOW + 30 * S);
    assert_eq!(rows(&out.closed), vec![(T0, 1, 0)]);
    assert_eq!(out.closed_through_us, Some(T0 + 50 * S));
}

#[test]
fn peer_watermark_holds_back_and_ending_a_stream_releases() {
    let mut s = shard();
    s.set_peer_watermark(Some(T0));
    let out = s.process("a", line(T0 + 100 * S, "1.1.1.1", 200).as_bytes(), NOW);
    assert_eq!((out.watermark_us, out.closed_through_us), (Some(T0 + 90 * S), Some(T0)));
    // b's unterminated line counts when b ends; while b exists its watermark (T0 - 5s) is the own minimum.
    let out = s.process("b", line(T0 + 5 * S, "1.1.1.2", 200).trim_end().as_bytes(), NOW);
    assert_eq!(out.counters.lines, 0);
    let out = s.end_stream("b", NOW);
    assert_eq!((out.counters.records, out.counters.late), (1, 0));
    assert_eq!(out.watermark_us, Some(T0 + 90 * S));
    assert!(out.closed.is_empty());
    s.set_peer_watermark(None);
    let out = s.tick(NOW);
    assert_eq!(rows(&out.closed), vec![(T0, 1, 0)]);
    assert_eq!(out.closed_through_us, Some(T0 + 90 * S));
}

#[test]
fn status_counts_report_the_running_count_of_each_window_and_status() {
    let mut s = Shard::new(ShardOptions::default()).unwrap();
    let input: String = (0..6).map(|i| line(T0 + i, "1.1.1.1", 503)).collect();
    let out = s.process("a", input.as_bytes(), NOW);
    assert_eq!(out.status_counts, vec![StatusCount { window_start_us: T0, status: 503, count: 6 }]);
    let out = s.process("a", line(T0 + 9, "1.1.1.1", 503).as_bytes(), NOW);
    assert_eq!(out.status_counts, vec![StatusCount { window_start_us: T0, status: 503, count: 7 }]);
}

#[test]
fn csv_and_clf_errors_are_written_as_compact_json() {
    let mut s = Shard::new(ShardOptions { format: Format::Auto, ..ShardOptions::default() }).unwrap();
    let input = "2025-06-09T09:42:42.092004Z;142.239.108.255;POST;/resource/4;500\n\
                 192.168.10.57 - [09/Jun/2025:09:42:44 +0000] \"GET /products HTTP/1.1\" 404 1834\n\
                 1.2.3.4 - - [09/Jun/2025:09:42:45 +0000] \"GET /h?q=\\x01 HTTP/1.1\" 503 - \"ref\" \"ua\"\n";
    let out = s.process("a", input.as_bytes(), NOW);
    assert_eq!(
        String::from_utf8(out.errors).unwrap(),
        "{\"timestamp\":\"2025-06-09T09:42:42.092004Z\",\"ip\":\"142.239.108.255\",\"method\":\"POST\",\"url\":\"/resource/4\",\"status\":500}\n\
         {\"timestamp\":\"2025-06-09T09:42:44.000000Z\",\"ip\":\"192.168.10.57\",\"method\":\"GET\",\"url\":\"/products\",\"status\":404,\"size\":1834}\n\
         {\"timestamp\":\"2025-06-09T09:42:45.000000Z\",\"ip\":\"1.2.3.4\",\"method\":\"GET\",\"url\":\"/h?q=\\\\x01\",\"status\":503,\"referer\":\"ref\",\"user_agent\":\"ua\"}\n"
    );
}

#[test]
fn snapshot_restore_continues_exactly() {
    let input: String = (0..2000).map(|i| line(T0 + i * 40_000, &format!("10.{}.{}.1", i % 7, i % 13), [200, 404, 500][(i % 3) as usize])).collect();
    let (a, b) = input.as_bytes().split_at(input.len() / 2 + 17);
    let mut whole = shard();
    let mut expected = whole.process("a", a, NOW);
    let rest = whole.process("a", b, NOW);
    let fin = whole.flush(NOW);

    let mut first = shard();
    first.process("a", a, NOW);
    let snap = first.snapshot();
    let mut second = shard();
    second.restore(&snap).unwrap();
    let rest2 = second.process("a", b, NOW);
    let fin2 = second.flush(NOW);
    assert_eq!((rest.errors, rest.closed, rest.counters), (rest2.errors, rest2.closed, rest2.counters));
    assert_eq!(fin.closed, fin2.closed);
    expected.closed.extend(fin.closed);
    assert!(!expected.closed.is_empty());

    assert!(second.restore(b"garbage").is_err());
    assert!(second.restore(&snap[..snap.len() / 2]).is_err());
}

#[test]
fn shards_merge_to_the_single_shard_answer() {
    let lines: Vec<String> =
        (0..30_000).map(|i| line(T0 + i * 3_000, &format!("10.{}.{}.{}", i % 3, (i / 3) % 250, i % 11), [200, 200, 404, 500][(i % 4) as usize])).collect();
    let mut alone = WindowMerger::new(100);
    let mut one = shard();
    alone.add(&one.process("all", lines.concat().as_bytes(), NOW).encode_partials()).unwrap();
    alone.add(&one.flush(NOW).encode_partials()).unwrap();
    let mut merged = WindowMerger::new(100);
    for k in 0..3 {
        let mut s = shard();
        let part: String = lines.iter().skip(k).step_by(3).cloned().collect();
        merged.add(&s.process("all", part.as_bytes(), NOW).encode_partials()).unwrap();
        merged.add(&s.flush(NOW).encode_partials()).unwrap();
    }
    let (a, b) = (alone.drain(None), merged.drain(None));
    assert_eq!(String::from_utf8(a.rows).unwrap(), String::from_utf8(b.rows).unwrap());
    assert_eq!(a.windows.len(), 3);
    assert!(a.windows[0].unique_ips > 2000, "dense sketches exercised: {}", a.windows[0].unique_ips);
}

#[test]
fn rows_rank_urls_and_truncate() {
    let mut s = Shard::new(ShardOptions { max_urls_per_window: 2, ..ShardOptions::default() }).unwrap();
    let mut input = String::new();
    for (url, n) in [("/b", 3), ("/a", 3), ("/c", 5), ("/d", 1)] {
        for _ in 0..n {
            input.push_str(&format!("{};1.1.1.1;GET;{url};500\n", T0 / 1000));
        }
    }
    s.process("a", input.as_bytes(), NOW);
    let mut m = WindowMerger::new(2);
    m.add(&s.flush(NOW).encode_partials()).unwrap();
    let rows = String::from_utf8(m.drain(None).rows).unwrap();
    assert_eq!(
        rows,
        "{\"kind\":\"summary\",\"window_start\":\"2025-06-09T09:42:30.000Z\",\"window_end\":\"2025-06-09T09:43:00.000Z\",\"requests\":12,\"errors\":12,\"error_rate\":1.0,\"unique_ips\":1,\"error_unique_ips\":1}\n\
         {\"kind\":\"status\",\"window_start\":\"2025-06-09T09:42:30.000Z\",\"window_end\":\"2025-06-09T09:43:00.000Z\",\"status\":500,\"error_count\":12,\"unique_ips\":1,\"error_urls\":[\"/c\",\"/a\"],\"error_urls_truncated\":true,\"top_urls\":[{\"url\":\"/c\",\"count\":5},{\"url\":\"/a\",\"count\":3},{\"url\":\"/b\",\"count\":3},{\"url\":\"/d\",\"count\":1}]}\n"
    );
}

#[test]
fn overlong_blank_lines_are_skipped_unless_a_cr_sits_inside() {
    let mut s = Shard::new(ShardOptions { max_line_bytes: 100, ..ShardOptions::default() }).unwrap();
    let blank = format!("{}\r\n", " \t".repeat(200));
    let inner_cr = format!("{}\r{}\n", " ".repeat(150), "\t".repeat(150));
    for data in [blank.as_bytes(), inner_cr.as_bytes()] {
        let mut rejected = Vec::new();
        for c in data.chunks(37) {
            rejected.extend(s.process("a", c, NOW).rejected);
        }
        let whole = Shard::new(ShardOptions { max_line_bytes: 100, ..ShardOptions::default() }).unwrap().process("a", data, NOW).rejected;
        assert_eq!(rejected, whole);
    }
    let out = s.process("b", format!("{blank}{inner_cr}").as_bytes(), NOW);
    assert_eq!((out.counters.lines, out.counters.rejected_by(Reason::TooLong)), (1, 1));
}

#[test]
fn url_and_ip_rates_merge_across_shards() {
    use crate::merger::{RateRule, RateRules};
    use crate::window::GroupTracking;
    let opts = ShardOptions { group_tracking: GroupTracking { urls: true, ips: true }, ..ShardOptions::default() };
    let csv = |url: &str, ip: &str, status: u16| format!("{};{ip};GET;{url};{status}\n", T0 / 1000);
    // /a: 6 of 10 requests fail; /b: 3 of 3 (too few requests for minRequests 5); /c: 1 of 8.
    let mut lines = Vec::new();
    lines.extend((0..10).map(|i| csv("/a", "10.0.0.1", if i < 6 { 500 } else { 200 })));
    lines.extend((0..3).map(|_| csv("/b", "10.0.0.2", 404)));
    lines.extend((0..8).map(|i| csv("/c", "::1", if i == 0 { 500 } else { 200 })));
    let rates = RateRules { url: Some(RateRule { threshold: 0.3, min_requests: 5 }), ip: Some(RateRule { threshold: 0.4, min_requests: 3 }) };
    let mut merged = WindowMerger::with_rates(100, rates);
    for k in 0..2 {
        let mut s = Shard::new(opts.clone()).unwrap();
        let part: String = lines.iter().skip(k).step_by(2).cloned().collect();
        let out = s.process("a", part.as_bytes(), NOW);
        assert_eq!(out.window_counts.len(), 1, "one open window touched");
        merged.add(&s.flush(NOW).encode_partials()).unwrap();
    }
    let w = &merged.drain(None).windows[0];
    let show = |v: &Vec<crate::merger::GroupRate>| v.iter().map(|g| (g.group.clone(), g.requests, g.errors)).collect::<Vec<_>>();
    assert_eq!(show(&w.url_rates), vec![("/a".to_string(), 10, 6)]);
    assert_eq!(show(&w.ip_rates), vec![("10.0.0.2".to_string(), 3, 3), ("10.0.0.1".to_string(), 10, 6)]);

    // Thresholds learned later (the batch layer's) apply to windows not drained yet.
    let mut s = Shard::new(opts.clone()).unwrap();
    s.process("a", lines.concat().as_bytes(), NOW);
    let mut m = WindowMerger::with_rates(100, rates);
    m.set_rates(RateRules { url: Some(RateRule { threshold: 0.1, min_requests: 5 }), ip: None });
    m.add(&s.flush(NOW).encode_partials()).unwrap();
    let w = &m.drain(None).windows[0];
    assert_eq!(show(&w.url_rates), vec![("/a".to_string(), 10, 6), ("/c".to_string(), 8, 1)]);
    assert!(w.ip_rates.is_empty());
}

#[test]
fn window_counts_report_running_totals_of_open_windows() {
    let mut s = shard();
    let out = s.process("a", format!("{}{}", line(T0, "1.1.1.1", 500), line(T0 + 31 * S, "1.1.1.2", 200)).as_bytes(), NOW);
    assert_eq!(
        out.window_counts,
        vec![
            WindowCount { window_start_us: T0, window_end_us: T0 + 30 * S, requests: 1, errors: 1 },
            WindowCount { window_start_us: T0 + 30 * S, window_end_us: T0 + 60 * S, requests: 1, errors: 0 },
        ]
    );
}

#[test]
fn merger_snapshot_restores_held_windows() {
    let mut s = shard();
    let mut m = WindowMerger::new(100);
    s.process("a", format!("{}{}", line(T0, "1.1.1.1", 500), line(T0 + 31 * S, "1.1.1.2", 200)).as_bytes(), NOW);
    m.add(&s.flush(NOW).encode_partials()).unwrap();
    let mut restored = WindowMerger::new(100);
    restored.add(&m.snapshot()).unwrap();
    assert_eq!(restored.pending(), 2);
    assert_eq!(restored.drain(None).rows, m.drain(None).rows);
}

#[test]
fn a_cut_stream_rejects_its_partial_line_as_malformed_where_ending_it_would_count_it() {
    // A CSV line cut inside its status still parses (status 50 is a number): ended, it would count as a record.
    let opts = || ShardOptions { format: Format::Csv, ..ShardOptions::default() };
    let partial = b"2025-06-09T09:42:31Z;1.1.1.1;GET;/r;50";
    let mut ended = Shard::new(opts()).unwrap();
    ended.process("a", partial, NOW);
    assert_eq!(ended.end_stream("a", NOW).counters.lines, 1);
    let mut s = Shard::new(opts()).unwrap();
    s.process("a", partial, NOW);
    let out = s.cut_stream("a", NOW);
    assert_eq!((out.counters.lines, out.counters.records), (1, 0));
    assert_eq!(reasons(&out), vec!["malformed"]);
    assert!(String::from_utf8(out.rejected).unwrap().contains("/r;50"));
    // The stream is gone: cutting it again (or one never seen) does nothing.
    assert_eq!(s.cut_stream("a", NOW).counters.lines, 0);
    assert_eq!(s.cut_stream("never", NOW).counters.lines, 0);
}

#[test]
fn a_cut_stream_rejects_an_overlong_partial_as_too_long_and_skips_a_blank_one() {
    let mut s = Shard::new(ShardOptions { max_line_bytes: 64, ..ShardOptions::default() }).unwrap();
    s.process("long", &[b'x'; 10_000], NOW);
    s.process("blank", b"   \t ", NOW);
    s.process("whole", line(T0, "1.1.1.1", 200).as_bytes(), NOW);
    let out = s.cut_stream("long", NOW);
    assert_eq!(reasons(&out), vec!["too_long"]);
    assert_eq!(s.cut_stream("blank", NOW).counters.lines, 0);
    // Nothing pending: a stream cut right after a newline loses nothing.
    let out = s.cut_stream("whole", NOW);
    assert_eq!((out.counters.lines, out.rejected.len()), (0, 0));
}

/// Real servers write raw bytes and Apache's `\xhh` into JSON lines: each is still a record, and its error
/// record is valid UTF-8 JSON that reads as the line did.
#[test]
fn json_error_records_are_valid_utf8_json() {
    let mut s = shard();
    let ts = "2025-06-09T09:42:40Z";
    let mut input = format!(r#"{{"timestamp":"{ts}","ip":"1.1.1.1","method":"GET","url":"/a"#).into_bytes();
    input.extend(b"\xe9\xff");
    input.extend(br#"","status":404}"#);
    input.extend(format!("\n{{\"timestamp\":\"{ts}\",\"ip\":\"1.1.1.2\",\"method\":\"GET\",\"url\":\"/b\\xe9\",\"status\":404}}\n").as_bytes());
    let out = s.process("a", &input, NOW);
    assert_eq!((out.counters.records, out.counters.errors, out.rejected.len()), (2, 2, 0));
    let text = String::from_utf8(out.errors).expect("valid UTF-8");
    let urls: Vec<String> = text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(urls, vec!["/a\u{fffd}\u{fffd}".to_string(), r"/b\xe9".to_string()]);
}

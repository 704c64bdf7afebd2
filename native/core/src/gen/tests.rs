//! The writer as a whole: lines as the TypeScript writer makes them (values printed by src/gen/ for these
//! seeds), every bad-line kind to the byte, and no panic or overrun at the edges. The full equivalence over a
//! matrix of options is test/gen/native-writer.test.ts.

use super::bad_lines::{bad_line, BadRecord, BadStyle};
use super::*;

fn options(format: GenFormat) -> GenOptions {
    GenOptions {
        format,
        compact: false,
        clf_variant: ClfVariant::Common,
        urls: 10,
        methods: ["GET", "POST", "PUT", "DELETE"].map(String::from).to_vec(),
        status_dist: [90.0, 5.0, 5.0],
        users: 0,
        error_user_percent: 0.0,
        error_rate: 50.0,
        error_url_percent: 0.0,
        late_fraction: 0.0,
        late_by_seconds: 60.0,
        malformed_fraction: 0.0,
        seed: 1,
    }
}

/// `count` lines (simulated time from 2025-06-09T09:42:40Z, `step_us` apart) in blocks of `block` bytes.
fn lines(o: &GenOptions, count: u64, step_us: f64, block: usize) -> (Vec<u8>, GenStats) {
    let mut w = LineWriter::new(o).unwrap();
    let mut clock = StepClock { start_us: 1_749_462_160_000_000.0, step_us };
    let mut buf = vec![0u8; block + LINE_HEADROOM];
    let mut out = Vec::new();
    while w.lines() < count {
        let n = w.fill(&mut buf, count - w.lines(), &mut clock, block);
        out.extend_from_slice(&buf[..n]);
    }
    (out, w.stats().clone())
}

#[test]
fn first_lines_as_the_typescript_writer() {
    let (json, _) = lines(&options(GenFormat::Json), 3, 266_898.0, 4096);
    assert_eq!(String::from_utf8(json).unwrap(), FIRST_JSON);
    let (csv, _) = lines(&options(GenFormat::Csv), 3, 266_898.0, 4096);
    assert_eq!(String::from_utf8(csv).unwrap(), FIRST_CSV);
    let (clf, _) = lines(&GenOptions { clf_variant: ClfVariant::Mixed, ..options(GenFormat::Clf) }, 3, 266_898.0, 4096);
    assert_eq!(String::from_utf8(clf).unwrap(), FIRST_CLF);
}

#[test]
fn bad_lines_as_bad_lines_ts_builds_them() {
    let r = BadRecord { us: 1_749_462_160_266_898, ip: 0xc0a8_0a39, method: b"GET", url: 3, status: 200, size: Some(1834) };
    let mut out = Vec::new();
    for (format, compact, single, expected) in BAD_LINES {
        let style = BadStyle { format: *format, compact: *compact, single: *single };
        let kinds = BAD_KINDS.iter().filter(|k| **k != BadKind::TooLong && !(**k == BadKind::MissingField && *format == GenFormat::Clf));
        for (kind, want) in kinds.zip(expected.iter()) {
            bad_line(*kind, &r, &style, &mut out);
            assert_eq!((kind, String::from_utf8_lossy(&out)), (kind, String::from_utf8_lossy(want)), "{format:?} compact {compact}");
            assert_eq!(&out, want);
        }
        bad_line(BadKind::TooLong, &r, &style, &mut out);
        assert_eq!(out.len(), TOO_LONG_BYTES);
    }
}

#[test]
fn stats_add_up_and_every_kind_appears() {
    for format in [GenFormat::Json, GenFormat::Csv, GenFormat::Clf] {
        let o = GenOptions { malformed_fraction: 0.3, late_fraction: 0.1, ..options(format) };
        let (data, s) = lines(&o, 5000, 1000.0, 1 << 16);
        assert_eq!(s.lines, 5000);
        assert_eq!(s.bytes, data.len() as u64);
        assert_eq!(s.records + s.late + s.bad.iter().sum::<u64>(), 5000);
        assert_eq!(data.iter().filter(|&&b| b == b'\n').count(), 5000);
        assert!(s.late > 0);
        for (i, n) in s.bad.iter().enumerate() {
            assert_eq!(*n > 0, !(format == GenFormat::Clf && BAD_KINDS[i] == BadKind::MissingField), "{format:?} {:?}", BAD_KINDS[i]);
        }
    }
}

#[test]
fn blocks_never_overrun_and_sizes_do_not_change_the_lines() {
    let o = GenOptions { malformed_fraction: 0.2, late_fraction: 0.2, methods: vec!["X".repeat(32)], urls: 1_000_000_000, ..options(GenFormat::Json) };
    let (whole, _) = lines(&o, 2000, 1.0, 1 << 20);
    let (tiny, _) = lines(&o, 2000, 1.0, 1);
    assert_eq!(whole, tiny);
    // A buffer without its headroom makes nothing rather than writing past its end.
    let mut w = LineWriter::new(&o).unwrap();
    let mut buf = vec![0u8; LINE_HEADROOM - 1];
    assert_eq!(w.fill(&mut buf, 10, &mut StepClock { start_us: 0.0, step_us: 1.0 }, 100), 0);
    assert_eq!(w.last_lines(), 0);
}

#[test]
fn far_years_and_odd_clocks_do_not_panic() {
    let o = GenOptions { malformed_fraction: 0.5, late_fraction: 0.2, ..options(GenFormat::Clf) };
    let mut w = LineWriter::new(&o).unwrap();
    let mut buf = vec![0u8; 1024 + LINE_HEADROOM];
    let times = [0.0, -1.0, 1e300, f64::NAN, -1e300, 253_402_300_800_000_000.0, 9e18];
    for _ in 0..200 {
        w.fill(&mut buf, 100, &mut TableClock { times: &times }, 1024);
    }
}

#[test]
fn options_are_checked() {
    let bad = [
        GenOptions { methods: vec![], ..options(GenFormat::Json) },
        GenOptions { methods: vec!["GE T".into()], ..options(GenFormat::Json) },
        GenOptions { methods: vec!["X".repeat(33)], ..options(GenFormat::Json) },
        GenOptions { urls: 0, ..options(GenFormat::Json) },
        GenOptions { status_dist: [0.0, 0.0, 0.0], ..options(GenFormat::Json) },
        GenOptions { status_dist: [f64::NAN, 1.0, 0.0], ..options(GenFormat::Json) },
        GenOptions { error_rate: 101.0, ..options(GenFormat::Json) },
        GenOptions { late_fraction: 0.6, malformed_fraction: 0.5, ..options(GenFormat::Json) },
        GenOptions { late_by_seconds: 0.5, ..options(GenFormat::Json) },
        GenOptions { seed: 1 << 53, ..options(GenFormat::Json) },
    ];
    for o in bad {
        assert!(LineWriter::new(&o).is_err(), "{o:?}");
    }
}

const FIRST_JSON: &str = concat!(
    "{\"timestamp\": \"2025-06-09T09:42:40Z\", \"ip\": \"172.50.13.60\", \"method\": \"DELETE\", \"url\": \"/resource/3\", \"status\": 404}\n",
    "{\"timestamp\": \"2025-06-09T09:42:40.266898Z\", \"ip\": \"221.179.242.2\", \"method\": \"POST\", \"url\": \"/resource/8\", \"status\": 200}\n",
    "{\"timestamp\": \"2025-06-09T09:42:40.533796Z\", \"ip\": \"130.203.195.11\", \"method\": \"POST\", \"url\": \"/resource/10\", \"status\": 200}\n",
);
const FIRST_CSV: &str = concat!(
    "2025-06-09T09:42:40Z;172.50.13.60;DELETE;/resource/3;404\n",
    "2025-06-09T09:42:40.266898Z;221.179.242.2;POST;/resource/8;200\n",
    "2025-06-09T09:42:40.533796Z;130.203.195.11;POST;/resource/10;200\n",
);
/// `--clf-variant mixed`: the third line is `single`.
const FIRST_CLF: &str = concat!(
    "172.50.13.60 - - [09/Jun/2025:09:42:40 +0000] \"DELETE /resource/3 HTTP/1.1\" 404 -\n",
    "87.91.198.194 - - [09/Jun/2025:09:42:40 +0000] \"DELETE /resource/2 HTTP/1.1\" 200 4821\n",
    "51.231.152.228 - [09/Jun/2025:09:42:40 +0000] \"DELETE /resource/4 HTTP/1.1\" 200 3278\n",
);

const STOP: &[u8] = "Arrêt du générateur de logs.".as_bytes();
/// (format, compact, clf single, the lines of every kind but too_long, in BAD_KINDS order), from bad-lines.ts.
type BadLineCase = (GenFormat, bool, bool, &'static [&'static [u8]]);
const BAD_LINES: &[BadLineCase] = &[
    (GenFormat::Json, false, false, &[
        b"{\"timestamp\": \"2025-06-09T09:42:40.266898Z\", \"ip\": \"192.168.10.57\", \"met",
        b"{\"timestamp\": \"2025-06-09T09:42:40.266898Z\", \"ip\": \"192.168.10.57\", \"method\": \"GET\", \"url\": \"/resource/3\"}",
        b"{\"timestamp\": \"2025-06-09T09:42:40.266898Z\", \"ip\": \"192.168.10.313\", \"method\": \"GET\", \"url\": \"/resource/3\", \"status\": 200}",
        b"{\"timestamp\": \"2025-06-09 09:42:40.266898\", \"ip\": \"192.168.10.57\", \"method\": \"GET\", \"url\": \"/resource/3\", \"status\": 200}",
        b"{\"timestamp\": \"2025-06-09T09:42:40.266898Z\", \"ip\": \"192.168.10.57\xe9\", \"method\": \"GET\", \"url\": \"/resource/3\", \"status\": 200}",
        b"{\"timestamp\": \"2125-06-10T09:42:40.266898Z\", \"ip\": \"192.168.10.57\", \"method\": \"GET\", \"url\": \"/resource/3\", \"status\": 200}",
    ]),
    (GenFormat::Json, true, false, &[
        b"{\"timestamp\":\"2025-06-09T09:42:40.266898Z\",\"ip\":\"192.168.10.57\",\"me",
        b"{\"timestamp\":\"2025-06-09T09:42:40.266898Z\",\"ip\":\"192.168.10.57\",\"method\":\"GET\",\"url\":\"/resource/3\"}",
        b"{\"timestamp\":\"2025-06-09T09:42:40.266898Z\",\"ip\":\"192.168.10.313\",\"method\":\"GET\",\"url\":\"/resource/3\",\"status\":200}",
        b"{\"timestamp\":\"2025-06-09 09:42:40.266898\",\"ip\":\"192.168.10.57\",\"method\":\"GET\",\"url\":\"/resource/3\",\"status\":200}",
        b"{\"timestamp\":\"2025-06-09T09:42:40.266898Z\",\"ip\":\"192.168.10.57\xe9\",\"method\":\"GET\",\"url\":\"/resource/3\",\"status\":200}",
        b"{\"timestamp\":\"2125-06-10T09:42:40.266898Z\",\"ip\":\"192.168.10.57\",\"method\":\"GET\",\"url\":\"/resource/3\",\"status\":200}",
    ]),
    (GenFormat::Csv, false, false, &[
        STOP,
        b"2025-06-09T09:42:40.266898Z;192.168.10.57;GET;/resource/3",
        b"2025-06-09T09:42:40.266898Z;192.168.10.313;GET;/resource/3;200",
        b"2025-06-09 09:42:40.266898;192.168.10.57;GET;/resource/3;200",
        b"2025-06-09T09:42:40.266898Z;192.168.10.57\xe9;GET;/resource/3;200",
        b"2125-06-10T09:42:40.266898Z;192.168.10.57;GET;/resource/3;200",
    ]),
    (GenFormat::Clf, false, true, &[
        STOP,
        b"192.168.10.313 - [09/Jun/2025:09:42:40 +0000] \"GET /resource/3 HTTP/1.1\" 200 1834",
        b"192.168.10.57 - [09/06/2025:09:42:40 +0000] \"GET /resource/3 HTTP/1.1\" 200 1834",
        b"192.168.10.57\xe9 - [09/Jun/2025:09:42:40 +0000] \"GET /resource/3 HTTP/1.1\" 200 1834",
        b"192.168.10.57 - [10/Jun/2125:09:42:40 +0000] \"GET /resource/3 HTTP/1.1\" 200 1834",
    ]),
    (GenFormat::Clf, false, false, &[
        STOP,
        b"192.168.10.313 - - [09/Jun/2025:09:42:40 +0000] \"GET /resource/3 HTTP/1.1\" 200 1834",
    ]),
];

use super::*;
use crate::options::{JsonInput, JsonKeys, TimestampUnit};
use crate::record::{ClfExtras, JsonExtras, Origin};

fn parse(format: Format, line: &str) -> Result<Record<'static>, Reason> {
    // Leak is fine in tests: it gives the record a 'static line to borrow from.
    let parser: &'static mut LineParser = Box::leak(Box::new(LineParser::new(format, b';')));
    let line: &'static str = Box::leak(line.to_string().into_boxed_str());
    parser.parse(line)
}

const SEED_JSON: &str =
    r#"{"timestamp": "2025-06-09T09:42:40.001034Z", "ip": "208.173.67.38", "method": "GET", "url": "/resource/3", "status": 404}"#;
const SEED_TS: i64 = 1_749_462_160_001_034;

#[test]
fn json_seed_line() {
    let r = parse(Format::Json, SEED_JSON).unwrap();
    assert_eq!((r.ts_us, &*r.ip, &*r.method, &*r.url, r.status), (SEED_TS, "208.173.67.38", "GET", "/resource/3", 404));
    assert_eq!(r.origin, Origin::Json(JsonExtras::default()));
}

#[test]
fn json_variants() {
    let ok = |l: &str| parse(Format::Json, l).map(|r| (r.ts_us, r.status, r.url.to_string()));
    assert_eq!(ok(r#"{"timestamp":1749462160001.5,"ip":"::1","method":"GET","url":"/a\"b","status":"500","x":[1,{"y":2}]}"#), Ok((1_749_462_160_001_500, 500, "/a\"b".into())));
    assert_eq!(ok(r#"  {"timestamp":1749462160001,"ip":"1.2.3.4","method":"GET","url":"/","status":200}  "#).map(|r| r.0), Ok(1_749_462_160_001_000));
    let reason = |l: &str| parse(Format::Json, l).err();
    assert_eq!(reason(r#"{"timestamp": "2025-06-09T09:42:40Z", "ip": "1.2.3.4""#), Some(Reason::Malformed));
    assert_eq!(reason(r#"[1,2]"#), Some(Reason::Malformed));
    assert_eq!(reason(r#"{"ip":"1.2.3.4","method":"GET","url":"/","status":200}"#), Some(Reason::MissingField));
    assert_eq!(reason(r#"{"timestamp":null,"ip":"x","method":"GET","url":"/","status":200}"#), Some(Reason::MissingField));
    // Presence is checked before validity: a bad ip and a missing status give missing_field.
    assert_eq!(reason(r#"{"timestamp":"bad","ip":"x","method":"GET","url":"/"}"#), Some(Reason::MissingField));
    assert_eq!(reason(r#"{"timestamp":"bad","ip":"x","method":"GET","url":"/","status":200}"#), Some(Reason::InvalidTimestamp));
    assert_eq!(reason(r#"{"timestamp":true,"ip":"1.2.3.4","method":"GET","url":"/","status":200}"#), Some(Reason::InvalidTimestamp));
    assert_eq!(reason(r#"{"timestamp":"2025-06-09T09:42:40","ip":"1.2.3.4","method":"GET","url":"/","status":200}"#), Some(Reason::InvalidTimestamp));
    assert_eq!(reason(r#"{"timestamp":"2025-06-09T09:42:40Z","ip":"1.2.3.400","method":"GET","url":"/","status":200}"#), Some(Reason::InvalidField));
    assert_eq!(reason(r#"{"timestamp":"2025-06-09T09:42:40Z","ip":"1.2.3.4","method":"GET","url":7,"status":200}"#), Some(Reason::InvalidField));
    for bad_status in ["99", "600", "404.0", "\"abc\"", "\"4040\"", "-404", "true"] {
        let l = format!(r#"{{"timestamp":"2025-06-09T09:42:40Z","ip":"1.2.3.4","method":"GET","url":"/","status":{bad_status}}}"#);
        assert_eq!(reason(&l), Some(Reason::InvalidField), "{l}");
    }
}

#[test]
fn csv_variants() {
    let r = parse(Format::Csv, "2025-06-09T09:42:42.092004Z;142.239.108.255;POST;/resource/4;200").unwrap();
    assert_eq!((r.ts_us, &*r.ip, &*r.method, &*r.url, r.status, r.origin), (1_749_462_162_092_004, "142.239.108.255", "POST", "/resource/4", 200, Origin::Csv));
    let r = parse(Format::Csv, "1749462160001;1.2.3.4;GET;/a;b=1;c;503").unwrap();
    assert_eq!((r.ts_us, &*r.url, r.status), (1_749_462_160_001_000, "/a;b=1;c", 503));
    let reason = |l: &str| parse(Format::Csv, l).err();
    assert_eq!(reason("Arrêt du générateur de logs."), Some(Reason::Malformed));
    assert_eq!(reason("2025-06-09T09:42:42Z;1.2.3.4;GET;/a"), Some(Reason::MissingField));
    assert_eq!(reason("2025-06-09T09:42:42Z;1.2.3.4;;/a;200"), Some(Reason::MissingField));
    assert_eq!(reason("2025-13-09T09:42:42Z;1.2.3.4;GET;/a;200"), Some(Reason::InvalidTimestamp));
    assert_eq!(reason("2025-06-09T09:42:42Z;1.2.3;GET;/a;200"), Some(Reason::InvalidField));
    assert_eq!(reason("2025-06-09T09:42:42Z;1.2.3.4;GET;/a;2000"), Some(Reason::InvalidField));
    assert_eq!(LineParser::new(Format::Csv, b',').parse("2025-06-09T09:42:42Z,1.2.3.4,GET,/a,404").map(|r| r.status), Ok(404));
}

#[test]
fn clf_variants() {
    let r = parse(Format::Clf, r#"192.168.10.57 - [21/Nov/2026:18:44:42 +0000] "GET /products HTTP/1.1" 200 1834"#).unwrap();
    assert_eq!((&*r.ip, &*r.method, &*r.url, r.status), ("192.168.10.57", "GET", "/products", 200));
    assert_eq!(r.origin, Origin::Clf(ClfExtras { size: Some(1834), referer: None, user_agent: None }));
    let r = parse(Format::Clf, r#"1.2.3.4 - - [30/May/2025:16:32:53 +0000] "GET /home HTTP/1.1" 404 -"#).unwrap();
    assert_eq!((r.ts_us, r.status, r.origin), (1_748_622_773_000_000, 404, Origin::Clf(ClfExtras::default())));
    let r = parse(Format::Clf, r#"::1 - frank [30/May/2025:18:32:53 +0200] "POST /x" 500 12 "http://ref/" "curl/8.0"  "#).unwrap();
    assert_eq!(r.ts_us, 1_748_622_773_000_000);
    assert_eq!(r.origin, Origin::Clf(ClfExtras { size: Some(12), referer: Some("http://ref/"), user_agent: Some("curl/8.0") }));
    let reason = |l: &str| parse(Format::Clf, l).err();
    assert_eq!(reason(r#"1.2.3.4 [30/May/2025:16:32:53 +0000] "GET /home HTTP/1.1" 404 -"#), Some(Reason::Malformed));
    assert_eq!(reason(r#"1.2.3.4 - - [30/May/2025:16:32:53 +0000] "GET /a HTTP/1.1" 40x -"#), Some(Reason::Malformed));
    assert_eq!(reason(r#"1.2.3.4 - - [30/May/2025:16:32:53 +0000] "GET /a HTTP/1.1" 404 12 "r""#), Some(Reason::Malformed));
    assert_eq!(reason(r#"1.2.3.4 - - [30/may/2025:16:32:53 +0000] "GET /a HTTP/1.1" 404 -"#), Some(Reason::InvalidTimestamp));
    assert_eq!(reason(r#"1.2.3.4 - - [] "GET / HTTP/1.1" 200 1"#), Some(Reason::InvalidTimestamp));
    assert_eq!(reason(r#"1.2.3.999 - - [30/May/2025:16:32:53 +0000] "GET /a HTTP/1.1" 404 -"#), Some(Reason::InvalidField));
    assert_eq!(reason(r#"1.2.3.4 - - [30/May/2025:16:32:53 +0000] "GET /a HTTP/1.1" 999 -"#), Some(Reason::InvalidField));
}

#[test]
fn auto_detects_each_format_per_line() {
    assert_eq!(detect(SEED_JSON.as_bytes()), Format::Json);
    assert_eq!(detect(b"  {\"a\":1}"), Format::Json);
    assert_eq!(detect(br#"1.2.3.4 - - [30/May/2025:16:32:53 +0000] "GET /a HTTP/1.1" 404 -"#), Format::Clf);
    assert_eq!(detect(b"2025-06-09T09:42:42.092004Z;142.239.108.255;POST;/resource/4;200"), Format::Csv);
    assert_eq!(parse(Format::Auto, SEED_JSON).map(|r| r.status), Ok(404));
    assert_eq!(parse(Format::Auto, "Arrêt du générateur de logs.").err(), Some(Reason::Malformed));
}

fn json_with(keys: Option<&str>, unit: TimestampUnit, line: &str) -> Result<Record<'static>, Reason> {
    let keys = keys.map_or_else(JsonKeys::default, |p| JsonKeys::preset(p).unwrap());
    let parser: &'static mut LineParser = Box::leak(Box::new(LineParser::with_json(Format::Json, b';', &JsonInput { keys, timestamp_unit: unit })));
    parser.parse(Box::leak(line.to_string().into_boxed_str()))
}

fn fields(r: &Record<'_>) -> (i64, String, String, String, u16) {
    (r.ts_us, r.ip.to_string(), r.method.to_string(), r.url.to_string(), r.status)
}

const T0: i64 = 1_765_000_000_000_000; // 2025-12-06T05:46:40Z

#[test]
fn json_empty_method_and_url_are_kept_as_dash() {
    let r = parse(Format::Json, r#"{"timestamp":"2025-12-06T05:46:40Z","ip":"1.2.3.4","method":"","url":"","status":400}"#).unwrap();
    assert_eq!(fields(&r), (T0, "1.2.3.4".into(), "-".into(), "-".into(), 400));
}

#[test]
fn json_user_agent_is_read_when_it_is_a_string() {
    let ua = |l: &str| match parse(Format::Json, l).unwrap().origin {
        Origin::Json(x) => x.user_agent.map(|u| u.to_string()),
        o => panic!("{o:?}"),
    };
    assert_eq!(ua(r#"{"timestamp":"2025-12-06T05:46:40Z","ip":"1.2.3.4","method":"GET","url":"/","status":200,"user_agent":"curl/8"}"#), Some("curl/8".into()));
    assert_eq!(ua(r#"{"timestamp":"2025-12-06T05:46:40Z","ip":"1.2.3.4","method":"GET","url":"/","status":200,"user_agent":7}"#), None);
}

#[test]
fn json_nginx_preset_reads_nginx_lines() {
    let line = r#"{"time_iso8601":"2025-12-06T05:46:40+00:00","remote_addr":"::1","request_method":"GET","request_uri":"/a?b=1","status":404,"body_bytes_sent":153,"http_user_agent":"curl/8.5.0","request_time":0.000}"#;
    let r = json_with(Some("nginx"), TimestampUnit::Ms, line).unwrap();
    assert_eq!(fields(&r), (T0, "::1".into(), "GET".into(), "/a?b=1".into(), 404));
    assert_eq!(r.origin, Origin::Json(JsonExtras { user_agent: Some("curl/8.5.0".into()) }));
    // nginx's bad request: empty method and URI
    let bad = r#"{"time_iso8601":"2025-12-06T05:46:40+00:00","remote_addr":"127.0.0.1","request_method":"","request_uri":"","status":400,"body_bytes_sent":157,"http_user_agent":"","request_time":0.000}"#;
    assert_eq!(fields(&json_with(Some("nginx"), TimestampUnit::Ms, bad).unwrap()), (T0, "127.0.0.1".into(), "-".into(), "-".into(), 400));
    // the default names are not read any more
    assert_eq!(json_with(Some("nginx"), TimestampUnit::Ms, SEED_JSON).err(), Some(Reason::MissingField));
}

#[test]
fn json_apache_preset_reads_hhmm_offsets_and_hex_escapes() {
    let line = r#"{"time":"2025-12-06T06:46:40.123456+0100","client":"10.0.0.7","method":"GET","uri":"/caf\xc3\xa9?q=\x22","status":404,"bytes":"-","userAgent":"x\"y"}"#;
    let r = json_with(Some("apache"), TimestampUnit::Ms, line).unwrap();
    assert_eq!(fields(&r), (T0 + 123_456, "10.0.0.7".into(), "GET".into(), r"/caf\xc3\xa9?q=\x22".into(), 404));
    assert_eq!(r.origin, Origin::Json(JsonExtras { user_agent: Some("x\"y".into()) }));
    // a backslash that is neither JSON nor `\xhh` is still malformed
    let bad = line.replace(r"\x22", r"\q");
    assert_eq!(json_with(Some("apache"), TimestampUnit::Ms, &bad).err(), Some(Reason::Malformed));
}

#[test]
fn json_ecs_preset_reads_nested_and_dotted_keys() {
    let nested = r#"{"@timestamp":"2025-12-06T05:46:40.000Z","source":{"ip":"1.2.3.4","port":5},"http":{"request":{"method":"POST"},"response":{"status_code":503}},"url":{"original":"/x"},"user_agent":{"original":"ua"}}"#;
    let r = json_with(Some("ecs"), TimestampUnit::Ms, nested).unwrap();
    assert_eq!(fields(&r), (T0, "1.2.3.4".into(), "POST".into(), "/x".into(), 503));
    assert_eq!(r.origin, Origin::Json(JsonExtras { user_agent: Some("ua".into()) }));
    let dotted = r#"{"@timestamp":"2025-12-06T05:46:40Z","source.ip":"1.2.3.4","http.request.method":"GET","url.original":"/y","http":{"response.status_code":"200"}}"#;
    assert_eq!(fields(&json_with(Some("ecs"), TimestampUnit::Ms, dotted).unwrap()), (T0, "1.2.3.4".into(), "GET".into(), "/y".into(), 200));
    let missing = r#"{"@timestamp":"2025-12-06T05:46:40Z","source":{"ip":"1.2.3.4"},"http":{"request":{"method":"GET"}},"url":{"original":"/y"}}"#;
    assert_eq!(json_with(Some("ecs"), TimestampUnit::Ms, missing).err(), Some(Reason::MissingField));
    let not_object = r#"{"@timestamp":"2025-12-06T05:46:40Z","source":"1.2.3.4","http.request.method":"GET","url.original":"/y","http.response.status_code":200}"#;
    assert_eq!(json_with(Some("ecs"), TimestampUnit::Ms, not_object).err(), Some(Reason::MissingField));
    let value_is_object = r#"{"@timestamp":"2025-12-06T05:46:40Z","source":{"ip":{"v":1}},"http.request.method":"GET","url.original":"/y","http.response.status_code":200}"#;
    assert_eq!(json_with(Some("ecs"), TimestampUnit::Ms, value_is_object).err(), Some(Reason::InvalidField));
    assert_eq!(json_with(Some("ecs"), TimestampUnit::Ms, &format!("{}]", &nested[..nested.len() - 1])).err(), Some(Reason::Malformed));
    let deep = format!(r#"{{"source":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
    assert_eq!(json_with(Some("ecs"), TimestampUnit::Ms, &deep).err(), Some(Reason::Malformed));
}

#[test]
fn json_epoch_seconds_with_timestamp_unit_s() {
    let l = |ts: &str| format!(r#"{{"timestamp":{ts},"ip":"1.2.3.4","method":"GET","url":"/","status":200}}"#);
    assert_eq!(json_with(None, TimestampUnit::S, &l("1765000000.123")).map(|r| r.ts_us), Ok(T0 + 123_000));
    assert_eq!(json_with(None, TimestampUnit::S, &l("1765000000")).map(|r| r.ts_us), Ok(T0));
    assert_eq!(json_with(None, TimestampUnit::S, &l("\"1765000000.5\"")).map(|r| r.ts_us), Ok(T0 + 500_000));
    assert_eq!(json_with(None, TimestampUnit::S, &l("\"2025-12-06T05:46:40Z\"")).map(|r| r.ts_us), Ok(T0));
    assert_eq!(json_with(None, TimestampUnit::Ms, &l("1765000000123")).map(|r| r.ts_us), Ok(T0 + 123_000));
    assert_eq!(json_with(None, TimestampUnit::Ms, &l("\"1765000000123\"")).err(), Some(Reason::InvalidTimestamp));
    assert_eq!(json_with(None, TimestampUnit::S, &l("1765000000123")).err(), Some(Reason::InvalidTimestamp));
    assert_eq!(json_with(None, TimestampUnit::S, &l("-1")).err(), Some(Reason::InvalidTimestamp));
}

#[test]
fn clf_real_server_lines() {
    let clf = |l: &str| parse(Format::Clf, l).map(|r| fields(&r));
    let at = |ip: &str, m: &str, u: &str, s: u16| Ok((1_765_000_000_000_000, ip.to_string(), m.to_string(), u.to_string(), s));
    let time = "[06/Dec/2025:05:46:40 +0000]";
    // nginx's own bad requests
    assert_eq!(clf(&format!(r#"127.0.0.1 - - {time} "GARBAGE" 400 157 "-" "-""#)), at("127.0.0.1", "GARBAGE", "-", 400));
    assert_eq!(clf(&format!(r#"127.0.0.1 - - {time} "" 400 0 "-" "-""#)), at("127.0.0.1", "-", "-", 400));
    assert_eq!(clf(&format!(r#"127.0.0.1 - - {time} "-" 408 - "-" "-""#)), at("127.0.0.1", "-", "-", 408));
    assert_eq!(clf(&format!(r#"127.0.0.1 - - {time} "GET /x" 200 5"#)), at("127.0.0.1", "GET", "/x", 200));
    assert_eq!(clf(&format!(r#"127.0.0.1 - - {time} "GET /a\xC3\x28 HTTP/1.1" 404 153 "-" "curl/8""#)), at("127.0.0.1", "GET", r"/a\xC3\x28", 404));
    assert_eq!(clf(&format!(r#"127.0.0.1 - - {time} "GET /a b HTTP/1.1" 505 0"#)), at("127.0.0.1", "GET", "/a b", 505));
    // Apache escapes quotes in the request, referer and user agent
    let r = parse(Format::Clf, &format!(r#"::1 - bob {time} "GET /q=\"x\" HTTP/1.1" 200 - "http://r/\"" "Mozilla \"5\"""#)).unwrap();
    assert_eq!(fields(&r), (1_765_000_000_000_000, "::1".into(), "GET".into(), r#"/q=\"x\""#.into(), 200));
    assert_eq!(r.origin, Origin::Clf(ClfExtras { size: None, referer: Some(r#"http://r/\""#), user_agent: Some(r#"Mozilla \"5\""#) }));
    // nginx fields after the user agent, quoted or not
    assert_eq!(clf(&format!(r#"1.2.3.4 - - {time} "GET / HTTP/1.1" 200 612 "-" "ua" 0.001 "0.002, 0.003""#)), at("1.2.3.4", "GET", "/", 200));
    // Apache HostnameLookups On
    assert_eq!(clf(&format!(r#"crawl-1.googlebot.com - - {time} "GET / HTTP/1.1" 200 1"#)), at("crawl-1.googlebot.com", "GET", "/", 200));
    // still malformed: no status, no time, an open quote, junk after the size
    let reason = |l: String| parse(Format::Clf, &l).err();
    assert_eq!(reason(format!(r#"1.2.3.4 - - {time} "GET / HTTP/1.1""#)), Some(Reason::Malformed));
    assert_eq!(reason(r#"1.2.3.4 - - "GET / HTTP/1.1" 200 1"#.to_string()), Some(Reason::Malformed));
    assert_eq!(reason(format!(r#"1.2.3.4 - - {time} "GET / HTTP/1.1 200 1"#)), Some(Reason::Malformed));
    assert_eq!(reason(format!(r#"1.2.3.4 - - {time} "GET /\" 200 1"#)), Some(Reason::Malformed));
    assert_eq!(reason(format!(r#"1.2.3.4 - - {time} "GET / HTTP/1.1" 200 1x"#)), Some(Reason::Malformed));
    assert_eq!(reason(format!(r#"1.2.3.4 - - {time} "GET / HTTP/1.1" 200 1"r""#)), Some(Reason::Malformed));
    assert_eq!(reason(format!(r#"1.2.3.4 - - {time} "GET / HTTP/1.1" - 1"#)), Some(Reason::Malformed));
    assert_eq!(reason(format!(r#"1.2.3.999 - - {time} "GET / HTTP/1.1" 200 1"#)), Some(Reason::InvalidField));
    assert_eq!(reason(format!(r#"bad_host!.com - - {time} "GET / HTTP/1.1" 200 1"#)), Some(Reason::InvalidField));
}

#[test]
fn lines_that_are_not_utf8_are_decoded_lossily() {
    let p = |raw: &[u8]| {
        let parser: &'static mut LineParser = Box::leak(Box::new(LineParser::new(Format::Auto, b';')));
        parser.parse_lossy(Box::leak(raw.to_vec().into_boxed_slice())).map(|r| fields(&r))
    };
    let json = b"{\"timestamp\":\"2025-12-06T05:46:40Z\",\"ip\":\"1.2.3.4\",\"method\":\"GET\",\"url\":\"/caf\xe9\",\"status\":404}";
    assert_eq!(p(json), Ok((T0, "1.2.3.4".into(), "GET".into(), "/caf\u{fffd}".into(), 404)));
    let clf = b"1.2.3.4 - - [06/Dec/2025:05:46:40 +0000] \"GET /\xff HTTP/1.1\" 404 1 \"-\" \"\xc3\"";
    assert_eq!(p(clf), Ok((T0, "1.2.3.4".into(), "GET".into(), "/\u{fffd}".into(), 404)));
    assert_eq!(p(b"\xff\xfe junk"), Err(Reason::InvalidUtf8));
    assert_eq!(p(b"{\"timestamp\":\"2025-12-06T05:46:40Z\",\"ip\":\"1.2.3.4\",\"method\":\"GET\",\"url\":\"/\"}\xff"), Err(Reason::InvalidUtf8));
}

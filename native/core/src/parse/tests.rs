use super::*;
use crate::record::{ClfExtras, Origin};

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
    assert_eq!(r.origin, Origin::Json);
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
    assert_eq!(reason(r#"{"timestamp":"2025-06-09T09:42:40Z","ip":"1.2.3.4","method":"","url":"/","status":200}"#), Some(Reason::InvalidField));
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
    assert_eq!(reason(r#"1.2.3.4 - - [30/May/2025:16:32:53 +0000] "GET" 404 -"#), Some(Reason::Malformed));
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

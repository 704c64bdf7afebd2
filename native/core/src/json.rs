//! JSON log lines: is the line exactly one JSON object, and what are its five fields?
//!
//! Parser: **sonic-rs** (typed serde deserialization through a hand-written visitor, so strings
//! without escapes are borrowed from the line and ignored values are validated without being
//! built). `benches/json_parsers.rs` compares it with simd-json on our line shapes and holds the
//! numbers: ~145–160 ns per seed-shaped line on the default target, a near tie with simd-json on
//! such lines, 7–14 % ahead of it on lines with more fields, and steadier on a loaded machine.
//! Prefer [`JsonParser::extract_str`] when the line is already a `&str` (see the caveats).
//!
//! # Contract (API.md, "Exact rules", **json**)
//! - The line must be exactly one JSON object. JSON whitespace (space, tab, CR, LF) around it is
//!   allowed; anything else — `{"a":1}}`, `{"a":1} x`, `[1]`, `"str"`, `{`, `{"a":01}`, an empty
//!   or whitespace-only line — is [`Malformed`].
//! - The whole line is validated, values of ignored keys included: `{"x":[1,]}` is Malformed.
//! - Keys other than `timestamp`, `ip`, `method`, `url`, `status` are ignored. An escaped key
//!   (`"\u0075rl"`) is the key it decodes to. Duplicate keys: the last one wins.
//! - Strings are unescaped ([`Cow::Owned`] when the JSON had an escape, else borrowed from the
//!   line). Integers that fit `i64` → [`Scalar::Int`]; every other number (fraction, exponent,
//!   integer beyond `i64`, even beyond `u64`) → [`Scalar::Float`], so `404.0` and `4.04e2` are
//!   floats; `-0` → a `Float` zero (sign not kept). Arrays and objects → [`Scalar::Other`].
//!   `null` → `Some(Scalar::Null)`; an absent key → `None`.
//!
//! # Decisions (pinned by the tests)
//! - **Lone or reversed UTF-16 surrogate escapes** (`"\ud800"`, `"\udc00\ud83d"`), in any value
//!   or key → Malformed: a Rust `str` cannot hold them. `JSON.parse` accepts them, so the
//!   TypeScript oracle must special-case this.
//! - **BOM**: U+FEFF is not JSON whitespace → Malformed (as with `JSON.parse`; `auto` detection
//!   never routes such a line to json anyway, since its first byte is not `{`).
//! - **Nesting deeper than [`MAX_DEPTH`]** (64 levels, the top-level object being level 1) →
//!   Malformed, however deep (10,000 or 60,000 `[` are rejected at level 65 without touching more
//!   stack). `JSON.parse` has no such limit: the oracle must mirror it.
//! - **Numbers beyond the `f64` range** (`1e400`) → Malformed (`JSON.parse` gives Infinity).
//!
//! # sonic-rs caveats (version 0.5)
//! - **UTF-8 is validated again** by [`JsonParser::extract`]: sonic-rs takes a `&[u8]` as
//!   untrusted and runs simdutf8 over it (about 10 % of the parse time on our lines). It cannot be
//!   switched off without `unsafe`; callers that already hold the line as `&str` (for example from
//!   `simdutf8::basic::from_utf8`) should call [`JsonParser::extract_str`], which skips it.
//! - sonic-rs' own skipping code (`deserialize_ignored_any` / `IgnoredAny`, `to_object_iter`,
//!   `get_many`, and the error path for a top level that is not an object) recurses once per
//!   nesting level **without a limit**: 60,000 nested `[` overflow even an 8 MiB stack and abort
//!   the process. This module never reaches it: ignored values go through our own depth-counting
//!   visitor, and a line whose first non-whitespace byte is not `{` is refused before sonic-rs
//!   sees it. Do not replace the visitors below with `IgnoredAny`.
//! - Stack use is bounded by [`MAX_DEPTH`]: under 32 KiB for a maximally nested line in release
//!   builds, about 1.3 MiB in debug builds (unoptimized serde frames are large).
//! - `get_many` is unusable here anyway: it stops at the last wanted key (the rest of the line is
//!   not validated, and the *first* duplicate wins).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value of one of the five fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// an array or an object
    Other,
}

/// The five fields; `None` = key absent (JSON `null` is `Some(Scalar::Null)`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JsonFields<'a> {
    pub timestamp: Option<Scalar<'a>>,
    pub ip: Option<Scalar<'a>>,
    pub method: Option<Scalar<'a>>,
    pub url: Option<Scalar<'a>>,
    pub status: Option<Scalar<'a>>,
}

/// Syntax error, trailing non-whitespace, top level not an object, or nested deeper than
/// [`MAX_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// Deepest accepted nesting, the top-level object being level 1: `{"a":[[1]]}` has depth 3.
pub const MAX_DEPTH: u32 = 64;

/// The JSON line parser. sonic-rs builds its small deserializer on the stack per line and keeps
/// no buffers, so this holds nothing; it exists so the call sites do not change if a parser that
/// needs scratch space is ever swapped in.
#[derive(Debug, Default)]
pub struct JsonParser {}

impl JsonParser {
    pub fn new() -> Self {
        JsonParser {}
    }

    /// Checks that `line` (no newline) is exactly one JSON object and extracts the five fields.
    /// Validates UTF-8 again (see the module docs); invalid UTF-8 → Malformed.
    pub fn extract<'a>(&'a mut self, line: &'a [u8]) -> Result<JsonFields<'a>, Malformed> {
        starts_with_brace(line)?;
        sonic_rs::from_slice::<JsonFields<'a>>(line).map_err(|_| Malformed)
    }

    /// [`JsonParser::extract`] for a line already known to be UTF-8: no second UTF-8 pass.
    pub fn extract_str<'a>(&'a mut self, line: &'a str) -> Result<JsonFields<'a>, Malformed> {
        starts_with_brace(line.as_bytes())?;
        sonic_rs::from_str::<JsonFields<'a>>(line).map_err(|_| Malformed)
    }
}

/// sonic-rs reports a top level that is not an object after skipping it with unbounded
/// recursion (to describe it in the error), so such lines are refused here first.
#[inline(always)]
fn starts_with_brace(line: &[u8]) -> Result<(), Malformed> {
    match line
        .iter()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        Some(b'{') => Ok(()),
        _ => Err(Malformed),
    }
}

#[derive(Clone, Copy)]
enum Key {
    Timestamp,
    Ip,
    Method,
    Url,
    Status,
    Other,
}

#[inline(always)]
fn classify(k: &[u8]) -> Key {
    match k.len() {
        2 if k == b"ip" => Key::Ip,
        3 if k == b"url" => Key::Url,
        6 if k == b"method" => Key::Method,
        6 if k == b"status" => Key::Status,
        9 if k == b"timestamp" => Key::Timestamp,
        _ => Key::Other,
    }
}

struct KeyVisitor;
impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(classify(v.as_bytes()))
    }
}
impl<'de> de::Deserialize<'de> for Key {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Validates and drops one value at nesting level `.0`. It recurses through `deserialize_any`
/// (never `deserialize_ignored_any`, see the module docs) and stops at [`MAX_DEPTH`].
struct Skip(u32);
impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SkipVisitor(self.0))
    }
}

struct SkipVisitor(u32);
impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        if self.0 > MAX_DEPTH {
            return Err(de::Error::custom("nested too deep"));
        }
        while a.next_element_seed(Skip(self.0 + 1))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        if self.0 > MAX_DEPTH {
            return Err(de::Error::custom("nested too deep"));
        }
        while a.next_key_seed(Skip(self.0 + 1))?.is_some() {
            a.next_value_seed(Skip(self.0 + 1))?;
        }
        Ok(())
    }
}

/// The value of one of the five keys (level 2).
struct ScalarSeed;
impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;
impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Scalar::Int(i),
            Err(_) => Scalar::Float(v as f64),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Scalar<'de>, A::Error> {
        SkipVisitor(2).visit_seq(a)?;
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Scalar<'de>, A::Error> {
        SkipVisitor(2).visit_map(a)?;
        Ok(Scalar::Other)
    }
}

struct FieldsVisitor;
impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = JsonFields<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<JsonFields<'de>, A::Error> {
        let mut f = JsonFields::default();
        while let Some(k) = a.next_key::<Key>()? {
            let slot = match k {
                Key::Timestamp => &mut f.timestamp,
                Key::Ip => &mut f.ip,
                Key::Method => &mut f.method,
                Key::Url => &mut f.url,
                Key::Status => &mut f.status,
                Key::Other => {
                    a.next_value_seed(Skip(2))?;
                    continue;
                }
            };
            *slot = Some(a.next_value_seed(ScalarSeed)?); // duplicates: last one wins
        }
        Ok(f)
    }
}

/// Works with any serde deserializer (the benchmark runs it on serde_json for reference). With
/// sonic-rs, go through [`JsonParser`]: it adds the top-level check that keeps sonic-rs off its
/// unbounded recursion.
impl<'de> de::Deserialize<'de> for JsonFields<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonFields<'de>, D::Error> {
        d.deserialize_map(FieldsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(s: Option<Scalar<'_>>) -> Option<Scalar<'static>> {
        s.map(|s| match s {
            Scalar::Str(c) => Scalar::Str(Cow::Owned(c.into_owned())),
            Scalar::Null => Scalar::Null,
            Scalar::Bool(b) => Scalar::Bool(b),
            Scalar::Int(i) => Scalar::Int(i),
            Scalar::Float(f) => Scalar::Float(f),
            Scalar::Other => Scalar::Other,
        })
    }

    fn detach(f: JsonFields<'_>) -> JsonFields<'static> {
        JsonFields {
            timestamp: owned(f.timestamp),
            ip: owned(f.ip),
            method: owned(f.method),
            url: owned(f.url),
            status: owned(f.status),
        }
    }

    /// Parses with both entry points (they must agree) and detaches the result from the line.
    fn ex(line: &[u8]) -> Result<JsonFields<'static>, Malformed> {
        let mut p = JsonParser::new();
        let a = p.extract(line).map(detach);
        if let Ok(s) = std::str::from_utf8(line) {
            assert_eq!(
                p.extract_str(s).map(detach),
                a,
                "extract_str differs on {s:?}"
            );
        }
        a
    }

    fn ok(line: &str) -> JsonFields<'static> {
        match ex(line.as_bytes()) {
            Ok(f) => f,
            Err(_) => panic!("expected Ok for {line:?}"),
        }
    }

    fn bad(line: &[u8]) {
        assert_eq!(
            ex(line),
            Err(Malformed),
            "expected Malformed for {:?}",
            String::from_utf8_lossy(line)
        );
    }

    fn s(v: &str) -> Option<Scalar<'static>> {
        Some(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    const SEED: &str = r#"{"timestamp": "2025-06-09T09:42:40.001034Z", "ip": "208.173.67.38", "method": "GET", "url": "/resource/3", "status": 404}"#;

    fn seed_fields() -> JsonFields<'static> {
        JsonFields {
            timestamp: s("2025-06-09T09:42:40.001034Z"),
            ip: s("208.173.67.38"),
            method: s("GET"),
            url: s("/resource/3"),
            status: Some(Scalar::Int(404)),
        }
    }

    #[test]
    fn seed_line() {
        assert_eq!(ok(SEED), seed_fields());
    }

    #[test]
    fn compact_line_and_other_spacing() {
        let compact = r#"{"timestamp":"2025-06-09T09:42:40.001034Z","ip":"208.173.67.38","method":"GET","url":"/resource/3","status":404}"#;
        assert_eq!(ok(compact), seed_fields());
        let airy = " \t{ \"timestamp\" :\t\"2025-06-09T09:42:40.001034Z\" ,\r\n\"ip\":\"208.173.67.38\", \"method\"\n: \"GET\" , \"url\" : \"/resource/3\" , \"status\" : 404 } \t\r";
        assert_eq!(ok(airy), seed_fields());
    }

    #[test]
    fn plain_strings_borrow_escaped_ones_are_owned() {
        let line = br#"{"url":"/resource/3","method":"G\u0045T"}"#;
        let mut p = JsonParser::new();
        let f = p.extract(line).unwrap();
        assert!(matches!(
            f.url,
            Some(Scalar::Str(Cow::Borrowed("/resource/3")))
        ));
        assert!(matches!(&f.method, Some(Scalar::Str(Cow::Owned(m))) if m == "GET"));
    }

    #[test]
    fn escapes_are_decoded() {
        let f = ok(
            r#"{"url":"/a\"b","method":"\u00e9","ip":"\ud83d\ude00","timestamp":"\/\b\f\n\r\t\\"}"#,
        );
        assert_eq!(f.url, s("/a\"b"));
        assert_eq!(f.method, s("é"));
        assert_eq!(f.ip, s("😀"));
        assert_eq!(f.timestamp, s("/\u{8}\u{c}\n\r\t\\"));
        // raw non-ASCII and DEL are fine as they are
        assert_eq!(
            ok("{\"url\":\"/caf\u{e9}\u{7f}\u{1F600}\"}").url,
            s("/caf\u{e9}\u{7f}\u{1F600}")
        );
        // an escaped key is the key it decodes to
        assert_eq!(ok(r#"{"\u0075rl":"/x"}"#).url, s("/x"));
    }

    #[test]
    fn numbers() {
        let f = ok(r#"{"status":404,"ip":-5,"url":1.5,"method":1e3,"timestamp":1749462160001.5}"#);
        assert_eq!(f.status, Some(Scalar::Int(404)));
        assert_eq!(f.ip, Some(Scalar::Int(-5)));
        assert_eq!(f.url, Some(Scalar::Float(1.5)));
        assert_eq!(f.method, Some(Scalar::Float(1000.0)));
        assert_eq!(f.timestamp, Some(Scalar::Float(1749462160001.5)));

        let f = ok(r#"{"status":4.04e2,"ip":1.0,"url":-1e-2,"method":1E+2,"timestamp":0}"#);
        assert_eq!(f.status, Some(Scalar::Float(404.0)));
        assert_eq!(f.ip, Some(Scalar::Float(1.0)));
        assert_eq!(f.url, Some(Scalar::Float(-0.01)));
        assert_eq!(f.method, Some(Scalar::Float(100.0)));
        assert_eq!(f.timestamp, Some(Scalar::Int(0)));

        // i64 edges; beyond i64 (and beyond u64) → Float
        let f = ok(
            r#"{"ip":-9223372036854775808,"status":9223372036854775807,"method":9223372036854775808,"url":-9223372036854775809,"timestamp":123456789012345678901234567890}"#,
        );
        assert_eq!(f.ip, Some(Scalar::Int(i64::MIN)));
        assert_eq!(f.status, Some(Scalar::Int(i64::MAX)));
        assert_eq!(f.method, Some(Scalar::Float(9223372036854775808.0)));
        assert_eq!(f.url, Some(Scalar::Float(-9223372036854775809.0)));
        assert_eq!(f.timestamp, Some(Scalar::Float(1.2345678901234568e29)));
        assert_eq!(
            ok(r#"{"status":18446744073709551615}"#).status,
            Some(Scalar::Float(18446744073709551615.0))
        );

        // -0, -0.0: a Float zero (sonic-rs drops the sign; every rule treats it as 0 anyway)
        for z in [
            r#"{"status":-0}"#,
            r#"{"status":-0.0}"#,
            r#"{"status":-0e5}"#,
        ] {
            match ok(z).status {
                Some(Scalar::Float(x)) => assert_eq!(x, 0.0),
                other => panic!("{z} gave {other:?}"),
            }
        }
        assert_eq!(ok(r#"{"status":-0.5}"#).status, Some(Scalar::Float(-0.5)));
        // beyond the f64 range: decided Malformed (JSON.parse would give ±Infinity)
        bad(br#"{"status":1e400}"#);
        bad(br#"{"x":-1e400}"#);
    }

    #[test]
    fn status_as_string_null_bool_missing() {
        let f = ok(r#"{"status":"404","ip":null,"url":true,"method":false}"#);
        assert_eq!(f.status, s("404"));
        assert_eq!(f.ip, Some(Scalar::Null));
        assert_eq!(f.url, Some(Scalar::Bool(true)));
        assert_eq!(f.method, Some(Scalar::Bool(false)));
        assert_eq!(f.timestamp, None);

        assert_eq!(ok("{}"), JsonFields::default());
        assert_eq!(ok(" { } "), JsonFields::default());
        assert_eq!(
            ok(r#"{"a":1,"b":"x","URL":"/no","Status":1}"#),
            JsonFields::default()
        );
        let f = ok(r#"{"url":"/u"}"#);
        assert_eq!(
            (f.timestamp, f.ip, f.method, f.status),
            (None, None, None, None)
        );
    }

    #[test]
    fn nested_values_are_other() {
        let f = ok(
            r#"{"url":{"a":[1,2,{"b":null}]},"ip":[],"status":{},"method":[[["x"]]],"timestamp":{"t":"2025"}}"#,
        );
        for v in [f.url, f.ip, f.status, f.method, f.timestamp] {
            assert_eq!(v, Some(Scalar::Other));
        }
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let f = ok(
            r#"{"url":"a","url":"b","status":1,"status":null,"ip":"x","ip":{"y":1},"method":[1],"method":"GET"}"#,
        );
        assert_eq!(f.url, s("b"));
        assert_eq!(f.status, Some(Scalar::Null));
        assert_eq!(f.ip, Some(Scalar::Other));
        assert_eq!(f.method, s("GET"));
    }

    #[test]
    fn extra_keys_with_nested_values_are_skipped() {
        let line = r#"{"x":[1,[2,[3,{"y":"z","w":[true,false,null,-1.5e3]}]]],"timestamp":"2025-06-09T09:42:40.001034Z","z":{"q":"\n\u00e9","r":{}},"ip":"208.173.67.38","method":"GET","url":"/resource/3","status":404,"tail":[]}"#;
        assert_eq!(ok(line), seed_fields());
    }

    #[test]
    fn malformed_lines() {
        let cases: &[&[u8]] = &[
            br#"{"a":1}}"#,
            br#"{"a":1} x"#,
            br#"{"a":1}{}"#,
            br#"{"a":1}{"#,
            b"[1]",
            b"[]",
            br#""str""#,
            b"1",
            b"null",
            b"{",
            b"}",
            br#"{"a":01}"#,
            br#"{"a":-01}"#,
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":+1}"#,
            br#"{"a":1e}"#,
            br#"{"a":0x1}"#,
            br#"{"a":-}"#,
            br#"{"a":NaN}"#,
            br#"{"a":tru}"#,
            br#"{"a":truex}"#,
            br#"{"a":nul}"#,
            br#"{"a":'x'}"#,
            br#"{"a":1,}"#,
            br#"{"a":1 "b":2}"#,
            br#"{"a" 1}"#,
            br#"{"a"::1}"#,
            br#"{,}"#,
            br#"{1:1}"#,
            br#"{a:1}"#,
            br#"{"a"}"#,
            br#"{"a":1,"b"}"#,
            br#"{"a":"x"y}"#,
            br#"{"a":1]"#,
            br#"{"url":"/x""#,
            br#"{"url":"/x"#,
            // errors inside ignored (and nested) values
            br#"{"x":[1,]}"#,
            br#"{"x":[,1]}"#,
            br#"{"x":[1 2]}"#,
            br#"{"x":[1}"#,
            br#"{"x":{"b":1,}}"#,
            br#"{"x":{"b" 1}}"#,
            br#"{"x":[1.]}"#,
            br#"{"x":"\x41"}"#,
            br#"{"x":"\'"}"#,
            br#"{"x":"\u12"}"#,
            br#"{"x":"\u12G4"}"#,
            b"{\"x\":\"a\x01b\"}",
            b"{\"url\":\"a\tb\"}",
            b"{\"x\":[[[\"a\nb\"]]]}",
            // lone / reversed surrogates: decided Malformed, wherever they are
            br#"{"x":"\ud800"}"#,
            br#"{"x":"\udc00"}"#,
            br#"{"x":"\ude00\ud83d"}"#,
            br#"{"url":"\ud800"}"#,
            br#"{"url":"\ud800x"}"#,
            br#"{"x":["\ud83d"]}"#,
            br#"{"\ud800":1}"#,
            // not JSON whitespace: BOM, NBSP, form feed, NUL
            b"\xEF\xBB\xBF{}",
            "{\"a\":1}\u{a0}".as_bytes(),
            b"\x0c{}",
            b"{}\x00",
            // empty, blank
            b"",
            b" ",
            b" \t \r\n",
            // not UTF-8 (the caller checks first; extract re-validates anyway)
            b"{\"url\":\"\xff\"}",
            b"{\"x\":\"\xc3\"}",
        ];
        for c in cases {
            bad(c);
        }
    }

    fn nested(prefix: &str, depth: usize, suffix: &str) -> Vec<u8> {
        let mut v = prefix.as_bytes().to_vec();
        v.extend(std::iter::repeat_n(b'[', depth));
        v.extend(std::iter::repeat_n(b']', depth));
        v.extend_from_slice(suffix.as_bytes());
        v
    }

    /// Recursion is bounded by MAX_DEPTH, at ~20 KiB per level in debug builds: give the test an
    /// explicit 2 MiB thread whatever RUST_MIN_STACK says.
    fn on_2mib_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn depth_limit() {
        on_2mib_stack(|| {
            let max = MAX_DEPTH as usize;
            // top-level object + (MAX_DEPTH - 1) arrays: accepted, one more: Malformed
            assert_eq!(
                ex(&nested("{\"url\":", max - 1, "}")).unwrap().url,
                Some(Scalar::Other)
            );
            assert_eq!(
                ex(&nested("{\"x\":", max - 1, ",\"url\":\"/u\"}"))
                    .unwrap()
                    .url,
                s("/u")
            );
            bad(&nested("{\"url\":", max, "}"));
            bad(&nested("{\"x\":", max, ",\"url\":\"/u\"}"));
            let mut objects = "{\"a\":".repeat(max - 1);
            objects.push_str("{}");
            objects.push_str(&"}".repeat(max - 1));
            assert_eq!(ok(&objects), JsonFields::default());
            bad(format!("{{\"a\":{objects}}}").as_bytes());
        });
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        on_2mib_stack(|| {
            for depth in [10_000, 60_000] {
                bad(&nested("{\"x\":", depth, "}"));
                bad(&nested("{\"url\":", depth, "}"));
                bad(&nested("", depth, "")); // top level not an object
                let mut open = b"{\"x\":".to_vec();
                open.extend(std::iter::repeat_n(b'[', depth));
                bad(&open);
                bad(&open[5..]);
                let objects = "{\"a\":".repeat(depth);
                bad(objects.as_bytes());
                bad(format!("{objects}1{}", "}".repeat(depth)).as_bytes());
            }
        });
    }

    #[test]
    fn parser_is_reusable_across_lines() {
        let mut p = JsonParser::default();
        let long_url = format!("/{}", "x".repeat(70_000));
        let long = format!(
            r#"{{"url":"{long_url}","status":500,"pad":[{}0]}}"#,
            "1,".repeat(5000)
        );
        for _ in 0..3 {
            assert_eq!(
                p.extract(SEED.as_bytes()).unwrap().status,
                Some(Scalar::Int(404))
            );
            assert_eq!(p.extract(b"{\"a\":1}}"), Err(Malformed));
            let f = p.extract(long.as_bytes()).unwrap();
            assert_eq!(f.url, Some(Scalar::Str(Cow::Borrowed(long_url.as_str()))));
            assert_eq!(f.timestamp, None);
            assert_eq!(p.extract(br#"{"url":"/a\"b"}"#).unwrap().url, s("/a\"b"));
            assert_eq!(p.extract_str("{}").unwrap(), JsonFields::default());
            assert_eq!(p.extract(b""), Err(Malformed));
        }
    }
}

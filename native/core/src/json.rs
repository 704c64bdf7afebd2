//! JSON log lines: is the line exactly one JSON object, and what are its five fields?
//!
//! Two parsers, one result:
//! - a **fast path** (module `fast` below; hand-written, no `unsafe`) for the shape nearly every
//!   log line has: a flat object whose keys and strings have no escape and whose other values
//!   are small integers, `true`, `false` or `null`. It takes only lines it has fully validated
//!   and hands everything else (escapes, nested values, floats, big integers, every malformed
//!   line) to
//! - **sonic-rs** (typed serde deserialization through a hand-written visitor, so strings
//!   without escapes are borrowed from the line and ignored values are validated without being
//!   built), which alone defines the results; the fast path only reproduces them. A differential
//!   test holds the two to identical output on generated and mutated lines.
//!
//! `benches/json_parsers.rs` holds the numbers: with [`JsonParser::extract_str`], ~75 ns per
//! seed-shaped line against ~155 ns for sonic-rs alone (itself a near tie with simd-json), and
//! ~120 ns against ~205 ns on lines with three more fields. Prefer `extract_str` when the line is
//! already a `&str`: [`JsonParser::extract`] adds a UTF-8 pass (~20 ns).
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
//! - **UTF-8 is validated again** by [`JsonParser::extract`] (simdutf8, then the `&str` path; the
//!   same results as sonic-rs' own validation of a `&[u8]`, which rejects every non-UTF-8 line).
//!   Callers that already hold the line as `&str` (for example from
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
    /// Not required: it only fills the archive's `user_agent` column.
    pub user_agent: Option<Scalar<'a>>,
}

/// Syntax error, trailing non-whitespace, top level not an object, or nested deeper than
/// [`MAX_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// Deepest accepted nesting, the top-level object being level 1: `{"a":[[1]]}` has depth 3.
pub const MAX_DEPTH: u32 = 64;

/// The JSON line parser. Neither path keeps buffers (sonic-rs builds its small deserializer on
/// the stack per line); what it holds is a little history that decides whether the fast path is
/// worth trying on the next line (see [`JsonParser::extract_str`]). Results never depend on it.
#[derive(Debug, Default)]
pub struct JsonParser {
    /// Lines in a row the fast path gave up on, up to [`MISSES_BEFORE_SKIP`].
    misses: u8,
    /// Lines still to send straight to sonic-rs.
    skip: u8,
    /// Field names other than the defaults (`json.fields` / `json.preset`); None = the default names.
    keys: Option<Box<crate::parse::json_keys::JsonKeys>>,
}

/// After this many lines in a row that the fast path could not take, ...
const MISSES_BEFORE_SKIP: u8 = 8;
/// ... this many lines skip it; then one line probes it again.
const SKIP_LINES: u8 = 63;

impl JsonParser {
    pub fn new() -> Self {
        JsonParser::default()
    }

    /// A parser that reads the fields under other names; the default names keep the plain parser.
    pub fn with_keys(keys: crate::parse::json_keys::JsonKeys) -> Self {
        let keys = (!keys.is_default()).then(|| Box::new(keys));
        JsonParser { keys, ..JsonParser::default() }
    }

    /// Checks that `line` (no newline) is exactly one JSON object and extracts the five fields.
    /// Validates UTF-8 first (see the module docs); invalid UTF-8 → Malformed.
    pub fn extract<'a>(&mut self, line: &'a [u8]) -> Result<JsonFields<'a>, Malformed> {
        // sonic-rs rejects every line that is not UTF-8 (outside strings a non-ASCII byte is a
        // syntax error, inside them it validates), so checking up front changes no result and
        // lets both paths below work on a `&str`.
        match simdutf8::basic::from_utf8(line) {
            Ok(s) => self.extract_str(s),
            Err(_) => Err(Malformed),
        }
    }

    /// [`JsonParser::extract`] for a line already known to be UTF-8: no second UTF-8 pass.
    ///
    /// Tries the fast path, then sonic-rs. A line the fast path gives up on costs its scan on top
    /// of sonic-rs — the whole line when the obstacle (a nested value, an escape, a float) is at
    /// its end, +70 ns on a 150-byte line. So a stream of such lines turns the fast path off:
    /// after 8 misses in a row, 63 lines go straight to sonic-rs, then one line probes the fast
    /// path again (a miss skips again at once, a hit resets). Results are the same either way.
    #[inline(always)] // into the shard's line loop, as before the mapped names existed (callgrind: +400 instr/line otherwise)
    pub fn extract_str<'a>(&mut self, line: &'a str) -> Result<JsonFields<'a>, Malformed> {
        if let Some(keys) = &self.keys {
            return crate::parse::json_mapped::extract(keys, line);
        }
        if self.skip > 0 {
            self.skip -= 1;
            return extract_sonic(line);
        }
        if let Some(f) = fast::extract(line, fast::key) {
            self.misses = 0;
            return Ok(f);
        }
        self.misses += 1;
        if self.misses == MISSES_BEFORE_SKIP {
            self.misses -= 1; // so that the probe after the skip decides alone
            self.skip = SKIP_LINES;
        }
        extract_sonic(line)
    }

    /// [`JsonParser::extract_str`] without the fast path: sonic-rs alone. Not part of the API;
    /// public only so that the benchmark can time the fast path against it.
    #[doc(hidden)]
    pub fn extract_str_sonic_only<'a>(
        &mut self,
        line: &'a str,
    ) -> Result<JsonFields<'a>, Malformed> {
        extract_sonic(line)
    }
}

/// The general path: every line the fast path does not take, including every malformed one.
#[inline(never)] // keeps the fast path's caller small; sonic-rs' code is large
fn extract_sonic(line: &str) -> Result<JsonFields<'_>, Malformed> {
    starts_with_brace(line.as_bytes())?;
    sonic_rs::from_str::<JsonFields<'_>>(line).map_err(|_| Malformed)
}

/// sonic-rs reports a top level that is not an object after skipping it with unbounded
/// recursion (to describe it in the error), so such lines are refused here first.
#[inline(always)]
pub(crate) fn starts_with_brace(line: &[u8]) -> Result<(), Malformed> {
    match line
        .iter()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        Some(b'{') => Ok(()),
        _ => Err(Malformed),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Timestamp,
    Ip,
    Method,
    Url,
    Status,
    UserAgent,
    Other,
}

impl<'a> JsonFields<'a> {
    /// Where the value of `key` goes; None for keys that are not one of the fields.
    #[inline(always)]
    pub(crate) fn slot(&mut self, key: Key) -> Option<&mut Option<Scalar<'a>>> {
        Some(match key {
            Key::Timestamp => &mut self.timestamp,
            Key::Ip => &mut self.ip,
            Key::Method => &mut self.method,
            Key::Url => &mut self.url,
            Key::Status => &mut self.status,
            Key::UserAgent => &mut self.user_agent,
            Key::Other => return None,
        })
    }
}

#[inline(always)]
fn classify(k: &[u8]) -> Key {
    match k.len() {
        2 if k == b"ip" => Key::Ip,
        3 if k == b"url" => Key::Url,
        6 if k == b"method" => Key::Method,
        6 if k == b"status" => Key::Status,
        9 if k == b"timestamp" => Key::Timestamp,
        10 if k == b"user_agent" => Key::UserAgent,
        _ => Key::Other,
    }
}

/// The fast path: a hand-written scanner for the shape nearly every log line has — one flat
/// object whose keys and string values have no escape, and whose other values are small
/// integers or literals. On our lines it takes about half the time of sonic-rs' serde walk,
/// which pays per value for its generic `Deserializer` plumbing.
///
/// `fast::extract` returns `Some` only for a line it has fully validated (it then equals what
/// sonic-rs gives, field for field), and `None` — "ask sonic-rs" — for anything else, valid or
/// not. It never decides that a line is malformed: that keeps all error behaviour in one place,
/// and malformed lines are rare enough that scanning them twice costs nothing.
///
/// Accepted (grammar of RFC 8259, restricted): whitespace = space, tab, CR, LF; `{`, then zero or
/// more `"key": value` separated by `,`, then `}`, then only whitespace. Keys and string values:
/// any bytes but `"`, `\` and controls (< 0x20) — the line is a `&str`, so non-ASCII is valid
/// UTF-8 already. Other values: `true`, `false`, `null`, integers `-?(0|[1-9][0-9]*)` of at most
/// 18 digits (always within `i64`), except `-0`.
///
/// Punted to sonic-rs: any backslash in a string (it needs unescaping, and a key may then decode
/// to one of ours); a control byte in a string (invalid, sonic-rs reports it); a nested `{` or
/// `[` value; a number with a fraction or exponent (sonic-rs' float parsing is what defines
/// the `Float` we return), with 19 or more digits (it may not fit `i64`), with a leading zero
/// (invalid), or `-0` (sonic-rs returns a float zero); and every syntax error.
pub(crate) mod fast {
    use super::{classify, Cow, JsonFields, Key, Scalar};

    /// `Some(fields)` when the line is a valid JSON object of the fast shape, `None` otherwise.
    /// `key` reads one key (see [`key`]); other field names pass their own.
    #[inline(always)] // two instances now (default and mapped names): without it the default one is not inlined
    pub(crate) fn extract<K: Fn(&[u8], usize) -> Option<(Key, usize)>>(line: &str, key: K) -> Option<JsonFields<'_>> {
        let b = line.as_bytes();
        let mut i = skip_ws(b, 0);
        if *b.get(i)? != b'{' {
            return None;
        }
        i = skip_ws(b, i + 1);
        let mut f = JsonFields::default();
        if *b.get(i)? == b'}' {
            return only_ws_after(b, i + 1).then_some(f);
        }
        loop {
            // here `i` is at the first byte of a member: it must be a key
            if *b.get(i)? != b'"' {
                return None; // includes `{,` and the trailing comma of `{"a":1,}`
            }
            let (key, key_end) = key(b, i + 1)?;
            i = skip_ws(b, key_end + 1);
            if *b.get(i)? != b':' {
                return None;
            }
            i = skip_ws(b, i + 1);
            let (value, next) = value(line, i)?;
            // values of other keys are validated just the same; duplicates: last one wins, as with sonic-rs
            if let Some(slot) = f.slot(key) {
                *slot = Some(value);
            }
            i = skip_ws(b, next);
            match *b.get(i)? {
                b',' => i = skip_ws(b, i + 1),
                b'}' => return only_ws_after(b, i + 1).then_some(f),
                _ => return None,
            }
        }
    }

    /// The key whose contents start at `b[i]` → which key, and the index of its closing `"`.
    ///
    /// Our five keys are compared as whole literals, closing quote included, picked by their
    /// first byte: that is a load and a compare at a known address, so the scan for the closing
    /// quote (whose result every later step waits for) is left to the values. Any other key is
    /// scanned and classified like a value string.
    #[inline(always)]
    pub(crate) fn key(b: &[u8], i: usize) -> Option<(Key, usize)> {
        let rest = &b[i..];
        // each literal is a constant, so `starts_with` compiles to a load and a compare or two
        let known = match rest.first() {
            Some(b't') if rest.starts_with(b"timestamp\"") => Some((Key::Timestamp, 9)),
            Some(b'i') if rest.starts_with(b"ip\"") => Some((Key::Ip, 2)),
            Some(b'm') if rest.starts_with(b"method\"") => Some((Key::Method, 6)),
            Some(b'u') if rest.starts_with(b"url\"") => Some((Key::Url, 3)),
            Some(b'u') if rest.starts_with(b"user_agent\"") => Some((Key::UserAgent, 10)),
            Some(b's') if rest.starts_with(b"status\"") => Some((Key::Status, 6)),
            _ => None,
        };
        if let Some((k, len)) = known {
            return Some((k, i + len));
        }
        let end = string_end(b, i)?;
        Some((classify(&b[i..end]), end))
    }

    /// JSON whitespace only (RFC 8259 `ws`): not form feed, NBSP or a BOM.
    #[inline(always)]
    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = b.get(i) {
            i += 1;
        }
        i
    }

    #[inline(always)]
    fn only_ws_after(b: &[u8], i: usize) -> bool {
        skip_ws(b, i) == b.len()
    }

    /// One value starting at `b[i]` (not whitespace) → the value and the index just past it.
    /// What follows it is checked by the caller (`,`/`}` after optional whitespace), which is
    /// what rejects `truex`, `12a` or `"a"b`.
    #[inline(always)]
    fn value(line: &str, i: usize) -> Option<(Scalar<'_>, usize)> {
        let b = line.as_bytes();
        match *b.get(i)? {
            b'"' => {
                let end = string_end(b, i + 1)?;
                // both ends are next to an ASCII `"`, so on char boundaries; `split_at` checks
                // that inline, where `&line[a..b]` calls an out-of-line `get`
                let (s, _) = line.split_at(end);
                let (_, s) = s.split_at(i + 1);
                Some((Scalar::Str(Cow::Borrowed(s)), end + 1))
            }
            b't' => literal(b, i, b"true", Scalar::Bool(true)),
            b'f' => literal(b, i, b"false", Scalar::Bool(false)),
            b'n' => literal(b, i, b"null", Scalar::Null),
            b'-' | b'0'..=b'9' => int(b, i),
            _ => None, // `{`, `[` (nested: sonic-rs) or invalid
        }
    }

    #[inline(always)]
    fn literal<'a>(b: &[u8], i: usize, word: &[u8], v: Scalar<'a>) -> Option<(Scalar<'a>, usize)> {
        b[i..].starts_with(word).then_some((v, i + word.len()))
    }

    /// Most digits taken: 18 digits are below 10^18 < 2^63, so the value always fits `i64`.
    const MAX_DIGITS: usize = 18;

    /// `-?(0|[1-9][0-9]*)` of at most [`MAX_DIGITS`] digits, not `-0`. A fraction or an exponent
    /// (`1.5`, `1e3`) needs no check here: the caller finds `.`/`e`/`E` where it wants `,` or `}`
    /// and punts the line, so floats always come from sonic-rs.
    #[inline(always)]
    fn int(b: &[u8], mut i: usize) -> Option<(Scalar<'static>, usize)> {
        let neg = b[i] == b'-';
        if neg {
            i += 1;
        }
        let start = i;
        let mut n: i64 = 0;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            if i - start == MAX_DIGITS {
                return None; // too long for the fast path: it may not fit i64
            }
            n = n * 10 + i64::from(c - b'0');
            i += 1;
        }
        let digits = i - start;
        if digits == 0 // `-` alone, `-x`
            || (digits > 1 && b[start] == b'0') // leading zero: invalid
            || (neg && n == 0)
        // `-0` (the only negative zero left): sonic-rs makes it a float zero
        {
            return None;
        }
        Some((Scalar::Int(if neg { -n } else { n }), i))
    }

    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

    /// High bit set in each byte of `x` that is below `n` (n ≤ 0x80). Bytes above the lowest
    /// flagged one may be flagged wrongly (a borrow runs up from it), never bytes below it, so
    /// the lowest flag is always right — which is all [`string_end`] uses.
    #[inline(always)]
    fn bytes_below(x: u64, n: u8) -> u64 {
        x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
    }

    /// Index of the `"` that closes the string whose contents start at `b[i]`; `None` if a `\`
    /// (an escape: sonic-rs unescapes) or a control byte (invalid) comes first, or the line ends.
    /// Eight bytes per step (SWAR; no `unsafe`), then byte by byte for the last few.
    #[inline(always)]
    pub(crate) fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
        while let Some(chunk) = b.get(i..i + 8) {
            // little-endian whatever the target, so the lowest bits are the first byte
            let x = u64::from_le_bytes(chunk.try_into().unwrap());
            // flipping bit 1 maps `"` (0x22) to 0x20 and the controls 0x00..=0x1F onto
            // themselves (space, 0x20, goes to 0x22): one test below 0x21 finds both
            let stop = bytes_below(x ^ (ONES * 0x02), 0x21)
                | bytes_below(x ^ (ONES * u64::from(b'\\')), 1);
            if stop != 0 {
                let j = i + (stop.trailing_zeros() / 8) as usize;
                return (b[j] == b'"').then_some(j);
            }
            i += 8;
        }
        loop {
            match *b.get(i)? {
                b'"' => return Some(i),
                b'\\' | 0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// [`string_end`] against a byte-by-byte model, on random buffers of 0..40 bytes biased
        /// towards the bytes it looks for and their neighbours (0x1F/0x20/0x21/0x23, 0x5B/0x5D,
        /// 0x80+), from every start offset.
        #[test]
        fn string_end_matches_a_bytewise_scan() {
            let model = |b: &[u8], i: usize| -> Option<usize> {
                let j = i + b
                    .get(i..)?
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
                (b[j] == b'"').then_some(j)
            };
            let interesting = [
                0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xa2, 0xdc,
                0xff,
            ];
            let mut x: u64 = 0x2545_F491_4F6C_DD1D;
            for _ in 0..100_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = (x % 41) as usize;
                let mut r = x;
                let buf: Vec<u8> = (0..len)
                    .map(|k| {
                        r = r.rotate_left(7) ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                        match r % 8 {
                            0 => interesting[(r >> 8) as usize % interesting.len()],
                            _ => b'a' + (r >> 16) as u8 % 26,
                        }
                    })
                    .collect();
                for i in 0..=len {
                    assert_eq!(string_end(&buf, i), model(&buf, i), "{buf:?} from {i}");
                }
            }
        }
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
pub(crate) struct Skip(pub(crate) u32);
impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SkipVisitor(self.0))
    }
}

pub(crate) struct SkipVisitor(pub(crate) u32);
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

pub(crate) struct ScalarVisitor;
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
            match f.slot(k) {
                Some(slot) => *slot = Some(a.next_value_seed(ScalarSeed)?), // duplicates: last one wins
                None => a.next_value_seed(Skip(2))?,
            }
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
            user_agent: owned(f.user_agent),
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
            user_agent: None,
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

    // ---- the fast path -------------------------------------------------------------------------

    /// A comparable form of a result: the Cow variant of each string and the bits of each float
    /// are part of it, so "identical" really means identical.
    #[derive(Debug, PartialEq)]
    enum Canon {
        Null,
        Bool(bool),
        Int(i64),
        FloatBits(u64),
        Borrowed(String),
        Owned(String),
        Other,
    }

    fn canon(r: Result<JsonFields<'_>, Malformed>) -> Result<[Option<Canon>; 6], Malformed> {
        let c = |v: Option<Scalar<'_>>| {
            v.map(|v| match v {
                Scalar::Null => Canon::Null,
                Scalar::Bool(b) => Canon::Bool(b),
                Scalar::Int(i) => Canon::Int(i),
                Scalar::Float(x) => Canon::FloatBits(x.to_bits()),
                Scalar::Str(Cow::Borrowed(s)) => Canon::Borrowed(s.to_owned()),
                Scalar::Str(Cow::Owned(s)) => Canon::Owned(s),
                Scalar::Other => Canon::Other,
            })
        };
        r.map(|f| [c(f.timestamp), c(f.ip), c(f.method), c(f.url), c(f.status), c(f.user_agent)])
    }

    /// The reference: what `extract` did before the fast path existed (sonic-rs over the bytes,
    /// its own UTF-8 validation included).
    fn reference(line: &[u8]) -> Result<[Option<Canon>; 6], Malformed> {
        let r = starts_with_brace(line)
            .and_then(|()| sonic_rs::from_slice::<JsonFields<'_>>(line).map_err(|_| Malformed));
        canon(r)
    }

    /// Did the fast path take the line (it is then certainly valid)?
    fn fast_takes(line: &str) -> bool {
        fast::extract(line, fast::key).is_some()
    }

    /// Both entry points equal the reference; returns whether the fast path took the line.
    fn same_as_reference(line: &[u8]) -> bool {
        check(line).0
    }

    /// [`same_as_reference`], also returning the reference's result.
    fn check(line: &[u8]) -> (bool, Result<[Option<Canon>; 6], Malformed>) {
        let want = reference(line);
        let mut p = JsonParser::new();
        assert_eq!(
            canon(p.extract(line)),
            want,
            "extract differs from sonic-rs on {:?}",
            String::from_utf8_lossy(line)
        );
        let Ok(s) = std::str::from_utf8(line) else {
            return (false, want);
        };
        assert_eq!(
            canon(p.extract_str(s)),
            want,
            "extract_str differs on {s:?}"
        );
        assert_eq!(
            canon(extract_sonic(s)),
            want,
            "extract_sonic differs on {s:?}"
        );
        let took = fast_takes(s);
        assert!(
            !took || want.is_ok(),
            "fast path took a malformed line: {s:?}"
        );
        (took, want)
    }

    /// The fast path takes `line`, with the reference's result.
    fn fast(line: &str) -> JsonFields<'static> {
        assert!(
            same_as_reference(line.as_bytes()),
            "fast path punted on {line:?}"
        );
        ok(line)
    }

    /// The fast path leaves `line` to sonic-rs, which gives the reference's result.
    fn punts(line: &[u8]) {
        assert!(
            !same_as_reference(line),
            "fast path took {:?}",
            String::from_utf8_lossy(line)
        );
    }

    #[test]
    fn fast_path_takes_the_common_shapes() {
        assert_eq!(fast(SEED), seed_fields());
        let compact = r#"{"timestamp":"2025-06-09T09:42:40.001034Z","ip":"208.173.67.38","method":"GET","url":"/resource/3","status":404}"#;
        assert_eq!(fast(compact), seed_fields());
        let extra = r#"{"timestamp": "2025-06-09T09:42:40.001034Z", "ip": "208.173.67.38", "method": "GET", "url": "/resource/3", "status": 404, "bytes": 5120, "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "request_id": "00ff3a9c1b2d4e5f"}"#;
        let with_ua = JsonFields { user_agent: s("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"), ..seed_fields() };
        assert_eq!(fast(extra), with_ua);
        // key order and the other keys do not matter
        let shuffled = r#"{"status":404,"a":"b","url":"/resource/3","n":null,"method":"GET","t":true,"ip":"208.173.67.38","f":false,"timestamp":"2025-06-09T09:42:40.001034Z","z":-7}"#;
        assert_eq!(fast(shuffled), seed_fields());
        // strings are borrowed from the line
        let line = r#"{"url":"/resource/3","method":""}"#;
        let mut p = JsonParser::new();
        let f = p.extract_str(line).unwrap();
        assert!(matches!(
            f.url,
            Some(Scalar::Str(Cow::Borrowed("/resource/3")))
        ));
        assert!(matches!(f.method, Some(Scalar::Str(Cow::Borrowed("")))));
        assert!(fast_takes(line));
    }

    #[test]
    fn fast_path_grammar_and_whitespace() {
        assert_eq!(fast("{}"), JsonFields::default());
        assert_eq!(fast(" \t\r\n{ \t\r\n} \t\r\n"), JsonFields::default());
        // whitespace of each kind between every pair of tokens
        for ws in [" ", "\t", "\r", "\n", " \t\r\n ", ""] {
            let line = format!(
                "{ws}{{{ws}\"url\"{ws}:{ws}\"/u\"{ws},{ws}\"status\"{ws}:{ws}200{ws},{ws}\"ip\"{ws}:{ws}null{ws},{ws}\"method\"{ws}:{ws}true{ws}}}{ws}"
            );
            let f = fast(&line);
            assert_eq!(f.url, s("/u"));
            assert_eq!(f.status, Some(Scalar::Int(200)));
            assert_eq!(f.ip, Some(Scalar::Null));
            assert_eq!(f.method, Some(Scalar::Bool(true)));
        }
        assert_eq!(
            fast(r#"{"method":false}"#).method,
            Some(Scalar::Bool(false))
        );
        // not JSON whitespace: form feed, vertical tab, NUL, NBSP, BOM (all Malformed)
        for ws in ["\x0c", "\x0b", "\0", "\u{a0}", "\u{feff}"] {
            for line in [
                format!("{ws}{{}}"),
                format!("{{{ws}}}"),
                format!("{{}}{ws}"),
                format!("{{\"a\"{ws}:1}}"),
                format!("{{\"a\":{ws}1}}"),
                format!("{{\"a\":1{ws}}}"),
            ] {
                punts(line.as_bytes());
                bad(line.as_bytes());
            }
        }
        // each grammar rule broken: punted, and Malformed
        for line in [
            "",
            " ",
            "{",
            "}",
            "{{}",
            "{}}",
            "{} x",
            "{}{}",
            "{}]",
            "[]",
            "\"a\"",
            "1",
            r#"{"a":1,}"#,
            r#"{,}"#,
            r#"{,"a":1}"#,
            r#"{"a":1,,"b":2}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{"a"::1}"#,
            r#"{"a":}"#,
            r#"{"a"}"#,
            r#"{"a",1}"#,
            r#"{"a":1}}"#,
            r#"{"a":1} x"#,
            r#"{"a":1}{"#,
            r#"{"a":1]"#,
            r#"{a:1}"#,
            r#"{'a':1}"#,
            r#"{"a":'x'}"#,
            r#"{1:1}"#,
            r#"{"a":"x"y}"#,
            r#"{"a":"x""#,
            r#"{"a":"x"#,
            r#"{"a":1"#,
            r#"{"a":"#,
            r#"{"a""#,
            r#"{""#,
            r#"{"url":"/x"}x"#,
            r#"{"a":tru}"#,
            r#"{"a":truex}"#,
            r#"{"a":t}"#,
            r#"{"a":fals}"#,
            r#"{"a":nul}"#,
            r#"{"a":nulll}"#,
            r#"{"a":True}"#,
            r#"{"a":NULL}"#,
            r#"{"a":NaN}"#,
            r#"{"a":01}"#,
            r#"{"a":00}"#,
            r#"{"a":-01}"#,
            r#"{"a":-}"#,
            r#"{"a":--1}"#,
            r#"{"a":+1}"#,
            r#"{"a":-a}"#,
            r#"{"a":1-}"#,
            r#"{"a":0x1}"#,
            r#"{"a":1a}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-"}"#,
        ] {
            punts(line.as_bytes());
            bad(line.as_bytes());
        }
        // raw control bytes in strings are invalid JSON: punted, Malformed
        for c in (0u8..0x20).chain([0x7f]) {
            for line in [
                format!("{{\"url\":\"a{}b\"}}", c as char),
                format!("{{\"x\":\"{}\"}}", c as char),
                format!("{{\"u{}rl\":1}}", c as char),
            ] {
                if c == 0x7f {
                    fast(&line); // DEL is not a control byte for JSON
                } else {
                    punts(line.as_bytes());
                    bad(line.as_bytes());
                }
            }
        }
    }

    #[test]
    fn fast_path_duplicates_last_wins() {
        let f = fast(
            r#"{"url":"a","url":"b","status":1,"status":null,"ip":"x","ip":7,"method":false,"method":"GET","x":1,"x":"y"}"#,
        );
        assert_eq!(f.url, s("b"));
        assert_eq!(f.status, Some(Scalar::Null));
        assert_eq!(f.ip, Some(Scalar::Int(7)));
        assert_eq!(f.method, s("GET"));
        // a later duplicate the fast path cannot take hands the whole line to sonic-rs
        punts(br#"{"url":"a","url":{"b":1}}"#);
        assert_eq!(ok(r#"{"url":"a","url":{"b":1}}"#).url, Some(Scalar::Other));
        punts(br#"{"url":"a","url":"\u0062"}"#);
        assert_eq!(ok(r#"{"url":"a","url":"\u0062"}"#).url, s("b"));
    }

    #[test]
    fn fast_path_keys_and_strings() {
        // non-ASCII in keys and values; keys that only look like ours
        let f = fast(
            "{\"url\":\"/caf\u{e9}/\u{1F600}\",\"m\u{e9}thod\":\"x\",\"method\":\"\u{444}\u{7f}\"}",
        );
        assert_eq!(f.url, s("/caf\u{e9}/\u{1F600}"));
        assert_eq!(f.method, s("\u{444}\u{7f}"));
        // noncharacters, line separators, the last code point: plain UTF-8 to JSON
        for c in [
            '\u{fffe}',
            '\u{ffff}',
            '\u{2028}',
            '\u{2029}',
            '\u{10ffff}',
            '\u{feff}',
        ] {
            assert_eq!(
                fast(&format!("{{\"url\":\"{c}\",\"{c}\":1}}")).url,
                s(&c.to_string())
            );
        }
        for k in [
            "",
            "URL",
            "Url",
            "urls",
            "ur",
            "u",
            "ip2",
            "i",
            "ipp",
            "timestamps",
            "timestam",
            "tImestamp",
            "statuss",
            "stat",
            "methods",
            "metho",
            "t",
            "s",
            "m",
        ] {
            assert_eq!(
                fast(&format!(r#"{{"{k}":"v","{k}":1}}"#)),
                JsonFields::default(),
                "{k}"
            );
        }
        // each of the five keys, alone, with a string of every length 0..=40 (every position
        // of the closing quote relative to the 8-byte steps), padded so the line end moves too
        for key in ["timestamp", "ip", "method", "url", "status"] {
            for len in 0..=40 {
                for pad in ["", " ", "        "] {
                    let v: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
                    let f = fast(&format!(r#"{{"{key}":"{v}"{pad}}}"#));
                    let got = [f.timestamp, f.ip, f.method, f.url, f.status];
                    assert_eq!(got.iter().flatten().count(), 1);
                    assert!(got.contains(&s(&v)));
                }
            }
        }
        // a backslash, a quote or a control byte at every position: escapes and controls punt
        for len in 0..=24 {
            for pos in 0..len {
                let mut v: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                let mut esc = v.clone();
                esc.splice(pos..pos + 1, *b"\\n");
                let mut ctl = v.clone();
                ctl[pos] = b'\t';
                v[pos] = b'"';
                for (val, fast_ok) in [(esc, false), (ctl, false), (v, false)] {
                    for key in [&b"url"[..], b"k", b"timestamp_x"] {
                        let mut line = b"{\"".to_vec();
                        line.extend_from_slice(key);
                        line.extend_from_slice(b"\":\"");
                        line.extend_from_slice(&val);
                        line.extend_from_slice(b"\"}");
                        assert_eq!(same_as_reference(&line), fast_ok);
                        // the same bytes in the key
                        let mut line = b"{\"".to_vec();
                        line.extend_from_slice(&val);
                        line.extend_from_slice(b"\":1}");
                        assert_eq!(same_as_reference(&line), fast_ok);
                    }
                }
            }
        }
        // escapes anywhere (valid or not) go to sonic-rs
        for line in [
            r#"{"url":"/a\"b"}"#,
            r#"{"url":"\\"}"#,
            r#"{"x":"\/"}"#,
            r#"{"\u0075rl":"/x"}"#,
            r#"{"url":"\u00e9"}"#,
            r#"{"url":"\ud83d\ude00"}"#,
            r#"{"x":"\ud800"}"#,
            r#"{"x":"\x41"}"#,
            r#"{"x":"\u12"}"#,
            r#"{"url":"a\"#,
        ] {
            punts(line.as_bytes());
        }
        assert_eq!(ok(r#"{"\u0075rl":"/x"}"#).url, s("/x"));
    }

    #[test]
    fn fast_path_numbers() {
        for (text, v) in [
            ("0", 0),
            ("7", 7),
            ("-7", -7),
            ("404", 404),
            ("1749462160001", 1_749_462_160_001),
            ("-1749462160001", -1_749_462_160_001),
            ("100000000000000000", 100_000_000_000_000_000),
            ("999999999999999999", 999_999_999_999_999_999), // 18 digits: the most taken
            ("-999999999999999999", -999_999_999_999_999_999),
        ] {
            assert_eq!(
                fast(&format!(r#"{{"status":{text}}}"#)).status,
                Some(Scalar::Int(v))
            );
            assert_eq!(
                fast(&format!(r#"{{"status": {text} }}"#)).status,
                Some(Scalar::Int(v))
            );
            fast(&format!(r#"{{"x":{text},"y":1}}"#));
        }
        // 19+ digits (i64 edges and beyond), -0, fractions and exponents: sonic-rs decides
        for (text, want) in [
            (
                "1000000000000000000",
                Scalar::Int(1_000_000_000_000_000_000),
            ),
            ("9223372036854775807", Scalar::Int(i64::MAX)),
            ("-9223372036854775808", Scalar::Int(i64::MIN)),
            ("9223372036854775808", Scalar::Float(9223372036854775808.0)),
            (
                "-9223372036854775809",
                Scalar::Float(-9223372036854775809.0),
            ),
            ("0000000000000000000", Scalar::Null), // invalid: marker for Malformed
            ("-0", Scalar::Float(0.0)),
            ("1.0", Scalar::Float(1.0)),
            ("0.5", Scalar::Float(0.5)),
            ("-0.0", Scalar::Float(0.0)),
            ("1e3", Scalar::Float(1000.0)),
            ("1E3", Scalar::Float(1000.0)),
            ("1e+3", Scalar::Float(1000.0)),
            ("-1e-2", Scalar::Float(-0.01)),
            ("404.0", Scalar::Float(404.0)),
            ("0e0", Scalar::Float(0.0)),
        ] {
            let line = format!(r#"{{"status":{text}}}"#);
            punts(line.as_bytes());
            if want == Scalar::Null {
                bad(line.as_bytes());
            } else {
                assert_eq!(ok(&line).status, Some(want), "{line}");
            }
        }
        // what follows a number must still be `,`, `}` or whitespace
        for line in [r#"{"a":1x}"#, r#"{"a":1"}"#, r#"{"a":1-2}"#, r#"{"a":-0x}"#] {
            punts(line.as_bytes());
            bad(line.as_bytes());
        }
    }

    #[test]
    fn fast_path_punts_nested_values() {
        for line in [
            r#"{"url":[]}"#,
            r#"{"x":{},"url":"/u"}"#,
            r#"{"url":"/u","x":[1,{"a":"b"}]}"#,
            r#"{"x":[1,]}"#,
        ] {
            punts(line.as_bytes());
        }
        assert_eq!(ok(r#"{"x":{},"url":"/u"}"#).url, s("/u"));
    }

    #[test]
    fn fast_path_is_skipped_on_streams_it_cannot_take() {
        let nested = r#"{"timestamp":"2025-06-09T09:42:40.001034Z","ip":"1.2.3.4","method":"GET","url":"/u","status":200,"tags":["a"]}"#;
        let mut p = JsonParser::new();
        // misses that are not in a row do not add up
        for _ in 0..3 {
            for _ in 0..MISSES_BEFORE_SKIP - 1 {
                assert_eq!(
                    p.extract_str(nested).unwrap().status,
                    Some(Scalar::Int(200))
                );
            }
            assert_eq!(p.extract_str(SEED).map(detach), Ok(seed_fields()));
            assert_eq!((p.misses, p.skip), (0, 0));
        }
        for _ in 0..MISSES_BEFORE_SKIP {
            p.extract_str(nested).unwrap();
        }
        assert_eq!(p.skip, SKIP_LINES);
        // while skipping, results are the same (sonic-rs), malformed lines included
        for _ in 0..SKIP_LINES / 3 {
            assert_eq!(p.extract_str(SEED).map(detach), Ok(seed_fields()));
            assert_eq!(p.extract_str("{\"a\":1,}").map(detach), Err(Malformed));
            assert_eq!(p.extract_str(nested).unwrap().url, s("/u"));
        }
        assert_eq!(p.skip, 0);
        // the probe: a miss skips again at once, a hit resets
        p.extract_str(nested).unwrap();
        assert_eq!(p.skip, SKIP_LINES);
        for _ in 0..SKIP_LINES {
            p.extract_str(nested).unwrap();
        }
        assert_eq!(p.extract_str(SEED).map(detach), Ok(seed_fields()));
        assert_eq!((p.misses, p.skip), (0, 0));
    }

    /// xorshift64*: deterministic, no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a, T: ?Sized>(&mut self, xs: &[&'a T]) -> &'a T {
            xs[self.below(xs.len())]
        }
    }

    fn gen_ws(r: &mut Rng) -> &'static str {
        r.pick(&["", "", "", " ", " ", "\t", "\n", "\r\n", "  \t "])
    }

    fn gen_string(r: &mut Rng, out: &mut String) {
        out.push('"');
        let max = if r.below(8) == 0 { 80 } else { 16 };
        for _ in 0..r.below(max) {
            let piece = match r.below(40) {
                0 => "\\\"",
                1 => "\\\\",
                2 => "\\n",
                3 => "\\u00e9",
                4 => "\\ud83d\\ude00",
                5 => "\\/",
                6 => "\u{e9}",
                7 => "\u{1F600}",
                8 => "\u{7f}",
                9 => " ",
                10 => ":",
                11 => ",",
                12 => "{",
                13 => "]",
                _ => {
                    out.push((b'0' + r.below(75) as u8) as char); // '0'..='z', no '\\' issue
                    continue;
                }
            };
            out.push_str(piece);
        }
        out.push('"');
    }

    fn gen_number(r: &mut Rng, out: &mut String) {
        let fixed = [
            "0",
            "-0",
            "1",
            "-1",
            "404",
            "200",
            "1749462160001",
            "999999999999999999",
            "-999999999999999999",
            "1000000000000000000",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890",
            "1.5",
            "-0.0",
            "1e3",
            "4.04e2",
            "1749462160001.5",
            "2E-3",
            "0.000001",
        ];
        if r.below(3) == 0 {
            out.push_str(r.pick(&fixed));
            return;
        }
        if r.below(4) == 0 {
            out.push('-');
        }
        let max = if r.below(4) == 0 { 22 } else { 6 };
        let digits = 1 + r.below(max);
        out.push((b'1' + r.below(9) as u8) as char);
        for _ in 1..digits {
            out.push((b'0' + r.below(10) as u8) as char);
        }
        if r.below(8) == 0 {
            out.push_str(r.pick(&[".5", "e2", ".25E-1", "e+0"]));
        }
    }

    fn gen_value(r: &mut Rng, depth: usize, out: &mut String) {
        let kinds = if depth < 3 { 12 } else { 10 };
        match r.below(kinds) {
            0..=3 => gen_string(r, out),
            4..=6 => gen_number(r, out),
            7 => out.push_str("true"),
            8 => out.push_str("false"),
            9 => out.push_str("null"),
            10 => {
                out.push('[');
                for k in 0..r.below(4) {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push_str(gen_ws(r));
                    gen_value(r, depth + 1, out);
                }
                out.push(']');
            }
            _ => gen_object(r, depth + 1, out),
        }
    }

    fn gen_object(r: &mut Rng, depth: usize, out: &mut String) {
        let keys = [
            "timestamp",
            "ip",
            "method",
            "url",
            "status",
            "timestamp",
            "ip",
            "method",
            "url",
            "status",
            "bytes",
            "user_agent",
            "x",
            "",
            "URL",
            "urls",
            "ip ",
            "m\u{e9}thod",
            "\\u0075rl",
            "st\\u0061tus",
            "time\\\"stamp",
            "\u{1F600}",
        ];
        out.push('{');
        let members = if depth == 0 { 9 } else { 3 };
        for k in 0..r.below(members) {
            if k > 0 {
                out.push_str(gen_ws(r));
                out.push(',');
            }
            out.push_str(gen_ws(r));
            out.push('"');
            out.push_str(r.pick(&keys));
            out.push('"');
            out.push_str(gen_ws(r));
            out.push(':');
            out.push_str(gen_ws(r));
            gen_value(r, depth, out);
        }
        out.push_str(gen_ws(r));
        out.push('}');
    }

    /// A well-formed line, mostly of the shape the fast path takes.
    fn gen_line(r: &mut Rng) -> Vec<u8> {
        let mut out = String::new();
        out.push_str(gen_ws(r));
        if r.below(3) == 0 {
            // a seed-like line with realistic values
            let (sep, colon) = [(", ", ": "), (",", ":"), (" , ", " : ")][r.below(3)];
            out.push_str(&format!(
                "{{\"timestamp\"{colon}\"2025-06-09T09:42:{:02}.{:06}Z\"{sep}\"ip\"{colon}\"{}.{}.{}.{}\"{sep}\"method\"{colon}\"{}\"{sep}\"url\"{colon}\"/resource/{}\"{sep}\"status\"{colon}{}}}",
                r.below(60), r.below(1_000_000), r.below(256), r.below(256), r.below(256),
                r.below(256), r.pick(&["GET", "POST", "PUT", "DELETE"]), r.below(1000),
                r.pick(&["200", "404", "500"])
            ));
        } else {
            gen_object(r, 0, &mut out);
        }
        out.push_str(gen_ws(r));
        out.into_bytes()
    }

    /// 1–3 random edits, with bytes mostly from JSON's punctuation.
    fn mutate(r: &mut Rng, line: &mut Vec<u8>) {
        const ALPHABET: &[u8] = b"{}[]\",:\\ -0123456789eE.tfnrul\t\r\n\"\"\\";
        for _ in 0..1 + r.below(3) {
            let byte = match r.below(8) {
                0 => r.next() as u8,      // anything, invalid UTF-8 included
                1 => r.below(0x20) as u8, // a control byte
                _ => ALPHABET[r.below(ALPHABET.len())],
            };
            let at = r.below(line.len() + 1);
            match r.below(3) {
                0 => line.insert(at, byte),
                1 if at < line.len() => {
                    line.remove(at);
                }
                _ if at < line.len() => line[at] = byte,
                _ => line.push(byte),
            }
        }
    }

    /// The fast path plus fallback against sonic-rs alone, on generated lines (half of them
    /// mutated). Counts are checked so that the test keeps exercising every outcome.
    #[test]
    fn differential_against_sonic_rs() {
        let cases = if cfg!(debug_assertions) {
            20_000
        } else {
            200_000
        };
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let mut long_lived = JsonParser::new();
        let mut skipping = 0;
        let (mut taken, mut taken_mutated, mut ok_punted, mut malformed) = (0, 0, 0, 0);
        let seeds: Vec<&[u8]> = vec![
            SEED.as_bytes(),
            br#"{"timestamp":"2025-06-09T09:42:40.001034Z","ip":"208.173.67.38","method":"GET","url":"/resource/3","status":404}"#,
            br#"{"status":-12,"url":"/u","ip":null,"method":true,"x":false,"timestamp":1749462160001}"#,
            br#"{"url":"a\"b","x":[1,{"y":-1.5e3}],"status":"404"}"#,
            b"{}",
        ];
        for n in 0..cases {
            let mut line = match n % 4 {
                0 => seeds[r.below(seeds.len())].to_vec(),
                _ => gen_line(&mut r),
            };
            let mutated = n % 2 == 0;
            if mutated {
                mutate(&mut r, &mut line);
            }
            let (took, want) = check(&line);
            // one parser for all the lines, so its skipping of the fast path is exercised too
            assert_eq!(canon(long_lived.extract(&line)), want);
            skipping += usize::from(long_lived.skip > 0);
            match (took, want.is_ok()) {
                (true, _) => {
                    taken += 1;
                    taken_mutated += usize::from(mutated);
                }
                (false, true) => ok_punted += 1,
                (false, false) => malformed += 1,
            }
        }
        // the mix is deterministic; these only guard against the generator drifting
        assert!(taken > cases / 4, "fast path took {taken} of {cases}");
        assert!(
            taken_mutated > cases / 50,
            "fast path took {taken_mutated} mutated lines"
        );
        assert!(ok_punted > cases / 10, "{ok_punted} valid lines punted");
        assert!(malformed > cases / 10, "{malformed} malformed lines");
        assert!(
            skipping > cases / 100,
            "the long-lived parser skipped {skipping} times"
        );
        println!("{cases} cases: {taken} taken by the fast path ({taken_mutated} mutated), {ok_punted} valid punted, {malformed} malformed; long-lived parser skipping on {skipping}");
    }
}

//! One stream on every core. What a line is — a record, or a rejection and why — does not depend on the lines before
//! it; only the watermark, lateness and the window updates do. So a call's whole lines are split into parts at line
//! ends, the parts are parsed at once on the parse pool (rayon), and then `Shard` folds the results into its
//! windows line by line, in stream order, with the same code as the sequential path: the outputs are the same byte
//! for byte, whatever the number of parts.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::hll::hash_bytes;
use crate::parse::LineParser;
use crate::record::{ClfExtras, JsonExtras, Origin, Reason, Record};

/// What parsing made of one non-blank line, kept for the fold.
pub(super) enum Parsed<'c> {
    /// Rejected before it reaches the windows (too long, not a record, from the future).
    Rejected(Reason, &'c [u8]),
    /// A record; its IP's hash is computed here too, off the fold.
    Record { record: Record<'c>, line: &'c [u8], ip_hash: u64 },
    /// Not UTF-8, or a record that borrows the parser's scratch (Apache's `\xhh` made JSON): the fold handles the line
    /// the sequential way. Rare, so it costs nothing to speak of.
    Again(&'c [u8]),
}

/// One part's state on a cache line pair of its own: the parts' parsers and lists sit side by side in a Vec, and a
/// list's length (written on every push) sharing a line with its neighbour's made the two cores take that line from
/// each other on every line parsed — measured slower than parsing everything on one core.
#[repr(align(128))]
pub(super) struct Padded<T>(pub T);

/// The per-line checks that do not depend on order, fixed for one call.
#[derive(Clone, Copy)]
pub(super) struct LineLimits {
    pub max_line_bytes: usize,
    /// Records with a later event time are rejected `future`.
    pub future_after_us: i64,
}

/// Most lines one part parses before the fold takes them: an entry is ~200 bytes, so a chunk of 1-byte lines parsed
/// whole would hold a hundred times its size (measured: a million `x` lines, peak RSS 234 → 328 MB). Seed-shaped
/// lines fill a 1 MiB chunk's parts with ~4,400 each, under the cap.
pub(super) const MAX_PART_LINES: usize = 8192;

/// `bytes` (whole lines, ending with `\n`) cut into at most `n` parts of about equal size, each ending at a line end.
pub(super) fn split_at_lines(bytes: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..n {
        let aim = (bytes.len() * i / n).max(start);
        let Some(nl) = memchr::memchr(b'\n', &bytes[aim..]) else { break };
        let end = aim + nl + 1;
        if end >= bytes.len() {
            break;
        }
        parts.push(&bytes[start..end]);
        start = end;
    }
    parts.push(&bytes[start..]);
    parts
}

/// Parses every part into its own list, all parts at once on the parse pool; returns how many bytes of each part
/// were parsed (less than all when it reached `MAX_PART_LINES`).
pub(super) fn parse_parts<'c>(parts: &[&'c [u8]], parsers: &mut [Padded<LineParser>], lists: &mut [Padded<Vec<Parsed<'c>>>], limits: LineLimits) -> Vec<usize> {
    parts.par_iter().zip(parsers.par_iter_mut()).zip(lists.par_iter_mut()).map(|((part, parser), list)| parse_part(&mut parser.0, part, limits, &mut list.0)).collect()
}

/// Lists emptied and retyped for the lifetime of the next call's chunk, keeping their allocations (a 1 MiB chunk
/// parses into ~1 MB of entries: allocated anew each call, that is page faults on every call).
pub(super) fn recycle<'a, 'b>(lists: Vec<Padded<Vec<Parsed<'a>>>>) -> Vec<Padded<Vec<Parsed<'b>>>> {
    lists.into_iter().map(|list| Padded(list.0.into_iter().filter_map(|_| None).collect())).collect()
}

fn parse_part<'c>(parser: &mut LineParser, part: &'c [u8], limits: LineLimits, out: &mut Vec<Parsed<'c>>) -> usize {
    // One UTF-8 check for the whole part; a part with a bad byte checks line by line.
    let text = simdutf8::basic::from_utf8(part).ok();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', part) {
        if out.len() >= MAX_PART_LINES {
            return start;
        }
        let raw = &part[start..nl];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let at = start;
        start = nl + 1;
        if super::is_blank(raw) {
            continue;
        }
        if raw.len() > limits.max_line_bytes {
            out.push(Parsed::Rejected(Reason::TooLong, raw));
            continue;
        }
        let line = match text {
            Some(t) => t.get(at..at + raw.len()),
            None => std::str::from_utf8(raw).ok(),
        };
        let Some(line) = line else {
            out.push(Parsed::Again(raw));
            continue;
        };
        out.push(match parser.parse(line) {
            Err(reason) => Parsed::Rejected(reason, raw),
            Ok(record) => match detach(line, record) {
                None => Parsed::Again(raw),
                Some(record) if record.ts_us > limits.future_after_us => Parsed::Rejected(Reason::Future, raw),
                Some(record) => {
                    let ip_hash = hash_bytes(record.ip_key.as_bytes());
                    Parsed::Record { record, line: raw, ip_hash }
                }
            },
        });
    }
    part.len()
}

/// The record with every field borrowed from `line` itself (not from the parser), or None if one is not.
fn detach<'c>(line: &'c str, r: Record<'_>) -> Option<Record<'c>> {
    let origin = match r.origin {
        Origin::Json(x) => Origin::Json(JsonExtras { user_agent: each(x.user_agent, |ua| cow_in(line, ua))? }),
        Origin::Csv => Origin::Csv,
        Origin::Clf(x) => Origin::Clf(ClfExtras {
            size: x.size,
            referer: each(x.referer, |s| str_in(line, s))?,
            user_agent: each(x.user_agent, |s| str_in(line, s))?,
        }),
    };
    Some(Record {
        ts_us: r.ts_us,
        ip: cow_in(line, r.ip)?,
        ip_key: r.ip_key,
        method: cow_in(line, r.method)?,
        url: cow_in(line, r.url)?,
        status: r.status,
        origin,
    })
}

/// An optional field detached: None when it is there and cannot be.
fn each<T, U>(field: Option<T>, detach: impl FnOnce(T) -> Option<U>) -> Option<Option<U>> {
    match field {
        None => Some(None),
        Some(v) => detach(v).map(Some),
    }
}

fn cow_in<'c>(line: &'c str, c: Cow<'_, str>) -> Option<Cow<'c, str>> {
    match c {
        Cow::Owned(s) => Some(Cow::Owned(s)),
        Cow::Borrowed(s) => str_in(line, s).map(Cow::Borrowed),
    }
}

/// `s` as a slice of `line` when that is where it lies (two live allocations never overlap, so an address inside
/// `line` is `line`'s byte), else None.
fn str_in<'c>(line: &'c str, s: &str) -> Option<&'c str> {
    let offset = (s.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    line.get(offset..offset.checked_add(s.len())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_end_at_line_ends_and_cover_everything() {
        let bytes = b"a\nbb\nccc\ndddd\ne\n";
        for n in 1..8 {
            let parts = split_at_lines(bytes, n);
            assert!(parts.len() <= n);
            assert_eq!(parts.concat(), bytes.to_vec());
            assert!(parts.iter().all(|p| p.ends_with(b"\n")));
        }
        assert_eq!(split_at_lines(b"one long line\n", 4), vec![&b"one long line\n"[..]]);
    }

    #[test]
    fn recycled_lists_keep_their_allocations() {
        let mut lists: Vec<Padded<Vec<Parsed<'static>>>> = vec![Padded(Vec::with_capacity(1000)), Padded(Vec::with_capacity(10))];
        lists[0].0.push(Parsed::Again(b"x"));
        let again: Vec<Padded<Vec<Parsed<'_>>>> = recycle(lists);
        assert!(again[0].0.is_empty());
        assert!(again[0].0.capacity() >= 1000);
        assert!(again[1].0.capacity() >= 10);
    }

    #[test]
    fn a_field_outside_the_line_is_not_detached() {
        let line = "abc";
        let other = String::from("abc");
        assert_eq!(str_in(line, &line[1..]), Some("bc"));
        assert_eq!(str_in(line, &other), None);
    }
}

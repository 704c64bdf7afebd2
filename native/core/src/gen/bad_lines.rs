//! Lines the daemon must reject, one kind per rejection reason of SPEC §2, byte for byte as
//! `src/gen/bad-lines.ts` builds them (see the table there). Rare by nature: built in a scratch vector, off the
//! fast path.

use super::ascii::{split_us, write_fraction, SecondPrefix};
use super::options::GenFormat;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadKind {
    Malformed,
    MissingField,
    InvalidField,
    InvalidTimestamp,
    InvalidUtf8,
    TooLong,
    Future,
}

/// Every kind, in the order of bad-lines.ts's BAD_LINE_KINDS (the order of `GenStats::bad`).
pub const BAD_KINDS: [BadKind; 7] = [
    BadKind::Malformed,
    BadKind::MissingField,
    BadKind::InvalidField,
    BadKind::InvalidTimestamp,
    BadKind::InvalidUtf8,
    BadKind::TooLong,
    BadKind::Future,
];
/// CLF has no way to miss a field without being malformed.
const CLF_KINDS: [BadKind; 6] = [BadKind::Malformed, BadKind::InvalidField, BadKind::InvalidTimestamp, BadKind::InvalidUtf8, BadKind::TooLong, BadKind::Future];

/// The kinds a format can express, in the order a line's kind is drawn from.
pub fn bad_kinds(format: GenFormat) -> &'static [BadKind] {
    if format == GenFormat::Clf {
        &CLF_KINDS
    } else {
        &BAD_KINDS
    }
}

/// Bytes of a too_long line, without its newline: comfortably over the daemon's default 65,536.
pub const TOO_LONG_BYTES: usize = 66_000;
/// Microseconds a `future` line is ahead of its event time: 100 years (36,525 days).
pub const FUTURE_AHEAD_US: i64 = 36_525 * 86_400 * 1_000_000;
/// What genlogs_v2.py prints into its own stream on Ctrl-C.
const STOP_MESSAGE: &str = "Arrêt du générateur de logs.";

/// The fields of the record a bad line is made from.
pub struct BadRecord<'a> {
    pub us: i64,
    pub ip: u32,
    pub method: &'a [u8],
    pub url: u64,
    pub status: u16,
    /// CLF size; None = `-`.
    pub size: Option<u32>,
}

pub struct BadStyle {
    pub format: GenFormat,
    pub compact: bool,
    /// CLF `IP - [time]` (the `single` variant; `mixed` makes its bad lines `common`).
    pub single: bool,
}

/// How a line's time is written.
#[derive(Clone, Copy)]
enum Time {
    /// json/csv: isoformat()+Z; clf: the CLF time of that second.
    At(i64),
    /// json/csv: Python's `str(datetime)`, `2025-06-09 09:42:40.001034`.
    PythonStr(i64),
    /// clf: the CLF time with a numeric month, `[09/06/2025:09:42:40 +0000]`.
    NumericMonth(i64),
}

/// The bad line of `kind` (without its newline) into `out`, which is cleared first.
pub fn bad_line(kind: BadKind, r: &BadRecord, style: &BadStyle, out: &mut Vec<u8>) {
    out.clear();
    let ip = ip_text(r.ip);
    let url = format!("/resource/{}", r.url);
    let status = Some(r.status);
    match kind {
        BadKind::Malformed => {
            if style.format == GenFormat::Json {
                line(style, Time::At(r.us), &ip, r.method, url.as_bytes(), status, r.size, out);
                // bad-lines.ts cuts the string at 60 % of its length: every character is one byte here.
                out.truncate((out.len() as f64 * 0.6).floor() as usize);
            } else {
                out.extend_from_slice(STOP_MESSAGE.as_bytes());
            }
        }
        BadKind::MissingField => line(style, Time::At(r.us), &ip, r.method, url.as_bytes(), None, r.size, out),
        BadKind::InvalidField => {
            let last = r.ip & 0xff;
            let mut bad_ip = ip_text(r.ip & !0xff);
            bad_ip.truncate(bad_ip.len() - 1); // the last octet is 0 there: one digit
            bad_ip.extend_from_slice((256 + last % 100).to_string().as_bytes());
            line(style, Time::At(r.us), &bad_ip, r.method, url.as_bytes(), status, r.size, out);
        }
        BadKind::InvalidTimestamp => {
            let time = if style.format == GenFormat::Clf { Time::NumericMonth(r.us) } else { Time::PythonStr(r.us) };
            line(style, time, &ip, r.method, url.as_bytes(), status, r.size, out);
        }
        BadKind::InvalidUtf8 => {
            let mut bad_ip = ip;
            bad_ip.push(0xe9); // é in Latin-1: no UTF-8 sequence starts and ends with it
            line(style, Time::At(r.us), &bad_ip, r.method, url.as_bytes(), status, r.size, out);
        }
        BadKind::TooLong => {
            let mut padded = format!("{url}?pad=").into_bytes();
            line(style, Time::At(r.us), &ip, r.method, &padded, status, r.size, out);
            let pad = TOO_LONG_BYTES.saturating_sub(out.len());
            padded.resize(padded.len() + pad, b'x');
            out.clear();
            line(style, Time::At(r.us), &ip, r.method, &padded, status, r.size, out);
        }
        BadKind::Future => {
            // In f64, as JS adds them (past 2^53 µs the sum rounds there, and so here).
            let us = (r.us as f64 + FUTURE_AHEAD_US as f64) as i64;
            line(style, Time::At(us), &ip, r.method, url.as_bytes(), status, r.size, out);
        }
    }
}

/// One record in the style's format; `status` None leaves it out (missing_field).
#[allow(clippy::too_many_arguments)]
fn line(style: &BadStyle, time: Time, ip: &[u8], method: &[u8], url: &[u8], status: Option<u16>, size: Option<u32>, out: &mut Vec<u8>) {
    match style.format {
        GenFormat::Json => {
            let (sep, comma): (&[u8], &[u8]) = if style.compact { (&b":"[..], &b","[..]) } else { (&b": "[..], &b", "[..]) };
            out.extend_from_slice(b"{\"timestamp\"");
            out.extend_from_slice(sep);
            out.push(b'"');
            push_iso_time(time, out);
            for (key, value) in [(&b"ip"[..], ip), (&b"method"[..], method), (&b"url"[..], url)] {
                out.push(b'"');
                out.extend_from_slice(comma);
                out.push(b'"');
                out.extend_from_slice(key);
                out.push(b'"');
                out.extend_from_slice(sep);
                out.push(b'"');
                out.extend_from_slice(value);
            }
            out.push(b'"');
            if let Some(s) = status {
                out.extend_from_slice(comma);
                out.extend_from_slice(b"\"status\"");
                out.extend_from_slice(sep);
                out.extend_from_slice(s.to_string().as_bytes());
            }
            out.push(b'}');
        }
        GenFormat::Csv => {
            push_iso_time(time, out);
            for field in [ip, method, url] {
                out.push(b';');
                out.extend_from_slice(field);
            }
            if let Some(s) = status {
                out.push(b';');
                out.extend_from_slice(s.to_string().as_bytes());
            }
        }
        GenFormat::Clf => {
            out.extend_from_slice(ip);
            out.extend_from_slice(if style.single { &b" - ["[..] } else { &b" - - ["[..] });
            push_clf_time(time, out);
            out.extend_from_slice(b"] \"");
            out.extend_from_slice(method);
            out.push(b' ');
            out.extend_from_slice(url);
            out.extend_from_slice(b" HTTP/1.1\" ");
            out.extend_from_slice(status.unwrap_or(200).to_string().as_bytes());
            out.push(b' ');
            match size {
                Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
                None => out.push(b'-'),
            }
        }
    }
}

/// isoformat()+Z (no fraction at µs 0), or Python's `str(datetime)` (a space for the `T`, no zone).
fn push_iso_time(time: Time, out: &mut Vec<u8>) {
    let (us, python) = match time {
        Time::At(us) | Time::NumericMonth(us) => (us, false),
        Time::PythonStr(us) => (us, true),
    };
    let (second, micros) = split_us(us);
    let mut prefix = SecondPrefix::default();
    prefix.set(second);
    let mut iso = prefix.iso;
    if python {
        iso[10] = b' ';
    }
    out.extend_from_slice(&iso);
    let mut fraction = [0u8; 7];
    let n = write_fraction(&mut fraction, 0, micros);
    out.extend_from_slice(&fraction[..n]);
    if !python {
        out.push(b'Z');
    }
}

/// `dd/Mon/yyyy:HH:MM:SS +0000` of the time's second (numeric month for NumericMonth).
fn push_clf_time(time: Time, out: &mut Vec<u8>) {
    let (Time::At(us) | Time::PythonStr(us) | Time::NumericMonth(us)) = time;
    let mut prefix = SecondPrefix::default();
    prefix.set(split_us(us).0);
    if let Time::NumericMonth(_) = time {
        out.extend_from_slice(&prefix.clf[..3]);
        out.extend_from_slice(&prefix.iso[5..7]); // MM
        out.extend_from_slice(&prefix.clf[6..]);
    } else {
        out.extend_from_slice(&prefix.clf);
    }
    out.extend_from_slice(b" +0000");
}

fn ip_text(ip: u32) -> Vec<u8> {
    let [a, b, c, d] = ip.to_be_bytes();
    format!("{a}.{b}.{c}.{d}").into_bytes()
}

//! Apache `common` / `combined` and nginx `combined`, as the servers really write them: a bad request's
//! request part (`"-"`, `""`, `"GARBAGE"`, `"GET /x"`), `\"` inside quoted fields, `-` sizes, IPv6 or a
//! hostname as the client, and fields after the user agent (`$request_time`, quoted or not). A line is a
//! record when it has a client, a time and a status; the request is split as well as it can be.

use super::fields;
use crate::record::{ClfExtras, Origin, Reason, Record};
use crate::timestamp::parse_clf_time;

/// A cursor over a CLF line; every step either advances or reports `Malformed`.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn expect(&mut self, lit: &str) -> Result<(), Reason> {
        if self.rest().starts_with(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(Reason::Malformed)
        }
    }

    /// A non-empty run of bytes up to (not including) `stop`; `stop` must follow.
    fn until(&mut self, stop: u8) -> Result<&'a str, Reason> {
        let rest = self.rest();
        let n = memchr::memchr(stop, rest.as_bytes()).ok_or(Reason::Malformed)?;
        if n == 0 {
            return Err(Reason::Malformed);
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    /// A run of non-space bytes, possibly up to the end of the line.
    fn token(&mut self) -> Result<&'a str, Reason> {
        let rest = self.rest();
        let n = memchr::memchr(b' ', rest.as_bytes()).unwrap_or(rest.len());
        if n == 0 {
            return Err(Reason::Malformed);
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    /// The contents of a `"…"` field, opening quote included in the match, escapes (`\"`, `\\`) kept as written.
    fn quoted(&mut self) -> Result<&'a str, Reason> {
        self.expect("\"")?;
        let rest = self.rest();
        let b = rest.as_bytes();
        let mut i = 0;
        while let Some(k) = memchr::memchr2(b'"', b'\\', &b[i..]) {
            i += k;
            if b[i] == b'"' {
                self.pos += i + 1;
                return Ok(&rest[..i]);
            }
            i += 2; // a backslash and the byte it escapes
            if i >= b.len() {
                break;
            }
        }
        Err(Reason::Malformed)
    }
}

/// Method and URL of a request line: `-` for what is not there. `GET /a HTTP/1.1`, `GET /a` (HTTP/0.9),
/// `GARBAGE` (method only), and `""` or `-` (nothing read) all give a record.
fn split_request(request: &str) -> (&str, &str) {
    if request.is_empty() || request == "-" {
        return ("-", "-");
    }
    let Some((method, rest)) = request.split_once(' ') else {
        return (request, "-");
    };
    let url = match rest.rsplit_once(' ') {
        Some((url, proto)) if proto.starts_with("HTTP/") => url,
        _ => rest,
    };
    (if method.is_empty() { "-" } else { method }, if url.is_empty() { "-" } else { url })
}

/// `CLIENT SP TOKEN SP [TOKEN SP] [TIME] SP "REQUEST" SP STATUS [SP SIZE] [SP "REFERER" SP "UA"] [SP ANY]`.
/// The one- and two-token forms cover both the seed's `ip - [..]` and Apache's `ip - - [..]`.
pub fn parse(line: &str) -> Result<Record<'_>, Reason> {
    let mut c = Cursor { s: line.trim_end_matches(' '), pos: 0 };
    let client = c.until(b' ')?;
    c.expect(" ")?;
    c.until(b' ')?;
    c.expect(" ")?;
    if !c.rest().starts_with('[') {
        c.until(b' ')?;
        c.expect(" ")?;
    }
    c.expect("[")?;
    // An empty `[]` is a time that is present but invalid (invalid_timestamp), not a broken line.
    let rest = c.rest();
    let n = rest.find(']').ok_or(Reason::Malformed)?;
    let time = &rest[..n];
    c.pos += n;
    c.expect("] ")?;
    let request = c.quoted()?;
    c.expect(" ")?;
    let status = c.token()?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reason::Malformed);
    }
    let size = if c.rest().is_empty() {
        "-"
    } else {
        c.expect(" ")?;
        c.token()?
    };
    let size = match size {
        "-" => None,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse::<u64>().map_err(|_| Reason::Malformed)?),
        _ => return Err(Reason::Malformed),
    };
    // combined: a quoted referer must come with a quoted user agent; what follows them is not ours to read
    let (referer, user_agent) = if c.rest().starts_with(" \"") {
        c.expect(" ")?;
        let referer = c.quoted()?;
        c.expect(" ")?;
        let user_agent = c.quoted()?;
        (Some(referer), Some(user_agent))
    } else {
        (None, None)
    };
    if !(c.rest().is_empty() || c.rest().starts_with(' ')) {
        return Err(Reason::Malformed);
    }

    let (method, url) = split_request(request);
    let ts_us = parse_clf_time(time.as_bytes()).ok_or(Reason::InvalidTimestamp)?;
    let ip_key = fields::client(client)?;
    let status = fields::status_digits(status)?;
    let origin = Origin::Clf(ClfExtras { size, referer, user_agent });
    Ok(Record { ts_us, ip: client.into(), ip_key, method: method.into(), url: url.into(), status, origin })
}

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
        let n = rest.bytes().position(|b| b == b' ').unwrap_or(rest.len());
        if n == 0 {
            return Err(Reason::Malformed);
        }
        self.pos += n;
        Ok(&rest[..n])
    }
}

/// `IP SP TOKEN SP [TOKEN SP] [TIME] SP "METHOD SP URL [SP PROTO]" SP STATUS SP SIZE [SP "REFERER" SP "UA"]`.
/// The one- and two-token forms cover both the seed's `ip - [..]` and Apache's `ip - - [..]`.
pub fn parse(line: &str) -> Result<Record<'_>, Reason> {
    let mut c = Cursor { s: line.trim_end_matches(' '), pos: 0 };
    let ip = c.until(b' ')?;
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
    c.expect("] \"")?;
    let request = c.until(b'"')?;
    c.expect("\" ")?;
    let status = c.token()?;
    c.expect(" ")?;
    let size = c.token()?;
    let (referer, user_agent) = if c.rest().is_empty() {
        (None, None)
    } else {
        c.expect(" \"")?;
        let referer = c.rest().split('"').next().unwrap_or("");
        c.pos += referer.len();
        c.expect("\" \"")?;
        let user_agent = c.rest().split('"').next().unwrap_or("");
        c.pos += user_agent.len();
        c.expect("\"")?;
        if !c.rest().is_empty() {
            return Err(Reason::Malformed);
        }
        (Some(referer), Some(user_agent))
    };

    let mut req = request.split(' ');
    let (Some(method), Some(url)) = (req.next(), req.next()) else {
        return Err(Reason::Malformed);
    };
    let protocol = req.next();
    if method.is_empty() || url.is_empty() || protocol == Some("") || req.next().is_some() {
        return Err(Reason::Malformed);
    }
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reason::Malformed);
    }
    let size = match size {
        "-" => None,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) => Some(digits.parse::<u64>().map_err(|_| Reason::Malformed)?),
        _ => return Err(Reason::Malformed),
    };

    let ts_us = parse_clf_time(time.as_bytes()).ok_or(Reason::InvalidTimestamp)?;
    fields::text_record(ts_us, ip, method, url, status, Origin::Clf(ClfExtras { size, referer, user_agent }))
}

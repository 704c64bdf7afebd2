//! Checks shared by every format, so that a field means the same thing whatever line it came from.

use std::borrow::Cow;

use crate::ip::{parse_hostname, parse_ip, IpKey};
use crate::record::{Origin, Reason, Record};

pub fn ip(text: &str) -> Result<IpKey, Reason> {
    parse_ip(text.as_bytes()).ok_or(Reason::InvalidField)
}

/// A CLF client: an address, or a hostname (Apache `HostnameLookups On`), counted by its text.
pub fn client(text: &str) -> Result<IpKey, Reason> {
    parse_ip(text.as_bytes()).or_else(|| parse_hostname(text.as_bytes())).ok_or(Reason::InvalidField)
}

pub fn status_value(n: i64) -> Result<u16, Reason> {
    if (100..=599).contains(&n) {
        Ok(n as u16)
    } else {
        Err(Reason::InvalidField)
    }
}

/// 1–3 ASCII digits (JSON strings and CSV fields; CLF checks its 3-digit shape itself).
pub fn status_digits(text: &str) -> Result<u16, Reason> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
        return Err(Reason::InvalidField);
    }
    status_value(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
}

/// The last checks of a CSV or CLF line (ip, then status) and its record, every field borrowed from the line.
pub fn text_record<'a>(ts_us: i64, ip: &'a str, method: &'a str, url: &'a str, status: &str, origin: Origin<'a>) -> Result<Record<'a>, Reason> {
    let ip_key = self::ip(ip)?;
    let status = status_digits(status)?;
    Ok(Record { ts_us, ip: Cow::Borrowed(ip), ip_key, method: Cow::Borrowed(method), url: Cow::Borrowed(url), status, origin })
}

use std::borrow::Cow;

use super::fields;
use super::hex_escape::{has_hex_escape, repair_hex_escapes};
use crate::json::{JsonParser, Scalar};
use crate::options::TimestampUnit;
use crate::record::{JsonExtras, Origin, Reason, Record};
use crate::timestamp::{epoch_ms_f64_to_us, epoch_s_f64_to_us, parse_iso8601};

/// Absent and `null` both mean the producer did not send the field.
fn present<'a>(v: Option<Scalar<'a>>) -> Result<Scalar<'a>, Reason> {
    match v {
        None | Some(Scalar::Null) => Err(Reason::MissingField),
        Some(s) => Ok(s),
    }
}

/// Method and URL: a string; an empty one (nginx's `"request_method":""` for a request it could not read) is
/// kept as `-`, as CLF writes a request it has not got.
#[inline(always)]
fn text(v: Scalar<'_>) -> Result<Cow<'_, str>, Reason> {
    match v {
        Scalar::Str(s) if s.is_empty() => Ok(Cow::Borrowed("-")),
        Scalar::Str(s) => Ok(s),
        _ => Err(Reason::InvalidField),
    }
}

#[inline(always)]
fn number_to_us(n: f64, unit: TimestampUnit) -> Option<i64> {
    match unit {
        TimestampUnit::Ms => epoch_ms_f64_to_us(n),
        TimestampUnit::S => epoch_s_f64_to_us(n),
    }
}

/// ISO 8601, or with `json.timestampUnit: s` also a number written as a string (`"$msec"` quoted).
#[inline(always)]
fn timestamp_us(v: &Scalar<'_>, unit: TimestampUnit) -> Option<i64> {
    match v {
        Scalar::Str(s) => parse_iso8601(s.as_bytes()).or_else(|| match unit {
            TimestampUnit::S if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') => number_to_us(s.parse().ok()?, unit),
            _ => None,
        }),
        Scalar::Int(n) => match unit {
            TimestampUnit::Ms => epoch_ms_f64_to_us(*n as f64),
            TimestampUnit::S => epoch_s_f64_to_us(*n as f64),
        },
        Scalar::Float(n) => number_to_us(*n, unit),
        _ => None,
    }
}

/// `repaired` holds the line with Apache's `\xhh` made JSON (see `hex_escape`) when the line needs it.
#[inline(always)]
pub fn parse<'a>(parser: &mut JsonParser, unit: TimestampUnit, repaired: &'a mut String, line: &'a str) -> Result<Record<'a>, Reason> {
    let f = match parser.extract_str(line) {
        Ok(f) => f,
        // Only a line that is not JSON as written is looked at again, so valid lines pay nothing.
        Err(_) if has_hex_escape(line.as_bytes()) && repair_hex_escapes(line, repaired) => {
            parser.extract_str(repaired.as_str()).map_err(|_| Reason::Malformed)?
        }
        Err(_) => return Err(Reason::Malformed),
    };
    // Presence of all five is checked before validity of any, so the reason does not depend on key order.
    let timestamp = present(f.timestamp)?;
    let ip = present(f.ip)?;
    let method = present(f.method)?;
    let url = present(f.url)?;
    let status = present(f.status)?;

    let ts_us = timestamp_us(&timestamp, unit).ok_or(Reason::InvalidTimestamp)?;
    let ip = match ip {
        Scalar::Str(s) => s,
        _ => return Err(Reason::InvalidField),
    };
    let ip_key = fields::ip(&ip)?;
    let method = text(method)?;
    let url = text(url)?;
    let status = match status {
        Scalar::Int(n) => fields::status_value(n)?,
        Scalar::Str(s) => fields::status_digits(&s)?,
        _ => return Err(Reason::InvalidField),
    };
    // A user agent that is not a string is left out rather than failing a line that has every required field.
    let user_agent = match f.user_agent {
        Some(Scalar::Str(s)) => Some(s),
        _ => None,
    };
    Ok(Record { ts_us, ip, ip_key, method, url, status, origin: Origin::Json(JsonExtras { user_agent }) })
}

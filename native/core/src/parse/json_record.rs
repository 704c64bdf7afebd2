use std::borrow::Cow;

use super::fields;
use crate::json::{JsonParser, Scalar};
use crate::record::{Origin, Reason, Record};
use crate::timestamp::{epoch_ms_f64_to_us, parse_iso8601};

/// Absent and `null` both mean the producer did not send the field.
fn present<'a>(v: Option<Scalar<'a>>) -> Result<Scalar<'a>, Reason> {
    match v {
        None | Some(Scalar::Null) => Err(Reason::MissingField),
        Some(s) => Ok(s),
    }
}

fn text<'a>(v: Scalar<'a>) -> Result<Cow<'a, str>, Reason> {
    match v {
        Scalar::Str(s) => {
            fields::non_empty(&s)?;
            Ok(s)
        }
        _ => Err(Reason::InvalidField),
    }
}

pub fn parse<'a>(parser: &'a mut JsonParser, line: &'a str) -> Result<Record<'a>, Reason> {
    let f = parser.extract_str(line).map_err(|_| Reason::Malformed)?;
    // Presence of all five is checked before validity of any, so the reason does not depend on key order.
    let timestamp = present(f.timestamp)?;
    let ip = present(f.ip)?;
    let method = present(f.method)?;
    let url = present(f.url)?;
    let status = present(f.status)?;

    let ts_us = match timestamp {
        Scalar::Str(s) => parse_iso8601(s.as_bytes()),
        Scalar::Int(ms) => epoch_ms_f64_to_us(ms as f64),
        Scalar::Float(ms) => epoch_ms_f64_to_us(ms),
        _ => None,
    }
    .ok_or(Reason::InvalidTimestamp)?;
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
    Ok(Record { ts_us, ip, ip_key, method, url, status, origin: Origin::Json })
}

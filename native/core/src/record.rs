//! What a parsed line becomes, and why a line can be rejected.

use std::borrow::Cow;

use crate::ip::IpKey;

/// Rejection reasons of SPEC §2, in the order counters and outputs list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    Malformed,
    MissingField,
    InvalidField,
    InvalidTimestamp,
    TooLong,
    InvalidUtf8,
    Future,
    Late,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::Malformed,
        Reason::MissingField,
        Reason::InvalidField,
        Reason::InvalidTimestamp,
        Reason::TooLong,
        Reason::InvalidUtf8,
        Reason::Future,
        Reason::Late,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::MissingField => "missing_field",
            Reason::InvalidField => "invalid_field",
            Reason::InvalidTimestamp => "invalid_timestamp",
            Reason::TooLong => "too_long",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::Future => "future",
            Reason::Late => "late",
        }
    }
}

/// Fields that CLF lines carry beyond the five required ones; written to error records after `status`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ClfExtras<'a> {
    pub size: Option<u64>,
    pub referer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// What a JSON line carries beyond the five required fields (its `user_agent`, through `json.fields` too).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JsonExtras<'a> {
    pub user_agent: Option<Cow<'a, str>>,
}

/// How an error record is written: JSON lines verbatim (made valid UTF-8 JSON first, see `shard`), the others
/// re-encoded as compact JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin<'a> {
    Json(JsonExtras<'a>),
    Csv,
    Clf(ClfExtras<'a>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    pub ts_us: i64,
    pub ip: Cow<'a, str>,
    pub ip_key: IpKey,
    pub method: Cow<'a, str>,
    pub url: Cow<'a, str>,
    pub status: u16,
    pub origin: Origin<'a>,
}

/// Per-call telemetry: one counter per thing that can happen to a line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub lines: u64,
    pub bytes: u64,
    pub records: u64,
    pub errors: u64,
    pub late: u64,
    /// Rows handed to the archive (records + late, when archiving is on).
    pub archived: u64,
    pub rejected: [u64; 8],
}

impl Counters {
    pub fn reject(&mut self, reason: Reason) {
        self.rejected[reason as usize] += 1;
    }

    pub fn rejected_by(&self, reason: Reason) -> u64 {
        self.rejected[reason as usize]
    }
}

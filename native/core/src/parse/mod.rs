//! Turns one framed, UTF-8-checked line into a `Record` or a rejection reason (API.md "Exact rules").

mod clf;
mod csv;
mod fields;
mod hex_escape;
pub(crate) mod json_mapped;
mod json_record;
pub mod json_keys;

pub use hex_escape::{has_hex_escape, repair_hex_escapes};

use crate::json::JsonParser;
use crate::options::{Format, JsonInput, TimestampUnit};
use crate::record::{Reason, Record};

/// Per-shard parser: holds the JSON parser and the buffers a line may need, so that no line allocates.
pub struct LineParser {
    format: Format,
    csv_delimiter: u8,
    json: JsonParser,
    timestamp_unit: TimestampUnit,
    /// A line that is not UTF-8, decoded lossily.
    lossy: String,
    /// A JSON line with Apache's `\xhh` made JSON (`hex_escape`).
    repaired: String,
}

impl LineParser {
    pub fn new(format: Format, csv_delimiter: u8) -> Self {
        LineParser::with_json(format, csv_delimiter, &JsonInput::default())
    }

    pub fn with_json(format: Format, csv_delimiter: u8, json: &JsonInput) -> Self {
        LineParser {
            format,
            csv_delimiter,
            json: JsonParser::with_keys(json.keys.clone()),
            timestamp_unit: json.timestamp_unit,
            lossy: String::new(),
            repaired: String::new(),
        }
    }

    #[inline]
    pub fn parse<'a>(&'a mut self, line: &'a str) -> Result<Record<'a>, Reason> {
        parse_text(self.format, self.csv_delimiter, &mut self.json, self.timestamp_unit, &mut self.repaired, line)
    }

    /// A line that is not UTF-8: web servers write a URL's raw bytes as they came (nginx's JSON `escape=json`
    /// passes bytes >= 0x80 through), so it is decoded lossily (U+FFFD) and parsed as any other line. Only a
    /// line that is no record even so is rejected, as `invalid_utf8`: its raw bytes are what is wrong with it.
    pub fn parse_lossy<'a>(&'a mut self, raw: &[u8]) -> Result<Record<'a>, Reason> {
        self.lossy.clear();
        self.lossy.push_str(&String::from_utf8_lossy(raw));
        parse_text(self.format, self.csv_delimiter, &mut self.json, self.timestamp_unit, &mut self.repaired, &self.lossy)
            .map_err(|_| Reason::InvalidUtf8)
    }
}

#[inline(always)]
fn parse_text<'a>(
    format: Format,
    csv_delimiter: u8,
    json: &mut JsonParser,
    unit: TimestampUnit,
    repaired: &'a mut String,
    line: &'a str,
) -> Result<Record<'a>, Reason> {
    let format = match format {
        Format::Auto => detect(line.as_bytes()),
        fixed => fixed,
    };
    match format {
        Format::Json => json_record::parse(json, unit, repaired, line),
        Format::Clf => clf::parse(line),
        _ => csv::parse(line, csv_delimiter),
    }
}

/// `{` first → JSON; ` [` then `] "` → CLF; anything else is tried as CSV.
pub fn detect(line: &[u8]) -> Format {
    let first = line.iter().find(|&&b| b != b' ' && b != b'\t');
    if first == Some(&b'{') {
        return Format::Json;
    }
    if let Some(open) = memchr::memmem::find(line, b" [") {
        if memchr::memmem::find(&line[open + 2..], b"] \"").is_some() {
            return Format::Clf;
        }
    }
    Format::Csv
}

#[cfg(test)]
mod tests;

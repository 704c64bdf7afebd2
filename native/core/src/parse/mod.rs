//! Turns one framed, UTF-8-checked line into a `Record` or a rejection reason (API.md "Exact rules").

mod clf;
mod csv;
mod fields;
mod json_record;

use crate::json::JsonParser;
use crate::options::Format;
use crate::record::{Reason, Record};

/// Per-shard parser: holds the JSON parser's reusable buffers so no line allocates.
pub struct LineParser {
    format: Format,
    csv_delimiter: u8,
    json: JsonParser,
}

impl LineParser {
    pub fn new(format: Format, csv_delimiter: u8) -> Self {
        LineParser { format, csv_delimiter, json: JsonParser::new() }
    }

    pub fn parse<'a>(&'a mut self, line: &'a str) -> Result<Record<'a>, Reason> {
        let format = match self.format {
            Format::Auto => detect(line.as_bytes()),
            fixed => fixed,
        };
        match format {
            Format::Json => json_record::parse(&mut self.json, line),
            Format::Clf => clf::parse(line),
            _ => csv::parse(line, self.csv_delimiter),
        }
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

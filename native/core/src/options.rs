//! Pipeline options of one shard, checked up front so that a bad value is named before any data flows.

use serde::{Deserialize, Serialize};

pub use crate::archive::ArchiveOptions;
pub use crate::parse::json_keys::JsonKeys;
pub use crate::window::GroupTracking;

/// Input format of a stream; `Auto` decides per line (see `parse::detect`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    Json,
    Csv,
    Clf,
    Auto,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "clf" => Some(Format::Clf),
            "auto" => Some(Format::Auto),
            _ => None,
        }
    }
}

/// What a JSON number in the timestamp field counts (`json.timestampUnit`): epoch milliseconds (the seed's
/// producers) or seconds, fraction allowed (nginx `$msec`). ISO strings are read either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimestampUnit {
    #[default]
    Ms,
    S,
}

impl TimestampUnit {
    pub fn from_name(name: &str) -> Option<TimestampUnit> {
        match name {
            "ms" => Some(TimestampUnit::Ms),
            "s" => Some(TimestampUnit::S),
            _ => None,
        }
    }
}

/// How JSON lines are read: which keys hold the fields, and the unit of numeric timestamps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonInput {
    pub keys: JsonKeys,
    pub timestamp_unit: TimestampUnit,
}

/// Times are microseconds; the binding converts from the milliseconds users write.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardOptions {
    pub error_status_min: u16,
    pub window_us: i64,
    pub watermark_us: i64,
    pub idle_timeout_us: i64,
    pub max_future_skew_us: i64,
    pub max_urls_per_window: usize,
    pub max_line_bytes: usize,
    pub format: Format,
    pub csv_delimiter: u8,
    /// JSON field names and timestamp unit (`json.*`).
    pub json: JsonInput,
    /// Per-URL / per-IP request and error counts per window, for the `url_error_rate` / `ip_error_rate` rules.
    pub group_tracking: GroupTracking,
    /// Archive every valid record as Parquet (API.md "Archive"); None = off, one branch per record.
    pub archive: Option<ArchiveOptions>,
    /// A call's whole lines are parsed in this many parts at once (on the shared parse pool), then folded into
    /// the windows in line order (`shard::parallel`); 1 = every line on the calling thread.
    pub parse_threads: usize,
    /// Calls with fewer bytes of whole lines than this are parsed on the calling thread (a split costs a hand-off).
    pub parallel_min_bytes: usize,
}

impl Default for ShardOptions {
    fn default() -> Self {
        ShardOptions {
            error_status_min: 400,
            window_us: 30_000_000,
            watermark_us: 10_000_000,
            idle_timeout_us: 30_000_000,
            max_future_skew_us: 300_000_000,
            max_urls_per_window: 100,
            max_line_bytes: 65_536,
            format: Format::Auto,
            csv_delimiter: b';',
            json: JsonInput::default(),
            group_tracking: GroupTracking::default(),
            archive: None,
            parse_threads: 1,
            parallel_min_bytes: 256 << 10,
        }
    }
}

/// Most parts a call is parsed in: more than any machine this runs on has cores to give one stream.
pub const MAX_PARSE_THREADS: usize = 64;

/// A rejected option: `option` is the user-facing (camelCase) name.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionError {
    pub option: &'static str,
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.option, self.message)
    }
}

/// Upper bound for any duration: a year, far beyond a sane window, and safe from i64 overflow when added to times.
const MAX_DURATION_US: i64 = 366 * 24 * 3600 * 1_000_000;

impl ShardOptions {
    pub fn validate(&self) -> Result<(), OptionError> {
        let err = |option: &'static str, message: &str| Err(OptionError { option, message: message.to_string() });
        if !(100..=600).contains(&self.error_status_min) {
            return err("errorStatusMin", "must be between 100 and 600");
        }
        if self.window_us <= 0 || self.window_us > MAX_DURATION_US {
            return err("windowMs", "must be > 0 and at most a year");
        }
        if self.watermark_us < 0 || self.watermark_us > MAX_DURATION_US {
            return err("watermarkMs", "must be >= 0 and at most a year");
        }
        if self.idle_timeout_us <= 0 || self.idle_timeout_us > MAX_DURATION_US {
            return err("idleTimeoutMs", "must be > 0 and at most a year");
        }
        if self.max_future_skew_us < 0 || self.max_future_skew_us > MAX_DURATION_US {
            return err("maxFutureSkewMs", "must be >= 0 and at most a year");
        }
        if self.max_urls_per_window == 0 {
            return err("maxUrlsPerWindow", "must be >= 1");
        }
        if self.max_line_bytes == 0 || self.max_line_bytes > 64 << 20 {
            return err("maxLineBytes", "must be between 1 and 67108864");
        }
        if !self.csv_delimiter.is_ascii() || matches!(self.csv_delimiter, b'\n' | b'\r' | b'"' | b' ') {
            return err("csvDelimiter", "must be one ASCII character other than newline, quote or space");
        }
        if let Err(message) = self.json.keys.check_distinct() {
            return Err(OptionError { option: "json.fields", message });
        }
        if !(1..=MAX_PARSE_THREADS).contains(&self.parse_threads) {
            return err("parseThreads", "must be between 1 and 64");
        }
        if let Some(Err((option, message))) = self.archive.as_ref().map(ArchiveOptions::validate) {
            return err(option, message);
        }
        Ok(())
    }
}

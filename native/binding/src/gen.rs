//! `GenWriter`: the line writer of `logpulse gen` (`logpulse_core::gen`, issue 15) for src/gen/native-line-writer.ts.
//! Lines are written straight into the caller's Buffer; one call per block of lines, never per line.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use logpulse_core::gen::{ClfVariant, GenFormat, GenOptions, LineWriter, StepClock, TableClock, WallClock, LINE_HEADROOM};

/// The `LineOptions` of src/gen/options.ts (a `GenOptions` object can be passed as it is).
#[napi(object)]
pub struct GenWriterOptions {
    /// `json` | `csv` | `clf`.
    pub format: String,
    pub compact: bool,
    /// `common` | `single` | `mixed`.
    pub clf_variant: String,
    pub urls: f64,
    pub methods: Vec<String>,
    /// Weights of 200, 404 and 500.
    pub status_dist: Vec<f64>,
    pub users: f64,
    pub error_user_percent: f64,
    pub error_rate: f64,
    pub error_url_percent: f64,
    pub late_fraction: f64,
    pub late_by_seconds: f64,
    pub malformed_fraction: f64,
    /// An integer 0 ..= 2^53 - 1.
    pub seed: f64,
}

/// What the writer made so far: `bad` holds the bad lines per kind in the order of src/gen/bad-lines.ts's
/// BAD_LINE_KINDS (malformed, missing_field, invalid_field, invalid_timestamp, invalid_utf8, too_long, future).
#[napi(object)]
pub struct GenWriterStats {
    pub lines: f64,
    pub bytes: f64,
    pub records: f64,
    pub late: f64,
    pub bad: Vec<f64>,
}

fn option_error(option: &str, message: &str) -> Error {
    Error::new(Status::InvalidArg, format!("LP_ERR_NATIVE_OPTION: {option} {message}"))
}

/// A JS number that must be an integer in 0..=max.
fn integer(option: &str, v: f64, max: f64) -> Result<u64> {
    if v.fract() == 0.0 && (0.0..=max).contains(&v) {
        Ok(v as u64)
    } else {
        Err(option_error(option, &format!("must be an integer from 0 to {max}")))
    }
}

fn to_core_options(o: GenWriterOptions) -> Result<GenOptions> {
    let format = GenFormat::from_name(&o.format).ok_or_else(|| option_error("format", "must be one of json, csv, clf"))?;
    let clf_variant = ClfVariant::from_name(&o.clf_variant).ok_or_else(|| option_error("clfVariant", "must be one of common, single, mixed"))?;
    let status_dist: [f64; 3] = o.status_dist.try_into().map_err(|_| option_error("statusDist", "must be 3 weights (200, 404, 500)"))?;
    Ok(GenOptions {
        format,
        compact: o.compact,
        clf_variant,
        urls: integer("urls", o.urls, u32::MAX as f64)? as u32,
        methods: o.methods,
        status_dist,
        users: integer("users", o.users, u32::MAX as f64)? as u32,
        error_user_percent: o.error_user_percent,
        error_rate: o.error_rate,
        error_url_percent: o.error_url_percent,
        late_fraction: o.late_fraction,
        late_by_seconds: o.late_by_seconds,
        malformed_fraction: o.malformed_fraction,
        seed: integer("seed", o.seed, 9_007_199_254_740_991.0)?,
    })
}

#[napi]
pub struct GenWriter {
    inner: LineWriter,
    wall: WallClock,
}

/// `limit` as a byte offset the buffer has `LINE_HEADROOM` bytes of room past.
fn checked_limit(buf: &[u8], limit: f64) -> Result<usize> {
    let room = buf.len().saturating_sub(LINE_HEADROOM);
    if limit.is_nan() || limit < 0.0 || limit > room as f64 {
        return Err(option_error("limit", &format!("must leave {LINE_HEADROOM} bytes of the buffer past it (buffer {} bytes)", buf.len())));
    }
    Ok(limit as usize)
}

/// A line count from JS: Infinity is "no limit"; fractions round down.
fn max_lines(n: f64) -> u64 {
    if n.is_nan() || n <= 0.0 {
        0
    } else {
        n as u64
    }
}

#[napi]
impl GenWriter {
    /// Invalid options throw `LP_ERR_NATIVE_OPTION: <option> …`.
    #[napi(constructor)]
    pub fn new(options: GenWriterOptions) -> Result<Self> {
        let inner = LineWriter::new(&to_core_options(options)?).map_err(|e| option_error(e.option, &e.message))?;
        Ok(GenWriter { inner, wall: WallClock::default() })
    }

    /// Simulated time: line n (counting every line made) at `startUs + floor(n × stepUs)`. Up to `maxLines` whole
    /// lines from offset 0, none started at or past `limit` (`buf` needs `limit` + 70,096 bytes). Returns the
    /// bytes written; `lastLines` says how many lines.
    #[napi]
    pub fn fill_step(&mut self, buf: BufferSlice, max: f64, limit: f64, start_us: f64, step_us: f64) -> Result<f64> {
        let mut buf = buf;
        let limit = checked_limit(&buf, limit)?;
        let mut clock = StepClock { start_us, step_us };
        Ok(self.inner.fill(&mut buf, max_lines(max), &mut clock, limit) as f64)
    }

    /// Live: lines stamped with the wall clock, `nowUs` (the caller's wall clock now) plus the monotonic time
    /// since, read once per 8 lines and never going backwards. Otherwise as `fillStep`.
    #[napi]
    pub fn fill_wall(&mut self, buf: BufferSlice, max: f64, limit: f64, now_us: f64) -> Result<f64> {
        let mut buf = buf;
        let limit = checked_limit(&buf, limit)?;
        self.wall.refresh(now_us as i64);
        Ok(self.inner.fill(&mut buf, max_lines(max), &mut self.wall, limit) as f64)
    }

    /// Any other clock: the event times (µs, integers) of the next lines, one per line; at most
    /// `timesUs.length` lines. Otherwise as `fillStep`.
    #[napi]
    pub fn fill_at(&mut self, buf: BufferSlice, limit: f64, times_us: &[f64]) -> Result<f64> {
        let mut buf = buf;
        let limit = checked_limit(&buf, limit)?;
        let mut clock = TableClock { times: times_us };
        Ok(self.inner.fill(&mut buf, times_us.len() as u64, &mut clock, limit) as f64)
    }

    /// Lines the last fill made.
    #[napi(getter)]
    pub fn last_lines(&self) -> f64 {
        self.inner.last_lines() as f64
    }

    /// Lines made so far.
    #[napi(getter)]
    pub fn lines(&self) -> f64 {
        self.inner.lines() as f64
    }

    #[napi]
    pub fn stats(&self) -> GenWriterStats {
        let s = self.inner.stats();
        GenWriterStats {
            lines: s.lines as f64,
            bytes: s.bytes as f64,
            records: s.records as f64,
            late: s.late as f64,
            bad: s.bad.iter().map(|&n| n as f64).collect(),
        }
    }
}

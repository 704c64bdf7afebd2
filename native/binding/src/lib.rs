//! N-API binding: converts types between JS and `logpulse_core` (`gen.rs`: `logpulse gen`'s line writer), and the
//! kafka:// consumer (`kafka/`). Errors cross as JS `Error`s with an `LP_ERR_NATIVE_*` code in the message; no
//! input can panic across the boundary.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use logpulse_core as core;

mod allocator;
mod gen;
mod kafka;
mod pipe;

/// Options of one shard. Durations in milliseconds; every field optional (defaults: SPEC §7).
#[napi(object)]
pub struct BindingShardOptions {
    /// A record with `status >= errorStatusMin` is an error. Default 400.
    pub error_status_min: Option<u32>,
    /// Tumbling window length, aligned to the epoch. Default 30000.
    pub window_ms: Option<f64>,
    /// Per-stream watermark delay. Default 10000.
    pub watermark_ms: Option<f64>,
    /// A stream silent this long stops holding the watermark back. Default 30000.
    pub idle_timeout_ms: Option<f64>,
    /// Records further ahead of the wall clock are rejected `future`. Default 300000.
    pub max_future_skew_ms: Option<f64>,
    /// At most this many `error_urls` per status row. Default 100.
    pub max_urls_per_window: Option<u32>,
    /// Longer lines are rejected `too_long`. Default 65536.
    pub max_line_bytes: Option<u32>,
    /// `json` | `csv` | `clf` | `auto` (per line). Default `auto`.
    pub format: Option<String>,
    /// CSV field delimiter, one ASCII character. Default `;`.
    pub csv_delimiter: Option<String>,
    /// How JSON lines are read: other field names, the unit of numeric timestamps. Default: the seed's names, ms.
    pub json: Option<BindingJsonOptions>,
    /// Keep per-URL request/error counts per window (for `url_error_rate`). Default false.
    pub track_url_counts: Option<bool>,
    /// Keep per-IP request/error counts per window (for `ip_error_rate`; memory grows with distinct IPs). Default false.
    pub track_ip_counts: Option<bool>,
    /// Archive every valid record (late ones flagged) as Parquet under `dir` (API.md "Archive"). Default off.
    pub archive: Option<BindingArchiveOptions>,
    /// Parse each call's lines in this many parts at once, then fold them in order (one stream on every core).
    /// Default 1 (all on the calling thread).
    pub parse_threads: Option<u32>,
    /// Calls with fewer bytes of whole lines than this are not split. Default 262144.
    pub parallel_min_bytes: Option<u32>,
}

/// JSON input (`json.*` config keys).
#[napi(object)]
pub struct BindingJsonOptions {
    /// `nginx` | `apache` | `ecs`: the field names of that server's JSON log format (README "Input formats").
    pub preset: Option<String>,
    /// The input's key for a field; a dotted name is a path into nested objects or a literal dotted key.
    /// Set fields override the preset's.
    pub fields: Option<BindingJsonFields>,
    /// `ms` (default) or `s`: what a number in the timestamp field counts.
    pub timestamp_unit: Option<String>,
}

#[napi(object)]
pub struct BindingJsonFields {
    pub timestamp: Option<String>,
    pub ip: Option<String>,
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<String>,
    pub user_agent: Option<String>,
}

fn to_core_json(o: Option<BindingJsonOptions>) -> Result<core::JsonInput> {
    let Some(o) = o else { return Ok(core::JsonInput::default()) };
    let mut keys = match o.preset.as_deref() {
        None => core::JsonKeys::default(),
        Some(name) => core::JsonKeys::preset(name).ok_or_else(|| option_error("json.preset", "must be one of nginx, apache, ecs"))?,
    };
    if let Some(f) = o.fields {
        let set = [("timestamp", f.timestamp), ("ip", f.ip), ("method", f.method), ("url", f.url), ("status", f.status), ("user_agent", f.user_agent)];
        for (field, name) in set {
            if let Some(name) = name {
                keys.set(field, &name).map_err(|e| option_error(&format!("json.fields.{field}"), &e))?;
            }
        }
    }
    let timestamp_unit = match o.timestamp_unit.as_deref() {
        None => core::TimestampUnit::default(),
        Some(u) => core::TimestampUnit::from_name(u).ok_or_else(|| option_error("json.timestampUnit", "must be ms or s"))?,
    };
    Ok(core::JsonInput { keys, timestamp_unit })
}

/// Where a shard archives: `<dir>/date=YYYY-MM-DD/hour=HH/part-<run>-<shard>-<seq>.parquet`.
#[napi(object)]
pub struct BindingArchiveOptions {
    /// Root directory of the archive (created as needed).
    pub dir: String,
    /// This daemon run's id, `[A-Za-z0-9_-]{1,40}`; part of every file name.
    pub run: String,
    /// Shard number 0..32767; part of every file name and the `shard` column.
    pub shard: u32,
}

fn option_error(option: &str, message: &str) -> Error {
    Error::new(Status::InvalidArg, format!("LP_ERR_NATIVE_OPTION: {option} {message}"))
}

fn ms_to_us(option: &str, ms: Option<f64>, default_us: i64) -> Result<i64> {
    match ms {
        None => Ok(default_us),
        Some(v) if v.is_finite() && v.abs() < 1e15 => Ok((v * 1000.0).round() as i64),
        Some(_) => Err(option_error(option, "must be a finite number of milliseconds")),
    }
}

fn to_core_options(o: Option<BindingShardOptions>) -> Result<core::ShardOptions> {
    let d = core::ShardOptions::default();
    let Some(o) = o else { return Ok(d) };
    let format = match o.format.as_deref() {
        None => d.format,
        Some(name) => core::Format::from_name(name).ok_or_else(|| option_error("format", "must be one of json, csv, clf, auto"))?,
    };
    let csv_delimiter = match o.csv_delimiter.as_deref() {
        None => d.csv_delimiter,
        Some(s) if s.len() == 1 => s.as_bytes()[0],
        Some(_) => return Err(option_error("csvDelimiter", "must be exactly one ASCII character")),
    };
    let error_status_min = match o.error_status_min {
        None => d.error_status_min,
        Some(v) => u16::try_from(v).map_err(|_| option_error("errorStatusMin", "must be between 100 and 600"))?,
    };
    let opts = core::ShardOptions {
        error_status_min,
        window_us: ms_to_us("windowMs", o.window_ms, d.window_us)?,
        watermark_us: ms_to_us("watermarkMs", o.watermark_ms, d.watermark_us)?,
        idle_timeout_us: ms_to_us("idleTimeoutMs", o.idle_timeout_ms, d.idle_timeout_us)?,
        max_future_skew_us: ms_to_us("maxFutureSkewMs", o.max_future_skew_ms, d.max_future_skew_us)?,
        max_urls_per_window: o.max_urls_per_window.map_or(d.max_urls_per_window, |v| v as usize),
        max_line_bytes: o.max_line_bytes.map_or(d.max_line_bytes, |v| v as usize),
        format,
        csv_delimiter,
        json: to_core_json(o.json)?,
        group_tracking: core::GroupTracking {
            urls: o.track_url_counts.unwrap_or(d.group_tracking.urls),
            ips: o.track_ip_counts.unwrap_or(d.group_tracking.ips),
        },
        archive: match o.archive {
            None => None,
            Some(a) => Some(core::ArchiveOptions {
                dir: a.dir.into(),
                run: a.run,
                shard: u16::try_from(a.shard).map_err(|_| option_error("archive.shard", "must be between 0 and 32767"))?,
            }),
        },
        parse_threads: o.parse_threads.map_or(d.parse_threads, |v| v as usize),
        parallel_min_bytes: o.parallel_min_bytes.map_or(d.parallel_min_bytes, |v| v as usize),
    };
    opts.validate().map_err(|e| option_error(e.option, &e.message))?;
    Ok(opts)
}

#[napi(object)]
pub struct RejectedCounters {
    pub malformed: f64,
    pub missing_field: f64,
    pub invalid_field: f64,
    pub invalid_timestamp: f64,
    pub too_long: f64,
    pub invalid_utf8: f64,
    pub future: f64,
    pub late: f64,
}

#[napi(object)]
pub struct Counters {
    /// Non-blank complete lines seen.
    pub lines: f64,
    /// Bytes received.
    pub bytes: f64,
    /// Valid records counted in windows (not late, not rejected).
    pub records: f64,
    /// Error records written to `errors` (late errors included).
    pub errors: f64,
    /// Late records (also counted in `rejected.late`).
    pub late: f64,
    /// Rows handed to the archive (records + late; 0 when archiving is off).
    pub archived: f64,
    pub rejected: RejectedCounters,
}

#[napi(object)]
pub struct StatusCount {
    pub window_start_us: i64,
    pub status: u32,
    pub count: f64,
}

#[napi(object)]
pub struct WindowCount {
    pub window_start_us: i64,
    pub window_end_us: i64,
    pub requests: f64,
    pub errors: f64,
}

#[napi(object)]
pub struct ProcessResult {
    /// Error records, newline-JSON.
    pub errors: Buffer,
    /// Rejected lines, newline-JSON `{"reason","source","line"[,"line_base64"]}`.
    pub rejected: Buffer,
    /// Closed windows, opaque; give to `WindowMerger.add`.
    pub partials: Buffer,
    pub closed_windows: u32,
    pub status_counts: Vec<StatusCount>,
    /// Running totals of every still-open window this call added to.
    pub window_counts: Vec<WindowCount>,
    /// This shard's own effective watermark (peer excluded); null when no stream has one.
    pub watermark_us: Option<i64>,
    /// Every window ending at or before this is closed; null before the first close.
    pub closed_through_us: Option<i64>,
    pub counters: Counters,
}

fn to_result(out: core::ProcessOutput) -> ProcessResult {
    let c = out.counters;
    let r = |reason: core::Reason| c.rejected_by(reason) as f64;
    ProcessResult {
        partials: out.encode_partials().into(),
        closed_windows: out.closed.len() as u32,
        errors: out.errors.into(),
        rejected: out.rejected.into(),
        status_counts: out
            .status_counts
            .iter()
            .map(|s| StatusCount { window_start_us: s.window_start_us, status: u32::from(s.status), count: s.count as f64 })
            .collect(),
        window_counts: out
            .window_counts
            .iter()
            .map(|w| WindowCount { window_start_us: w.window_start_us, window_end_us: w.window_end_us, requests: w.requests as f64, errors: w.errors as f64 })
            .collect(),
        watermark_us: out.watermark_us,
        closed_through_us: out.closed_through_us,
        counters: Counters {
            lines: c.lines as f64,
            bytes: c.bytes as f64,
            records: c.records as f64,
            errors: c.errors as f64,
            late: c.late as f64,
            archived: c.archived as f64,
            rejected: RejectedCounters {
                malformed: r(core::Reason::Malformed),
                missing_field: r(core::Reason::MissingField),
                invalid_field: r(core::Reason::InvalidField),
                invalid_timestamp: r(core::Reason::InvalidTimestamp),
                too_long: r(core::Reason::TooLong),
                invalid_utf8: r(core::Reason::InvalidUtf8),
                future: r(core::Reason::Future),
                late: r(core::Reason::Late),
            },
        },
    }
}

fn now_or(now_us: Option<f64>) -> i64 {
    match now_us {
        Some(v) if v.is_finite() => v as i64,
        _ => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64),
    }
}

/// One worker's parsing and windowing state. All methods are synchronous and cross the boundary once per chunk.
#[napi]
pub struct Shard {
    inner: core::Shard,
}

#[napi]
impl Shard {
    #[napi(constructor)]
    pub fn new(options: Option<BindingShardOptions>) -> Result<Self> {
        let opts = to_core_options(options)?;
        let inner = core::Shard::new(opts).map_err(|e| option_error(e.option, &e.message))?;
        Ok(Shard { inner })
    }

    /// Frames, parses and windows one chunk of `stream`'s bytes. `nowUs`: wall clock (default: system clock).
    #[napi]
    pub fn process(&mut self, stream: String, chunk: &[u8], now_us: Option<f64>) -> ProcessResult {
        to_result(self.inner.process(&stream, chunk, now_or(now_us)))
    }

    /// End of `stream`: its unterminated last line counts, then it stops holding the watermark back.
    #[napi]
    pub fn end_stream(&mut self, stream: String, now_us: Option<f64>) -> ProcessResult {
        to_result(self.inner.end_stream(&stream, now_or(now_us)))
    }

    /// `stream` was cut off mid-line (a connection reset or closed for idleness): an unterminated last line is
    /// rejected (`malformed`, or `too_long`) rather than parsed; then as `endStream`.
    #[napi]
    pub fn cut_stream(&mut self, stream: String, now_us: Option<f64>) -> ProcessResult {
        to_result(self.inner.cut_stream(&stream, now_or(now_us)))
    }

    /// Only time passes: idle streams are released and due windows close.
    #[napi]
    pub fn tick(&mut self, now_us: Option<f64>) -> ProcessResult {
        to_result(self.inner.tick(now_or(now_us)))
    }

    /// Minimum effective watermark of the other shards (null: none holds anything back).
    #[napi]
    pub fn set_peer_watermark(&mut self, peer_us: Option<f64>) {
        self.inner.set_peer_watermark(peer_us.filter(|v| v.is_finite()).map(|v| v as i64));
    }

    /// End of all input: trailing lines count and every open window is emitted.
    #[napi]
    pub fn flush(&mut self, now_us: Option<f64>) -> ProcessResult {
        to_result(self.inner.flush(now_or(now_us)))
    }

    /// The complete state, for checkpoints.
    #[napi]
    pub fn snapshot(&self) -> Buffer {
        self.inner.snapshot().into()
    }

    /// Replaces the state with a snapshot taken by a shard with the same options.
    #[napi]
    pub fn restore(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.restore(bytes).map_err(|e| Error::new(Status::InvalidArg, format!("LP_ERR_NATIVE_SNAPSHOT: {e}")))
    }

    /// Publishes every archive partition with rows since the last cut as `part-<run>-<shard>-<seq>.parquet`.
    /// Errors are data: `error` set means this cut wrote nothing and kept every row: retry the cut until it succeeds.
    #[napi]
    pub fn archive_cut(&mut self, seq: f64) -> ArchiveCutResult {
        if !(seq.is_finite() && seq >= 0.0 && seq.fract() == 0.0 && seq <= 9_999_999_999.0) {
            return ArchiveCutResult { files: Vec::new(), error: Some("seq must be an integer from 0 to 9999999999".into()) };
        }
        match self.inner.archive_cut(seq as u64) {
            Ok(files) => ArchiveCutResult {
                files: files.into_iter().map(|f| ArchiveFile { path: f.path, rows: f.rows as f64, hour_start_us: f.hour_start_us as f64 }).collect(),
                error: None,
            },
            Err(e) => ArchiveCutResult { files: Vec::new(), error: Some(e) },
        }
    }

    /// Drops the archive's rows since the last cut (a shard stopped without a cut).
    #[napi]
    pub fn archive_discard(&mut self) {
        self.inner.archive_discard();
    }
}

#[napi(object)]
pub struct ArchiveFile {
    /// Relative to the archive dir, `/`-separated: `date=YYYY-MM-DD/hour=HH/part-<run>-<shard>-<seq>.parquet`.
    pub path: String,
    pub rows: f64,
    /// Start of the file's event-time hour (UTC), microseconds since the epoch.
    pub hour_start_us: f64,
}

#[napi(object)]
pub struct ArchiveCutResult {
    /// Files published by this cut, in hour order (none when no row arrived since the last cut).
    pub files: Vec<ArchiveFile>,
    /// Set when the cut failed: names the path and the OS error; `files` is then empty.
    pub error: Option<String>,
}

pub struct CompactTask {
    inputs: Vec<std::path::PathBuf>,
    output: std::path::PathBuf,
}

impl Task for CompactTask {
    type Output = u64;
    type JsValue = f64;

    fn compute(&mut self) -> Result<u64> {
        core::archive::compact(&self.inputs, &self.output).map_err(|e| Error::new(Status::GenericFailure, format!("LP_ERR_NATIVE_ARCHIVE: {e}")))
    }

    fn resolve(&mut self, _env: Env, rows: u64) -> Result<f64> {
        Ok(rows as f64)
    }
}

/// Writes the rows of archive files `inputs` into one file `output` (row groups up to 1,048,576 rows) through
/// a hidden temp beside it, fsynced and renamed. Resolves to the rows written (the inputs' sum); the inputs
/// are left for the caller to delete. Runs on the libuv pool; rejects with `LP_ERR_NATIVE_ARCHIVE: …`.
#[napi(ts_return_type = "Promise<number>")]
pub fn compact_parquet(inputs: Vec<String>, output: String) -> AsyncTask<CompactTask> {
    AsyncTask::new(CompactTask { inputs: inputs.into_iter().map(Into::into).collect(), output: output.into() })
}

#[napi(object)]
pub struct BindingRateRule {
    /// Fires when `errors / requests` exceeds this fraction (0..1).
    pub threshold: f64,
    /// The group needs at least this many requests in the window.
    pub min_requests: u32,
}

#[napi(object)]
pub struct BindingMergerOptions {
    /// At most this many `error_urls` per status row. Default 100.
    pub max_urls_per_window: Option<u32>,
    /// Report URLs over this rule in `urlRates` (needs shards with `trackUrlCounts`).
    pub url_error_rate: Option<BindingRateRule>,
    /// Report IPs over this rule in `ipRates` (needs shards with `trackIpCounts`).
    pub ip_error_rate: Option<BindingRateRule>,
}

#[napi(object)]
pub struct GroupRate {
    /// The URL or the IP address.
    pub group: String,
    pub requests: f64,
    pub errors: f64,
}

fn to_group_rates(v: Vec<core::merger::GroupRate>) -> Vec<GroupRate> {
    v.into_iter().map(|g| GroupRate { group: g.group, requests: g.requests as f64, errors: g.errors as f64 }).collect()
}

#[napi(object)]
pub struct StatusSummary {
    pub status: u32,
    pub error_count: f64,
    pub unique_ips: f64,
}

#[napi(object)]
pub struct WindowSummary {
    pub window_start_us: i64,
    pub window_end_us: i64,
    pub requests: f64,
    pub errors: f64,
    pub unique_ips: f64,
    pub error_unique_ips: f64,
    pub statuses: Vec<StatusSummary>,
    /// URLs over the `url_error_rate` rule, worst first.
    pub url_rates: Vec<GroupRate>,
    /// IPs over the `ip_error_rate` rule, worst first.
    pub ip_rates: Vec<GroupRate>,
}

#[napi(object)]
pub struct WindowOutput {
    /// Metrics rows (SPEC §3), newline-JSON.
    pub rows: Buffer,
    pub windows: Vec<WindowSummary>,
}

/// Merges closed-window partials from every shard and emits each window's rows once.
#[napi]
pub struct WindowMerger {
    inner: core::WindowMerger,
}

#[napi]
impl WindowMerger {
    #[napi(constructor)]
    pub fn new(options: Option<BindingMergerOptions>) -> Self {
        let rule = |r: Option<&BindingRateRule>| r.map(|r| core::merger::RateRule { threshold: r.threshold, min_requests: u64::from(r.min_requests) });
        let max_urls = options
            .as_ref()
            .and_then(|o| o.max_urls_per_window)
            .map_or(core::ShardOptions::default().max_urls_per_window, |v| v as usize);
        let rates = core::merger::RateRules {
            url: rule(options.as_ref().and_then(|o| o.url_error_rate.as_ref())),
            ip: rule(options.as_ref().and_then(|o| o.ip_error_rate.as_ref())),
        };
        WindowMerger { inner: core::WindowMerger::with_rates(max_urls, rates) }
    }

    /// Replaces the rate rules (null/absent: that rule is off); windows not drained yet are judged by the new ones.
    #[napi]
    pub fn set_rate_rules(&mut self, url_error_rate: Option<BindingRateRule>, ip_error_rate: Option<BindingRateRule>) {
        let rule = |r: Option<BindingRateRule>| r.map(|r| core::merger::RateRule { threshold: r.threshold, min_requests: u64::from(r.min_requests) });
        self.inner.set_rates(core::merger::RateRules { url: rule(url_error_rate), ip: rule(ip_error_rate) });
    }

    /// Adds a shard's `partials`; returns how many windows they held.
    #[napi]
    pub fn add(&mut self, partials: &[u8]) -> Result<u32> {
        self.inner
            .add(partials)
            .map(|n| n as u32)
            .map_err(|e| Error::new(Status::InvalidArg, format!("LP_ERR_NATIVE_PARTIALS: {e}")))
    }

    /// The held windows, for a checkpoint; restore with `add` on a new merger.
    #[napi]
    pub fn snapshot(&self) -> Buffer {
        self.inner.snapshot().into()
    }

    /// Windows held, not yet drained.
    #[napi(getter)]
    pub fn pending(&self) -> u32 {
        self.inner.pending() as u32
    }

    /// Emits and forgets every window ending at or before `throughUs` (all when null).
    #[napi]
    pub fn drain(&mut self, through_us: Option<f64>) -> WindowOutput {
        let merged = self.inner.drain(through_us.filter(|v| v.is_finite()).map(|v| v as i64));
        WindowOutput {
            rows: merged.rows.into(),
            windows: merged
                .windows
                .into_iter()
                .map(|w| WindowSummary {
                    window_start_us: w.window_start_us,
                    window_end_us: w.window_end_us,
                    requests: w.requests as f64,
                    errors: w.errors as f64,
                    unique_ips: w.unique_ips as f64,
                    error_unique_ips: w.error_unique_ips as f64,
                    statuses: w
                        .statuses
                        .into_iter()
                        .map(|s| StatusSummary { status: u32::from(s.status), error_count: s.error_count as f64, unique_ips: s.unique_ips as f64 })
                        .collect(),
                    url_rates: to_group_rates(w.url_rates),
                    ip_rates: to_group_rates(w.ip_rates),
                })
                .collect(),
        }
    }
}

/// HyperLogLog distinct counter of client IPs (precision 14, exact up to 2,048 distinct values): the sketch
/// behind every `unique_ips`. The pipeline never needs it (shards and the merger own their sketches); it is
/// here for benchmarks and tools that want the same counts as the daemon.
#[napi]
pub struct Hll {
    inner: core::hll::Hll,
}

impl Default for Hll {
    fn default() -> Self {
        Self::new()
    }
}

#[napi]
impl Hll {
    #[napi(constructor)]
    pub fn new() -> Self {
        Hll { inner: core::hll::Hll::new() }
    }

    /// Adds every newline-separated address of `ips` (a trailing CR dropped), parsed as the shards parse
    /// the `ip` field, so `::1` and `0::1` count once and the counts equal the daemon's. Returns how many lines
    /// were valid addresses; blank and invalid lines are skipped.
    #[napi]
    pub fn add_ips(&mut self, ips: &[u8]) -> u32 {
        let mut added = 0u32;
        for line in ips.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let Some(key) = core::ip::parse_ip(line) {
                self.inner.add_bytes(key.as_bytes());
                added += 1;
            }
        }
        added
    }

    /// Union: afterwards this sketch counts every value that either counted (`other` is unchanged).
    #[napi]
    pub fn merge(&mut self, other: &Hll) {
        self.inner.merge(&other.inner);
    }

    /// Estimated number of distinct addresses added (exact while `isSparse`).
    #[napi(getter)]
    pub fn estimate(&self) -> f64 {
        self.inner.estimate() as f64
    }

    /// True while the sketch still counts exactly (at most 2,048 distinct values).
    #[napi(getter)]
    pub fn is_sparse(&self) -> bool {
        self.inner.is_sparse()
    }
}

/// Which native module this is, for `logpulse --version` and the start-up check that it matches the JavaScript.
#[napi(object)]
pub struct BuildInfo {
    /// The crate's version (the workspace's, kept equal to package.json's).
    pub version: String,
    /// `release` or `debug` (`debug_assertions` on): a debug build is many times slower.
    pub profile: String,
}

/// The version and build profile this module was compiled as.
#[napi]
pub fn build_info() -> BuildInfo {
    BuildInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile: if cfg!(debug_assertions) { "debug" } else { "release" }.to_string(),
    }
}

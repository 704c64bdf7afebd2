//! A shard: the state one worker owns. It frames bytes into lines per stream, parses and filters them, keeps
//! event-time windows and per-stream watermarks, and returns everything one call produced in one
//! `ProcessOutput` — so the JS side crosses into Rust once per chunk, never per line.
//! The rules implemented here are API.md "Exact rules"; the TypeScript oracle in `test/reference/` is the
//! independent second implementation they are checked against.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::archive::{Archive, ArchiveFile};
use crate::escape::{write_base64, write_json_str, write_u64};
use crate::hll::hash_bytes;
use crate::options::ShardOptions;
use crate::parse::LineParser;
use crate::record::{Counters, Origin, Reason, Record};
use crate::timestamp::write_iso_micros;
use crate::window::{WindowAgg, WindowPartial};

mod parallel;
use parallel::{LineLimits, Padded, Parsed};

/// Rejected records keep at most this many bytes of the raw line (SPEC §4).
pub const REJECT_KEEP_BYTES: usize = 4096;
/// An overlong pending line keeps one byte more than is written, so that a `\r` ending a line of exactly
/// `REJECT_KEEP_BYTES` is stripped the same way as when the whole line arrives in one chunk.
const OVERFLOW_KEEP_BYTES: usize = REJECT_KEEP_BYTES + 1;

/// Running totals of a window still open at the end of a call (for live displays; final rows come at close).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    pub window_start_us: i64,
    pub window_end_us: i64,
    pub requests: u64,
    pub errors: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCount {
    pub window_start_us: i64,
    pub status: u16,
    pub count: u64,
}

/// Everything one call produced.
#[derive(Debug, Default)]
pub struct ProcessOutput {
    pub errors: Vec<u8>,
    pub rejected: Vec<u8>,
    pub closed: Vec<WindowPartial>,
    pub status_counts: Vec<StatusCount>,
    /// Every window this call added to that is still open, with its running totals.
    pub window_counts: Vec<WindowCount>,
    pub watermark_us: Option<i64>,
    pub closed_through_us: Option<i64>,
    pub counters: Counters,
}

impl ProcessOutput {
    /// The closed windows in the msgpack form `WindowMerger::add` takes.
    pub fn encode_partials(&self) -> Vec<u8> {
        crate::merger::encode_partials(&self.closed)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stream {
    name: String,
    /// Bytes of the line not yet ended by `\n`.
    pending: Vec<u8>,
    /// The pending line already exceeds `max_line_bytes`: only its head is kept, the rest is dropped until `\n`.
    overflow: bool,
    /// While overflowing: every byte so far was a space or tab, save a CR (a blank line, skipped however long).
    overflow_blank: bool,
    /// While overflowing: a CR was seen; it is dropped only if it turns out to end the line.
    #[serde(default)]
    overflow_cr: bool,
    max_ts_us: Option<i64>,
    last_data_us: i64,
}

impl Stream {
    /// Tracks whether an overlong line is blank by the framing rule: spaces and tabs, then at most one CR that
    /// ends the line. A CR followed by anything makes the line non-blank.
    fn scan_blank(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if !self.overflow_blank {
                return;
            }
            if self.overflow_cr {
                self.overflow_blank = false;
                return;
            }
            match b {
                b' ' | b'\t' => {}
                b'\r' => self.overflow_cr = true,
                _ => self.overflow_blank = false,
            }
        }
    }
}

/// The watermark inputs of a call, fixed at its start: idleness only changes between calls.
#[derive(Debug, Default, Clone, Copy)]
struct CallClock {
    current: Option<usize>,
    current_idle: bool,
    /// Min watermark of the other non-idle streams.
    others_min: Option<i64>,
    /// Max watermark of the other idle streams.
    idle_max: Option<i64>,
}

struct State {
    opts: ShardOptions,
    streams: Vec<Stream>,
    index: FxHashMap<String, usize>,
    /// Open windows sorted by start; usually one or two, so a scan from the back is the fastest lookup.
    windows: Vec<WindowAgg>,
    closed_through: Option<i64>,
    peer: Option<i64>,
    clock: CallClock,
    out: ProcessOutput,
    /// Starts of the windows this call added records to (consecutive duplicates skipped).
    touched: Vec<i64>,
    /// Parquet archive of every valid record; None when the options have none.
    archive: Option<Archive>,
}

pub struct Shard {
    parser: LineParser,
    /// One parser per part when a call's lines are parsed in parts (`parse_threads` > 1), and the parts' lists,
    /// kept empty between calls for their allocations.
    part_parsers: Vec<Padded<LineParser>>,
    part_lists: Vec<Padded<Vec<Parsed<'static>>>>,
    state: State,
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    streams: Vec<Stream>,
    windows: Vec<WindowPartial>,
    closed_through: Option<i64>,
    peer: Option<i64>,
}

const SNAPSHOT_MAGIC: &[u8; 4] = b"LPS1";

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// A JSON error record as the line was written, made valid UTF-8 JSON: bytes that are not UTF-8 become U+FFFD
/// and Apache's `\xhh` becomes `\\xhh`, as the parser read them.
fn write_json_verbatim(out: &mut Vec<u8>, line: &[u8]) {
    let text = String::from_utf8_lossy(line);
    let mut repaired = String::new();
    if crate::parse::has_hex_escape(text.as_bytes()) && crate::parse::repair_hex_escapes(&text, &mut repaired) {
        out.extend_from_slice(repaired.as_bytes());
    } else {
        out.extend_from_slice(text.as_bytes());
    }
    out.push(b'\n');
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

impl Shard {
    pub fn new(opts: ShardOptions) -> Result<Shard, crate::options::OptionError> {
        opts.validate()?;
        let opts_archive = opts.archive.clone().map(Archive::new);
        let parts = if opts.parse_threads > 1 { opts.parse_threads } else { 0 };
        Ok(Shard {
            parser: LineParser::with_json(opts.format, opts.csv_delimiter, &opts.json),
            part_parsers: (0..parts).map(|_| Padded(LineParser::with_json(opts.format, opts.csv_delimiter, &opts.json))).collect(),
            part_lists: (0..parts).map(|_| Padded(Vec::new())).collect(),
            state: State {
                opts,
                streams: Vec::new(),
                index: FxHashMap::default(),
                windows: Vec::new(),
                closed_through: None,
                peer: None,
                clock: CallClock::default(),
                out: ProcessOutput::default(),
                touched: Vec::new(),
                archive: opts_archive,
            },
        })
    }

    pub fn options(&self) -> &ShardOptions {
        &self.state.opts
    }

    pub fn process(&mut self, stream: &str, chunk: &[u8], now_us: i64) -> ProcessOutput {
        let sidx = self.state.stream_index(stream, now_us);
        if !chunk.is_empty() {
            self.state.streams[sidx].last_data_us = now_us;
        }
        self.state.out.counters.bytes += chunk.len() as u64;
        self.state.begin_call(now_us, Some(sidx));
        self.frame(sidx, chunk, now_us);
        self.state.finish()
    }

    /// End of one stream's input: its unterminated last line counts, then it no longer holds the watermark.
    pub fn end_stream(&mut self, stream: &str, now_us: i64) -> ProcessOutput {
        if let Some(&sidx) = self.state.index.get(stream) {
            self.state.begin_call(now_us, Some(sidx));
            self.take_trailing_line(sidx, now_us);
            self.state.remove_stream(sidx);
        }
        self.state.begin_call(now_us, None);
        self.state.finish()
    }

    /// A stream cut off mid-line (its connection reset, or closed for idleness): an unterminated last line is not
    /// one its producer finished, so it is rejected — `too_long` if it already was too long, otherwise
    /// `malformed` — never parsed (a cut CSV or CLF line could pass as a valid record). Then as `end_stream`.
    pub fn cut_stream(&mut self, stream: &str, now_us: i64) -> ProcessOutput {
        if let Some(&sidx) = self.state.index.get(stream) {
            self.state.begin_call(now_us, Some(sidx));
            self.state.reject_cut_line(sidx);
            self.state.remove_stream(sidx);
        }
        self.state.begin_call(now_us, None);
        self.state.finish()
    }

    pub fn tick(&mut self, now_us: i64) -> ProcessOutput {
        self.state.begin_call(now_us, None);
        self.state.finish()
    }

    pub fn set_peer_watermark(&mut self, peer_us: Option<i64>) {
        self.state.peer = peer_us;
    }

    /// End of all input: trailing lines count and every open window is emitted, whatever the watermark.
    pub fn flush(&mut self, now_us: i64) -> ProcessOutput {
        self.state.begin_call(now_us, None);
        for sidx in 0..self.state.streams.len() {
            self.state.begin_call(now_us, Some(sidx));
            self.take_trailing_line(sidx, now_us);
        }
        let windows = std::mem::take(&mut self.state.windows);
        self.state.out.closed.extend(windows.into_iter().map(WindowAgg::into_partial));
        self.state.begin_call(now_us, None);
        self.state.finish()
    }

    pub fn snapshot(&self) -> Vec<u8> {
        let snap = Snapshot {
            streams: self.state.streams.clone(),
            windows: self.state.windows.iter().map(|w| w.clone().into_partial()).collect(),
            closed_through: self.state.closed_through,
            peer: self.state.peer,
        };
        let mut out = SNAPSHOT_MAGIC.to_vec();
        // Serializing plain owned data into a Vec cannot fail.
        out.extend(rmp_serde::to_vec(&snap).unwrap_or_default());
        out
    }

    /// Replaces the whole state; on error the shard is left as it was.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        let body = bytes.strip_prefix(SNAPSHOT_MAGIC).ok_or("not a logpulse shard snapshot (bad magic)")?;
        let snap: Snapshot = crate::msgpack::decode_whole(body).map_err(|e| format!("undecodable snapshot: {e}"))?;
        for w in &snap.windows {
            w.validate(self.state.opts.window_us)?;
        }
        let mut index = FxHashMap::default();
        for (i, s) in snap.streams.iter().enumerate() {
            if index.insert(s.name.clone(), i).is_some() {
                return Err(format!("snapshot lists stream {:?} twice", s.name));
            }
        }
        let tracking = self.state.opts.group_tracking;
        let mut windows: Vec<WindowAgg> = snap.windows.into_iter().map(|w| WindowAgg::from_partial(w, tracking)).collect();
        windows.sort_by_key(|w| w.start_us);
        if windows.windows(2).any(|p| p[0].start_us == p[1].start_us) {
            return Err("snapshot lists a window twice".into());
        }
        self.state.streams = snap.streams;
        self.state.index = index;
        self.state.windows = windows;
        self.state.closed_through = snap.closed_through;
        self.state.peer = snap.peer;
        Ok(())
    }

    /// Publishes every archive partition with rows since the last successful cut (API.md "Archive"). On
    /// error every row is kept: the caller retries the cut (same `seq`) until it succeeds.
    pub fn archive_cut(&mut self, seq: u64) -> Result<Vec<ArchiveFile>, String> {
        match &mut self.state.archive {
            Some(a) => a.cut(seq),
            None => Err("archiving is off for this shard (no archive option)".into()),
        }
    }

    /// Drops the archive's rows since the last cut.
    pub fn archive_discard(&mut self) {
        if let Some(a) = &mut self.state.archive {
            a.discard();
        }
    }

    /// Splits `chunk` into lines, completing the stream's pending line first.
    fn frame(&mut self, sidx: usize, chunk: &[u8], now_us: i64) {
        let mut rest = chunk;
        let stream = &self.state.streams[sidx];
        if !stream.pending.is_empty() || stream.overflow {
            let Some(nl) = memchr::memchr(b'\n', rest) else {
                self.state.append_pending(sidx, rest);
                return;
            };
            self.state.append_pending(sidx, &rest[..nl]);
            self.take_pending_line(sidx, now_us);
            rest = &rest[nl + 1..];
        }
        let mut start = 0;
        let whole = if self.part_parsers.is_empty() { None } else { memchr::memrchr(b'\n', rest) };
        match whole {
            Some(last) if last + 1 >= self.state.opts.parallel_min_bytes => {
                self.frame_in_parts(sidx, &rest[..=last], now_us);
                start = last + 1;
            }
            _ => {
                for nl in memchr::memchr_iter(b'\n', rest) {
                    let line = &rest[start..nl];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    Self::handle_line(&mut self.parser, &mut self.state, sidx, line, now_us);
                    start = nl + 1;
                }
            }
        }
        self.state.append_pending(sidx, &rest[start..]);
    }

    /// Whole lines (`lines` ends with `\n`) parsed in parts at once, then folded in order (`parallel`): the same
    /// outputs as `handle_line` on each line in turn.
    fn frame_in_parts(&mut self, sidx: usize, lines: &[u8], now_us: i64) {
        let limits = LineLimits {
            max_line_bytes: self.state.opts.max_line_bytes,
            future_after_us: now_us.saturating_add(self.state.opts.max_future_skew_us),
        };
        // In rounds: a part that stopped at `MAX_PART_LINES` is folded up to where it stopped, the parts after it are
        // dropped (parsed again next round), and the next round starts there.
        let mut rest = lines;
        while !rest.is_empty() {
            let parts = parallel::split_at_lines(rest, self.part_parsers.len());
            let mut lists = parallel::recycle(std::mem::take(&mut self.part_lists));
            let parsed_bytes = parallel::parse_parts(&parts, &mut self.part_parsers, &mut lists, limits);
            let mut next: &[u8] = &[];
            let mut offset = 0;
            for ((part, list), &done) in parts.iter().zip(lists.iter_mut()).zip(&parsed_bytes) {
                for parsed in list.0.drain(..) {
                    match parsed {
                        Parsed::Rejected(reason, line) => {
                            self.state.out.counters.lines += 1;
                            self.state.reject_from(reason, sidx, line);
                        }
                        Parsed::Record { record, line, ip_hash } => {
                            self.state.out.counters.lines += 1;
                            self.state.accept_hashed(sidx, &record, line, ip_hash);
                        }
                        Parsed::Again(line) => Self::handle_line(&mut self.parser, &mut self.state, sidx, line, now_us),
                    }
                }
                if done < part.len() {
                    next = &rest[offset + done..];
                    break;
                }
                offset += part.len();
            }
            for list in &mut lists {
                list.0.clear();
            }
            self.part_lists = parallel::recycle(lists);
            rest = next;
        }
    }

    /// The stream's pending bytes form a complete line (its `\n` was seen, or input ended).
    fn take_pending_line(&mut self, sidx: usize, now_us: i64) {
        let stream = &mut self.state.streams[sidx];
        let mut line = std::mem::take(&mut stream.pending);
        let overflow = std::mem::replace(&mut stream.overflow, false);
        if overflow {
            if !stream.overflow_blank {
                self.state.out.counters.lines += 1;
                let head = line.strip_suffix(b"\r").unwrap_or(&line);
                self.state.reject_from(Reason::TooLong, sidx, head);
            }
        } else {
            let trimmed = line.strip_suffix(b"\r").unwrap_or(&line);
            Self::handle_line(&mut self.parser, &mut self.state, sidx, trimmed, now_us);
        }
        line.clear();
        // Keep the allocation for the next partial line of this stream.
        let stream = &mut self.state.streams[sidx];
        if stream.pending.is_empty() {
            stream.pending = line;
        }
    }

    fn take_trailing_line(&mut self, sidx: usize, now_us: i64) {
        let stream = &self.state.streams[sidx];
        if !stream.pending.is_empty() || stream.overflow {
            self.take_pending_line(sidx, now_us);
        }
    }

    /// One complete line without its terminator: the hot path.
    #[inline]
    fn handle_line(parser: &mut LineParser, state: &mut State, sidx: usize, line: &[u8], now_us: i64) {
        if is_blank(line) {
            return;
        }
        state.out.counters.lines += 1;
        if line.len() > state.opts.max_line_bytes {
            return state.reject_from(Reason::TooLong, sidx, line);
        }
        let parsed = match simdutf8::basic::from_utf8(line) {
            Ok(text) => parser.parse(text),
            Err(_) => parser.parse_lossy(line),
        };
        let record = match parsed {
            Ok(r) => r,
            Err(reason) => return state.reject_from(reason, sidx, line),
        };
        if record.ts_us > now_us.saturating_add(state.opts.max_future_skew_us) {
            return state.reject_from(Reason::Future, sidx, line);
        }
        state.accept(sidx, &record, line);
    }
}

impl State {
    fn stream_index(&mut self, name: &str, now_us: i64) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.streams.push(Stream {
            name: name.to_string(),
            pending: Vec::new(),
            overflow: false,
            overflow_blank: true,
            overflow_cr: false,
            max_ts_us: None,
            last_data_us: now_us,
        });
        self.index.insert(name.to_string(), self.streams.len() - 1);
        self.streams.len() - 1
    }

    fn remove_stream(&mut self, sidx: usize) {
        let removed = self.streams.remove(sidx);
        self.index.remove(&removed.name);
        for i in self.index.values_mut() {
            if *i > sidx {
                *i -= 1;
            }
        }
    }

    /// The pending bytes of a stream cut off mid-line (see `Shard::cut_stream`); blank ones are skipped as any blank line.
    fn reject_cut_line(&mut self, sidx: usize) {
        let stream = &mut self.streams[sidx];
        let line = std::mem::take(&mut stream.pending);
        let overflow = std::mem::replace(&mut stream.overflow, false);
        let head = line.strip_suffix(b"\r").unwrap_or(&line);
        let reason = if overflow {
            if stream.overflow_blank {
                return;
            }
            Reason::TooLong
        } else if is_blank(head) {
            return;
        } else if head.len() > self.opts.max_line_bytes {
            Reason::TooLong
        } else {
            Reason::Malformed
        };
        self.out.counters.lines += 1;
        self.reject_from(reason, sidx, head);
    }

    fn append_pending(&mut self, sidx: usize, bytes: &[u8]) {
        let max = self.opts.max_line_bytes;
        let stream = &mut self.streams[sidx];
        if stream.overflow {
            stream.scan_blank(bytes);
            let room = OVERFLOW_KEEP_BYTES.saturating_sub(stream.pending.len());
            stream.pending.extend_from_slice(&bytes[..bytes.len().min(room)]);
            return;
        }
        stream.pending.extend_from_slice(bytes);
        // One byte of slack: a trailing `\r` is not part of the line.
        if stream.pending.len() > max + 1 {
            stream.overflow = true;
            stream.overflow_blank = true;
            stream.overflow_cr = false;
            let head = std::mem::take(&mut stream.pending);
            stream.scan_blank(&head);
            stream.pending = head;
            stream.pending.truncate(OVERFLOW_KEEP_BYTES);
            stream.pending.shrink_to(OVERFLOW_KEEP_BYTES);
        }
    }

    /// Fixes the call's watermark inputs and closes what is already due (API.md: start of every call).
    fn begin_call(&mut self, now_us: i64, current: Option<usize>) {
        let idle_after = self.opts.idle_timeout_us;
        let delay = self.opts.watermark_us;
        let mut clock = CallClock { current, ..CallClock::default() };
        for (i, s) in self.streams.iter().enumerate() {
            let idle = now_us.saturating_sub(s.last_data_us) >= idle_after;
            if Some(i) == current {
                clock.current_idle = idle;
                continue;
            }
            let wm = s.max_ts_us.map(|m| m - delay);
            if idle {
                clock.idle_max = max_opt(clock.idle_max, wm);
            } else {
                clock.others_min = min_opt(clock.others_min, wm);
            }
        }
        self.clock = clock;
        self.advance();
    }

    fn own_watermark(&self) -> Option<i64> {
        let c = &self.clock;
        let current = c.current.and_then(|i| self.streams.get(i)).and_then(|s| s.max_ts_us).map(|m| m - self.opts.watermark_us);
        let (active_min, idle_max) =
            if c.current_idle { (c.others_min, max_opt(c.idle_max, current)) } else { (min_opt(c.others_min, current), c.idle_max) };
        active_min.or(idle_max)
    }

    /// Recomputes the effective watermark and closes every window it passed.
    fn advance(&mut self) {
        let Some(effective) = min_opt(self.own_watermark(), self.peer) else { return };
        if self.closed_through.is_some_and(|c| c >= effective) {
            return;
        }
        self.closed_through = Some(effective);
        let due = self.windows.iter().take_while(|w| w.end_us <= effective).count();
        if due > 0 {
            self.out.closed.extend(self.windows.drain(..due).map(WindowAgg::into_partial));
        }
    }

    #[inline]
    fn accept(&mut self, sidx: usize, rec: &Record<'_>, line: &[u8]) {
        self.accept_hashed(sidx, rec, line, hash_bytes(rec.ip_key.as_bytes()));
    }

    /// `accept` with the IP's hash already computed (the parallel parse does it off the fold).
    #[inline]
    fn accept_hashed(&mut self, sidx: usize, rec: &Record<'_>, line: &[u8], ip_hash: u64) {
        let w = self.opts.window_us;
        let start = rec.ts_us.div_euclid(w) * w;
        let end = start + w;
        let is_error = rec.status >= self.opts.error_status_min;
        let late = self.closed_through.is_some_and(|c| end <= c);
        if let Some(archive) = &mut self.archive {
            archive.push(rec, late, &self.streams[sidx].name);
            self.out.counters.archived += 1;
        }
        if late {
            self.out.counters.late += 1;
            self.reject_from(Reason::Late, sidx, line);
            if is_error {
                self.write_error(rec, line);
            }
        } else {
            let window = self.window_mut(start, end);
            let count = window.add(ip_hash, rec.ip_key, &rec.url, is_error.then_some(rec.status));
            self.out.counters.records += 1;
            if self.touched.last() != Some(&start) {
                self.touched.push(start);
            }
            if is_error {
                self.write_error(rec, line);
                self.count_status(start, rec.status, count);
            }
        }
        let stream = &mut self.streams[sidx];
        if stream.max_ts_us.is_none_or(|m| rec.ts_us > m) {
            stream.max_ts_us = Some(rec.ts_us);
            self.advance();
        }
    }

    #[inline]
    fn window_mut(&mut self, start: i64, end: i64) -> &mut WindowAgg {
        let mut i = self.windows.len();
        while i > 0 && self.windows[i - 1].start_us > start {
            i -= 1;
        }
        if i == 0 || self.windows[i - 1].start_us != start {
            self.windows.insert(i, WindowAgg::new(start, end, self.opts.group_tracking));
            i += 1;
        }
        &mut self.windows[i - 1]
    }

    fn count_status(&mut self, start: i64, status: u16, count: u64) {
        let touched = &mut self.out.status_counts;
        match touched.iter_mut().rev().find(|t| t.window_start_us == start && t.status == status) {
            Some(t) => t.count = count,
            None => touched.push(StatusCount { window_start_us: start, status, count }),
        }
    }

    fn write_error(&mut self, rec: &Record<'_>, line: &[u8]) {
        self.out.counters.errors += 1;
        let out = &mut self.out.errors;
        let extras = match &rec.origin {
            Origin::Json(_) => {
                write_json_verbatim(out, line);
                return;
            }
            Origin::Csv => None,
            Origin::Clf(extras) => Some(extras),
        };
        out.extend_from_slice(b"{\"timestamp\":\"");
        write_iso_micros(rec.ts_us, out);
        out.extend_from_slice(b"\",\"ip\":");
        write_json_str(out, &rec.ip);
        out.extend_from_slice(b",\"method\":");
        write_json_str(out, &rec.method);
        out.extend_from_slice(b",\"url\":");
        write_json_str(out, &rec.url);
        out.extend_from_slice(b",\"status\":");
        write_u64(out, u64::from(rec.status));
        if let Some(x) = extras {
            if let Some(size) = x.size {
                out.extend_from_slice(b",\"size\":");
                write_u64(out, size);
            }
            if let Some(referer) = x.referer {
                out.extend_from_slice(b",\"referer\":");
                write_json_str(out, referer);
            }
            if let Some(ua) = x.user_agent {
                out.extend_from_slice(b",\"user_agent\":");
                write_json_str(out, ua);
            }
        }
        out.extend_from_slice(b"}\n");
    }

    fn reject_from(&mut self, reason: Reason, sidx: usize, line: &[u8]) {
        let name = std::mem::take(&mut self.streams[sidx].name);
        self.reject(reason, &name, line);
        self.streams[sidx].name = name;
    }

    fn reject(&mut self, reason: Reason, source: &str, line: &[u8]) {
        self.out.counters.reject(reason);
        let cut = &line[..line.len().min(REJECT_KEEP_BYTES)];
        let out = &mut self.out.rejected;
        out.extend_from_slice(b"{\"reason\":\"");
        out.extend_from_slice(reason.as_str().as_bytes());
        out.extend_from_slice(b"\",\"source\":");
        write_json_str(out, source);
        out.extend_from_slice(b",\"line\":");
        let text = String::from_utf8_lossy(cut);
        write_json_str(out, &text);
        if let std::borrow::Cow::Owned(_) = text {
            out.extend_from_slice(b",\"line_base64\":\"");
            write_base64(out, cut);
            out.push(b'"');
        }
        out.extend_from_slice(b"}\n");
    }

    fn finish(&mut self) -> ProcessOutput {
        let mut out = std::mem::take(&mut self.out);
        self.touched.sort_unstable();
        self.touched.dedup();
        for start in self.touched.drain(..) {
            if let Ok(i) = self.windows.binary_search_by_key(&start, |w| w.start_us) {
                let w = &self.windows[i];
                out.window_counts.push(WindowCount { window_start_us: start, window_end_us: w.end_us, requests: w.requests, errors: w.errors });
            }
        }
        out.watermark_us = self.own_watermark();
        out.closed_through_us = self.closed_through;
        out
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod parallel_tests;

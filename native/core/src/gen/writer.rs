//! The hot path of `logpulse gen`: whole lines written into the caller's buffer, draw for draw and byte for
//! byte as `src/gen/line-writer.ts` (the TypeScript writer stays as the oracle of this one, test/gen/). Constant
//! parts precomputed per method and per status, the timestamp's second-resolution prefix cached and only its
//! fraction rewritten.

use super::ascii::{split_us, write_bytes, write_fraction, write_ipv4, write_uint, SecondPrefix};
use super::bad_lines::{bad_kinds, bad_line, BadKind, BadRecord, BadStyle, TOO_LONG_BYTES};
use super::clock::EventClock;
use super::options::{ClfVariant, GenFormat, GenOptions};
use super::profile::{StatusIndex, TrafficProfile, STATUSES};
use super::rng::{threshold, Rng};
use super::segments::Segments;
use crate::options::OptionError;

/// Room a buffer must have past `fill`'s limit: the longest line the writer makes (a too_long line; records are
/// a few hundred bytes at most, methods being <= 32 bytes and URL numbers <= 10 digits). As line-writer.ts.
pub const LINE_HEADROOM: usize = TOO_LONG_BYTES + 4096;

/// What the writer made, by kind: lines = records + late + every bad line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenStats {
    pub lines: u64,
    pub bytes: u64,
    /// Valid records that are not late: what the daemon aggregates.
    pub records: u64,
    /// Valid records `late_by_seconds` behind the newest record written.
    pub late: u64,
    /// Bad lines per kind, in the order of `BAD_KINDS`.
    pub bad: [u64; 7],
}

pub struct LineWriter {
    rng: Rng,
    profile: TrafficProfile,
    format: GenFormat,
    clf_variant: ClfVariant,
    compact: bool,
    methods: Vec<Vec<u8>>,
    seg: Segments,
    prefix: SecondPrefix,
    malformed: u64,
    late: u64,
    late_by_us: i64,
    bad_kinds: &'static [BadKind],
    /// Number of the next line (what the event clock is asked about).
    line: u64,
    /// Event time of the newest valid record written; -1 before the first (nothing can be late yet).
    max_valid_us: i64,
    stats: GenStats,
    last_lines: u64,
    /// Where a bad line is built before it is copied into the buffer.
    scratch: Vec<u8>,
}

impl LineWriter {
    pub fn new(o: &GenOptions) -> Result<LineWriter, OptionError> {
        o.validate()?;
        let mut rng = Rng::new(o.seed);
        let profile = TrafficProfile::new(o, &mut rng);
        Ok(LineWriter {
            rng,
            profile,
            format: o.format,
            clf_variant: o.clf_variant,
            compact: o.compact,
            methods: o.methods.iter().map(|m| m.as_bytes().to_vec()).collect(),
            seg: Segments::new(o),
            prefix: SecondPrefix::default(),
            malformed: if o.malformed_fraction > 0.0 { threshold(o.malformed_fraction) } else { 0 },
            // Drawn only for lines that are not bad: scaled so late lines are `late_fraction` of all lines.
            late: if o.late_fraction > 0.0 { threshold(o.late_fraction / (1.0 - o.malformed_fraction)) } else { 0 },
            late_by_us: (o.late_by_seconds * 1_000_000.0).round() as i64,
            bad_kinds: bad_kinds(o.format),
            line: 0,
            max_valid_us: -1,
            stats: GenStats::default(),
            last_lines: 0,
            scratch: Vec::new(),
        })
    }

    /// Lines made so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// Lines the last `fill` made.
    pub fn last_lines(&self) -> u64 {
        self.last_lines
    }

    pub fn stats(&self) -> &GenStats {
        &self.stats
    }

    /// Writes up to `max_lines` whole lines into `buf` from offset 0, starting no line at or past `limit`, and
    /// returns the bytes written (`last_lines` says how many lines). A buffer shorter than
    /// `limit + LINE_HEADROOM` lowers the limit to fit.
    pub fn fill<C: EventClock>(&mut self, buf: &mut [u8], max_lines: u64, clock: &mut C, limit: usize) -> usize {
        let limit = limit.min(buf.len().saturating_sub(LINE_HEADROOM));
        let mut pos = 0;
        let mut made = 0u64;
        while made < max_lines && pos < limit {
            let us = clock.at(self.line, made as usize);
            self.line += 1;
            made += 1;
            if self.malformed != 0 && u64::from(self.rng.next_u32()) < self.malformed {
                pos = self.bad_line(buf, pos, us);
            } else if self.late != 0 && u64::from(self.rng.next_u32()) < self.late && self.max_valid_us >= 0 {
                // Math.max(0, maxValidUs - lateByUs) in f64, as JS subtracts.
                let late_us = (self.max_valid_us as f64 - self.late_by_us as f64).max(0.0) as i64;
                pos = self.record(buf, pos, late_us);
                self.stats.late += 1;
            } else {
                pos = self.record(buf, pos, us);
                self.max_valid_us = self.max_valid_us.max(us);
                self.stats.records += 1;
            }
        }
        self.last_lines = made;
        self.stats.lines += made;
        self.stats.bytes += pos as u64;
        pos
    }

    #[inline(always)]
    fn record(&mut self, buf: &mut [u8], pos: usize, us: i64) -> usize {
        let rng = &mut self.rng;
        let ip = self.profile.next_ip(rng);
        let m = if self.methods.len() == 1 { 0 } else { rng.below(self.methods.len() as u32) as usize };
        let url = self.profile.next_url(rng);
        let status = self.profile.next_status(rng, url);
        let (second, micros) = split_us(us);
        if self.prefix.second != Some(second) {
            self.prefix.set(second);
        }
        if self.format == GenFormat::Clf {
            return self.clf(buf, pos, ip, m, url, status);
        }
        let seg = &self.seg;
        let mut pos = seg.head.write(buf, pos);
        pos = write_bytes(buf, pos, &self.prefix.iso);
        pos = write_fraction(buf, pos, micros);
        pos = seg.after_time.write(buf, pos);
        pos = write_ipv4(buf, pos, ip);
        pos = seg.method[m].write(buf, pos);
        pos = write_uint(buf, pos, url);
        seg.status[status].write(buf, pos)
    }

    /// `IP - - [dd/Mon/yyyy:HH:MM:SS +0000] "METHOD /resource/N HTTP/1.1" STATUS SIZE` (size `-` for errors).
    #[inline(always)]
    fn clf(&mut self, buf: &mut [u8], pos: usize, ip: u32, m: usize, url: u64, status: StatusIndex) -> usize {
        let single = match self.clf_variant {
            ClfVariant::Single => true,
            ClfVariant::Mixed => self.rng.next_u32() & 1 == 1,
            ClfVariant::Common => false,
        };
        let seg = &self.seg;
        let mut pos = write_ipv4(buf, pos, ip);
        pos = if single { seg.clf_single.write(buf, pos) } else { seg.after_time.write(buf, pos) };
        pos = write_bytes(buf, pos, &self.prefix.clf);
        pos = seg.clf_after_time.write(buf, pos);
        pos = seg.method[m].write(buf, pos);
        pos = write_uint(buf, pos, url);
        pos = seg.status[status].write(buf, pos);
        if status == 0 {
            pos = write_uint(buf, pos, 200 + u64::from(self.rng.below(4800)));
        } else {
            buf[pos] = b'-';
            pos += 1;
        }
        buf[pos] = b'\n';
        pos + 1
    }

    #[cold]
    fn bad_line(&mut self, buf: &mut [u8], pos: usize, us: i64) -> usize {
        let rng = &mut self.rng;
        let kind = self.bad_kinds[rng.below(self.bad_kinds.len() as u32) as usize];
        let ip = self.profile.next_ip(rng);
        let url = self.profile.next_url(rng);
        let status = STATUSES[self.profile.next_status(rng, url)];
        let method = &self.methods[rng.below(self.methods.len() as u32) as usize];
        let size = if status == 200 { Some(200 + rng.below(4800)) } else { None };
        let style = BadStyle { format: self.format, compact: self.compact, single: self.clf_variant == ClfVariant::Single };
        bad_line(kind, &BadRecord { us, ip, method, url, status, size }, &style, &mut self.scratch);
        self.stats.bad[kind as usize] += 1;
        let pos = write_bytes(buf, pos, &self.scratch);
        buf[pos] = b'\n';
        pos + 1
    }
}

//! The native Parquet archive (API.md "Archive"): every valid record a shard accepts, late ones flagged,
//! is written into hour partitions by event time, `<dir>/date=YYYY-MM-DD/hour=HH/`. Rows stream from column
//! builders (one record batch per `BATCH_ROWS`) into a Parquet encoder per partition that compresses them in
//! memory (about 8.5 MB per million seed-shaped rows); `cut` seals each partition's file and writes it as a
//! hidden temp file, fsyncs it and publishes it under its final name.
//!
//! Failure model: nothing is dropped. No disk is touched between cuts, so only a cut can fail (create, write,
//! fsync, rename). A failed cut leaves nothing of itself visible and keeps every partition's sealed file in
//! memory; rows that arrive meanwhile are encoded into a new file. The next `cut` (the caller's retry) writes
//! the kept file — merged with the rows encoded since, if any, so that a cut still writes one file per
//! partition — and publishes it: every row once.

mod columns;
mod compact;
mod writer;

use std::path::{Path, PathBuf};

use crate::record::Record;
use crate::timestamp::civil_from_days;

pub use columns::{schema, BATCH_ROWS};
pub use compact::{compact, PARTS_KEY};
pub use writer::MAX_ROW_GROUP_ROWS;

use columns::Columns;
use writer::PartEncoder;

const HOUR_US: i64 = 3_600_000_000;

/// Where and under which names a shard archives. `run` and `shard` make file names unique across shards
/// and daemon runs writing the same `dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveOptions {
    pub dir: PathBuf,
    /// `[A-Za-z0-9_-]{1,40}`.
    pub run: String,
    /// 0..=32767 (the `shard` column is an Int16).
    pub shard: u16,
}

impl ArchiveOptions {
    /// `Err((option, message))`, the option named as users write it.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.dir.as_os_str().is_empty() {
            return Err(("archive.dir", "must not be empty"));
        }
        let run_ok = (1..=40).contains(&self.run.len()) && self.run.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !run_ok {
            return Err(("archive.run", "must be 1 to 40 characters of A-Z a-z 0-9 _ -"));
        }
        if self.shard > i16::MAX as u16 {
            return Err(("archive.shard", "must be between 0 and 32767"));
        }
        Ok(())
    }
}

/// One file a cut published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveFile {
    /// Relative to the archive dir, `/`-separated: `date=2025-06-09/hour=09/part-<run>-<shard>-<seq>.parquet`.
    pub path: String,
    pub rows: u64,
    /// Start of the file's event-time hour, microseconds since the epoch (UTC).
    pub hour_start_us: i64,
}

/// `date=YYYY-MM-DD/hour=HH` of an hour index (hours since the epoch, floor), and the compact key
/// `YYYYMMDDHH` used in temp names.
pub fn partition_of(hour: i64) -> (String, String) {
    let (y, m, d) = civil_from_days(hour.div_euclid(24));
    let h = hour.rem_euclid(24);
    (format!("date={y:04}-{m:02}-{d:02}/hour={h:02}"), format!("{y:04}{m:02}{d:02}{h:02}"))
}

struct Partition {
    hour: i64,
    /// Relative dir, `date=…/hour=…`.
    rel_dir: String,
    /// Compact key of the hour, `YYYYMMDDHH` (its temp file's name).
    key: String,
    cols: Columns,
    /// Rows since the last successful cut: in `sealed`, `encoder` and `cols`.
    rows: u64,
    /// The file being encoded from the batches since the last cut attempt (started at the first one).
    encoder: Option<PartEncoder>,
    /// Rows handed to `encoder`.
    encoded: u64,
    /// The complete file a failed cut could not write, kept for the next cut.
    sealed: Option<Vec<u8>>,
}

pub struct Archive {
    opts: ArchiveOptions,
    parts: Vec<Partition>,
    /// Index of the partition the last row went to: consecutive records are nearly always in one hour.
    last: usize,
    /// Rows an encoder lost (cannot happen short of a bug in the writer: it encodes into memory), for the next cut
    /// to report once: the only rows this archive can lose.
    broken: Option<String>,
}

impl Archive {
    pub fn new(opts: ArchiveOptions) -> Archive {
        Archive { opts, parts: Vec::new(), last: 0, broken: None }
    }

    pub fn options(&self) -> &ArchiveOptions {
        &self.opts
    }

    /// Rows since the last successful cut, every partition (what the next cut writes).
    pub fn pending_rows(&self) -> u64 {
        self.parts.iter().map(|p| p.rows).sum()
    }

    /// Archives one valid record. Never fails, never touches the disk.
    #[inline]
    pub fn push(&mut self, rec: &Record<'_>, late: bool, stream: &str) {
        let hour = rec.ts_us.div_euclid(HOUR_US);
        let i = match self.parts.get(self.last) {
            Some(p) if p.hour == hour => self.last,
            _ => self.partition(hour),
        };
        self.last = i;
        let p = &mut self.parts[i];
        p.cols.push(rec, late, stream, self.opts.shard as i16);
        p.rows += 1;
        if p.cols.len() >= BATCH_ROWS {
            if let Err(e) = encode_batch(p) {
                self.broken.get_or_insert(e);
            }
        }
    }

    fn partition(&mut self, hour: i64) -> usize {
        if let Some(i) = self.parts.iter().position(|p| p.hour == hour) {
            return i;
        }
        let (rel_dir, key) = partition_of(hour);
        self.parts.push(Partition { hour, rel_dir, key, cols: Columns::new(), rows: 0, encoder: None, encoded: 0, sealed: None });
        self.parts.len() - 1
    }

    /// Writes every partition with rows since the last successful cut as a hidden temp file, fsyncs it and
    /// publishes it as `date=…/hour=…/part-<run>-<shard>-<seq:010>.parquet`, in hour order. On error nothing of
    /// this cut stays visible (its temps and any file it already renamed are deleted) and every row is kept:
    /// the next cut writes them.
    pub fn cut(&mut self, seq: u64) -> Result<Vec<ArchiveFile>, String> {
        if let Some(e) = self.broken.take() {
            return Err(e);
        }
        self.parts.sort_by_key(|p| p.hour);
        self.last = 0;
        for p in &mut self.parts {
            seal(p)?;
        }
        match self.write_cut(seq) {
            Ok(files) => {
                // Published: the kept files are not needed any more.
                self.parts.clear();
                Ok(files)
            }
            Err(e) => {
                let rows = self.pending_rows();
                Err(format!("{e} (the cut wrote nothing; its {rows} rows are kept for the next cut)"))
            }
        }
    }

    fn temp_path(&self, p: &Partition) -> PathBuf {
        let name = format!(".inprogress-{}-{}-{}.parquet.part", self.opts.run, self.opts.shard, p.key);
        self.opts.dir.join(&p.rel_dir).join(name)
    }

    /// The cut's three phases, from the sealed files. On error nothing of this cut is visible.
    fn write_cut(&self, seq: u64) -> Result<Vec<ArchiveFile>, String> {
        let name = format!("part-{}-{}-{seq:010}.parquet", self.opts.run, self.opts.shard);
        // Phase 1: every file complete and durable under its temp name.
        let mut written: Vec<(PathBuf, ArchiveFile)> = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            let Some(bytes) = p.sealed.as_deref() else { continue };
            let temp = self.temp_path(p);
            if let Err(e) = writer::write_file(&temp, bytes) {
                written.iter().for_each(|(t, _)| writer::remove_quietly(t));
                return Err(e);
            }
            written.push((temp, ArchiveFile { path: format!("{}/{name}", p.rel_dir), rows: p.rows, hour_start_us: p.hour * HOUR_US }));
        }
        // Phase 2: publish. A rename failing midway takes back the ones already made.
        let mut published: Vec<PathBuf> = Vec::with_capacity(written.len());
        for (i, (temp, file)) in written.iter().enumerate() {
            let dest = self.opts.dir.join(&file.path);
            if let Err(e) = writer::publish(temp, &dest) {
                published.iter().for_each(|p| writer::remove_quietly(p));
                written[i..].iter().for_each(|(t, _)| writer::remove_quietly(t));
                return Err(e);
            }
            published.push(dest);
        }
        // New date= and hour= directories must be durable entries of their parents too.
        let mut dirs: Vec<PathBuf> = Vec::new();
        for f in &written {
            if let Some((date, _)) = f.1.path.split_once('/') {
                dirs.push(self.opts.dir.join(date));
            }
        }
        dirs.sort();
        dirs.dedup();
        dirs.push(self.opts.dir.clone());
        if let Err(e) = dirs.iter().try_for_each(|d| writer::fsync_dir(d)) {
            published.iter().for_each(|p| writer::remove_quietly(p));
            return Err(e);
        }
        Ok(written.into_iter().map(|(_, f)| f).collect())
    }

    /// Forgets every row since the last cut (a shard stopped without a cut).
    pub fn discard(&mut self) {
        self.parts.clear();
        self.last = 0;
        self.broken = None;
    }

    pub fn dir(&self) -> &Path {
        &self.opts.dir
    }
}

/// A partition's collected rows become one batch for its encoder (started at the first). Err: rows were lost
/// (the encoder failed: a bug, not the disk); the partition then counts only the rows it still has.
fn encode_batch(p: &mut Partition) -> Result<(), String> {
    let encoder = match p.encoder.as_mut() {
        Some(e) => e,
        // Not started (no thread to be had, say): the rows stay in the builders, the next batch tries again.
        None => p.encoder.insert(PartEncoder::start(&p.rel_dir)?),
    };
    let n = p.cols.len() as u64;
    let written = p.cols.finish().map_err(|e| e.to_string()).and_then(|batch| encoder.write(&batch));
    match written {
        Ok(()) => {
            p.encoded += n;
            Ok(())
        }
        Err(e) => {
            let lost = p.encoded + n;
            p.rows -= lost;
            p.encoded = 0;
            p.encoder = None;
            Err(format!("cannot encode the archive rows of {} ({lost} rows lost): {e}", p.rel_dir))
        }
    }
}

/// Completes the partition's file in memory: its last rows encoded, the encoder sealed, and merged with the
/// file a failed cut kept, if any. Err: rows were lost (see `encode_batch`).
fn seal(p: &mut Partition) -> Result<(), String> {
    if !p.cols.is_empty() {
        encode_batch(p)?;
    }
    let Some(encoder) = p.encoder.take() else { return Ok(()) };
    let encoded = std::mem::take(&mut p.encoded);
    let lost = |p: &mut Partition, e: String| {
        p.rows -= encoded;
        format!("cannot encode the archive rows of {} ({encoded} rows lost): {e}", p.rel_dir)
    };
    let bytes = match encoder.seal() {
        Ok(b) => b,
        Err(e) => return Err(lost(p, e)),
    };
    p.sealed = Some(match p.sealed.take() {
        None => bytes,
        Some(kept) => match writer::merge(kept.clone(), bytes, &p.rel_dir) {
            Ok(merged) => merged,
            Err(e) => {
                p.sealed = Some(kept);
                return Err(lost(p, e));
            }
        },
    });
    Ok(())
}

#[cfg(test)]
mod tests;

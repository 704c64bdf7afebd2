//! The native Parquet archive (API.md "Archive"): every valid record a shard accepts, late ones flagged,
//! is written into hour partitions by event time, `<dir>/date=YYYY-MM-DD/hour=HH/`. Rows stream from column
//! builders (one record batch per `BATCH_ROWS`) into a Parquet writer on a hidden temp file per partition;
//! `cut` seals and publishes every partition with rows under its final name.
//!
//! Failure model: the first I/O error voids every row since the previous cut (all partitions, so that the
//! caller can replay from its last committed offset without duplicating rows), later rows are dropped and
//! counted until the next `cut`, which returns the error once and starts clean. No half file stays visible.

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
use writer::PartFile;

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
    cols: Columns,
    /// Rows since the last cut: in `cols` plus already written to `file`.
    rows: u64,
    file: PartFile,
}

pub struct Archive {
    opts: ArchiveOptions,
    parts: Vec<Partition>,
    /// Index of the partition the last row went to: consecutive records are nearly always in one hour.
    last: usize,
    /// The first error since the last cut; while set, rows are dropped.
    failure: Option<String>,
    /// Rows pushed since the last cut, voided ones included.
    pushed: u64,
    /// Rows voided and not yet reported through `take_lost`.
    lost: u64,
}

impl Archive {
    pub fn new(opts: ArchiveOptions) -> Archive {
        Archive { opts, parts: Vec::new(), last: 0, failure: None, pushed: 0, lost: 0 }
    }

    pub fn options(&self) -> &ArchiveOptions {
        &self.opts
    }

    /// The first error since the last cut, if any (it is also what the next `cut` returns).
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Rows voided by a failure since the previous call (for the per-call `archive_lost` counter).
    pub fn take_lost(&mut self) -> u64 {
        std::mem::take(&mut self.lost)
    }

    /// Archives one valid record. Never fails: an I/O error is kept for `cut`.
    #[inline]
    pub fn push(&mut self, rec: &Record<'_>, late: bool, stream: &str) {
        self.pushed += 1;
        if self.failure.is_some() {
            self.lost += 1;
            return;
        }
        let hour = rec.ts_us.div_euclid(HOUR_US);
        let i = match self.parts.get(self.last) {
            Some(p) if p.hour == hour => self.last,
            _ => match self.partition(hour) {
                Ok(i) => i,
                Err(e) => return self.fail(e),
            },
        };
        self.last = i;
        let p = &mut self.parts[i];
        p.cols.push(rec, late, stream, self.opts.shard as i16);
        p.rows += 1;
        if p.cols.len() >= BATCH_ROWS {
            if let Err(e) = write_batch(p) {
                self.fail(e);
            }
        }
    }

    fn partition(&mut self, hour: i64) -> Result<usize, String> {
        if let Some(i) = self.parts.iter().position(|p| p.hour == hour) {
            return Ok(i);
        }
        let (rel_dir, key) = partition_of(hour);
        let name = format!(".inprogress-{}-{}-{key}.parquet.part", self.opts.run, self.opts.shard);
        let file = PartFile::create(self.opts.dir.join(&rel_dir).join(name))?;
        self.parts.push(Partition { hour, rel_dir, cols: Columns::new(), rows: 0, file });
        Ok(self.parts.len() - 1)
    }

    /// Voids every row since the last cut and deletes every temp file.
    fn fail(&mut self, message: String) {
        // A failure is recorded once per cut, so none of these rows was voided before.
        self.lost += self.pushed;
        self.failure = Some(message);
        self.drop_partitions();
    }

    fn drop_partitions(&mut self) {
        for p in self.parts.drain(..) {
            p.file.abandon();
        }
        self.last = 0;
    }

    /// Seals and publishes every partition with rows since the last cut as
    /// `date=…/hour=…/part-<run>-<shard>-<seq:010>.parquet`, in hour order; a partition without rows gets no
    /// file. On error nothing of this cut stays visible (its temps and any file it already renamed are
    /// deleted), the rows since the previous cut are gone (the caller replays them), and the archive starts
    /// clean. Either way the next record opens a fresh temp file.
    pub fn cut(&mut self, seq: u64) -> Result<Vec<ArchiveFile>, String> {
        let pushed = std::mem::take(&mut self.pushed);
        if let Some(e) = self.failure.take() {
            self.drop_partitions();
            return Err(format!("{e} (the {pushed} rows archived since the previous cut are lost)"));
        }
        let mut parts = std::mem::take(&mut self.parts);
        self.last = 0;
        parts.sort_by_key(|p| p.hour);
        let name = format!("part-{}-{}-{seq:010}.parquet", self.opts.run, self.opts.shard);
        // Phase 1: every file complete and durable under its temp name.
        let mut sealed: Vec<(PathBuf, ArchiveFile)> = Vec::with_capacity(parts.len());
        let mut failure = None;
        let mut rest = parts.into_iter();
        for mut p in rest.by_ref() {
            let done = if !p.cols.is_empty() { write_batch(&mut p) } else { Ok(()) };
            match done.and_then(|_| p.file.seal()) {
                Ok(temp) => sealed.push((temp, ArchiveFile { path: format!("{}/{name}", p.rel_dir), rows: p.rows, hour_start_us: p.hour * HOUR_US })),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failure {
            rest.for_each(|p| p.file.abandon());
            sealed.iter().for_each(|(temp, _)| writer::remove_quietly(temp));
            return Err(format!("{e} (the cut wrote nothing; the {pushed} rows archived since the previous cut are lost)"));
        }
        // Phase 2: publish. A rename failing midway takes back the ones already made.
        let mut published: Vec<PathBuf> = Vec::with_capacity(sealed.len());
        for (i, (temp, file)) in sealed.iter().enumerate() {
            let dest = self.opts.dir.join(&file.path);
            if let Err(e) = writer::publish(temp, &dest) {
                published.iter().for_each(|p| writer::remove_quietly(p));
                sealed[i..].iter().for_each(|(t, _)| writer::remove_quietly(t));
                return Err(format!("{e} (the cut wrote nothing; the {pushed} rows archived since the previous cut are lost)"));
            }
            published.push(dest);
        }
        // New date= and hour= directories must be durable entries of their parents too.
        let mut dirs: Vec<PathBuf> = Vec::new();
        for f in &sealed {
            if let Some((date, _)) = f.1.path.split_once('/') {
                dirs.push(self.opts.dir.join(date));
            }
        }
        dirs.sort();
        dirs.dedup();
        dirs.push(self.opts.dir.clone());
        if let Err(e) = dirs.iter().try_for_each(|d| writer::fsync_dir(d)) {
            published.iter().for_each(|p| writer::remove_quietly(p));
            return Err(format!("{e} (the cut wrote nothing; the {pushed} rows archived since the previous cut are lost)"));
        }
        Ok(sealed.into_iter().map(|(_, f)| f).collect())
    }

    /// Forgets every row since the last cut and deletes the temp files (a shard stopped without a cut).
    pub fn discard(&mut self) {
        self.drop_partitions();
        self.failure = None;
        self.pushed = 0;
    }

    pub fn dir(&self) -> &Path {
        &self.opts.dir
    }
}

impl Drop for Archive {
    /// Temp files are useless once their archive is gone: nothing could ever finish them.
    fn drop(&mut self) {
        self.drop_partitions();
    }
}

/// Hands a partition's collected rows to its writer as one batch.
fn write_batch(p: &mut Partition) -> Result<(), String> {
    let batch = p.cols.finish().map_err(|e| format!("cannot build a record batch for {}: {e}", p.file.path().display()))?;
    p.file.write(&batch)
}

#[cfg(test)]
mod tests;

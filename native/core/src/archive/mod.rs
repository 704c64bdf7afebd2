//! The native Parquet archive (API.md "Archive"): every valid record a shard accepts, late ones flagged,
//! is written into hour partitions by event time, `<dir>/date=YYYY-MM-DD/hour=HH/`. Rows stream from column
//! builders (one record batch per `BATCH_ROWS`) into a Parquet writer on a hidden temp file per partition;
//! `cut` seals and publishes every partition with rows under its final name.
//!
//! Failure model: nothing is dropped. Every partition keeps the record batches of its rows since the last
//! successful cut (they share their Arc'd buffers with the writer: the cost is the rows themselves, one
//! `output.rotateEvery` of them). An I/O error — opening, writing, sealing or publishing — gives the temp file
//! up but keeps the batches; rows that arrive meanwhile are kept without touching the disk. A failed `cut`
//! returns the error, leaves nothing of itself visible and keeps every row; the next `cut` (the caller's retry)
//! writes fresh temp files from the kept batches, seals and publishes them: every row once.

mod columns;
mod compact;
mod writer;

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;

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
    /// Compact key of the hour, `YYYYMMDDHH` (its temp file's name).
    key: String,
    cols: Columns,
    /// Every batch since the last successful cut, in order (the rows in `cols` not yet among them): what a
    /// cut writes again after a failure.
    kept: Vec<RecordBatch>,
    /// Rows since the last successful cut: in `kept` plus in `cols`.
    rows: u64,
    /// The temp file the batches stream into while the disk takes writes. None once a write failed, or when
    /// the partition opened while the archive was failing: the cut writes a fresh one from `kept`.
    file: Option<PartFile>,
}

pub struct Archive {
    opts: ArchiveOptions,
    parts: Vec<Partition>,
    /// Index of the partition the last row went to: consecutive records are nearly always in one hour.
    last: usize,
    /// A write failed since the last successful cut: no new temp file is opened (new hours' rows are only
    /// kept) until a cut writes them — the disk is tried once per cut, not once per hour or batch.
    failing: bool,
    /// Rows that could not become a record batch (cannot happen: the builders are typed by the schema), for
    /// the next cut to report: the only rows this archive can lose.
    broken: Option<String>,
}

impl Archive {
    pub fn new(opts: ArchiveOptions) -> Archive {
        Archive { opts, parts: Vec::new(), last: 0, failing: false, broken: None }
    }

    pub fn options(&self) -> &ArchiveOptions {
        &self.opts
    }

    /// A write failed since the last successful cut (rows are kept; the next cut writes them).
    pub fn failing(&self) -> bool {
        self.failing
    }

    /// Rows since the last successful cut, every partition (what the next cut writes).
    pub fn pending_rows(&self) -> u64 {
        self.parts.iter().map(|p| p.rows).sum()
    }

    /// Archives one valid record. Never fails: an I/O error gives the temp file up, the row is kept.
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
            let (failed, broken) = keep_batch(p);
            self.failing |= failed;
            if broken.is_some() {
                self.broken = broken;
            }
        }
    }

    fn partition(&mut self, hour: i64) -> usize {
        if let Some(i) = self.parts.iter().position(|p| p.hour == hour) {
            return i;
        }
        let (rel_dir, key) = partition_of(hour);
        let mut p = Partition { hour, rel_dir, key, cols: Columns::new(), kept: Vec::new(), rows: 0, file: None };
        if !self.failing {
            match PartFile::create(self.temp_path(&p)) {
                Ok(f) => p.file = Some(f),
                Err(_) => self.failing = true, // the cut meets the same error again and reports it
            }
        }
        self.parts.push(p);
        self.parts.len() - 1
    }

    fn temp_path(&self, p: &Partition) -> PathBuf {
        let name = format!(".inprogress-{}-{}-{}.parquet.part", self.opts.run, self.opts.shard, p.key);
        self.opts.dir.join(&p.rel_dir).join(name)
    }

    fn drop_partitions(&mut self) {
        for p in self.parts.drain(..) {
            if let Some(f) = p.file {
                f.abandon();
            }
        }
        self.last = 0;
    }

    /// Seals and publishes every partition with rows since the last successful cut as
    /// `date=…/hour=…/part-<run>-<shard>-<seq:010>.parquet`, in hour order. A partition whose temp file was
    /// given up (a write failed) is written afresh from its kept batches first. On error nothing of this cut
    /// stays visible (its temps and any file it already renamed are deleted), every row is kept, and the
    /// archive stops touching the disk until the next cut, which tries again from the kept batches.
    pub fn cut(&mut self, seq: u64) -> Result<Vec<ArchiveFile>, String> {
        if let Some(e) = self.broken.take() {
            return Err(e);
        }
        for p in &mut self.parts {
            if !p.cols.is_empty() {
                let (failed, broken) = keep_batch(p);
                self.failing |= failed;
                if let Some(e) = broken {
                    return Err(e);
                }
            }
        }
        self.parts.sort_by_key(|p| p.hour);
        self.last = 0;
        match self.write_cut(seq) {
            Ok(files) => {
                // Published: the kept batches are not needed any more, and the next record opens a fresh temp.
                self.parts.clear();
                self.failing = false;
                Ok(files)
            }
            Err(e) => {
                self.failing = true;
                let rows = self.pending_rows();
                Err(format!("{e} (the cut wrote nothing; its {rows} rows are kept for the next cut)"))
            }
        }
    }

    /// The cut's three phases. On error every partition is left without a temp file (the next cut writes
    /// fresh ones) and nothing of this cut is visible.
    fn write_cut(&mut self, seq: u64) -> Result<Vec<ArchiveFile>, String> {
        let name = format!("part-{}-{}-{seq:010}.parquet", self.opts.run, self.opts.shard);
        // Phase 1: every file complete and durable under its temp name.
        let mut sealed: Vec<(PathBuf, ArchiveFile)> = Vec::with_capacity(self.parts.len());
        let mut failure = None;
        for i in 0..self.parts.len() {
            let file = match self.parts[i].file.take() {
                Some(f) => Ok(f),
                None => self.rewrite(&self.parts[i]),
            };
            let p = &self.parts[i];
            match file.and_then(PartFile::seal) {
                Ok(temp) => sealed.push((temp, ArchiveFile { path: format!("{}/{name}", p.rel_dir), rows: p.rows, hour_start_us: p.hour * HOUR_US })),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failure {
            self.parts.iter_mut().filter_map(|p| p.file.take()).for_each(PartFile::abandon);
            sealed.iter().for_each(|(temp, _)| writer::remove_quietly(temp));
            return Err(e);
        }
        // Phase 2: publish. A rename failing midway takes back the ones already made.
        let mut published: Vec<PathBuf> = Vec::with_capacity(sealed.len());
        for (i, (temp, file)) in sealed.iter().enumerate() {
            let dest = self.opts.dir.join(&file.path);
            if let Err(e) = writer::publish(temp, &dest) {
                published.iter().for_each(|p| writer::remove_quietly(p));
                sealed[i..].iter().for_each(|(t, _)| writer::remove_quietly(t));
                return Err(e);
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
            return Err(e);
        }
        Ok(sealed.into_iter().map(|(_, f)| f).collect())
    }

    /// A fresh temp file holding every kept batch of `p` (the one it had was given up). On error the file
    /// is gone again (a dropped `PartFile` deletes itself).
    fn rewrite(&self, p: &Partition) -> Result<PartFile, String> {
        let mut file = PartFile::create(self.temp_path(p))?;
        for batch in &p.kept {
            file.write(batch)?;
        }
        Ok(file)
    }

    /// Forgets every row since the last cut and deletes the temp files (a shard stopped without a cut).
    pub fn discard(&mut self) {
        self.drop_partitions();
        self.failing = false;
        self.broken = None;
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

/// A partition's collected rows become one kept batch, handed to its temp file while it has one. Returns
/// (the file failed and was given up, the rows could not become a batch: the error).
fn keep_batch(p: &mut Partition) -> (bool, Option<String>) {
    let n = p.cols.len();
    let batch = match p.cols.finish() {
        Ok(b) => b,
        Err(e) => {
            p.rows -= n as u64;
            return (false, Some(format!("cannot build a record batch for {} ({n} rows lost): {e}", p.rel_dir)));
        }
    };
    let mut failed = false;
    if let Some(f) = p.file.as_mut() {
        if f.write(&batch).is_err() {
            // The cut writes a fresh file from the kept batches, and meets the error again if it lasts.
            if let Some(f) = p.file.take() {
                f.abandon();
            }
            failed = true;
        }
    }
    p.kept.push(batch);
    (failed, None)
}

#[cfg(test)]
mod tests;

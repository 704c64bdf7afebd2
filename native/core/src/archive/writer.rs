//! One Parquet file being encoded, in memory, on a thread of its own (see `PartEncoder`), and the file system
//! calls a cut makes with the sealed bytes: a hidden temp file written and fsynced, published by a rename.
//! Every I/O failure comes back as a message naming the path and the OS error.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

use arrow_array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::schema::types::ColumnPath;
use parquet::file::properties::WriterProperties;

/// Rows per row group, for cut files and compacted files alike.
pub const MAX_ROW_GROUP_ROWS: usize = 1_048_576;

pub(crate) fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_dictionary_enabled(true)
        .set_max_row_group_row_count(Some(MAX_ROW_GROUP_ROWS))
        .set_column_dictionary_enabled(ColumnPath::from("timestamp"), false)
        .set_column_encoding(ColumnPath::from("timestamp"), Encoding::DELTA_BINARY_PACKED)
        .build()
}

pub(crate) fn io_error(action: &str, path: &Path, err: impl std::fmt::Display) -> String {
    format!("cannot {action} {}: {err}", path.display())
}

/// Makes a rename or a new entry in `dir` durable.
pub(crate) fn fsync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_error("fsync directory", dir, e))
}

/// Best effort: the caller is already reporting a failure, or the file may never have been created.
pub(crate) fn remove_quietly(path: &Path) {
    let _ = fs::remove_file(path);
}

enum Job {
    Batch(RecordBatch),
    Seal,
}

/// Batches queued to an encoder before `write` waits: bounds what a busy encoder lets pile up.
const QUEUE_BATCHES: usize = 4;

/// Encodes and compresses the batches it receives, in order, until told to seal: then the whole file's bytes.
/// Ok(None): the handle went away without a word (nothing wants this file any more).
fn encode(mut writer: ArrowWriter<Vec<u8>>, jobs: Receiver<Job>) -> Result<Option<Vec<u8>>, String> {
    loop {
        match jobs.recv() {
            Ok(Job::Batch(batch)) => writer.write(&batch).map_err(|e| e.to_string())?,
            Ok(Job::Seal) => return writer.into_inner().map(Some).map_err(|e| e.to_string()),
            Err(_) => return Ok(None),
        }
    }
}

/// One partition's Parquet file being encoded into memory between two cuts. Encoding and compression (most of the
/// archive's cost) run on a thread of the file's own, so the shard's thread only builds record batches: with one
/// busy stream, the idle core does the Parquet work. Memory: the compressed file so far (about 8.5 MB per million
/// seed-shaped rows) and the row group in progress. No disk is touched before the cut: a full disk costs no row.
pub(crate) struct PartEncoder {
    jobs: SyncSender<Job>,
    encoder: Option<JoinHandle<Result<Option<Vec<u8>>, String>>>,
}

impl PartEncoder {
    /// Starts a Parquet file with the archive schema. `what` names it in errors.
    pub(crate) fn start(what: &str) -> Result<PartEncoder, String> {
        let writer = ArrowWriter::try_new(Vec::new(), super::columns::schema(), Some(writer_properties())).map_err(|e| format!("cannot encode {what}: {e}"))?;
        let (jobs, queue) = sync_channel(QUEUE_BATCHES);
        let handle = thread::Builder::new().name("lp-archive".into()).spawn(move || encode(writer, queue)).map_err(|e| format!("cannot start an encoder thread for {what}: {e}"))?;
        Ok(PartEncoder { jobs, encoder: Some(handle) })
    }

    /// Queues a batch (waits while `QUEUE_BATCHES` are queued). Err: the encoder failed (its rows are gone).
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        if self.jobs.send(Job::Batch(batch.clone())).is_ok() {
            return Ok(());
        }
        Err(self.finish().err().unwrap_or_else(|| "the encoder stopped".into()))
    }

    /// Waits for the encoder's end.
    fn finish(&mut self) -> Result<Option<Vec<u8>>, String> {
        match self.encoder.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err("the encoder thread panicked".into()),
            None => Err("the encoder had already ended".into()),
        }
    }

    /// Writes the footer: the complete file's bytes.
    pub(crate) fn seal(mut self) -> Result<Vec<u8>, String> {
        let _ = self.jobs.send(Job::Seal);
        match self.finish() {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err("the encoder was given up".into()),
            Err(e) => Err(e),
        }
    }
}

impl Drop for PartEncoder {
    /// Not sealed: the encoder ends on the closed queue.
    fn drop(&mut self) {
        if let Some(handle) = self.encoder.take() {
            let (closed, _) = sync_channel(0);
            drop(std::mem::replace(&mut self.jobs, closed));
            let _ = handle.join();
        }
    }
}

/// One file with the rows of `first` then those of `then` (both complete files of this schema): a failed cut's
/// file and the rows encoded after it, so that the next cut still writes one file per partition.
pub(crate) fn merge(first: Vec<u8>, then: Vec<u8>, what: &str) -> Result<Vec<u8>, String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot merge the kept rows of {what}: {e}");
    let mut writer = ArrowWriter::try_new(Vec::new(), super::columns::schema(), Some(writer_properties())).map_err(|e| err(&e))?;
    for bytes in [first, then] {
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes)).and_then(|b| b.with_batch_size(super::columns::BATCH_ROWS).build()).map_err(|e| err(&e))?;
        for batch in reader {
            // Same columns under the canonical schema (the reader's carries the file's metadata).
            let batch = batch.map_err(|e| err(&e)).and_then(|b| RecordBatch::try_new(super::columns::schema(), b.columns().to_vec()).map_err(|e| err(&e)))?;
            writer.write(&batch).map_err(|e| err(&e))?;
        }
    }
    writer.into_inner().map_err(|e| err(&e))
}

/// Writes a sealed file's bytes to `path` (its directory created), fsynced. On error nothing stays at `path`.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| io_error("create directory", dir, e))?;
    }
    let mut file = File::create(path).map_err(|e| io_error("create", path, e))?;
    let done = file.write_all(bytes).map_err(|e| io_error("write", path, e)).and_then(|_| file.sync_all().map_err(|e| io_error("fsync", path, e)));
    if done.is_err() {
        drop(file);
        remove_quietly(path);
    }
    done
}

/// Publishes a sealed temp under its final name and makes the rename durable.
pub(crate) fn publish(temp: &Path, dest: &Path) -> Result<(), String> {
    fs::rename(temp, dest).map_err(|e| io_error(&format!("rename {} to", temp.display()), dest, e))?;
    match dest.parent() {
        Some(dir) => fsync_dir(dir),
        None => Ok(()),
    }
}

//! One Parquet file being written: a hidden temp file until it is sealed (footer written, fsynced) and
//! published by a rename. Its encoding runs on a thread of its own (see `PartFile`). Every I/O failure comes back as a message naming the path and the OS error.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

use arrow_array::RecordBatch;
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

/// The file and its Parquet writer, owned by the file's encoder thread.
struct Encoder {
    path: PathBuf,
    /// A second handle on the same file, for the fsync after the writer has written the footer.
    sync: File,
    writer: ArrowWriter<File>,
}

impl Encoder {
    fn seal(self) -> Result<PathBuf, String> {
        let Encoder { path, sync, writer } = self;
        let done = writer
            .close()
            .map_err(|e| io_error("write", &path, e))
            .and_then(|_| sync.sync_all().map_err(|e| io_error("fsync", &path, e)));
        match done {
            Ok(()) => Ok(path),
            Err(e) => {
                remove_quietly(&path);
                Err(e)
            }
        }
    }

    fn abandon(self) {
        let Encoder { path, sync, writer } = self;
        drop(writer);
        drop(sync);
        remove_quietly(&path);
    }
}

enum Job {
    Batch(RecordBatch),
    Seal,
    Abandon,
}

/// Batches queued to an encoder before `write` waits: bounds the memory a slow disk can hold.
const QUEUE_BATCHES: usize = 4;

/// Encodes and compresses the batches it receives, in order, until told to seal or abandon. Ok(None): abandoned.
fn encode(mut enc: Encoder, jobs: Receiver<Job>) -> Result<Option<PathBuf>, String> {
    loop {
        match jobs.recv() {
            Ok(Job::Batch(batch)) => {
                if let Err(e) = enc.writer.write(&batch).map_err(|e| io_error("write", &enc.path, e)) {
                    enc.abandon();
                    return Err(e);
                }
            }
            Ok(Job::Seal) => return enc.seal().map(Some),
            // The handle went away without a word: nothing can finish this file.
            Ok(Job::Abandon) | Err(_) => {
                enc.abandon();
                return Ok(None);
            }
        }
    }
}

/// One Parquet file being written. Encoding and compression (most of the archive's cost) run on a thread of
/// the file's own, so the shard's thread only builds record batches: with one busy stream, the idle core does
/// the Parquet work. The file is created here, on the caller's thread, so a directory that cannot be written
/// fails the record that needed it; a write error on the encoder thread comes back from the next `write` or
/// from `seal`.
pub(crate) struct PartFile {
    path: PathBuf,
    jobs: SyncSender<Job>,
    encoder: Option<JoinHandle<Result<Option<PathBuf>, String>>>,
}

impl PartFile {
    /// Creates (truncating) `path` and starts a Parquet file with the archive schema in it.
    pub(crate) fn create(path: PathBuf) -> Result<PartFile, String> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io_error("create directory", dir, e))?;
        }
        let file = File::create(&path).map_err(|e| io_error("create", &path, e))?;
        let opened = file
            .try_clone()
            .map_err(|e| io_error("open", &path, e))
            .and_then(|sync| {
                ArrowWriter::try_new(file, super::columns::schema(), Some(writer_properties()))
                    .map(|writer| (sync, writer))
                    .map_err(|e| io_error("write", &path, e))
            });
        let (sync, writer) = match opened {
            Ok(o) => o,
            Err(e) => {
                remove_quietly(&path);
                return Err(e);
            }
        };
        let (jobs, queue) = sync_channel(QUEUE_BATCHES);
        let enc = Encoder { path: path.clone(), sync, writer };
        let spawned = thread::Builder::new().name("lp-archive".into()).spawn(move || encode(enc, queue));
        match spawned {
            Ok(handle) => Ok(PartFile { path, jobs, encoder: Some(handle) }),
            Err(e) => {
                remove_quietly(&path);
                Err(io_error("start an encoder thread for", &path, e))
            }
        }
    }

    /// Queues a batch (waits while `QUEUE_BATCHES` are queued). Err: the encoder failed earlier (file deleted).
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        if self.jobs.send(Job::Batch(batch.clone())).is_ok() {
            return Ok(());
        }
        Err(self.finish().err().unwrap_or_else(|| io_error("write", &self.path, "the encoder stopped")))
    }

    /// Waits for the encoder's end.
    fn finish(&mut self) -> Result<Option<PathBuf>, String> {
        match self.encoder.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io_error("write", &self.path, "the encoder thread panicked")),
            None => Err(io_error("write", &self.path, "the file was already given up")),
        }
    }

    /// Writes the footer and fsyncs; the file stays at its temp path. On error the temp is deleted.
    pub(crate) fn seal(mut self) -> Result<PathBuf, String> {
        let _ = self.jobs.send(Job::Seal);
        match self.finish() {
            Ok(Some(path)) => Ok(path),
            Ok(None) => Err(io_error("seal", &self.path, "the file was given up")),
            Err(e) => Err(e),
        }
    }

    /// Gives the file up: nothing of it stays on disk once this returns (the same temp name may be reused next).
    pub(crate) fn abandon(mut self) {
        let _ = self.jobs.send(Job::Abandon);
        let _ = self.finish();
    }
}

impl Drop for PartFile {
    /// Not sealed, not abandoned: the encoder ends on the closed queue and deletes the file.
    fn drop(&mut self) {
        if let Some(handle) = self.encoder.take() {
            let _ = self.jobs.send(Job::Abandon);
            let _ = handle.join();
        }
    }
}

/// Publishes a sealed temp under its final name and makes the rename durable.
pub(crate) fn publish(temp: &Path, dest: &Path) -> Result<(), String> {
    fs::rename(temp, dest).map_err(|e| io_error(&format!("rename {} to", temp.display()), dest, e))?;
    match dest.parent() {
        Some(dir) => fsync_dir(dir),
        None => Ok(()),
    }
}

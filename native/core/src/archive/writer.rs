//! One Parquet file being written: a hidden temp file until it is sealed (footer written, fsynced) and
//! published by a rename. Every I/O failure comes back as a message naming the path and the OS error.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

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

pub(crate) struct PartFile {
    path: PathBuf,
    /// A second handle on the same file, for the fsync after the writer has written the footer.
    sync: File,
    writer: ArrowWriter<File>,
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
        match opened {
            Ok((sync, writer)) => Ok(PartFile { path, sync, writer }),
            Err(e) => {
                remove_quietly(&path);
                Err(e)
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        self.writer.write(batch).map_err(|e| io_error("write", &self.path, e))
    }

    /// Writes the footer and fsyncs; the file stays at its temp path. On error the temp is deleted.
    pub(crate) fn seal(self) -> Result<PathBuf, String> {
        let PartFile { path, sync, writer } = self;
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

    /// Gives the file up: nothing of it stays on disk.
    pub(crate) fn abandon(self) {
        let PartFile { path, sync, writer } = self;
        drop(writer);
        drop(sync);
        remove_quietly(&path);
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

//! Compaction: many archive files of one partition into one, row groups of up to `MAX_ROW_GROUP_ROWS`.
//! The inputs are left alone; the caller deletes them once it has journaled the new file.
//!
//! The output says where its rows came from, in its footer's key-value metadata under `PARTS_KEY`: a JSON array
//! of `[name, rows]`, in row order, naming each cut file (`part-…`) whose rows it holds — an input that was itself
//! compacted is replaced by its own list, and one without a list (written before lists existed) stands for itself.
//! Readers that must tell which rows a batch already read (the API's speed layer) select by row number with it.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;

use super::columns::{schema, BATCH_ROWS};
use super::writer::{fsync_dir, io_error, remove_quietly, writer_properties};

fn describe(f: &arrow_schema::Field) -> String {
    format!("{}: {}{}", f.name(), f.data_type(), if f.is_nullable() { " (nullable)" } else { "" })
}

/// Names the first difference from the archive schema (metadata is ignored).
fn check_schema(path: &Path, found: &Schema) -> Result<(), String> {
    let want = schema();
    let mismatch = |what: String| Err(format!("{} does not have the archive schema: {what}", path.display()));
    if found.fields().len() != want.fields().len() {
        return mismatch(format!("{} columns, expected {}", found.fields().len(), want.fields().len()));
    }
    for (f, w) in found.fields().iter().zip(want.fields()) {
        if f.name() != w.name() || f.data_type() != w.data_type() || f.is_nullable() != w.is_nullable() {
            return mismatch(format!("column `{}`, expected `{}`", describe(f), describe(w)));
        }
    }
    Ok(())
}

/// Footer key of a compacted file's row provenance.
pub const PARTS_KEY: &str = "logpulse.parts";

/// The `[name, rows]` runs `path` stands for: its own `PARTS_KEY` list, or itself whole.
fn parts_of(path: &Path, builder: &ParquetRecordBatchReaderBuilder<File>) -> Result<Vec<(String, u64)>, String> {
    let meta = builder.metadata().file_metadata();
    let listed = meta.key_value_metadata().and_then(|kv| kv.iter().find(|k| k.key == PARTS_KEY)).and_then(|k| k.value.as_deref());
    if let Some(json) = listed {
        return sonic_rs::from_str(json).map_err(|e| format!("{} has an unreadable {PARTS_KEY} list: {e}", path.display()));
    }
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| format!("{} is not a file name", path.display()))?;
    Ok(vec![(name.to_string(), meta.num_rows().max(0) as u64)])
}

fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, String> {
    let file = File::open(path).map_err(|e| io_error("open", path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| format!("{} is not a readable Parquet file: {e}", path.display()))
}

/// Writes every row of `inputs` (in input order) into `output` through a hidden `.<name>.part` beside it,
/// fsynced and renamed into place, then fsyncs the directory. Returns the rows written, always the sum of the
/// inputs' rows. An input with another schema, or not Parquet, fails naming it; on any failure no part of the
/// output exists (an existing `output` is left as it was).
pub fn compact(inputs: &[PathBuf], output: &Path) -> Result<u64, String> {
    if inputs.is_empty() {
        return Err(format!("nothing to compact into {}", output.display()));
    }
    if inputs.iter().any(|i| i == output) {
        return Err(format!("{} is both an input and the output", output.display()));
    }
    let Some(name) = output.file_name().and_then(|n| n.to_str()) else {
        return Err(format!("{} is not a file name", output.display()));
    };
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Every input is checked before anything is written.
    let mut expected = 0u64;
    let mut parts: Vec<(String, u64)> = Vec::new();
    for path in inputs {
        let builder = open(path)?;
        check_schema(path, builder.schema())?;
        expected += builder.metadata().file_metadata().num_rows().max(0) as u64;
        parts.extend(parts_of(path, &builder)?);
    }
    if parts.iter().map(|(_, rows)| rows).sum::<u64>() != expected {
        return Err(format!("the inputs of {} list other row counts than their footers", output.display()));
    }
    let parts = sonic_rs::to_string(&parts).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| io_error("create directory", &dir, e))?;
    let temp = dir.join(format!(".{name}.part"));
    match write_all(inputs, &temp, expected, parts) {
        Ok(rows) => {
            if let Err(e) = std::fs::rename(&temp, output).map_err(|e| io_error(&format!("rename {} to", temp.display()), output, e)) {
                remove_quietly(&temp);
                return Err(e);
            }
            fsync_dir(&dir)?;
            Ok(rows)
        }
        Err(e) => {
            remove_quietly(&temp);
            Err(e)
        }
    }
}

fn write_all(inputs: &[PathBuf], temp: &Path, expected: u64, parts: String) -> Result<u64, String> {
    let file = File::create(temp).map_err(|e| io_error("create", temp, e))?;
    let sync = file.try_clone().map_err(|e| io_error("open", temp, e))?;
    let mut writer = ArrowWriter::try_new(file, schema(), Some(writer_properties())).map_err(|e| io_error("write", temp, e))?;
    let mut rows = 0u64;
    for path in inputs {
        let reader = open(path)?.with_batch_size(BATCH_ROWS).build().map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for batch in reader {
            let batch = batch.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            // Same columns under the canonical schema (drops whatever metadata the input carried).
            let batch = RecordBatch::try_new(schema(), batch.columns().to_vec()).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            rows += batch.num_rows() as u64;
            writer.write(&batch).map_err(|e| io_error("write", temp, e))?;
        }
    }
    writer.append_key_value_metadata(KeyValue::new(PARTS_KEY.to_string(), parts));
    writer.close().map_err(|e| io_error("write", temp, e))?;
    sync.sync_all().map_err(|e| io_error("fsync", temp, e))?;
    if rows != expected {
        return Err(format!("read {rows} rows from the inputs, their footers say {expected}"));
    }
    Ok(rows)
}

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Int32Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, LogicalType, TimeUnit};
use parquet::file::reader::{FileReader, SerializedFileReader};

use super::*;
use crate::options::{Format, ShardOptions};
use crate::parse::LineParser;
use crate::shard::Shard;

const S: i64 = 1_000_000;
/// 2025-06-09T09:42:30Z.
const T0: i64 = 1_749_462_150 * S;
const NOW: i64 = T0 + 24 * 3600 * S;

const JSON_LINE: &str = r#"{"timestamp": "2025-06-09T09:42:40.001034Z", "ip": "208.173.67.38", "method": "GET", "url": "/resource/3", "status": 404}"#;
const CLF_LINE: &str = r#"10.0.0.1 - frank [09/Jun/2025:09:42:41 +0000] "POST /login?x=1 HTTP/1.1" 500 2326 "https://ex.com/a" "Mozilla/5.0 (X11)""#;

fn opts(dir: &Path) -> ArchiveOptions {
    ArchiveOptions { dir: dir.to_path_buf(), run: "r1".into(), shard: 3 }
}

fn shard(dir: &Path) -> Shard {
    Shard::new(ShardOptions { archive: Some(opts(dir)), ..ShardOptions::default() }).unwrap()
}

fn read(path: &Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap().build().unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.len(), 1, "small test files come back as one batch");
    batches.remove(0)
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn strs(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    b.column_by_name(col).unwrap().as_string::<i32>().iter().map(|v| v.map(str::to_string)).collect()
}

#[test]
fn rows_round_trip_with_the_contract_types_and_values() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = shard(tmp.path());
    let csv = "2025-06-09T09:42:42Z;::1;GET;/é/日本?q=ü;200";
    let json_escaped = r#"{"timestamp": "2025-06-09T09:42:43Z", "ip": "1.2.3.4", "method": "GET", "url": "/caf\u00e9\n", "status": 301}"#;
    let input = format!("{JSON_LINE}\n{CLF_LINE}\n{csv}\n{json_escaped}\nnot a record\n");
    let out = s.process("web-1", input.as_bytes(), NOW);
    assert_eq!((out.counters.records, out.counters.archived), (4, 4));
    let files = s.archive_cut(1).unwrap();
    assert_eq!(files, vec![ArchiveFile { path: "date=2025-06-09/hour=09/part-r1-3-0000000001.parquet".into(), rows: 4, hour_start_us: 1_749_459_600 * S }]);
    assert_eq!(tree(tmp.path()), vec![files[0].path.clone()]);

    let path = tmp.path().join(&files[0].path);
    let b = read(&path);
    assert_eq!(b.schema().fields(), schema().fields());
    let ts = b.column(0).as_primitive::<TimestampMicrosecondType>();
    assert_eq!(ts.timezone(), Some("UTC"));
    assert_eq!(ts.values().to_vec(), vec![1_749_462_160_001_034, 1_749_462_161 * S, 1_749_462_162 * S, 1_749_462_163 * S]);
    assert_eq!(strs(&b, "ip"), ["208.173.67.38", "10.0.0.1", "::1", "1.2.3.4"].map(|s| Some(s.to_string())));
    assert_eq!(strs(&b, "method"), ["GET", "POST", "GET", "GET"].map(|s| Some(s.to_string())));
    assert_eq!(strs(&b, "url"), ["/resource/3", "/login?x=1", "/é/日本?q=ü", "/café\n"].map(|s| Some(s.to_string())));
    assert_eq!(b.column_by_name("status").unwrap().as_primitive::<Int16Type>().values().to_vec(), vec![404, 500, 200, 301]);
    assert_eq!(strs(&b, "user_agent"), vec![None, Some("Mozilla/5.0 (X11)".into()), None, None]);
    assert_eq!(strs(&b, "referer"), vec![None, Some("https://ex.com/a".into()), None, None]);
    let size = b.column_by_name("size").unwrap().as_primitive::<Int64Type>();
    assert_eq!(size.iter().collect::<Vec<_>>(), vec![None, Some(2326), None, None]);
    assert_eq!(b.column_by_name("late").unwrap().as_boolean().iter().collect::<Vec<_>>(), vec![Some(false); 4]);
    assert_eq!(strs(&b, "stream"), vec![Some("web-1".to_string()); 4]);
    assert_eq!(b.column_by_name("shard").unwrap().as_primitive::<Int16Type>().values().to_vec(), vec![3; 4]);

    // The Parquet-level contract: TIMESTAMP(MICROS, UTC), zstd.
    let meta = SerializedFileReader::new(File::open(&path).unwrap()).unwrap().metadata().clone();
    let col = meta.file_metadata().schema_descr().column(0);
    assert_eq!(col.logical_type_ref(), Some(&LogicalType::timestamp(true, TimeUnit::MICROS)));
    assert!(meta.row_group(0).columns().iter().all(|c| matches!(c.compression(), Compression::ZSTD(_))));
    // Timestamps are delta-encoded (nearly all distinct); the strings keep their dictionaries.
    assert!(meta.row_group(0).column(0).encodings().any(|e| e == Encoding::DELTA_BINARY_PACKED));
    assert!(meta.row_group(0).column(1).encodings().any(|e| e == Encoding::RLE_DICTIONARY));
}

#[test]
fn late_records_are_archived_and_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Shard::new(ShardOptions { watermark_us: 0, archive: Some(opts(tmp.path())), ..ShardOptions::default() }).unwrap();
    let line = |ts: i64, status: u16| format!("{{\"timestamp\":{},\"ip\":\"1.1.1.1\",\"method\":\"GET\",\"url\":\"/r\",\"status\":{status}}}\n", ts / 1000);
    let out = s.process("a", format!("{}{}{}", line(T0, 200), line(T0 + 60 * S, 200), line(T0 + S, 503)).as_bytes(), NOW);
    assert_eq!((out.counters.records, out.counters.late, out.counters.archived), (2, 1, 3));
    let files = s.archive_cut(7).unwrap();
    let b = read(&tmp.path().join(&files[0].path));
    assert_eq!(b.column_by_name("late").unwrap().as_boolean().iter().collect::<Vec<_>>(), vec![Some(false), Some(false), Some(true)]);
    assert_eq!(b.column_by_name("status").unwrap().as_primitive::<Int16Type>().value(2), 503);
}

fn record_at(parser: &mut LineParser, ts_us: i64) -> crate::record::Record<'static> {
    let rec = parser.parse(r#"{"timestamp": 0, "ip": "1.1.1.1", "method": "GET", "url": "/x", "status": 200}"#).unwrap();
    crate::record::Record {
        ts_us,
        ip: rec.ip.into_owned().into(),
        ip_key: rec.ip_key,
        method: rec.method.into_owned().into(),
        url: rec.url.into_owned().into(),
        status: rec.status,
        origin: crate::record::Origin::Json(Default::default()),
    }
}

#[test]
fn partitions_follow_event_time_across_hour_day_and_epoch_boundaries() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Archive::new(opts(tmp.path()));
    let mut p = LineParser::new(Format::Json, b';');
    let midnight = 1_749_513_600 * S; // 2025-06-10T00:00:00Z
    for ts in [midnight - 1, midnight, midnight + 3600 * S - 1, midnight + 3600 * S, 0, -1, -3600 * S - 1, midnight] {
        a.push(&record_at(&mut p, ts), false, "s");
    }
    let files = a.cut(12).unwrap();
    let got: Vec<(&str, u64, i64)> = files.iter().map(|f| (f.path.as_str(), f.rows, f.hour_start_us)).collect();
    assert_eq!(
        got,
        vec![
            ("date=1969-12-31/hour=22/part-r1-3-0000000012.parquet", 1, -7200 * S),
            ("date=1969-12-31/hour=23/part-r1-3-0000000012.parquet", 1, -3600 * S),
            ("date=1970-01-01/hour=00/part-r1-3-0000000012.parquet", 1, 0),
            ("date=2025-06-09/hour=23/part-r1-3-0000000012.parquet", 1, midnight - 3600 * S),
            ("date=2025-06-10/hour=00/part-r1-3-0000000012.parquet", 3, midnight),
            ("date=2025-06-10/hour=01/part-r1-3-0000000012.parquet", 1, midnight + 3600 * S),
        ]
    );
    let b = read(&tmp.path().join(&files[4].path));
    assert_eq!(b.column(0).as_primitive::<TimestampMicrosecondType>().values().to_vec(), vec![midnight, midnight + 3600 * S - 1, midnight]);
    assert_eq!(partition_of(-1).0, "date=1969-12-31/hour=23");
}

#[test]
fn cut_without_rows_writes_no_file_and_nothing_is_on_disk_before_the_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = shard(tmp.path());
    assert_eq!(s.archive_cut(1).unwrap(), vec![]);
    assert!(tree(tmp.path()).is_empty());
    s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW);
    assert!(tree(tmp.path()).is_empty(), "rows are encoded in memory until the cut");
    assert_eq!(s.archive_cut(2).unwrap().len(), 1);
    assert_eq!(s.archive_cut(3).unwrap(), vec![]);
    s.process("a", format!("{JSON_LINE}\n{JSON_LINE}\n").as_bytes(), NOW);
    let files = s.archive_cut(4).unwrap();
    assert_eq!(files[0].rows, 2);
    assert_eq!(
        tree(tmp.path()),
        vec!["date=2025-06-09/hour=09/part-r1-3-0000000002.parquet", "date=2025-06-09/hour=09/part-r1-3-0000000004.parquet"]
    );
}

#[test]
fn many_batches_stream_into_one_file_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Archive::new(opts(tmp.path()));
    let mut p = LineParser::new(Format::Json, b';');
    let n = 3 * BATCH_ROWS as i64 + 5;
    for i in 0..n {
        a.push(&record_at(&mut p, T0 + i), i % 2 == 1, "s");
    }
    let files = a.cut(1).unwrap();
    assert_eq!(files[0].rows, n as u64);
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(tmp.path().join(&files[0].path)).unwrap()).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 1);
    let mut expect = T0;
    for batch in reader.build().unwrap() {
        for v in batch.unwrap().column(0).as_primitive::<TimestampMicrosecondType>().values() {
            assert_eq!(*v, expect);
            expect += 1;
        }
    }
    assert_eq!(expect, T0 + n);
}

#[test]
fn discard_forgets_the_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = shard(tmp.path());
    let many = format!("{JSON_LINE}\n").repeat(BATCH_ROWS + 1); // an encoder running, and rows in the builders
    s.process("a", many.as_bytes(), NOW);
    s.archive_discard();
    assert_eq!(s.archive_cut(1).unwrap(), vec![]);
    s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW);
    drop(s);
    assert!(tree(tmp.path()).is_empty(), "nothing was ever written");
}

/// Every `timestamp` of every visible part file under `dir`, sorted, and how many files.
fn archived_timestamps(dir: &Path) -> (Vec<i64>, usize) {
    let files: Vec<String> = tree(dir).into_iter().filter(|f| f.ends_with(".parquet") && !f.contains("/.")).collect();
    let mut ts = Vec::new();
    for f in &files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(dir.join(f)).unwrap()).unwrap().build().unwrap();
        for b in reader {
            ts.extend(b.unwrap().column(0).as_primitive::<TimestampMicrosecondType>().values().iter().copied());
        }
    }
    ts.sort_unstable();
    (ts, files.len())
}

#[test]
fn an_unwritable_dir_keeps_every_row_until_a_cut_can_write_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("archive");
    fs::write(&dir, b"in the way").unwrap();
    let mut s = shard(&dir);
    let out = s.process("a", format!("{JSON_LINE}\n{CLF_LINE}\n").as_bytes(), NOW);
    assert_eq!((out.counters.records, out.counters.archived), (2, 2));
    let err = s.archive_cut(1).unwrap_err();
    assert!(err.contains(&dir.display().to_string()) && err.contains("os error") && err.contains("2 rows are kept"), "{err}");
    // Still failing: the retry says so again, and rows that arrive meanwhile are kept too.
    s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW);
    assert!(s.archive_cut(1).unwrap_err().contains("3 rows are kept"));
    fs::remove_file(&dir).unwrap();
    let files = s.archive_cut(1).unwrap();
    assert_eq!(files.iter().map(|f| f.rows).sum::<u64>(), 3);
    assert_eq!(archived_timestamps(&dir), (vec![1_749_462_160_001_034, 1_749_462_160_001_034, 1_749_462_161 * S], 1), "every row once");
    assert_eq!(s.archive_cut(2).unwrap(), vec![], "the retry published them: nothing is left for the next cut");
    assert!(tree(&dir).iter().all(|f| !f.contains(".inprogress")), "{:?}", tree(&dir));
}

#[test]
fn one_failing_partition_fails_the_whole_cut_and_the_retry_writes_every_row_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = shard(tmp.path());
    s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW);
    fs::write(tmp.path().join("date=2025-06-10"), b"in the way").unwrap();
    let next_day = r#"{"timestamp": "2025-06-10T01:00:00Z", "ip": "1.1.1.1", "method": "GET", "url": "/", "status": 200}"#;
    s.process("a", format!("{next_day}\n{JSON_LINE}\n").as_bytes(), NOW);
    let err = s.archive_cut(1).unwrap_err();
    assert!(err.contains("date=2025-06-10") && err.contains("3 rows are kept"), "{err}");
    assert_eq!(tree(tmp.path()), vec!["date=2025-06-10"], "no temp and no part file of the healthy partition");
    s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW);
    assert_eq!(tree(tmp.path()), vec!["date=2025-06-10"], "while failing, new rows wait in memory: no temp is opened");
    fs::remove_file(tmp.path().join("date=2025-06-10")).unwrap();
    let files = s.archive_cut(1).unwrap();
    let got: Vec<(&str, u64)> = files.iter().map(|f| (f.path.as_str(), f.rows)).collect();
    assert_eq!(got, vec![("date=2025-06-09/hour=09/part-r1-3-0000000001.parquet", 3), ("date=2025-06-10/hour=01/part-r1-3-0000000001.parquet", 1)]);
    assert_eq!(archived_timestamps(tmp.path()).0.len(), 4);
    assert_eq!(tree(tmp.path()).len(), 2, "{:?}", tree(tmp.path()));
    s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW);
    assert_eq!(s.archive_cut(2).unwrap()[0].rows, 1, "the next cut holds only the rows since");
}

#[test]
fn a_publish_that_fails_takes_back_what_it_renamed_and_the_retry_writes_the_kept_rows_with_those_since() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Archive::new(opts(tmp.path()));
    let mut p = LineParser::new(Format::Json, b';');
    // Hour 09 gets three batches and a bit; hour 10 one row.
    let n = 3 * BATCH_ROWS as i64 + 7;
    for i in 0..n {
        a.push(&record_at(&mut p, T0 + i), false, "s");
    }
    let hour10 = T0 + 3600 * S;
    a.push(&record_at(&mut p, hour10), false, "s");
    // Hour 10's final name is taken by a non-empty directory: its rename fails after hour 09's succeeded.
    let blocker = tmp.path().join("date=2025-06-09/hour=10/part-r1-3-0000000005.parquet");
    fs::create_dir_all(&blocker).unwrap();
    fs::write(blocker.join("x"), b"x").unwrap();
    let err = a.cut(5).unwrap_err();
    assert!(err.contains("rename") && err.contains(&format!("{} rows are kept", n + 1)), "{err}");
    assert_eq!(tree(tmp.path()), vec!["date=2025-06-09/hour=10/part-r1-3-0000000005.parquet/x"], "hour 09's published file was taken back, no temp left");
    // Rows that arrive meanwhile join the kept ones: hour 09 gets a batch and a bit more.
    let more = BATCH_ROWS as i64 + 2;
    for i in n..n + more {
        a.push(&record_at(&mut p, T0 + i), false, "s");
    }
    fs::remove_dir_all(&blocker).unwrap();
    let files = a.cut(6).unwrap();
    assert_eq!(files.iter().map(|f| (f.path.as_str(), f.rows)).collect::<Vec<_>>(), vec![
        ("date=2025-06-09/hour=09/part-r1-3-0000000006.parquet", (n + more) as u64),
        ("date=2025-06-09/hour=10/part-r1-3-0000000006.parquet", 1),
    ]);
    let mut expect: Vec<i64> = (0..n + more).map(|i| T0 + i).collect();
    expect.push(hour10);
    assert_eq!(archived_timestamps(tmp.path()), (expect, 2), "every row once");
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(tmp.path().join(&files[0].path)).unwrap()).unwrap();
    assert_eq!(reader.schema().fields(), schema().fields());
    let in_order: Vec<i64> = reader.build().unwrap().flat_map(|b| b.unwrap().column(0).as_primitive::<TimestampMicrosecondType>().values().to_vec()).collect();
    assert_eq!(in_order, (0..n + more).map(|i| T0 + i).collect::<Vec<_>>(), "rows in arrival order, the kept file's first");
}

#[test]
fn archive_off_costs_no_rows_and_cut_says_so() {
    let mut s = Shard::new(ShardOptions::default()).unwrap();
    assert_eq!(s.process("a", format!("{JSON_LINE}\n").as_bytes(), NOW).counters.archived, 0);
    assert!(s.archive_cut(1).unwrap_err().contains("off"));
}

#[test]
fn options_are_validated() {
    let bad = |a: ArchiveOptions| ShardOptions { archive: Some(a), ..ShardOptions::default() }.validate().unwrap_err().option;
    let ok = opts(Path::new("/tmp/x"));
    assert_eq!(bad(ArchiveOptions { dir: PathBuf::new(), ..ok.clone() }), "archive.dir");
    assert_eq!(bad(ArchiveOptions { run: String::new(), ..ok.clone() }), "archive.run");
    assert_eq!(bad(ArchiveOptions { run: "a/b".into(), ..ok.clone() }), "archive.run");
    assert_eq!(bad(ArchiveOptions { run: "x".repeat(41), ..ok.clone() }), "archive.run");
    assert_eq!(bad(ArchiveOptions { shard: 40_000, ..ok.clone() }), "archive.shard");
    assert!(ShardOptions { archive: Some(ArchiveOptions { run: "run_2025-06-09".into(), shard: 32_767, ..ok }), ..ShardOptions::default() }.validate().is_ok());
}

#[test]
fn compact_preserves_rows_and_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Archive::new(opts(tmp.path()));
    let mut p = LineParser::new(Format::Json, b';');
    let mut inputs = Vec::new();
    for seq in 1..=3u64 {
        for i in 0..(seq as i64 * 5000) {
            a.push(&record_at(&mut p, T0 + i), false, "s");
        }
        inputs.push(tmp.path().join(&a.cut(seq).unwrap()[0].path));
    }
    let output = inputs[0].with_file_name("compacted-r1.parquet");
    assert_eq!(compact(&inputs, &output).unwrap(), 30_000);
    assert!(inputs.iter().all(|i| i.exists()), "inputs are the caller's to delete");
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&output).unwrap()).unwrap();
    assert_eq!(reader.schema().fields(), schema().fields());
    assert_eq!(reader.metadata().file_metadata().num_rows(), 30_000);
    assert_eq!(reader.metadata().num_row_groups(), 1);
    let names: Vec<String> = fs::read_dir(output.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.starts_with('.')), "{names:?}");
}

fn listed_parts(path: &Path) -> Vec<(String, u64)> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let kv = reader.metadata().file_metadata().key_value_metadata().cloned().unwrap_or_default();
    let json = kv.iter().find(|k| k.key == PARTS_KEY).and_then(|k| k.value.clone()).expect("a parts list");
    serde_json::from_str(&json).unwrap()
}

#[test]
fn compacted_files_list_the_cut_files_their_rows_came_from_in_row_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Archive::new(opts(tmp.path()));
    let mut p = LineParser::new(Format::Json, b';');
    let mut cut = |seq: u64, rows: i64| {
        for i in 0..rows {
            a.push(&record_at(&mut p, T0 + i), false, "s");
        }
        tmp.path().join(&a.cut(seq).unwrap()[0].path)
    };
    let (one, two, three) = (cut(1, 3), cut(2, 5), cut(3, 2));
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let first = one.with_file_name("compact-r-1.parquet");
    compact(&[one.clone(), two.clone()], &first).unwrap();
    assert_eq!(listed_parts(&first), vec![(name(&one), 3), (name(&two), 5)]);
    // A compacted input is replaced by its own list: the names stay those of the cut files.
    let second = one.with_file_name("compact-r-2.parquet");
    compact(&[three.clone(), first.clone()], &second).unwrap();
    assert_eq!(listed_parts(&second), vec![(name(&three), 2), (name(&one), 3), (name(&two), 5)]);
}

#[test]
fn compact_rejects_foreign_files_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Archive::new(opts(tmp.path()));
    let mut p = LineParser::new(Format::Json, b';');
    a.push(&record_at(&mut p, T0), false, "s");
    let good = tmp.path().join(&a.cut(1).unwrap()[0].path);
    let text = tmp.path().join("notes.parquet");
    fs::write(&text, b"not parquet at all").unwrap();
    let other = tmp.path().join("other.parquet");
    let other_schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, false)]));
    let mut w = ArrowWriter::try_new(File::create(&other).unwrap(), other_schema.clone(), None).unwrap();
    w.write(&RecordBatch::try_new(other_schema, vec![Arc::new(Int32Array::from(vec![1]))]).unwrap()).unwrap();
    w.close().unwrap();
    let out = tmp.path().join("out.parquet");
    let err = compact(&[good.clone(), text.clone()], &out).unwrap_err();
    assert!(err.contains("notes.parquet") && err.contains("not a readable Parquet file"), "{err}");
    let err = compact(&[other.clone(), good.clone()], &out).unwrap_err();
    assert!(err.contains("other.parquet") && err.contains("schema"), "{err}");
    assert!(compact(&[], &out).is_err());
    assert!(compact(std::slice::from_ref(&good), &good).is_err());
    assert!(!out.exists() && !tmp.path().join(".out.parquet.part").exists());
}

//! The archive's fixed Arrow schema (API.md "Archive") and the column builders one hour partition fills
//! between two record batches.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{ArrayBuilder, BooleanBuilder, Int16Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::record::{Origin, Record};

/// Rows a partition collects before they become one `RecordBatch` handed to its Parquet writer.
pub const BATCH_ROWS: usize = 8192;

/// The contract the TypeScript batch layer, DuckDB and pyarrow read: names, types and nullability are fixed.
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("timestamp", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
                Field::new("ip", DataType::Utf8, false),
                Field::new("method", DataType::Utf8, false),
                Field::new("url", DataType::Utf8, false),
                Field::new("status", DataType::Int16, false),
                Field::new("user_agent", DataType::Utf8, true),
                Field::new("referer", DataType::Utf8, true),
                Field::new("size", DataType::Int64, true),
                Field::new("late", DataType::Boolean, false),
                Field::new("stream", DataType::Utf8, false),
                Field::new("shard", DataType::Int16, false),
            ]))
        })
        .clone()
}

/// One builder per column, in schema order.
pub(crate) struct Columns {
    timestamp: TimestampMicrosecondBuilder,
    ip: StringBuilder,
    method: StringBuilder,
    url: StringBuilder,
    status: Int16Builder,
    user_agent: StringBuilder,
    referer: StringBuilder,
    size: Int64Builder,
    late: BooleanBuilder,
    stream: StringBuilder,
    shard: Int16Builder,
}

fn strings() -> StringBuilder {
    // ~24 bytes a value is typical for URLs and user agents; the builder grows past it as needed.
    StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 24)
}

impl Columns {
    pub(crate) fn new() -> Columns {
        Columns {
            timestamp: TimestampMicrosecondBuilder::with_capacity(BATCH_ROWS).with_timezone("UTC"),
            ip: strings(),
            method: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 4),
            url: strings(),
            status: Int16Builder::with_capacity(BATCH_ROWS),
            user_agent: strings(),
            referer: strings(),
            size: Int64Builder::with_capacity(BATCH_ROWS),
            late: BooleanBuilder::with_capacity(BATCH_ROWS),
            stream: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 8),
            shard: Int16Builder::with_capacity(BATCH_ROWS),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.timestamp.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends one row. `status` is 100..=599 by the parsers' rules and `shard` at most `i16::MAX` by option
    /// validation, so both fit an Int16; a CLF size beyond `i64::MAX` (legal: "digits that fit in 64 bits")
    /// is written as null rather than wrapped.
    #[inline]
    pub(crate) fn push(&mut self, rec: &Record<'_>, late: bool, stream: &str, shard: i16) {
        self.timestamp.append_value(rec.ts_us);
        self.ip.append_value(&rec.ip);
        self.method.append_value(&rec.method);
        self.url.append_value(&rec.url);
        self.status.append_value(rec.status as i16);
        match &rec.origin {
            Origin::Clf(x) => {
                self.user_agent.append_option(x.user_agent);
                self.referer.append_option(x.referer);
                self.size.append_option(x.size.and_then(|s| i64::try_from(s).ok()));
            }
            Origin::Json(x) => {
                self.user_agent.append_option(x.user_agent.as_deref());
                self.referer.append_null();
                self.size.append_null();
            }
            Origin::Csv => {
                self.user_agent.append_null();
                self.referer.append_null();
                self.size.append_null();
            }
        }
        self.late.append_value(late);
        self.stream.append_value(stream);
        self.shard.append_value(shard);
    }

    /// The collected rows as one batch; the builders start empty again.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.timestamp.finish()),
            Arc::new(self.ip.finish()),
            Arc::new(self.method.finish()),
            Arc::new(self.url.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.user_agent.finish()),
            Arc::new(self.referer.finish()),
            Arc::new(self.size.finish()),
            Arc::new(self.late.finish()),
            Arc::new(self.stream.finish()),
            Arc::new(self.shard.finish()),
        ];
        RecordBatch::try_new(schema(), columns)
    }
}

//! The `kafka://` source's consumer, driven from Rust (issue 15): librdkafka's messages are framed into one chunk
//! of lines per partition here, so JavaScript sees a few buffers per poll instead of an object per message
//! (node-rdkafka's consume loop peaked at 128–182 k messages/s; this path at about 1 M on the same machine).
//! Group membership, rebalances, commits and watermarks go through the same librdkafka handle; what to do with
//! them is JavaScript's (src/sources/kafka*.ts).
mod context;
mod copied_buffer;
mod framing;
mod tasks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use context::Context;
use framing::{Positions, Start};
use tasks::{CloseTask, CommitTask, CommittedTask, ConnectTask, KafkaOffset, PollTask, WatermarksTask};

pub struct Inner {
    consumer: BaseConsumer<Context>,
    topic: String,
    positions: Mutex<Positions>,
    /// One poll (or the close) at a time on the consumer's queue.
    polling: Mutex<()>,
    closed: AtomicBool,
}

impl Inner {
    fn context(&self) -> &Context {
        self.consumer.context()
    }

    fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Marks the consumer closed; true when it already was.
    fn mark_closed(&self) -> bool {
        self.closed.swap(true, Ordering::SeqCst)
    }
}

/// One partition to read, as `assign` takes it: from `offset` (else the group's committed offset, else
/// `auto.offset.reset`), up to `end` (exclusive) for a finite read.
#[napi(object)]
pub struct KafkaAssignment {
    pub partition: i32,
    pub offset: Option<i64>,
    pub end: Option<i64>,
}

#[napi]
pub struct KafkaConsumer {
    inner: Arc<Inner>,
}

fn config_error(e: impl std::fmt::Display) -> Error {
    Error::from_reason(format!("LP_ERR_KAFKA_CONFIG: {e}"))
}

#[napi]
impl KafkaConsumer {
    /// A consumer of `topic` with librdkafka settings `config` (values as strings). Nothing is sent to the
    /// brokers until `connect`. Throws `LP_ERR_KAFKA_CONFIG: …` for a setting librdkafka rejects.
    #[napi(constructor)]
    pub fn new(topic: String, config: HashMap<String, String>) -> Result<Self> {
        let mut c = ClientConfig::new();
        for (k, v) in &config {
            c.set(k, v);
        }
        let consumer: BaseConsumer<Context> = c.create_with_context(Context::default()).map_err(config_error)?;
        let inner = Inner { consumer, topic, positions: Mutex::new(Positions::default()), polling: Mutex::new(()), closed: AtomicBool::new(false) };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Reaches the brokers (a metadata request) within `timeoutMs`.
    #[napi(ts_return_type = "Promise<KafkaConnectResult>")]
    pub fn connect(&self, timeout_ms: u32) -> AsyncTask<ConnectTask> {
        AsyncTask::new(ConnectTask { inner: self.inner.clone(), timeout: Duration::from_millis(timeout_ms.into()) })
    }

    /// Joins the group for the topic; partitions come as `assign` events from `poll`.
    #[napi]
    pub fn subscribe(&self) -> Result<()> {
        self.inner.consumer.subscribe(&[&self.inner.topic]).map_err(|e| Error::from_reason(format!("LP_ERR_KAFKA: {e}")))
    }

    /// Messages and events: waits up to `waitMs` for the first message, then takes only what is already fetched,
    /// up to about `maxBytes` of lines.
    #[napi(ts_return_type = "Promise<KafkaPollResult>")]
    pub fn poll(&self, wait_ms: u32, max_bytes: u32) -> AsyncTask<PollTask> {
        AsyncTask::new(PollTask { inner: self.inner.clone(), wait: Duration::from_millis(wait_ms.into()), max_bytes: max_bytes as usize })
    }

    /// Takes `partitions` (the answer to an `assign` event); returns the new epoch.
    #[napi]
    pub fn assign(&self, partitions: Vec<KafkaAssignment>) -> Result<u32> {
        let mut tpl = TopicPartitionList::new();
        for p in &partitions {
            let offset = p.offset.map_or(Offset::Invalid, Offset::Offset);
            tpl.add_partition_offset(&self.inner.topic, p.partition, offset).map_err(|e| Error::from_reason(format!("LP_ERR_KAFKA: {e}")))?;
        }
        let mut positions = self.inner.positions.lock().unwrap_or_else(|p| p.into_inner());
        positions.assign(&partitions.iter().map(|p| Start { partition: p.partition, offset: p.offset, end: p.end }).collect::<Vec<_>>());
        self.inner.consumer.assign(&tpl).map_err(|e| Error::from_reason(format!("LP_ERR_KAFKA: {e}")))?;
        Ok(positions.epoch)
    }

    /// Gives every partition up (the answer to a `revoke` event); returns the new epoch.
    #[napi]
    pub fn unassign(&self) -> u32 {
        let mut positions = self.inner.positions.lock().unwrap_or_else(|p| p.into_inner());
        positions.unassign();
        // Not connected any more (closing): nothing to give back.
        let _ = self.inner.consumer.unassign();
        positions.epoch
    }

    /// The assignment epoch now: poll results of another epoch were fetched for another assignment.
    #[napi(getter)]
    pub fn epoch(&self) -> u32 {
        self.inner.positions.lock().unwrap_or_else(|p| p.into_inner()).epoch
    }

    /// Commits `offsets` (the next offset to read per partition) for the group.
    #[napi(ts_return_type = "Promise<KafkaError | null>")]
    pub fn commit(&self, offsets: Vec<KafkaOffset>, sync: bool) -> Result<AsyncTask<CommitTask>> {
        let offsets = tasks::partition_list(&self.inner.topic, &offsets)?;
        Ok(AsyncTask::new(CommitTask { inner: self.inner.clone(), offsets, sync }))
    }

    /// The group's committed offsets of `partitions`.
    #[napi(ts_return_type = "Promise<KafkaCommitted>")]
    pub fn committed(&self, partitions: Vec<i32>, timeout_ms: u32) -> AsyncTask<CommittedTask> {
        AsyncTask::new(CommittedTask { inner: self.inner.clone(), partitions, timeout: Duration::from_millis(timeout_ms.into()) })
    }

    /// The partition's low and high watermarks, asked of its leader.
    #[napi(ts_return_type = "Promise<KafkaWatermarks>")]
    pub fn query_watermarks(&self, partition: i32, timeout_ms: u32) -> AsyncTask<WatermarksTask> {
        AsyncTask::new(WatermarksTask { inner: self.inner.clone(), partition, timeout: Duration::from_millis(timeout_ms.into()) })
    }

    /// The high watermark librdkafka last saw for `partition` (updated by every fetch: a local read, no request);
    /// -1 before its first fetch.
    #[napi]
    pub fn cached_high_watermark(&self, partition: i32) -> i64 {
        let Ok(topic) = std::ffi::CString::new(self.inner.topic.as_str()) else { return -1 };
        let (mut low, mut high) = (-1i64, -1i64);
        // SAFETY: a valid client handle and NUL-terminated topic; librdkafka only writes the two out-params.
        let err = unsafe { rdkafka::bindings::rd_kafka_get_watermark_offsets(self.inner.consumer.client().native_ptr(), topic.as_ptr(), partition, &mut low, &mut high) };
        if err == rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 {
            high
        } else {
            -1
        }
    }

    /// Leaves the group and stops fetching; waits for a poll in flight. Nothing can be called after it.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<CloseTask> {
        AsyncTask::new(CloseTask { inner: self.inner.clone() })
    }
}

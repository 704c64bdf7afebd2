//! The consumer's blocking calls, each run on libuv's thread pool so the event loop never waits for a broker.
//! Every outcome resolves as data (an `error` field), never a rejection: JavaScript decides what is fatal.
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::Task;
use napi_derive::napi;
use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};

use super::context::{error_parts, Event};
use super::copied_buffer::CopiedBuffer;
use super::framing::Framer;
use super::Inner;

#[napi(object)]
pub struct KafkaError {
    pub code: i32,
    pub message: String,
    pub fatal: bool,
}

fn kafka_error(e: &rdkafka::error::KafkaError) -> KafkaError {
    let (code, message) = error_parts(e);
    KafkaError { code, message, fatal: matches!(e, rdkafka::error::KafkaError::MessageConsumptionFatal(_)) }
}

/// Something librdkafka told between polls (see context.rs).
#[napi(object)]
pub struct KafkaEvent {
    /// `assign`, `revoke`, `rebalance-failed`, `commit-failed` or `error`.
    pub kind: String,
    pub partitions: Option<Vec<i32>>,
    pub error: Option<KafkaError>,
}

fn js_event(e: Event) -> KafkaEvent {
    let (kind, partitions, error) = match e {
        Event::Assign(p) => ("assign", Some(p), None),
        Event::Revoke(p) => ("revoke", Some(p), None),
        Event::RebalanceFailed { code, message } => ("rebalance-failed", None, Some(KafkaError { code, message, fatal: false })),
        Event::CommitFailed { code, message } => ("commit-failed", None, Some(KafkaError { code, message, fatal: false })),
        Event::Error { code, message, fatal } => ("error", None, Some(KafkaError { code, message, fatal })),
    };
    KafkaEvent { kind: kind.to_string(), partitions, error }
}

#[napi(object, object_from_js = false)]
pub struct KafkaChunk {
    pub partition: i32,
    /// The partition's messages, one line each, in offset order.
    #[napi(ts_type = "Buffer")]
    pub data: CopiedBuffer,
    pub last_offset: i64,
    pub messages: u32,
}

#[napi(object, object_from_js = false)]
pub struct KafkaPollResult {
    /// The assignment epoch the chunks were taken under (see `KafkaConsumer.epoch`).
    pub epoch: u32,
    pub chunks: Vec<KafkaChunk>,
    pub events: Vec<KafkaEvent>,
}

pub struct PollTask {
    pub inner: Arc<Inner>,
    pub wait: Duration,
    pub max_bytes: usize,
}

pub struct Polled {
    epoch: u32,
    framer: Framer,
    events: Vec<Event>,
}

impl Task for PollTask {
    type Output = Polled;
    type JsValue = KafkaPollResult;

    /// Waits up to `wait` for a first message, then takes what is already fetched (never waiting for more) up to
    /// `max_bytes`; returns early with whatever librdkafka reported meanwhile (a rebalance is acted on at once).
    fn compute(&mut self) -> Result<Polled> {
        let inner = &self.inner;
        let _one_poll_at_a_time = inner.polling.lock().unwrap_or_else(|p| p.into_inner());
        let mut framer = Framer::default();
        let mut epoch = inner.positions.lock().unwrap_or_else(|p| p.into_inner()).epoch;
        if inner.closed() {
            return Ok(Polled { epoch, framer, events: Vec::new() });
        }
        let deadline = Instant::now() + self.wait;
        // Taken once the first message is in: the drain that follows is short, and an assign waits for it.
        let mut positions = None;
        loop {
            let timeout = if framer.messages == 0 && positions.is_none() { deadline.saturating_duration_since(Instant::now()) } else { Duration::ZERO };
            match inner.consumer.poll(timeout) {
                Some(Ok(m)) => {
                    let p = positions.get_or_insert_with(|| inner.positions.lock().unwrap_or_else(|p| p.into_inner()));
                    epoch = p.epoch;
                    if p.take(m.partition(), m.offset()) {
                        framer.push(m.partition(), m.offset(), m.payload());
                    }
                    if framer.bytes >= self.max_bytes {
                        break;
                    }
                }
                Some(Err(e)) => {
                    let error = kafka_error(&e);
                    inner.context().push(Event::Error { code: error.code, message: error.message, fatal: error.fatal });
                }
                None => {
                    if positions.is_some() || Instant::now() >= deadline {
                        break;
                    }
                }
            }
            if inner.context().pending() {
                break;
            }
        }
        drop(positions);
        Ok(Polled { epoch, framer, events: inner.context().take() })
    }

    fn resolve(&mut self, _env: Env, out: Polled) -> Result<KafkaPollResult> {
        let chunks = out
            .framer
            .chunks
            .into_iter()
            .map(|c| KafkaChunk { partition: c.partition, data: CopiedBuffer(c.data), last_offset: c.last_offset, messages: c.messages })
            .collect();
        Ok(KafkaPollResult { epoch: out.epoch, chunks, events: out.events.into_iter().map(js_event).collect() })
    }
}

#[napi(object)]
pub struct KafkaConnectResult {
    pub error: Option<KafkaError>,
    /// What librdkafka reported while connecting (rejected credentials arrive here, before the failure).
    pub events: Vec<KafkaEvent>,
}

pub struct ConnectTask {
    pub inner: Arc<Inner>,
    pub timeout: Duration,
}

impl Task for ConnectTask {
    type Output = (Option<KafkaError>, Vec<Event>);
    type JsValue = KafkaConnectResult;

    /// Reaching the brokers: a metadata request, as node-rdkafka's `connect` made.
    fn compute(&mut self) -> Result<Self::Output> {
        let inner = &self.inner;
        let error = inner.consumer.fetch_metadata(None, self.timeout).err().map(|e| kafka_error(&e));
        if error.is_some() {
            let _guard = inner.polling.lock().unwrap_or_else(|p| p.into_inner());
            // Serve the queue once so that error events queued meanwhile are seen (no subscription yet: no messages).
            let _ = inner.consumer.poll(Duration::from_millis(50));
        }
        Ok((error, inner.context().take()))
    }

    fn resolve(&mut self, _env: Env, (error, events): Self::Output) -> Result<KafkaConnectResult> {
        Ok(KafkaConnectResult { error, events: events.into_iter().map(js_event).collect() })
    }
}

#[napi(object)]
pub struct KafkaOffset {
    pub partition: i32,
    pub offset: i64,
}

pub fn partition_list(topic: &str, offsets: &[KafkaOffset]) -> Result<TopicPartitionList> {
    let mut tpl = TopicPartitionList::new();
    for o in offsets {
        tpl.add_partition_offset(topic, o.partition, Offset::Offset(o.offset)).map_err(|e| Error::from_reason(format!("LP_ERR_KAFKA: {e}")))?;
    }
    Ok(tpl)
}

pub struct CommitTask {
    pub inner: Arc<Inner>,
    pub offsets: TopicPartitionList,
    pub sync: bool,
}

// The list's raw pointer is owned by it and only used on one thread at a time.
unsafe impl Send for CommitTask {}

impl Task for CommitTask {
    type Output = Option<KafkaError>;
    type JsValue = Option<KafkaError>;

    /// An asynchronous commit returns once queued (its outcome comes back as a `commit-failed` event when it
    /// fails); a synchronous one once the coordinator answered.
    fn compute(&mut self) -> Result<Option<KafkaError>> {
        let mode = if self.sync { CommitMode::Sync } else { CommitMode::Async };
        Ok(self.inner.consumer.commit(&self.offsets, mode).err().map(|e| kafka_error(&e)))
    }

    fn resolve(&mut self, _env: Env, out: Option<KafkaError>) -> Result<Option<KafkaError>> {
        Ok(out)
    }
}

#[napi(object)]
pub struct KafkaCommitted {
    pub error: Option<KafkaError>,
    /// Partitions with a committed offset (those without one are left out).
    pub offsets: Vec<KafkaOffset>,
}

pub struct CommittedTask {
    pub inner: Arc<Inner>,
    pub partitions: Vec<i32>,
    pub timeout: Duration,
}

impl Task for CommittedTask {
    type Output = KafkaCommitted;
    type JsValue = KafkaCommitted;

    fn compute(&mut self) -> Result<KafkaCommitted> {
        let mut tpl = TopicPartitionList::new();
        for &p in &self.partitions {
            tpl.add_partition(&self.inner.topic, p);
        }
        Ok(match self.inner.consumer.committed_offsets(tpl, self.timeout) {
            Ok(list) => KafkaCommitted {
                error: None,
                offsets: list
                    .elements()
                    .iter()
                    .filter_map(|e| match e.offset() {
                        Offset::Offset(o) if o >= 0 => Some(KafkaOffset { partition: e.partition(), offset: o }),
                        _ => None,
                    })
                    .collect(),
            },
            Err(e) => KafkaCommitted { error: Some(kafka_error(&e)), offsets: Vec::new() },
        })
    }

    fn resolve(&mut self, _env: Env, out: KafkaCommitted) -> Result<KafkaCommitted> {
        Ok(out)
    }
}

#[napi(object)]
pub struct KafkaWatermarks {
    pub error: Option<KafkaError>,
    pub low: i64,
    pub high: i64,
}

pub struct WatermarksTask {
    pub inner: Arc<Inner>,
    pub partition: i32,
    pub timeout: Duration,
}

impl Task for WatermarksTask {
    type Output = KafkaWatermarks;
    type JsValue = KafkaWatermarks;

    /// Asks the partition's leader (a broker round trip).
    fn compute(&mut self) -> Result<KafkaWatermarks> {
        Ok(match self.inner.consumer.fetch_watermarks(&self.inner.topic, self.partition, self.timeout) {
            Ok((low, high)) => KafkaWatermarks { error: None, low, high },
            Err(e) => KafkaWatermarks { error: Some(kafka_error(&e)), low: -1, high: -1 },
        })
    }

    fn resolve(&mut self, _env: Env, out: KafkaWatermarks) -> Result<KafkaWatermarks> {
        Ok(out)
    }
}

pub struct CloseTask {
    pub inner: Arc<Inner>,
}

impl Task for CloseTask {
    type Output = ();
    type JsValue = ();

    /// Leaves the group (the revoke is answered in context.rs) and stops the client's fetching.
    fn compute(&mut self) -> Result<()> {
        let inner = &self.inner;
        let _guard = inner.polling.lock().unwrap_or_else(|p| p.into_inner());
        if inner.mark_closed() {
            return Ok(());
        }
        inner.context().set_closing();
        if inner.consumer.close_queue().is_ok() {
            let give_up = Instant::now() + Duration::from_secs(30);
            while !inner.consumer.closed() && Instant::now() < give_up {
                let _ = inner.consumer.poll(Duration::from_millis(100));
            }
        }
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _: ()) -> Result<()> {
        Ok(())
    }
}

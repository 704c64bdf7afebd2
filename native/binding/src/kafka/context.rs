//! What librdkafka tells the consumer between polls — rebalances, failed commits, client errors — kept as data
//! for JavaScript to act on (the next poll result carries them). A rebalance is not carried out here: JavaScript
//! makes what it read durable and commits before it gives partitions up, and picks each partition's start
//! offset (checkpoint or group commit) before it takes one, then calls `assign` or `unassign` itself; librdkafka
//! waits for that call. Only while closing does this side answer a rebalance on its own.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::TopicPartitionList;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Assign(Vec<i32>),
    Revoke(Vec<i32>),
    RebalanceFailed { code: i32, message: String },
    CommitFailed { code: i32, message: String },
    Error { code: i32, message: String, fatal: bool },
}

/// librdkafka's error code and its text ("Local: Authentication failure"); -1 when the error has none.
pub fn error_parts(e: &KafkaError) -> (i32, String) {
    match e.rdkafka_error_code() {
        Some(code) => (code as i32, code.to_string()),
        None => (-1, e.to_string()),
    }
}

#[derive(Default)]
pub struct Context {
    events: Mutex<Vec<Event>>,
    closing: AtomicBool,
}

impl Context {
    pub fn push(&self, event: Event) {
        self.events.lock().unwrap_or_else(|p| p.into_inner()).push(event);
    }

    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn pending(&self) -> bool {
        !self.events.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    pub fn set_closing(&self) {
        self.closing.store(true, Ordering::SeqCst);
    }
}

impl ClientContext for Context {
    /// librdkafka's own log lines are not the daemon's: what matters reaches JavaScript as events.
    fn log(&self, _level: RDKafkaLogLevel, _fac: &str, _message: &str) {}

    fn error(&self, error: KafkaError, reason: &str) {
        let (code, _) = error_parts(&error);
        self.push(Event::Error { code, message: reason.to_string(), fatal: matches!(error, KafkaError::MessageConsumptionFatal(_)) });
    }
}

impl ConsumerContext for Context {
    fn rebalance(&self, consumer: &BaseConsumer<Self>, err: RDKafkaRespErr, tpl: &mut TopicPartitionList) {
        let partitions: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
        let closing = self.closing.load(Ordering::SeqCst);
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS if !closing => self.push(Event::Assign(partitions)),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS if !closing => self.push(Event::Revoke(partitions)),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS | RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                // Closing: the daemon already made everything durable and committed; leave the group.
                let _ = consumer.unassign();
            }
            other => {
                // librdkafka's advice for a failed rebalance: drop the assignment; the group assigns again.
                let _ = consumer.unassign();
                let code = other as i32;
                let message = rdkafka::error::RDKafkaErrorCode::from(other).to_string();
                self.push(Event::RebalanceFailed { code, message });
            }
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, _offsets: &TopicPartitionList) {
        if let Err(e) = result {
            let (code, message) = error_parts(&e);
            // "No offset to commit" is not a failure.
            if code != RDKafkaRespErr::RD_KAFKA_RESP_ERR__NO_OFFSET as i32 {
                self.push(Event::CommitFailed { code, message });
            }
        }
    }
}

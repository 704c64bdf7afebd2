//! `kafka-consume-probe BROKERS TOPIC COUNT`: reads COUNT messages of TOPIC from the earliest offset with the
//! daemon's fetch settings, appends each to a 1 MiB chunk (a newline added when missing, as the daemon does) and
//! prints one JSON line: messages, bytes, chunks, seconds from the first message to the last.
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::Message;
use std::time::{Duration, Instant};

const CHUNK_BYTES: usize = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: kafka-consume-probe BROKERS TOPIC COUNT");
        std::process::exit(2);
    }
    let (brokers, topic) = (&args[1], &args[2]);
    let Ok(count) = args[3].parse::<usize>() else {
        eprintln!("COUNT must be a number, got {}", args[3]);
        std::process::exit(2);
    };
    let consumer: BaseConsumer = match ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("kafka-consume-probe-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        // The daemon's settings (src/sources/kafka.ts).
        .set("max.partition.fetch.bytes", "2097152")
        .set("fetch.max.bytes", "16777216")
        .set("queued.max.messages.kbytes", "8192")
        .set("fetch.queue.backoff.ms", "10")
        .set("socket.nagle.disable", "true")
        .create()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot create the consumer: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = consumer.subscribe(&[topic]) {
        eprintln!("cannot subscribe to {topic}: {e}");
        std::process::exit(1);
    }
    let (mut messages, mut bytes, mut chunks) = (0usize, 0usize, 0usize);
    let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + 64 * 1024);
    let mut first: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(300);
    while messages < count && Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                first.get_or_insert_with(Instant::now);
                if let Some(p) = m.payload() {
                    chunk.extend_from_slice(p);
                    if p.last() != Some(&b'\n') {
                        chunk.push(b'\n');
                    }
                    bytes += p.len();
                }
                messages += 1;
                if chunk.len() >= CHUNK_BYTES {
                    chunks += 1;
                    chunk.clear();
                }
            }
            Some(Err(e)) => eprintln!("consume error: {e}"),
            None => {}
        }
    }
    if !chunk.is_empty() {
        chunks += 1;
    }
    let seconds = first.map_or(0.0, |t| t.elapsed().as_secs_f64());
    println!("{{\"messages\":{messages},\"bytes\":{bytes},\"chunks\":{chunks},\"seconds\":{seconds:.6}}}");
    if messages < count {
        std::process::exit(1);
    }
}

// node-rdkafka's side of `npm run bench:kafka-consume`: what the daemon's consumer does before any parsing —
// consume calls of up to 10,000 messages with its fetch settings, every message a JavaScript object, their values
// joined into one Buffer per call — and nothing else. Prints the JSON line kafka-consume-probe prints.
// Usage: node --import tsx bench/kafka-consume-node.ts BROKERS TOPIC COUNT
import { createRequire } from 'node:module';

import type * as RdKafka from 'node-rdkafka';

const [brokers, topic, countText] = process.argv.slice(2);
const count = Number(countText);
const Kafka = createRequire(import.meta.url)('node-rdkafka') as typeof RdKafka;
const consumer = new Kafka.KafkaConsumer(
  {
    'metadata.broker.list': brokers!,
    'group.id': `kafka-consume-node-${process.pid}`,
    'enable.auto.commit': false,
    'max.partition.fetch.bytes': 2 * 1024 * 1024,
    'fetch.max.bytes': 16 * 1024 * 1024,
    'queued.max.messages.kbytes': 8192,
    'fetch.queue.backoff.ms': 10,
    'socket.nagle.disable': true,
  },
  { 'auto.offset.reset': 'earliest' },
);
await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
consumer.setDefaultConsumeTimeout(10);
consumer.subscribe([topic!]);
let messages = 0;
let bytes = 0;
let chunks = 0;
let first = 0;
const deadline = Date.now() + 300_000;
await new Promise<void>((resolve) => {
  const next = (): void =>
    consumer.consume(10_000, (_err, batch) => {
      if (batch.length > 0) {
        if (first === 0) first = performance.now();
        const chunk = Buffer.concat(batch.map((m) => m.value ?? Buffer.alloc(0)));
        bytes += chunk.length;
        messages += batch.length;
        chunks++;
      }
      if (messages >= count || Date.now() > deadline) resolve();
      else setImmediate(next);
    });
  next();
});
const seconds = first === 0 ? 0 : (performance.now() - first) / 1000;
console.log(JSON.stringify({ messages, bytes, chunks, seconds }));
consumer.disconnect();
process.exitCode = messages < count ? 1 : 0;

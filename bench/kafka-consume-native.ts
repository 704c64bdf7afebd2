// The daemon's own consumer in `npm run bench:kafka-consume`: the native module's KafkaConsumer (librdkafka
// driven from Rust, one chunk of lines per partition a poll) polled from Node as src/sources/kafka.ts polls it,
// with the daemon's own settings (consumerConfig), nothing parsed. Prints the JSON line kafka-consume-probe prints.
// Usage: node --import tsx bench/kafka-consume-native.ts BROKERS TOPIC COUNT
import { KafkaConsumer } from '../src/native.js';
import { consumerConfig, POLL_MAX_BYTES, POLL_WAIT_MS } from '../src/sources/kafka.js';

const [brokers, topic, countText] = process.argv.slice(2);
const count = Number(countText);
const consumer = new KafkaConsumer(
  topic!,
  consumerConfig({ client: { 'metadata.broker.list': brokers! }, group: `kafka-consume-native-${process.pid}`, startingOffsets: 'earliest' }),
);
const connected = await consumer.connect(15_000);
if (connected.error) throw new Error(`cannot connect: ${connected.error.message}`);
consumer.subscribe();
let [messages, bytes, chunks, first] = [0, 0, 0, 0];
const deadline = Date.now() + 300_000;
while (messages < count && Date.now() < deadline) {
  const r = await consumer.poll(POLL_WAIT_MS, POLL_MAX_BYTES);
  // The group's answer, as the source gives it: every partition from the start (auto.offset.reset).
  for (const e of r.events) if (e.kind === 'assign') consumer.assign((e.partitions ?? []).map((partition) => ({ partition })));
  for (const c of r.chunks) {
    if (first === 0) first = performance.now();
    messages += c.messages;
    bytes += c.data.length;
    chunks++;
  }
}
const seconds = first === 0 ? 0 : (performance.now() - first) / 1000;
console.log(JSON.stringify({ messages, bytes, chunks, seconds }));
await consumer.close();
process.exitCode = messages < count ? 1 : 0;

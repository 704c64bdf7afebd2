// Where the latency driver writes its lines, one kind per source the scenario measures: the daemon's
// tcp-listen socket, its stdin (a FIFO the daemon reads as standard input), or a Kafka topic (a producer with
// `linger.ms` 1 and Nagle off, each line one message, line i to partition i % partitions so the scenario knows
// which stream carries which line). Runs in the driver's worker thread.
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Writable } from 'node:stream';

import type * as RdKafka from 'node-rdkafka';

export type DriverTarget =
  | { kind: 'tcp'; port: number }
  | { kind: 'fifo'; path: string }
  | { kind: 'kafka'; brokers: string; topic: string; partitions: number };

export interface LineWriter {
  /**
   * Writes lines `from`..`to - 1` (`lineOf` gives each, newline included). Resolves at once unless the target
   * pushes back and `respectBackpressure` is set (saturation runs go at the daemon's pace, fixed rates do not wait:
   * a daemon that cannot keep up shows as latency).
   */
  write(from: number, to: number, lineOf: (id: number) => string, respectBackpressure: boolean): Promise<void>;
  close(): Promise<void>;
}

/** ERR__QUEUE_FULL: librdkafka's local queue is full; poll and try again. */
const QUEUE_FULL = -184;

async function streamWriter(stream: Writable): Promise<LineWriter> {
  return {
    async write(from, to, lineOf, respect) {
      let text = '';
      for (let id = from; id < to; id++) text += lineOf(id);
      if (!stream.write(text) && respect) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}

async function tcpWriter(port: number): Promise<LineWriter> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return streamWriter(socket);
}

async function fifoWriter(path: string): Promise<LineWriter> {
  const stream = createWriteStream(path, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return streamWriter(stream);
}

async function kafkaWriter(t: Extract<DriverTarget, { kind: 'kafka' }>): Promise<LineWriter> {
  const Kafka = createRequire(import.meta.url)('node-rdkafka') as typeof RdKafka;
  const producer = new Kafka.Producer({ 'metadata.broker.list': t.brokers, 'linger.ms': 1, 'socket.nagle.disable': true, 'queue.buffering.max.messages': 1_000_000 });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(50);
  return {
    async write(from, to, lineOf) {
      for (let id = from; id < to; id++) {
        for (;;) {
          try {
            producer.produce(t.topic, id % t.partitions, Buffer.from(lineOf(id)), null);
            break;
          } catch (err) {
            if ((err as { code?: number }).code !== QUEUE_FULL) throw err;
            // Full whatever the mode: a fixed rate the broker cannot take is back-pressure too.
            producer.poll();
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        }
      }
    },
    async close() {
      await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    },
  };
}

export function openWriter(t: DriverTarget): Promise<LineWriter> {
  if (t.kind === 'tcp') return tcpWriter(t.port);
  if (t.kind === 'fifo') return fifoWriter(t.path);
  return kafkaWriter(t);
}

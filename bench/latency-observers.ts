// What the latency scenario watches while lines flow, each remembering when (hrtime ms, nowMs) it first saw a
// thing: completed files in errors/, alerts arriving on the alerts topic, window rows appearing in /windows.
import { watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';

import type * as RdKafka from 'node-rdkafka';

import { nowMs } from './daemon.js';
import { windowKeyOfIso } from './latency-lines.js';

/** Watches a directory for completed files; remembers when each name was first seen. */
export class CompletedFileWatcher {
  readonly seen = new Map<string, number>();
  readonly #dir: string;
  readonly #timer: NodeJS.Timeout;
  #watcher: ReturnType<typeof watch> | null = null;
  #scanning = false;

  constructor(dir: string) {
    this.#dir = dir;
    this.#timer = setInterval(() => void this.#scan(), 5);
  }

  async #scan(): Promise<void> {
    if (this.#scanning) return;
    this.#scanning = true;
    try {
      const names = await readdir(this.#dir);
      const at = nowMs();
      for (const n of names) if (!n.endsWith('.part') && !this.seen.has(n)) this.seen.set(n, at);
      // The directory exists from now on; inotify wakes the scan at the rename instead of the next poll.
      this.#watcher ??= watch(this.#dir, () => void this.#scan());
    } catch {
      // not created yet
    } finally {
      this.#scanning = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#watcher?.close();
  }
}

/**
 * A consumer of the alerts topic (one partition, read from offset 0, fetches answered within 5 ms, polled every
 * ~6 ms): the time
 * each alert arrives, keyed `HH:MM:SS|status` as latency-lines.ts keys crossings.
 */
export class AlertTopicWatcher {
  readonly seen = new Map<string, number>();
  readonly #consumer: RdKafka.KafkaConsumer;

  private constructor(consumer: RdKafka.KafkaConsumer) {
    this.#consumer = consumer;
  }

  static async start(brokers: string, topic: string): Promise<AlertTopicWatcher> {
    const Kafka = createRequire(import.meta.url)('node-rdkafka') as typeof RdKafka;
    const consumer = new Kafka.KafkaConsumer(
      { 'metadata.broker.list': brokers, 'group.id': `latency-${process.pid}-${Date.now()}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 5, 'fetch.error.backoff.ms': 5, 'socket.nagle.disable': true },
      {},
    );
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    const w = new AlertTopicWatcher(consumer);
    consumer.on('data', (m) => {
      const at = nowMs();
      try {
        const a = JSON.parse(m.value?.toString() ?? '') as { window_start: string; group: string };
        const key = `${windowKeyOfIso(a.window_start)}|${a.group}`;
        if (!w.seen.has(key)) w.seen.set(key, at);
      } catch {
        // not an alert: ignored
      }
    });
    // Flowing mode waits up to 5 ms per call, then (not its default 500 ms) 1 ms before the next call.
    consumer.setDefaultConsumeTimeout(5);
    consumer.setDefaultConsumeLoopTimeoutDelay(1);
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    consumer.consume();
    return w;
  }

  async stop(): Promise<void> {
    this.#consumer.unsubscribe();
    await new Promise<void>((resolve) => this.#consumer.disconnect(() => resolve()));
  }
}

/**
 * Polls the daemon's `GET /windows?kind=summary` every `everyMs` for rows not seen yet: when each window's
 * summary row first appeared (it is in the live state from the moment the window closes, before any file), and
 * its `requests` count. Each poll asks only from the oldest window not yet closed on.
 */
export class WindowsPoller {
  readonly seen = new Map<string, { at: number; requests: number }>();
  readonly #timer: NodeJS.Timeout;
  #since: string | null = null;
  #polling = false;
  errors = 0;

  constructor(apiUrl: string, everyMs: number) {
    this.#timer = setInterval(() => void this.#poll(apiUrl), everyMs);
  }

  async #poll(apiUrl: string): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const since = this.#since === null ? '' : `&since=${encodeURIComponent(this.#since)}`;
      const res = await fetch(`${apiUrl}/windows?kind=summary&limit=1000${since}`);
      const at = nowMs();
      const body = (await res.json()) as { rows: { window_start: string; requests: number }[] };
      for (const r of body.rows ?? []) {
        const key = windowKeyOfIso(r.window_start);
        if (!this.seen.has(key)) this.seen.set(key, { at, requests: r.requests });
        if (this.#since === null || r.window_start > this.#since) this.#since = r.window_start;
      }
    } catch {
      this.errors++;
    } finally {
      this.#polling = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

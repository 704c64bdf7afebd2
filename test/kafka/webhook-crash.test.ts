// Alerts to a webhook from a Kafka read that is SIGKILLed twice mid-stream (issue 13): the queue of undelivered
// alerts rides in the durable cut with the offsets, and a replay after a crash fires the alerts of its stretch again
// under the same idempotency keys. In the end the receiver has every alert of the alerts/ files — one per
// (rule, window, status), 80 in all — exactly once after dropping repeats by key, and nothing else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { lines, readKind } from '../e2e/helpers.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, createTopic, produceTo } from '../support/kafka.js';
import { freePort } from '../support/net.js';
import { sleep, until } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const WINDOW_MS = 1000;
const WINDOWS = 40;
const base = Math.floor((Date.now() - 3_600_000) / WINDOW_MS) * WINDOW_MS;

/** Window w's six records, three 500s and three 503s: a rule with threshold 2 fires once per status. */
function windowLines(w: number): string[] {
  return [0, 1, 2, 3, 4, 5].map(
    (k) => `{"timestamp": ${base + w * WINDOW_MS + k * 10}, "ip": "10.0.0.${k}", "method": "GET", "url": "/x", "status": ${k % 2 === 0 ? 500 : 503}}`,
  );
}

/** Windows [from, to) to both partitions, each in event-time order (even records to 0, odd to 1). */
async function produceWindows(brokers: string, topic: string, from: number, to: number): Promise<void> {
  const all: string[] = [];
  for (let w = from; w < to; w++) all.push(...windowLines(w));
  await produceTo(brokers, topic, 0, all.filter((_, i) => i % 2 === 0));
  await produceTo(brokers, topic, 1, all.filter((_, i) => i % 2 === 1));
}

const triple = (a: { rule: string; window_start: string; group: string }) => `${a.rule}|${a.window_start}|${a.group}`;

it('a Kafka read SIGKILLed twice: every alert reaches the webhook, once per idempotency key', async () => {
  const broker = brokerInfo();
  const topic = await createTopic(broker.plaintext, 2);
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-webhook-'));
  const receiver = new WebhookReceiver(await freePort());
  receiver.status = 200;
  await receiver.start();
  const out = join(dir, 'out');
  const cfg = join(dir, 'logpulse.yaml');
  // A group of its own per run: a SIGKILLed member would hold its partitions until the session timeout (45 s);
  // the restart resumes from the checkpoint's offsets, whatever the group committed. In cluster mode (the default),
  // with the state topic named: every run's group shares it, so the alerts fired before a kill are known after.
  const config = (run: number) =>
    `source: "kafka://${broker.plaintext}/${topic}?group=webhook-crash-${run}&startingOffsets=earliest"
api: { enabled: false }
console: { enabled: false }
output: { dir: ${out}, rotateEvery: 300ms }
checkpoint: { dir: ${join(dir, 'cp')} }
cluster: { topic: ${topic}-state }
pipeline: { window: 1s, watermark: 0s, workers: 2 }
alerts:
  early: true
  rules: [{ type: errors_per_status, threshold: 2 }]
  webhook: "${receiver.url}/hook"
`;
  const keys = () => new Set(receiver.delivered().map((r) => r.headers['idempotency-key']));
  let runs = 0;
  const start = async (): Promise<CliProcess> => {
    writeFileSync(cfg, config(runs++));
    const d = spawnCli(['run', '-c', cfg], { cwd: dir });
    await waitForLog(d, 'kafka: partitions assigned', 60_000);
    return d;
  };

  // Ten windows at a time; a kill once some of a chunk's alerts are delivered and the next chunk is on its way.
  let d = await start();
  for (let chunk = 0; chunk < 4; chunk++) {
    await produceWindows(broker.plaintext, topic, chunk * 10, chunk * 10 + 10);
    const before = keys().size;
    await until(() => `alerts of chunk ${chunk} on their way; stderr:\n${d.stderr()}`, () => keys().size > before, { ms: 30_000, everyMs: 20 });
    if (chunk === 1 || chunk === 2) {
      await sleep(chunk * 70);
      d.child.kill('SIGKILL');
      await d.exit;
      d = await start();
    }
  }
  await until(() => `80 alerts delivered (${keys().size}); stderr:\n${d.stderr()}`, () => keys().size >= 2 * WINDOWS - 2, { ms: 60_000, everyMs: 100 });
  // The last window's alerts fire early, when their second record arrives: all 80 can be in before the stop.
  await until(() => `80 alerts delivered (${keys().size})`, () => keys().size === 2 * WINDOWS, { ms: 30_000, everyMs: 100 });
  // Delivered before a kill is not yet in a durable alerts/ file: the last run fires again what its restart removed
  // (re-reading the records after its checkpoint), and a stop before that would keep those windows for the next start.
  const inAlertFiles = () => new Set(lines(readKind(out, 'alerts')).map((l) => triple(JSON.parse(l) as { rule: string; window_start: string; group: string }))).size;
  await until(() => `80 alerts in alerts/ (${inAlertFiles()}); stderr:\n${d.stderr().slice(-3000)}`, () => inAlertFiles() === 2 * WINDOWS, { ms: 60_000, everyMs: 100 });
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  await receiver.stop();

  const written = lines(readKind(out, 'alerts')).map((l) => JSON.parse(l) as { rule: string; window_start: string; group: string });
  const inFiles = new Set(written.map(triple));
  expect(written).toHaveLength(2 * WINDOWS); // the crash machinery: each alert once in alerts/
  expect(inFiles.size).toBe(2 * WINDOWS);
  const byKey = new Map<string, string>();
  for (const r of receiver.delivered()) {
    const body = JSON.parse(r.body) as { rule: string; window_start: string; group: string };
    const key = r.headers['idempotency-key'] as string;
    if (byKey.has(key)) expect(byKey.get(key), 'a repeat is the same alert').toBe(triple(body));
    byKey.set(key, triple(body));
  }
  console.info(`webhook across 2 SIGKILLs: ${receiver.delivered().length} POSTs, ${byKey.size} distinct keys`);
  expect(new Set(byKey.values())).toEqual(inFiles);
  expect(byKey.size).toBe(2 * WINDOWS);
}, 240_000);

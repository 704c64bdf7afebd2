// Issue 18: an alert from Kafka within milliseconds at a slow steady rate. A producer writes 1,000 lines/s in real
// time (event time = wall time), every line a 500: the 101st crosses `errors_per_status > 100`. The test counts the
// lines produced between that crossing and the alert's log line. A consume call that waits for 10,000 messages
// returns ~10 s after the crossing (≈ 10,000 lines later); one whose size follows the rate returns within a few
// milliseconds (a handful of lines; up to ~900 on a machine at load 12). The bound, 2,500 lines — a quarter of the
// old batch — is wide on purpose: a count, not a timing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, createTopic, steadyProducer } from '../support/kafka.js';
import { until } from '../support/wait.js';

const RATE = 1000;
const CROSSING = 100; // line index of the 101st error

it('a Kafka alert at 1,000 lines/s comes while the producer is far from the old batch of 10,000', async () => {
  const broker = brokerInfo();
  const topic = await createTopic(broker.plaintext, 1);
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-latency-'));
  const cfg = join(dir, 'logpulse.yaml');
  writeFileSync(
    cfg,
    `source: "kafka://${broker.plaintext}/${topic}?group=latency&startingOffsets=earliest"
api: { enabled: false }
console: { enabled: false }
output: { dir: ${join(dir, 'out')} }
checkpoint: { dir: ${join(dir, 'cp')} }
alerts:
  early: true
  rules: [{ type: errors_per_status, threshold: 100 }]
`,
  );
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(d, 'kafka: partitions assigned', 60_000);
  // The window must hold all of it: start right after a 30 s boundary has passed by at least a second.
  const intoWindow = Date.now() % 30_000;
  if (intoWindow > 25_000) await new Promise((r) => setTimeout(r, 31_000 - intoWindow));

  const line = (i: number) => `{"timestamp": ${Date.now()}, "ip": "10.0.${i % 250}.1", "method": "GET", "url": "/x", "status": 500}`;
  const producer = await steadyProducer(broker.plaintext, topic, RATE, line);
  let atAlert = -1;
  try {
    await until(
      () => `the alert (${producer.produced} lines produced); stderr:\n${d.stderr()}`,
      () => {
        if (d.stderr().includes('"msg":"alert"')) atAlert = producer.produced;
        return atAlert >= 0 || producer.produced > 5 * RATE;
      },
      { ms: 20_000, everyMs: 2 },
    );
  } finally {
    await producer.stop();
    d.child.kill('SIGTERM');
    await d.exit;
  }
  const after = atAlert - (CROSSING + 1);
  console.info(`kafka alert at ${RATE} lines/s: ${after} lines produced after the crossing (≈ ${Math.round((after * 1000) / RATE)} ms)`);
  expect(atAlert, 'no alert within 5 s of lines').toBeGreaterThan(CROSSING);
  expect(after).toBeLessThan(2500);
}, 120_000);

// Reloads of a kafka:// daemon on the real broker: a rebuild that keeps the consumer (held by a durable cut whose
// commit is confirmed, its partitions kept) and changes the worker count and format, then one that replaces it (the
// source URI changed: the old consumer leaves the group, the new one resumes from the checkpoint's positions) and
// reads to the end. Every error record once, the reference's rows, and offsets committed to the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { lines, readKind } from '../e2e/helpers.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, committedOffsets, createTopic, endOffsets } from '../support/kafka.js';
import { CLI } from '../support/paths.js';
import { until } from '../support/wait.js';
import { expectRows, referenceRows } from './expect-rows.js';

const PHASES = [
  { count: 120_000, seed: 21, start: '2025-06-09T09:00:00Z' },
  { count: 60_000, seed: 22, start: '2025-06-09T09:04:00Z' },
];
const gen = (p: (typeof PHASES)[number]) => ['gen', '--count', String(p.count), '--rate', '0', '--seed', String(p.seed), '--start', p.start, '--step', '2'];

const byWindowAndStatus = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.window_start).localeCompare(String(b.window_start)) || String(a.kind).localeCompare(String(b.kind)) || Number(a.status ?? 0) - Number(b.status ?? 0);

it('a kafka:// daemon rebuilt with its consumer kept, then with a new one: every error once, the reference rows, offsets committed', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-reload-'));
  const topic = await createTopic(broker.plaintext, 3);
  const uri = `kafka://${broker.plaintext}/${topic}?group=reload&startingOffsets=earliest`;
  const produce = (p: (typeof PHASES)[number]) => {
    const r = spawnSync(process.execPath, [CLI, ...gen(p), '--out', `kafka://${broker.plaintext}/${topic}`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  };
  const cfg = join(dir, 'logpulse.yaml');
  const out = join(dir, 'out');
  const yaml = (source: string, workers: number, format: string) =>
    `source: "${source}"\nformat: ${format}\nconsole: { enabled: false }\napi: { enabled: false }\noutput: { dir: ${out}, rotateEvery: 300ms }\ncheckpoint: { dir: ${join(dir, 'cp')} }\npipeline: { workers: ${workers} }\n`;
  const reloaded = (d: { stderr: () => string }) => d.stderr().split('\n').filter((l) => l.includes('"msg":"SIGHUP: config reloaded"')).length;

  produce(PHASES[0]!);
  writeFileSync(cfg, yaml(uri, 2, 'auto'));
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(d, 'source started');
  // Mid-read (120k messages take a while): the consumer is kept, the shards re-sharded 2 → 3.
  writeFileSync(cfg, yaml(uri, 3, 'json'));
  d.child.kill('SIGHUP');
  await until(() => `the first rebuild; stderr:\n${d.stderr()}`, () => reloaded(d) === 1, { ms: 60_000 });
  expect(d.stderr()).toMatch(/"rebuild":\["format","pipeline.workers"\]/);

  produce(PHASES[1]!);
  const ends = await endOffsets(broker.plaintext, topic, 3);
  expect(ends.reduce((a, b) => a + b, 0)).toBe(PHASES[0]!.count + PHASES[1]!.count);
  // A new consumer (the URI changed) that reads to the end offsets and exits.
  writeFileSync(cfg, yaml(`${uri}&endingOffsets=latest`, 1, 'json'));
  d.child.kill('SIGHUP');
  expect(await d.exit, d.stderr()).toBe(0);
  expect(reloaded(d)).toBe(2);

  const data = Buffer.concat(PHASES.map((p) => {
    const r = spawnSync(process.execPath, [CLI, ...gen(p)], { maxBuffer: 1 << 30 });
    expect(r.status).toBe(0);
    return r.stdout;
  }));
  expect(lines(readKind(out, 'errors')).sort()).toEqual(lines(data.toString()).filter((l) => !/"status": 200/.test(l)).sort());
  expect(readKind(out, 'rejected')).toBe('');
  const rows = lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expectRows(rows.sort(byWindowAndStatus), referenceRows(data).sort(byWindowAndStatus));
  expect(await committedOffsets(broker.plaintext, 'reload', topic, 3)).toEqual(ends);
}, 180_000);

// SPEC §3: on a graceful stop of an unbounded source, open windows are checkpointed, not emitted, and resume on
// restart. A tcp-listen run stopped with SIGTERM plus a restart that ends the input together write exactly
// the windows one uninterrupted run writes — also when the restart has another worker count (2 → 1, 2 → 3: the
// checkpoint's shard snapshots are re-sharded). Every field of every row is compared with the reference: a restored
// window keeps its unique IPs (the HyperLogLog sketches), its URL lists and its error rate, not only its counts.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { ReferenceShard, type ReferenceWindow, windowsToOutput } from '../support/reference-shard.js';
import { expectRows } from '../support/rows.js';
import { until } from '../support/wait.js';
import { lines, readKind } from './helpers.js';

const WINDOW_US = 30_000_000;

function dataset(): Buffer {
  // Five minutes of in-order seed lines ending an hour ago, 10 % errors.
  const start = Math.floor(Date.now() * 1000 / WINDOW_US) * WINDOW_US - 3_600_000_000;
  const out: string[] = [];
  for (let i = 0; i < 30_000; i++) {
    const ms = Math.floor((start + i * 10_000) / 1000);
    const status = i % 10 === 0 ? 500 : 200;
    out.push(`{"timestamp": ${ms}, "ip": "10.0.${(i >> 8) & 255}.${i & 255}", "method": "GET", "url": "/r/${i % 7}", "status": ${status}}`);
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

const rows = (text: string): Record<string, unknown>[] => lines(text).map((l) => JSON.parse(l));

it.each([2, 1, 3])('a stopped tcp-listen run (2 workers) checkpoints its open windows; the next run (%i workers) restores and emits them', async (workers) => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-ckpt-'));
  const checkpoint = join(dir, 'checkpoint');
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, 'output:\n  rotateEvery: 300ms\nconsole:\n  enabled: false\n');
  const data = dataset();

  const ref = new ReferenceShard({ format: 'auto' });
  const closedLive: ReferenceWindow[] = [...ref.process('s', data, Date.now() * 1000).closed, ...ref.endStream('s', Date.now() * 1000).closed];
  const closedAtEnd = ref.flush(Date.now() * 1000).closed;
  expect(closedLive.length).toBeGreaterThan(3);
  expect(closedAtEnd.length).toBeGreaterThan(0);

  const port = await freePort();

  const first = join(dir, 'out1');
  const a = spawnCli(['run', '-c', cfg, '--source', `tcp-listen://127.0.0.1:${port}`, '--output', first, '--checkpoint', checkpoint, '--no-api']);
  await waitForLog(a, 'source started');
  await new Promise<void>((res, rej) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.end(data, () => res()));
    s.once('error', rej);
  });
  const errors = lines(data.toString()).filter((l) => l.includes('"status": 500')).length;
  const liveRows = rows(windowsToOutput(closedLive, 100).rows.toString());
  await until(
    () => `every error and live row written; stderr:\n${a.stderr()}`,
    () => lines(readKind(first, 'errors')).length >= errors && lines(readKind(first, 'metrics')).length >= liveRows.length,
    { ms: 50_000, everyMs: 100 },
  );
  a.child.kill('SIGTERM');
  expect(await a.exit, a.stderr()).toBe(0);
  expect(existsSync(join(checkpoint, 'state.msgpack'))).toBe(true);
  expectRows(rows(readKind(first, 'metrics')), liveRows);

  // The restart reads an empty finite input: at its end the restored windows are emitted.
  const second = join(dir, 'out2');
  const b = spawnCli(['run', '-c', cfg, '--source', 'stdin:', '--output', second, '--checkpoint', checkpoint, '--workers', String(workers), '--no-api'], { stdin: 'pipe' });
  b.child.stdin!.end();
  expect(await b.exit, b.stderr()).toBe(0);
  expect(b.stderr()).toContain('open windows restored from the checkpoint');
  const restored = rows(windowsToOutput(closedAtEnd, 100).rows.toString());
  expect(restored.some((r) => r.kind === 'status' && (r.error_urls as string[]).length > 1)).toBe(true);
  expectRows(rows(readKind(second, 'metrics')), restored);
  expect(existsSync(join(checkpoint, 'state.msgpack'))).toBe(false);
});

// A Daemon is an object, not a process: one can be stopped and another started in the same process (config
// reload rebuilds the daemon this way). The first one's open windows survive in its checkpoint and the second
// one emits them, counted together with its own records.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { configFrom } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { memoryLogger } from '../support/memory-logger.js';
import { until } from '../support/wait.js';

/** `n` records 100 ms apart inside the window starting `windowStartMs`, every tenth a 500. */
function records(windowStartMs: number, from: number, n: number): string {
  let out = '';
  for (let i = from; i < from + n; i++) {
    out += `{"timestamp": ${windowStartMs + i * 100}, "ip": "10.0.0.${i % 250}", "method": "GET", "url": "/r/${i % 3}", "status": ${i % 10 === 0 ? 500 : 200}}\n`;
  }
  return out;
}

/** A logger whose JSON lines the test can read. */
function config(dir: string, source: string) {
  const loaded = configFrom(
    { source, output: { dir: join(dir, 'output') }, checkpoint: { dir: join(dir, 'checkpoint') }, console: { enabled: false }, api: { enabled: false }, pipeline: { workers: 2 } },
    { env: {} },
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.config;
}

const summaries = (dir: string) =>
  readdirSync(join(dir, 'output', 'metrics'))
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => readFileSync(join(dir, 'output', 'metrics', f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.kind === 'summary');

it('a stopped daemon hands its open windows to the next one started in the same process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-daemon-'));
  // One window an hour ago: 200 records in 20 s never move the watermark (10 s delay) past its end.
  const windowStartMs = Math.floor((Date.now() - 3_600_000) / 30_000) * 30_000;
  writeFileSync(join(dir, 'first.log'), records(windowStartMs, 0, 200));
  writeFileSync(join(dir, 'second.log'), records(windowStartMs, 200, 50));

  // An unbounded source (a followed file): a stop keeps its open window in the checkpoint.
  const first = memoryLogger();
  const a = await Daemon.create(config(dir, `file:${join(dir, 'first.log')}?follow=true`), first.log);
  const aDone = a.run();
  await until('the first daemon to start reading', () => first.lines.some((l) => l.includes('"source started"')));
  await new Promise((r) => setTimeout(r, 500));
  a.stop('SIGTERM');
  expect(await aDone).toBe(0);
  expect(first.lines.some((l) => l.includes('stopped; open windows were not emitted'))).toBe(true);
  expect(readdirSync(join(dir, 'checkpoint'))).toContain('state.msgpack');

  // A finite source in the same process: it restores the window, adds its own records and emits it at the end.
  const second = memoryLogger();
  const b = await Daemon.create(config(dir, `file:${join(dir, 'second.log')}`), second.log);
  expect(await b.run()).toBe(0);
  expect(second.lines.some((l) => l.includes('open windows restored from the checkpoint')), second.lines.join('\n')).toBe(true);
  const rows = summaries(dir);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ window_start: new Date(windowStartMs).toISOString(), requests: 250, errors: 25 });
});

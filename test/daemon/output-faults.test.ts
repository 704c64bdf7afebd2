// A disk fault as the daemon's outputs see it (output-faults.ts): the operator is told once when it starts, every
// 30 s while it lasts (not once per retry or per sink) and once when it ends; the source is paused from the first
// failure to the recovery; nothing written meanwhile is lost. The sinks write real files through fault-fs.ts
// (an injected ENOSPC); the clock of the reminders is vitest's fake one.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it, vi } from 'vitest';

import { FAULT_REMINDER_MS, OutputFaults } from '../../src/daemon/output-faults.js';
import { Outputs } from '../../src/daemon/outputs.js';
import { memoryLogger } from '../support/memory-logger.js';
import { Backpressure } from '../../src/pipeline/backpressure.js';
import { RotatingFileSink } from '../../src/sinks/rotating-file.js';
import type { FileKind } from '../../src/sinks/sink.js';
import { FaultFs } from '../sinks/fault-fs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpulse-faults-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const FAULT = 'output cannot be written; sources paused, data kept in memory, retrying until the disk takes writes again';
const REMINDER = 'output still cannot be written; sources stay paused, data kept in memory';
const RECOVERED = 'outputs writable again; sources resume';

it('logs a fault once, again every 30 s while it lasts whatever the retries and sinks, and once when it ends', () => {
  vi.useFakeTimers();
  const { log, msgs } = memoryLogger();
  const onChange = vi.fn();
  const faults = new OutputFaults({ log, pendingBytes: () => 42, onChange });
  const enospc = (path: string) => Object.assign(new Error(`write ${path} failed (ENOSPC)`), { code: 'LP_ERR_SINK_IO', syscallCode: 'ENOSPC' });
  faults.failed('errors', enospc('out/errors/x.part') as never);
  faults.failed('metrics', enospc('out/metrics/y.part') as never);
  expect(msgs()).toEqual([FAULT]);
  expect(faults.failing).toBe(2);
  expect(faults.detail()).toMatch(/^errors cannot be written for 0 s \(ENOSPC\): .*; metrics cannot be written for 0 s \(ENOSPC\)/);
  vi.advanceTimersByTime(FAULT_REMINDER_MS - 1);
  expect(msgs()).toEqual([FAULT]);
  vi.advanceTimersByTime(2 * FAULT_REMINDER_MS);
  expect(msgs()).toEqual([FAULT, REMINDER, REMINDER]);
  faults.recovered('errors');
  expect(msgs()).toHaveLength(3); // metrics still fails
  faults.recovered('metrics');
  vi.advanceTimersByTime(5 * FAULT_REMINDER_MS);
  expect(msgs()).toEqual([FAULT, REMINDER, REMINDER, RECOVERED]);
  expect(faults.failing).toBe(0);
  expect(faults.detail()).toBe('');
  expect(onChange).toHaveBeenCalledTimes(2); // started, ended
});

it('a disk that flaps (fails, works, fails …) is said at most once per 30 s', () => {
  vi.useFakeTimers();
  const { log, msgs } = memoryLogger();
  const faults = new OutputFaults({ log, pendingBytes: () => 0, onChange: () => {} });
  const enospc = Object.assign(new Error('write failed (ENOSPC)'), { syscallCode: 'ENOSPC' }) as never;
  for (let i = 0; i < 10; i++) {
    faults.failed('errors', enospc);
    vi.advanceTimersByTime(1000);
    faults.recovered('errors');
    vi.advanceTimersByTime(1000);
  }
  expect(msgs()).toEqual([FAULT, RECOVERED]);
  vi.advanceTimersByTime(FAULT_REMINDER_MS);
  faults.failed('errors', enospc);
  expect(msgs()).toEqual([FAULT, RECOVERED, FAULT]);
  faults.stop();
});

it('a failing output pauses the source at once and resumes it when the disk takes writes again, nothing lost', async () => {
  const { log, msgs } = memoryLogger();
  const fs = new FaultFs();
  let outputs: Outputs | null = null;
  const bp = new Backpressure({ shards: 1, maxInFlightChunks: 4, maxPendingBytes: 1 << 20, pendingBytes: () => outputs!.pendingBytes, outputFailing: () => outputs!.failing });
  const events: string[] = [];
  bp.onPause = () => events.push('pause');
  bp.onResume = () => events.push('resume');
  const faults = new OutputFaults({ log, pendingBytes: () => outputs?.pendingBytes ?? 0, onChange: () => bp.check() });
  const sink = (kind: FileKind) =>
    new RotatingFileSink({ dir: join(dir, kind), kind, shard: 'all', rotateEveryMs: 60_000, retryMinMs: 2, retryMaxMs: 20, fs, onError: (e) => faults.failed(kind, e), onRecovered: () => faults.recovered(kind) });
  outputs = new Outputs({ files: { errors: sink('errors'), rejected: sink('rejected'), metrics: sink('metrics'), alerts: sink('alerts') }, faults, log });

  fs.full = true;
  const batch = (from: number) => Buffer.from(Array.from({ length: 50 }, (_, i) => `{"n":${from + i}}\n`).join(''));
  outputs.errors(batch(0));
  outputs.rejected(batch(0));
  await vi.waitFor(() => expect(events).toEqual(['pause']), { timeout: 10_000 });
  expect(outputs.failing).toBe(true);
  // Data that was already on its way (a chunk the paused source still delivered) is kept too.
  outputs.errors(batch(50));
  await vi.waitFor(() => expect(fs.failures.write ?? 0).toBeGreaterThanOrEqual(10), { timeout: 10_000 });
  expect(msgs().filter((m) => m === FAULT)).toHaveLength(1);

  fs.full = false;
  await outputs.close();
  expect(events).toEqual(['pause', 'resume']);
  expect(msgs().filter((m) => m === RECOVERED)).toHaveLength(1);
  const read = async (kind: string) => {
    const names = (await readdir(join(dir, kind))).sort();
    expect(names.every((n) => !n.endsWith('.part'))).toBe(true);
    return (await Promise.all(names.map((n) => readFile(join(dir, kind, n), 'utf8')))).join('');
  };
  expect(await read('errors')).toBe(batch(0).toString() + batch(50).toString());
  expect(await read('rejected')).toBe(batch(0).toString());
});

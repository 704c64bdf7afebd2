// Issue 20, long-run correctness: `file:PATH?follow=true` across 100 rotations of the followed file, half of them
// logrotate's default (rename, then a new file; the rename overwrites the previous rotated file, so one the daemon
// still held would show as `(deleted)`) and half `copytruncate` (truncated in place). Every line of every
// generation is counted, and the daemon holds the same descriptors after the 100th rotation as after the 10th:
// one on the followed path, none on a rotated or deleted file (test/support/fds.ts compares them by target).
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it, onTestFinished } from 'vitest';

import { descriptors, expectSameDescriptors, fdCount, showFds } from '../support/fds.js';
import { untilAsync } from '../support/wait.js';
import { metrics, startDaemon } from './disk-fault-helpers.js';

const ROTATIONS = 100;
const COMPARED_FROM = 10;
/** Lines per generation: a few first (so a truncation is seen before the file outgrows its old size), then more. */
const FIRST_LINES = 3;
const MORE_LINES = 17;
const START_MS = Date.now() - 3_600_000;

let written = 0;

/** The next `n` lines, 100 ms of event time apart across generations (never late); every seventh a 500. */
function nextLines(n: number): string {
  let text = '';
  for (let k = 0; k < n; k++, written++) {
    text += `{"timestamp": ${START_MS + written * 100}, "ip": "10.2.${(written >> 8) & 255}.${written & 255}", "method": "GET", "url": "/f", "status": ${written % 7 === 0 ? 500 : 200}}\n`;
  }
  return text;
}

it('file:?follow=true across 100 rotations (rename + create, copytruncate): every line counted, no descriptor growth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-follow-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, '');
  const out = join(dir, 'out');
  const { d, api } = await startDaemon(dir, out, '1s', '', `file:${log}?follow=true`);
  const read = async (what: string): Promise<void> =>
    untilAsync(`${written} lines read (${what})`, async () => (await metrics(api)).get('logpulse_lines_total{source="file"}') === written, { ms: 20_000 });

  let compared: Map<string, number> | null = null;
  for (let r = 0; r < ROTATIONS; r++) {
    appendFileSync(log, nextLines(FIRST_LINES));
    await read(`generation ${r}, first lines`);
    appendFileSync(log, nextLines(MORE_LINES));
    await read(`generation ${r}`);
    if (r === COMPARED_FROM) compared = descriptors(d.child.pid!, out);
    if (r % 2 === 0) {
      renameSync(log, `${log}.1`);
      writeFileSync(log, '');
    } else {
      truncateSync(log, 0);
    }
  }
  appendFileSync(log, nextLines(FIRST_LINES));
  await read('after the last rotation');
  const after = descriptors(d.child.pid!, out);
  console.info(`daemon descriptors: ${fdCount(compared!)} after ${COMPARED_FROM} rotations (${showFds(compared!)}), ${fdCount(after)} after ${ROTATIONS} (${showFds(after)})`);
  expect(after.get(log)).toBe(1);
  expect([...after.keys()].filter((what) => what.includes('(deleted)') || what.startsWith(`${log}.`))).toEqual([]);
  expectSameDescriptors(compared!, after);

  const m = await metrics(api);
  expect(m.get('logpulse_records_total{source="file"}')).toBe(written);
  expect(m.get('logpulse_error_records_total')).toBe(Math.ceil(written / 7));
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr().slice(-2000)).toBe(0);
}, 180_000);

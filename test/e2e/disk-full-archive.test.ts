// The Parquet archive on a full disk (README, Archive: "A write that fails"): an archive cut that cannot be written
// is an output fault like any other — the native shards keep every row since their last good cut, the sources
// pause, the daemon says why (once), `/ready` is 503 — and the cut is retried until the disk takes it; then the
// sources resume and every record is archived exactly once, the other outputs intact. With a file source (which
// replays) the durable cut waits for the archive, and a stop during the fault waits for the disk too.
//
// Fault injection: the archive dir is a real 2 MiB tmpfs filled to ENOSPC when `mount` is permitted (root);
// otherwise (or with LOGPULSE_TEST_NO_MOUNT=1) the injected fallback: the archive's hour directory of the next
// rows is moved aside and a plain file put in its place (EEXIST). The test prints which one ran.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { listArchiveFiles } from '../../src/archive/files.js';
import { openDuck } from '../support/archive.js';
import { fillDisk, freeDisk, mountTmpfs, unmount } from '../support/small-disk.js';
import { untilAsync } from '../support/wait.js';
import { batch, connect, expectEveryErrorOnce, FAULT, logged, metrics, RECOVERED, ready, send, sendAndLeave, startDaemon } from './disk-fault-helpers.js';

let dir: string;
/** The small disk both tests archive to, each under a directory of its own. */
let disk: string;
let tmpfs = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-archive-full-'));
  disk = join(dir, 'archive');
  tmpfs = mountTmpfs(disk, '2m');
  console.info(`archive fault injection: ${tmpfs ? 'real 2 MiB tmpfs filled to ENOSPC' : 'injected fallback: the next hour directory taken by a file'}`);
});

afterAll(() => {
  if (tmpfs) unmount(disk);
  rmSync(dir, { recursive: true, force: true });
});

/** Rows archived under `archive` (published files only), and how many distinct timestamps they have. */
async function archivedRows(archive: string): Promise<{ n: number; distinct_n: number }> {
  const { files } = await listArchiveFiles(archive);
  if (files.length === 0) return { n: 0, distinct_n: 0 };
  const { conn, close } = await openDuck();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT timestamp)::INTEGER AS distinct_n FROM read_parquet([${list}])`);
    return r.getRowObjects()[0] as { n: number; distinct_n: number };
  } finally {
    close();
  }
}

/**
 * Makes `archive` unwritable once it holds a published hour: the disk filled (tmpfs), or that hour's directory taken
 * by a file (its published file moved aside, and back at the heal: the test counts it). Returns the heal (once).
 */
async function breakArchive(archive: string): Promise<() => void> {
  let healed = false;
  const once = (heal: () => void) => () => {
    if (!healed) heal();
    healed = true;
  };
  if (tmpfs) {
    const filler = fillDisk(archive);
    return once(() => freeDisk(filler));
  }
  // The next rows fall in the same hour as those already archived: no cut can go there.
  const hour = (await listArchiveFiles(archive)).files.map((f) => f.slice(0, f.lastIndexOf('/')))[0]!;
  const aside = `${archive}-hour-aside`;
  renameSync(hour, aside);
  writeFileSync(hour, 'in the way\n');
  return once(() => {
    rmSync(hour, { force: true });
    renameSync(aside, hour);
  });
}

const code = (): string => (tmpfs ? 'ENOSPC' : 'EEXIST');

it('pauses the source while the archive cannot be written, says why once, resumes by itself and archives every record once', async () => {
  const archive = join(disk, 'tcp');
  const out = join(dir, 'out');
  mkdirSync(join(dir, 'tcp'));
  const { d, api, sourcePort } = await startDaemon(join(dir, 'tcp'), out, '300ms', `archive: { enabled: true, dir: ${archive} }\n`);
  const linesRead = async () => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}');
  await send(sourcePort, batch(0, 1000));
  await untilAsync('batch A archived', async () => (await archivedRows(archive)).n === 1000);

  const heal = await breakArchive(archive);
  try {
    await sendAndLeave(sourcePort, batch(1000, 1000));
    await untilAsync('/ready 503', async () => (await ready(api)).status === 503, { ms: 20_000 });
    const r = await ready(api);
    expect(r.body.checks.archive!.ok).toBe(false);
    expect(r.body.checks.archive!.detail).toMatch(/^archive cut \d+ failed: .*rows are kept for the next cut.*; sources paused/);
    expect(r.body.checks.outputs!.ok).toBe(false);
    expect(r.body.checks.outputs!.detail).toMatch(new RegExp(`^sources paused: archive cannot be written for \\d+ s \\(${code()}\\)`));
    const m = await metrics(api);
    expect(m.get('logpulse_backpressure_paused')).toBe(1);
    expect(m.get('logpulse_output_failing')).toBe(1);
    expect(m.get('logpulse_durable_cut_failures_total{kind="archive"}')).toBeGreaterThan(0);

    // Paused: a new sender's lines are not read while the fault lasts.
    const sender = await connect(sourcePort);
    sender.end(batch(2000, 1000));
    await untilAsync('a retry failed again', async () => (await metrics(api)).get('logpulse_durable_cut_failures_total{kind="archive"}')! >= 2, { ms: 20_000 });
    expect(await linesRead()).toBe(2000);
    // Said once, with the kind and the errno code, not once per retry.
    expect(logged(d, FAULT)).toBe(1);
    const fault = d.stderr().split('\n').find((l) => l.includes(FAULT))!;
    expect(fault).toContain('"kind":"archive"');
    expect(fault).toContain(`"code":"${code()}"`);
  } finally {
    heal();
  }
  await untilAsync('/ready 200 again', async () => (await ready(api)).status === 200, { ms: 20_000 });
  await untilAsync('batch C read after the resume', async () => (await linesRead()) === 3000, { ms: 20_000 });
  expect(logged(d, RECOVERED)).toBe(1);
  expect((await metrics(api)).get('logpulse_output_failing')).toBe(0);
  await send(sourcePort, batch(3000, 1000));
  await untilAsync('batch D read', async () => (await linesRead()) === 4000);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);

  expectEveryErrorOnce(out, 4000); // the other outputs lost nothing
  expect(await archivedRows(archive)).toEqual({ n: 4000, distinct_n: 4000 }); // every record, once
  expect((await listArchiveFiles(archive)).files.every((f) => !f.includes('/.'))).toBe(true);
}, 120_000);

it('with a file source the durable cut waits for the archive, and a stop during the fault waits for the disk', async () => {
  const archive = join(disk, 'file');
  const home = join(dir, 'file');
  const out = join(home, 'out');
  const input = join(home, 'input.log');
  mkdirSync(home);
  writeFileSync(input, batch(0, 1000));
  const { d, api } = await startDaemon(home, out, '300ms', `shutdownTimeout: 60s\narchive: { enabled: true, dir: ${archive} }\n`, `file:${input}?follow=true`);
  await untilAsync('batch A archived', async () => (await archivedRows(archive)).n === 1000, { ms: 20_000 });

  const heal = await breakArchive(archive);
  try {
    appendFileSync(input, batch(1000, 1000));
    await untilAsync('/ready 503', async () => (await ready(api)).status === 503, { ms: 20_000 });
    expect((await ready(api)).body.checks.outputs!.detail).toContain('archive cannot be written');
    expect((await metrics(api)).get('logpulse_durable_cut_failures_total{kind="full"}')).toBeGreaterThan(0);
    const fullCutFailures = async () => (await metrics(api)).get('logpulse_durable_cut_failures_total{kind="full"}')!;
    d.child.kill('SIGTERM');
    await untilAsync('the stop began', async () => (await ready(api)).body.checks.source!.detail === 'stopping');
    // The stop's own cut fails and is tried again (two more failures: one may still be a timed cut's): the daemon
    // waits for the disk rather than exiting uncommitted.
    const stopping = await fullCutFailures();
    await untilAsync('the stop\'s cut retried', async () => (await fullCutFailures()) >= stopping + 2, { ms: 20_000 });
    expect(d.child.exitCode).toBeNull();
  } finally {
    heal();
  }
  expect(await d.exit, d.stderr()).toBe(0);
  expect(await archivedRows(archive)).toEqual({ n: 2000, distinct_n: 2000 });
  expectEveryErrorOnce(out, 2000);
  expect(existsSync(join(home, 'cp', 'state.msgpack'))).toBe(true);
}, 120_000);

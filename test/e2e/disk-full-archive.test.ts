// The Parquet archive on a full disk, with a source that cannot replay (TCP), as it is today (README, Archive: "A
// write that fails"): the native shards drop the archive rows of every cut that cannot be written — the archive is
// the one output that loses rows on a disk fault — and the daemon says so (log, /metrics, `/ready`'s `archive`
// check) but neither stops nor pauses: its other outputs, on another disk, get every record. Once there is room
// again the next cut writes, and `/ready` is 200 again; no row is ever archived twice.
//
// Fault injection: the archive dir is a real 2 MiB tmpfs filled to ENOSPC when `mount` is permitted (root);
// otherwise (or with LOGPULSE_TEST_NO_MOUNT=1) the injected fallback: the archive's hour directory of the next
// rows is moved aside and a plain file put in its place (EEXIST). The test prints which one ran.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { listArchiveFiles } from '../../src/archive/files.js';
import { openDuck } from '../support/archive.js';
import { fillDisk, freeDisk, mountTmpfs, unmount } from '../support/small-disk.js';
import { untilAsync } from '../support/wait.js';
import { batch, expectEveryErrorOnce, metrics, ready, send, startDaemon } from './disk-fault-helpers.js';

let dir: string;
let archive: string;
let tmpfs = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-archive-full-'));
  archive = join(dir, 'archive');
  tmpfs = mountTmpfs(archive, '2m');
  console.info(`archive fault injection: ${tmpfs ? 'real 2 MiB tmpfs filled to ENOSPC' : 'injected fallback: the next hour directory taken by a file'}`);
});

afterAll(() => {
  if (tmpfs) unmount(archive);
  rmSync(dir, { recursive: true, force: true });
});

async function archivedRows(): Promise<{ n: number; distinct_n: number }> {
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

it('loses the archive rows of the cuts a full disk refused, says so, and goes on with every other output', async () => {
  const out = join(dir, 'out');
  const { d, api, sourcePort } = await startDaemon(dir, out, '300ms', `archive: { enabled: true, dir: ${archive} }\n`);
  const cutFailures = async () => (await metrics(api)).get('logpulse_durable_cut_failures_total{kind="archive"}') ?? 0;
  const linesRead = async () => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}');
  await send(sourcePort, batch(0, 1000));
  await untilAsync('batch A archived', async () => (await archivedRows()).n === 1000);

  let heal: () => void;
  if (tmpfs) {
    const filler = fillDisk(archive);
    heal = () => freeDisk(filler);
  } else {
    // Batch B's rows fall in the same hour as A's: its directory is replaced by a file, so no cut can go there.
    const hours = (await listArchiveFiles(archive)).files.map((f) => f.slice(0, f.lastIndexOf('/')));
    const hour = hours[0]!;
    renameSync(hour, join(dir, 'hour-aside')); // batch A's file, kept: the test counts it
    writeFileSync(hour, 'in the way\n');
    heal = () => {
      rmSync(hour, { force: true });
      renameSync(join(dir, 'hour-aside'), hour);
    };
  }
  try {
    await send(sourcePort, batch(1000, 1000));
    await untilAsync('an archive cut failed', async () => (await cutFailures()) > 0, { ms: 20_000 });
    expect(d.stderr()).toContain('"msg":"archive cut failed; rows of that cut are lost"');
    const check = (await ready(api)).body.checks.archive!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/archive cut \d+ failed/);
    expect((await ready(api)).status).toBe(503);
    // Not paused: the source goes on being read.
    await send(sourcePort, batch(2000, 1000));
    await untilAsync('batch C read while the archive fails', async () => (await linesRead()) === 3000);
  } finally {
    heal();
  }
  // Rows that reach a shard after its write failed are dropped until its next cut (native/API.md, Archive): the
  // next batch waits for a cut that succeeds.
  const cutsDone = async () => (await metrics(api)).get('logpulse_durable_cut_duration_seconds_count{kind="archive"}') ?? 0;
  const before = await cutsDone();
  await untilAsync('a cut after the disk is back', async () => (await cutsDone()) > before);
  // The next cut with rows writes again (a cut without rows would prove nothing about the disk).
  await send(sourcePort, batch(3000, 1000));
  await untilAsync('batch D read', async () => (await linesRead()) === 4000);
  await untilAsync('/ready 200 again', async () => (await ready(api)).status === 200, { ms: 20_000 });
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);

  expectEveryErrorOnce(out, 4000); // the other outputs lost nothing
  const rows = await archivedRows();
  expect(rows.n).toBe(rows.distinct_n); // nothing archived twice
  expect(rows.n).toBeGreaterThanOrEqual(2000); // batches A and D at least
  expect(rows.n).toBeLessThan(4000); // the refused cuts' rows are lost
}, 120_000);

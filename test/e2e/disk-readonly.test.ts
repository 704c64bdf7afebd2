// An output directory that turns read-only, and one that is removed, under a running daemon (README, "When the
// disk fails"). Read-only: `/ready` is 503 naming the `outputs` check with EROFS, the log says it once, and once
// the directory is writable again the daemon resumes by itself. Removed (`rm -rf` of the whole output dir while a
// file is open in it): the directories are made again, the open file is written again from memory, the run goes
// on. Either way every error record of the input is in errors/ exactly once, no line torn.
//
// Fault injection, read-only: a bind mount of the output dir onto itself, remounted read-only (root ignores
// permission bits, so chmod 0555 would not stop it) when `mount` is permitted; otherwise (or with
// LOGPULSE_TEST_NO_MOUNT=1) the injected fallback: output/errors moved aside and a plain file put in its place
// (EEXIST). The test prints which one ran. The removal needs no privilege: it always runs for real.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { bindMount, remountBind, unmount } from '../support/small-disk.js';
import { until, untilAsync } from '../support/wait.js';
import { FAULT, RECOVERED, batch, expectEveryErrorOnce, logged, metrics, ready, send, startDaemon } from './disk-fault-helpers.js';

let root: string;
const mounted: string[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'logpulse-disk-ro-'));
});

afterAll(() => {
  for (const dir of mounted) unmount(dir);
  rmSync(root, { recursive: true, force: true });
});

const linesRead = async (api: string) => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}');

it('pauses while the output dir is read-only and resumes by itself when it is writable again', async () => {
  const dir = join(root, 'ro');
  const out = join(dir, 'out');
  const bound = bindMount(out);
  if (bound) mounted.push(out);
  console.info(`read-only fault injection: ${bound ? 'read-only bind mount (EROFS)' : 'injected fallback: output/errors replaced by a file (EEXIST)'}`);
  const { d, api, sourcePort } = await startDaemon(dir, out);
  await send(sourcePort, batch(0, 1000));
  await untilAsync('batch A durable', async () => {
    const m = await metrics(api);
    return m.get('logpulse_lines_total{source="tcp-listen"}') === 1000 && m.get('logpulse_output_pending_bytes') === 0;
  });

  // A remount is refused (EBUSY) while a file is open for writing on it: retried until the rotation closed them.
  if (bound) await until('remounted read-only', () => remountBind(out, true), { ms: 15_000, everyMs: 100 });
  else {
    renameSync(join(out, 'errors'), join(dir, 'errors-aside'));
    writeFileSync(join(out, 'errors'), 'in the way\n');
  }
  const heal = () => {
    if (bound) {
      expect(remountBind(out, false)).toBe(true);
    } else {
      rmSync(join(out, 'errors'), { force: true });
      renameSync(join(dir, 'errors-aside'), join(out, 'errors'));
    }
  };
  try {
    await send(sourcePort, batch(1000, 1000));
    await untilAsync('/ready 503', async () => (await ready(api)).status === 503, { ms: 20_000 });
    const check = (await ready(api)).body.checks.outputs!;
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(bound ? 'EROFS' : 'EEXIST');
    expect((await metrics(api)).get('logpulse_backpressure_paused')).toBe(1);
    expect(logged(d, FAULT)).toBe(1);
  } finally {
    heal();
  }
  await untilAsync('/ready 200 again', async () => (await ready(api)).status === 200, { ms: 30_000 });
  expect(logged(d, RECOVERED)).toBe(1);

  await send(sourcePort, batch(2000, 1000));
  await untilAsync('batch C read', async () => (await linesRead(api)) === 3000);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  expectEveryErrorOnce(out, 3000);
  expect(readdirSync(join(out, 'errors')).filter((n) => n.endsWith('.part'))).toEqual([]);
}, 120_000);

it('makes a removed output dir again and writes the file that was open in it from memory', async () => {
  const dir = join(root, 'rm');
  mkdirSync(dir);
  const out = join(dir, 'out');
  // Rotation every hour: the file of batch A is still open (a `.part`) when its directory goes.
  const { d, api, sourcePort } = await startDaemon(dir, out, '1h');
  await send(sourcePort, batch(0, 1000));
  await untilAsync('batch A read', async () => (await linesRead(api)) === 1000);
  await until('an open .part', () => readdirSync(join(out, 'errors')).some((n) => n.endsWith('.part')));

  rmSync(out, { recursive: true, force: true });
  await send(sourcePort, batch(1000, 1000));
  await untilAsync('batch B read', async () => (await linesRead(api)) === 2000);
  expect((await ready(api)).status).toBe(200);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  expectEveryErrorOnce(out, 2000);
  expect(readdirSync(join(out, 'errors')).filter((n) => n.endsWith('.part'))).toEqual([]);
  expect(logged(d, FAULT)).toBe(0);
}, 120_000);

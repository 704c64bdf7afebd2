// A stop whose checkpoint cannot be written (README, When the disk fails: Checkpoint): the daemon exits 1 and
// says why; the open windows are lost, but with a source that cannot replay (TCP) every error record already read
// is still published in errors/, once, and no temp file is left in the checkpoint dir.
//
// Fault injection: the checkpoint dir is a real 1 MiB tmpfs filled to ENOSPC when `mount` is permitted (root);
// otherwise (or with LOGPULSE_TEST_NO_MOUNT=1) the injected fallback: the checkpoint's temp path (it names the
// daemon's pid) is taken by a directory, so the write fails with EISDIR. The test prints which one ran.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { fillDisk, mountTmpfs, unmount } from '../support/small-disk.js';
import { untilAsync } from '../support/wait.js';
import { batch, expectEveryErrorOnce, metrics, send, startDaemon } from './disk-fault-helpers.js';

let dir: string;
let cp: string;
let tmpfs = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-cp-full-'));
  cp = join(dir, 'cp');
  tmpfs = mountTmpfs(cp, '1m');
  console.info(`checkpoint fault injection: ${tmpfs ? 'real 1 MiB tmpfs filled to ENOSPC' : 'injected fallback: the temp path taken by a directory (EISDIR)'}`);
});

afterAll(() => {
  unmount(cp);
  rmSync(dir, { recursive: true, force: true });
});

it('a stop that cannot write its checkpoint exits 1 but still publishes every record it read', async () => {
  const out = join(dir, 'out');
  const { d, api, sourcePort } = await startDaemon(dir, out, '1h'); // nothing published before the stop
  await send(sourcePort, batch(0, 2000));
  await untilAsync('every line read', async () => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}') === 2000);
  if (tmpfs) fillDisk(cp);
  else mkdirSync(join(cp, `.state.msgpack.${d.child.pid}.tmp`, 'blocker'), { recursive: true });

  d.child.kill('SIGTERM');
  expect(await d.exit).toBe(1);
  expect(d.stderr()).toContain('"msg":"stop could not make everything durable"');
  expect(d.stderr()).toContain(tmpfs ? 'ENOSPC' : 'EISDIR');
  expectEveryErrorOnce(out, 2000);
  expect(readdirSync(join(out, 'errors')).filter((n) => n.endsWith('.part'))).toEqual([]);
  if (tmpfs) expect(readdirSync(cp)).toEqual(['filler']); // no checkpoint, no temp left holding the space
}, 60_000);

// A full disk under a running daemon (README, "When the disk fails"): the source pauses (a TCP sender's writes
// block), nothing is dropped, the log says why once, `/ready` is 503 naming the `outputs` check, `/metrics` shows
// the source paused and the pending output bytes bounded; once space is freed the daemon resumes by itself and
// every error record of the input is in errors/ exactly once, no line torn.
//
// Fault injection: the output dir is a real 2 MiB tmpfs, filled until ENOSPC, when `mount` is permitted (root).
// Otherwise (or with LOGPULSE_TEST_NO_MOUNT=1) the injected fallback runs: output/errors is moved aside and a plain
// file put in its place, so making the directory fails (EEXIST) until it is removed again. The test prints which one ran.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { until, untilAsync } from '../support/wait.js';
import { mountTmpfs, unmount } from '../support/small-disk.js';
import { FAULT, RECOVERED, REMINDER, batch, breakDisk, connect, expectEveryErrorOnce, logged, metrics, ready, send, sendAndLeave, startDaemon } from './disk-fault-helpers.js';

let dir: string;
/** Each test's output dir: a small disk of its own. */
let out: string;
let out2: string;
let tmpfs = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-disk-full-'));
  out = join(dir, 'out');
  out2 = join(dir, 'out2');
  tmpfs = mountTmpfs(out, '2m') && mountTmpfs(out2, '2m');
  console.info(`disk-full fault injection: ${tmpfs ? 'real 2 MiB tmpfs filled to ENOSPC' : 'injected fallback: output/errors replaced by a file (EEXIST)'}`);
});

afterAll(() => {
  unmount(out);
  unmount(out2);
  rmSync(dir, { recursive: true, force: true });
});

it('pauses on a full disk, tells why, keeps memory bounded, resumes by itself, loses and repeats nothing', async () => {
  const { d, api, sourcePort } = await startDaemon(dir, out);
  const code = tmpfs ? 'ENOSPC' : 'EEXIST'; // the fallback: mkdir -p meets a file
  await send(sourcePort, batch(0, 1000));
  await untilAsync('batch A durable', async () => {
    const m = await metrics(api);
    return m.get('logpulse_lines_total{source="tcp-listen"}') === 1000 && m.get('logpulse_output_pending_bytes') === 0;
  });
  expect((await ready(api)).status).toBe(200);

  const heal = breakDisk(out, tmpfs);
  try {
    // Error records that cannot be written: the fault is noticed, the source paused.
    await sendAndLeave(sourcePort, batch(1000, 1000));
    await untilAsync('/ready 503', async () => (await ready(api)).status === 503, { ms: 20_000 });
    const r = await ready(api);
    expect(r.body.ready).toBe(false);
    expect(r.body.checks.source!.ok).toBe(true);
    expect(r.body.checks.outputs!.ok).toBe(false);
    expect(r.body.checks.outputs!.detail).toContain(code);
    // Every failing kind is named, in the order it failed: an alert of batch B's window may fail before its errors.
    expect(r.body.checks.outputs!.detail).toMatch(/^sources paused: (.*; )?errors cannot be written/);
    let m = await metrics(api);
    expect(m.get('logpulse_backpressure_paused')).toBe(1);
    expect(m.get('logpulse_output_failing')).toBeGreaterThanOrEqual(1);

    // Lines keep coming (50 MB, all 200s so what they produce fits the small disk afterwards): the daemon stops
    // reading them — the sender's bytes wait on its side — and holds a bounded amount in memory.
    const big = batch(2000, 600_000, false);
    const sender = await connect(sourcePort);
    sender.write(big);
    let read = 0;
    await untilAsync('the sender blocked, the daemon not reading', async () => {
      const before = read;
      m = await metrics(api);
      read = m.get('logpulse_input_bytes_total{source="tcp-listen"}')!;
      return sender.writableLength > 0 && read === before;
    }, { ms: 30_000, everyMs: 500 });
    console.info(`paused: ${read} input bytes read, ${sender.writableLength} waiting in the sender, ${m.get('logpulse_output_pending_bytes')} output bytes pending`);
    expect(read).toBeLessThan(Buffer.byteLength(big) / 2);
    expect(m.get('logpulse_backpressure_paused')).toBe(1);
    expect(m.get('logpulse_output_pending_bytes')).toBeLessThan(4 << 20); // far below both the input and 256 MiB

    // Said once (and again only every 30 s), not once per retry or per output.
    expect(logged(d, FAULT)).toBe(1);
    const faultLines = d.stderr().split('\n').filter((l) => l.includes(code) && !l.includes(REMINDER) && !l.includes('results.txt'));
    expect(faultLines).toHaveLength(1);
    expect(faultLines[0]).toContain('"kind":"errors"');

    heal();
    await untilAsync('resumed and every line read', async () => {
      m = await metrics(api);
      return m.get('logpulse_lines_total{source="tcp-listen"}') === 602_000;
    }, { ms: 60_000 });
    sender.end();
  } finally {
    heal();
  }
  await untilAsync('/ready 200 again', async () => (await ready(api)).status === 200);
  expect(logged(d, RECOVERED)).toBe(1);
  expect((await metrics(api)).get('logpulse_output_failing')).toBe(0);

  await send(sourcePort, batch(602_000, 1000));
  await untilAsync('batch C read', async () => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}') === 603_000);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  // 1000 + 1000 + 1000 lines with errors (every fifth), the 600,000 between them without.
  expectEveryErrorOnce(out, 3000);
  for (const kind of ['errors', 'metrics', 'rejected', 'alerts']) {
    expect(readdirSync(join(out, kind)).filter((n) => n.endsWith('.part'))).toEqual([]);
  }
}, 180_000);

it('a stop during a disk fault waits for the disk (up to shutdownTimeout) and then loses nothing', async () => {
  mkdirSync(join(dir, 't2'));
  const { d, api, sourcePort } = await startDaemon(join(dir, 't2'), out2, '300ms', 'shutdownTimeout: 60s\n');
  await send(sourcePort, batch(0, 1000));
  await untilAsync('batch A durable', async () => (await metrics(api)).get('logpulse_output_pending_bytes') === 0);
  const heal = breakDisk(out2, tmpfs);
  try {
    // One small write (one read for the daemon), read before the stop: what the source has not read when it is
    // paused stays in the socket, and a stop does not read it.
    await sendAndLeave(sourcePort, batch(1000, 100));
    let read: number | undefined;
    const why = () => `batch B read (${read} lines read); stderr:\n${d.stderr().slice(-4000)}`;
    await untilAsync(why, async () => (read = (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}')) === 1100, { ms: 20_000 });
    await untilAsync('/ready 503', async () => (await ready(api)).status === 503, { ms: 20_000 });
    d.child.kill('SIGTERM');
    // The open windows reach the checkpoint (on another disk); the outputs wait for theirs.
    await until('the checkpoint written', () => existsSync(join(dir, 't2', 'cp', 'state.msgpack')));
    expect(d.child.exitCode).toBeNull();
  } finally {
    heal();
  }
  expect(await d.exit, d.stderr()).toBe(0);
  expectEveryErrorOnce(out2, 1100);
  expect(readdirSync(join(out2, 'errors')).filter((n) => n.endsWith('.part'))).toEqual([]);
}, 120_000);

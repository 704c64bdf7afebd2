// A checkpoint write that fails (the checkpoint dir's disk is full) fails its durable cut and leaves the previous
// checkpoint whole: a Kafka cut commits no offsets, the next cut writes it again once there is room, and no
// half-written temp file is left to hold the space.
//
// Fault injection: a real 1 MiB tmpfs filled to ENOSPC when `mount` is permitted (as root); otherwise the
// checkpoint's temp path is taken by a directory, so the write fails with EISDIR (injected). The test prints
// which one ran (LOGPULSE_TEST_NO_MOUNT=1 forces the injected one).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

import { newCheckpoint, readCheckpoint, writeCheckpoint } from '../../src/daemon/checkpoint.js';
import { Durability } from '../../src/daemon/durability.js';
import type { Outputs } from '../../src/daemon/outputs.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import type { ReplayableSource } from '../../src/sources/source.js';
import { fillDisk, freeDisk, mountTmpfs, unmount } from '../support/small-disk.js';

let root: string;
let cpDir: string;
let tmpfs = false;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'logpulse-cp-fault-'));
  cpDir = join(root, 'cp');
  tmpfs = mountTmpfs(cpDir, '1m');
});

afterAll(() => {
  if (tmpfs) unmount(cpDir);
  rmSync(root, { recursive: true, force: true });
});

/** Makes the next checkpoint write fail; returns the function that makes room again. */
function breakDisk(): () => void {
  if (tmpfs) {
    const filler = fillDisk(cpDir);
    return () => freeDisk(filler);
  }
  const temp = join(cpDir, `.state.msgpack.${process.pid}.tmp`);
  mkdirSync(join(temp, 'blocker'), { recursive: true });
  return () => rmSync(temp, { recursive: true, force: true });
}

const state = (bytes: number) => ({ shards: [new Uint8Array(bytes).fill(7)], merger: new Uint8Array([1]) });

it('a failing checkpoint write fails the cut, commits nothing and keeps the previous checkpoint', async () => {
  console.info(`checkpoint fault injection: ${tmpfs ? 'real tmpfs filled to ENOSPC' : 'injected (EISDIR on the temp path; mount not permitted)'}`);
  let offset = 100;
  const commit = vi.fn(async () => {});
  const source = {
    replayable: true,
    finite: false,
    uri: 'kafka://test',
    hold: () => {},
    release: () => {},
    positions: () => ({ 't/0': offset }),
    commit,
    resumeFrom: () => {},
    onFatal: () => {},
  } as unknown as ReplayableSource;
  const pipeline = { drainInFlight: async () => {}, checkpointState: async () => state(300_000), closedThroughUs: null, stopTicks: () => {}, start: () => {} } as unknown as Pipeline;
  const outputs = { makeDurable: async () => {}, marks: async () => ({ errors: 3 }) } as unknown as Outputs;
  const durability = new Durability({ source, pipeline, outputs, checkpointDir: cpDir, workers: 1, everyMs: 60_000, archive: null, log: pino({ level: 'silent' }) });

  await durability.handOff(['t/0']);
  expect(commit).toHaveBeenCalledTimes(1);
  expect((await readCheckpoint(cpDir))?.positions).toEqual({ 't/0': 100 });

  offset = 200;
  const heal = breakDisk();
  try {
    await expect(durability.handOff(['t/0'])).rejects.toThrow(tmpfs ? /ENOSPC/ : /EISDIR/);
    expect(commit).toHaveBeenCalledTimes(1); // offsets past the failed cut are not committed
    const previous = await readCheckpoint(cpDir);
    expect(previous?.positions).toEqual({ 't/0': 100 });
    expect(Buffer.from(previous!.shards[0]!).equals(Buffer.from(state(300_000).shards[0]!))).toBe(true);
    if (tmpfs) expect(readdirSync(cpDir).sort()).toEqual(['filler', 'state.msgpack']); // no temp holding the space
  } finally {
    heal();
  }
  await durability.handOff(['t/0']);
  expect(commit).toHaveBeenCalledTimes(2);
  expect(commit.mock.calls[1]).toEqual([{ 't/0': 200 }, true]);
  expect((await readCheckpoint(cpDir))?.positions).toEqual({ 't/0': 200 });
  expect(readdirSync(cpDir)).toEqual(['state.msgpack']);
});

it('writeCheckpoint on a full disk throws and leaves the old file and no temp', async () => {
  await writeCheckpoint(cpDir, newCheckpoint(1, state(10)));
  const heal = breakDisk();
  try {
    await expect(writeCheckpoint(cpDir, newCheckpoint(2, state(400_000)))).rejects.toThrow();
    expect((await readCheckpoint(cpDir))?.workers).toBe(1);
    // Injected: the blocking directory stays; on the tmpfs no temp file is left holding the space.
    if (tmpfs) expect(readdirSync(cpDir).sort()).toEqual(['filler', 'state.msgpack']);
  } finally {
    heal();
  }
});

// Open windows survive a graceful stop of an unbounded source (SPEC §3): every shard's state and the merger's
// held windows go to `checkpoint.dir/state.msgpack`, and the next start restores them. Written like the output
// files (temp → fsync → rename → dir fsync), so a crash leaves either the old state or the new one, never half.
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { pack, unpack } from 'msgpackr';

import type { ArchiveMark } from '../archive/recovery.js';
import { type FsyncObserver, writeFileAtomic } from '../durable-file.js';
import { LogpulseError } from '../errors.js';

export interface Checkpoint {
  version: 1;
  /** The worker count it was taken with (a restore under another one re-shards it: pipeline/restore-plan.ts). */
  workers: number;
  createdAt: string;
  shards: Uint8Array[];
  merger: Uint8Array;
  /** The route (Kafka partition) of each stream that had one: a restore under another worker count places by it. */
  routes?: Record<string, number>;
  /** The window length the state was taken with (absent in checkpoints of earlier versions). */
  windowMs?: number;
  /** A replayable source's positions (Kafka `topic/partition` → next offset) that this state includes. */
  positions?: Record<string, number>;
  /** The last Parquet archive cut this state includes (a restart deletes that run's later cuts and replays them). */
  archive?: ArchiveMark;
}

const FILE = 'state.msgpack';

/** The checkpoint of `workers` shards' state saved now (with the positions it includes, for a replayable source). */
export function newCheckpoint(
  workers: number,
  state: { shards: Uint8Array[]; merger: Uint8Array; routes?: Record<string, number>; windowMs?: number },
  positions?: Record<string, number>,
  archive?: ArchiveMark,
): Checkpoint {
  return { version: 1, workers, createdAt: new Date().toISOString(), ...state, ...(positions ? { positions } : {}), ...(archive ? { archive } : {}) };
}

export function checkpointPath(dir: string): string {
  return join(dir, FILE);
}

/** `onFsync` is told how long each of its fsyncs took. */
export async function writeCheckpoint(dir: string, cp: Checkpoint, onFsync?: FsyncObserver): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(checkpointPath(dir), pack(cp), onFsync);
}

/** The saved state, or null when there is none. Throws `LP_ERR_CHECKPOINT` on a file that is not one. */
export async function readCheckpoint(dir: string): Promise<Checkpoint | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(checkpointPath(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let cp: Partial<Checkpoint>;
  try {
    cp = unpack(bytes) as Partial<Checkpoint>;
  } catch {
    cp = {};
  }
  const valid =
    cp.version === 1 && Number.isInteger(cp.workers) && Array.isArray(cp.shards) && cp.shards.every((s) => s instanceof Uint8Array) && cp.merger instanceof Uint8Array;
  if (!valid) throw new LogpulseError('LP_ERR_CHECKPOINT', `${checkpointPath(dir)} is not a logpulse checkpoint`);
  return cp as Checkpoint;
}

/** Moves a checkpoint aside (restored, or unusable) so it is never applied twice. */
export async function retireCheckpoint(dir: string, why: 'restored' | 'rejected'): Promise<string | null> {
  if (why === 'restored') {
    await rm(checkpointPath(dir), { force: true });
    return null;
  }
  const aside = `${checkpointPath(dir)}.${why}-${Date.now()}`;
  await rename(checkpointPath(dir), aside);
  return aside;
}

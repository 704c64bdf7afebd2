// Open windows survive a graceful stop of an unbounded source (SPEC §3): every shard's state and the merger's
// held windows go to `checkpoint.dir/state.msgpack`, and the next start restores them. Written like the output
// files (temp → fsync → rename → dir fsync), so a crash leaves either the old state or the new one, never half.
// A file the start cannot read is never dropped silently: the daemon exits 1 naming `--reset-checkpoint`.
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { pack, unpack } from 'msgpackr';

import type { ArchiveMark } from '../archive/recovery.js';
import { type FsyncObserver, writeFileAtomic } from '../durable-file.js';
import { LogpulseError } from '../errors.js';
import type { AlertState } from '../pipeline/alert-engine.js';
import type { OutputMarks } from '../sinks/sink.js';
import { dirMode } from '../file-modes.js';

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
  /** Which alerts fired early for windows still open (absent in checkpoints of earlier versions). */
  alerts?: AlertState;
  /** A replayable source's positions (Kafka `topic/partition` → next offset, a file's byte) that this state includes. */
  positions?: Record<string, number>;
  /** The last Parquet archive cut this state includes (a restart deletes that run's later cuts and replays them). */
  archive?: ArchiveMark;
  /**
   * A replayable source's run: the last output file of each kind this state includes; a restart deletes later ones
   * (what they hold is read again).
   */
  outputs?: OutputMarks;
  /** Cluster mode: the cut's number in its session, and the cut the group had before it (daemon/cluster-cuts.ts). */
  cluster?: ClusterMark;
}

/** A cut the group has, as the files and positions a restart goes back to. */
export interface RollbackPoint {
  seq: number;
  positions: Record<string, number>;
  outputs: OutputMarks;
  archive?: ArchiveMark;
  /** The shards without windows or streams: their closed points (a new session counts from zero)... */
  shards: Uint8Array[];
  /** ...unless `own`: the session restored windows nobody had published; then its shards and merger as restored. */
  own?: true;
  merger?: Uint8Array;
}

/** What a checkpoint of a cluster-mode daemon says of its cut. */
export interface ClusterMark {
  session: string;
  /** The cut's progress seq (0: the session's start, nothing published). */
  seq: number;
  /** The last cut the group had when this checkpoint was written; null with seq 0. */
  previous: RollbackPoint | null;
}

const FILE = 'state.msgpack';
/** The format this build writes and reads; fields added since are optional, so older files of it still read. */
export const CHECKPOINT_VERSION = 1;
export const RESET_HINT = 'to start without it (its open windows and source positions are lost), run once with --reset-checkpoint';

/** The checkpoint of `workers` shards' state saved now (with the positions it includes, for a replayable source). */
export function newCheckpoint(
  workers: number,
  state: { shards: Uint8Array[]; merger: Uint8Array; routes?: Record<string, number>; windowMs?: number; alerts?: AlertState },
  positions?: Record<string, number>,
  archive?: ArchiveMark,
  outputs?: OutputMarks,
): Checkpoint {
  return { version: 1, workers, createdAt: new Date().toISOString(), ...state, ...(positions ? { positions } : {}), ...(archive ? { archive } : {}), ...(outputs ? { outputs } : {}) };
}

export function checkpointPath(dir: string): string {
  return join(dir, FILE);
}

/** `onFsync` is told how long each of its fsyncs took. */
export async function writeCheckpoint(dir: string, cp: Checkpoint, onFsync?: FsyncObserver): Promise<void> {
  await mkdir(dir, { recursive: true, mode: dirMode() });
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
    cp = (unpack(bytes) ?? {}) as Partial<Checkpoint>;
  } catch {
    cp = {};
  }
  const path = checkpointPath(dir);
  if (typeof cp.version === 'number' && cp.version !== CHECKPOINT_VERSION) {
    throw new LogpulseError('LP_ERR_CHECKPOINT', `${path} has checkpoint format version ${cp.version}; this logpulse reads version ${CHECKPOINT_VERSION}; ${RESET_HINT}`);
  }
  const numbers = (o: unknown) => o === undefined || (typeof o === 'object' && o !== null && Object.values(o).every((v) => typeof v === 'number'));
  const valid =
    cp.version === CHECKPOINT_VERSION &&
    Number.isInteger(cp.workers) &&
    Array.isArray(cp.shards) &&
    cp.shards.every((s) => s instanceof Uint8Array) &&
    cp.merger instanceof Uint8Array &&
    numbers(cp.positions) &&
    numbers(cp.outputs);
  if (!valid) throw new LogpulseError('LP_ERR_CHECKPOINT', `${path} is not a readable logpulse checkpoint (corrupt, or another file); ${RESET_HINT}`);
  return cp as Checkpoint;
}

/** `--reset-checkpoint`: the checkpoint (if any) is moved aside, kept for a post-mortem; returns where to. */
export async function resetCheckpoint(dir: string): Promise<string | null> {
  try {
    return await retireCheckpoint(dir, 'reset');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Moves a checkpoint aside (restored, or unusable) so it is never applied twice. */
export async function retireCheckpoint(dir: string, why: 'restored' | 'reset'): Promise<string | null> {
  if (why === 'restored') {
    await rm(checkpointPath(dir), { force: true });
    return null;
  }
  const aside = `${checkpointPath(dir)}.${why}-${Date.now()}`;
  await rename(checkpointPath(dir), aside);
  return aside;
}

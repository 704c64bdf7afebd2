// Cluster mode's part of a durable cut (durability.ts), in the order that makes a kill at any moment safe:
//   1. the checkpoint is written with the cut's number (its session's progress `seq`) and the last cut the group
//      already has (`previous`: its positions, output marks, archive mark and the shards' closed points);
//   2. the cut is published, whole or not at all (one transaction: cluster/cut-publisher.ts);
//   3. the source offsets are committed.
// A restart asks the group which of the two it has (`groupCheckpoint`): the checkpoint's own cut when step 2
// finished, else `previous`, whose positions, output files and archive cuts it goes back to. So the window state the
// group holds for a session and the files that session's daemon keeps always cover the same records, and whoever
// reads a partition next (this daemon, or another after a rebalance) starts where both end.
import { freshSession } from '../cluster/fresh-session.js';
import type { ClusterCut, PreparedCut } from '../cluster/cut-records.js';
import type { ClusterMember } from '../cluster/member.js';
import { LogpulseError } from '../errors.js';
import type { Logger } from '../log.js';
import { type Checkpoint, RESET_HINT, type RollbackPoint } from './checkpoint.js';

/** A cut's publish taking longer than this is said (once). */
const SLOW_PUBLISH_MS = 10_000;
/** How long a restart waits to have read the state topic to its end before it decides. */
const GROUP_READ_WAIT_MS = 30_000;

export class ClusterCuts {
  readonly #member: ClusterMember;
  /** The last cut the group has (seq 0: where this session started). */
  #published: RollbackPoint | null = null;

  readonly #log: Logger;

  constructor(member: ClusterMember, log: Logger) {
    this.#member = member;
    this.#log = log;
  }

  /**
   * The session starts from this checkpoint (a restore, a rebuild): what it goes back to before its first cut is
   * published. `own`: it restored the checkpoint's open windows as its own (nobody had published them).
   */
  begin(cp: Checkpoint, own: boolean): void {
    this.#published = pointOf(0, cp, own);
  }

  /** The checkpoint a start writes before any cut: this session's, at seq 0. */
  startMark(cp: Checkpoint): Checkpoint {
    this.begin(cp, false);
    return { ...cp, cluster: { session: this.#member.session, seq: 0, previous: null } };
  }

  /** Numbers the cut: the checkpoint to write (step 1) and what to publish after it (step 2). */
  prepare(cut: ClusterCut, cp: Checkpoint): { cp: Checkpoint; prepared: PreparedCut } {
    const prepared = this.#member.prepare(cut);
    return { cp: { ...cp, cluster: { session: this.#member.session, seq: prepared.seq, previous: this.#published } }, prepared };
  }

  /** Step 2, once the checkpoint is on disk; rejects when the group did not get it (the caller commits nothing). */
  async publish(prepared: PreparedCut, cp: Checkpoint): Promise<void> {
    const slow = setTimeout(() => this.#log.warn({ cut: prepared.seq }, 'cluster: the cut is not on the state topic after 10 s; still waiting (nothing is committed meanwhile)'), SLOW_PUBLISH_MS);
    try {
      await this.#member.publish(prepared);
    } finally {
      clearTimeout(slow);
    }
    this.#published = pointOf(prepared.seq, cp, false);
  }
}

function pointOf(seq: number, cp: Checkpoint, own: boolean): RollbackPoint {
  const at = { seq, positions: cp.positions ?? {}, outputs: cp.outputs ?? {}, ...(cp.archive ? { archive: cp.archive } : {}) };
  return own ? { ...at, shards: cp.shards, merger: cp.merger, own } : { ...at, shards: freshSession(cp, false).shards };
}

/**
 * The checkpoint a restart in cluster mode goes on from: the one on disk when the group has its cut, else the cut
 * before it; `fresh`: its open windows are on the state topic (the new session counts from zero), else they are
 * restored as this run's own (a checkpoint written without cluster mode, or a session the topic does not know).
 * Throws LP_ERR_CHECKPOINT when the group has another cut of it (another daemon's session, or another topic's).
 */
export async function groupCheckpoint(cp: Checkpoint, member: ClusterMember, log: Logger): Promise<{ cp: Checkpoint; fresh: boolean }> {
  const mark = cp.cluster;
  if (!mark || mark.seq === 0) return { cp, fresh: false };
  const published = await member.publishedSeq(mark.session, GROUP_READ_WAIT_MS);
  if (published !== undefined && published >= mark.seq) return { cp, fresh: true };
  const previous = mark.previous;
  if (previous && (published ?? 0) === previous.seq) {
    log.info(
      { session: mark.session, checkpointCut: mark.seq, groupCut: previous.seq },
      'cluster: the group did not get the last cut before the stop; going back to the one before (later output files are removed and their records read again)',
    );
    const { archive: _archive, alerts: _alerts, ...rest } = cp;
    const at = { positions: previous.positions, outputs: previous.outputs, ...(previous.archive ? { archive: previous.archive } : {}) };
    const back = { ...rest, ...at, shards: previous.shards, merger: previous.merger ?? new Uint8Array(0), cluster: { session: mark.session, seq: previous.seq, previous: null } };
    return { cp: back, fresh: previous.own !== true };
  }
  if (published === undefined) {
    // Another state topic (the group or `cluster.topic` changed) or past its retention: nobody has these windows.
    log.warn({ session: mark.session, checkpointCut: mark.seq }, "cluster: the state topic has nothing of the checkpoint's session; its open windows are restored as this run's own");
    return { cp, fresh: false };
  }
  throw new LogpulseError(
    'LP_ERR_CHECKPOINT',
    `the checkpoint is cut ${mark.seq} of cluster session ${mark.session}, but the state topic has its cut ${published}: it belongs to another daemon or topic; ${RESET_HINT}`,
  );
}

/**
 * A reload's hand-over: whether the open windows of its checkpoint are on this member's state topic (this member
 * published them, under the previous generation's session), so the next session counts from zero; else they are
 * restored as its own (a member of another group or topic, or none before).
 */
export function windowsPublished(cp: Checkpoint, member: ClusterMember | null | undefined): boolean {
  return member !== null && member !== undefined && cp.cluster !== undefined && member.hasPublished(cp.cluster.session);
}

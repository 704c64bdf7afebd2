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
import type { ClusterCut, ClusterMember, PreparedCut } from '../cluster/member.js';
import { LogpulseError } from '../errors.js';
import type { Logger } from '../log.js';
import { type Checkpoint, RESET_HINT, type RollbackPoint } from './checkpoint.js';

/** How long a restart waits to have read the state topic to its end before it decides. */
const GROUP_READ_WAIT_MS = 30_000;

export class ClusterCuts {
  readonly #member: ClusterMember;
  /** The last cut the group has (seq 0: where this session started). */
  #published: RollbackPoint | null = null;

  constructor(member: ClusterMember) {
    this.#member = member;
  }

  /** The session starts from this checkpoint (a restore, a rebuild): what it goes back to before its first cut is published. */
  begin(cp: Checkpoint): void {
    this.#published = pointOf(0, cp);
  }

  /** The checkpoint a start writes before any cut: this session's, at seq 0. */
  startMark(cp: Checkpoint): Checkpoint {
    this.begin(cp);
    return { ...cp, cluster: { session: this.#member.session, seq: 0, previous: null } };
  }

  /** Numbers the cut: the checkpoint to write (step 1) and what to publish after it (step 2). */
  prepare(cut: ClusterCut, cp: Checkpoint): { cp: Checkpoint; prepared: PreparedCut } {
    const prepared = this.#member.prepare(cut);
    return { cp: { ...cp, cluster: { session: this.#member.session, seq: prepared.seq, previous: this.#published } }, prepared };
  }

  /** Step 2, once the checkpoint is on disk; rejects when the group did not get it (the caller commits nothing). */
  async publish(prepared: PreparedCut, cp: Checkpoint): Promise<void> {
    await this.#member.publish(prepared);
    this.#published = pointOf(prepared.seq, cp);
  }
}

function pointOf(seq: number, cp: Checkpoint): RollbackPoint {
  return { seq, positions: cp.positions ?? {}, outputs: cp.outputs ?? {}, ...(cp.archive ? { archive: cp.archive } : {}), shards: freshSession(cp, false).shards };
}

/**
 * The checkpoint a restart in cluster mode goes on from: the one on disk when the group has its cut, else the cut
 * before it. Throws LP_ERR_CHECKPOINT when the group has neither (another daemon wrote this session's records, or
 * the checkpoint is not this topic's).
 */
export async function groupCheckpoint(cp: Checkpoint, member: ClusterMember, log: Logger): Promise<Checkpoint> {
  const mark = cp.cluster;
  if (!mark || mark.seq === 0) return cp;
  const published = await member.publishedSeq(mark.session, GROUP_READ_WAIT_MS);
  if (published !== undefined && published >= mark.seq) return cp;
  const previous = mark.previous;
  if (previous && (published ?? 0) === previous.seq) {
    log.info(
      { session: mark.session, checkpointCut: mark.seq, groupCut: previous.seq },
      'cluster: the group did not get the last cut before the stop; going back to the one before (later output files are removed and their records read again)',
    );
    const { archive: _archive, alerts: _alerts, ...rest } = cp;
    return {
      ...rest,
      shards: previous.shards,
      merger: new Uint8Array(0),
      positions: previous.positions,
      outputs: previous.outputs,
      ...(previous.archive ? { archive: previous.archive } : {}),
      cluster: { session: mark.session, seq: previous.seq, previous: null },
    };
  }
  if (published === undefined) {
    // Past the state topic's retention: the group has forgotten those windows; the checkpoint's cut is the newest.
    log.warn({ session: mark.session, checkpointCut: mark.seq }, 'cluster: the state topic no longer holds the session of the checkpoint; going on from the checkpoint');
    return cp;
  }
  throw new LogpulseError(
    'LP_ERR_CHECKPOINT',
    `the checkpoint is cut ${mark.seq} of cluster session ${mark.session}, but the state topic has its cut ${published}: it belongs to another daemon or topic; ${RESET_HINT}`,
  );
}

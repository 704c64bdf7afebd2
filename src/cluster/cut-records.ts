// What a durable cut publishes on the state topic, in the order an owner must read it (README "Cluster mode"):
// every open window's state on each shard, the windows closed since the last cut, what this daemon wrote as an
// owner, then the session's progress record on every partition — after the window records of its partition, so an
// owner has a session's window state before the progress that says the session is past that window.
import { readSnapshot, splitPartials } from '../pipeline/snapshot-format.js';
import { type ProgressRecord, type StateRecord, type WindowRecord, windowPartition } from './state-records.js';

/** What a durable cut publishes, all taken at its held moment: the shards' state and what the session reads. */
export interface ClusterCut {
  /** Shard snapshots of the cut (their open windows). */
  shards: readonly Uint8Array[];
  /** Windows closed since the last cut (`takeCutRecords`). */
  closed: readonly WindowRecord[];
  /** What this daemon wrote as an owner since the last cut, each with its state partition (`takeCutRecords`). */
  written: readonly [number, StateRecord][];
  /** Source partitions assigned now. */
  claims: readonly number[];
  /** The source's positions at the cut (`topic/partition` → next offset). */
  positions: Readonly<Record<string, number>>;
  closedThroughUs: number | null;
  watermarkUs: number | null;
}

/** A numbered cut, ready to publish once its checkpoint is written. */
export interface PreparedCut {
  seq: number;
  records: [partition: number, record: StateRecord][];
  /** Put back for the next cut if this one fails. */
  closed: readonly WindowRecord[];
  written: readonly [number, StateRecord][];
}

export interface CutContext {
  session: string;
  seq: number;
  /** Source partitions the session reads → when it took each (ms). */
  since: ReadonlyMap<number, number>;
  sourceTopic: string;
  sourcePartitions: number;
  windowUs: number;
  /** The state topic's partitions. */
  partitions: number;
}

export function cutRecords(cut: ClusterCut, c: CutContext): [number, StateRecord][] {
  const records: [number, StateRecord][] = [];
  const add = (r: WindowRecord) => records.push([windowPartition(r.startUs, c.windowUs, c.partitions), r]);
  cut.shards.forEach((snapshot, shard) => {
    const open = readSnapshot(snapshot).partials;
    if (open === null) return;
    for (const w of splitPartials(open)) add({ t: 'w', session: c.session, shard, startUs: w.windowStartUs, endUs: w.windowEndUs, partial: w.bytes });
  });
  for (const r of cut.closed) add(r);
  records.push(...cut.written);
  const progress: ProgressRecord = {
    t: 'p',
    session: c.session,
    seq: c.seq,
    closedThroughUs: cut.closedThroughUs,
    watermarkUs: cut.watermarkUs,
    claims: [...c.since],
    sourcePartitions: c.sourcePartitions,
    positions: cut.claims.flatMap((p) => {
      const offset = cut.positions[`${c.sourceTopic}/${p}`];
      return offset === undefined ? [] : [[p, offset] as [number, number]];
    }),
  };
  for (let k = 0; k < c.partitions; k++) records.push([k, progress]);
  return records;
}

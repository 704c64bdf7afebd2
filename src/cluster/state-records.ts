// What daemons of one group publish on the state topic (README "Cluster mode"), as MessagePack values under keys
// the topic compacts by, so that a later record of a key replaces the earlier one:
//   w/<windowStart>/<session>/<shard>  the cumulative state of one window on one shard of one daemon session
//                                      (`WindowMerger.add` bytes of that window alone): published at every durable
//                                      cut while it is open, a last time once the shard closed it;
//   p/<session>                        the session's progress at a cut: its partitions (with when it took each), its
//                                      own watermark and the point through which it has closed — and published —
//                                      every window;
//   s/<windowStart>/<session>/<shard>  running error counts per status of an open window (early alerts): sent as
//                                      they change, not at cuts;
//   a/<rule|windowStart|group>         an alert its owner fired (with the alert): a new owner does not fire it
//                                      again, and every daemon's API lists it;
//   r/<windowStart>                    the window's rows as its owner wrote them, for every daemon's API;
//   c/<windowStart>                    the window was merged and written by its owner: a new owner skips it;
//   x/<session>                        a session its daemon's restart left behind: its running counts go.
// A window's records go to partition (window number mod partitions): that partition's owner merges it. Progress goes
// to every partition, after the window records of the same cut, so an owner always has a session's window state
// before the progress that says the session is past that window.
import { pack, unpack } from 'msgpackr';

import type { Alert } from '../pipeline/output-port.js';

export interface WindowRecord {
  t: 'w';
  session: string;
  shard: number;
  startUs: number;
  endUs: number;
  /** `WindowMerger.add` bytes of this window alone. */
  partial: Buffer;
}

export interface ProgressRecord {
  t: 'p';
  session: string;
  /** Increases with every progress record of the session: an older one read later (another partition) is ignored. */
  seq: number;
  /** Every window ending at or before this is closed on every shard of the session and published; null: none yet. */
  closedThroughUs: number | null;
  /** The session's own watermark (its streams only); null: it reads no stream now. */
  watermarkUs: number | null;
  /** Source partitions the session reads, each with the wall-clock ms it was assigned (the newest claim wins). */
  claims: [partition: number, since: number][];
  /** The source topic's partition count: one nobody has claimed yet holds every window back too. */
  sourcePartitions: number;
  /**
   * The next offset of each claimed partition that the published window state covers: whoever reads the partition
   * next (after a crash too, before the offsets were committed) starts at least there.
   */
  positions: [partition: number, offset: number][];
}

/** Running error counts per status of one open window on one shard of one session, for early alerts (not durable). */
export interface RunningRecord {
  t: 's';
  session: string;
  shard: number;
  startUs: number;
  counts: [status: number, count: number][];
}

/** An alert fired by the window's owner (`rule|windowStart|group`): a later owner does not fire it again. */
export interface FiredRecord {
  t: 'a';
  startUs: number;
  key: string;
  /** Who fired it, and the alert itself: every daemon's API lists the group's alerts. */
  session?: string;
  alert?: Alert;
}

/** A window's metrics rows as its owner wrote them: every daemon's API lists the group's windows. */
export interface RowsRecord {
  t: 'r';
  startUs: number;
  session: string;
  rows: Buffer;
}

export interface ClosedRecord {
  t: 'c';
  startUs: number;
}

/** A session a restarted daemon left behind: its running counts no longer count (its window state does). */
export interface RetiredRecord {
  t: 'x';
  session: string;
}

export type StateRecord = WindowRecord | ProgressRecord | ClosedRecord | RunningRecord | FiredRecord | RowsRecord | RetiredRecord;

export function recordKey(r: StateRecord): string {
  if (r.t === 'w') return `w/${r.startUs}/${r.session}/${r.shard}`;
  if (r.t === 'p') return `p/${r.session}`;
  if (r.t === 's') return `s/${r.startUs}/${r.session}/${r.shard}`;
  if (r.t === 'a') return `a/${r.key}`;
  if (r.t === 'r') return `r/${r.startUs}`;
  if (r.t === 'x') return `x/${r.session}`;
  return `c/${r.startUs}`;
}

/** The state partition owning a window: consecutive windows spread over the partitions. */
export function windowPartition(startUs: number, windowUs: number, partitions: number): number {
  const n = Math.floor(startUs / windowUs);
  return ((n % partitions) + partitions) % partitions;
}

/**
 * This session's own progress, published at or after `sinceMs` (by this daemon's clock): whoever reads it has read
 * what the partition held before — librdkafka's end-of-partition event can fail to come on a partition written to
 * all the time (a fetch reaching the end is answered by the next record, and read_committed ends at open transactions).
 */
export function ownProgressSince(r: StateRecord, timestampMs: number | undefined, session: string, sinceMs: number): boolean {
  return r.t === 'p' && r.session === session && (timestampMs ?? 0) >= sinceMs;
}

export function encodeRecord(r: StateRecord): Buffer {
  return pack(r);
}

/**
 * Produces a record under its key, stamped with this daemon's clock (a reader of its own progress compares with
 * it: group-feed.ts, owner.ts); returns its bytes (key and value, before compression) for the traffic counters.
 */
export function produceRecord(producer: { produce(topic: string, partition: number, value: Buffer, key: string, timestamp: number): unknown }, topic: string, partition: number, r: StateRecord): number {
  const value = encodeRecord(r);
  const key = recordKey(r);
  producer.produce(topic, partition, value, key, Date.now());
  return value.length + key.length;
}

/** A record read from the topic; null for bytes that are not one (another writer's, or a newer version's). */
export function decodeRecord(value: Buffer): StateRecord | null {
  let r: unknown;
  try {
    r = unpack(value);
  } catch {
    return null;
  }
  if (typeof r !== 'object' || r === null) return null;
  const t = (r as { t?: unknown }).t;
  if (t === 'w') {
    const w = r as WindowRecord;
    if (typeof w.session !== 'string' || !Number.isInteger(w.shard) || !Number.isFinite(w.startUs) || !Number.isFinite(w.endUs)) return null;
    if (!(w.partial instanceof Uint8Array)) return null;
    return { ...w, partial: Buffer.from(w.partial) };
  }
  if (t === 'p') {
    const p = r as ProgressRecord;
    if (typeof p.session !== 'string' || !Number.isInteger(p.seq) || !Array.isArray(p.claims) || !Array.isArray(p.positions)) return null;
    return p;
  }
  if (t === 'c') return Number.isFinite((r as ClosedRecord).startUs) ? (r as ClosedRecord) : null;
  if (t === 's') {
    const x = r as RunningRecord;
    return typeof x.session === 'string' && Number.isInteger(x.shard) && Number.isFinite(x.startUs) && Array.isArray(x.counts) ? x : null;
  }
  if (t === 'r') {
    const x = r as RowsRecord;
    return typeof x.session === 'string' && Number.isFinite(x.startUs) && x.rows instanceof Uint8Array ? { ...x, rows: Buffer.from(x.rows) } : null;
  }
  if (t === 'x') return typeof (r as RetiredRecord).session === 'string' ? (r as RetiredRecord) : null;
  if (t === 'a') return typeof (r as FiredRecord).key === 'string' && Number.isFinite((r as FiredRecord).startUs) ? (r as FiredRecord) : null;
  return null;
}

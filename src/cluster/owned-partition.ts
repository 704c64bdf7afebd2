// What an owner holds for one state-topic partition it owns (owner.ts): the open windows read on it, the progress
// read on it, and the windows already written (remembered for a while after, so a late record changes nothing).
import { GroupView } from './group-view.js';
import type { RunningRecord } from './state-records.js';

/** How long a written window is remembered: a session that lost its partitions may publish its last state later. */
const REMEMBER_WRITTEN_US = 3600 * 1e6;

export interface OpenWindow {
  endUs: number;
  /** Record key → the window's bytes in it (one per session and shard). */
  parts: Map<string, Buffer>;
}

export interface Owned {
  windows: Map<number, OpenWindow>;
  /** Running counts read while catching up, judged once the partition is read to its end (its `a/` records too). */
  pending: Map<string, RunningRecord>;
  view: GroupView;
  written: Set<number>;
  /** When it was assigned (this daemon's clock: its own progress records read after it say it is caught up). */
  assignedAt: number;
}

/** A partition just assigned; `written`: the windows this owner wrote on it before, should it get it back. */
export function newOwned(written: Iterable<number> = []): Owned {
  return { windows: new Map(), pending: new Map(), view: new GroupView(), written: new Set(written), assignedAt: Date.now() };
}

/**
 * Forgets written windows an hour older than the newest written — counted from that, not from the drain point
 * (the end of time once a bounded read ends: a late running count would fire again).
 */
export function forgetOldWritten(owned: Owned): void {
  const newest = [...owned.written].reduce((a, b) => Math.max(a, b), -Infinity);
  for (const s of owned.written) if (s < newest - REMEMBER_WRITTEN_US) owned.written.delete(s);
}

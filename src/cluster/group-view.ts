// What a daemon knows of its group from the progress records it reads: who reads which source partition, how far
// each session has closed its windows, and its watermark. Two answers come out of it:
//   - `drainThroughUs`: every window ending at or before this can be merged and written — each source partition is
//     read by a session that has closed and published every window up to there. A session that lost its partitions
//     (revoked, or killed and replaced) no longer holds anything back: what it counted up to its last cut is on the
//     topic, and its replacement reads on from the offsets that cut committed;
//   - `floorUs(session)`: the minimum watermark of the other sessions reading partitions — the group's watermark as
//     far as this daemon's own shards must wait for it (a window closes here only when the group is past it).
// A partition nobody reads (between a revoke and the next assignment) holds every window back.
import type { ProgressRecord } from './state-records.js';

interface Session {
  seq: number;
  closedThroughUs: number | null;
  watermarkUs: number | null;
  claims: Map<number, number>;
}

export class GroupView {
  readonly #sessions = new Map<string, Session>();
  /** Every source partition any session ever claimed: one read by nobody now holds windows back. */
  readonly #partitions = new Set<number>();
  /** Source partition → the furthest offset any session's published state covers. */
  readonly #positions = new Map<number, number>();

  /** Takes a progress record; an older one of a session (read from another partition) changes nothing. */
  update(p: ProgressRecord): void {
    const known = this.#sessions.get(p.session);
    if (known && known.seq >= p.seq) return;
    this.#sessions.set(p.session, { seq: p.seq, closedThroughUs: p.closedThroughUs, watermarkUs: p.watermarkUs, claims: new Map(p.claims) });
    for (const [partition] of p.claims) this.#partitions.add(partition);
    for (let i = 0; i < p.sourcePartitions; i++) this.#partitions.add(i);
    for (const [partition, offset] of p.positions) if (offset > (this.#positions.get(partition) ?? -1)) this.#positions.set(partition, offset);
  }

  /** Each source partition ever claimed → the session with the newest claim on it now; null: nobody claims it. */
  #holders(): Map<number, string | null> {
    const newest = new Map<number, { session: string; since: number }>();
    for (const [session, s] of this.#sessions) {
      for (const [partition, since] of s.claims) {
        const n = newest.get(partition);
        if (!n || since > n.since || (since === n.since && session > n.session)) newest.set(partition, { session, since });
      }
    }
    const holders = new Map<number, string | null>();
    for (const partition of this.#partitions) holders.set(partition, newest.get(partition)?.session ?? null);
    return holders;
  }

  /** Sessions that read at least one source partition now. */
  readers(): string[] {
    return [...new Set([...this.#holders().values()].filter((s): s is string => s !== null))];
  }

  /** Windows ending at or before this are complete on the topic; null: none yet. */
  drainThroughUs(): number | null {
    const holders = this.#holders();
    if (holders.size === 0) return null;
    let through: number | null = null;
    for (const session of holders.values()) {
      const c = session === null ? null : (this.#sessions.get(session)?.closedThroughUs ?? null);
      if (c === null) return null;
      if (through === null || c < through) through = c;
    }
    return through;
  }

  /** The smallest watermark of the other sessions reading partitions; null: none has one. */
  floorUs(self: string): number | null {
    let floor: number | null = null;
    for (const session of this.readers()) {
      if (session === self) continue;
      const w = this.#sessions.get(session)?.watermarkUs ?? null;
      if (w !== null && (floor === null || w < floor)) floor = w;
    }
    return floor;
  }

  /** The newest progress seq read of a session (undefined: none). */
  seqOf(session: string): number | undefined {
    return this.#sessions.get(session)?.seq;
  }

  /** Where the group's published state of a source partition ends (undefined: none published). */
  positionOf(partition: number): number | undefined {
    return this.#positions.get(partition);
  }
}

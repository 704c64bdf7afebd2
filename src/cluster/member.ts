// This daemon as a member of its group in cluster mode (README "Cluster mode"): what its pipeline hands over instead
// of writing rows (closed windows' partials), what every durable cut publishes on the state topic, in one
// transaction, after its checkpoint and before the source offsets are committed (the state of every open window,
// the closed ones since the last cut, then the progress record: daemon/cluster-cuts.ts), and the group's watermark
// its shards wait for. The windows it owns are merged and written by its ClusterOwner.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import type { AlertRule } from '../config/types.js';
import type { StatusCount } from '../native.js';
import type { OutputPort } from '../pipeline/output-port.js';
import { splitPartials } from '../pipeline/snapshot-format.js';
import { settleAll } from '../settle-all.js';
import { CutPublisher } from './cut-publisher.js';
import { type ClusterCut, type CutContext, cutRecords, type PreparedCut } from './cut-records.js';
import { type FeedObserver, GroupFeed } from './group-feed.js';
import { ClusterOwner } from './owner.js';
import type { OwnerOptions } from './owner-options.js';
import { RunningCounts } from './running-counts.js';
import { recordKey, type StateRecord, type WindowRecord, windowPartition } from './state-records.js';
import { ensureStateTopic, partitionCount, StateProducer } from './state-topic.js';

/** How long a cut waits for the brokers to acknowledge its state before it fails (and commits nothing). */
const PUBLISH_TIMEOUT_MS = 30_000;
/** What a generation gives its owner: its outputs and alert rules. */
type OwnerGeneration = { out: OutputPort; rules: AlertRule[]; earlyAlerts: boolean };
const newSession = (): string => `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** What its owner is made from is given to the member too (it adds the producer and the session). */
export interface ClusterMemberOptions extends Omit<OwnerOptions, 'producer' | 'session' | 'alone'> {
  /** The state topic (already named: state-topic.ts `stateTopicName`). */
  topic: string;
  partitions: number;
  retentionMs: number;
  /** The source's topic (its consumer group is `group`). */
  sourceTopic: string;
  /** The HTTP API's observer, when it runs: it is told the rows and alerts the other daemons write. */
  observer: () => FeedObserver | null;
  /** The cuts' transactional id: this daemon's across its restarts (daemon/cluster.ts keeps it in the checkpoint dir). */
  transactionalId: string;
  /** How long another daemon's last progress keeps this one from counting itself alone (group-feed.ts). */
  othersWithinMs: number;
}

export class ClusterMember {
  /** This run (or rebuild) of this daemon: its published window state is its own, never added to by a later one. */
  #session = newSession();
  readonly #o: ClusterMemberOptions;
  /** Running counts, and what an owner wrote at a revoke: not part of a cut. */
  #producer: StateProducer | null = null;
  #cuts: CutPublisher | null = null;
  #owner: ClusterOwner | null = null;
  #feed: GroupFeed | null = null;
  #statePartitions = 0;
  #sourcePartitions = 0;
  #seq = 0;
  /** Windows the shards closed since the last cut, by record key (a shard closes a window once). */
  readonly #closed = new Map<string, WindowRecord>();
  /** Source partition → when this session first claimed it (ms). */
  readonly #since = new Map<number, number>();
  /** Sent to the window's owner: in-process when it is this daemon (alone, always), else on the topic. */
  readonly #running = new RunningCounts((r) => {
    if (this.#stopping) return;
    const partition = windowPartition(r.startUs, this.#o.windowUs, this.#statePartitions);
    const record = { ...r, session: this.session };
    if (!this.#owner?.takeRunning(partition, record)) this.#producer?.send(partition, record);
  });
  #early: boolean;
  /** The running generation's API observer (a rebuild's outputs are new, and a reload may restart the API). */
  #observer: () => FeedObserver | null;
  #stopping = false;
  /** The running generation's durable cut, which an owner giving its partitions up waits for. */
  #cut: (() => Promise<void>) | null = null;
  /** The generation `renew` gave, until `outputsReady`. */
  #next: OwnerGeneration | null = null;
  /** Its sessions that have published a cut. */
  readonly #sessions = new Set<string>();
  /** `renew` was called before (the first call only gives the member its generation). */
  #renewed = false;

  constructor(o: ClusterMemberOptions) {
    this.#o = o;
    this.#early = o.earlyAlerts;
    this.#observer = o.observer;
  }

  get session(): string {
    return this.#session;
  }

  /**
   * A reload's next generation goes on with this member (same group, same topic: the owners' consumer stays in its
   * group, which a leave and re-join at every reload would shake): a new session, with that generation's outputs
   * rules and durable cut. Call `detach` when the previous generation hands over, this once the next one has its outputs.
   */
  renew(g: OwnerGeneration & { observer: () => FeedObserver | null; cut: () => Promise<void> }): void {
    if (this.#renewed) {
      this.#session = newSession();
      this.#seq = 0;
      this.#closed.clear();
      this.#running.clear();
      this.#since.clear();
      this.#o.log.info({ session: this.#session }, 'cluster: a new session for the rebuilt daemon');
    }
    this.#renewed = true;
    this.#early = g.earlyAlerts;
    this.#observer = g.observer;
    this.#next = { out: g.out, rules: g.rules, earlyAlerts: g.earlyAlerts };
    this.#cut = g.cut;
    this.#feed?.setSession(this.#session);
  }

  /**
   * The generation `renew` gave is ready (a restart removed the files a replay writes again; a rebuild adopted its
   * state): its owner writes to its outputs from now, not before — a row or alert written earlier could be removed.
   */
  outputsReady(): void {
    if (this.#next) this.#owner?.setGeneration({ ...this.#next, session: this.#session });
    this.#next = null;
  }

  /** Between two generations: nothing is written or fired (the outputs of the one are closed, the next has none yet). */
  detach(): void {
    this.#cut = null;
    this.#next = null;
    this.#running.stop();
    this.#owner?.setGeneration(null);
  }

  /** Creates the state topic if needed and joins the owners' group. Throws LP_ERR_CLUSTER (the caller falls back). */
  async start(): Promise<void> {
    const o = this.#o;
    // The clients connect together (each takes a few round trips: a daemon's start, and a bounded read, wait for them).
    const topic = { topic: o.topic, partitions: o.partitions, retentionMs: o.retentionMs, client: o.client };
    const [state, sourcePartitions] = await settleAll([ensureStateTopic(topic), partitionCount(o.client, o.sourceTopic, 'source')]);
    this.#statePartitions = state.partitions;
    this.#sourcePartitions = sourcePartitions;
    const producer = (this.#producer = new StateProducer(o.topic, o.client));
    this.#cuts = new CutPublisher(o.topic, o.client, o.transactionalId);
    const alone = () => this.#feed?.alone() ?? false;
    this.#owner = new ClusterOwner({ ...o, producer, session: this.session, alone, revoked: () => this.#running.resendAll(), cut: () => this.#cut?.() ?? null });
    const feed = { topic: o.topic, partitions: this.#statePartitions, client: o.client, session: this.session, log: o.log, created: state.created, othersWithinMs: o.othersWithinMs };
    this.#feed = new GroupFeed({ ...feed, observer: () => this.#observer(), otherShowedUp: () => this.#owner?.wake() });
    // The cuts' publisher is ready by the first cut; its failure (its transactional id not granted) is said now.
    const warn = (err: Error) => o.log.warn({ code: 'LP_ERR_CLUSTER' }, `${err.message}; durable cuts fail (nothing committed) until it can`);
    this.#cuts.connect().catch(warn);
    await settleAll([producer.connected(), this.#owner.start(), this.#feed.start()]);
    // A first progress record (nothing claimed, nothing closed) on every partition: when the feed reads it back, it
    // has read what was there before (group-feed.ts).
    const nothing = { shards: [], closed: [], written: [], claims: [], positions: {}, closedThroughUs: null, watermarkUs: null };
    for (const [k, hello] of cutRecords(nothing, this.#cutContext(0, new Map()))) producer.send(k, hello);
    o.log.info({ topic: o.topic, statePartitions: this.#statePartitions, sourcePartitions: this.#sourcePartitions, session: this.session }, 'cluster: member of the group');
  }

  /** The group's watermark as this daemon's shards must wait for it: the other readers' smallest. */
  floorUs(): number | null {
    return this.#feed?.view.floorUs(this.session) ?? null;
  }

  /**
   * Where a just-assigned source partition starts at least: the end of what the group published of it (a daemon
   * killed after publishing a cut, before committing its offsets, must not have that stretch counted again). Waits
   * (up to `waitMs`) until this daemon has read the state partitions it owns to their end once.
   */
  async publishedPosition(partition: number, waitMs: number): Promise<number | undefined> {
    await this.#feed?.caughtUp(waitMs);
    return this.#feed?.view.positionOf(partition);
  }

  /**
   * The newest cut of `session` the group has (its progress seq; undefined: none on the topic), once this daemon
   * has read every state partition to its end (or `waitMs` passed).
   */
  async publishedSeq(session: string, waitMs: number): Promise<number | undefined> {
    await this.#feed?.caughtUp(waitMs);
    return this.#feed?.view.seqOf(session);
  }

  /**
   * A restart's old session (the checkpoint's): its running counts may hold records after its last published cut,
   * which this run reads again — the owners stop adding them (its window state still counts).
   */
  async retire(session: string): Promise<void> {
    const producer = this.#producer;
    if (producer === null || session === this.session) return;
    for (let k = 0; k < this.#statePartitions; k++) producer.send(k, { t: 'x', session });
    const warn = (err: Error) => this.#o.log.warn({ session, error: err.message }, 'cluster: the previous session not retired: an early alert may count its last records twice');
    await producer.flush(PUBLISH_TIMEOUT_MS).catch(warn);
  }

  /** Whether this member published a cut of `session` (one of its own, earlier generations'). */
  hasPublished(session: string): boolean {
    return this.#sessions.has(session);
  }

  /** A shard's running error counts (early alerts on the group's sum, by the window's owner): sent within a few ms. */
  running(shard: number, counts: readonly StatusCount[]): void {
    if (this.#early && this.#producer !== null && counts.length > 0) this.#running.add(shard, counts);
  }

  /** Windows a shard closed (its partials): published at the next cut. */
  closed(shard: number, partials: Uint8Array): void {
    for (const w of splitPartials(partials)) {
      this.#running.forget(w.windowStartUs, shard);
      const record: WindowRecord = { t: 'w', session: this.session, shard, startUs: w.windowStartUs, endUs: w.windowEndUs, partial: w.bytes };
      this.#closed.set(recordKey(record), record);
    }
  }

  /** The windows closed and written since the last cut, for the cut being taken (what comes after goes in the next). */
  takeCutRecords(): { closed: WindowRecord[]; written: [number, StateRecord][] } {
    const closed = [...this.#closed.values()];
    this.#closed.clear();
    return { closed, written: this.#owner?.takeUnpublished() ?? [] };
  }

  /** What `/metrics` shows of this member (cluster series, metrics-series.ts). */
  stats(): { topic: string; readers: number; published: { records: number; bytes: number }; windowsWritten: number; owned: ReturnType<ClusterOwner['lag']> } {
    return {
      topic: this.#o.topic,
      readers: this.#feed?.view.readers().length ?? 0,
      published: sum(this.#producer?.sent, this.#cuts?.sent),
      windowsWritten: this.windowsWritten,
      owned: this.#owner?.lag(Date.now() * 1000) ?? [],
    };
  }

  /** Windows merged and written by this daemon as their owner. */
  get windowsWritten(): number {
    return this.#owner?.windowsWritten ?? 0;
  }

  /**
   * Numbers a cut and lists its records: every open window's state, the windows closed since the last cut, what the
   * owner wrote, then the progress record on every partition. Nothing is sent yet (`publish`, after the checkpoint).
   */
  prepare(cut: ClusterCut): PreparedCut {
    const now = Date.now();
    for (const p of [...this.#since.keys()]) if (!cut.claims.includes(p)) this.#since.delete(p);
    for (const p of cut.claims) if (!this.#since.has(p)) this.#since.set(p, now);
    const seq = ++this.#seq;
    return { seq, records: cutRecords(cut, this.#cutContext(seq, this.#since)), closed: cut.closed, written: cut.written };
  }

  #cutContext(seq: number, since: ReadonlyMap<number, number>): CutContext {
    const o = this.#o;
    return { session: this.session, seq, since, sourceTopic: o.sourceTopic, sourcePartitions: this.#sourcePartitions, windowUs: o.windowUs, partitions: this.#statePartitions };
  }

  /** Publishes a prepared cut in one transaction; resolves once the group has all of it (the caller commits the source offsets after). */
  async publish(cut: PreparedCut): Promise<void> {
    if (this.#cuts === null) return;
    try {
      await this.#cuts.publish(cut.records, PUBLISH_TIMEOUT_MS);
      this.#sessions.add(this.session);
      this.#owner?.published(cut.seq);
    } catch (err) {
      // The cut fails (nothing of it visible, nothing committed); its closed windows and what the owner wrote go
      // again with the next one, which re-sends the rest.
      for (const r of cut.closed) if (!this.#closed.has(recordKey(r))) this.#closed.set(recordKey(r), r);
      this.#owner?.putBack([...cut.written]);
      throw err;
    }
  }

  /**
   * A bounded read ended and its end cut is published (durability.ts `endCut`): waits (up to `waitMs`) until every
   * window this daemon owns is written — for the others' ends too. Resolves false when some still wait: their
   * later owner writes them.
   */
  async ownedWritten(waitMs: number): Promise<boolean> {
    return (await this.#owner?.allWritten(waitMs)) ?? true;
  }

  /** After a bounded read's outputs are closed (its files final: no checkpoint is left to replay): what it wrote as an owner. */
  async publishWritten(): Promise<void> {
    const producer = this.#producer;
    if (producer === null) return;
    this.#owner?.setGeneration(null);
    for (const [partition, r] of this.#owner?.takeUnpublished() ?? []) producer.send(partition, r);
    await producer.flush(PUBLISH_TIMEOUT_MS);
  }

  async stop(): Promise<void> {
    // Nothing is sent from here on: the owner's revoke while it leaves its group would schedule counts again.
    this.#stopping = true;
    this.#running.stop();
    this.#o.log.debug({ session: this.session }, 'cluster: stopping the owner and the feed');
    await Promise.all([this.#owner?.stop(), this.#feed?.stop()]);
    await this.#producer?.flush(5000).catch(() => undefined);
    await Promise.all([this.#producer?.close(), this.#cuts?.close()]);
    if (this.#producer) this.#o.log.info({ session: this.session, published: sum(this.#producer.sent, this.#cuts?.sent), windowsWritten: this.windowsWritten }, 'cluster: session ended');
  }
}

function sum(...counts: ({ records: number; bytes: number } | undefined)[]): { records: number; bytes: number } {
  return counts.reduce<{ records: number; bytes: number }>((a, c) => ({ records: a.records + (c?.records ?? 0), bytes: a.bytes + (c?.bytes ?? 0) }), { records: 0, bytes: 0 });
}

// A reload that changes what the running generation is built from (reload-plan.ts) rebuilds it in the same
// process: reading stops, a durable cut completes every output and checkpoints the state (Kafka: offsets committed
// with it), and a generation built from the new config starts from that checkpoint — its open windows, each stream
// on the shard holding its state, the alert engine's memory, the totals. The source goes on where it stopped unless
// the source itself changed (then the new one starts, and the old one stops and its streams end). Should anything of
// the new start fail, the previous config is started again from the same checkpoint (rollback), so the daemon
// never stops over a reload; only a rollback that fails too is fatal.
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { WebhookDelivery } from '../sinks/webhook.js';
import { sourceKindOf } from '../sources/create-source.js';
import { isReplayable, type Source } from '../sources/source.js';
import type { ClusterMember } from '../cluster/member.js';
import type { ArchiveKeeper } from './archive.js';
import { clusterIdentity } from './cluster.js';
import { Generation, type HandOver } from './generation.js';
import type { Instruments } from './instruments.js';
import type { ReloadPlan } from './reload-plan.js';
import type { SourceRelay } from './source-relay.js';

/** What the daemon lends a rebuild. */
export interface RebuildHost {
  readonly log: Logger;
  readonly instruments: Instruments;
  readonly relay: SourceRelay;
  readonly webhook: WebhookDelivery;
  config: Config;
  gen: Generation;
  source: Source;
  /** Closes the HTTP API (to restart it). */
  stopApi(): Promise<void>;
  /** Starts the HTTP API a config asks for (nothing when it is disabled); throws when it cannot listen. */
  startApi(config: Config): Promise<void>;
  createSource(config: Config): Source;
  /** Starts `source` delivering into the relay (a stop signal may abort it). */
  startSource(source: Source): Promise<void>;
}

export type RebuildResult = 'ok' | 'rolled_back';

/** The previous source, paused while its successor starts, and the config it was made from. */
interface Replaced {
  source: Source;
  config: Config;
}

/** The same source, read the same way: a rebuild keeps it running. The `kafka` keys matter to a Kafka source only. */
function sameSource(a: Config, b: Config): boolean {
  // A file source's read buffers are its own: a new count takes a new source (it goes on from the checkpoint).
  const of = (c: Config) => {
    const kind = sourceKindOf(c);
    return JSON.stringify(kind === 'kafka' ? [c.source, c.kafka.group, c.kafka.startingOffsets, c.kafka.security] : kind === 'file' ? [c.source, c.pipeline.readBuffers] : [c.source]);
  };
  return of(a) === of(b);
}

/**
 * A source that must stop before another starts: it holds what its successor may need (a listening port, a
 * consumer group's partitions). A rollback starts it anew — exact for Kafka, whose offsets are checkpointed.
 * Any other source only pauses until its successor runs, so that a rollback reads on where it stopped (a file,
 * stdin, a generator's sequence).
 */
function competes(config: Config): boolean {
  const kind = sourceKindOf(config);
  return kind === 'kafka' || kind === 'tcp-listen';
}

/** Stops a replaced source and ends the streams it left open (a Kafka source's carry on: source-relay.ts). */
async function retire(h: RebuildHost, source: Source, of: Config): Promise<void> {
  if (sourceKindOf(of) === 'kafka') h.relay.carryOn(source);
  await source.stop().catch((err: unknown) => h.log.warn({ err: (err as Error).message, source: source.uri }, 'reload: the replaced source did not stop cleanly'));
  h.relay.retire(source);
}

export async function rebuild(h: RebuildHost, next: Config, plan: ReloadPlan): Promise<RebuildResult> {
  const prev = h.config;
  const restartApi = plan.api.length > 0;
  if (plan.rebuild.length === 0) {
    // Only the API's settings changed: it restarts (on its new address); the pipeline goes on untouched.
    await h.stopApi();
    try {
      await h.startApi(next);
      return 'ok';
    } catch (err) {
      h.log.error({ err: (err as Error).message }, 'reload: the HTTP API could not start on the new config; starting it again on the previous one');
      await h.startApi(prev);
      return 'rolled_back';
    }
  }
  const old = h.gen;
  const source = h.source;
  const keepSource = sameSource(prev, next);
  const keepArchive = keepSource && prev.archive.enabled && next.archive.enabled && prev.archive.dir === next.archive.dir;
  // Stop reading: a replayable source is held by the hand-over's cut (its positions must match the state);
  // another is paused, and what it still delivers waits in the relay for the next generation.
  if (!isReplayable(source)) {
    h.relay.detach();
    source.pause();
  }
  // The same group and state topic: the cluster member goes on (a new session), its owners' consumer stays in its group.
  const keepCluster = old.cluster !== null && clusterIdentity(prev) === clusterIdentity(next);
  let handOver: HandOver;
  try {
    handOver = await old.handOver(keepArchive, keepCluster);
  } catch (err) {
    h.log.error({ err: (err as Error).message }, 'reload: the durable cut before the rebuild failed; the running daemon goes on');
    await old.resume();
    h.relay.attach(old);
    if (isReplayable(source)) source.release();
    source.resume();
    return 'rolled_back';
  }
  h.relay.detach();
  // A replaced source that does not compete with its successor stays paused until that one runs.
  let replaced: Replaced | null = null;
  if (!keepSource) {
    if (competes(prev)) await retire(h, source, prev);
    else replaced = { source, config: prev };
  }
  if (restartApi) await h.stopApi();
  const kept = keepSource ? source : null;
  const archive = keepArchive ? old.archive : undefined;
  try {
    await launch(h, next, handOver, kept, archive, restartApi, replaced, keepCluster ? old.cluster : undefined);
    return 'ok';
  } catch (err) {
    h.log.error({ err: (err as Error).message }, 'reload: the new config could not start; starting the previous one again from the same checkpoint');
    // The failed generation stopped the member it was handed: the previous config starts a new one.
    await launch(h, prev, handOver, kept ?? replaced?.source ?? null, archive, restartApi, null, undefined);
    return 'rolled_back';
  }
}

/**
 * Starts a generation of `config` from `handOver`, on the kept source or a new one; undoes what it did when it
 * fails. `replaced`: the previous source, paused, retired once the new one has started.
 */
async function launch(
  h: RebuildHost,
  config: Config,
  handOver: HandOver,
  kept: Source | null,
  archive: ArchiveKeeper | null | undefined,
  api: boolean,
  replaced: Replaced | null,
  cluster: ClusterMember | null | undefined,
): Promise<void> {
  const source = kept ?? h.createSource(config);
  const gen = await Generation.open(config, {
    log: h.log,
    instruments: h.instruments,
    source,
    totals: handOver.totals,
    webhook: h.webhook,
    // One cap for the daemon's life: its bucket and dropped count go on.
    rejectedLimit: h.gen.rejectedLimit,
    ...(archive === undefined ? {} : { archive }),
    ...(cluster === undefined ? {} : { cluster }),
  });
  let apiStarted = false;
  try {
    await gen.adopt(handOver, kept === null);
    h.gen = gen;
    h.config = config;
    h.source = source;
    if (api) {
      await h.startApi(config);
      apiStarted = true;
    }
    await gen.start();
    if (kept === null) {
      // Into the relay, still cut off: what it delivers queues behind the old source's last data and stream ends.
      await h.startSource(source);
      // Its streams end behind what it delivered; the new source's data queues meanwhile (order counts per stream).
      if (replaced) await retire(h, replaced.source, replaced.config);
    }
    h.relay.attach(gen);
    if (kept && isReplayable(kept)) kept.release();
    source.resume();
    gen.startCuts();
  } catch (err) {
    h.relay.detach();
    if (apiStarted) await h.stopApi();
    if (kept === null) await retire(h, source, config);
    await gen.discard();
    throw err;
  }
}

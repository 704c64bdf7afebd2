// One build of a running daemon from a config: its outputs, pipeline, durability and thresholds watcher, and the
// archive keeper unless a rebuild hands the running one on. The source, the HTTP API and the webhook's queue belong
// to the daemon (daemon.ts) and outlive generations (a generation points the webhook at its config's URL when it
// starts): a reload that changes what a generation is built from stops this one at a durable cut (`handOver`) and
// starts the next from that state (`adopt`); see rebuild.ts.
import { setFileModes } from '../file-modes.js';
import type { Config } from '../config/types.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import type { Logger } from '../log.js';
import { type AlertState, Pipeline, type PipelineTotals } from '../pipeline/pipeline.js';
import { type RejectedLimit, rejectedLimitFor } from '../sinks/rejected-limit.js';
import { type WebhookDelivery, webhookTarget } from '../sinks/webhook.js';
import { isReplayable, type Source } from '../sources/source.js';
import { parseSourceUri } from '../sources/uri.js';
import type { ClusterMember } from '../cluster/member.js';
import { ArchiveKeeper, replayModeOf } from './archive.js';
import { openClusterMember } from './cluster.js';
import type { BatchThresholds } from './batch-thresholds.js';
import type { Checkpoint } from './checkpoint.js';
import { Durability } from './durability.js';
import type { Instruments, OutputKind } from './instruments.js';
import { daemonMemoryGuard, type MemoryGuard } from './memory-guard.js';
import { consoleTable, openOutputs } from './open-outputs.js';
import type { Outputs } from './outputs.js';
import { batchThresholds, pipelineOptions } from './parts.js';
import { RetentionSweeper } from './retention.js';
import type { RunningParts } from './shutdown.js';

/** How long a just-assigned partition waits for this daemon to have read the group's published positions. */
const PUBLISHED_WAIT_MS = 10_000;

export interface GenerationDeps {
  log: Logger;
  instruments: Instruments;
  /** The daemon's source (its data reaches this generation through the daemon's relay). */
  source: Source;
  /** The archive keeper a rebuild hands on (same archive, same source): its run goes on. Default: a new one. */
  archive?: ArchiveKeeper | null;
  /** Counted by the generations before. */
  totals?: PipelineTotals;
  /** The daemon's webhook delivery: alerts go to it, and cuts save what it has not delivered. */
  webhook?: WebhookDelivery;
  /** The previous generation's cap on rejected lines written (a rebuild); default: a new one from the config. */
  rejectedLimit?: RejectedLimit;
  /** The cluster member a rebuild hands on (same group and state topic): it goes on with a new session. Default: a new one. */
  cluster?: ClusterMember | null;
}

/** What a generation hands to the next: its state, where that is on disk, what its alert engine knows, its totals. */
export interface HandOver {
  checkpoint: Checkpoint;
  /** The checkpoint dir the state was written to (where the next generation moves it from). */
  dir: string;
  alerts: AlertState;
  totals: PipelineTotals;
  /** Declared streams that had no data yet (Kafka partitions just assigned): they hold the watermarks back. */
  held: { stream: string; route?: number }[];
}

export class Generation {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly outputs: Outputs;
  readonly durability: Durability;
  readonly archive: ArchiveKeeper | null;
  readonly source: Source;
  /** `limits.rejectedPerSecond`, handed on by rebuilds: one bucket and one dropped count for the daemon's life. */
  readonly rejectedLimit: RejectedLimit;
  /** Deletes the oldest output files over `output.retention` (retention.ts). */
  readonly retention: RetentionSweeper;
  /** Holds it to `limits.maxMemory`: over it, files are completed early and the source waits (memory-guard.ts). */
  readonly memory: MemoryGuard;
  /** Cluster mode: this generation's session in the group (null: rows and alerts are this daemon's). */
  readonly cluster: ClusterMember | null;
  /** The archive keeper was made here (so it is opened and finished here too). */
  readonly #ownArchive: boolean;
  readonly #log: Logger;
  readonly #webhook: WebhookDelivery | null;
  #thresholds: BatchThresholds | null;
  #started = false;

  /** Builds every part (output dirs are created); nothing runs yet. */
  static async open(config: Config, d: GenerationDeps): Promise<Generation> {
    // A rebuild may bring new output.fileMode / dirMode (run.ts set the first ones, before the checkpoint is read).
    setFileModes(config.output);
    const spec = parseSourceUri(config.source);
    // Alerts go to Kafka when brokers are known: the source's own, or `kafka.brokers`.
    const brokers = spec.kind === 'kafka' ? spec.brokers : config.kafka.brokers;
    const alertClient = brokers === null ? null : kafkaClientConfig(brokers, config.kafka.security);
    const replayable = isReplayable(d.source);
    // Closed-window partials are for `logpulse merge` of daemons sharing a Kafka consumer group.
    const partials = spec.kind === 'kafka';
    const kinds: OutputKind[] = ['errors', 'rejected', 'metrics', 'alerts'];
    if (partials) kinds.push('partials');
    if (config.archive.enabled) kinds.push('archive');
    d.instruments.addKinds(kinds);
    const rejectedLimit = d.rejectedLimit ?? rejectedLimitFor(config.limits.rejectedPerSecond, d.log);
    const outputs = await openOutputs(config, { log: d.log, alertClient, replayable, partials, instruments: d.instruments, webhook: d.webhook ?? null, rejectedLimit });
    const own = d.archive === undefined;
    const archive = !own ? d.archive! : config.archive.enabled ? new ArchiveKeeper(config.archive.dir, config.source, replayModeOf(spec), d.log) : null;
    if (archive && own) {
      archive.onPublished = (bytes) => d.instruments.filePublished('archive', bytes);
      archive.onRetained = (files, bytes) => d.instruments.retentionDeleted('archive', files, bytes);
    }
    archive?.setRetention(config.archive.retention);
    const cluster = d.cluster === undefined ? await openClusterMember(config, spec, outputs, d.log) : d.cluster;
    return new Generation(config, d, outputs, archive, own, rejectedLimit, cluster);
  }

  private constructor(
    config: Config,
    d: GenerationDeps,
    outputs: Outputs,
    archive: ArchiveKeeper | null,
    ownArchive: boolean,
    rejectedLimit: RejectedLimit,
    cluster: ClusterMember | null,
  ) {
    this.config = config;
    this.cluster = cluster;
    this.rejectedLimit = rejectedLimit;
    this.source = d.source;
    this.outputs = outputs;
    this.archive = archive;
    this.#ownArchive = ownArchive;
    this.#log = d.log;
    this.#webhook = d.webhook ?? null;
    this.memory = daemonMemoryGuard(config.limits.maxMemory, d.log, () => this);
    this.pipeline = new Pipeline({ ...pipelineOptions(config, outputs, archive, d.totals, () => this.memory.over), ...(cluster ? { cluster } : {}) });
    // A source a rebuild keeps was made from the previous config: from now on it enforces this one's limits.
    d.source.setLimits?.(config.limits);
    if (isReplayable(d.source)) d.source.setPublishedPositions?.(cluster ? (p) => cluster.publishedPosition(p, PUBLISHED_WAIT_MS) : null);
    this.pipeline.onPause = () => d.source.pause();
    this.pipeline.onResume = () => d.source.resume();
    outputs.onDrained = () => this.pipeline.recheckBackpressure();
    this.#thresholds = batchThresholds(config, this.pipeline, d.log);
    this.durability = new Durability({
      source: d.source,
      pipeline: this.pipeline,
      outputs,
      checkpointDir: config.checkpoint.dir,
      workers: config.pipeline.workers,
      everyMs: config.output.rotateEveryMs,
      archive,
      log: d.log,
      instruments: d.instruments,
      cluster,
    });
    const durability = this.durability;
    const cut = () => durability.handOff([]);
    cluster?.renew({ out: outputs, rules: config.alerts.rules, earlyAlerts: config.alerts.early, observer: () => outputs.observer, cut });
    this.retention = new RetentionSweeper({
      outDir: config.output.dir,
      kinds: outputs.kinds,
      limits: config.output.retention,
      safeThrough: () => durability.deletableThrough(),
      everyMs: config.output.rotateEveryMs,
      log: d.log,
      onDeleted: (kind, files, bytes) => d.instruments.retentionDeleted(kind, files, bytes),
    });
  }

  /** What the stop paths (shutdown.ts) work on. */
  get parts(): RunningParts {
    const { source, pipeline, outputs, durability } = this;
    return { source, pipeline, outputs, durability, log: this.#log, rejectedDropped: () => this.rejectedLimit.dropped, cluster: this.cluster };
  }

  /** Before any data: what the last run left in the checkpoint, and the archive opened against it. */
  restoreFromDisk(): Promise<void> {
    return this.durability.restore();
  }

  /** Before any data: the state the previous generation handed over. `sourceIsNew`: the source was replaced too. */
  async adopt(h: HandOver, sourceIsNew: boolean): Promise<void> {
    await this.durability.adopt(h.checkpoint, { sourceIsNew, from: h.dir, openArchive: this.#ownArchive, alerts: h.alerts });
    h.dir = this.config.checkpoint.dir;
    // Streams still waiting for their first data go on holding: a kept source does not declare them again, and a
    // Kafka source that replaces the old one may take its time to be assigned them.
    for (const { stream, route } of h.held) this.pipeline.declare(stream, route);
  }

  /** Timers and the thresholds watcher; the source is started (or resumed) after this. */
  async start(): Promise<void> {
    // Here rather than at open: a rebuild whose new config fails to start sets the previous one's again.
    this.#webhook?.setDir(this.config.checkpoint.dir);
    this.#webhook?.setTarget(webhookTarget(this.config.alerts, process.env));
    await this.#thresholds?.start();
    this.pipeline.start();
    this.outputs.start();
    this.memory.start();
    this.#started = true;
  }

  /** Timed durable cuts and retention sweeps, once the source reads (the checkpoint's marks are known by then). */
  startCuts(): void {
    this.durability.start();
    this.retention.start();
  }

  /** A hand-over that failed before anything was closed: this generation goes on (cuts and thresholds again). */
  async resume(): Promise<void> {
    this.pipeline.start(); // its ticks, stopped by the cut
    await this.#thresholds?.start();
    this.startCuts();
  }

  /** Keys a running generation takes at once (reload-plan.ts lists them). */
  applyInPlace(next: Config, keys: readonly string[]): void {
    const has = (...k: string[]) => k.some((key) => keys.includes(key));
    if (has('console.enabled', 'console.every')) this.outputs.setConsole(consoleTable(next));
    if (has('output.resultsEvery')) this.outputs.setResultsEvery(next.output.resultsEveryMs);
    if (has('output.rotateEvery')) {
      this.outputs.setRotateEvery(next.output.rotateEveryMs);
      this.durability.setEvery(next.output.rotateEveryMs);
      this.retention.setEvery(next.output.rotateEveryMs);
    }
    if (keys.some((k) => k.startsWith('output.retention.'))) this.retention.setLimits(next.output.retention);
    if (keys.some((k) => k.startsWith('archive.retention.'))) this.archive?.setRetention(next.archive.retention);
    if (has('alerts.rules', 'alerts.early', 'alerts.thresholdsFrom', 'alerts.thresholdsMinWindows')) {
      this.pipeline.setRules(next.alerts.rules, next.alerts.early);
      // The watcher judges the new rules against the batch's view (and applies it again over the configured values).
      this.#thresholds?.stop();
      this.#thresholds = batchThresholds(next, this.pipeline, this.#log);
      if (this.#started) void this.#thresholds?.start();
    }
    // The queue stays: what the old URL had not taken goes to the new one.
    if (has('alerts.webhook', 'alerts.webhookFormat', 'alerts.webhookSecretEnv')) this.#webhook?.setTarget(webhookTarget(next.alerts, process.env));
    if (has('limits.rejectedPerSecond')) this.rejectedLimit.setPerSecond(next.limits.rejectedPerSecond);
    if (has('limits.maxMemory')) this.memory.setMaxMemory(next.limits.maxMemory);
    // Connections already open keep going; the new cap and timeout apply from now on.
    if (has('limits.maxConnections', 'limits.idleTimeout')) this.source.setLimits?.(next.limits);
  }

  /**
   * A rebuild: reading stops at a durable cut, the state is checkpointed, every output file is completed and the
   * workers end. `keepArchive`: the next generation goes on with this archive keeper; otherwise its run ends here.
   */
  async handOver(keepArchive: boolean, keepCluster = false): Promise<HandOver> {
    await this.#stopTimed();
    const checkpoint = await this.durability.handOver();
    if (this.archive && !keepArchive) await this.archive.finish(true);
    // Nothing of this generation may pause or resume the source from here on (its files' completion would).
    this.pipeline.onPause = () => {};
    this.pipeline.onResume = () => {};
    await this.outputs.close();
    const handOver = { checkpoint, dir: this.config.checkpoint.dir, alerts: this.pipeline.alertState(), totals: this.pipeline.totals, held: this.pipeline.heldStreams() };
    await this.pipeline.close();
    if (keepCluster) this.cluster?.detach();
    else await this.cluster?.stop();
    return handOver;
  }

  /** A generation that could not start: whatever it opened is closed (nothing was read into it). */
  async discard(): Promise<void> {
    await this.#stopTimed();
    this.pipeline.onPause = () => {};
    this.pipeline.onResume = () => {};
    await this.durability.stopCuts();
    await this.pipeline.close();
    await this.outputs.close().catch(() => undefined);
    if (this.#ownArchive) await this.archive?.finish(true).catch(() => undefined);
    await this.cluster?.stop().catch(() => undefined);
  }

  /** The end of a run, whichever way it ended. */
  async close(): Promise<void> {
    await this.#stopTimed();
    await this.pipeline.close();
    await this.cluster?.stop();
  }

  /** What runs on its own timer: the thresholds watcher, retention sweeps, the memory guard. */
  async #stopTimed(): Promise<void> {
    this.#thresholds?.stop();
    await this.retention.stop();
    this.memory.stop();
  }
}

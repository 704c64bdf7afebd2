// A running daemon built from a resolved config: source → pipeline (native shards) → outputs, with durability
// deciding when what is committed and the shutdown paths deciding how it ends. It holds no process-wide state
// (signals are the caller's), so one can be stopped and another started in the same process.
import type { Registry } from 'prom-client';

import { redactConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import type { Logger } from '../log.js';
import { Pipeline, type PipelineOptions } from '../pipeline/pipeline.js';
import { isReplayable, type Source, type SourceSink } from '../sources/source.js';
import { createSource } from '../sources/create-source.js';
import { parseSourceUri } from '../sources/uri.js';
import { createRegistry } from '../api/metrics.js';
import type { ApiServer } from '../api/server.js';
import { daemonApi, type DaemonPhase } from './api.js';
import { ArchiveKeeper, replayModeOf } from './archive.js';
import { BatchThresholds } from './batch-thresholds.js';
import { Durability } from './durability.js';
import { Instruments, type OutputKind } from './instruments.js';
import { registerDaemonSeries } from './metrics-series.js';
import { MAX_PENDING_OUTPUT_BYTES, openOutputs, type Outputs } from './outputs.js';
import { endOfInput, type RunningParts, stopGracefully, stopOnFailure } from './shutdown.js';

/** The pipeline a config describes, writing to `output`. */
function pipelineOptions(c: Config, output: Outputs, archive: ArchiveKeeper | null): PipelineOptions {
  const p = c.pipeline;
  const rules = c.alerts.rules;
  return {
    shards: p.workers,
    shardOptions: {
      errorStatusMin: p.errorStatusMin,
      windowMs: p.windowMs,
      watermarkMs: p.watermarkMs,
      idleTimeoutMs: p.idleTimeoutMs,
      maxFutureSkewMs: p.maxFutureSkewMs,
      maxUrlsPerWindow: p.maxUrlsPerWindow,
      maxLineBytes: c.limits.maxLineBytes,
      format: c.format,
      csvDelimiter: c.csv.delimiter,
      // Per-group counts cost memory (an IP map grows with distinct clients): only kept for a configured rule.
      trackUrlCounts: rules.some((r) => r.type === 'url_error_rate'),
      trackIpCounts: rules.some((r) => r.type === 'ip_error_rate'),
    },
    chunkBytes: p.chunkBytes,
    maxInFlightChunks: p.maxInFlightChunks,
    lingerMs: 20,
    tickMs: 1000,
    rules,
    earlyAlerts: c.alerts.early,
    output,
    maxPendingOutputBytes: MAX_PENDING_OUTPUT_BYTES,
    ...(archive ? { archive: archive.shardOptions } : {}),
  };
}

/** How often `alerts.thresholdsFrom: batch` looks for a new batch. */
const BATCH_CHECK_MS = 5000;

/** Config keys of SPEC features that later issues deliver: said out loud rather than silently ignored. */
function notYetAvailable(c: Config): string[] {
  const keys: string[] = [];
  if (c.alerts.webhook) keys.push('alerts.webhook');
  return keys;
}

export class Daemon {
  readonly #config: Config;
  readonly #log: Logger;
  readonly #source: Source;
  readonly #pipeline: Pipeline;
  readonly #outputs: Outputs;
  readonly #durability: Durability;
  readonly #thresholds: BatchThresholds | null;
  readonly #instruments: Instruments;
  #stopSignal: NodeJS.Signals | null = null;
  #stopRequested: (signal: NodeJS.Signals) => void = () => {};
  readonly #stopped = new Promise<NodeJS.Signals>((resolve) => (this.#stopRequested = resolve));
  #starting = true;
  #phase: DaemonPhase = 'starting';

  /**
   * Builds every part from `config`. Throws on a source URI or Kafka security setting this build cannot use
   * (the CLI's exit 2); nothing is started yet.
   */
  static async create(config: Config, log: Logger): Promise<Daemon> {
    const spec = parseSourceUri(config.source);
    const source = createSource(spec, {
      kafka: { group: config.kafka.group, startingOffsets: config.kafka.startingOffsets, security: config.kafka.security },
    });
    // Alerts go to Kafka when brokers are known: the source's own, or `kafka.brokers`.
    const brokers = spec.kind === 'kafka' ? spec.brokers : config.kafka.brokers;
    const alertClient = brokers === null ? null : kafkaClientConfig(brokers, config.kafka.security);
    const replayable = isReplayable(source);
    const kinds: OutputKind[] = ['errors', 'rejected', 'metrics', 'alerts'];
    if (replayable) kinds.push('partials');
    if (config.archive.enabled) kinds.push('archive');
    const instruments = new Instruments(kinds);
    const outputs = await openOutputs(config, { log, alertClient, replayable, instruments });
    const archive = config.archive.enabled ? new ArchiveKeeper(config.archive.dir, config.source, replayModeOf(spec), log) : null;
    if (archive) archive.onPublished = (bytes) => instruments.filePublished('archive', bytes);
    return new Daemon(config, log, source, outputs, archive, instruments);
  }

  private constructor(config: Config, log: Logger, source: Source, outputs: Outputs, archive: ArchiveKeeper | null, instruments: Instruments) {
    this.#config = config;
    this.#instruments = instruments;
    this.#log = log;
    this.#source = source;
    this.#outputs = outputs;
    this.#pipeline = new Pipeline(pipelineOptions(config, outputs, archive));
    this.#pipeline.onPause = () => source.pause();
    this.#pipeline.onResume = () => source.resume();
    outputs.onDrained = () => this.#pipeline.recheckBackpressure();
    this.#thresholds =
      config.alerts.thresholdsFrom === 'batch'
        ? new BatchThresholds({
            batchDir: config.batch.dir,
            rules: config.alerts.rules,
            minWindows: config.alerts.thresholdsMinWindows,
            everyMs: BATCH_CHECK_MS,
            apply: (t) => this.#pipeline.setThresholds(t),
            log,
          })
        : null;
    this.#durability = new Durability({
      source,
      pipeline: this.#pipeline,
      outputs,
      checkpointDir: config.checkpoint.dir,
      workers: config.pipeline.workers,
      everyMs: config.output.rotateEveryMs,
      archive,
      log,
      instruments,
    });
    // A stop while the source is still starting (brokers not reached yet) ends the start at once.
    void this.#stopped.then((signal) => {
      this.#stopSignal = signal;
      if (this.#starting) void source.stop();
    });
  }

  /** SIGHUP re-read the config: `ok` when it was applied, false when the file was bad (for `/metrics`). */
  configReloaded(ok: boolean): void {
    this.#instruments.configReloaded(ok);
  }

  /** Asks for a graceful stop (`run` then resolves once it is done). Safe at any time, also before `run`. */
  stop(signal: NodeJS.Signals): void {
    this.#stopRequested(signal);
  }

  /**
   * Runs until the input ends, a stop is asked for, or the source fails; resolves with the exit code. With
   * `api.enabled`, the HTTP API listens before the source starts and is closed whichever way the run ends.
   */
  async run(): Promise<number> {
    const config = this.#config;
    const log = this.#log;
    log.debug({ config: redactConfig(config) }, 'effective config');
    await this.#durability.restore();
    log.info({ source: this.#source.uri, workers: config.pipeline.workers, output: config.output.dir }, 'logpulse starting');
    const notYet = notYetAvailable(config);
    if (notYet.length > 0) log.warn({ keys: notYet }, 'configured but not available in this version yet (ignored)');
    let api: ApiServer | null = null;
    if (config.api.enabled) {
      try {
        const registry = this.#metricsRegistry();
        api = await daemonApi(config, log, { pipeline: this.#pipeline, outputs: this.#outputs, phase: () => this.#currentPhase(), registry });
        await api.listen();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'the HTTP API could not start');
        await api?.close();
        await this.#pipeline.close();
        await this.#outputs.close();
        return 1;
      }
    }
    try {
      return await this.#runSource();
    } finally {
      await api?.close();
    }
  }

  /** Process metrics and this daemon's series (metrics-series.ts), read when scraped. */
  #metricsRegistry(): Registry {
    return createRegistry((r) =>
      registerDaemonSeries(r, {
        sourceKind: parseSourceUri(this.#config.source).kind,
        source: this.#source,
        pipeline: this.#pipeline,
        pendingOutputBytes: () => this.#outputs.pendingBytes,
        rules: this.#config.alerts.rules,
        instruments: this.#instruments,
      }),
    );
  }

  #currentPhase(): DaemonPhase {
    return this.#stopSignal !== null ? 'stopping' : this.#phase;
  }

  async #runSource(): Promise<number> {
    const config = this.#config;
    const log = this.#log;
    const parts: RunningParts = { source: this.#source, pipeline: this.#pipeline, outputs: this.#outputs, durability: this.#durability, log };
    const { source, pipeline, outputs, durability } = parts;

    let failed: (err: Error) => void = () => {};
    const failure = new Promise<Error>((resolve) => (failed = resolve));
    if (isReplayable(source)) source.onFatal((err) => failed(err));
    durability.onFatal((err) => failed(err));

    await this.#thresholds?.start();
    pipeline.start();
    outputs.start();
    try {
      await source.start(this.#sourceSink());
    } catch (err) {
      if (this.#stopSignal === null) log.error({ err: (err as Error).message, source: source.uri }, 'source could not start');
      else log.info({ signal: this.#stopSignal }, 'stopped before the source started');
      this.#thresholds?.stop();
      await pipeline.close();
      await outputs.close();
      return this.#stopSignal === null ? 1 : 0;
    }
    this.#starting = false;
    this.#phase = 'running';
    // Tests and operators wait for this line: a listening source accepts connections from here on.
    log.info({ source: source.uri }, 'source started');
    durability.start();

    const outcome = await Promise.race([pipeline.ended.then(() => 'ended' as const), this.#stopped, failure]);
    this.#phase = 'stopping';
    let code = 0;
    if (outcome instanceof Error) {
      await stopOnFailure(parts, outcome);
      code = 1;
    } else if (outcome === 'ended') {
      try {
        await endOfInput(parts);
      } catch (err) {
        // The outputs are complete; what failed is publishing the last archive cut or committing the read.
        log.error({ err: (err as Error).message }, 'input ended but its last cut failed');
        code = 1;
      }
    } else {
      try {
        await stopGracefully(parts, outcome, config.shutdownTimeoutMs, config.checkpoint.dir);
      } catch (err) {
        // Nothing was committed past the last good cut: the next start replays or restores from there.
        log.error({ err: (err as Error).message }, 'stop could not make everything durable');
        code = 1;
      }
    }
    if (pipeline.failure) {
      log.error({ err: pipeline.failure.message }, 'a shard failed');
      code = 1;
    }
    this.#thresholds?.stop();
    await pipeline.close();
    return code;
  }

  /** Where the source's bytes and events go: the pipeline, the log, and durability for hand-overs. */
  #sourceSink(): SourceSink {
    const pipeline = this.#pipeline;
    const log = this.#log;
    return {
      data: (stream, chunk, route) => pipeline.data(stream, chunk, route),
      declare: (stream, route) => pipeline.declare(stream, route),
      streamEnd: (stream) => pipeline.streamEnd(stream),
      end: () => pipeline.end(),
      warn: (message, details) => log.warn(details ?? {}, message),
      info: (message, details) => log.info(details ?? {}, message),
      handOff: (streams) => this.#durability.handOff(streams),
    };
  }
}

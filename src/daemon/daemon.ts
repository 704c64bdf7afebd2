// A running daemon built from a resolved config: source → pipeline (native shards) → outputs, with durability
// deciding when what is committed and the shutdown paths deciding how it ends. It holds no process-wide state
// (signals are the caller's), so one can be stopped and another started in the same process.
import type { Registry } from 'prom-client';

import { withChanges } from '../config/diff.js';
import { redactConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import type { Logger } from '../log.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { isReplayable, type Source, type SourceSink } from '../sources/source.js';
import { createSource } from '../sources/create-source.js';
import { parseSourceUri } from '../sources/uri.js';
import { createRegistry } from '../api/metrics.js';
import type { ApiServer } from '../api/server.js';
import { daemonApi, type DaemonPhase } from './api.js';
import { ArchiveKeeper, replayModeOf } from './archive.js';
import type { BatchThresholds } from './batch-thresholds.js';
import { Durability } from './durability.js';
import { Instruments, type OutputKind } from './instruments.js';
import { registerDaemonSeries } from './metrics-series.js';
import { consoleTable, openOutputs, type Outputs } from './outputs.js';
import { batchThresholds, notYetAvailable, pipelineOptions } from './parts.js';
import { keysOf, planReload } from './reload-plan.js';
import { endOfInput, type RunningParts, stopGracefully, stopOnFailure } from './shutdown.js';

/** A config read for a reload: the resolved one, or every problem of the file (one line each). */
export type LoadedConfig = { ok: true; config: Config } | { ok: false; problems: string[] };
/** What a reload came to, as `logpulse_config_reloads_total{result}` counts it. */
export type ReloadResult = 'ok' | 'failed';

export class Daemon {
  #config: Config;
  readonly #log: Logger;
  readonly #source: Source;
  readonly #pipeline: Pipeline;
  readonly #outputs: Outputs;
  readonly #durability: Durability;
  #thresholds: BatchThresholds | null;
  readonly #instruments: Instruments;
  #api: ApiServer | null = null;
  #reloads: Promise<unknown> = Promise.resolve();
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
    this.#thresholds = batchThresholds(config, this.#pipeline, log);
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

  /** The config the daemon runs: the one it started with, and what reloads applied since. */
  get config(): Config {
    return this.#config;
  }

  /**
   * Reloads the config (SIGHUP, `logpulse reload`, `--watch-config`; `trigger` names which in the log): `load`
   * reads and validates the file. A bad file changes nothing. Otherwise every changed key is logged and the keys
   * that can change in place do so at once (reload-plan.ts). Reloads run one at a time, in the order asked.
   */
  reload(load: () => LoadedConfig, trigger: string): Promise<ReloadResult | null> {
    const run = this.#reloads.then(() => this.#reload(load, trigger));
    this.#reloads = run.catch(() => undefined);
    return run;
  }

  async #reload(load: () => LoadedConfig, trigger: string): Promise<ReloadResult | null> {
    const log = this.#log;
    if (this.#stopSignal !== null) {
      log.warn({ trigger }, 'config reload ignored: the daemon is stopping');
      return null;
    }
    const loaded = load();
    if (!loaded.ok) {
      log.error({ problems: loaded.problems }, `${trigger}: new config is invalid; keeping the running one`);
      this.#instruments.configReloaded('failed');
      return 'failed';
    }
    const next = loaded.config;
    const plan = planReload(this.#config, next);
    this.#applyInPlace(next, keysOf(plan.inPlace));
    this.#config = withChanges(this.#config, next, plan.inPlace);
    const later = [...new Set(keysOf([...plan.rebuild, ...plan.api]))];
    const changed = { changed: keysOf(plan.changes), inPlace: keysOf(plan.inPlace) };
    if (later.length === 0) log.info(changed, `${trigger}: config reloaded`);
    else log.info({ ...changed, restartNeeded: later }, `${trigger}: config reloaded; these keys apply after a restart`);
    this.#instruments.configReloaded('ok');
    return 'ok';
  }

  /** Applies the keys a running daemon can take at once (reload-plan.ts lists them). */
  #applyInPlace(next: Config, keys: string[]): void {
    const has = (...k: string[]) => k.some((key) => keys.includes(key));
    if (has('log.level')) this.#log.level = next.log.level;
    if (has('console.enabled', 'console.every')) this.#outputs.setConsole(consoleTable(next));
    if (has('output.resultsEvery')) this.#outputs.setResultsEvery(next.output.resultsEveryMs);
    if (has('output.rotateEvery')) {
      this.#outputs.setRotateEvery(next.output.rotateEveryMs);
      this.#durability.setEvery(next.output.rotateEveryMs);
    }
    if (has('alerts.rules', 'alerts.early', 'alerts.thresholdsFrom', 'alerts.thresholdsMinWindows')) {
      this.#pipeline.setRules(next.alerts.rules, next.alerts.early);
      // The watcher judges the new rules against the batch's view (and applies it again over the configured values).
      this.#thresholds?.stop();
      this.#thresholds = batchThresholds(next, this.#pipeline, this.#log);
      if (this.#phase === 'running') void this.#thresholds?.start();
    }
    if (has('api.token')) this.#api?.setToken(next.api.token);
    if (has('alerts.webhook') && notYetAvailable(next).length > 0) {
      this.#log.warn({ keys: notYetAvailable(next) }, 'configured but not available in this version yet (ignored)');
    }
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
        this.#api = api;
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
        rules: () => this.#config.alerts.rules,
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

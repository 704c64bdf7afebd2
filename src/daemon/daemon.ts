// A running daemon built from a resolved config: source → relay → the current generation (pipeline, outputs, durability;
// generation.ts) and the HTTP API, with the shutdown paths deciding how a run ends and reloads deciding what a new config
// changes: in place, the API, or a rebuild of the generation in the same process (rebuild.ts). It holds no process-wide
// state (signals are the caller's), so one can be stopped and another started in the same process.
import { redactConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { isReplayable, type Source } from '../sources/source.js';
import { sourceOf } from '../sources/create-source.js';
import { WebhookDelivery, webhookTarget } from '../sinks/webhook.js';
import type { DaemonApi, DaemonPhase } from './api.js';
import { Generation } from './generation.js';
import { Instruments } from './instruments.js';
import { rebuild, type RebuildHost } from './rebuild.js';
import { keysOf, planReload } from './reload-plan.js';
import { endRun } from './shutdown.js';
import { SourceRelay } from './source-relay.js';

/** A config read for a reload: the resolved one, or every problem of the file (one line each). */
export type LoadedConfig = { ok: true; config: Config } | { ok: false; problems: string[] };
export type ReloadResult = 'ok' | 'failed'; // as `logpulse_config_reloads_total{result}` counts it

export class Daemon implements RebuildHost {
  config: Config;
  readonly log: Logger;
  readonly instruments = new Instruments();
  readonly relay: SourceRelay;
  /** Alerts to `alerts.webhook`: one queue for the daemon's life, across rebuilds and URL changes. */
  readonly webhook: WebhookDelivery;
  source: Source;
  #gen!: Generation;
  #swapped!: Promise<'rebuilt'>;
  #wake: () => void = () => {};
  #broken = false; // a rebuild and its rollback both failed: no generation runs
  #api: DaemonApi | null = null;
  #reloads: Promise<unknown> = Promise.resolve();
  #stopSignal: NodeJS.Signals | null = null;
  #stopRequested: (signal: NodeJS.Signals) => void = () => {};
  readonly #stopped = new Promise<NodeJS.Signals>((resolve) => (this.#stopRequested = resolve));
  #fail: (err: Error) => void = () => {};
  readonly #failure = new Promise<Error>((resolve) => (this.#fail = resolve));
  #starting: Source | null = null; // the source whose `start` is under way (a stop ends it at once)
  #phase: DaemonPhase = 'starting';
  /** The HTTP API's URL once it listens, and what to call once the source has started: the start-up banner's. */
  apiUrl: string | null = null;
  onRunning: () => void = () => {};

  /** Builds every part from `config`; nothing is started yet. Throws on a source this build cannot use (exit 2). */
  static async create(config: Config, log: Logger): Promise<Daemon> {
    const source = sourceOf(config);
    const d = new Daemon(config, log, source);
    await d.webhook.open(config.checkpoint.dir, webhookTarget(config.alerts, process.env));
    d.gen = await Generation.open(config, { log, instruments: d.instruments, source, webhook: d.webhook });
    return d;
  }

  /** The running generation (a rebuild replaces it; the run loop wakes up to follow). */
  get gen(): Generation {
    return this.#gen;
  }

  set gen(g: Generation) {
    this.#gen = g;
    g.outputs.observer = this.#api?.observer ?? null;
    this.#wake();
    this.#swapped = new Promise((resolve) => (this.#wake = () => resolve('rebuilt')));
  }

  private constructor(config: Config, log: Logger, source: Source) {
    this.config = config;
    this.log = log;
    this.source = source;
    this.relay = new SourceRelay(log);
    this.webhook = new WebhookDelivery({ log });
    void this.#stopped.then((signal) => {
      this.#stopSignal = signal;
      if (this.#starting) void this.#starting.stop();
    });
  }

  /**
   * Reloads the config (SIGHUP, `logpulse reload`, `--watch-config`; `trigger` names which in the log): `load`
   * reads and validates the file. A bad file changes nothing. Otherwise every changed key is logged and applied as
   * reload-plan.ts says: in place, by restarting the API, or by a rebuild (with rollback). Reloads run one at a
   * time, in the order asked; none once the daemon is stopping.
   */
  reload(load: () => LoadedConfig, trigger: string): Promise<ReloadResult | null> {
    const run = this.#reloads.then(() => this.#reload(load, trigger));
    this.#reloads = run.catch((err: unknown) => {
      // Neither the new config nor the previous one could start again: the daemon cannot go on.
      this.log.error({ err: (err as Error).message }, `${trigger}: the rollback failed too; stopping`);
      this.#broken = true;
      this.instruments.configReloaded('failed', 'rolled_back');
      this.#fail(err as Error);
    });
    return run;
  }

  async #reload(load: () => LoadedConfig, trigger: string): Promise<ReloadResult | null> {
    const log = this.log;
    if (this.#stopSignal !== null || this.#phase === 'stopping') {
      log.warn({ trigger }, 'config reload ignored: the daemon is stopping');
      return null;
    }
    const loaded = load();
    if (!loaded.ok) {
      log.error({ problems: loaded.problems }, `${trigger}: new config is invalid; keeping the running one`);
      this.instruments.configReloaded('failed');
      return 'failed';
    }
    const next = loaded.config;
    const plan = planReload(this.config, next);
    const keys = { changed: keysOf(plan.changes), inPlace: keysOf(plan.inPlace), rebuild: keysOf(plan.rebuild), api: keysOf(plan.api) };
    if (plan.rebuild.length === 0 && plan.api.length === 0) {
      this.gen.applyInPlace(next, keys.inPlace);
      this.#applyDaemonKeys(next, keys.inPlace);
      this.config = next;
      log.info(keys, `${trigger}: config reloaded`);
      this.instruments.configReloaded('ok');
      return 'ok';
    }
    log.info(keys, `${trigger}: config changed; rebuilding the daemon`);
    this.#phase = 'reloading';
    const result = await rebuild(this, next, plan);
    if (this.#phase === 'reloading') this.#phase = 'running';
    if (result === 'ok') {
      // A rebuilt generation was built from `next`; one that only saw its API restart takes the rest in place.
      if (plan.rebuild.length === 0) this.gen.applyInPlace(next, keys.inPlace);
      this.#applyDaemonKeys(next, keys.inPlace);
      this.config = next;
      log.info({ ...keys, workers: next.pipeline.workers }, `${trigger}: config reloaded`);
    } else {
      log.error(keys, `${trigger}: rolled back; the previous config runs again (the reason is logged above)`);
    }
    this.instruments.configReloaded(result === 'ok' ? 'ok' : 'failed', result);
    return result === 'ok' ? 'ok' : 'failed';
  }

  /** The in-place keys that are the daemon's rather than a generation's. */
  #applyDaemonKeys(next: Config, keys: readonly string[]): void {
    if (keys.includes('log.level')) this.log.level = next.log.level;
    if (keys.includes('api.token')) this.#api?.server.setToken(next.api.token);
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
    const { config, log } = this;
    log.debug({ config: redactConfig(config) }, 'effective config');
    try {
      await this.gen.restoreFromDisk();
    } catch (err) {
      return this.#notStarted('the checkpoint cannot be restored; not starting', err);
    }
    log.info({ source: this.source.uri, workers: config.pipeline.workers, output: config.output.dir }, 'logpulse starting');
    // A reload waits until the daemon runs (or has ended): a rebuild needs a running generation to hand over.
    let started = () => {};
    this.#reloads = this.#reloads.then(() => new Promise<void>((resolve) => (started = resolve)));
    try {
      await this.startApi(config);
    } catch (err) {
      started();
      return this.#notStarted('the HTTP API could not start', err);
    }
    try {
      return await this.#runSource(started);
    } finally {
      this.#phase = 'stopping';
      started();
      await this.stopApi();
      await this.#closeWebhook();
    }
  }

  /** Last: every alert of the run was handed over by now. Delivery goes on briefly, what is left is saved. */
  async #closeWebhook(): Promise<void> {
    await this.webhook.close(Math.max(1000, this.config.shutdownTimeoutMs / 2)).catch((err: unknown) => {
      this.log.error({ err: (err as Error).message }, 'webhook: the undelivered alerts could not be saved');
    });
  }

  /** A run that ends before its source started: what was built is closed, exit 1. */
  async #notStarted(why: string, err: unknown): Promise<number> {
    this.log.error({ err: (err as Error).message }, why);
    this.#phase = 'stopping';
    await this.gen.discard();
    await this.#closeWebhook();
    return 1;
  }

  async startApi(config: Config): Promise<void> {
    if (!config.api.enabled) return;
    // Loaded only for an API (fastify, its schemas and DuckDB's library: 10+ MB a daemon without one never needs).
    const [{ createRegistry }, { registerDaemonSeries, seriesPartsOf }, { daemonApi }] = await Promise.all([import('../api/metrics.js'), import('./metrics-series.js'), import('./api.js')]);
    const registry = createRegistry((r) => registerDaemonSeries(r, seriesPartsOf(this)));
    const phase = () => (this.#stopSignal !== null ? 'stopping' : this.#phase);
    const api = await daemonApi(config, this.log, { pipeline: () => this.gen.pipeline, outputs: () => this.gen.outputs, archive: () => this.gen.archive, phase, registry, memory: () => this.gen.memory.readiness() });
    try {
      this.apiUrl = await api.server.listen();
    } catch (err) {
      await api.server.close();
      throw err;
    }
    this.#api = api;
    this.#gen.outputs.observer = api.observer;
  }

  async stopApi(): Promise<void> {
    const api = this.#api;
    this.#api = null;
    if (api && this.#gen.outputs.observer === api.observer) this.#gen.outputs.observer = null;
    await api?.server.close();
  }

  createSource(config: Config): Source {
    return sourceOf(config);
  }

  async startSource(source: Source): Promise<void> {
    if (isReplayable(source)) source.onFatal((err) => this.#fail(err));
    this.#starting = source;
    try {
      await source.start(this.relay.sinkFor(source));
    } finally {
      this.#starting = null;
    }
  }

  async #runSource(started: () => void): Promise<number> {
    const log = this.log;
    const gen = this.gen;
    await gen.start();
    try {
      await this.startSource(this.source);
    } catch (err) {
      if (this.#stopSignal === null) log.error({ err: (err as Error).message, source: this.source.uri }, 'source could not start');
      else log.info({ signal: this.#stopSignal }, 'stopped before the source started');
      this.#phase = 'stopping';
      started();
      await gen.discard();
      return this.#stopSignal === null ? 1 : 0;
    }
    this.relay.attach(gen);
    this.#phase = 'running';
    started();
    // Tests and operators wait for this line: a listening source accepts connections from here on.
    log.info({ source: this.source.uri }, 'source started');
    this.onRunning();
    gen.startCuts();
    return this.#untilTheEnd();
  }

  /** Waits for the end, a stop or a failure of whichever generation runs by then, and ends the run that way. */
  async #untilTheEnd(): Promise<number> {
    let outcome: Error | NodeJS.Signals | 'ended' | 'rebuilt';
    let gen: Generation;
    do {
      gen = this.gen;
      outcome = await Promise.race([gen.pipeline.ended.then(() => 'ended' as const), this.#stopped, this.#failure, this.#swapped]);
      // A reload under way finishes first: its rebuild may have replaced the generation the outcome is about.
      await this.#reloads;
    } while (!this.#broken && (this.gen !== gen || outcome === 'rebuilt'));
    this.#phase = 'stopping';
    if (this.#broken) {
      await this.source.stop();
      return 1;
    }
    return this.#end(gen, outcome as Error | NodeJS.Signals | 'ended');
  }

  async #end(gen: Generation, outcome: Error | NodeJS.Signals | 'ended'): Promise<number> {
    let code = await endRun(gen.parts, outcome, this.config.shutdownTimeoutMs, this.config.checkpoint.dir);
    if (gen.pipeline.failure) {
      this.log.error({ err: gen.pipeline.failure.message }, 'a shard failed');
      code = 1;
    }
    await gen.close();
    return code;
  }
}

// `logpulse run`: the daemon. Config → source → pipeline (native shards) → sinks, with SIGHUP reload and a
// graceful SIGTERM/SIGINT drain bounded by `shutdownTimeout`.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { type Config, type FlagOverrides, loadConfig } from '../config/load.js';
import { formatProblem } from '../config/errors.js';
import { newCheckpoint, readCheckpoint, retireCheckpoint, writeCheckpoint } from '../lifecycle/checkpoint.js';
import { DurableCuts } from '../lifecycle/durable-cut.js';
import { installSignalHandlers } from '../lifecycle/signals.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import { createLogger, type Logger } from '../log.js';
import type { ShardOptions } from '../native.js';
import type { AlertRule } from '../pipeline/alert-engine.js';
import { Pipeline, type PipelineSinks } from '../pipeline/pipeline.js';
import { ConsoleTable } from '../sinks/console-table.js';
import { KafkaAlertSink } from '../sinks/kafka-alerts.js';
import { ResultsTxt } from '../sinks/results-txt.js';
import { RotatingFileSink } from '../sinks/rotating-file.js';
import type { FileKind } from '../sinks/sink.js';
import { isReplayable, type ReplayableSource, type Source } from '../sources/source.js';
import { createSource, parseSourceUri } from '../sources/uri.js';

export interface RunOptions extends FlagOverrides {
  config?: string;
}

/** Sinks hold at most this much unwritten data before sources are paused (a slow or full disk). */
const MAX_PENDING_SINK_BYTES = 256 << 20;
/** An output file is also completed early once it reaches this size (see PipelineOptions.rotateAtBytes). */
const ROTATE_AT_BYTES = 64 << 20;

function shardOptions(c: Config): ShardOptions {
  const p = c.pipeline;
  const errorsPerStatus = c.alerts.rules.find((r) => r.type === 'errors_per_status');
  return {
    errorStatusMin: p.errorStatusMin,
    windowMs: p.windowMs,
    watermarkMs: p.watermarkMs,
    idleTimeoutMs: p.idleTimeoutMs,
    maxFutureSkewMs: p.maxFutureSkewMs,
    maxUrlsPerWindow: p.maxUrlsPerWindow,
    maxLineBytes: c.limits.maxLineBytes,
    format: c.format,
    csvDelimiter: c.csv.delimiter,
    // The shards' own early alerts are not used (the pipeline sums counts over shards), so keep them quiet.
    earlyAlerts: false,
    earlyAlertThreshold: errorsPerStatus?.threshold ?? 100,
    // Per-group counts cost memory (an IP map grows with distinct clients): only kept for a configured rule.
    trackUrlCounts: c.alerts.rules.some((r) => r.type === 'url_error_rate'),
    trackIpCounts: c.alerts.rules.some((r) => r.type === 'ip_error_rate'),
  };
}

function alertRules(c: Config): AlertRule[] {
  return c.alerts.rules.map((r) => ('minRequests' in r ? { type: r.type, threshold: r.threshold, minRequests: r.minRequests } : { type: r.type, threshold: r.threshold }));
}

/** Config keys of SPEC features that later issues deliver: said out loud rather than silently ignored. */
function notYetAvailable(c: Config): string[] {
  const keys: string[] = [];
  if (c.api.enabled) keys.push('api.enabled (the HTTP API; pass --no-api to silence this)');
  if (c.alerts.webhook) keys.push('alerts.webhook');
  if (c.archive.enabled) keys.push('archive.enabled');
  return keys;
}

/**
 * Puts back the open windows a graceful stop saved; an unusable checkpoint is moved aside, never half-applied.
 * A replayable source also gets the positions the state includes, and the checkpoint stays until the next cut
 * replaces it (deleting it before then would lose its windows on a crash).
 */
async function restoreCheckpoint(c: Config, pipeline: Pipeline, replayable: ReplayableSource | null, log: Logger): Promise<void> {
  const dir = c.checkpoint.dir;
  try {
    const cp = await readCheckpoint(dir);
    if (!cp) return;
    if (cp.workers !== c.pipeline.workers) {
      log.warn({ dir, checkpointWorkers: cp.workers, workers: c.pipeline.workers }, 'checkpoint was written with another worker count; not restored (left in place)');
      return;
    }
    await pipeline.restoreState(cp);
    if (replayable) replayable.resumeFrom(cp.positions ?? {});
    else await retireCheckpoint(dir, 'restored');
    log.info({ dir, savedAt: cp.createdAt }, 'open windows restored from the checkpoint');
  } catch (err) {
    const aside = await retireCheckpoint(dir, 'rejected').catch(() => null);
    log.error({ err: (err as Error).message, movedTo: aside }, 'checkpoint could not be restored; starting without it');
  }
}

export async function runCommand(opts: RunOptions): Promise<number> {
  const { config: path, ...flags } = opts;
  const loaded = loadConfig(path, flags);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 2;
  }
  // What is running: a reload changes only the log level, so everything below keeps reading the config it started with.
  const config = loaded.config;
  const log = createLogger(config.log.level);

  let source: Source;
  let alertsToKafka: KafkaAlertSink | null = null;
  try {
    const spec = parseSourceUri(config.source);
    source = createSource(spec, {
      kafka: { group: config.kafka.group, startingOffsets: config.kafka.startingOffsets, security: config.kafka.security },
    });
    // Alerts go to Kafka when brokers are known: the source's own, or `kafka.brokers`.
    const brokers = spec.kind === 'kafka' ? spec.brokers : config.kafka.brokers;
    if (brokers !== null) {
      alertsToKafka = new KafkaAlertSink({
        topic: config.alerts.kafkaTopic,
        client: kafkaClientConfig(brokers, config.kafka.security),
        warn: (message, details) => log.warn(details ?? {}, message),
      });
    }
  } catch (err) {
    process.stderr.write(`source: ${(err as Error).message}\n`);
    return 2;
  }

  // Kafka: offsets are committed after durable cuts, and a restart resumes from the checkpointed positions.
  const replayable = isReplayable(source) ? source : null;
  const outDir = config.output.dir;
  await mkdir(outDir, { recursive: true });
  const sinkFor = (kind: FileKind) =>
    new RotatingFileSink({
      dir: join(outDir, kind),
      kind,
      shard: 'all',
      rotateEveryMs: config.output.rotateEveryMs,
      onError: (err) => log.error({ err: err.message, kind }, 'output file write failed; retrying (data kept in memory)'),
      onDurable: () => pipeline.recheckBackpressure(),
      // A replayable source re-delivers whatever a crash left in `.part` files: publishing them would duplicate.
      leftovers: replayable ? 'discard' : 'publish',
    });
  const sinks: PipelineSinks = { errors: sinkFor('errors'), rejected: sinkFor('rejected'), metrics: sinkFor('metrics'), alerts: sinkFor('alerts') };
  // Several daemons sharing a consumer group each see some partitions: their partials merge (`logpulse merge`).
  if (replayable) sinks.partials = sinkFor('partials');
  const results = new ResultsTxt({ dir: outDir, everyMs: config.output.resultsEveryMs });
  const consoleTable = config.console.enabled ? new ConsoleTable({ everyMs: config.console.everyMs }) : null;

  const pipeline: Pipeline = new Pipeline({
    shards: config.pipeline.workers,
    shardOptions: shardOptions(config),
    chunkBytes: config.pipeline.chunkBytes,
    maxInFlightChunks: config.pipeline.maxInFlightChunks,
    lingerMs: 20,
    tickMs: 1000,
    rules: alertRules(config),
    earlyAlerts: config.alerts.early,
    maxUrlsPerWindow: config.pipeline.maxUrlsPerWindow,
    sinks,
    maxPendingSinkBytes: MAX_PENDING_SINK_BYTES,
    rotateAtBytes: ROTATE_AT_BYTES,
    onSinkError: (err) => log.error({ err: err.message }, 'output rotation failed'),
    onWindows: (windows) =>
      consoleTable?.update(
        windows.map((w) => ({
          windowStartUs: w.windowStartUs,
          windowEndUs: w.windowEndUs,
          requests: w.requests,
          errors: w.errors,
          uniqueIps: w.uniqueIps,
          statuses: w.statuses.map((s) => ({ status: s.status, count: s.errorCount })),
          closed: true,
        })),
      ),
    onOpenWindows: (windows) => consoleTable?.update(windows.map((w) => ({ ...w, uniqueIps: Number.NaN, closed: false }))),
    onAlert: (alert) => {
      consoleTable?.alert(alert);
      alertsToKafka?.send(alert);
      log.warn({ alert }, 'alert');
    },
    onCounters: (records, errors) => results.add(records, errors),
  });
  pipeline.onPause = () => source.pause();
  pipeline.onResume = () => source.resume();

  const closeOutputs = async () => {
    consoleTable?.stop();
    await results.stop();
    await Promise.all(Object.values(sinks).map((s) => s.close()));
    await alertsToKafka?.close(Math.max(1000, config.shutdownTimeoutMs / 2));
  };

  let stopRequested: ((signal: NodeJS.Signals) => void) | null = null;
  let stopSignal: NodeJS.Signals | null = null;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (stopRequested = resolve));
  // A stop while the source is still starting (brokers not reached yet) ends the start at once.
  void stopped.then((signal) => {
    stopSignal = signal;
    if (startPending) void source.stop();
  });
  let startPending = true;
  const uninstall = installSignalHandlers(log, {
    reload: () => {
      const next = loadConfig(path, flags);
      if (!next.ok) {
        log.error({ problems: next.problems.map(formatProblem) }, 'SIGHUP: new config is invalid; keeping the running one');
        return;
      }
      // The log level applies at once; every other section is wired into running parts at start-up, so it is
      // compared with what runs (and reported again on each reload until a restart applies it).
      const changed = (Object.keys(next.config) as (keyof Config)[]).filter(
        (k) => k !== 'log' && JSON.stringify(next.config[k]) !== JSON.stringify(config[k]),
      );
      log.level = next.config.log.level;
      if (changed.length === 0) log.info('SIGHUP: config reloaded');
      else log.info({ restartNeeded: changed }, 'SIGHUP: config reloaded; these sections apply after a restart');
    },
    stop: (signal) => stopRequested?.(signal),
  });

  await restoreCheckpoint(config, pipeline, replayable, log);
  const cuts = replayable
    ? new DurableCuts({
        source: replayable,
        pipeline,
        sinks: Object.values(sinks),
        checkpointDir: config.checkpoint.dir,
        workers: config.pipeline.workers,
        everyMs: config.output.rotateEveryMs,
        log,
      })
    : null;
  let failed: ((err: Error) => void) | null = null;
  const failure = new Promise<Error>((resolve) => (failed = resolve));
  replayable?.onFatal((err) => failed?.(err));
  log.info({ source: source.uri, workers: config.pipeline.workers, output: outDir }, 'logpulse starting');
  const notYet = notYetAvailable(config);
  if (notYet.length > 0) log.warn({ keys: notYet }, 'configured but not available in this version yet (ignored)');
  pipeline.start();
  results.start();
  consoleTable?.start();
  try {
    await source.start({
      data: (stream, chunk, route) => pipeline.data(stream, chunk, route),
      declare: (stream, route) => pipeline.declare(stream, route),
      streamEnd: (stream) => pipeline.streamEnd(stream),
      end: () => pipeline.end(),
      warn: (message, details) => log.warn(details ?? {}, message),
      info: (message, details) => log.info(details ?? {}, message),
      handOff: async (streams) => {
        await cuts?.cut(true);
        log.info({ streams }, 'streams handed over: outputs durable, offsets committed');
      },
    });
  } catch (err) {
    if (stopSignal === null) log.error({ err: (err as Error).message, source: source.uri }, 'source could not start');
    else log.info({ signal: stopSignal }, 'stopped before the source started');
    await pipeline.close();
    await closeOutputs();
    uninstall();
    return stopSignal === null ? 1 : 0;
  }
  startPending = false;
  // Tests and operators wait for this line: a listening source accepts connections from here on.
  log.info({ source: source.uri }, 'source started');
  cuts?.start();

  const outcome = await Promise.race([pipeline.ended.then(() => 'ended' as const), stopped, failure]);
  let code = 0;
  if (outcome instanceof Error || outcome === 'ended') await cuts?.stop();
  if (outcome instanceof Error) {
    // The source cannot go on (credentials rejected): nothing more is read; what was read is made durable.
    log.error({ err: outcome.message, source: source.uri }, 'source failed');
    code = 1;
    await source.stop();
    await pipeline.drainInFlight();
    await closeOutputs();
  } else if (outcome === 'ended') {
    await pipeline.finish();
    await closeOutputs();
    if (replayable) {
      // Every window is emitted and every output durable: the whole read is done, nothing to resume.
      await replayable.commit(replayable.positions(), true);
      await replayable.stop();
      await retireCheckpoint(config.checkpoint.dir, 'restored');
    }
    log.info({ totals: pipeline.totals }, 'input ended; every window emitted, outputs flushed');
  } else {
    const deadline = setTimeout(() => {
      log.error({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout exceeded; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    if (cuts) {
      // Outputs, open windows and positions made durable together, offsets committed, then the group left.
      await cuts.final();
      await source.stop();
    } else {
      await source.stop();
      await pipeline.drainInFlight();
    }
    // An unbounded source has no end: its open windows wait in a checkpoint for the next start (SPEC §3).
    if (!source.finite && !cuts) {
      const state = await pipeline.checkpointState();
      await writeCheckpoint(config.checkpoint.dir, newCheckpoint(config.pipeline.workers, state));
    }
    await closeOutputs();
    clearTimeout(deadline);
    log.info({ signal: outcome, totals: pipeline.totals, checkpoint: source.finite ? null : config.checkpoint.dir }, 'stopped; open windows were not emitted');
  }
  if (pipeline.failure) {
    log.error({ err: pipeline.failure.message }, 'a shard failed');
    code = 1;
  }
  await pipeline.close();
  uninstall();
  return code;
}

export type { Logger };

// The HTTP API as a running daemon serves it: readiness from the daemon's phase and its outputs' backlog, metrics
// from the daemon's own Registry (metrics-series.ts); /windows, /alerts and /events see what the outputs emit
// (their observer); the stats views read the archive.
import type { Registry } from 'prom-client';

import type { ReadinessCheck } from '../api/health.js';
import { History } from '../api/history.js';
import { LiveHub } from '../api/live.js';
import { RecentOutputs } from '../api/recent-outputs.js';
import { ApiServer } from '../api/server.js';
import { openStats } from '../api/stats/open.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { ArchiveKeeper } from './archive.js';
import { MAX_PENDING_OUTPUT_BYTES, type OutputObserver, type Outputs } from './outputs.js';

/** Where a daemon is in its life, as `/ready` reports it (`reloading`: a reload is rebuilding it). */
export type DaemonPhase = 'starting' | 'running' | 'reloading' | 'stopping';

export interface DaemonApiParts {
  /** The running pipeline and outputs (a reload may replace them while the API goes on). */
  pipeline: () => Pipeline;
  outputs: () => Outputs;
  /** The Parquet archive, when `archive.enabled`. */
  archive: () => ArchiveKeeper | null;
  phase: () => DaemonPhase;
  /** The daemon's metrics (metrics-series.ts). */
  registry: Registry;
  /** The `memory` check (memory-guard.ts); null or absent: no memory limit. */
  memory?: () => ReadinessCheck | null;
}

/** The API of a daemon (built, not yet listening), and the observer the daemon gives each of its outputs. */
export interface DaemonApi {
  server: ApiServer;
  observer: OutputObserver;
}

/** Builds (not yet listening) the API of a daemon. */
export async function daemonApi(config: Config, log: Logger, parts: DaemonApiParts): Promise<DaemonApi> {
  const { pipeline, outputs, archive, phase, registry } = parts;
  const memory = parts.memory ?? (() => null);
  const readiness = (): Record<string, ReadinessCheck> => {
    const p = phase();
    const o = outputs();
    const pending = o.pendingBytes;
    const backlog = `${pending} bytes not yet durable (sources pause at ${MAX_PENDING_OUTPUT_BYTES})`;
    const failedCut = archive()?.failure ?? null;
    const mem = memory();
    return {
      source: { ok: p === 'running', detail: p === 'running' ? 'started' : p },
      // A failing archive cut is an output fault too (the `outputs` check names it): this says which cut and why.
      ...(archive() === null ? {} : { archive: failedCut === null ? { ok: true, detail: 'cuts written' } : { ok: false, detail: `${failedCut}; sources paused, its rows kept in memory, retrying` } }),
      outputs: {
        // At the limit, or while a disk fault lasts, the pipeline pauses the source: the daemon is alive but not
        // taking input (it resumes by itself once the outputs write again).
        ok: pending < MAX_PENDING_OUTPUT_BYTES && !o.failing,
        detail: o.failing ? `sources paused: ${o.faultDetail}; ${backlog}` : backlog,
      },
      // Over `limits.maxMemory` the sources pause too (memory-guard.ts).
      ...(mem === null ? {} : { memory: mem }),
    };
  };
  const recent = new RecentOutputs();
  const live = new LiveHub({
    probe: { totals: () => pipeline().totals, pendingOutputBytes: () => outputs().pendingBytes, closedThroughUs: () => pipeline().closedThroughUs },
  });
  const observer: OutputObserver = {
    windowRows: (rows) => {
      recent.windowRows(rows);
      live.windowRows(rows);
    },
    alert: (alert) => {
      recent.alert(alert);
      live.alert(alert);
    },
  };
  const history = new History({ outputDir: config.output.dir, recent, warn: (message, details) => log.warn(details, message) });
  const stats = await openStats(config, log, 'background');
  const server = await ApiServer.create({ host: config.api.host, port: config.api.port, token: config.api.token, corsOrigins: config.api.corsOrigins, log, readiness, registry, history, live, stats });
  return { server, observer };
}
